"""scipy.stats.multivariate_normal and scipy.stats.dirichlet on traced values: scipy's
values and errors; derivatives in x, mean, cov and in x, alpha in both modes to second
order, eager and compiled, in the plain and the frozen forms."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
from scipy.stats import dirichlet, multivariate_normal
from xformad_scipy.errors import StatsError

import xformad
from xformad.testing import check_grads

RNG = np.random.default_rng(3)
A = RNG.normal(size=(3, 3))
COV = A @ A.T + 2 * np.eye(3)
MEAN = RNG.normal(size=3)
POINTS = RNG.normal(size=(4, 3))


def _jit_matches(loss, args):
    argnums = tuple(range(len(args)))
    jitted = xformad.jit(xformad.grad(loss, argnums=argnums))
    for moved in (args, tuple(a * 1.01 for a in args)):
        for got, want in zip(jitted(*moved), xformad.grad(loss, argnums=argnums)(*moved)):
            np.testing.assert_array_equal(got, want)


# --- multivariate_normal -----------------------------------------------------------------
@pytest.mark.parametrize("method", ["logpdf", "pdf"])
def test_mvn_derivatives_values_and_jit(method):
    plain = lambda x, m, c: getattr(multivariate_normal, method)(x, m, c)  # noqa: E731
    frozen = lambda x, m, c: getattr(multivariate_normal(m, c), method)(x)  # noqa: E731
    args = (POINTS, MEAN, COV)
    for f in (plain, frozen):
        check_grads(f, args, modes=("fwd", "rev"), order=2)
        np.testing.assert_array_equal(
            xformad.jit(f)(*args), getattr(scipy.stats.multivariate_normal, method)(*args)
        )
        _jit_matches(lambda *a: np.sum(f(*a)), args)


def test_mvn_frozen_outside_the_trace():
    frozen = multivariate_normal(MEAN, COV)
    check_grads(lambda x: frozen.logpdf(x), (POINTS,), order=2)
    np.testing.assert_array_equal(xformad.jit(lambda x: frozen.pdf(x))(POINTS), frozen.pdf(POINTS))


@pytest.mark.parametrize(
    "x, mean, cov",
    [
        (POINTS[0], MEAN, COV),  # one point
        (POINTS[None], MEAN, COV),  # (1, 4, 3): squeezed as scipy squeezes
        (np.array([0.3, -1.2, 2.0]), 0.4, 1.7),  # dim 1: three points, scalar cov
        (POINTS, MEAN, np.diag(COV)),  # a diagonal given as a vector
        (POINTS, MEAN, 2.5),  # a scalar cov times the identity
        (0.7, None, 2.0),  # no mean
    ],
)
def test_mvn_shapes_as_scipy(x, mean, cov):
    given = [v for v in (x, mean, cov) if v is not None]
    if mean is None:
        f = lambda x, c: multivariate_normal.logpdf(x, cov=c)  # noqa: E731
    else:  # (the method looked up inside the traced function: see test_bound_method_...)
        f = lambda x, m, c: multivariate_normal.logpdf(x, m, c)  # noqa: E731
    np.testing.assert_array_equal(xformad.jit(f)(*given), f(*given))
    check_grads(f, tuple(given), order=2)


def test_mvn_cov_derivative_is_scipys_lower_triangle_one():
    """scipy reads cov's lower triangle: no derivative above the diagonal; symmetrized, the
    textbook gradient -1/2 (C^-1 - C^-1 d d^T C^-1), as autograd gives it."""
    ag_mvn = pytest.importorskip("autograd.scipy.stats.multivariate_normal")
    import autograd

    x = POINTS[0]
    g = xformad.grad(lambda c: multivariate_normal.logpdf(x, MEAN, c))(COV)
    np.testing.assert_array_equal(np.triu(g, 1), 0.0)
    inv = np.linalg.inv(COV)
    dev = x - MEAN
    textbook = -0.5 * (inv - inv @ np.outer(dev, dev) @ inv)
    np.testing.assert_allclose((g + g.T) / 2, textbook, rtol=1e-12)
    reference = autograd.grad(lambda c: ag_mvn.logpdf(x, MEAN, c))(COV)
    np.testing.assert_allclose((g + g.T) / 2, (reference + reference.T) / 2, rtol=1e-12)
    # and the same derivative along any symmetric direction
    sym = RNG.normal(size=(3, 3))
    sym = sym + sym.T
    np.testing.assert_allclose(np.sum(g * sym), np.sum(reference * sym), rtol=1e-12)


def test_mvn_entropy():
    ag_mvn = pytest.importorskip("autograd.scipy.stats.multivariate_normal")
    import autograd

    plain = lambda c: multivariate_normal.entropy(MEAN, c)  # noqa: E731
    frozen = lambda c: multivariate_normal(MEAN, c).entropy()  # noqa: E731
    for f in (plain, frozen):
        check_grads(f, (COV,), modes=("fwd", "rev"), order=2)
        assert xformad.jit(f)(COV) == scipy.stats.multivariate_normal.entropy(MEAN, COV)
        _jit_matches(f, (COV,))
    check_grads(lambda c: multivariate_normal.entropy(cov=c), (2.5,), order=2)  # scalar cov, no mean
    g = xformad.grad(plain)(COV)
    reference = autograd.grad(lambda c: ag_mvn.entropy(MEAN, c))(COV)
    np.testing.assert_allclose((g + g.T) / 2, (reference + reference.T) / 2, rtol=1e-12)
    with pytest.raises(StatsError, match="cov is singular"):  # scipy's entropy allows it
        xformad.grad(plain)(np.outer(MEAN, MEAN))


def test_mvn_allow_singular():
    f = lambda c, s: multivariate_normal.logpdf(POINTS, MEAN, c, allow_singular=s)  # noqa: E731
    np.testing.assert_array_equal(xformad.jit(lambda c: f(c, True))(COV), f(COV, True))  # full rank: served
    singular = np.outer(MEAN, MEAN)
    with pytest.raises(StatsError, match="cov is singular"):
        xformad.grad(lambda c: np.sum(f(c, True)))(singular)
    with pytest.raises(np.linalg.LinAlgError, match="allow_singular is False"):  # scipy's own
        xformad.grad(lambda c: np.sum(f(c, False)))(singular)
    with pytest.raises(ValueError, match="positive semidefinite"):  # scipy's own
        xformad.grad(lambda c: np.sum(f(c, False)))(-COV)
    frozen = multivariate_normal(MEAN, singular, allow_singular=True)
    with pytest.raises(StatsError, match="singular"):
        xformad.grad(lambda x: np.sum(frozen.logpdf(x)))(POINTS)


# --- dirichlet -------------------------------------------------------------------------------
ALPHA = np.array([1.5, 2.2, 0.8])
X_SHORT = np.array([[0.2, 0.35], [0.5, 0.1]])  # two points (columns), last component left out


@pytest.mark.parametrize("method", ["logpdf", "pdf"])
def test_dirichlet_derivatives_values_and_jit(method):
    plain = lambda x, a: getattr(dirichlet, method)(x, a)  # noqa: E731
    frozen = lambda x, a: getattr(dirichlet(a), method)(x)  # noqa: E731
    for x in (X_SHORT, X_SHORT[:, 0]):
        for f in (plain, frozen):
            check_grads(f, (x, ALPHA), modes=("fwd", "rev"), order=2)
            np.testing.assert_array_equal(
                xformad.jit(f)(x, ALPHA), getattr(scipy.stats.dirichlet, method)(x, ALPHA)
            )
            _jit_matches(lambda *a: np.sum(f(*a)), (x, ALPHA))


def test_dirichlet_full_simplex_point():
    """All components given: the derivative in x is the formula's, (alpha - 1) / x (off the
    simplex scipy refuses the point, so finite differences cannot check it), and alpha's is
    checked as usual; both as autograd gives them."""
    ag_dirichlet = pytest.importorskip("autograd.scipy.stats.dirichlet")
    import autograd

    x = np.array([0.2, 0.5, 0.3])
    gx, ga = xformad.grad(lambda x, a: dirichlet.logpdf(x, a), argnums=(0, 1))(x, ALPHA)
    np.testing.assert_allclose(gx, (ALPHA - 1) / x, rtol=1e-14)
    np.testing.assert_allclose(ga, autograd.grad(ag_dirichlet.logpdf, 1)(x, ALPHA), rtol=1e-13)
    check_grads(lambda a: dirichlet.logpdf(x, a), (ALPHA,), order=2)


def test_dirichlet_scipys_checks_raise():
    with pytest.raises(ValueError, match="simplex"):
        xformad.grad(lambda a: dirichlet.logpdf([0.3, 0.3, 0.3], a))(ALPHA)
    with pytest.raises(ValueError, match="greater than 0"):
        xformad.grad(lambda a: dirichlet.logpdf(X_SHORT, a))(-ALPHA)


def test_bound_method_taken_before_the_trace():
    logpdf = multivariate_normal.logpdf
    got = xformad.grad(lambda c: logpdf(POINTS[0], MEAN, c))(2.0 * np.eye(3))
    want = xformad.grad(lambda c: multivariate_normal.logpdf(POINTS[0], MEAN, c))(2.0 * np.eye(3))
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("method", ["logpdf", "pdf"])
def test_mvn_on_the_subspace_of_a_constant_singular_cov(method):
    # autograd's test_mvn_sing_cov: x and mean traced, cov constant and singular
    cov = np.zeros((4, 4))
    cov[0, 0] = cov[1, 1] = 1.0
    rng = np.random.default_rng(0)
    mean = np.concatenate([rng.normal(size=2), np.zeros(2)])

    def f(x, m):
        return getattr(multivariate_normal, method)(
            np.concatenate([x[:2], m[2:]]), m, cov, allow_singular=True
        )

    x = np.concatenate([rng.normal(size=2), np.zeros(2)])
    assert xformad.value_and_grad(f, argnums=(0, 1))(x, mean)[0] == f(x, mean)  # scipy's value
    check_grads(f, (x, mean), order=2)
