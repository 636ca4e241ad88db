"""What scipy.stats does not serve for traced values raises StatsError (an XformadError)
saying what to write instead; with plain values scipy runs as usual."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
from xformad_scipy.errors import SpecialFunctionError, StatsError

import xformad
from xformad.extend import XformadError


def _raises(f, x, match):
    with pytest.raises(StatsError, match=match) as info:
        xformad.grad(f)(x)
    assert isinstance(info.value, XformadError)
    return str(info.value)


@pytest.mark.parametrize(
    "method",
    ["moment", "mean", "var", "std", "median", "entropy", "interval", "support", "stats"],
)
def test_unserved_methods(method):
    args = {"moment": (2,), "interval": (0.9,)}.get(method, ())
    f = lambda s: np.sum(getattr(scipy.stats.norm, method)(*args, loc=0.2, scale=s))  # noqa: E731
    message = _raises(f, 1.3, f"scipy.stats.norm.{method} with traced arguments is not served")
    assert "served: pdf, logpdf, cdf, logcdf, sf, logsf" in message
    # plain arguments inside a trace: scipy's own method runs
    seen = []
    xformad.grad(lambda s: seen.append(getattr(scipy.stats.norm, method)(*args, loc=0.2, scale=1.3)) or s)(
        1.0
    )
    np.testing.assert_array_equal(seen[0], getattr(scipy.stats.norm, method)(*args, loc=0.2, scale=1.3))


def test_frozen_unserved_method_and_discrete_family():
    _raises(lambda s: scipy.stats.norm(0.0, s).median(), 1.3, "scipy.stats.norm.median")
    # ppf and isf are served for norm only (test_served_from_peer_suites.py)
    message = _raises(lambda s: scipy.stats.t(3.0, 0.0, s).ppf(0.3), 1.3, "scipy.stats.t.ppf")
    assert "norm also ppf, isf" in message
    _raises(lambda s: scipy.stats.gamma.isf(0.3, 2.0, scale=s), 1.3, "scipy.stats.gamma.isf")
    message = _raises(lambda mu: scipy.stats.poisson(mu).mean(), 1.3, "scipy.stats.poisson.mean")
    assert "served: pmf, logpmf, cdf, logcdf, sf, logsf" in message
    _raises(lambda mu: np.sum(scipy.stats.poisson.rvs(mu, size=2)), 1.3, "draw with a constant mu")


def test_rvs_says_how_to_reparameterize():
    message = _raises(lambda s: np.sum(scipy.stats.norm.rvs(scale=s, size=3)), 1.3, "rvs")
    assert "loc + scale * rng.standard_normal(size)" in message
    message = _raises(lambda s: np.sum(scipy.stats.norm(0.0, s).rvs(size=2)), 1.3, "rvs")
    assert "loc + scale *" in message


def test_fit_says_to_write_the_likelihood():
    data = np.array([0.3, 1.2, -0.4])
    message = _raises(lambda s: scipy.stats.norm.fit(data * s)[0], 1.3, "fit")
    assert "negative log likelihood" in message


def test_unserved_distribution_and_custom_instance():
    message = _raises(lambda x: scipy.stats.uniform.logpdf(x), 0.5, "scipy.stats.uniform.logpdf")
    assert "norm, t, gamma" in message
    shifted = type(scipy.stats.norm)(a=0.0, name="norm")  # its own support
    _raises(lambda x: shifted.logpdf(x), 0.5, "made with its own support")


def test_complex_arguments():
    _raises(lambda s: np.real(scipy.stats.norm.logpdf(1.0 + 0j * s, scale=s)), 1.3, "complex arguments")


def test_multivariate_unserved():
    cov = np.eye(2)
    _raises(
        lambda s: scipy.stats.multivariate_normal.cdf([0.1, 0.2], [0.0, 0.0], cov * s),
        1.3,
        "numerical integral",
    )
    message = _raises(lambda s: scipy.stats.multivariate_normal([0.0, 0.0], cov * s).rvs()[0], 1.3, "rvs")
    assert "np.linalg.cholesky(cov) @ rng.standard_normal(dim)" in message
    _raises(lambda s: scipy.stats.multivariate_normal([0.0, 0.0], cov * s).logcdf([0.1, 0.2]), 1.3, "logcdf")
    frozen = scipy.stats.multivariate_normal([0.0, 0.0], cov)
    _raises(lambda x: frozen.cdf(np.array([x, 0.2])), 0.1, "multivariate_normal.cdf")
    covariance = scipy.stats.Covariance.from_diagonal([1.0, 2.0])
    _raises(
        lambda x: scipy.stats.multivariate_normal.logpdf([x, 0.2], [0.0, 0.0], covariance),
        0.1,
        "pass the covariance matrix",
    )
    _raises(lambda a: scipy.stats.dirichlet.mean(np.array([a, 1.0])), 1.3, "alpha / alpha.sum()")
    _raises(lambda a: scipy.stats.dirichlet.rvs(np.array([a, 1.0]))[0, 0], 1.3, "constant alpha")


def test_shape_parameter_derivative_beyond_what_special_serves_names_it():
    """The cdfs' shape derivatives come from scipy.special's numerical series, to order 2."""
    third = xformad.grad(xformad.grad(xformad.grad(lambda a: scipy.stats.gamma.cdf(1.2, a))))
    with pytest.raises(SpecialFunctionError, match="third derivatives in a"):
        third(1.5)
    # in x every order is served
    assert np.isfinite(xformad.grad(xformad.grad(xformad.grad(lambda x: scipy.stats.gamma.cdf(x, 1.5))))(1.2))


def test_scipys_own_errors_stay_scipys():
    with pytest.raises(TypeError, match="unexpected keyword argument 'scal'"):
        xformad.grad(lambda s: scipy.stats.norm.logpdf(0.7, scal=s))(1.3)
