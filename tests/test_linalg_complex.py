"""Complex svd, eigh and eigvalsh: values are numpy's, and derivatives with respect to the
real and imaginary parts match central finite differences in both modes, to order 2, for
real-valued losses that do not depend on the vectors' phases (numpy's are arbitrary). A
reverse pass whose loss does depend on them raises UndefinedDerivativeError. JAX, whose
complex convention xformad shares, is the second oracle."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.errors import UndefinedDerivativeError
from xformad.testing import check_grads

from .jax_compat import x64

RNG = np.random.default_rng(11)


def complex_normal(*shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def _mH(x):
    return np.conj(np.swapaxes(x, -1, -2))


def traced(f, *args):
    """f's outputs as computed under tracing."""
    return xformad.jvp(f, args, tuple(np.zeros_like(a) for a in args))[0]


def assert_same_outputs(ours, numpys):
    for got, want in zip(ours, numpys):
        np.testing.assert_array_equal(got, want)


# --- svd ---------------------------------------------------------------------------------
SVD_SHAPES = [(3, 3), (4, 3), (3, 4), (2, 3, 2)]


def svd_phase_free(x):
    """|U|^2, s, |Vh|^2 weighted, and U f(s) Vh: none changes when u_i, v_i share a phase."""
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    k = s.shape[-1]
    weights = np.arange(1.0, 1.0 + k)
    rebuilt = (u * np.sqrt(s)[..., None, :]) @ vh
    return np.abs(u) ** 2 * weights, s, np.abs(vh) ** 2 @ np.ones(vh.shape[-1]), rebuilt.real, rebuilt.imag


@pytest.mark.parametrize("shape", SVD_SHAPES)
def test_complex_svd_values_are_numpys(shape):
    x = complex_normal(*shape)
    for full in (False, True):
        assert_same_outputs(traced(lambda x: np.linalg.svd(x, full_matrices=full), x), np.linalg.svd(x, full))
    np.testing.assert_array_equal(traced(np.linalg.svdvals, x), np.linalg.svdvals(x))


@pytest.mark.parametrize("shape", SVD_SHAPES)
def test_complex_svd_gradients(shape):
    x = complex_normal(*shape)
    check_grads(svd_phase_free, (x,))
    check_grads(lambda x: np.linalg.svd(x, compute_uv=False), (x,))


def test_complex_svd_full_matrices():
    tall = complex_normal(4, 2)
    # the leading singular vectors of a full SVD differentiate; the completed ones do not
    check_grads(lambda x: np.abs(np.linalg.svd(x)[0][:, :2]) ** 2, (tall,))
    check_grads(lambda x: np.linalg.svd(x)[1], (tall,))
    square = complex_normal(3, 3)
    check_grads(lambda x: np.abs(np.linalg.svd(x, full_matrices=True)[2]) ** 2, (square,))


def test_complex_svd_projector_loss():
    """u_1 u_1^H, the projector on the leading left singular vector, is phase-free."""
    x = complex_normal(4, 3)
    target = complex_normal(4, 4)

    def loss(x):
        u = np.linalg.svd(x, full_matrices=False)[0][:, :1]
        return np.sum(np.abs(u @ _mH(u) - target) ** 2)

    check_grads(loss, (x,))


# --- eigh and eigvalsh ---------------------------------------------------------------------
def eigh_phase_free(a, UPLO):
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    spectral = (v * np.exp(w / 4)[..., None, :]) @ _mH(v)  # V exp(W/4) V^H
    return w, np.abs(v) ** 2 * np.arange(1.0, 1.0 + w.shape[-1]), spectral.real, spectral.imag


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
@pytest.mark.parametrize("UPLO", ["L", "U"])
def test_complex_eigh(shape, UPLO):
    """On a general complex matrix: numpy reads one triangle, so does the derivative."""
    a = complex_normal(*shape)
    assert_same_outputs(traced(lambda a: np.linalg.eigh(a, UPLO), a), np.linalg.eigh(a, UPLO))
    np.testing.assert_array_equal(
        traced(lambda a: np.linalg.eigvalsh(a, UPLO), a), np.linalg.eigvalsh(a, UPLO)
    )
    check_grads(lambda a: eigh_phase_free(a, UPLO), (a,))
    check_grads(lambda a: np.linalg.eigvalsh(a, UPLO), (a,))


def test_complex64_gradient_stays_complex64():
    a = complex_normal(3, 3).astype(np.complex64)
    g = xformad.grad(lambda a: np.sum(np.linalg.eigvalsh(a) ** 2) + np.sum(np.linalg.svdvals(a)))(a)
    assert g.dtype == np.complex64


# --- phase-dependent losses ------------------------------------------------------------------
PHASE_DEPENDENT = {
    "eigh": lambda a: np.sum(np.real(np.linalg.eigh(a)[1])),
    "svd U": lambda a: np.sum(np.imag(np.linalg.svd(a)[0])),
    "svd Vh": lambda a: np.real(np.linalg.svd(a)[2][0, 1]),
}


@pytest.mark.parametrize("name", sorted(PHASE_DEPENDENT))
def test_phase_dependent_losses_raise(name):
    a = complex_normal(3, 3)
    with pytest.raises(UndefinedDerivativeError, match="phases"):
        xformad.grad(PHASE_DEPENDENT[name])(a)
    with pytest.raises(UndefinedDerivativeError, match="phases"):
        xformad.jit(xformad.grad(PHASE_DEPENDENT[name]))(a)


def test_phase_free_u_times_vh_is_accepted():
    """u_i and v_i turn together: sum(u_0 * vh_0) is phase-free though each factor is not."""
    a = complex_normal(3, 3)

    def loss(a):
        u, s, vh = np.linalg.svd(a)
        return np.real(np.sum(u[:, :1] * vh[:1, :]))

    check_grads(loss, (a,))


def test_jitted_gradient_equals_eager():
    a = complex_normal(4, 4)

    def loss(a):
        return np.sum(svd_phase_free(a)[0]) + np.sum(eigh_phase_free(a, "L")[1])

    expected = xformad.grad(loss)(a)
    np.testing.assert_allclose(xformad.jit(xformad.grad(loss))(a), expected, rtol=1e-12)


# --- JAX ---------------------------------------------------------------------------------------
def test_complex_gradients_match_jax():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    z = complex_normal(4, 3)
    h = complex_normal(3, 3)
    w = RNG.standard_normal((4, 3))

    def svd_loss(np_, z):
        u, s, vh = np_.linalg.svd(z, full_matrices=False)
        return np_.sum(np_.abs(u) ** 2 * w) + np_.sum(s**3) + np_.sum(np_.abs(vh[:2]) ** 4)

    def eigh_loss(np_, h):  # a Hermitian matrix built from h: JAX's eigh assumes one
        w_, v = np_.linalg.eigh(h + np_.conj(h.T))
        return np_.sum(w_ * np_.arange(3.0)) + np_.sum(np_.abs(v[:, 0]) ** 2 * np_.arange(3.0))

    with x64(jax):
        for loss, arg in ((svd_loss, z), (eigh_loss, h)):
            ours = xformad.grad(lambda v, loss=loss: loss(np, v))(arg)
            theirs = np.asarray(jax.grad(lambda v, loss=loss: loss(jnp, v))(jnp.asarray(arg)))
            np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
