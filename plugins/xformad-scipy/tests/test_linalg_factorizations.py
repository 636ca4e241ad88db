"""scipy.linalg's factorisations on traced values: cholesky, cho_factor/cho_solve,
lu_factor/lu_solve, eigh. Each is differentiated as the function scipy computes, so the
finite differences run on NON-symmetric inputs: cholesky and eigh read one triangle, and
only that triangle may have a gradient."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from test_linalg_checks import check_function

import xformad

RNG = np.random.default_rng(11)
N = 3
A = RNG.standard_normal((N, N)) + 3 * np.eye(N)
NOISE = RNG.standard_normal((N, N))
SPD_TRIANGLES = A @ A.T + N * np.eye(N) + 0.4 * NOISE  # not symmetric; each triangle is SPD
B = RNG.standard_normal((N, 2))
A_COMPLEX = A + 0.5j * RNG.standard_normal((N, N))
B_COMPLEX = B + 0.5j * RNG.standard_normal((N, 2))
NEEDS_PIVOTING = np.array([[0.1, 2.0, 0.3], [1.5, 0.2, 0.7], [0.4, 0.9, 2.5]])  # piv != arange


def case(name, fn, *args):
    return pytest.param(fn, args, id=name)


def eigh_sign_free(a, **kwargs):
    """eigh's eigenvalues and eigenvectors up to each column's sign: LAPACK's choice of sign
    is not continuous in a (it can flip between a - eps and a + eps), so finite differences
    see v only through sign-invariant products."""
    w, v = scipy.linalg.eigh(a, **kwargs)
    return w, v * v[:1]


CASES = [
    case("cholesky-upper", lambda a: scipy.linalg.cholesky(a), SPD_TRIANGLES),
    case("cholesky-lower", lambda a: scipy.linalg.cholesky(a, lower=True), SPD_TRIANGLES),
    case("cholesky-batch", lambda a: scipy.linalg.cholesky(a), np.stack([SPD_TRIANGLES, SPD_TRIANGLES.T])),
    case("cho_factor-upper", lambda a: scipy.linalg.cho_factor(a)[0], SPD_TRIANGLES),
    case("cho_factor-lower", lambda a: scipy.linalg.cho_factor(a, lower=True)[0], SPD_TRIANGLES),
    case(
        "cho_factor-cho_solve",
        lambda a, b: scipy.linalg.cho_solve(scipy.linalg.cho_factor(a), b),
        SPD_TRIANGLES,
        B,
    ),
    case(
        "cho_factor-cho_solve-lower-vector",
        lambda a, b: scipy.linalg.cho_solve(scipy.linalg.cho_factor(a, lower=True), b),
        SPD_TRIANGLES,
        B[:, 0],
    ),
    case(  # c given directly, its other triangle arbitrary (scipy does not read it)
        "cho_solve-c-upper",
        lambda c, b: scipy.linalg.cho_solve((c, False), b),
        scipy.linalg.cholesky(A @ A.T) + np.tril(NOISE, -1),
        B,
    ),
    case(
        "cho_solve-c-lower-batch",
        lambda c, b: scipy.linalg.cho_solve((c, True), b),
        scipy.linalg.cholesky(A @ A.T, lower=True) + np.triu(NOISE, 1),
        RNG.standard_normal((2, N, 2)),
    ),
    case("lu_factor", lambda a: scipy.linalg.lu_factor(a)[0], NEEDS_PIVOTING),
    case("lu_factor-complex", lambda a: scipy.linalg.lu_factor(a)[0], A_COMPLEX),
    case("lu_solve", lambda a, b: scipy.linalg.lu_solve(scipy.linalg.lu_factor(a), b), NEEDS_PIVOTING, B),
    case(
        "lu_solve-trans1-vector",
        lambda a, b: scipy.linalg.lu_solve(scipy.linalg.lu_factor(a), b, trans=1),
        NEEDS_PIVOTING,
        B[:, 0],
    ),
    case(
        "lu_solve-trans2-real",
        lambda a, b: scipy.linalg.lu_solve(scipy.linalg.lu_factor(a), b, trans=2),
        NEEDS_PIVOTING,
        B,
    ),
    case(
        "lu_solve-complex-trans0",
        lambda a, b: scipy.linalg.lu_solve(scipy.linalg.lu_factor(a), b),
        A_COMPLEX,
        B_COMPLEX,
    ),
    case(
        "lu_solve-complex-trans2",
        lambda a, b: scipy.linalg.lu_solve(scipy.linalg.lu_factor(a), b, trans=2),
        A_COMPLEX,
        B_COMPLEX,
    ),
    case(  # lu given directly: its diagonal belongs to U, L's unit diagonal is not stored
        "lu_solve-lu-batch",
        lambda lu, b: scipy.linalg.lu_solve((lu, np.array([[1, 1, 2], [2, 2, 2]], dtype=np.int32)), b),
        RNG.standard_normal((2, N, N)) + 3 * np.eye(N),
        RNG.standard_normal((2, N, 2)),
    ),
    case("eigh-lower", eigh_sign_free, NOISE),
    case("eigh-upper", lambda a: eigh_sign_free(a, lower=False), NOISE),
    case("eigh-driver-evd", lambda a: eigh_sign_free(a, driver="evd"), NOISE),
    case("eigh-eigvals-only", lambda a: scipy.linalg.eigh(a, eigvals_only=True), NOISE),
    case("eigh-eigvals-only-upper", lambda a: scipy.linalg.eigh(a, lower=False, eigvals_only=True), NOISE),
]


@pytest.mark.parametrize("fn, args", CASES)
def test_values_gradients_and_jit(fn, args):
    check_function(fn, args)


def test_eigh_values_and_signs_are_scipys():
    (w, v), _ = xformad.jvp(lambda a: scipy.linalg.eigh(a), (NOISE,), (NOISE,))
    w_ref, v_ref = scipy.linalg.eigh(NOISE)
    assert np.array_equal(w, w_ref) and np.array_equal(v, v_ref)


def test_cho_factor_c_is_scipys_c_including_the_other_triangle():
    for lower in (False, True):
        (c, flag), _ = xformad.jvp(
            lambda a: scipy.linalg.cho_factor(a, lower=lower), (SPD_TRIANGLES,), (NOISE,)
        )
        c_ref, flag_ref = scipy.linalg.cho_factor(SPD_TRIANGLES, lower=lower)
        assert flag == flag_ref and np.array_equal(c, c_ref)


def _grad(fn, *args, argnum=0):
    def loss(*xs):
        out = fn(*xs)
        return np.sum(out * np.arange(1.0, 1.0 + np.size(out)).reshape(np.shape(out)))

    return xformad.grad(loss, argnums=argnum)(*args)


UPPER_STRICT = np.triu(np.ones((N, N)), 1) == 1


@pytest.mark.parametrize(
    "fn, unread",
    [
        (lambda a: scipy.linalg.cholesky(a), UPPER_STRICT.T),
        (lambda a: scipy.linalg.cholesky(a, lower=True), UPPER_STRICT),
        (lambda a: scipy.linalg.eigh(a, eigvals_only=True), UPPER_STRICT),
        (lambda a: scipy.linalg.eigh(a)[1], UPPER_STRICT),
        (lambda a: scipy.linalg.cho_solve((a, True), B), UPPER_STRICT),
    ],
    ids=["cholesky-upper", "cholesky-lower", "eigvalsh-lower", "eigh-vectors-lower", "cho_solve-lower"],
)
def test_entries_scipy_does_not_read_get_zero_gradient(fn, unread):
    grad = _grad(fn, SPD_TRIANGLES)
    assert np.all(grad[unread] == 0) and np.all(grad[~unread] != 0)


def test_cho_factor_passes_the_other_triangle_through():
    # c's other triangle is a's own entries: their gradient is the cotangent itself
    ct = np.arange(1.0, 1.0 + N * N).reshape(N, N)
    grad = xformad.grad(lambda a: np.sum(scipy.linalg.cho_factor(a)[0] * ct))(SPD_TRIANGLES)
    lower_strict = UPPER_STRICT.T
    np.testing.assert_array_equal(grad[lower_strict], ct[lower_strict])


def test_lu_pivots_are_scipys_and_read_at_run_time():
    # a compiled gradient stays right when another input takes other pivots
    def loss(a, b):
        return np.sum(scipy.linalg.lu_solve(scipy.linalg.lu_factor(a), b) ** 2)

    compiled = xformad.jit(xformad.grad(loss), compile_after=0)
    for a in (NEEDS_PIVOTING, A, np.ascontiguousarray(NEEDS_PIVOTING[::-1])):  # one layout: one program
        (lu, piv), _ = xformad.jvp(lambda a: scipy.linalg.lu_factor(a), (a,), (NOISE,))
        lu_ref, piv_ref = scipy.linalg.lu_factor(a)
        assert np.array_equal(lu, lu_ref) and np.array_equal(piv, piv_ref) and piv.dtype == piv_ref.dtype
        np.testing.assert_allclose(compiled(a, B), xformad.grad(loss)(a, B), rtol=1e-12)
    assert compiled.cache_info().eager_calls == 0 and compiled.cache_info().compiles == 1
    assert not np.array_equal(scipy.linalg.lu_factor(A)[1], scipy.linalg.lu_factor(NEEDS_PIVOTING)[1])


def test_eigenvector_gradient_at_a_repeated_eigenvalue_raises_but_eigenvalues_differentiate():
    a = np.diag([1.0, 1.0, 2.0])
    with pytest.raises(xformad.UndefinedDerivativeError, match="repeated eigenvalues"):
        xformad.grad(lambda a: np.sum(scipy.linalg.eigh(a)[1] * NOISE))(a)
    with pytest.raises(xformad.UndefinedDerivativeError, match="repeated eigenvalues"):
        xformad.jvp(lambda a: scipy.linalg.eigh(a)[1], (a,), (NOISE,))
    # v diag(w - 1) v^T: no cotangent on the tied vectors at this point, still 0/0 there
    with pytest.raises(xformad.UndefinedDerivativeError, match="repeated eigenvalues"):
        xformad.grad(
            lambda a: np.sum(NOISE * (lambda w, v: v @ np.diag(w - 1.0) @ v.T)(*scipy.linalg.eigh(a)))
        )(a)
    values = xformad.grad(lambda a: np.sum(scipy.linalg.eigh(a, eigvals_only=True) * [1.0, 1.0, 3.0]))(a)
    assert np.all(np.isfinite(values))


def test_float32_stays_float32():
    a, b = SPD_TRIANGLES.astype(np.float32), B.astype(np.float32)
    for fn in (
        lambda a, b: scipy.linalg.cho_solve(scipy.linalg.cho_factor(a), b),
        lambda a, b: scipy.linalg.lu_solve(scipy.linalg.lu_factor(a), b),
        lambda a, b: scipy.linalg.eigh(a)[1] @ b,
    ):
        value, tangent = xformad.jvp(fn, (a, b), (np.ones_like(a), np.ones_like(b)))
        grads = xformad.grad(lambda a, b: np.sum(fn(a, b)), argnums=(0, 1))(a, b)
        assert value.dtype == tangent.dtype == np.float32
        assert all(g.dtype == np.float32 for g in grads)
