"""``masked_product`` (the safe product derivative rules use) against its definition:
``ct * d``, with 0 wherever ``ct == 0``, on both of its NaN tests (a small array's elements
summed in Python, a larger one's by numpy), every dtype it masks, and layouts."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.primitives.safe_multiply import _SUMMED_IN_PYTHON, masked_product


def _definition(ct, d):
    with np.errstate(invalid="ignore", over="ignore"):
        r = np.asarray(ct * d)
    return np.where(ct == 0, r.dtype.type(0), r)


SIZES = [1, 2, 5, _SUMMED_IN_PYTHON - 1, _SUMMED_IN_PYTHON, _SUMMED_IN_PYTHON + 1, 1000]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_a_zero_cotangent_beside_inf_or_nan_stays_zero(size, dtype):
    rng = np.random.default_rng(size)
    for trial in range(20):
        ct = rng.standard_normal(size).astype(dtype)
        d = rng.standard_normal(size).astype(dtype)
        picks = rng.integers(0, size, size=3)
        ct[picks[0]] = 0  # 0 * inf: masked
        d[picks[0]] = [np.inf, -np.inf, np.nan][trial % 3]
        if trial % 2:  # an inf beside a nonzero cotangent is no 0 * inf: it stays inf
            d[picks[1]] = np.inf
            ct[picks[1]] = 2.0
        with np.errstate(invalid="ignore", over="ignore"):
            got = masked_product(np, ct, d)
        want = _definition(ct, d)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("size", SIZES)
def test_finite_products_are_the_plain_product(size):
    rng = np.random.default_rng(0)
    ct, d = rng.standard_normal(size), rng.standard_normal(size)
    ct[0] = 0.0
    got = masked_product(np, ct, d)
    assert np.array_equal(got, ct * d) and got.dtype == np.float64


def test_non_contiguous_and_broadcast_operands():
    rng = np.random.default_rng(1)
    ct = rng.standard_normal((6, 8))[:, ::2]  # a strided view: ravel copies
    d = rng.standard_normal(4)
    ct[2, 1] = 0.0
    d[1] = np.inf
    with np.errstate(invalid="ignore"):
        got = masked_product(np, ct, d)
    np.testing.assert_array_equal(got, _definition(ct, d))
    assert got.shape == (6, 4) and np.isinf(got[0, 1]) and got[2, 1] == 0


def test_overflowing_finite_sum_is_not_taken_for_nan():
    # elements that overflow when summed give inf, never NaN: nothing to mask, none masked
    ct = np.full(8, 1e308)
    got = masked_product(np, ct, np.full(8, 1.0))
    assert np.array_equal(got, ct)


@pytest.mark.parametrize("n", [3, 100])
def test_where_sqrt_gradient_at_zero_on_small_and_large_arrays(n):
    x = np.linspace(0.0, 4.0, n)
    g = xformad.grad(lambda x: np.sum(np.where(x > 0, np.sqrt(x), 0.0)))(x)
    want = np.where(x > 0, 0.5 / np.sqrt(np.where(x > 0, x, 1.0)), 0.0)
    np.testing.assert_allclose(g, want, rtol=1e-15)
    assert g[0] == 0.0


@pytest.mark.parametrize(
    ("f", "x"),
    [
        (lambda x: np.where(x > 0, np.sqrt(x), 0.0), -1.0),
        (lambda x: np.where(x != 0, 1 / x, 0.0), 0.0),
        (lambda x: np.where(x != 0, np.sin(x) / x, 1.0), 0.0),
        (lambda x: np.where(x <= 1, 0.0, np.sqrt(x - 1)), 1.0),
    ],
)
def test_an_untaken_branch_leaks_no_nan_at_third_order(f, x):
    # reverse over forward over reverse: the derivative of ct * d in d is 0 where either
    # factor is 0 though the other is inf or nan
    g = xformad.grad(f)
    third = xformad.grad(lambda x: xformad.jvp(g, (x,), (1.0,))[1])(x)
    assert np.isfinite(third)
    assert third == xformad.grad(xformad.grad(g))(x)
