"""scipy.signal.convolve, correlate and fftconvolve on traced values: scipy's values to the
last bit, derivatives in both inputs in both modes to order 2 against finite differences,
in 1, 2 and 3 dimensions, real and complex, odd and even sizes, either input the larger,
each method, fftconvolve's axes=, and the same numbers under xformad.jit."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss

import xformad
from xformad.testing import check_grads

MODES = ["full", "same", "valid"]

# (in1 shape, in2 shape): odd and even lengths, in2 the larger, equal, mixed per axis
SHAPES = [
    ((5,), (3,)),
    ((6,), (4,)),
    ((3,), (6,)),
    ((4,), (4,)),
    ((4, 5), (2, 3)),
    ((3, 2), (4, 4)),
    ((4, 2), (2, 2)),
    ((3, 4, 2), (2, 2, 2)),
    ((2, 2, 2), (3, 2, 3)),
]

CALLS = {
    "convolve": lambda a, b, mode: ss.convolve(a, b, mode),
    "convolve-direct": lambda a, b, mode: ss.convolve(a, b, mode=mode, method="direct"),
    "convolve-fft": lambda a, b, mode: ss.convolve(a, b, mode=mode, method="fft"),
    "correlate": lambda a, b, mode: ss.correlate(a, b, mode),
    "correlate-direct": lambda a, b, mode: ss.correlate(a, b, mode=mode, method="direct"),
    "correlate-fft": lambda a, b, mode: ss.correlate(a, b, mode=mode, method="fft"),
    "fftconvolve": lambda a, b, mode: ss.fftconvolve(a, b, mode=mode),
}


def _draw(rng, shape, complex_):
    x = rng.normal(size=shape)
    return x + 1j * rng.normal(size=shape) if complex_ else x


def _value_under_trace(fn, *args):
    return xformad.jvp(fn, args, args)[0]


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize("mode", MODES)
def test_values_are_scipys_to_the_last_bit(name, mode, rng):
    for s1, s2 in SHAPES:
        for complex_ in (False, True):
            a, b = _draw(rng, s1, complex_), _draw(rng, s2, not complex_)
            expected = CALLS[name](a, b, mode)
            got = _value_under_trace(lambda a, b: CALLS[name](a, b, mode), a, b)
            assert got.dtype == expected.dtype
            np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name", ["convolve-direct", "correlate-direct", "correlate-fft", "fftconvolve"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_derivatives_to_order_two_real(name, mode, shapes, rng):
    s1, s2 = shapes
    a, b = rng.normal(size=s1), rng.normal(size=s2)
    # sin makes the second derivative depend on the rules' own derivatives
    check_grads(lambda a, b: np.sin(CALLS[name](a, b, mode)), (a, b), modes=("fwd", "rev"), order=2)


@pytest.mark.parametrize("name", ["convolve-direct", "convolve-fft", "correlate-direct", "fftconvolve"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "shapes", [((5,), (2,)), ((2,), (5,)), ((3, 4), (2, 2)), ((2, 3, 2), (3, 3, 2))], ids=str
)
def test_derivatives_to_order_two_complex(name, mode, shapes, rng):
    s1, s2 = shapes
    a, b = _draw(rng, s1, True), _draw(rng, s2, True)
    check_grads(lambda a, b: np.sin(CALLS[name](a, b, mode)), (a, b), modes=("fwd", "rev"), order=2)
    # a real input beside a complex one: its cotangent is the real part
    check_grads(lambda a: np.sin(CALLS[name](a, b, mode)), (a.real,), modes=("fwd", "rev"), order=2)


def test_gradient_of_a_real_loss_of_a_complex_correlation(rng):
    # for real L of complex z, grad is dL/dx - i dL/dy (xformad's convention)
    a, b = _draw(rng, (6,), True), _draw(rng, (3,), True)

    def loss(b):
        return np.sum(np.abs(ss.correlate(a, b, "same")) ** 2)

    g = xformad.grad(loss)(b)
    eps = 1e-6
    for k in range(3):
        e = np.zeros(3)
        e[k] = eps
        d_re = (loss(b + e) - loss(b - e)) / (2 * eps)
        d_im = (loss(b + 1j * e) - loss(b - 1j * e)) / (2 * eps)
        np.testing.assert_allclose(g[k], d_re - 1j * d_im, rtol=1e-7)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "s1, s2, axes",
    [
        ((3, 5), (3, 2), 1),
        ((3, 5), (1, 2), -1),
        ((1, 5), (3, 2), [1]),
        ((4, 2, 5), (4, 1, 2), (0, 2)),
        ((2, 6), (2, 7), 1),
        ((4, 3), (2, 3), 0),
    ],
)
def test_fftconvolve_axes_broadcast_the_other_axes(mode, s1, s2, axes, rng):
    a, b = rng.normal(size=s1), _draw(rng, s2, True)

    def f(a, b):
        return ss.fftconvolve(a, b, mode, axes=axes)

    np.testing.assert_array_equal(_value_under_trace(f, a, b), f(a, b))
    check_grads(lambda a, b: np.sin(f(a, b)), (a, b), modes=("fwd", "rev"), order=2)
    grad = xformad.grad(lambda a, b: np.sum(np.abs(f(a, b)) ** 2), argnums=(0, 1))
    for got, want in zip(xformad.jit(grad)(a, b), grad(a, b)):
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-14)


def test_scalars_multiply_as_in_scipy():
    a, b = np.array(1.5), np.array(0.5 - 2.0j)
    for fn in (ss.convolve, ss.correlate, ss.fftconvolve):
        np.testing.assert_array_equal(_value_under_trace(lambda a, b: fn(a, b), a, b), fn(a, b))
        check_grads(lambda a, b: np.sin(fn(a, b)), (a, b), modes=("fwd", "rev"), order=2)


def test_the_primitive_is_recorded_with_its_options(rng):
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(2, 2))
    graph = xformad.make_graph(lambda a, b: ss.correlate(a, b, "same", method="fft"))(a, b)
    (node,) = graph.nodes
    assert node.primitive.name == "scipy.signal.correlate"
    assert node.params == {"mode": "same", "method": "fft"}


def test_float32_stays_float32(rng):
    a, b = rng.normal(size=(6, 3)).astype(np.float32), rng.normal(size=(3, 2)).astype(np.float32)
    for fn in (ss.convolve, ss.correlate, ss.fftconvolve):
        grads = xformad.grad(lambda a, b: np.sum(fn(a, b, "same") ** 2), argnums=(0, 1))(a, b)
        assert [g.dtype for g in grads] == [np.float32, np.float32]


def test_lists_and_arrays_made_in_the_function(rng):
    b = rng.normal(size=2)
    np.testing.assert_allclose(
        xformad.grad(lambda b: np.sum(ss.convolve([1.0, 2.0, 3.0], b)))(b), [6.0, 6.0], rtol=1e-15
    )
    np.testing.assert_allclose(
        xformad.grad(lambda x: np.sum(ss.convolve([x, 2 * x, 3.0], b)))(1.0), 3 * b.sum()
    )

    def from_buffer(x):
        signal = np.zeros(5)
        signal[1:3] = x  # a Buffer that a traced value was written into
        return np.sum(ss.correlate(signal, b, "same") ** 2)

    check_grads(from_buffer, (rng.normal(size=2),), order=2)


def test_hessian_by_forward_over_reverse(rng):
    a, b = rng.normal(size=5), rng.normal(size=3)

    def f(a):
        return np.sum(np.tanh(ss.convolve(a, b, "same")))

    hessian = xformad.hessian(f)(a)
    eps = 1e-5
    columns = [(xformad.grad(f)(a + eps * e) - xformad.grad(f)(a - eps * e)) / (2 * eps) for e in np.eye(5)]
    np.testing.assert_allclose(hessian, np.stack(columns, axis=1), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ["convolve", "correlate-fft", "fftconvolve"])
def test_jit_gives_the_same_values_and_gradients(name, rng):
    a, b = _draw(rng, (5, 4), True), rng.normal(size=(2, 3))

    def f(a, b):
        return CALLS[name](a, b, "same")

    def loss(a, b):
        return np.sum(np.abs(f(a, b)) ** 2)

    np.testing.assert_array_equal(xformad.jit(f)(a, b), f(a, b))
    grad = xformad.grad(loss, argnums=(0, 1))
    fast = xformad.jit(grad)
    for shift in (0.0, 0.3):  # the compiled program again on new values
        for got, want in zip(fast(a + shift, b - shift), grad(a + shift, b - shift)):
            np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-14)
    hess = xformad.hessian(lambda b: loss(a.real, b))
    np.testing.assert_allclose(xformad.jit(hess)(b), hess(b), rtol=1e-13)
