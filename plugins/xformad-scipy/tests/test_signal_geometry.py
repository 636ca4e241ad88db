"""The facts the scipy.signal rules are built on, checked against scipy itself: each mode's
output is a window of the full convolution (where ``geometry`` says), and convolve2d's
boundaries are np.pad's modes (``boundaries``). No xformad transform runs here."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.signal as ss
from xformad_scipy.signal.boundaries import Padding
from xformad_scipy.signal.geometry import embed, full_shape, window_start

# odd and even lengths, kernels smaller and larger than the signal
SIGNAL_SIZES, KERNEL_SIZES = (1, 2, 3), (1, 2, 3, 4)


def _complex(rng, shape):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


def _reversed_conjugate(x):
    return np.conjugate(np.flip(x))


def _full(kind, a, b):
    """The full convolution (or correlation), by scipy's direct method."""
    return ss.convolve(a, _reversed_conjugate(b) if kind == "correlate" else b, "full", method="direct")


def _window(full, out_shape, shape2, late_centre=False):
    start = window_start(full.shape, out_shape, shape2, late_centre)
    return full[tuple(slice(s, s + n) for s, n in zip(start, out_shape))]


CALLS = {
    "convolve": ("convolve", lambda a, b, m: ss.convolve(a, b, m, method="direct")),
    "convolve-fft": ("convolve", lambda a, b, m: ss.convolve(a, b, m, method="fft")),
    "correlate": ("correlate", lambda a, b, m: ss.correlate(a, b, m, method="direct")),
    "correlate-fft": ("correlate", lambda a, b, m: ss.correlate(a, b, m, method="fft")),
    "fftconvolve": ("convolve", ss.fftconvolve),
    "convolve2d": ("convolve", ss.convolve2d),
    "correlate2d": ("correlate", ss.correlate2d),
}


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_every_mode_is_a_window_of_the_full_result(name, mode, rng):
    kind, call = CALLS[name]
    checked = 0
    for n1, n2, m1, m2 in itertools.product(SIGNAL_SIZES, SIGNAL_SIZES, KERNEL_SIZES, KERNEL_SIZES):
        a, b = _complex(rng, (n1, n2)), _complex(rng, (m1, m2))
        if mode == "valid" and not (n1 >= m1 and n2 >= m2 or n1 <= m1 and n2 <= m2):
            continue  # scipy refuses: neither input is the larger on every axis
        out = call(a, b, mode)
        late = name == "correlate2d" and mode == "same"
        expected = _window(_full(kind, a, b), out.shape, b.shape, late)
        if name == "correlate2d" and mode == "valid" and (n1, n2) != (m1, m2) and n1 <= m1 and n2 <= m2:
            # scipy swaps and reverses without conjugating: the conjugate of the correlation
            # (the layout's CONJUGATED, REVERSED maps)
            expected = np.conjugate(expected)
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
        checked += 1
    assert checked > 80


def test_correlate2d_same_starts_one_later_than_correlate_for_even_kernels(rng):
    a, b = rng.normal(size=(5, 5)), rng.normal(size=(2, 4))
    assert not np.allclose(ss.correlate2d(a, b, "same"), ss.correlate(a, b, "same"))
    full = _full("correlate", a, b)
    assert window_start(full.shape, a.shape, b.shape, late_centre=True) == (1, 2)
    assert window_start(full.shape, a.shape, b.shape) == (0, 1)


def test_fftconvolve_axes_broadcast_the_other_axes(rng):
    a, b = rng.normal(size=(1, 5)), rng.normal(size=(3, 2))
    assert full_shape(a.shape, b.shape, (1,)) == (3, 6)
    # 'same' keeps in1's shape on every axis, the broadcast one too (scipy's _centered)
    out = ss.fftconvolve(a, b, "same", axes=1)
    full = ss.fftconvolve(a, b, "full", axes=1)
    np.testing.assert_allclose(out, _window(full, out.shape, b.shape), rtol=1e-12)


@pytest.mark.parametrize("function", [ss.convolve2d, ss.correlate2d])
@pytest.mark.parametrize(
    "boundary, fillvalue", [("wrap", 0), ("circular", 0), ("symm", 0), ("symmetric", 0), ("fill", 1.5)]
)
def test_boundaries_are_the_valid_convolution_of_the_padded_input(function, boundary, fillvalue, rng):
    for n1, n2, m1, m2 in itertools.product((1, 2, 4), (1, 3), (1, 2, 3, 5), (1, 2, 5)):
        a, b = rng.normal(size=(n1, n2)), rng.normal(size=(m1, m2))
        padded = Padding(boundary, fillvalue, b.shape, a.dtype).apply(a)
        full = function(padded, b, "valid")
        for mode in ("full", "same"):
            out = function(a, b, mode, boundary=boundary, fillvalue=fillvalue)
            late = function is ss.correlate2d and mode == "same"
            np.testing.assert_allclose(out, _window(full, out.shape, b.shape, late), rtol=1e-12, atol=1e-12)
        # 'valid' never reads the padding
        if n1 >= m1 and n2 >= m2:
            np.testing.assert_array_equal(
                function(a, b, "valid", boundary=boundary, fillvalue=fillvalue), function(a, b, "valid")
            )


@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
def test_padding_transpose_is_the_adjoint_of_the_padding(boundary, rng):
    # <P x, h> = <x, P^T h> for the linear part of the padding (a zero fill)
    for shape, kernel in [((3, 4), (2, 3)), ((2, 2), (5, 4)), ((1, 3), (3, 1))]:
        padding = Padding(boundary, 0, kernel, np.dtype(float))
        x = rng.normal(size=shape)
        px = padding.apply(x)
        h = rng.normal(size=px.shape)
        np.testing.assert_allclose(np.vdot(px, h), np.vdot(x, padding.transpose(h, shape)), rtol=1e-12)


def test_embed_is_the_transpose_of_the_window(rng):
    full = rng.normal(size=(6, 7))
    start, out = (1, 2), (3, 4)
    window = rng.normal(size=out)
    cropped = full[1:4, 2:6]
    np.testing.assert_allclose(np.vdot(cropped, window), np.vdot(full, embed(window, full.shape, start)))
