"""np.pad in each of numpy's modes: values bit for bit numpy's (the axis-by-axis order and
numpy's own promotion of stat lengths and end values), derivatives against finite
differences in both modes and to second order, jit against eager."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import xformad
from xformad.errors import UnsupportedOperation
from xformad.testing import check_grads

MODES = [
    ("mean", {}),
    ("maximum", {}),
    ("minimum", {}),
    ("median", {}),
    ("mean", {"stat_length": 2}),
    ("maximum", {"stat_length": (1, 2)}),
    ("median", {"stat_length": ((1, 3), (2, 1))}),
    ("minimum", {"stat_length": 10}),  # longer than the axis: the whole axis
    ("mean", {"stat_length": 1.6}),  # numpy rounds it
    ("linear_ramp", {}),
    ("linear_ramp", {"end_values": (1.5, -2.0)}),
    ("linear_ramp", {"end_values": ((1, 2), (3, 4))}),  # Python ints: float32 stays float32
    ("linear_ramp", {"end_values": 3}),  # a numpy int64 scalar: float32 ramps promote
    ("reflect", {"reflect_type": "odd"}),
    ("symmetric", {"reflect_type": "odd"}),
    ("edge", {}),
    ("wrap", {}),
    ("reflect", {"reflect_type": "sideways"}),  # numpy: anything but "odd" is "even"
]
WIDTHS = [1, (2, 1), ((1, 2), (0, 2))]


@pytest.mark.parametrize(("mode", "options"), MODES)
@pytest.mark.parametrize("widths", WIDTHS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_are_numpys(mode, options, widths, dtype):
    x = np.random.default_rng(1).normal(size=(3, 4)).astype(dtype)
    expected = np.pad(x, widths, mode=mode, **options)
    got = xformad.vjp(lambda x: np.pad(x, widths, mode=mode, **options), x)[0]
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(("mode", "options"), MODES)
@pytest.mark.parametrize("widths", WIDTHS)
def test_derivatives_match_finite_differences(mode, options, widths):
    # distinct values: maximum/minimum/median have no ties to break
    x = np.random.default_rng(2).permutation(12).reshape(3, 4) * 0.37 + 0.1
    check_grads(lambda x: np.pad(x, widths, mode=mode, **options), (x,))


@pytest.mark.parametrize(("mode", "options"), MODES[:4] + MODES[9:10])
def test_jit_gives_eager_results(mode, options):
    weights = np.random.default_rng(3).normal(size=(5, 6))

    def loss(x):
        return np.sum(np.pad(x, 1, mode=mode, **options) * weights)

    x = np.random.default_rng(4).normal(size=(3, 4))
    eager = xformad.grad(loss)
    compiled = xformad.jit(eager, compile_after=0)
    for _ in range(3):
        np.testing.assert_allclose(compiled(x), eager(x), rtol=1e-13, atol=0)
        x = x + 0.5


@pytest.mark.parametrize("mode", ["mean", "median", "linear_ramp", "maximum"])
def test_integer_arrays_round_as_numpy_does(mode):
    x = np.array([[1, 2, 4], [7, 3, 8]])
    expected = np.pad(x, 2, mode=mode)
    got = xformad.jit(lambda x: np.pad(x, 2, mode=mode), compile_after=0)(x)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    "call",
    [
        dict(mode="maximum", stat_length=0),
        dict(mode="edge", stat_length=1),
        dict(mode="mean", stat_length=-1),
    ],
)
def test_bad_options_raise_numpys_error(call):
    with pytest.raises(ValueError) as numpys:
        np.pad(np.ones(3), 1, **call)
    with pytest.raises(ValueError) as ours:
        xformad.grad(lambda x: np.sum(np.pad(x, 1, **call)))(np.ones(3))
    assert str(ours.value) == str(numpys.value)


def test_empty_axes_as_numpy():
    x = np.ones((0, 3))
    assert xformad.vjp(lambda x: np.pad(x, ((0, 0), (1, 1)), mode="mean"), x)[0].shape == (0, 5)
    with pytest.raises(ValueError, match="can't extend empty axis 0"):
        xformad.vjp(lambda x: np.pad(x, 1, mode="mean"), x)


def test_what_is_not_served_says_so():
    with pytest.raises(UnsupportedOperation, match="supported modes"):
        xformad.grad(lambda x: np.sum(np.pad(x, 1, mode=lambda *a, **k: None)))(np.ones(3))
    with pytest.raises(UnsupportedOperation, match="one reflection"):
        xformad.grad(lambda x: np.sum(np.pad(x, 5, mode="reflect", reflect_type="odd")))(np.ones(3))


def test_every_mode_combination_of_two_axes_matches_numpy():
    x = np.random.default_rng(5).normal(size=(2, 3))
    for (mode, options), widths in itertools.product(MODES, [((1, 0), (1, 2)), ((0, 1), (2, 0))]):
        np.testing.assert_array_equal(
            xformad.vjp(lambda x: np.pad(x, widths, mode=mode, **options), x)[0],
            np.pad(x, widths, mode=mode, **options),
        )
