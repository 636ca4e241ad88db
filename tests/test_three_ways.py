"""examples/three_ways.py: finite differences, sympy and xformad agree, and show what the
article says they show (FD error curve, symbolic swell, linear derivative programs)."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def three_ways():
    spec = importlib.util.spec_from_file_location(
        "three_ways", os.path.join(ROOT, "examples", "three_ways.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_xformad_derivatives_pass_the_finite_difference_check(three_ways):
    check_grads(lambda x: three_ways.logistic(x, 4), (0.3,), order=2)
    check_grads(three_ways.seed, (2.0, 5.0), order=2)


def test_xformad_is_the_exact_seed_derivative(three_ways):
    exact, _ = three_ways.seed_fd_errors()
    assert exact == 1 / 2.0 + 5.0  # ∂f/∂x1 = 1/x1 + x2, to the last bit


@pytest.mark.parametrize("which", ["seed", "logistic"])
def test_finite_differences_converge_to_xformads_value(three_ways, which):
    exact, rows = three_ways.seed_fd_errors() if which == "seed" else three_ways.logistic_fd_errors()
    errors = {h: (fwd, central) for h, fwd, central in rows}
    # truncation regime, h = 1e-2 .. 1e-4: forward error falls as h, central as h²
    for h in (1e-2, 1e-3):
        fwd_ratio = errors[h][0] / errors[h / 10][0]
        central_ratio = errors[h][1] / errors[h / 10][1]
        assert 8 < fwd_ratio < 12 and 80 < central_ratio < 120, (h, fwd_ratio, central_ratio)
    best = min(central for _, _, central in rows)
    assert best < 1e-9 * max(1.0, abs(exact))  # FD does reach xformad's value ...
    # ... but round-off (eps / h) ruins the smallest steps: no h is exact
    assert errors[1e-13][1] > 1e3 * best and best > 0


def test_sympy_derivatives_evaluate_to_xformads_values(three_ways):
    pytest.importorskip("sympy")
    ns = range(1, 7)
    symbolic = three_ways.symbolic_rows(ns)
    automatic = three_ways.xformad_rows(ns)
    for (n, _, _, sym_value), (m, ad_value, _, _) in zip(symbolic, automatic):
        assert n == m
        assert ad_value == pytest.approx(sym_value, rel=1e-12, abs=1e-12)
    g1, g2 = xformad.grad(three_ways.seed, argnums=(0, 1))(2.0, 5.0)
    s1, s2 = three_ways.seed_symbolic_gradient()
    assert float(g1) == pytest.approx(s1, rel=1e-15) and float(g2) == pytest.approx(s2, rel=1e-15)


def test_symbolic_swells_while_xformads_program_grows_linearly(three_ways):
    pytest.importorskip("sympy")
    ns = list(range(1, 9))
    automatic = three_ways.xformad_rows(ns)
    primal_nodes = [r[2] for r in automatic]
    derivative_nodes = [r[3] for r in automatic]
    for nodes in (primal_nodes, derivative_nodes):
        steps = np.diff(nodes)
        assert len(set(steps.tolist())) == 1 and steps[0] > 0, nodes  # a + b·n exactly
    assert derivative_nodes[-1] <= 4 * primal_nodes[-1]  # a constant multiple of f's own cost
    ops = [r[1] for r in three_ways.symbolic_rows(range(2, 8))]
    assert all(b > 2 * a for a, b in zip(ops, ops[1:])), ops  # at least doubling each step


def test_main_prints_the_tables(three_ways):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert three_ways.main(["--max-n", "4"]) == 0
    text = out.getvalue()
    assert "exact (xformad) = 5.5" in text
    assert "sympy   ∂f/∂x1 = 5.5" in text and "xformad ∂f/∂x1 = 5.5" in text
    assert text.count("\n   4  ") == 1  # the swell table stops at --max-n


def test_plot_needs_matplotlib_only_when_asked(three_ways, tmp_path):
    path = tmp_path / "fd.png"
    message = three_ways._plot(str(path))
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "matplotlib is not installed" in message and not path.exists()
    else:
        assert path.exists() and message == f"wrote {path}"
