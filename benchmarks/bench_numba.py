"""Issue 16's benchmark: xformad.jit(grad, backend="numba") beside the numpy backend's
emitted code, jax.jit(grad) and torch, in one run, on the issue's workloads:

- W4 elementwise sum(tanh(x) exp(-x^2) + sin(x)^2), 10^6 float64: time, and peak extra
  memory (tracemalloc; the numba backend allocates its outputs through numpy, so they count);
- W3 MLP 784-512-512-10, batch 256 and W1 the seed function: no regression wanted;
- W5 RNN T=200, hidden 64 (jax with lax.scan) and W2 logistic map n=4096 (jax with
  lax.fori_loop; unrolled, its compile takes minutes): loop rolling's workloads;
- the first call of W5 at T = 50, 200, 800 and of W2, each in a fresh process, with
  numba's disk cache empty and warm (rolled: flat in T);
- the GradBench-shaped programs of issue 18 (least squares, determinant, RK4 ODE, LSTM,
  particles), whose Python loops roll.

Medians over interleaved repeats, ratios to jax.jit where it runs (else hand-written).

Run (add --quick for a short run):
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/bench_numba.py
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_jit import _jax, warm  # noqa: E402
from bench_jit_arrays import _torch, elementwise, elementwise_hand, mlp_loss_jax  # noqa: E402
from common import interleaved, report  # noqa: E402
from workloads import (  # noqa: E402
    logistic,
    logistic_hand,
    mlp_grad_torch,
    mlp_hand,
    mlp_loss,
    mlp_setup,
    rnn_grad_torch,
    rnn_hand,
    rnn_loss,
    rnn_setup,
    seed,
    seed_hand,
)

import xformad  # noqa: E402


def _jits(g, *args) -> dict:
    """The two xformad contenders, compiled at the first call and warmed, with the time of
    that first call (trace, emission, numba compile or its disk-cache load)."""
    out, first = {}, {}
    for backend in ("numpy", "numba"):
        jg = xformad.jit(g, backend=backend, compile_after=0)
        start = time.perf_counter()
        jg(*args)
        first[backend] = time.perf_counter() - start
        warm(jg, *args)
        out[f"xformad.jit ({backend})"] = jg
    print(f"  first call: numpy {first['numpy']:.2f} s, numba {first['numba']:.2f} s")
    return out


def _close(a, b) -> None:
    for x, y in zip(a, b):
        assert np.allclose(x, y, rtol=1e-9, atol=1e-12)


def _gap(medians: dict, jax_name: str) -> None:
    if jax_name in medians:
        for name in ("xformad.jit (numpy)", "xformad.jit (numba)"):
            print(f"  {name} / {jax_name}: {medians[name] / medians[jax_name]:.2f}x")


def bench_elementwise(repeats: int, size: int) -> None:
    x = np.linspace(-3, 3, size)
    print(f"\nW4 elementwise, {size} float64")
    jits = _jits(xformad.grad(elementwise), x)
    contenders = {"hand-written": lambda: elementwise_hand(x)}
    for name, jg in jits.items():
        _close([jg(x)], [elementwise_hand(x)])
        contenders[name] = lambda jg=jg: jg(x)
    torch = _torch()
    if torch is not None:
        tx = torch.tensor(x, requires_grad=True)
        contenders["torch"] = lambda: torch.autograd.grad(
            torch.sum(torch.tanh(tx) * torch.exp(-(tx**2)) + torch.sin(tx) ** 2), tx
        )
    jax = _jax()
    if jax is not None:
        jnp = jax.numpy
        jx = jnp.asarray(x)
        g_jax = jax.jit(jax.grad(lambda x: jnp.sum(jnp.tanh(x) * jnp.exp(-(x**2)) + jnp.sin(x) ** 2)))
        jax.block_until_ready(g_jax(jx))
        contenders["jax.jit(grad)"] = lambda: jax.block_until_ready(g_jax(jx))
    medians = interleaved(contenders, repeats=repeats, target=0.2)
    report("W4 gradient", medians, "jax.jit(grad)" if "jax.jit(grad)" in medians else "hand-written")
    _gap(medians, "jax.jit(grad)")
    print("  peak memory beyond the input (tracemalloc), as multiples of the input:")
    for name in ("hand-written", "xformad.jit (numpy)", "xformad.jit (numba)"):
        tracemalloc.start()
        contenders[name]()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"    {name:<24}{peak / x.nbytes:>8.2f}x  (target for numba: <= 2x)")


def bench_mlp(repeats: int) -> None:
    params, x, labels = mlp_setup(np.random.default_rng(0))
    print("\nW3 MLP 784-512-512-10, batch 256")
    jits = _jits(xformad.grad(mlp_loss), params, x, labels)
    contenders = {"hand-written": lambda: mlp_hand(params, x, labels)}
    for name, jg in jits.items():
        _close(jg(params, x, labels), mlp_hand(params, x, labels))
        contenders[name] = lambda jg=jg: jg(params, x, labels)
    torch = _torch()
    if torch is not None:
        contenders["torch"] = mlp_grad_torch(torch, params, x, labels)
    jax = _jax()
    if jax is not None:
        jp = [jax.numpy.asarray(p) for p in params]
        jx, jl = jax.numpy.asarray(x), jax.numpy.asarray(labels)
        g_jax = jax.jit(jax.grad(lambda p: mlp_loss_jax(jax.numpy, p, jx, jl)))
        jax.block_until_ready(g_jax(jp))
        contenders["jax.jit(grad)"] = lambda: jax.block_until_ready(g_jax(jp))
    medians = interleaved(contenders, repeats=repeats, target=0.3)
    report("W3 gradient", medians, "xformad.jit (numpy)")
    _gap(medians, "jax.jit(grad)")


def bench_seed(repeats: int) -> None:
    print("\nW1 seed function")
    jits = _jits(xformad.grad(seed, argnums=(0, 1)), 2.0, 5.0)
    contenders = {"hand-written": lambda: seed_hand(2.0, 5.0)}
    for name, jg in jits.items():
        _close(jg(2.0, 5.0), seed_hand(2.0, 5.0))
        contenders[name] = lambda jg=jg: jg(2.0, 5.0)
    jax = _jax()
    if jax is not None:
        jnp = jax.numpy
        g_jax = jax.jit(jax.grad(lambda a, b: jnp.log(a) + a * b - jnp.sin(b), argnums=(0, 1)))
        jax.block_until_ready(g_jax(2.0, 5.0))
        contenders["jax.jit(grad)"] = lambda: jax.block_until_ready(g_jax(2.0, 5.0))
    medians = interleaved(contenders, repeats=repeats, target=0.05)
    report("W1 gradient", medians, "xformad.jit (numpy)")


def bench_rnn(repeats: int, steps: int = 200, hidden: int = 64) -> None:
    w, xs = rnn_setup(np.random.default_rng(0), steps, hidden)
    print(f"\nW5 RNN T={steps}, hidden {hidden}")
    jits = _jits(xformad.grad(rnn_loss), w, xs)
    contenders = {"hand-written": lambda: rnn_hand(w, xs)}
    for name, jg in jits.items():
        _close([jg(w, xs)], [rnn_hand(w, xs)])
        contenders[name] = lambda jg=jg: jg(w, xs)
    torch = _torch()
    if torch is not None:
        contenders["torch"] = rnn_grad_torch(torch, w, xs)
    jax = _jax()
    if jax is not None:
        jnp = jax.numpy

        def jax_loss(w, xs):
            h, _ = jax.lax.scan(lambda h, x_t: (jnp.tanh(w @ h + x_t), None), jnp.zeros(hidden), xs)
            return jnp.sum(h**2)

        g_jax = jax.jit(jax.grad(jax_loss))
        jw, jxs = jnp.asarray(w), jnp.asarray(xs)
        jax.block_until_ready(g_jax(jw, jxs))
        contenders["jax.jit(grad) (lax.scan)"] = lambda: jax.block_until_ready(g_jax(jw, jxs))
    medians = interleaved(contenders, repeats=repeats, target=0.2)
    report("W5 gradient", medians, "hand-written")
    _gap(medians, "jax.jit(grad) (lax.scan)")


def bench_logistic(repeats: int, n: int = 4096) -> None:
    print(f"\nW2 logistic map n={n}")
    g = xformad.grad(lambda x: logistic(x, n))
    jits = _jits(g, 0.3)
    contenders = {"hand-written": lambda: logistic_hand(0.3, n)}
    # the map is chaotic (rounding differences grow like the derivative, which overflows
    # past n ~ 1000): the two backends are compared with each other, not with the hand
    # derivative's other order of operations
    want = jits["xformad.jit (numpy)"](0.3)
    for name, jg in jits.items():
        assert np.isclose(jg(0.3), want, rtol=1e-12, equal_nan=True)
        contenders[name] = lambda jg=jg: jg(0.3)
    jax = _jax()
    if jax is not None:
        step = lambda _, x: 4 * x * (1 - x)  # noqa: E731
        g_jax = jax.jit(jax.grad(lambda x: jax.lax.fori_loop(0, n, step, x)))
        jax.block_until_ready(g_jax(0.3))
        contenders["jax.jit(grad) (fori_loop)"] = lambda: jax.block_until_ready(g_jax(0.3))
    medians = interleaved(contenders, repeats=repeats, target=0.1)
    report("W2 gradient", medians, "hand-written")
    _gap(medians, "jax.jit(grad) (fori_loop)")


def bench_gradbench(repeats: int) -> None:
    """The GradBench-shaped programs of issue 18 (gradbench_programs.py, reduced sizes),
    whose Python loops roll: steady state of jit(grad) on both backends beside jax.jit
    (jax's own loops: lax.scan / fori_loop), and each backend's first call."""
    from gradbench_programs import programs

    for name, program in programs().items():
        args = program.make_args(np.random.default_rng(0))
        print(f"\nGradBench {name}: {program.description}")
        g = xformad.grad(program.loss)
        want = g(*args)
        contenders = {}
        for jit_name, jg in _jits(g, *args).items():
            _close([jg(*args)], [want])
            contenders[jit_name] = lambda jg=jg: jg(*args)
        jax = _jax()
        if jax is not None:
            g_jax = jax.jit(jax.grad(program.jax_loss(jax.numpy, jax.lax)))
            jax.block_until_ready(g_jax(*args))
            contenders["jax.jit(grad)"] = lambda: jax.block_until_ready(g_jax(*args))
        medians = interleaved(contenders, repeats=repeats, target=0.1)
        report(f"{name} gradient", medians, "xformad.jit (numpy)")
        _gap(medians, "jax.jit(grad)")


_FIRST_CALL = """
import sys, time
sys.path.insert(0, {bench!r})
import numpy as np, xformad, xformad.backends
from workloads import logistic, rnn_loss, rnn_setup
xformad.backends.get_backend("numba")
import numba  # imported before the clock starts: once per process, whatever the program
if {rnn}:
    w, xs = rnn_setup(np.random.default_rng(0), {size}, 64)
    g, args = xformad.grad(rnn_loss), (w, xs)
else:
    g, args = xformad.grad(lambda x: logistic(x, {size})), (0.3,)
jg = xformad.jit(g, backend={backend!r}, compile_after=0)
start = time.perf_counter()
jg(*args)
print(time.perf_counter() - start)
"""


def _first_call(backend: str, rnn: bool, size: int, cache: str | None, numba_cache: str | None = None):
    """The first call (trace, emission, compile or disk-cache load) in a fresh process;
    ``cache``: the plugin's kernel cache, ``numba_cache``: numba's own (``NUMBA_CACHE_DIR``,
    where the plugin's helper functions, ``cached_calls.py``, keep their machine code)."""
    import os
    import subprocess

    env = dict(os.environ)
    if cache is not None:
        env["XFORMAD_NUMBA_CACHE"] = cache
    if numba_cache is not None:
        env["NUMBA_CACHE_DIR"] = numba_cache
    code = _FIRST_CALL.format(bench=str(Path(__file__).resolve().parent), rnn=rnn, size=size, backend=backend)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


def bench_first_calls() -> None:
    """W5 at T = 50, 200, 800 and W2 at n = 4096: the first call of jit(grad), each in a
    fresh process: on a fresh installation (every cache empty: the plugin's kernels and
    numba's cache of the plugin's helpers), for a new program (its kernels not compiled
    before, the helpers cached by any earlier use of the plugin), and again (warm)."""
    import tempfile

    print("\nfirst call (trace + emission + compile), a fresh process each; target: flat in T, <= 2 s")
    rows = [("W5 RNN", True, t) for t in (50, 200, 800)] + [("W2 logistic", False, 4096)]
    with tempfile.TemporaryDirectory() as empty:
        for label, rnn, size in rows:
            tag = f"{label[:2]}{size}"
            fresh = _first_call("numba", rnn, size, f"{empty}/fresh{tag}", f"{empty}/numba{tag}")
            cold = _first_call("numba", rnn, size, f"{empty}/{tag}")
            warm_ = _first_call("numba", rnn, size, f"{empty}/{tag}")
            plain = _first_call("numpy", rnn, size, None)
            print(
                f"  {label} {size:>5}: numba {fresh:.2f} s (fresh installation), {cold:.2f} s (new "
                f"program), {warm_:.2f} s (warm cache); numpy backend {plain:.2f} s"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller elementwise size")
    args = parser.parse_args()
    repeats = 5 if args.quick else 15
    bench_elementwise(repeats, 200_000 if args.quick else 1_000_000)
    bench_mlp(repeats)
    bench_seed(repeats)
    bench_rnn(repeats)
    bench_logistic(repeats, 1024 if args.quick else 4096)
    bench_first_calls()
    bench_gradbench(repeats)


if __name__ == "__main__":
    main()
