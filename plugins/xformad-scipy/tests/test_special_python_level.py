"""The Python-level functions polygamma and multigammaln, intercepted: values equal
scipy's, derivatives to order 2 in both modes, jit, the integer arguments refused, and
scipy's own domain errors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sp
from scipy.special import multigammaln as bound_multigammaln
from scipy.special import polygamma as bound_polygamma
from xformad_scipy.errors import SpecialFunctionError

import xformad
from xformad.testing import check_grads


@pytest.mark.parametrize("d", [1, 3, 5])
def test_multigammaln_values_and_derivatives(d, rng):
    a = rng.uniform(0.5 * d + 0.2, 0.5 * d + 4.0, size=(2, 3))
    value = xformad.jvp(lambda a: sp.multigammaln(a, d), (a,), (np.zeros_like(a),))[0]
    np.testing.assert_array_equal(value, sp.multigammaln(a, d))
    w = np.arange(1.0, 7.0).reshape(2, 3)
    check_grads(lambda a: np.sum(w * sp.multigammaln(a, d)), (a,), modes=("fwd", "rev"), order=2)
    expected = np.sum(sp.digamma(a[..., None] - np.arange(d) / 2), axis=-1)
    np.testing.assert_allclose(xformad.grad(lambda a: np.sum(sp.multigammaln(a, d)))(a), expected, rtol=1e-14)


def test_multigammaln_scalar_keyword_and_jit():
    f = xformad.grad(lambda a: sp.multigammaln(a=a, d=3))
    np.testing.assert_allclose(f(2.5), np.sum(sp.digamma(2.5 - np.arange(3) / 2)), rtol=1e-15)
    fast = xformad.jit(f)
    for a in (2.5, 3.5):
        np.testing.assert_allclose(fast(a), f(a), rtol=1e-15)


def test_multigammaln_dimension_is_refused():
    with pytest.raises(SpecialFunctionError, match="no derivative with respect to d") as info:
        xformad.grad(lambda d: sp.multigammaln(4.0, d))(2.0)
    assert isinstance(info.value, xformad.XformadError)


def test_multigammaln_domain_errors_are_scipys():
    with pytest.raises(ValueError, match="not met"):
        xformad.grad(lambda a: sp.multigammaln(a, 4))(1.0)
    with pytest.raises(ValueError, match="positive integer"):
        xformad.grad(lambda a: sp.multigammaln(a, 2.5))(4.0)


def test_polygamma_broadcasting_and_jit(rng):
    n = np.array([[0], [1], [3]])
    x = rng.uniform(0.5, 3.0, size=(4,))
    value = xformad.jvp(lambda x: sp.polygamma(n, x), (x,), (np.zeros_like(x),))[0]
    np.testing.assert_array_equal(value, sp.polygamma(n, x))
    w = np.arange(1.0, 13.0).reshape(3, 4)
    check_grads(lambda x: np.sum(w * sp.polygamma(n, x)), (x,), modes=("fwd", "rev"), order=2)
    g = xformad.grad(lambda x: np.sum(w * sp.polygamma(n, x)))
    np.testing.assert_allclose(xformad.jit(g)(x), g(x), rtol=1e-15)


def test_names_bound_before_the_trace():
    # `from scipy.special import polygamma, multigammaln` at the top of this module
    np.testing.assert_allclose(
        xformad.grad(lambda x: bound_polygamma(1, x))(2.0), sp.polygamma(2, 2.0), rtol=1e-15
    )
    np.testing.assert_allclose(
        xformad.grad(lambda a: bound_multigammaln(a, 2))(3.0), sp.digamma(3.0) + sp.digamma(2.5), rtol=1e-15
    )
