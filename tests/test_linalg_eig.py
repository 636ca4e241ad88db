"""np.linalg.eig and np.linalg.eigvals: values and dtypes are numpy's (real input with real
eigenvalues gives real arrays), eigenvalue and eigenvector derivatives match central
finite differences of numpy's own function in both modes, to order 2 (xformad follows
LAPACK's normalisation: unit 2-norm, largest component real), repeated eigenvalues raise,
and gauge-free losses agree with JAX."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.primitives.linalg import UndefinedDerivativeError
from xformad.testing import check_grads

from .jax_compat import x64

RNG = np.random.default_rng(5)


def real_with_complex_spectrum(*shape):
    while True:
        a = RNG.standard_normal(shape)
        if np.iscomplexobj(np.linalg.eigvals(a)):
            return a


def real_with_real_spectrum(n):
    """A triangular matrix plus a small perturbation: distinct real eigenvalues."""
    return np.triu(RNG.standard_normal((n, n))) + np.diag(np.arange(n)) + 0.05 * RNG.standard_normal((n, n))


def complex_normal(*shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def traced(f, *args):
    return xformad.jvp(f, args, tuple(np.zeros_like(a) for a in args))[0]


INPUTS = {
    "real, complex spectrum": lambda: real_with_complex_spectrum(4, 4),
    "real, real spectrum": lambda: real_with_real_spectrum(4),
    "complex": lambda: complex_normal(4, 4),
    "complex batch": lambda: complex_normal(2, 3, 3),
    "real batch": lambda: real_with_complex_spectrum(2, 3, 3),
}


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_values_and_dtypes_are_numpys(name):
    a = INPUTS[name]()
    w, v = traced(np.linalg.eig, a)
    want_w, want_v = np.linalg.eig(a)
    assert w.dtype == want_w.dtype and v.dtype == want_v.dtype
    np.testing.assert_array_equal(w, want_w)
    np.testing.assert_array_equal(v, want_v)
    values = traced(np.linalg.eigvals, a)
    assert values.dtype == np.linalg.eigvals(a).dtype
    np.testing.assert_array_equal(values, np.linalg.eigvals(a))


CONTINUOUS_GAUGE = ["complex", "complex batch", "real, real spectrum"]


@pytest.mark.parametrize("name", CONTINUOUS_GAUGE)
def test_eigenvector_derivatives_are_numpys(name):
    """The eigenvectors themselves, not only gauge-free functions of them: xformad
    differentiates numpy's normalisation, so finite differences of numpy agree."""
    a = INPUTS[name]()
    check_grads(lambda a: tuple(np.linalg.eig(a)), (a,))
    check_grads(np.linalg.eigvals, (a,))


def gauge_free(a):
    """Eigenvalues, |v|^2, and the matrix function V exp(W / 4) V^{-1}: none depends on the
    eigenvectors' phases, signs or scales."""
    w, v = np.linalg.eig(a)
    function = (v * np.exp(w / 4)[..., None, :]) @ np.linalg.inv(v)
    return np.real(w), np.imag(w), np.abs(v) ** 2 * np.arange(1.0, 1.0 + w.shape[-1]), np.real(function)


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_gauge_free_derivatives(name):
    a = INPUTS[name]()
    check_grads(gauge_free, (a,))
    check_grads(np.linalg.eigvals, (a,))


def test_sign_of_a_real_matrix_complex_eigenvectors_is_refused():
    """LAPACK makes the largest component of such a vector real with a sign that jumps
    under tiny perturbations, so a loss that depends on it has no derivative."""
    a = np.array([[1.3, -2.0, 0.4], [1.1, 0.9, -0.7], [0.2, 0.5, 3.0]])
    assert np.iscomplexobj(np.linalg.eigvals(a))
    with pytest.raises(UndefinedDerivativeError, match="sign LAPACK sets erratically"):
        xformad.grad(lambda a: np.sum(np.real(np.linalg.eig(a)[1])))(a)
    check_grads(lambda a: np.abs(np.linalg.eig(a)[1]) ** 2, (a,))


def test_tangent_keeps_lapacks_normalisation():
    a = real_with_complex_spectrum(4, 4)
    (w, v), (dw, dv) = xformad.jvp(np.linalg.eig, (a,), (RNG.standard_normal((4, 4)),))
    np.testing.assert_allclose(np.real(np.sum(np.conj(v) * dv, axis=0)), 0, atol=1e-12)  # unit norm
    largest = np.argmax(np.abs(v), axis=0)
    np.testing.assert_allclose(np.imag(dv[largest, np.arange(4)]), 0, atol=1e-12)  # stays real


