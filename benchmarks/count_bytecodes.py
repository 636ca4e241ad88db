"""Bytecodes and Python calls executed by one eager gradient call: a measure of tracing
overhead that does not move with the machine's load (unlike time on shared cores).

Counted with ``sys.settrace`` opcode events, for xformad and autograd on bench_core's scalar
workloads and one RNN step. C time (numpy's own work) is not counted: compare this with the
timings of bench_core.py, not instead of them.

Run: python benchmarks/count_bytecodes.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workloads import logistic, rnn_loss, rnn_loss_autograd, rnn_setup, seed  # noqa: E402

import xformad  # noqa: E402


def count(fn) -> tuple[int, int]:
    """(bytecodes, Python calls) of one call of ``fn``, after three warm-up calls."""
    for _ in range(3):
        fn()
    totals = [0, 0]

    def tracer(frame, event, arg):
        if event == "call":
            totals[1] += 1
            frame.f_trace_opcodes = True
        elif event == "opcode":
            totals[0] += 1
        return tracer

    sys.settrace(tracer)
    try:
        fn()
    finally:
        sys.settrace(None)
    return totals[0], totals[1]


def main() -> None:
    import autograd
    import autograd.numpy as anp

    steps = 20
    w, xs = rnn_setup(np.random.default_rng(0), steps, 64)
    xf_seed = xformad.grad(seed, argnums=(0, 1))
    ag_seed = autograd.grad(lambda p: anp.log(p[0]) + p[0] * p[1] - anp.sin(p[1]))
    xf_logistic, ag_logistic = xformad.grad(logistic), autograd.grad(logistic)
    xf_rnn, ag_rnn = xformad.grad(rnn_loss), autograd.grad(rnn_loss_autograd(anp, xs))
    rows = [
        ("seed gradient", lambda: xf_seed(2.0, 5.0), lambda: ag_seed((2.0, 5.0)), 1),
        ("logistic map n = 64", lambda: xf_logistic(0.3, 64), lambda: ag_logistic(0.3, 64), 1),
        (f"RNN H = 64, per step ({steps} steps)", lambda: xf_rnn(w, xs), lambda: ag_rnn(w), steps),
    ]
    print(f"{'workload':36}{'xformad ops':>13}{'calls':>8}{'autograd ops':>14}{'calls':>8}")
    for name, xf, ag, per in rows:
        (xo, xc), (ao, ac) = count(xf), count(ag)
        print(f"{name:36}{xo / per:13.0f}{xc / per:8.0f}{ao / per:14.0f}{ac / per:8.0f}")


if __name__ == "__main__":
    main()
