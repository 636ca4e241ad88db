"""Signal and calculus helpers (xformad/numpy_api/signal.py): values against numpy,
derivatives in both modes against finite differences (order 2), and against JAX."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.errors import UnsupportedOperation
from xformad.testing import check_grads

from .jax_compat import x64

RNG = np.random.default_rng(3)


def _a(*shape):
    return RNG.standard_normal(shape)


def check(fn, *args, order=2, rtol=1e-12):
    y, _ = xformad.jvp(fn, args, tuple(np.zeros_like(a) for a in args))
    want = fn(*args)
    for g, w in zip(y if isinstance(y, tuple) else (y,), want if isinstance(want, tuple) else (want,)):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=1e-13)
    check_grads(fn, args, modes=("fwd", "rev"), order=order)


KNOTS = np.array([-1.0, -0.2, 0.5, 1.1, 2.0])

CASES = {
    # differences
    "diff": (lambda x: np.diff(x), [(5,)]),
    "diff-n2-axis0": (lambda x: np.diff(x, n=2, axis=0), [(4, 3)]),
    "diff-n0": (lambda x: np.diff(x, n=0), [(3,)]),
    "diff-prepend-scalar": (lambda x: np.diff(x, prepend=0.5), [(2, 3)]),
    "diff-append-array": (lambda x, y: np.diff(x, axis=0, append=y), [(2, 3), (1, 3)]),
    "diff-prepend-traced-scalar": (lambda x, c: np.diff(x, prepend=c, append=c), [(4,), ()]),
    "ediff1d": (lambda x: np.ediff1d(x, to_begin=[1.0, 2.0], to_end=3.0), [(2, 2)]),
    # convolution, every mode and length order
    **{
        f"convolve-{mode}-{n}x{m}": (lambda a, v, mode=mode: np.convolve(a, v, mode), [(n,), (m,)])
        for mode in ("full", "same", "valid")
        for n, m in ((6, 3), (3, 6), (4, 4), (5, 1), (5, 2))
    },
    **{
        f"correlate-{mode}-{n}x{m}": (lambda a, v, mode=mode: np.correlate(a, v, mode), [(n,), (m,)])
        for mode in ("full", "same", "valid")
        for n, m in ((6, 3), (3, 6), (4, 4), (6, 2), (2, 5))
    },
    "convolve-default": (lambda a, v: np.convolve(a, v), [(4,), (2,)]),
    "correlate-default": (lambda a, v: np.correlate(a, v), [(4,), (2,)]),
    # polynomials
    "polyval": (lambda p, x: np.polyval(p, x), [(4,), (5,)]),
    "polyval-2d-x": (lambda p, x: np.polyval(p, x), [(3,), (2, 3)]),
    "polyval-scalar": (lambda p, x: np.polyval(p, x), [(3,), ()]),
    "polyval-const-p": (lambda x: np.polyval([1.0, -2.0, 0.5], x), [(4,)]),
    "vander": (lambda x: np.vander(x, 4), [(5,)]),
    "vander-increasing": (lambda x: np.vander(x, increasing=True), [(3,)]),
    "polyadd": (lambda a, b: np.polyadd(a, b), [(3,), (5,)]),
    "polysub": (lambda a, b: np.polysub(a, b), [(4,), (2,)]),
    "polymul": (lambda a, b: np.polymul(a, b), [(3,), (4,)]),
    "polyder": (lambda p: np.polyder(p, 2), [(5,)]),
    "polyder-to-zero": (lambda p: np.polyder(p, 3), [(2,)]),
    "polyint": (lambda p: np.polyint(p), [(3,)]),
    "polyint-k": (lambda p, k: np.polyint(p, 2, k=[k, 2.0]), [(3,), ()]),
    # polyfit goes through np.linalg.lstsq: differentiable in x, y and the weights
    "polyfit": (lambda x, y: np.polyfit(np.sort(x), y, 3), [(8,), (8,)]),
    "polyfit-weights": (lambda x, y, w: np.polyfit(np.sort(x), y, 2, w=np.exp(w)), [(8,), (8,), (8,)]),
    "polyfit-2d-y": (lambda x, y: np.polyfit(np.sort(x), y, 1), [(6,), (6, 2)]),
    # interpolation: in x, fp and the knots xp
    "interp-x": (lambda x: np.interp(x, KNOTS, np.sin(KNOTS)), [(7,)]),
    "interp-fp": (lambda fp: np.interp(np.linspace(-1.5, 2.5, 9), KNOTS, fp), [(5,)]),
    "interp-all": (lambda x, fp: np.interp(x, KNOTS * 1.5, fp), [(6,), (5,)]),
    "interp-xp": (lambda xp: np.interp(np.array([-0.5, 0.1, 0.9]), np.sort(xp), np.cos(np.sort(xp))), [(6,)]),
    "interp-left-right": (lambda x, c: np.interp(x * 3, KNOTS, KNOTS**2, left=c, right=2 * c), [(6,), ()]),
    "interp-2d-x": (lambda x: np.interp(x, KNOTS, KNOTS**3), [(2, 3)]),
    "interp-period": (lambda x, fp: np.interp(x * 4, KNOTS, fp, period=3.0), [(6,), (5,)]),
    # quadrature
    "trapezoid": (lambda y: np.trapezoid(y), [(5,)]),
    "trapezoid-dx-axis": (lambda y: np.trapezoid(y, dx=0.3, axis=0), [(4, 3)]),
    "trapezoid-x": (lambda y, x: np.trapezoid(y, x), [(2, 5), (5,)]),
    "trapezoid-x-nd": (lambda y, x: np.trapezoid(y, x, axis=0), [(4, 3), (4, 3)]),
    # np.gradient
    "gradient": (lambda f: np.gradient(f), [(6,)]),
    "gradient-step": (lambda f: np.gradient(f, 0.4), [(6,)]),
    "gradient-traced-step": (lambda f, h: np.gradient(f, h), [(6,), ()]),
    "gradient-edge2": (lambda f: np.gradient(f, edge_order=2), [(5,)]),
    "gradient-2d": (lambda f: np.gradient(f)[0] * np.gradient(f)[1], [(4, 5)]),
    "gradient-axis": (lambda f: np.gradient(f, axis=1), [(3, 4)]),
    "gradient-axes-steps": (lambda f: np.gradient(f, 0.5, 2.0, axis=(1, 0))[0], [(3, 4)]),
    "gradient-coords": (lambda f: np.gradient(f, np.array([0.0, 0.3, 1.0, 1.2, 2.0])), [(5,)]),
    "gradient-coords-edge2": (
        lambda f: np.gradient(f, np.array([0.0, 0.3, 1.0, 1.2, 2.0]), edge_order=2),
        [(5,)],
    ),
    "gradient-traced-coords": (lambda f, t: np.gradient(f, np.cumsum(np.exp(t)), edge_order=2), [(5,), (5,)]),
    "gradient-coords-2d": (lambda f: np.gradient(f, np.array([0.0, 1.0, 1.5]), axis=0), [(3, 4)]),
    "gradient-two-points": (lambda f: np.gradient(f), [(2,)]),
    # ranges with traced endpoints
    "linspace": (lambda a, b: np.linspace(a, b, 5), [(), ()]),
    "linspace-open": (lambda a, b: np.linspace(a, b, 4, endpoint=False), [(), ()]),
    "linspace-arrays-axis": (lambda a, b: np.linspace(a, b, 3, axis=1), [(2,), (2,)]),
    "linspace-retstep": (lambda a, b: np.linspace(a, b, 4, retstep=True)[1], [(), ()]),
    "linspace-one": (lambda a, b: np.linspace(a, b, 1), [(), ()]),
    "logspace": (lambda a, b: np.logspace(a, b, 4, base=2.0), [(), ()]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients(name):
    fn, shapes = CASES[name]
    check(fn, *(_a(*s) if s else np.float64(RNG.uniform(0.3, 1.0)) for s in shapes))


def test_correlate_complex_values_and_gradients():
    a = _a(5) + 1j * _a(5)
    v = _a(3) + 1j * _a(3)
    for mode in ("full", "same", "valid"):
        for x, y in ((a, v), (v, a)):
            check(lambda x, y, mode=mode: np.correlate(x, y, mode), x, y)


def test_polyfit_recovers_polynomial_and_rejects_full():
    x = np.linspace(-1, 1, 7)
    np.testing.assert_allclose(
        xformad.jvp(lambda y: np.polyfit(x, y, 2), (x**2 - 1,), (np.zeros(7),))[0], [1, 0, -1], atol=1e-12
    )
    with pytest.raises(UnsupportedOperation, match="call it with the defaults"):
        xformad.grad(lambda y: np.sum(np.polyfit(x, y, 2, full=True)[0]))(x)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("sizes", [(2100, 40), (40, 2100), (6, 9)])
def test_convolutions_are_numpys_values_at_every_length(mode, complex_, sizes):
    # numpy's own kernel: an FFT or a matmul route would differ in the last bits (and give
    # 5e-12 where numpy's sum of exact products is 0)
    a, v = _a(sizes[0]), _a(sizes[1])
    if complex_:
        a, v = a + 1j * _a(sizes[0]), v + 0.5j * _a(sizes[1])
    for fn in (np.convolve, np.correlate):
        y = xformad.vjp(lambda a, v: fn(a, v, mode), a, v)[0]
        np.testing.assert_array_equal(y, fn(a, v, mode))
        check_grads(lambda a, v: fn(a, v, mode), (a, v), modes=("fwd", "rev"), order=1)
    ramp, box = np.arange(400.0), np.ones(100)
    np.testing.assert_array_equal(xformad.vjp(lambda r: np.convolve(r, box), ramp)[0], np.convolve(ramp, box))


def test_convolve_rejects_bad_input():
    with pytest.raises(ValueError, match="one-dimensional"):
        xformad.grad(lambda x: np.sum(np.convolve(x, x)))(np.ones((2, 2)))
    with pytest.raises(ValueError, match="mode must be one of"):
        xformad.grad(lambda x: np.sum(np.convolve(x, x, "middle")))(np.ones(3))


def test_gradient_too_short_raises_like_numpy():
    with pytest.raises(ValueError, match="at least \\(edge_order \\+ 1\\)"):
        xformad.jvp(lambda f: np.gradient(f, edge_order=2), (np.ones(2),), (np.ones(2),))


def test_interp_matches_jax():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    x, fp = _a(8), _a(5)

    def loss(np_, x, fp):
        return np_.sum(np_.interp(x, KNOTS, fp) ** 2)

    with x64(jax):
        want = jax.grad(lambda x, fp: loss(jnp, x, fp), argnums=(0, 1))(x, fp)
    got = xformad.grad(lambda x, fp: loss(np, x, fp), argnums=(0, 1))(x, fp)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-12)


def test_convolve_matches_jax():
    jax = pytest.importorskip("jax")
    a, v = _a(7), _a(3)
    for mode in ("full", "same", "valid"):
        with x64(jax):
            want = jax.grad(lambda a, v: jax.numpy.sum(jax.numpy.convolve(a, v, mode) ** 3), argnums=(0, 1))(
                a, v
            )
        got = xformad.grad(lambda a, v: np.sum(np.convolve(a, v, mode) ** 3), argnums=(0, 1))(a, v)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, np.asarray(w), rtol=1e-10)


def test_smoothing_pipeline_program():
    """A small realistic signal program: pad, moving average, derivative, energy."""

    def energy(signal, kernel):
        padded = np.pad(signal, (2, 2), mode="reflect")
        smooth = np.convolve(padded, kernel / np.sum(kernel), mode="valid")
        slope = np.gradient(smooth, 0.1)
        return np.trapezoid(slope**2, dx=0.1)

    check(energy, _a(12), np.abs(_a(5)) + 0.5, rtol=1e-10)


F32_CASES = {
    "diff": lambda x: np.diff(x, n=2),
    "convolve": lambda x: np.convolve(x, x[:3], "same"),
    "convolve-fft": lambda x: np.convolve(np.tile(x, 400), x, "valid"),
    "gradient": lambda x: np.gradient(x, 0.5, edge_order=2),
    "trapezoid": lambda x: np.trapezoid(x, dx=0.1),
    "polyval": lambda x: np.polyval(x, x),
    "linspace": lambda x: np.linspace(0, x[0], 5),
    "logspace": lambda x: np.logspace(x[1], x[0], 3),
}


@pytest.mark.parametrize("name", sorted(F32_CASES))
def test_float32_stays_float32(name):
    fn = F32_CASES[name]
    x = _a(20).astype(np.float32)
    y, t = xformad.jvp(fn, (x,), (np.ones_like(x),))
    assert y.dtype == t.dtype == fn(x).dtype == np.float32
    np.testing.assert_allclose(y, fn(x), rtol=2e-4, atol=2e-4)
    assert xformad.grad(lambda x: np.sum(fn(x)))(x).dtype == np.float32


DEVICE_CASES = {
    "convolve": lambda x: np.convolve(x[0], x[1]),
    "convolve-fft": lambda x: np.convolve(np.tile(x[0], 2000), np.tile(x[1], 5)),
    "interp": lambda x: np.interp(x[0], np.arange(4.0), x[1]),
    "gradient": lambda x: np.gradient(x)[0],
    "trapezoid": lambda x: np.trapezoid(x, x[0]),
    "diff": lambda x: np.diff(x, prepend=0.0),
    "linspace": lambda x: np.linspace(x[0, 0], x[0, 1], 5),
}


@pytest.mark.parametrize("name", sorted(DEVICE_CASES))
def test_device_backend_matches_numpy(name, fake_device_backend):
    from . import fake_device

    fn = DEVICE_CASES[name]
    x = _a(3, 4)

    def loss(x):
        return np.sum(fn(x) ** 2)

    want = xformad.grad(loss)(x)
    np.testing.assert_allclose(xformad.grad(loss, backend="fakedevice")(x), want, rtol=1e-10)
    got = fake_device.to_host(xformad.grad(loss)(fake_device.to_device(x)))
    np.testing.assert_allclose(got, want, rtol=1e-10)
