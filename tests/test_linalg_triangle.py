"""numpy's eigh, eigvalsh, cholesky and the hermitian=True forms of svd and pinv read one
triangle of the matrix. xformad differentiates that function, so finite differences agree
on a NON-symmetric input: the unread triangle has a zero derivative and a read off-diagonal
entry counts for itself and its mirror. The symmetric-input convention of JAX, autograd
and PyTorch is the derivative of the explicitly symmetrised call."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads

from .jax_compat import x64

RNG = np.random.default_rng(3)


def _mT(x):
    return np.swapaxes(x, -1, -2)


def general(*shape, dtype=np.float64):
    x = RNG.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * RNG.standard_normal(shape)
    return x


def positive_definite_triangles(n):
    """A non-symmetric matrix whose lower and upper triangles each read as SPD."""
    x = RNG.standard_normal((n, n))
    return x @ x.T + n * np.eye(n) + np.triu(RNG.standard_normal((n, n)), 1)


def traced(f, *args):
    return xformad.jvp(f, args, tuple(np.zeros_like(a) for a in args))[0]


def as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def unread(UPLO, n):
    """The mask of the triangle numpy ignores."""
    return np.triu(np.ones((n, n)), 1) if UPLO == "L" else np.tril(np.ones((n, n)), -1)


@pytest.mark.parametrize("UPLO", ["L", "U"])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_eigh_on_a_non_symmetric_input(UPLO, dtype):
    a = general(2, 4, 4, dtype=dtype)

    def phase_free(a):
        w, v = np.linalg.eigh(a, UPLO=UPLO)
        return w, np.abs(v) ** 2 * np.arange(4.0)

    for got, want in zip(traced(phase_free, a), phase_free(a)):
        np.testing.assert_array_equal(got, want)
    check_grads(phase_free, (a,))
    check_grads(lambda a: np.linalg.eigvalsh(a, UPLO), (a,))


@pytest.mark.parametrize("UPLO", ["L", "U"])
def test_unread_triangle_gets_no_gradient(UPLO):
    a = general(4, 4)
    g = xformad.grad(lambda a: np.sum(np.linalg.eigvalsh(a, UPLO) ** 3))(a)
    np.testing.assert_array_equal(g * unread(UPLO, 4), 0)
    assert np.all(g[unread(UPLO, 4).T > 0] != 0)  # the read off-diagonal entries count


def test_eigh_accepts_numpys_uplo_spellings():
    a = general(3, 3)
    np.testing.assert_array_equal(traced(lambda a: np.linalg.eigvalsh(a, "u"), a), np.linalg.eigvalsh(a, "u"))
    with pytest.raises(ValueError, match="UPLO argument must be 'L' or 'U'"):
        xformad.grad(lambda a: np.sum(np.linalg.eigvalsh(a, "X")))(a)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_reads_the_triangle_numpy_reads(upper):
    a = positive_definite_triangles(4)
    got = traced(lambda a: np.linalg.cholesky(a, upper=upper), a)
    np.testing.assert_array_equal(got, np.linalg.cholesky(a, upper=upper))
    check_grads(lambda a: np.linalg.cholesky(a, upper=upper), (a,))
    g = xformad.grad(lambda a: 2 * np.sum(np.log(np.diagonal(np.linalg.cholesky(a, upper=upper)))))(a)
    # log det of the matrix read from the triangle: its inverse, folded onto that triangle
    read = np.triu(a) + np.triu(a, 1).T if upper else np.tril(a) + np.tril(a, -1).T
    inverse = np.linalg.inv(read)
    expected = 2 * (np.triu(inverse, 1) if upper else np.tril(inverse, -1)) + np.diag(np.diag(inverse))
    np.testing.assert_allclose(g, expected, rtol=1e-10, atol=1e-14)


def test_hermitian_svd_and_pinv_read_the_lower_triangle():
    a = general(4, 4) + 4 * np.eye(4)
    for f in (
        lambda a: np.linalg.svd(a, hermitian=True, compute_uv=False),
        lambda a: tuple(np.linalg.svd(a, hermitian=True)),
        lambda a: np.linalg.pinv(a, hermitian=True),
    ):
        for got, want in zip(as_tuple(traced(f, a)), as_tuple(f(a))):
            np.testing.assert_array_equal(got, want)
    check_grads(lambda a: np.linalg.svd(a, hermitian=True, compute_uv=False), (a,))
    check_grads(lambda a: np.linalg.svd(a, hermitian=True)[0] ** 2, (a,))
    check_grads(lambda a: np.linalg.pinv(a, hermitian=True), (a,))


def test_symmetrised_call_gives_the_symmetric_convention():
    """JAX's eigh symmetrises its input ((a + a^H) / 2) and returns a symmetric gradient;
    writing that symmetrisation out gives the same value and gradient in xformad, while
    the plain call is numpy's function of one triangle."""
    jax = pytest.importorskip("jax")
    a = general(4, 4)

    def loss(np_, a):
        return np_.sum(np_.linalg.eigvalsh(a) ** 3)

    with x64(jax):
        theirs = np.asarray(jax.grad(lambda a: loss(jax.numpy, a))(a))
        jax_value = float(loss(jax.numpy, a))
    ours = xformad.grad(lambda a: loss(np, (a + a.T) / 2))(a)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    np.testing.assert_allclose(loss(np, (a + a.T) / 2), jax_value, rtol=1e-12)
    assert not np.isclose(loss(np, a), jax_value)  # numpy reads only the lower triangle
    # on a matrix built symmetric the two conventions give the same derivative
    x = general(4, 4)
    ours = xformad.grad(lambda x: loss(np, x + x.T))(x)
    with x64(jax):
        theirs = np.asarray(jax.grad(lambda x: loss(jax.numpy, x + x.T))(x))
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
