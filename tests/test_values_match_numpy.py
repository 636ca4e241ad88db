"""Values that are numpy's to the bit: products (inner, tensordot, dot, vdot), lstsq and
polyfit, np.r_ with Python scalars, degrees/radians, quantile/percentile/median, gradient,
cov, convolve/correlate, scalar results; each value is compared with numpy's own result by
type, dtype, shape and bytes, each gradient with central finite differences. Also: an
unsupported scipy ufunc is named as scipy's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import xformad
from xformad.errors import UnsupportedOperation
from xformad.numpy_api.dispatch import qualname
from xformad.testing import check_grads

V = np.array([0.13, 0.52, -0.31, 1.17, 0.74])


def _draw(shape, dtype=np.float64, seed=0, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


def _weights(n, dtype=np.float64):
    return np.random.default_rng(1).uniform(0.5, 2.0, n).astype(dtype)


B3 = np.arange(9.0).reshape(3, 3) / 7
M43 = _draw((4, 3), seed=2)
M53_32 = _draw((5, 3), np.float32, seed=3)

# (id, function of one array, input): each value must be exactly numpy's
CASES = [
    # products: numpy's dot/matmul (BLAS), not an einsum
    ("inner-1d", lambda x: np.inner(x, x), V),
    ("inner-1d-f32", lambda x: np.inner(x, x[::-1]), _draw(40, np.float32)),
    ("inner-2d-1d", lambda x: np.inner(np.reshape(x, (5, 8)), x[:8]), _draw(40, seed=4)),
    (
        "inner-2d-2d",
        lambda x: np.inner(np.reshape(x, (5, 8)), np.reshape(x[::-1], (5, 8))),
        _draw(40, seed=5),
    ),
    (
        "inner-3d-2d",
        lambda x: np.inner(np.reshape(x, (2, 3, 8)), np.reshape(x[:32], (4, 8))),
        _draw(48, seed=6),
    ),
    (
        "tensordot-probe",
        lambda x: np.tensordot(np.outer(x[:3], x[:3]), B3, axes=([0], [1]))[0, 1],
        V,
    ),
    (
        "tensordot-2",
        lambda x: np.tensordot(np.reshape(x, (3, 4, 5)), np.reshape(x, (4, 5, 3))),
        _draw(60, seed=7),
    ),
    (
        "tensordot-axes",
        lambda x: np.tensordot(np.reshape(x, (5, 3, 4)), np.reshape(x, (4, 3, 5)), axes=([0, 2], [2, 0])),
        _draw(60, np.float32, seed=8),
    ),
    ("dot-3d-1d", lambda x: np.dot(np.reshape(x, (2, 3, 10)), x[:10]), _draw(60, seed=9)),
    (
        "dot-3d-2d",
        lambda x: np.dot(np.reshape(x, (2, 3, 10)), np.reshape(x[:30], (10, 3))),
        _draw(60, seed=10),
    ),
    ("vdot", lambda x: np.vdot(x, x[::-1]), _draw(100, seed=11)),
    # lstsq is numpy's own (LAPACK gelsd), polyfit goes through it
    (
        "lstsq-probe",
        lambda x: np.sum(
            np.linalg.lstsq(np.outer(x[:3], x[:2]) + np.eye(3, 2), np.array([1.0, 2.0, 3.0]), rcond=None)[0]
        ),
        V,
    ),
    ("lstsq-tall", lambda x: np.linalg.lstsq(x, np.arange(4.0), rcond=None)[0], M43),
    ("lstsq-tall-residuals", lambda x: np.linalg.lstsq(x, np.arange(4.0), rcond=None)[1], M43),
    ("lstsq-singular-values", lambda x: np.linalg.lstsq(x, np.arange(4.0), rcond=None)[3], M43),
    ("lstsq-wide-2d-b", lambda x: np.linalg.lstsq(x.T, np.ones((3, 2)), rcond=None)[0], M43),
    ("lstsq-f32", lambda x: np.linalg.lstsq(x, np.arange(5, dtype=np.float32), rcond=None)[0], M53_32),
    (
        "lstsq-f32-residuals",
        lambda x: np.linalg.lstsq(x, np.arange(5, dtype=np.float32), rcond=None)[1],
        M53_32,
    ),
    ("polyfit-probe", lambda x: np.sum(np.polyfit(np.arange(5.0), x, 2)), V),
    ("polyfit-x", lambda x: np.polyfit(np.sort(x), np.cos(np.arange(8.0)), 3), _draw(8, seed=12)),
    (
        "polyfit-f32",
        lambda x: np.polyfit(np.arange(8, dtype=np.float32), x, 3),
        _draw(8, np.float32, seed=13),
    ),
    (
        "polyfit-f32-weights",
        lambda x: np.polyfit(np.arange(8, dtype=np.float32), np.cos(np.arange(8, dtype=np.float32)), 2, w=x),
        _weights(8, np.float32),
    ),
    ("polyfit-2d-y", lambda x: np.polyfit(np.arange(6.0), np.reshape(x, (6, 2)), 2), _draw(12, seed=14)),
    ("vander-f32", lambda x: np.vander(x, 4), _draw(5, np.float32, seed=15)),
    # np.r_ promotes with Python scalars weakly
    ("r_-f32", lambda x: np.sum(np.r_[x, 1.0] ** 2), V.astype(np.float32)),
    ("r_-f32-middle", lambda x: np.r_[x, 0.1, x[:2]], V.astype(np.float32)),
    # degrees / radians: numpy's loop constant in float32, float16 through float32
    ("degrees-f32", lambda x: np.sum(np.degrees(x)), V.astype(np.float32)),
    ("degrees-f32-elements", np.degrees, _draw(1000, np.float32, seed=16, scale=10)),
    ("rad2deg-f16", np.rad2deg, _draw(200, np.float16, seed=17)),
    ("radians-f16", np.radians, _draw(200, np.float16, seed=18, scale=100)),
    # quantiles: numpy's _lerp, its dtypes, and a numpy scalar for a 0-d result
    ("quantile-f32", lambda x: np.quantile(x, 0.8), V.astype(np.float32)),
    ("quantile-f64", lambda x: np.quantile(x, 0.8), V),
    ("quantile-f32-np-q", lambda x: np.quantile(x, np.float64(0.8)), V.astype(np.float32)),
    ("quantile-q-array", lambda x: np.quantile(x, [0.1, 0.55, 0.9]), _draw(9, seed=19)),
    ("quantile-axis0", lambda x: np.quantile(np.reshape(x, (6, 4)), 0.7, axis=0), _draw(24, seed=20)),
    (
        "quantile-axis1-f32-keepdims",
        lambda x: np.quantile(np.reshape(x, (4, 6)), 0.35, axis=1, keepdims=True),
        _draw(24, np.float32, seed=21),
    ),
    ("quantile-midpoint", lambda x: np.quantile(x, 0.3, method="midpoint"), _draw(7, seed=22)),
    ("quantile-lower-f32", lambda x: np.quantile(x, 0.3, method="lower"), _draw(7, np.float32, seed=23)),
    ("quantile-int-q-f32", lambda x: np.quantile(x, 1), _draw(7, np.float32, seed=24)),
    ("percentile-f32", lambda x: np.percentile(x, 37.5), _draw(11, np.float32, seed=25)),
    (
        "nanquantile-axis1",
        lambda x: np.nanquantile(
            np.where(np.arange(24).reshape(4, 6) % 5 == 0, np.nan, np.reshape(x, (4, 6))), 0.6, axis=1
        ),
        _draw(24, seed=26),
    ),
    ("median-f32-even", np.median, _draw(6, np.float32, seed=27)),
    ("median-axis1", lambda x: np.median(np.reshape(x, (4, 6)), axis=1), _draw(24, seed=28)),
    # np.gradient: numpy's coefficients (-1.5 / h ...), written into f's dtype
    ("gradient-edge2", lambda x: np.gradient(x, 0.3, edge_order=2), _draw(9, seed=29)),
    (
        "gradient-f32",
        lambda x: np.stack(np.gradient(np.reshape(x, (3, 4)), 0.3, 0.7)),
        _draw(12, np.float32, seed=30),
    ),
    (
        "gradient-f32-coordinates",
        lambda x: np.gradient(x, np.cumsum(_weights(9, np.float32)), edge_order=2),
        _draw(9, np.float32, seed=31),
    ),
    ("gradient-f64-coordinates-f32", lambda x: np.gradient(x, np.cumsum(_weights(9))), _draw(9, np.float32)),
    # cov multiplies by 1 / fact, as numpy
    ("cov", lambda x: np.cov(np.reshape(x, (2, 6))), _draw(12, seed=32)),
    ("cov-aweights", lambda x: np.cov(x, aweights=_weights(6)), _draw(6, seed=33)),
    # numpy returns scalars here, not 0-d arrays
    ("nanmax-scalar", np.nanmax, _draw(5, seed=34)),
    ("interp-scalar", lambda x: np.interp(1.5, [0.0, 1.0, 2.0], x[:3]), _draw(5, seed=35)),
    # numpy's own convolution kernel at every length (no FFT, no matmul rounding)
    ("convolve-long", lambda x: np.convolve(x, x[:60]), _draw(600, seed=36)),
    ("correlate-same-short-first", lambda x: np.correlate(x[:4], x, "same"), _draw(9, seed=37)),
    ("var-ddof-float", lambda x: np.var(x, ddof=1.5), _draw(7, seed=38)),
]

# finite differences need no kink nearby: the fits and products are smooth, the quantiles
# piecewise linear (random inputs keep clear of the kinks). Left out: an integer q (no
# interpolation: nothing new), and float32 polyfit weights, which numpy's in-place
# ``rhs *= w`` rounds into float32 y, so finite differences of the float64 weights the
# check draws see float32 steps.
GRAD_CASES = [c for c in CASES if c[0] not in ("quantile-int-q-f32", "polyfit-f32-weights")]


def _traced_value(fn, x):
    """The value xformad's trace returns (vjp's primal: any shape)."""
    return xformad.vjp(fn, x)[0]


def _assert_same(value, ref):
    assert type(value) is type(ref), (type(value), type(ref))
    assert np.asarray(value).dtype == np.asarray(ref).dtype, (np.asarray(value).dtype, np.asarray(ref).dtype)
    assert np.shape(value) == np.shape(ref)
    assert np.asarray(value).tobytes() == np.asarray(ref).tobytes(), (value, ref)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", np.exceptions.RankWarning)
        yield


@pytest.mark.parametrize("fn,x", [pytest.param(fn, x, id=i) for i, fn, x in CASES])
def test_value_is_numpys(fn, x):
    _assert_same(_traced_value(fn, x), fn(x))


@pytest.mark.parametrize("fn,x", [pytest.param(fn, x, id=i) for i, fn, x in CASES])
def test_value_of_value_and_grad_is_numpys(fn, x):
    """The value value_and_grad returns, for a scalar output (or a sum of the output)."""
    if np.ndim(fn(x)) == 0:
        scalar = fn
    else:

        def scalar(y):
            return np.sum(fn(y))

    _assert_same(xformad.value_and_grad(scalar)(x)[0], scalar(x))


@pytest.mark.parametrize("fn,x", [pytest.param(fn, x, id=i) for i, fn, x in GRAD_CASES])
def test_gradient_matches_finite_differences(fn, x):
    out = np.asarray(fn(x))
    weights = np.random.default_rng(2).uniform(0.5, 1.5, out.shape)

    def f(y):
        return np.sum(fn(y) * weights)

    check_grads(f, (x,), modes=("fwd", "rev"), order=1)


def test_lstsq_rank_and_structure_match_numpy():
    a = _draw((5, 3), seed=30)
    a[:, 2] = a[:, 0]  # rank 2: numpy returns no residuals
    b = np.arange(5.0)
    seen = {}

    def f(x):
        solution, residuals, rank, s = np.linalg.lstsq(x, b, rcond=None)
        seen.update(residuals=residuals, rank=rank)
        return np.sum(solution)

    xformad.grad(f)(a)
    ref = np.linalg.lstsq(a, b, rcond=None)
    assert seen["rank"] == ref[2] == 2 and type(seen["rank"]) is int
    assert seen["residuals"].shape == ref[1].shape == (0,)


def test_lstsq_float32_default_rcond_is_numpys():
    """numpy computes in double precision, and its default rcond is double's eps: a
    singular value far below float32's eps cutoff still counts."""
    a = np.diag(np.array([1.0, 1e-7, 1.0], dtype=np.float32))
    b = np.ones(3, dtype=np.float32)
    ref = np.linalg.lstsq(a, b, rcond=None)[0]
    _assert_same(_traced_value(lambda x: np.linalg.lstsq(x, b, rcond=None)[0], a), ref)


