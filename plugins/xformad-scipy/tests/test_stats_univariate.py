"""scipy.stats' univariate continuous distributions on traced values: values are scipy's
own, derivatives in x, the shape parameters, loc and scale match finite differences in
both modes to second order, eagerly and compiled."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.stats
from scipy.stats import norm  # the from-import style: an instance, its class is intercepted

import xformad
from xformad.testing import check_grads

METHODS = ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf")

# name -> (shape parameters at a typical point, x points inside the support)
DISTRIBUTIONS = {
    "norm": ((), [-1.3, 0.4, 2.1]),
    "t": ((3.5,), [-2.2, 0.4, 1.7]),
    "gamma": ((2.5,), [0.4, 1.3, 3.2]),
    "beta": ((2.2, 3.1), [0.15, 0.45, 0.8]),
    "chi2": ((3.3,), [0.6, 1.9, 4.4]),
    "expon": ((), [0.2, 0.9, 2.8]),
    "lognorm": ((0.7,), [0.3, 1.1, 2.6]),
    "cauchy": ((), [-2.5, 0.3, 1.4]),
    "laplace": ((), [-1.6, 0.35, 2.2]),
}
LOC, SCALE = -0.05, 1.15  # beta's support becomes (-0.05, 1.1): the points stay inside

CASES = [(name, method) for name in DISTRIBUTIONS for method in METHODS]


def _call(name, method):
    """f(x, *shapes, loc, scale) calling scipy.stats.<name>.<method> with keywords."""
    dist = getattr(scipy.stats, name)
    return lambda x, *p: getattr(dist, method)(x, *p[:-2], loc=p[-2], scale=p[-1])


def _args(name):
    shapes, points = DISTRIBUTIONS[name]
    # broadcasting: x (2, 3), each shape parameter (2, 1), loc (3,), scale a scalar
    x = LOC + SCALE * np.array([points, points[::-1]])
    shapes = tuple(np.array([[s], [s * 1.1]]) for s in shapes)
    return (x, *shapes, np.array([LOC, LOC + 0.01, LOC - 0.02]), SCALE)


@pytest.mark.parametrize("name, method", CASES)
def test_derivatives_match_finite_differences(name, method):
    check_grads(_call(name, method), _args(name), modes=("fwd", "rev"), order=2)


@pytest.mark.parametrize("name, method", CASES)
def test_values_are_scipys_and_jit_matches(name, method):
    f = _call(name, method)
    args = _args(name)
    loss = lambda *a: np.sum(f(*a))  # noqa: E731
    argnums = tuple(range(len(args)))
    value, _ = xformad.jvp(f, args, tuple(np.ones_like(np.asarray(a, dtype=float)) for a in args))
    np.testing.assert_array_equal(value, f(*args))
    np.testing.assert_array_equal(xformad.jit(f)(*args), f(*args))
    jitted = xformad.jit(xformad.grad(loss, argnums=argnums))
    for moved in (args, tuple(np.asarray(a) * 1.01 for a in args)):  # compiled once, run twice
        eager = xformad.grad(loss, argnums=argnums)(*moved)
        assert all(np.all(np.isfinite(g)) for g in eager)
        for got, want in zip(jitted(*moved), eager):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_frozen_and_positional_forms(name):
    dist = getattr(scipy.stats, name)
    shapes, points = DISTRIBUTIONS[name]
    x = LOC + SCALE * np.array(points)
    args = (x, *shapes, LOC, SCALE)
    for method in ("logpdf", "cdf"):
        frozen = lambda x, *p: getattr(dist(*p[:-2], loc=p[-2], scale=p[-1]), method)(x)  # noqa: E731
        positional = lambda x, *p: getattr(dist, method)(x, *p)  # noqa: E731
        for f in (frozen, positional):
            np.testing.assert_array_equal(xformad.jit(f)(*args), getattr(dist, method)(*args))
            check_grads(f, args, modes=("fwd", "rev"), order=1)
    if shapes:  # shape parameters by keyword
        names = dist.shapes.split(", ")
        by_keyword = lambda x, *p: dist.logpdf(x, **dict(zip(names, p[:-2])), loc=p[-2], scale=p[-1])  # noqa: E731
        check_grads(by_keyword, args, modes=("fwd", "rev"), order=1)


def test_from_import_style():
    check_grads(lambda x, s: norm.logpdf(x, scale=s), (np.array([0.3, -1.2]), 1.7), order=2)


# --- points scipy treats specially -------------------------------------------------------
EDGE_X = np.array(
    [-np.inf, -1e200, -800.0, -40.0, -1.0, 0.0, 1e-300, 0.3, 1.0, 2.0, 40.0, 800.0, 1e200, np.inf, np.nan]
)
EDGE_PARAMETERS = {
    "norm": [()],
    "t": [(0.5,), (3.0,), (np.inf,), (-1.0,)],
    "gamma": [(0.5,), (1.0,), (2.5,), (0.0,)],
    "beta": [(0.5, 2.0), (1.0, 1.0), (2.0, 3.0), (-1.0, 2.0)],
    "chi2": [(1.0,), (5.0,)],
    "expon": [()],
    "lognorm": [(0.4,)],
    "cauchy": [()],
    "laplace": [()],
}
EDGE_CASES = [(n, p) for n, ps in EDGE_PARAMETERS.items() for p in ps]


@pytest.mark.parametrize("name, shapes", EDGE_CASES)
def test_edges_values_and_no_nan_derivatives_where_scipy_is_finite(name, shapes):
    """Outside the support, at infinite and NaN x, for invalid parameters and scales:
    scipy's value exactly; a derivative that is finite or infinite (an infinite density at
    an edge) wherever scipy's value is finite, and NaN wherever scipy's value is NaN."""
    dist = getattr(scipy.stats, name)
    # each x against each (loc, scale) column, one x element per output element
    x = np.repeat(EDGE_X[:, None], 4, axis=1)
    loc, scale = np.array([0.0, 0.3, 0.0, 0.0]), np.array([1.0, 2.0, -1.0, 0.0])
    for method in METHODS:
        f = lambda x: getattr(dist, method)(x, *shapes, loc=loc, scale=scale)  # noqa: E731
        with warnings.catch_warnings():  # scipy's own (scale 0 divides), and z**2 overflowing
            warnings.simplefilter("ignore", RuntimeWarning)
            want = f(x)
            value, tangent = xformad.jvp(f, (x,), (np.ones_like(x),))
            gradient = xformad.grad(lambda x: np.sum(f(x)))(x)
        np.testing.assert_array_equal(value, want)
        assert value.dtype == want.dtype
        finite = np.isfinite(want)
        assert not np.any(np.isnan(gradient[finite])), (method, x[finite & np.isnan(gradient)])
        assert not np.any(np.isnan(tangent[finite])), method
        assert np.all(np.isnan(gradient[np.isnan(want)])), method
        np.testing.assert_allclose(tangent[finite], gradient[finite], rtol=1e-13)


def test_outside_the_support_the_derivative_is_zero():
    x = np.array([-2.0, -0.5])
    for f in (lambda x: scipy.stats.gamma.pdf(x, 2.0), lambda x: scipy.stats.beta.cdf(x, 2.0, 3.0)):
        np.testing.assert_array_equal(xformad.grad(lambda x: np.sum(f(x)))(x), [0.0, 0.0])


def test_invalid_scale_gives_nan_value_and_gradient():
    f = lambda s: scipy.stats.norm.logpdf(0.3, 0.0, s)  # noqa: E731
    assert np.isnan(f(-1.0)) and np.isnan(xformad.grad(f)(-1.0))
    assert np.isfinite(xformad.grad(f)(1.0))


def test_float32_gives_scipys_float64_value_and_float32_gradients():
    x = np.array([0.3, 1.2], dtype=np.float32)
    value = xformad.jit(lambda x: scipy.stats.gamma.logpdf(x, 2.0))(x)
    assert value.dtype == np.float64
    np.testing.assert_array_equal(value, scipy.stats.gamma.logpdf(x, 2.0))
    g = xformad.grad(lambda x: np.sum(scipy.stats.gamma.logpdf(x, 2.0)))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, (2.0 - 1) / x.astype(np.float64) - 1, rtol=1e-6)


def test_lists_of_traced_values():
    f = lambda a, b: np.sum(scipy.stats.norm.logpdf([a, b], loc=[0.0, 1.0]))  # noqa: E731
    np.testing.assert_allclose(xformad.grad(f, argnums=(0, 1))(0.5, 0.25), (-0.5, 0.75))


# --- the Student t cdf and the normal tails ------------------------------------------------
@pytest.mark.parametrize("df", [0.3, 1.0, 3.0, 50.0])
def test_t_cdf_derivative_is_the_density_everywhere(df):
    """Through z = 0 (a Taylor polynomial), both incomplete beta forms, and the far tails."""
    z = np.array([0.0, 1e-120, -1e-90, 1e-5, 0.5, 2.01, -3.0, 10.0, -50.0, 1e20])
    for method, density in (("cdf", scipy.stats.t.pdf), ("sf", lambda z, df: -scipy.stats.t.pdf(z, df))):
        got = xformad.grad(lambda z: np.sum(getattr(scipy.stats.t, method)(z, df)))(z)
        np.testing.assert_allclose(got, density(z, df), rtol=1e-12, atol=0)
    got = xformad.grad(lambda z: np.sum(scipy.stats.t.logsf(z, df)))(z)
    sf = scipy.stats.t.sf(z, df)
    positive = sf > 0  # (where sf underflows, logsf is the constant -inf)
    np.testing.assert_allclose(got[positive], -scipy.stats.t.pdf(z, df)[positive] / sf[positive], rtol=1e-11)


def test_t_with_infinite_df_is_the_normal_distribution():
    x = np.array([-1.5, 0.2, 2.0])
    for method in METHODS:
        got = xformad.grad(lambda x: np.sum(getattr(scipy.stats.t, method)(x, np.inf, 0.1, 1.3)))(x)
        want = xformad.grad(lambda x: np.sum(getattr(scipy.stats.norm, method)(x, 0.1, 1.3)))(x)
        np.testing.assert_allclose(got, want, rtol=1e-13)


def test_normal_log_cdf_derivative_in_the_far_tail():
    """phi(z)/Phi(z) in high precision: scipy.special.log_ndtr's own derivative cancels
    there; the asymptotic expansion used below -40 does not."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    z = np.array([-1e20, -1e8, -1e3, -41.0])
    mp_ratio = [float(mpmath.npdf(v) / mpmath.ncdf(v)) for v in map(mpmath.mpf, z[2:])]
    want = np.array([*(-z[:2] - 1 / z[:2]), *mp_ratio])  # the expansion's next term: 2/z^3
    got = xformad.grad(lambda z: np.sum(scipy.stats.norm.logcdf(z)))(z)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    got = xformad.grad(lambda z: np.sum(scipy.stats.norm.logsf(-z)))(z)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    check_grads(lambda z: scipy.stats.norm.logcdf(z), (np.array([-45.0, -39.5, -60.0]),), order=2)


def test_t_logcdf_mixed_second_derivative_at_zero():
    mixed = xformad.grad(lambda z: xformad.grad(lambda d: scipy.stats.t.logcdf(z, d))(3.0))(0.0)
    want = xformad.grad(lambda d: xformad.grad(lambda z: scipy.stats.t.logcdf(z, d))(0.0))(3.0)
    np.testing.assert_allclose(mixed, want, rtol=1e-12)
