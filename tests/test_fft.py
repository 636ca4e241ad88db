"""numpy.fft under xformad: values equal numpy's; derivatives match central finite
differences in both modes (order 2) for every transform, norm, n/s and axes choice, for
real and complex inputs; real-valued losses through rfft/irfft check the Hermitian
weighting; autograd and JAX serve as second oracles."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads

RNG = np.random.default_rng(11)
NORMS = [None, "backward", "ortho", "forward"]


def real(*shape):
    return RNG.standard_normal(shape)


def cplx(*shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def value(f, *args):
    return xformad.jvp(f, args, tuple(np.zeros_like(a) for a in args))[0]


def check(f, *args, rtol=1e-12):
    """The traced value is numpy's, and both modes agree with finite differences."""
    np.testing.assert_allclose(value(f, *args), f(*args), rtol=rtol, atol=1e-12)
    check_grads(f, args)


@pytest.mark.parametrize("norm", NORMS)
def test_one_dimensional(norm):
    x6, x5, z6 = real(6), real(2, 5), cplx(6)
    check(lambda x: np.fft.fft(x, norm=norm), x6)
    check(lambda z: np.fft.fft(z, n=8, norm=norm), z6)  # zero-padded
    check(lambda z: np.fft.ifft(z, n=4, norm=norm), z6)  # cropped
    check(lambda x: np.fft.fft(x, axis=0, norm=norm), x5)
    check(lambda x: np.fft.rfft(x, norm=norm), x6)
    check(lambda x: np.fft.rfft(x, n=7, axis=-1, norm=norm), x5)
    check(lambda z: np.fft.irfft(z, norm=norm), cplx(4))
    check(lambda z: np.fft.irfft(z, n=7, norm=norm), cplx(2, 4))
    check(lambda z: np.fft.irfft(z, n=4, axis=0, norm=norm), cplx(5, 2))
    check(lambda x: np.fft.irfft(x, norm=norm), x6)  # a real spectrum
    check(lambda z: np.fft.hfft(z, norm=norm), z6)
    check(lambda x: np.fft.ihfft(x, n=5, norm=norm), x6)


@pytest.mark.parametrize("norm", NORMS)
def test_multi_dimensional(norm):
    x, z = real(2, 3, 4), cplx(2, 3, 4)
    check(lambda z: np.fft.fft2(z, norm=norm), z)
    check(lambda z: np.fft.ifft2(z, s=(2, 5), norm=norm), z)
    check(lambda z: np.fft.fftn(z, norm=norm), z)
    check(lambda z: np.fft.ifftn(z, s=(4, 2), axes=(0, 2), norm=norm), z)
    check(lambda x: np.fft.rfft2(x, norm=norm), x)
    check(lambda x: np.fft.rfftn(x, s=(3, 5), axes=(2, 1), norm=norm), x)
    check(lambda z: np.fft.irfft2(z, norm=norm), z)
    check(lambda z: np.fft.irfftn(z, norm=norm), z)
    check(lambda z: np.fft.irfftn(z, s=(2, 5), axes=(0, 2), norm=norm), z)


def test_real_losses_weight_the_half_spectrum():
    """Power spectra and real/imag parts: the losses users write through rfft and irfft."""
    x = real(7)
    w = RNG.uniform(0.5, 1.5, size=4)
    check_grads(lambda x: np.sum(np.abs(np.fft.rfft(x)) ** 2 * w), (x,))
    check_grads(lambda x: np.real(np.fft.rfft(x)) * np.imag(np.fft.rfft(x, n=6))[:4], (x,))
    # Parseval for a real signal: sum |X_k|^2 weighted 1,2,..,2(,1) is n sum x^2
    for n in (6, 7):
        x = real(n)
        m = n // 2 + 1
        weights = np.full(m, 2.0)
        weights[0] = 1
        if n % 2 == 0:
            weights[-1] = 1
        g = xformad.grad(lambda x, weights=weights: np.sum(weights * np.abs(np.fft.rfft(x)) ** 2))(x)
        np.testing.assert_allclose(g, 2 * n * x, rtol=1e-12)
    # irfft ignores the imaginary parts of the DC (and Nyquist) bins: zero gradient there
    z = cplx(4)
    g = xformad.grad(lambda z: np.sum(np.fft.irfft(z) * np.arange(6.0)))(z)
    assert g[0].imag == 0 and g[-1].imag == 0
    check_grads(lambda z: np.sum(np.fft.irfft(z) ** 3), (z,))


def test_dtypes():
    x32 = real(8).astype(np.float32)
    y = value(np.fft.rfft, x32)
    assert y.dtype == np.complex64
    assert value(np.fft.irfft, y).dtype == np.float32
    g = xformad.grad(lambda x: np.sum(np.abs(np.fft.fft(x)) ** 2))(x32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * 8 * x32, rtol=1e-5)


