"""entr and rel_entr: scipy's values outside the domain, derivatives where the value is
finite (one-sided limits at its boundary), NaN where it is infinite, and no NaN from a
branch np.where does not take. Order 2 in both modes, jit and float32: scipy_cases.py."""

from __future__ import annotations

import numpy as np
import scipy.special as sp

import xformad
from xformad.testing import check_grads


def _both_modes(f, x):
    """The elementwise derivative of f at x, from reverse and from forward mode."""
    rev = xformad.grad(lambda x: np.sum(f(x)))(x)
    fwd = xformad.jvp(f, (x,), (np.ones_like(x),))[1]
    np.testing.assert_array_equal(rev, fwd)
    return rev


def test_entr_values_and_derivatives_across_scipys_conventions():
    x = np.array([-1.0, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(xformad.jvp(sp.entr, (x,), (np.zeros(4),))[0], sp.entr(x))
    d = _both_modes(sp.entr, x)
    assert np.isnan(d[0])  # entr(-1) = -inf: no derivative
    assert d[1] == np.inf  # the one-sided limit of -(log x + 1) at 0
    np.testing.assert_allclose(d[2:], -(np.log(x[2:]) + 1), rtol=1e-15)
    # second derivative -1/x
    np.testing.assert_allclose(xformad.grad(xformad.grad(sp.entr))(0.5), -2.0, rtol=1e-15)


def test_rel_entr_values_and_derivatives_across_scipys_conventions():
    x = np.array([0.0, 0.0, 1.0, -1.0, 2.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
    np.testing.assert_array_equal(xformad.jvp(sp.rel_entr, (x, y), (x * 0, y * 0))[0], sp.rel_entr(x, y))
    dx = xformad.grad(lambda x: np.sum(sp.rel_entr(x, y)))(x)
    dy = xformad.grad(lambda y: np.sum(sp.rel_entr(x, y)))(y)
    assert dx[0] == -np.inf and dy[0] == 0.0  # x = 0 < y: value 0, one-sided limits
    assert np.isnan(dx[1]) and dy[1] == 0.0  # x = y = 0: value 0, but +inf for x > 0 beside it
    assert np.isnan(dx[2:4]).all() and np.isnan(dy[2:4]).all()  # value inf: no derivative
    np.testing.assert_allclose([dx[4], dy[4]], [np.log(4.0) + 1, -4.0], rtol=1e-15)


def test_untaken_branch_gives_zero_not_nan():
    def f(x):
        return np.where(x > 0, sp.entr(x), 0.0) + np.where(x > 0, sp.rel_entr(x, 1.0), 0.0)

    assert xformad.grad(f)(-1.0) == 0.0
    assert xformad.grad(xformad.grad(f))(-1.0) == 0.0


def test_kl_divergence_program(rng):
    p = rng.uniform(0.1, 1.0, size=5)
    q = rng.uniform(0.1, 1.0, size=5)

    def kl(p, q):
        p, q = p / np.sum(p), q / np.sum(q)
        return np.sum(sp.rel_entr(p, q)) + np.sum(sp.entr(p))

    check_grads(kl, (p, q), modes=("fwd", "rev"), order=2)
    np.testing.assert_allclose(xformad.jit(xformad.grad(kl))(p, q), xformad.grad(kl)(p, q), rtol=1e-14)


def test_mixed_partials_at_x_zero_are_kept():
    # xlogy(x, y) = x log y is smooth at (0, 2): d/dx (d/dy) = 1 / y there, not 0
    point = np.array([0.0, 2.0])
    for f in (lambda v: sp.xlogy(v[0], v[1]), lambda v: sp.xlog1py(v[0], v[1])):
        check_grads(f, (point,), order=3)
    np.testing.assert_allclose(xformad.hessian(lambda v: sp.xlogy(v[0], v[1]))(point), [[0, 0.5], [0.5, 0]])
    np.testing.assert_allclose(
        xformad.hessian(lambda v: sp.rel_entr(v[0], v[1]))(point), [[np.inf, -0.5], [-0.5, 0]]
    )
