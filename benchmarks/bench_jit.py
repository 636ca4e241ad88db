"""Issue 4's scalar benchmarks: xformad.jit against hand-written derivatives and peers.

1. The seed function f(x1, x2) = ln x1 + x1 x2 - sin x2: gradient per call, against the
   hand-written derivative, eager xformad, autograd and jax.jit(grad).
2. The logistic map l(k+1) = 4 l(k) (1 - l(k)), d l(n) / d x for n = 1..512: the IR size
   (linear in n), and jit against the hand-written forward derivative, autograd,
   jax.jit(grad) and sympy.diff + lambdify.

Every figure is a median over interleaved repeats, as a ratio to hand-written numpy in the
same run. The array workloads (MLP, elementwise, RNN) are in bench_jit_arrays.py.

Run: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/bench_jit.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import compiled, interleaved, report  # noqa: E402
from workloads import logistic, logistic_hand, seed, seed_hand  # noqa: E402

import xformad  # noqa: E402


def warm(fn, *args, calls: int = 4):
    """Call a jitted function past its first trace and purity-checked calls (which
    re-trace), so that timing (and its calibration) sees the compiled program only."""
    for _ in range(calls):
        fn(*args)


def _jax():
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        jax.config.update("jax_platforms", "cpu")
        return jax
    except Exception as exc:  # jax is optional: report, don't fail
        print(f"  (jax unavailable: {exc})")
        return None


def bench_seed(repeats: int) -> None:
    import autograd
    import autograd.numpy as anp

    g_x = xformad.grad(seed, argnums=(0, 1))
    j_x = compiled(g_x)
    g_ag = autograd.grad(lambda xs: anp.log(xs[0]) + xs[0] * xs[1] - anp.sin(xs[1]))
    for a, b in zip(j_x(2.0, 5.0), seed_hand(2.0, 5.0)):
        assert np.isclose(a, b)
    warm(j_x, 2.0, 5.0)
    contenders = {
        "hand-written numpy": lambda: seed_hand(2.0, 5.0),
        "xformad.jit(grad)": lambda: j_x(2.0, 5.0),
        "xformad.grad (eager)": lambda: g_x(2.0, 5.0),
        "autograd.grad": lambda: g_ag((2.0, 5.0)),
    }
    jax = _jax()
    if jax is not None:
        jnp = jax.numpy
        g_jax = jax.jit(jax.grad(lambda a, b: jnp.log(a) + a * b - jnp.sin(b), argnums=(0, 1)))
        jax.block_until_ready(g_jax(2.0, 5.0))
        contenders["jax.jit(grad)"] = lambda: jax.block_until_ready(g_jax(2.0, 5.0))
    medians = interleaved(contenders, repeats=repeats)
    report("seed function, gradient per call (scalars)", medians, "hand-written numpy")
    jit_t = medians["xformad.jit(grad)"]
    print(f"  jit / hand-written: {jit_t / medians['hand-written numpy']:.2f}x (target <= 6)")
    print(f"  autograd / jit: {medians['autograd.grad'] / jit_t:.0f}x (target >= 100)")
    eager = medians["xformad.grad (eager)"]
    print(f"  autograd / eager grad: {medians['autograd.grad'] / eager:.1f}x (target >= 5)")
    if "jax.jit(grad)" in medians:
        print(f"  jax.jit(grad) / jit: {medians['jax.jit(grad)'] / jit_t:.1f}x (target >= 10)")


def _sympy_derivative(n: int):
    import sympy

    x = sympy.Symbol("x")
    expr = x
    for _ in range(n):
        expr = 4 * expr * (1 - expr)
    return sympy.lambdify(x, sympy.diff(expr, x), "math")


def bench_logistic(sizes: tuple, repeats: int, sympy_max: int) -> None:
    import autograd

    jax = _jax()
    print("\nlogistic map l(k+1) = 4 l(k) (1 - l(k)), d l(n)/dx at x = 0.3")
    print(f"  {'n':>4}{'IR nodes':>10}{'jit':>10}{'autograd':>10}{'jax.jit':>10}{'sympy':>10}{'hand':>12}")
    for n in sizes:
        graph = xformad.make_graph(xformad.grad(logistic), static_argnums=1)(0.3, n)
        jg = compiled(xformad.grad(logistic), static_argnums=1)
        ag = autograd.grad(logistic)
        assert np.isclose(jg(0.3, n), logistic_hand(0.3, n))
        warm(jg, 0.3, n)
        contenders = {
            "hand": lambda: logistic_hand(0.3, n),
            "jit": lambda: jg(0.3, n),
            "autograd": lambda: ag(0.3, n),
        }
        if jax is not None:
            g_jax = jax.jit(jax.grad(logistic), static_argnums=1)
            jax.block_until_ready(g_jax(0.3, n))
            contenders["jax.jit"] = lambda: jax.block_until_ready(g_jax(0.3, n))
        if n <= sympy_max:
            start = time.perf_counter()
            d_sym = _sympy_derivative(n)
            print(f"  (sympy.diff + lambdify for n={n} took {time.perf_counter() - start:.2f} s to build)")
            contenders["sympy"] = lambda: d_sym(0.3)
        medians = interleaved(contenders, repeats=repeats, target=0.02)
        base = medians["hand"]

        def ratio(key: str) -> str:
            return f"{medians[key] / base:.2f}x" if key in medians else "-"

        cells = "".join(f"{ratio(k):>10}" for k in ("jit", "autograd", "jax.jit", "sympy"))
        print(f"  {n:>4}{len(graph.nodes):>10}{cells}{base * 1e6:>10.1f}us")
    print("  (ratios to the hand-written derivative; target: jit <= 3x for n >= 16)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats and sizes")
    args = parser.parse_args()
    repeats = 5 if args.quick else 15
    bench_seed(repeats)
    sizes = (1, 8, 16, 64, 256) if args.quick else (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
    # sympy prints the derivative as a tree, which doubles in size per step: n <= 8 only
    bench_logistic(sizes, repeats, sympy_max=8)


if __name__ == "__main__":
    main()