def test_lstsq_gradient_through_residuals_and_singular_values():
    a, b = _draw((6, 3), seed=31), _draw((6, 2), seed=32)

    def f(x, y):
        solution, residuals, _, s = np.linalg.lstsq(x, y, rcond=None)
        return (
            np.sum(solution**2) + np.sum(residuals * np.array([1.0, 2.0])) + np.sum(s * np.arange(1.0, 4.0))
        )

    check_grads(f, (a, b), modes=("fwd", "rev"), order=2)


def test_lstsq_refuses_stacks_as_numpy():
    with pytest.raises(np.linalg.LinAlgError, match="two-dimensional"):
        xformad.grad(lambda x: np.sum(np.linalg.lstsq(x, np.ones(3), rcond=None)[0]))(np.ones((2, 3, 3)))


def test_quantile_gradient_in_q():
    x = _draw(9, seed=33)
    check_grads(lambda q: np.quantile(x, q), (np.float64(0.37),), modes=("fwd", "rev"), order=1)


def test_scipy_ufunc_is_named_as_scipys():
    special = pytest.importorskip("scipy.special")
    with pytest.raises(UnsupportedOperation) as info:
        xformad.grad(lambda x: np.sum(special.kl_div(x, 0.7)))(np.abs(V) + 0.1)
    assert "scipy.special.kl_div" in str(info.value)
    assert "np.kl_div" not in str(info.value)


