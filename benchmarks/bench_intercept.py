"""The cost of intercepting np.array & co. (xformad/intercept.py).

(a) plain numpy code outside any trace: np.array / np.asarray / math.exp with xformad
    imported, against the same calls in a process that never imported it (run as a
    subprocess, interleaved), and from a thread with no trace while another thread holds
    a trace open;
(b) the gradient of a function that builds a 3x3 matrix from 9 traced scalars with
    np.array, against the same function written with np.stack;
(c) the gradient of an RNN that writes its states into a buffer made with np.zeros
    (H[t] = h, acc += h: xformad/buffers.py), against the same collected in a list and
    stacked, and against autograd on the list form (autograd cannot write into arrays);
(d) what the interception costs each outermost trace: installing and removing the
    wrappers (intercept.acquire + release).
"""

from __future__ import annotations

import math
import statistics
import subprocess
import sys
import threading
import time

import numpy as np
from common import interleaved, report

PLAIN = """
import math, time, statistics, numpy as np
{setup}
a = np.ones(8)
def run():
    for _ in range(20000):
        np.array([1.0, 2.0]); np.asarray(a); math.exp(0.5)
samples = []
for _ in range(15):
    t = time.perf_counter(); run(); samples.append((time.perf_counter() - t) / 20000)
print(statistics.median(samples))
"""


def outside_any_trace() -> dict:
    """Median seconds per (np.array + np.asarray + math.exp), with and without xformad."""
    results: dict = {"numpy alone": [], "xformad imported": []}
    for _ in range(3):  # interleaved processes
        for name, setup in (
            ("numpy alone", ""),
            ("xformad imported", "import xformad; xformad.grad(np.sin)(1.0)"),
        ):
            out = subprocess.run(
                [sys.executable, "-c", PLAIN.format(setup=setup)], capture_output=True, text=True
            )
            results[name].append(float(out.stdout))
    return {k: sorted(v)[1] for k, v in results.items()}


def _calls(n: int = 20000) -> float:
    a = np.ones(8)
    start = time.perf_counter()
    for _ in range(n):
        np.array([1.0, 2.0])
        np.asarray(a)
        math.exp(0.5)
    return (time.perf_counter() - start) / n


def while_another_thread_traces() -> dict:
    """The same loop in this process, interleaved: no trace anywhere, and while another
    thread holds a trace open (so the wrappers are installed)."""
    import xformad

    inside, release = threading.Event(), threading.Event()
    results: dict = {"no trace anywhere": [], "another thread tracing": []}

    def hold(x):
        inside.set()
        release.wait(60)
        return x * 1.0

    for _ in range(7):
        results["no trace anywhere"].append(_calls())
        inside.clear()
        release.clear()
        t = threading.Thread(target=lambda: xformad.grad(hold)(1.0))
        t.start()
        inside.wait(10)
        try:
            results["another thread tracing"].append(_calls())
        finally:
            release.set()
            t.join()
    return {k: statistics.median(v) for k, v in results.items()}


def matrix_from_scalars():
    import xformad

    def with_array(p):
        a, b, c = np.sin(p[0]), np.cos(p[1]), p[2] * p[0]
        M = np.array([[a, b, c], [b, c, a], [c, a, b]])
        return np.sum(M @ M)

    def with_stack(p):
        a, b, c = np.sin(p[0]), np.cos(p[1]), p[2] * p[0]
        M = np.stack([np.stack([a, b, c]), np.stack([b, c, a]), np.stack([c, a, b])])
        return np.sum(M @ M)

    p = np.array([0.3, 0.7, 1.1])
    np.testing.assert_allclose(xformad.grad(with_array)(p), xformad.grad(with_stack)(p), rtol=1e-14)
    ga, gs = xformad.grad(with_array), xformad.grad(with_stack)
    return interleaved({"grad, np.stack": lambda: gs(p), "grad, np.array": lambda: ga(p)})


def rnn_buffer():
    import xformad

    T, n = 50, 16
    rng = np.random.default_rng(0)
    W, X = 0.4 * rng.standard_normal((n, n)), rng.standard_normal((T, n))

    def with_buffer(W):
        H = np.zeros((T, n))
        acc = np.zeros(n)
        h = np.zeros(n)
        for t in range(T):
            h = np.tanh(W @ h + X[t])
            H[t] = h
            acc += h
        return np.sum(H**2) + np.sum(acc) / T

    def with_list(W, np=np):
        states, h = [], np.zeros(n)
        for t in range(T):
            h = np.tanh(np.dot(W, h) + X[t])
            states.append(h)
        H = np.stack(states)
        return np.sum(H**2) + np.sum(np.sum(H, axis=0)) / T

    np.testing.assert_allclose(xformad.grad(with_buffer)(W), xformad.grad(with_list)(W), rtol=1e-12)
    contenders = {"grad, list + np.stack": lambda: gl(W), "grad, buffer H[t] = h": lambda: gb(W)}
    gb, gl = xformad.grad(with_buffer), xformad.grad(with_list)
    try:
        import autograd
        import autograd.numpy as anp

        ga = autograd.grad(lambda W: with_list(W, np=anp))
        np.testing.assert_allclose(ga(W), gl(W), rtol=1e-12)
        contenders["autograd, list + np.stack"] = lambda: ga(W)
    except ImportError:
        pass
    return interleaved(contenders)


def acquire_release() -> dict:
    import xformad
    from xformad import intercept, plugins

    xformad.grad(np.sin)(1.0)
    samples = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(20000):
            intercept.acquire()
            intercept.release()
        samples.append((time.perf_counter() - start) / 20000)
    return {f"{len(plugins.registry().interceptions)} names": statistics.median(samples)}


if __name__ == "__main__":
    outside = outside_any_trace()
    report("(a) np.array + np.asarray + math.exp, no trace anywhere", outside, "numpy alone")
    report(
        "(a') the same, in-process, from a thread with no trace while another thread traces",
        while_another_thread_traces(),
        "no trace anywhere",
    )
    report(
        "(b) gradient of a 3x3 matrix built from 9 traced scalars", matrix_from_scalars(), "grad, np.stack"
    )
    report("(c) gradient of an RNN, T = 50, H = 16", rnn_buffer(), "grad, list + np.stack")
    cost = acquire_release()
    for name, seconds in cost.items():
        print(f"\n(d) intercept.acquire + release, {name}: {seconds * 1e6:.1f} us per outermost trace")
