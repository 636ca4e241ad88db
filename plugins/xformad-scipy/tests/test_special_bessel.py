"""Bessel functions of general order (iv, ive, kv, kve, jv, yv, yn): derivatives in the
argument by the recurrences (scipy_cases.py checks them to order 2 in both modes, with
jit and float32), the order refused by name, broadcasting, and the singular points."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sp
from xformad_scipy.errors import SpecialFunctionError

import xformad
from xformad.testing import check_grads

GENERAL_ORDER = [sp.iv, sp.ive, sp.kv, sp.kve, sp.jv, sp.yv]


@pytest.mark.parametrize("fn", GENERAL_ORDER + [sp.yn], ids=lambda f: f.__name__)
def test_the_order_has_no_derivative_and_says_so(fn):
    order = 2 if fn is sp.yn else 1.5
    with pytest.raises(
        SpecialFunctionError, match=f"{fn.__name__}.*no derivative with respect to the order"
    ) as info:
        xformad.grad(lambda v: fn(v, 1.3))(float(order))
    assert isinstance(info.value, xformad.XformadError)
    with pytest.raises(SpecialFunctionError, match="the order"):
        xformad.jvp(lambda v: fn(v, 1.3), (float(order),), (1.0,))


@pytest.mark.parametrize("fn", GENERAL_ORDER, ids=lambda f: f.__name__)
def test_a_traced_order_that_is_not_differentiated_is_fine(fn):
    # jit traces every input, v included; only z is differentiated
    g = xformad.grad(lambda v, z: fn(v, z), argnums=1)
    fast = xformad.jit(g)
    np.testing.assert_allclose(fast(1.5, 2.0), g(1.5, 2.0), rtol=1e-15)
    # a zero tangent for v needs no derivative in v
    _, tangent = xformad.jvp(lambda v, z: fn(v, z), (1.5, 2.0), (0.0, 1.0))
    np.testing.assert_allclose(tangent, g(1.5, 2.0), rtol=1e-15)


@pytest.mark.parametrize("fn", GENERAL_ORDER, ids=lambda f: f.__name__)
def test_orders_broadcast_against_arguments(fn, rng):
    v = np.array([[0.0], [0.5], [2.0]])
    z = rng.uniform(0.5, 3.0, size=(4,))
    w = np.arange(1.0, 13.0).reshape(3, 4)
    check_grads(lambda z: np.sum(w * fn(v, z)), (z,), modes=("fwd", "rev"), order=2)


def test_recurrence_values_at_known_points():
    # I_1'(0) = 1/2; I_0.5'(0) is infinite (I_0.5(z) ~ sqrt(2z/pi)); K_v' is negative
    assert xformad.grad(lambda z: sp.iv(1.0, z))(0.0) == 0.5
    assert xformad.grad(lambda z: sp.iv(0.5, z))(0.0) == np.inf
    np.testing.assert_allclose(xformad.grad(lambda z: sp.iv(0.0, z))(1.2), sp.i1(1.2), rtol=1e-15)
    np.testing.assert_allclose(xformad.grad(lambda z: sp.kv(0.0, z))(1.2), -sp.k1(1.2), rtol=1e-14)
    np.testing.assert_allclose(xformad.grad(lambda z: sp.jv(0.0, z))(1.2), -sp.j1(1.2), rtol=1e-14)
    np.testing.assert_allclose(
        xformad.grad(lambda z: sp.kve(0.0, z))(1.2), sp.k0e(1.2) - sp.k1e(1.2), rtol=1e-14
    )


def test_ive_of_complex_values_is_refused():
    with pytest.raises(SpecialFunctionError, match="not complex-differentiable"):
        xformad.grad(lambda z: np.real(sp.ive(1.0, z)))(1.0 + 0.5j)


def test_i1_and_j1_third_derivatives_at_zero():
    # i1 = x/2 + x^3/16 + ...: i1'''(0) = 3/8 (the ratio i1(x)/x in the rule is its Taylor
    # polynomial at 0, not a constant whose second derivative would be 0)
    third = lambda f: xformad.grad(xformad.grad(xformad.grad(f)))  # noqa: E731
    assert third(sp.i1)(0.0) == pytest.approx(3 / 8, rel=1e-14)
    assert third(sp.j1)(0.0) == pytest.approx(-3 / 8, rel=1e-14)
    assert third(sp.i1)(0.3) == pytest.approx(third(lambda x: sp.iv(1, x))(0.3), rel=1e-12)
