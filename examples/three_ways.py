"""Three ways to compute a derivative: numerical, symbolic and automatic (Baydin et al. 2018).

Run on the article's seed function f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (2, 5) and on the
logistic map l(k+1) = 4·l(k)·(1 − l(k)), l(1) = x, iterated n times:

(a) finite differences: their error against the exact derivative as the step h shrinks.
    Truncation error falls with h (as h for forward, h² for central differences) until
    round-off, which grows as eps/h, takes over: no step gives more than ~8 or ~11 digits.
(b) sympy: the symbolic derivative of l(n) written out as one expression swells
    exponentially with n (each step uses l twice, and the product rule doubles again).
(c) xformad: exact to the last digit, and the derivative program it builds (the IR of
    grad(l(n))) grows linearly in n, because intermediate values are shared, not copied.

    python examples/three_ways.py [--plot fd_error.png]   (the plot needs matplotlib)
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import xformad

STEPS = tuple(10.0**-k for k in range(1, 15))
X0 = 0.3  # a point where l(n)'s derivative is not accidentally small
SEED_POINT = (2.0, 5.0)


def seed(x1, x2):
    """The seed function of Baydin et al., written as plain numpy."""
    return np.log(x1) + x1 * x2 - np.sin(x2)


def logistic(x, n: int):
    """l(n+1) after n steps of l(k+1) = 4 l(k) (1 − l(k)) from l(1) = x. Plain arithmetic,
    so the same function runs on floats, xformad tracers and sympy symbols."""
    for _ in range(n):
        x = 4 * x * (1 - x)
    return x


# --- (a) numerical ---------------------------------------------------------------------------
def finite_difference_errors(f, x: float, exact: float, steps=STEPS) -> list[tuple[float, float, float]]:
    """Rows ``(h, |forward difference − exact|, |central difference − exact|)``."""
    fx = f(x)
    rows = []
    for h in steps:
        fwd = (f(x + h) - fx) / h
        central = (f(x + h) - f(x - h)) / (2 * h)
        rows.append((h, abs(fwd - exact), abs(central - exact)))
    return rows


def seed_fd_errors(steps=STEPS):
    """Finite differences of ∂f/∂x1 at (2, 5), against xformad's exact value."""
    x1, x2 = SEED_POINT
    exact = float(xformad.grad(seed, argnums=0)(x1, x2))
    return exact, finite_difference_errors(lambda t: seed(t, x2), x1, exact, steps)


def logistic_fd_errors(n: int = 5, steps=STEPS):
    """Finite differences of d l(n)/dx at X0, against xformad's exact value."""
    exact = float(xformad.grad(logistic)(X0, n))
    return exact, finite_difference_errors(lambda t: logistic(t, n), X0, exact, steps)


# --- (b) symbolic ----------------------------------------------------------------------------
def symbolic_derivative(n: int):
    """sympy's d l(n)/dx, unsimplified, as a computer algebra system returns it."""
    import sympy

    x = sympy.Symbol("x")
    return x, sympy.diff(logistic(x, n), x)


def symbolic_rows(ns) -> list[tuple[int, int, int, float]]:
    """Rows ``(n, sympy.count_ops(d), len(str(d)), d at X0)``: the swell of the expression."""
    import sympy

    rows = []
    for n in ns:
        x, d = symbolic_derivative(n)
        rows.append((n, int(sympy.count_ops(d)), len(str(d)), float(d.subs(x, sympy.Rational(3, 10)))))
    return rows


def seed_symbolic_gradient() -> tuple[float, float]:
    """sympy's ∂f/∂x1 and ∂f/∂x2 of the seed function at (2, 5)."""
    import sympy

    x1, x2 = sympy.symbols("x1 x2")
    f = sympy.log(x1) + x1 * x2 - sympy.sin(x2)
    at = {x1: 2, x2: 5}
    return float(sympy.diff(f, x1).subs(at)), float(sympy.diff(f, x2).subs(at))


# --- (c) automatic ---------------------------------------------------------------------------
def xformad_rows(ns) -> list[tuple[int, float, int, int]]:
    """Rows ``(n, d l(n)/dx at X0, nodes of l(n)'s graph, nodes of grad(l(n))'s graph)``."""
    rows = []
    for n in ns:
        value = float(xformad.grad(logistic)(X0, n))
        primal = xformad.make_graph(logistic, static_argnums=1)(X0, n)
        derivative = xformad.make_graph(xformad.grad(logistic), static_argnums=1)(X0, n)
        rows.append((n, value, len(primal.nodes), len(derivative.nodes)))
    return rows


# --- printing --------------------------------------------------------------------------------
def _fd_table(title: str, exact: float, rows) -> str:
    lines = [
        title,
        f"  exact (xformad) = {exact:.15g}",
        f"  {'h':>8}  {'forward error':>14}  {'central error':>14}",
    ]
    lines += [f"  {h:8.0e}  {fe:14.3e}  {ce:14.3e}" for h, fe, ce in rows]
    return "\n".join(lines)


def _swell_table(ns) -> str:
    sym = {r[0]: r for r in symbolic_rows(ns)}
    lines = [
        "Symbolic (sympy) vs automatic (xformad): d l(n)/dx at x = 0.3",
        f"  {'n':>2}  {'sympy ops':>10}  {'sympy chars':>11}  {'xformad nodes':>13}  {'value':>22}"
        f"  {'|sympy - xformad|':>17}",
    ]
    for n, value, _, nodes in xformad_rows(ns):
        _, ops, chars, sym_value = sym[n]
        lines.append(
            f"  {n:2d}  {ops:10d}  {chars:11d}  {nodes:13d}  {value:22.15g}  {abs(sym_value - value):17.1e}"
        )
    return "\n".join(lines)


def _plot(path: str) -> str:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: no plot drawn (pip install matplotlib, then rerun with --plot)."
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, (_, rows) in (("seed ∂f/∂x1", seed_fd_errors()), ("logistic n=5", logistic_fd_errors())):
        hs = [r[0] for r in rows]
        ax.loglog(hs, [max(r[1], 1e-17) for r in rows], "o-", label=f"{label}, forward")
        ax.loglog(hs, [max(r[2], 1e-17) for r in rows], "s--", label=f"{label}, central")
    ax.set_xlabel("step h")
    ax.set_ylabel("|error| against xformad's exact derivative")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    return f"wrote {path}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", metavar="PATH", help="draw the finite-difference errors, log-log")
    parser.add_argument("--max-n", type=int, default=8, help="largest logistic-map n (sympy slows fast)")
    args = parser.parse_args(argv)

    print(_fd_table("(a) Finite differences of ∂f/∂x1, seed f at (2, 5)", *seed_fd_errors()))
    print()
    print(_fd_table("(a) Finite differences of d l(5)/dx at x = 0.3", *logistic_fd_errors()))
    print()
    g1, g2 = xformad.grad(seed, argnums=(0, 1))(*SEED_POINT)
    s1, s2 = seed_symbolic_gradient()
    print("(b, c) Seed gradient at (2, 5)")
    print(f"  sympy   ∂f/∂x1 = {s1:.15g}   ∂f/∂x2 = {s2:.15g}")
    print(f"  xformad ∂f/∂x1 = {float(g1):.15g}   ∂f/∂x2 = {float(g2):.15g}")
    print()
    print(_swell_table(range(1, args.max_n + 1)))
    if args.plot:
        print()
        print(_plot(args.plot))
    return 0


if __name__ == "__main__":
    sys.exit(main())
