"""ufunc.reduce / accumulate / reduceat for ufuncs without a reduction primitive of their
own: numpy's values bit for bit (its left-to-right fold), derivatives against finite
differences in both modes, and numpy's answers for empty axes."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.errors import UnsupportedOperation
from xformad.testing import check_grads

FOLDED = [np.logaddexp, np.logaddexp2, np.hypot, np.subtract, np.divide, np.fmod, np.fmax]
SCANNED = [np.maximum, np.minimum, np.fmax, np.fmin, np.logaddexp, np.hypot, np.subtract]
REDUCEAT = [np.add, np.multiply, np.maximum, np.minimum, np.logaddexp]


def _data(shape, seed=0):
    rng = np.random.default_rng(seed)  # distinct values: no ties for maximum and minimum
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.173 + 0.4


def _same_as_numpy(f, x):
    expected = f(x)
    got = xformad.vjp(f, x)[0]
    assert np.asarray(got).dtype == np.asarray(expected).dtype
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("ufunc", FOLDED, ids=lambda u: u.__name__)
@pytest.mark.parametrize(
    ("shape", "axis"), [((6,), 0), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4), -1), ((5,), None)]
)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduce(ufunc, shape, axis, keepdims):
    x = _data(shape)
    f = lambda x: ufunc.reduce(x, axis=axis, keepdims=keepdims)  # noqa: E731
    _same_as_numpy(f, x)
    check_grads(f, (x,))


@pytest.mark.parametrize("ufunc", [np.logaddexp, np.hypot])
def test_reduce_with_initial_and_dtype(ufunc):
    x = _data((3, 4)).astype(np.float32)
    _same_as_numpy(lambda x: ufunc.reduce(x, axis=1, initial=0.25), x)
    _same_as_numpy(lambda x: ufunc.reduce(x, axis=0, dtype=np.float64), x)
    check_grads(lambda x: ufunc.reduce(x, axis=1, initial=0.25), (x.astype(np.float64),))


@pytest.mark.parametrize("ufunc", SCANNED, ids=lambda u: u.__name__)
@pytest.mark.parametrize(("shape", "axis"), [((1,), 0), ((7,), 0), ((8,), 0), ((3, 5), 1), ((5, 3), 0)])
def test_accumulate(ufunc, shape, axis):
    x = _data(shape, seed=1)
    f = lambda x: ufunc.accumulate(x, axis=axis)  # noqa: E731
    _same_as_numpy(f, x)
    check_grads(f, (x,))


def test_running_maximum_propagates_nan_and_fmax_skips_it():
    x = np.array([0.3, 1.5, np.nan, 0.2, 2.5])
    _same_as_numpy(np.maximum.accumulate, x)
    _same_as_numpy(np.fmax.accumulate, x)
    g = xformad.grad(lambda x: np.sum(np.fmax.accumulate(x)))(x)
    np.testing.assert_array_equal(g, [1.0, 3.0, 0.0, 0.0, 1.0])


@pytest.mark.parametrize("ufunc", REDUCEAT, ids=lambda u: u.__name__)
@pytest.mark.parametrize("indices", [[0, 3, 5], [0, 3, 1, 6], [2], [0, 0, 4]])
def test_reduceat(ufunc, indices):
    x = _data((7, 3), seed=2)
    f = lambda x: ufunc.reduceat(x, indices, axis=0)  # noqa: E731
    _same_as_numpy(f, x)
    check_grads(f, (x,))
    _same_as_numpy(lambda x: ufunc.reduceat(x, indices[:1], axis=1), x)


@pytest.mark.parametrize(("shape", "axis"), [((1000,), 0), ((400, 3), 0), ((3, 400), 1)])
def test_long_pairwise_sums_segment_by_segment(shape, axis):
    x = np.random.default_rng(3).normal(size=shape)
    _same_as_numpy(lambda x: np.add.reduceat(x, [0, 137, 300, 20], axis=axis), x)
    check_grads(lambda x: np.add.reduceat(x, [0, 137, 300, 20], axis=axis), (x,), order=1)


def test_empty_axes_as_numpy():
    empty = np.ones((0, 3))
    _same_as_numpy(lambda x: np.hypot.reduce(x, axis=0), empty)  # hypot's identity 0
    _same_as_numpy(lambda x: np.logaddexp.reduce(x, axis=0, initial=1.5), empty)
    _same_as_numpy(lambda x: np.logaddexp.reduce(x, axis=0), empty)  # its identity -inf
    with pytest.raises(ValueError, match="zero-size array"):
        xformad.vjp(lambda x: np.fmod.reduce(x, axis=0), empty)


def test_jit_gives_eager_results():
    def loss(x):
        return np.sum(np.maximum.accumulate(x) ** 2) + np.logaddexp.reduce(x)

    eager = xformad.grad(loss)
    compiled = xformad.jit(eager, compile_after=0)
    for seed in range(3):
        x = _data((9,), seed)
        np.testing.assert_allclose(compiled(x), eager(x), rtol=1e-14, atol=0)


def test_logical_folds_give_booleans_as_numpy():
    x = np.array([0.5, 0.0, 2.0, 1.0])
    _same_as_numpy(np.logical_xor.accumulate, x)
    _same_as_numpy(lambda x: np.logical_xor.reduce(x[:1]), x)


@pytest.mark.parametrize("ufunc", [np.power, np.arctan2])
def test_folds_numpy_runs_in_its_own_order_are_refused(ufunc):
    with pytest.raises(UnsupportedOperation, match="does not fold left to right"):
        xformad.grad(lambda x: ufunc.reduce(x))(np.ones(3))


def test_several_axes_are_refused_clearly():
    with pytest.raises(UnsupportedOperation, match="one axis at a time"):
        xformad.grad(lambda x: np.logaddexp.reduce(x, axis=(0, 1)))(np.ones((2, 2)))


def test_reduce_with_where_picks_the_elements():
    x, mask = np.array([1.0, 2.0, 3.0, 4.0]), np.array([True, False, True, True])
    for f in (
        lambda x: np.multiply.reduce(x, where=mask),
        lambda x: np.add.reduce(x, where=mask),
        lambda x: np.maximum.reduce(x, where=mask, initial=0.0),
    ):
        _same_as_numpy(f, x)
        check_grads(f, (x,))