def test_gauge_free_losses_match_jax():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    a = real_with_complex_spectrum(4, 4)
    weights = RNG.standard_normal(4)

    def loss(np_, w, v):  # |v|^2 does not change with the vectors' phases
        return np_.sum(np_.real(w) ** 2 - np_.imag(w) * weights) + np_.sum(np_.abs(v) ** 2 @ weights)

    ours = xformad.grad(lambda a: loss(np, *np.linalg.eig(a)))(a)

    def jax_loss(a):
        w, v = jax.lax.linalg.eig(a, compute_left_eigenvectors=False, enable_eigvec_derivs=True)
        return loss(jnp, w, v)

    with x64(jax):
        np.testing.assert_allclose(ours, np.asarray(jax.grad(jax_loss)(a)), rtol=1e-9, atol=1e-12)


def test_complex_input_matches_jax():
    jax = pytest.importorskip("jax")
    z = complex_normal(3, 3)

    def loss(np_, z):
        return np_.sum(np_.abs(np_.linalg.eigvals(z)) ** 3)

    ours = xformad.grad(lambda z: loss(np, z))(z)
    with x64(jax):
        theirs = np.asarray(jax.grad(lambda z: loss(jax.numpy, z))(z))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)


REPEATED = {
    "identity": np.eye(3),
    "jordan block": np.array([[2.0, 1.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 1.0]]),
    "zero": np.zeros((2, 2)),
}


@pytest.mark.parametrize("name", sorted(REPEATED))
def test_repeated_eigenvalues_raise(name):
    a = REPEATED[name]
    for f in (lambda a: np.sum(np.real(np.linalg.eigvals(a))), lambda a: np.sum(np.abs(np.linalg.eig(a)[1]))):
        with pytest.raises(UndefinedDerivativeError, match="repeated eigenvalues"):
            xformad.grad(f)(a)
        with pytest.raises(UndefinedDerivativeError, match="repeated eigenvalues"):
            xformad.jvp(f, (a,), (np.ones_like(a),))


def test_jit_follows_numpy_dtype_and_refuses_repeated_eigenvalues():
    """Whether numpy returns real arrays, and whether the eigenvalues repeat, are guards:
    a compiled gradient re-traces when either changes."""

    def loss(a):
        w, v = np.linalg.eig(a)
        return np.sum(np.abs(w) ** 2) + np.sum(np.abs(v[0]) ** 2)

    fast = xformad.jit(xformad.grad(loss))
    for a in (real_with_complex_spectrum(3, 3), real_with_real_spectrum(3), real_with_complex_spectrum(3, 3)):
        np.testing.assert_allclose(fast(a), xformad.grad(loss)(a), rtol=1e-12)
    values = xformad.jit(np.linalg.eigvals)
    for a in (real_with_real_spectrum(3), real_with_complex_spectrum(3, 3)):
        assert values(a).dtype == np.linalg.eigvals(a).dtype
    with pytest.raises(UndefinedDerivativeError, match="repeated eigenvalues"):
        fast(np.diag([1.0, 1.0, 2.0]))


def test_rules_keep_their_constants_on_the_device(fake_device_backend):
    """The masks and identities the eig, complex eigh and complex svd rules build are
    placed beside device arrays (the fake device refuses host arrays, as cupy does)."""
    from . import fake_device

    def eig_loss(a):
        return np.sum(np.abs(np.linalg.eig(a)[1]) ** 2 * np.arange(3.0)) + np.sum(
            np.abs(np.linalg.eigvals(a))
        )

    def eigh_loss(z):
        return np.sum(np.abs(np.linalg.eigh(z)[1]) ** 2 * np.arange(3.0)) + np.sum(np.linalg.eigvalsh(z))

    def svd_loss(z):
        return np.sum(np.abs(np.linalg.svd(z)[0]) ** 2 * np.arange(3.0)) + np.sum(np.linalg.svdvals(z))

    programs = [
        (eig_loss, real_with_complex_spectrum(3, 3)),
        (eigh_loss, complex_normal(3, 3)),
        (svd_loss, complex_normal(3, 3)),
    ]
    for f, arg in programs:
        on_device = xformad.grad(f)(fake_device.to_device(arg))
        np.testing.assert_allclose(fake_device.to_host(on_device), xformad.grad(f)(arg), rtol=1e-10)
