"""scipy.signal.convolve2d and correlate2d on traced values: every mode and boundary
('fill' with any constant fill value, 'wrap', 'symm' and their aliases), scipy's values to
the last bit, derivatives in both inputs in both modes to order 2, eager and under jit."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss

import xformad
from xformad.testing import check_grads

FUNCTIONS = {
    "convolve2d": lambda *a, **k: ss.convolve2d(*a, **k),
    "correlate2d": lambda *a, **k: ss.correlate2d(*a, **k),
}
BOUNDARIES = [("fill", 0), ("fill", 1.5), ("wrap", 0), ("symm", 0), ("circular", 0), ("symmetric", 0)]
# odd and even kernels, the kernel larger than the image on one axis and on both
SHAPES = [((4, 5), (2, 3)), ((3, 3), (3, 2)), ((2, 3), (3, 4)), ((4, 2), (2, 2))]


def _draw(rng, shape, complex_=False):
    x = rng.normal(size=shape)
    return x + 1j * rng.normal(size=shape) if complex_ else x


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("boundary, fillvalue", BOUNDARIES)
def test_values_are_scipys_to_the_last_bit(name, boundary, fillvalue, rng):
    fn = FUNCTIONS[name]
    for s1, s2 in SHAPES:
        for mode in ("full", "same", "valid"):
            for complex_ in (False, True):
                a, b = _draw(rng, s1, complex_), _draw(rng, s2, True)

                def f(a, b):
                    return fn(a, b, mode=mode, boundary=boundary, fillvalue=fillvalue)

                got = xformad.jvp(f, (a, b), (a, b))[0]
                expected = f(a, b)
                assert got.dtype == expected.dtype
                np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("boundary, fillvalue", BOUNDARIES[:4])
def test_derivatives_to_order_two(name, mode, boundary, fillvalue, rng):
    fn = FUNCTIONS[name]
    for s1, s2 in SHAPES[:3]:
        a, b = rng.normal(size=s1), rng.normal(size=s2)
        check_grads(
            lambda a, b: np.sin(fn(a, b, mode, boundary, fillvalue)), (a, b), modes=("fwd", "rev"), order=2
        )


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("boundary, fillvalue", [("fill", 0), ("fill", 0.5 - 1j), ("wrap", 0), ("symm", 0)])
def test_complex_derivatives_to_order_two(name, mode, boundary, fillvalue, rng):
    fn = FUNCTIONS[name]
    # in 'valid' mode with in2 the larger, correlate2d returns the conjugate correlation
    for s1, s2 in [((3, 4), (2, 3)), ((2, 2), (3, 4))]:
        a, b = _draw(rng, s1, True), _draw(rng, s2, True)
        check_grads(
            lambda a, b: np.sin(fn(a, b, mode=mode, boundary=boundary, fillvalue=fillvalue)),
            (a, b),
            modes=("fwd", "rev"),
            order=2,
        )


def test_a_one_element_array_as_fill_value(rng):
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(2, 2))
    fill = np.array([0.25])
    got = xformad.jvp(lambda a: ss.convolve2d(a, b, fillvalue=fill), (a,), (a,))[0]
    np.testing.assert_array_equal(got, ss.convolve2d(a, b, fillvalue=fill))
    check_grads(lambda a, b: ss.correlate2d(a, b, "same", fillvalue=fill) ** 2, (a, b), order=2)


@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
def test_jit_gives_the_same_values_and_gradients(boundary, rng):
    image, kernel = rng.normal(size=(6, 5)), rng.normal(size=(3, 2))

    def loss(image, kernel):
        return np.sum(np.tanh(ss.correlate2d(image, kernel, "same", boundary=boundary)) ** 2)

    grad = xformad.grad(loss, argnums=(0, 1))
    fast = xformad.jit(grad)
    for shift in (0.0, 0.2):
        for got, want in zip(fast(image + shift, kernel), grad(image + shift, kernel)):
            np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(
        xformad.jit(lambda a, b: ss.convolve2d(a, b, boundary=boundary))(image, kernel),
        ss.convolve2d(image, kernel, boundary=boundary),
    )