def test_numpy_functions_keep_their_names():
    assert qualname(np.add) == "np.add"
    assert qualname(np.sum) == "np.sum"
    assert qualname(np.linalg.norm) == "np.linalg.norm"
    assert qualname(np.fft.fft) == "np.fft.fft"


QUANTILE_METHODS = [
    "inverted_cdf",
    "averaged_inverted_cdf",
    "closest_observation",
    "interpolated_inverted_cdf",
    "hazen",
    "weibull",
    "median_unbiased",
    "normal_unbiased",
]


@pytest.mark.parametrize("method", QUANTILE_METHODS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [1, 2, 5, 10])
def test_every_quantile_method_is_numpys(method, dtype, n):
    x = _draw((3, n), dtype, seed=n)
    for q in (0.0, 0.01, 0.25, 0.5, 0.99, 1.0, [0.1, 0.5, 0.9], np.array([0.3, 0.7], dtype=dtype)):
        for axis in (None, 1):
            _assert_same(
                _traced_value(lambda x: np.quantile(x, q, axis=axis, method=method), x),
                np.quantile(x, q, axis=axis, method=method),
            )
    _assert_same(
        _traced_value(lambda x: np.nanpercentile(x, 40, method=method), x),
        np.nanpercentile(x, 40, method=method),
    )


@pytest.mark.parametrize("method", QUANTILE_METHODS)
def test_quantile_method_gradients_match_finite_differences(method):
    x = _draw(11, seed=40)
    check_grads(
        lambda x: np.quantile(x, [0.13, 0.58, 0.91], method=method), (x,), modes=("fwd", "rev"), order=1
    )