def test_shifts_and_frequencies():
    x = real(3, 5)
    for f in (
        np.fft.fftshift,
        np.fft.ifftshift,
        lambda x: np.fft.fftshift(x, axes=1),
        lambda x: np.fft.ifftshift(x, axes=(0,)),
        lambda x: np.fft.ifftshift(np.fft.fftshift(x)),
    ):
        np.testing.assert_array_equal(value(f, x), f(x))
        check_grads(f, (x,))
    # frequencies are constants; a traced sample spacing flows through their arithmetic
    np.testing.assert_array_equal(np.fft.fftfreq(5, 0.1), np.fft.fftfreq(5, 0.1))
    g = xformad.grad(lambda d: np.sum(np.fft.fftfreq(6, d) ** 2) + np.sum(np.fft.rfftfreq(6, d)))(0.5)
    dd = 1e-6
    fd = (
        np.sum(np.fft.fftfreq(6, 0.5 + dd) ** 2)
        + np.sum(np.fft.rfftfreq(6, 0.5 + dd))
        - np.sum(np.fft.fftfreq(6, 0.5 - dd) ** 2)
        - np.sum(np.fft.rfftfreq(6, 0.5 - dd))
    ) / (2 * dd)
    np.testing.assert_allclose(g, fd, rtol=1e-6)


def test_bad_norm_is_rejected():
    with pytest.raises(ValueError, match="Invalid norm value"):
        xformad.grad(lambda x: np.sum(np.real(np.fft.fft(x, norm="sideways"))))(real(4))


def test_out_a_plain_array_is_refused_with_the_fix():
    """out= a traced array works (tests/test_numpy_semantics.py); a plain one would drop the
    derivative."""
    target = np.empty(4, complex)  # made outside the traced function
    with pytest.raises(xformad.TracerConversionError, match="plain ndarray"):
        xformad.grad(lambda x: np.sum(np.real(np.fft.fft(x, out=target))))(real(4))


def test_rules_keep_their_constants_on_the_device():
    """Zero padding and Hermitian weights are placed beside device arrays (the fake device
    of tests/fake_device.py raises on numpy arrays there, as cupy does)."""
    from . import fake_device

    fake_device.install()
    try:
        x = real(6)

        def f(x):
            return np.sum(np.abs(np.fft.rfft(x, n=8)) ** 2) + np.sum(np.fft.irfft(np.fft.rfft(x), n=7) ** 2)

        on_device = xformad.grad(f)(fake_device.to_device(x))
        np.testing.assert_allclose(fake_device.to_host(on_device), xformad.grad(f)(x), rtol=1e-12)
    finally:
        fake_device.uninstall()


def test_gradients_match_autograd():
    agnp = pytest.importorskip("autograd.numpy")
    autograd = pytest.importorskip("autograd")
    x = real(3, 6)
    w = RNG.uniform(0.5, 1.5, size=(3, 4))

    def loss(np_, x):
        spectrum = np_.fft.rfft(x)
        back = np_.fft.irfft(spectrum * w, n=6)
        return (
            np_.sum(np_.abs(spectrum) ** 2 * w) + np_.sum(back**3) + np_.sum(np_.real(np_.fft.fft2(x)) ** 2)
        )

    ours = xformad.grad(lambda v: loss(np, v))(x)
    theirs = autograd.grad(lambda v: loss(agnp, v))(x)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_complex_gradients_match_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    z = cplx(4, 5)

    def loss(np_, z):
        y = np_.fft.ifftn(np_.fft.fft2(z, norm="ortho") * 1.5j, axes=(0,))
        r = np_.fft.irfft2(z, s=(4, 6))
        return np_.sum(np_.abs(y) ** 2) + np_.sum(r**2)

    ours = xformad.grad(lambda v: loss(np, v))(z)
    theirs = np.asarray(jax.jit(jax.grad(lambda v: loss(jnp, v)))(z))
    # the same convention as JAX: for a real loss of z = x + iy, df/dx - i df/dy
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_hessian_matches_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x, w = real(3, 4), real(3, 4)

    def loss(np_, x):
        power = np_.sum(np_.abs(np_.fft.rfft2(x * w)) ** 3)
        return power + np_.sum(np_.fft.irfft(np_.fft.fft(x).T, n=5) ** 3)

    ours = xformad.hessian(lambda v: loss(np, v))(x)
    theirs = np.asarray(jax.jit(jax.hessian(lambda v: loss(jax.numpy, v)))(x))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-10 * np.max(np.abs(theirs)))


def test_derivative_program_is_made_of_fft_nodes():
    graph = xformad.make_graph(xformad.grad(lambda x: np.sum(np.abs(np.fft.rfft(x)) ** 2)))(real(6))
    kinds = [node.params.get("kind") for node in graph.nodes if node.primitive.name == "fft"]
    assert kinds == ["rfft", "fft"]
