"""Functions found missing by porting autograd's and JAX's scipy test suites, now served:
scipy.stats.norm.ppf/isf, scipy.special.rgamma, gammasgn and zeta, scipy.linalg.svd, qr,
pinv and eig. Each: scipy's value bit for bit (bytes and dtype), derivatives against
central finite differences in both modes to order 2, and the clear errors of what stays
unserved."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl
import scipy.special as sp
import scipy.stats
from xformad_scipy.errors import LinalgError, SpecialFunctionError, StatsError

import xformad
from xformad.testing import check_grads


def leaves(value):
    return list(value) if isinstance(value, (tuple, list)) else [value]


def traced(fn, *args):
    """fn's result computed on traced arguments (a jvp's primal output)."""
    args = tuple(np.asarray(a) * 1.0 for a in args)  # (floating, complex kept)
    return xformad.jvp(fn, args, tuple(np.zeros_like(a) for a in args))[0]


def assert_same_bits(got, want):
    got, want = leaves(got), leaves(want)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g, w = np.asarray(g), np.asarray(w)
        assert g.dtype == w.dtype and g.shape == w.shape
        assert g.tobytes() == w.tobytes()


def weighted(fn):
    """A real scalar of every output of fn, distinct weights per element."""

    def loss(*args):
        total = 0.0
        for out in leaves(fn(*args)):
            w = np.linspace(0.5, 1.5, np.size(out)).reshape(np.shape(out))
            total = total + np.sum(np.real(out) * w)
            if np.iscomplexobj(out):
                total = total + np.sum(np.imag(out) * w[::-1])
        return total

    return loss


# --- 1. scipy.stats.norm.ppf / isf ----------------------------------------------------------
Q = np.array([[0.1, 0.5, 0.93], [0.02, 0.7, 0.4]])
LOC = np.array([0.1, -0.2, 0.3])
SCALE = 1.7


@pytest.mark.parametrize("method", ["ppf", "isf"])
@pytest.mark.parametrize(
    "form",
    ["positional", "keywords", "frozen"],
)
def test_norm_quantiles_values_and_gradients(method, form):
    calls = {
        "positional": lambda q, loc, s: getattr(scipy.stats.norm, method)(q, loc, s),
        "keywords": lambda q, loc, s: getattr(scipy.stats.norm, method)(q, loc=loc, scale=s),
        "frozen": lambda q, loc, s: getattr(scipy.stats.norm(loc, s), method)(q),
    }
    f = calls[form]
    assert_same_bits(traced(f, Q, LOC, SCALE), f(Q, LOC, SCALE))
    check_grads(weighted(f), (Q, LOC, SCALE), modes=("fwd", "rev"), order=2)


@pytest.mark.parametrize("method, sign", [("ppf", 1.0), ("isf", -1.0)])
def test_norm_quantile_derivative_is_scale_over_density(method, sign):
    q = 0.3
    g = xformad.grad(lambda q: getattr(scipy.stats.norm, method)(q, 1.0, 2.0))(q)
    want = sign * 2.0 / scipy.stats.norm.pdf(scipy.stats.norm.ppf(q) * sign)
    np.testing.assert_allclose(g, want, rtol=1e-14)
    assert_same_bits(traced(lambda q: scipy.stats.norm.ppf(q), 0.3), scipy.stats.norm.ppf(0.3))


def test_norm_quantile_edges_and_invalid():
    q = np.array([0.0, 1.0, 1.5, np.nan, 0.3, 0.3])
    s = np.array([1.0, 1.0, 1.0, 1.0, -1.0, 2.0])
    f = lambda q, s: scipy.stats.norm.ppf(q, 0.5, s)  # noqa: E731
    with np.errstate(invalid="ignore"):
        assert_same_bits(traced(f, q, s), f(q, s))
        gq, gs = xformad.grad(lambda q, s: np.sum(f(q, s)), argnums=(0, 1))(q, s)
    # constants -inf, inf at 0 and 1 (zero derivative), NaN where scipy's value is NaN
    np.testing.assert_array_equal(gq[:2], 0.0)
    assert np.all(np.isnan(gq[2:5])) and np.all(np.isnan(gs[2:5]))
    assert np.isfinite(gq[5]) and np.isfinite(gs[5])


def test_norm_quantiles_under_jit():
    g = xformad.jit(xformad.grad(lambda q: np.sum(scipy.stats.norm.isf(q, 1.0, 2.0))))
    eager = xformad.grad(lambda q: np.sum(scipy.stats.norm.isf(q, 1.0, 2.0)))
    for q in (np.array([0.2, 0.6]), np.array([0.3, 0.9])):
        np.testing.assert_allclose(g(q), eager(q), rtol=1e-14)


def test_other_distributions_quantiles_still_refuse():
    with pytest.raises(StatsError, match=r"scipy\.stats\.t\.ppf .*norm also ppf, isf"):
        xformad.grad(lambda q: scipy.stats.t.ppf(q, 3.0))(0.3)
    with pytest.raises(StatsError, match=r"scipy\.stats\.poisson\.ppf"):
        xformad.grad(lambda mu: scipy.stats.poisson.ppf(0.3, mu))(2.0)


# --- 2. scipy.special.rgamma, gammasgn, zeta ----------------------------------------------------
X_GAMMA = np.array([-2.7, -1.0, -0.3, 0.0, 0.4, 1.3, 3.5, -3.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fn", [sp.rgamma, sp.gammasgn], ids=lambda f: f.__name__)
def test_rgamma_gammasgn_values(fn, dtype):
    x = X_GAMMA.astype(dtype)
    assert_same_bits(traced(fn, x), fn(x))
    assert xformad.grad(lambda x: np.sum(fn(x)))(x).dtype == dtype


def test_rgamma_gradients_to_order_three():
    x = np.array([-2.7, -0.3, 0.4, 1.3, 3.5])
    check_grads(weighted(sp.rgamma), (x,), modes=("fwd", "rev"), order=3)


def test_rgamma_derivative_at_the_poles_of_gamma():
    # 1/Gamma(x) near x = -n is (-1)^n n! (x + n): its derivative there is (-1)^n n!
    for n in range(4):
        assert xformad.grad(sp.rgamma)(float(-n)) == (-1) ** n * float(np.prod(np.arange(1, n + 1)))
    np.testing.assert_allclose(xformad.grad(sp.rgamma)(2.5), -sp.digamma(2.5) * sp.rgamma(2.5), rtol=1e-14)
    check_grads(sp.rgamma, (-2.0,), modes=("fwd", "rev"), order=2)


def test_gammasgn_has_zero_derivative():
    np.testing.assert_array_equal(xformad.grad(lambda x: np.sum(sp.gammasgn(x)))(X_GAMMA), 0.0)
    check_grads(weighted(sp.gammasgn), (np.array([-2.5, -0.5, 0.7, 3.0]),), modes=("fwd", "rev"), order=2)


XS = np.array([2.0, 3.5, 1.5])
QS = np.array([0.5, 1.3, 2.2])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_zeta_values(dtype):
    x, q = XS.astype(dtype), QS.astype(dtype)
    assert_same_bits(traced(lambda q: sp.zeta(x, q), q), sp.zeta(x, q))
    assert_same_bits(traced(lambda x: sp.zeta(x, q), x), sp.zeta(x, q))
    assert_same_bits(traced(sp.zeta, x), sp.zeta(x))  # Riemann
    assert_same_bits(traced(lambda x: sp.zeta(x, 1.0), 0.5), sp.zeta(0.5, 1.0))  # scipy's nan
    z = np.array([2.0 + 1.0j, 0.5 - 3.0j])
    assert_same_bits(traced(sp.zeta, z), sp.zeta(z))


def test_hurwitz_zeta_q_derivative():
    check_grads(weighted(lambda q: sp.zeta(XS, q)), (QS,), modes=("fwd", "rev"), order=3)
    np.testing.assert_allclose(
        xformad.grad(lambda q: sp.zeta(3.0, q))(1.5), -3.0 * sp.zeta(4.0, 1.5), rtol=1e-14
    )
    # x traced but not differentiated: the q-derivative still works
    g = xformad.grad(lambda q, x: sp.zeta(x, q))(1.5, 2.0)
    np.testing.assert_allclose(g, -2.0 * sp.zeta(3.0, 1.5), rtol=1e-14)
    assert xformad.vmap(lambda q: sp.zeta(3.0, q))(QS).tobytes() == sp.zeta(3.0, QS).tobytes()
    jitted = xformad.jit(xformad.grad(lambda q: np.sum(sp.zeta(XS, q))))
    np.testing.assert_allclose(jitted(QS), xformad.grad(lambda q: np.sum(sp.zeta(XS, q)))(QS), rtol=1e-14)


@pytest.mark.parametrize(
    "f, match",
    [
        (lambda x: sp.zeta(x), r"zeta\(x\) has no derivative with respect to x"),
        (lambda x: sp.zeta(x, 1.5), r"zeta\(x, q\) has no derivative with respect to x"),
    ],
)
def test_zeta_x_derivative_raises_only_when_needed(f, match):
    for transform in (xformad.grad, lambda f: lambda x: xformad.jvp(f, (x,), (1.0,))):
        with pytest.raises(SpecialFunctionError, match=match) as info:
            transform(f)(2.5)
        assert isinstance(info.value, xformad.XformadError)
        assert "-x * zeta(x + 1, q)" in str(info.value)
    # a zero tangent needs no derivative
    value, tangent = xformad.jvp(f, (2.5,), (0.0,))
    assert tangent == 0.0 and value == f(2.5)


def test_zeta_out_refused():
    with pytest.raises(SpecialFunctionError, match="out="):
        xformad.grad(lambda q: sp.zeta(3.0, q, out=np.empty(())))(1.5)


# --- 3. scipy.linalg.svd, qr, pinv, eig -----------------------------------------------------------
def _tall(rng):
    return rng.standard_normal((6, 4))


def _spread(a):
    """A nonsymmetric 4 x 4 matrix with real, well separated eigenvalues."""
    return np.diag([1.0, 2.0, 3.0, 4.0]) + 0.2 * a[:4]


LINALG = {
    "svd reduced": lambda a: sl.svd(a, full_matrices=False),
    "svd square": lambda a: sl.svd(a[:4]),
    "svd wide": lambda a: sl.svd(a.T, full_matrices=False),
    "svd values": lambda a: sl.svd(a, compute_uv=False),
    "svd gesvd": lambda a: sl.svd(a, full_matrices=False, lapack_driver="gesvd"),
    "qr economic": lambda a: sl.qr(a, mode="economic"),
    "qr full square": lambda a: sl.qr(a[:4]),
    "qr r": lambda a: sl.qr(a, mode="r"),
    "qr r square": lambda a: sl.qr(a[:4], mode="r"),
    "pinv tall": lambda a: sl.pinv(a),
    "pinv wide": lambda a: sl.pinv(a.T),
    "pinv rtol": lambda a: sl.pinv(a, atol=1e-12, rtol=1e-10),
    "eig values": lambda a: sl.eig(_spread(a))[0],
    "eig right=False": lambda a: sl.eig(_spread(a), right=False),
    "eig vectors": lambda a: sl.eig(_spread(a))[1],
}


@pytest.mark.parametrize("name", list(LINALG))
def test_linalg_values_and_gradients(name, rng):
    f = LINALG[name]
    a = _tall(rng)
    assert_same_bits(traced(f, a), f(a))
    check_grads(weighted(f), (a,), modes=("fwd", "rev"), order=2)


def test_linalg_under_jit(rng):
    a = _tall(rng)
    for name in ("svd reduced", "qr economic", "pinv tall", "eig values"):
        loss = weighted(LINALG[name])
        np.testing.assert_allclose(xformad.jit(xformad.grad(loss))(a), xformad.grad(loss)(a), rtol=1e-10)


def test_eig_complex_eigenvalues_first_order(rng):
    # a real matrix with complex eigenvalues: as np.linalg.eig, first order (at second
    # order xformad refuses the erratic sign of LAPACK's complex eigenvectors)
    a = rng.standard_normal((4, 4))
    assert np.any(np.imag(sl.eig(a)[0]) != 0)
    assert_same_bits(traced(sl.eig, a), sl.eig(a))
    check_grads(weighted(lambda a: sl.eig(a)[0]), (a,), modes=("fwd", "rev"), order=1)
    check_grads(weighted(lambda a: np.abs(sl.eig(a)[1]) ** 2), (a,), modes=("fwd", "rev"), order=1)


def test_eig_vectors(rng):
    s = rng.standard_normal((4, 4))
    s = s + s.T  # real eigenvalues: scipy's eigenvectors are real
    assert_same_bits(traced(sl.eig, s), sl.eig(s))
    assert traced(sl.eig, s)[1].dtype == np.float64
    check_grads(weighted(lambda s: sl.eig(s)[1] ** 2), (s,), modes=("fwd", "rev"), order=2)
    a = np.triu(rng.standard_normal((3, 3))) + 0.1 * rng.standard_normal((3, 3))  # nonsymmetric
    assert_same_bits(traced(sl.eig, a), sl.eig(a))
    check_grads(weighted(lambda a: sl.eig(a)[1] ** 2), (a,), modes=("fwd", "rev"), order=2)


def test_svd_vectors_in_sign_free_form(rng):
    a = _tall(rng)

    def projector(a):
        u, s, vh = sl.svd(a, full_matrices=False)
        return u[:, :2] @ u[:, :2].T @ a + (u * s) @ vh  # a projector and a's reconstruction

    check_grads(weighted(projector), (a,), modes=("fwd", "rev"), order=2)


def _linalg_error(f, a, match):
    with pytest.raises(LinalgError, match=match) as info:
        xformad.grad(lambda a: np.sum(np.real(leaves(f(a))[0])))(a)
    assert isinstance(info.value, xformad.XformadError)


@pytest.mark.parametrize(
    "f, match",
    [
        (lambda a: sl.qr(a, pivoting=True), r"qr: pivoting=True"),
        (lambda a: sl.qr(a, mode="raw"), r"qr: mode='raw'"),
        (lambda a: sl.qr(a), r"qr: mode='full' on a tall matrix"),
        (lambda a: sl.qr(a.T, mode="economic"), r"qr: a wide matrix"),
        (lambda a: sl.qr(a + 0j, mode="economic"), r"qr: a complex input"),
        (lambda a: sl.pinv(a, return_rank=True), r"pinv: return_rank=True"),
        (lambda a: sl.pinv(a + 0j), r"pinv: a complex input"),
        (lambda a: sl.eig(a[:4], np.eye(4)), r"eig: the generalized problem \(b=\)"),
        (lambda a: sl.eig(a[:4], left=True), r"eig: left=True"),
        (lambda a: sl.eig(a[:4], homogeneous_eigvals=True), r"eig: homogeneous_eigvals=True"),
    ],
)
def test_linalg_unserved_options_raise(f, match, rng):
    _linalg_error(f, _tall(rng), match)


def test_pinv_traced_tolerance_refused(rng):
    a = _tall(rng)
    with pytest.raises(LinalgError, match="traced atol or rtol"):
        xformad.grad(lambda t: np.sum(sl.pinv(a, rtol=t)))(1e-10)


def test_plain_calls_inside_a_trace_are_scipys(rng):
    a = _tall(rng)
    seen = []
    xformad.grad(lambda x: seen.append((sl.svd(a), sl.qr(a), sl.pinv(a), sl.eig(a[:4]))) or x)(1.0)
    for got, want in zip(seen[0], (sl.svd(a), sl.qr(a), sl.pinv(a), sl.eig(a[:4]))):
        assert_same_bits(got, want)
