"""What the scipy.signal convolutions refuse for traced inputs, and how: options with no
served derivative raise SignalError (an XformadError) saying what to do; integer inputs
have no derivative (values still work); what scipy itself refuses raises scipy's error."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss
from xformad_scipy.errors import SignalError

import xformad


def _grad(fn, x):
    return xformad.grad(lambda x: np.sum(fn(x)))(x)


def test_an_abbreviated_mode_is_refused_with_the_served_names(rng):
    # np.convolve's abbreviations reach only scipy's 1-d direct path: refused, not guessed
    a, b = rng.normal(size=5), rng.normal(size=3)
    with pytest.raises(SignalError, match="mode='v' is not served for traced inputs; use 'full', 'same'"):
        _grad(lambda a: ss.convolve(a, b, "v", method="direct"), a)
    assert issubclass(SignalError, xformad.XformadError)


def test_a_traced_fill_value_is_refused_with_the_np_pad_recipe(rng):
    image, kernel = rng.normal(size=(4, 4)), rng.normal(size=(2, 2))
    with pytest.raises(SignalError, match=r"traced fillvalue is not served.*np\.pad"):
        _grad(lambda c: ss.convolve2d(image, kernel, fillvalue=c), 0.5)
    with pytest.raises(SignalError, match="correlate2d"):
        _grad(lambda c: ss.correlate2d(image + c, kernel, fillvalue=c), 0.5)


def test_the_np_pad_recipe_differentiates_in_the_fill_value(rng):
    # what the SignalError above recommends: the same numbers, and a derivative in c
    image, kernel = rng.normal(size=(4, 4)), rng.normal(size=(2, 3))

    def recipe(c):
        padded = np.pad(image, [(1, 1), (2, 2)], constant_values=c)
        return ss.convolve2d(padded, kernel, "valid")

    np.testing.assert_allclose(recipe(0.5), ss.convolve2d(image, kernel, fillvalue=0.5), rtol=1e-13)
    eps = 1e-6
    fd = (np.sum(recipe(0.5 + eps)) - np.sum(recipe(0.5 - eps))) / (2 * eps)
    np.testing.assert_allclose(_grad(recipe, 0.5), fd, rtol=1e-7)


@pytest.mark.parametrize("name", ["convolve", "correlate", "fftconvolve", "convolve2d", "correlate2d"])
def test_integer_inputs_have_values_but_no_derivative(name, rng):
    def fn(a, b):
        return getattr(ss, name)(a, b)  # the module attribute, looked up in the trace

    ints, floats = rng.integers(-3, 4, size=(5, 4)), rng.normal(size=(2, 3))
    with pytest.raises(
        xformad.XformadError, match="only floating-point and complex inputs can be differentiated"
    ):
        xformad.grad(lambda a: np.sum(fn(a, floats)))(ints)
    # beside a differentiated float input, an integer one is a constant
    got = xformad.grad(lambda b: np.sum(fn(ints, b) ** 2))(floats)
    np.testing.assert_allclose(got, xformad.grad(lambda b: np.sum(fn(ints.astype(float), b) ** 2))(floats))
    # traced by jit, integers give scipy's integer values
    jitted = xformad.jit(lambda a, b: fn(a, b))
    np.testing.assert_array_equal(jitted(ints, ints), fn(ints, ints))
    assert jitted(ints, ints).dtype == fn(ints, ints).dtype


def test_scipys_own_errors_come_through(rng):
    a = rng.normal(size=(3, 4))
    with pytest.raises(ValueError, match="one must be at least as large as the other"):
        _grad(lambda a: ss.convolve(a, np.ones((4, 2)), "valid"), a)
    with pytest.raises(ValueError, match="method"):
        _grad(lambda a: ss.correlate(a, np.ones((2, 2)), method="slow"), a)
    with pytest.raises(ValueError, match="dimensionality"):
        _grad(lambda a: ss.fftconvolve(a, np.ones(2)), a)
    with pytest.raises(ValueError, match="boundary"):
        _grad(lambda a: ss.convolve2d(a, np.ones((2, 2)), boundary="reflect"), a)
    with pytest.raises(ValueError, match="2-D"):
        _grad(lambda a: ss.convolve2d(a[0], np.ones(2)), a)
    with pytest.raises(TypeError, match="unexpected keyword argument 'axis'"):
        _grad(lambda a: ss.fftconvolve(a, np.ones((2, 2)), axis=0), a)


def test_empty_inputs_give_scipys_empty_result(rng):
    kernel = rng.normal(size=(2, 2))
    got = xformad.jvp(lambda b: ss.fftconvolve(np.zeros((0, 3)), b), (kernel,), (kernel,))[0]
    assert got.shape == ss.fftconvolve(np.zeros((0, 3)), kernel).shape
    np.testing.assert_array_equal(
        xformad.grad(lambda b: np.sum(ss.fftconvolve(np.zeros((0, 3)), b)))(kernel), 0.0
    )
