"""scipy.stats.poisson on a traced rate mu: scipy's values; derivatives in mu in both modes
to second order, eager and compiled; the count k and loc refuse a derivative."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
from xformad_scipy.errors import StatsError

import xformad
from xformad.testing import check_grads

METHODS = ("pmf", "logpmf", "cdf", "logcdf", "sf", "logsf")
K = np.array([[1.0, 2.0, 4.0], [3.0, 8.0, 5.5]])  # 5.5: not an integer (cdf of 5)


@pytest.mark.parametrize("method", METHODS)
def test_derivatives_values_and_jit(method):
    k = K if method not in ("pmf", "logpmf") else np.floor(K)  # (finite differences need finite values)
    f = lambda mu: getattr(scipy.stats.poisson, method)(k, mu, loc=1)  # noqa: E731
    mu = np.array([[2.3], [0.7]])  # broadcast against k
    check_grads(f, (mu,), modes=("fwd", "rev"), order=2)
    np.testing.assert_array_equal(xformad.jvp(f, (mu,), (np.ones_like(mu),))[0], f(mu))
    np.testing.assert_array_equal(xformad.jit(f)(mu), f(mu))
    loss = lambda mu: np.sum(f(mu))  # noqa: E731
    jitted = xformad.jit(xformad.grad(loss))
    for m in (mu, mu * 1.2):
        np.testing.assert_array_equal(jitted(m), xformad.grad(loss)(m))


@pytest.mark.parametrize("method", METHODS)
def test_frozen_and_keyword_forms(method):
    mu = 1.7
    k = np.floor(K)
    frozen = lambda mu: getattr(scipy.stats.poisson(mu), method)(k)  # noqa: E731
    keyword = lambda mu: getattr(scipy.stats.poisson, method)(k=k, mu=mu)  # noqa: E731
    for f in (frozen, keyword):
        np.testing.assert_array_equal(xformad.jit(f)(mu), getattr(scipy.stats.poisson, method)(k, mu))
        check_grads(f, (mu,), modes=("fwd", "rev"), order=1)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # scipy's own, at k = inf
def test_edges_values_and_derivatives():
    k = np.array([-np.inf, -1.0, 0.0, 0.5, 1.0, 3.0, 200.0, 1e6, np.inf, np.nan])
    for mu in (0.0, 0.5, 150.0, -1.0):
        for method in METHODS:
            f = lambda mu: getattr(scipy.stats.poisson, method)(k, mu)  # noqa: E731
            want = f(mu)
            value, tangent = xformad.jvp(f, (mu,), (1.0,))
            jacobian = xformad.jacrev(f)(mu)
            np.testing.assert_array_equal(value, want)
            finite = np.isfinite(want)
            assert np.all(np.isfinite(jacobian[finite])), (mu, method)
            np.testing.assert_array_equal(np.isnan(jacobian), np.isnan(want))
            np.testing.assert_allclose(tangent, jacobian, rtol=1e-14)


def test_pmf_at_zero_rate_has_the_one_sided_derivatives():
    """pmf(k; mu) = mu^k e^-mu / k!: at mu = 0 the derivatives from the right."""
    for k, first, second in ((0, -1.0, 1.0), (1, 1.0, -2.0), (2, 0.0, 1.0), (3, 0.0, 0.0)):
        f = lambda mu: scipy.stats.poisson.pmf(k, mu)  # noqa: E731
        assert xformad.grad(f)(0.0) == first
        assert xformad.grad(xformad.grad(f))(0.0) == second
        assert xformad.jvp(xformad.grad(f), (0.0,), (1.0,))[1] == second


@pytest.mark.parametrize("method", METHODS)
def test_count_and_loc_refuse_a_derivative(method):
    with pytest.raises(StatsError, match="k and loc have no derivative"):
        xformad.grad(lambda k: np.sum(getattr(scipy.stats.poisson, method)(k, 2.0)))(K)
    with pytest.raises(StatsError, match="Differentiate with respect to mu only"):
        xformad.jvp(lambda loc: getattr(scipy.stats.poisson, method)(K, 2.0, loc=loc), (1.0,), (1.0,))
    # a traced k that is not differentiated is fine (a compiled program traces all inputs)
    f = xformad.jit(xformad.grad(lambda mu, k: np.sum(getattr(scipy.stats.poisson, method)(k, mu))))
    np.testing.assert_array_equal(
        f(2.0, K), xformad.grad(lambda mu: np.sum(getattr(scipy.stats.poisson, method)(K, mu)))(2.0)
    )
