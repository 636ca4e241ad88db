"""gammainc, gammaincc and betainc: derivatives in every argument. The parameter
derivatives (a numerical series) are checked against mpmath to 1e-10 relative, and all of
them against finite differences in both modes to order 2 (scipy_cases.py adds the values,
float32 and jit checks shared with the other functions)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sp
from xformad_scipy.errors import SpecialFunctionError
from xformad_scipy.special.beta_numerics import betainc_ab_derivatives
from xformad_scipy.special.gamma_numerics import gammainc_a_derivatives

import xformad
from xformad.testing import check_grads

# (a, x): series region (x <= a or x <= 1), continued fraction region (x > a, x > 1),
# both sides of x = a, small and large parameters
GAMMA_POINTS = [(0.1, 0.05), (0.5, 0.3), (1.0, 1.0), (2.5, 2.4), (2.5, 2.6), (3.0, 10.0), (0.3, 5.0),
                (50.0, 49.0), (50.0, 52.0), (100.0, 130.0), (5.0, 0.001), (0.7, 30.0)]  # fmt: skip
# (a, b, x): both sides of the symmetry point x = (a + 1) / (a + b + 2), b < 1 and b > 1
BETA_POINTS = [(0.5, 0.5, 0.3), (2.0, 3.0, 0.4), (2.0, 3.0, 0.6), (0.3, 0.7, 0.9), (10.0, 20.0, 0.35),
               (5.0, 0.5, 0.99), (0.5, 5.0, 0.01), (100.0, 100.0, 0.45), (0.1, 0.1, 0.5)]  # fmt: skip


def _close_to(value, expected, scale=0.0, rtol=1e-10):
    """|value - expected| within rtol of expected, or of ``scale`` (the size of the other
    derivatives at that point) where expected is zero by symmetry."""
    assert abs(value - expected) <= rtol * max(abs(expected), scale) + 1e-300, (value, expected)


def test_gamma_parameter_derivatives_match_mpmath():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    a, x = (np.array(v) for v in zip(*GAMMA_POINTS))
    first, second = gammainc_a_derivatives(a, x)
    for i, (ai, xi) in enumerate(GAMMA_POINTS):

        def p(s, xi=xi):
            return mp.gammainc(s, 0, xi, regularized=True)

        _close_to(first[i], float(mp.diff(p, ai)))
        _close_to(second[i], float(mp.diff(p, ai, 2)))


def test_beta_parameter_derivatives_match_mpmath():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    a, b, x = (np.array(v) for v in zip(*BETA_POINTS))
    partials = betainc_ab_derivatives(a, b, x)
    for i, (ai, bi, xi) in enumerate(BETA_POINTS):
        scale = max(abs(values[i]) for values in partials.values())
        for (da, db), values in partials.items():
            expected = mp.diff(
                lambda s, t, xi=xi: mp.betainc(s, t, 0, xi, regularized=True), (ai, bi), (da, db)
            )
            _close_to(values[i], float(expected), scale)


def test_parameter_derivatives_at_the_edges_of_the_domain():
    # P(a, 0) = 0 and P(a, inf) = 1 for every a; I_0 = 0 and I_1 = 1: no dependence on a, b
    first, second = gammainc_a_derivatives(
        np.array([0.5, 2.0, -1.0, 2.0]), np.array([0.0, np.inf, 1.0, -1.0])
    )
    np.testing.assert_array_equal(first[:2], 0.0)
    np.testing.assert_array_equal(second[:2], 0.0)
    assert np.isnan(first[2:]).all() and np.isnan(second[2:]).all()  # outside the domain: NaN
    partials = betainc_ab_derivatives(
        np.array([2.0, 2.0, -1.0]), np.array([3.0, 3.0, 1.0]), np.array([0.0, 1.0, 0.5])
    )
    for values in partials.values():
        np.testing.assert_array_equal(values[:2], 0.0)
        assert np.isnan(values[2])


@pytest.mark.parametrize("fn", [sp.gammainc, sp.gammaincc], ids=["gammainc", "gammaincc"])
def test_gamma_broadcasting_both_modes_order_two(fn, rng):
    a = rng.uniform(0.5, 4.0, size=(3, 1))
    x = rng.uniform(0.1, 8.0, size=(4,))
    w = np.arange(1.0, 13.0).reshape(3, 4)
    check_grads(lambda a, x: np.sum(w * fn(a, x)), (a, x), modes=("fwd", "rev"), order=2)
    # a Python number for either argument is a constant
    check_grads(lambda x: fn(1.7, x), (x,), order=2)
    check_grads(lambda a: np.sum(fn(a, 2.0)), (a,), order=2)


def test_betainc_broadcasting_both_modes_order_two(rng):
    a = rng.uniform(0.5, 4.0, size=(2, 1, 1))
    b = rng.uniform(0.5, 4.0, size=(3, 1))
    x = rng.uniform(0.05, 0.95, size=(4,))
    w = np.arange(1.0, 25.0).reshape(2, 3, 4)
    check_grads(lambda a, b, x: np.sum(w * sp.betainc(a, b, x)), (a, b, x), modes=("fwd", "rev"), order=2)
    check_grads(lambda b: np.sum(sp.betainc(2.0, b, 0.3)), (b,), order=2)


def test_gammaincc_is_one_minus_gammainc_in_every_derivative(rng):
    a, x = rng.uniform(0.5, 4.0, size=5), rng.uniform(0.1, 8.0, size=5)
    for argnum in (0, 1):
        gp = xformad.grad(lambda a, x: np.sum(sp.gammainc(a, x)), argnums=argnum)(a, x)
        gq = xformad.grad(lambda a, x: np.sum(sp.gammaincc(a, x)), argnums=argnum)(a, x)
        np.testing.assert_allclose(gq, -gp, rtol=1e-15)


def test_density_at_x_zero():
    # d/dx P(a, x) at x = 0: infinite for a < 1, 1 for a = 1, 0 for a > 1 (no 0 * log 0)
    grad_x = xformad.grad(lambda x, a: sp.gammainc(a, x))
    assert grad_x(0.0, 0.5) == np.inf
    assert grad_x(0.0, 1.0) == 1.0
    assert grad_x(0.0, 2.0) == 0.0
    # and its a-derivative, x^(a-1) log x / Gamma(a) + ..., vanishes with the density
    assert xformad.grad(xformad.grad(lambda a, x: sp.gammainc(a, x)), argnums=1)(2.0, 0.0) == 0.0
    assert xformad.grad(lambda x: sp.betainc(2.0, 3.0, x))(0.0) == 0.0
    assert xformad.grad(lambda x: sp.betainc(1.0, 3.0, x))(0.0) == pytest.approx(3.0, rel=1e-15)


def test_third_derivatives_through_the_density_are_served(rng):
    # d/dx of the numerical second derivative in a is the density's, in closed form
    x = rng.uniform(0.5, 5.0, size=3)

    def second_in_a(x):
        return xformad.grad(xformad.grad(lambda a, x: np.sum(sp.gammainc(a, x))), argnums=0)(1.5, x)

    check_grads(second_in_a, (x,), modes=("fwd", "rev"), order=1)

    def mixed_in_a_and_b(x):
        return xformad.grad(xformad.grad(lambda a, b, x: np.sum(sp.betainc(a, b, x)), argnums=1))(1.3, 2.0, x)

    check_grads(mixed_in_a_and_b, (np.array([0.2, 0.6]),), modes=("fwd", "rev"), order=1)
    # the x-derivatives of every order stay closed-form
    check_grads(lambda x: np.sum(sp.betainc(1.3, 2.0, x)), (np.array([0.2, 0.6]),), order=3)


def test_third_parameter_derivative_is_refused():
    third = xformad.grad(xformad.grad(xformad.grad(lambda a: sp.gammainc(a, 2.0))))
    with pytest.raises(SpecialFunctionError, match="third derivatives in a are not served") as info:
        third(1.5)
    assert isinstance(info.value, xformad.XformadError)
    mixed = xformad.grad(xformad.grad(xformad.grad(lambda a, b: sp.betainc(a, b, 0.3)), argnums=1))
    with pytest.raises(SpecialFunctionError, match="parameters a and b"):
        mixed(1.5, 2.0)


def test_unconverged_series_raises_instead_of_a_wrong_number():
    with pytest.raises(SpecialFunctionError, match="did not converge"):
        xformad.grad(lambda a: sp.gammainc(a, 1e9))(1e9)


def test_jit_hessian_in_the_parameters(rng):
    a, b = rng.uniform(0.5, 3.0, size=3), rng.uniform(0.5, 3.0, size=3)
    x = np.array([0.2, 0.5, 0.8])

    def f(a, b):
        return np.sum(sp.betainc(a, b, x) + sp.gammaincc(a, 3 * x))

    for argnum in (0, 1):
        h = xformad.hessian(f, argnums=argnum)
        np.testing.assert_allclose(xformad.jit(h)(a, b), h(a, b), rtol=1e-14)
        np.testing.assert_allclose(xformad.jit(h)(a + 0.1, b), h(a + 0.1, b), rtol=1e-14)
