"""var/std/nanvar/nanstd/cov with ddof at or past the sample count, a float ddof and empty
slices: numpy's values (inf or nan, never a negative variance) and numpy's warning, with no
bare ZeroDivisionError from the derivative rules."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads

X = np.array([3.0, 4.0])
CASES = [
    ("var-ddof-3", lambda x: np.var(x, ddof=3)),
    ("var-ddof-n", lambda x: np.var(x, ddof=2)),
    ("std-ddof-5", lambda x: np.std(x, ddof=5)),
    ("nanvar-ddof-3", lambda x: np.nanvar(x, ddof=3)),
    ("nanstd-ddof-2", lambda x: np.nanstd(x, ddof=2)),
    ("nanvar-axis", lambda x: np.nanvar(np.array([[1.0, np.nan], [3.0, 5.0]]) * x[0], axis=0, ddof=1)),
    ("mean-empty", lambda x: np.mean(x[:0])),
    ("cov-ddof-n", lambda x: np.cov(x, ddof=2)),
]


def _run(fn, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = fn(*args)
    return value, sorted(
        {str(w.message) for w in caught if "freedom" in str(w.message) or "empty" in str(w.message)}
    )


@pytest.mark.parametrize("fn", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_value_and_warning_are_numpys(fn):
    expected, numpy_warned = _run(lambda x: np.sum(fn(x)), X)
    (value, grad), warned = _run(xformad.value_and_grad(lambda x: np.sum(fn(x))), X)
    np.testing.assert_array_equal(value, expected)  # inf or nan where numpy's is
    assert type(value) is type(expected)
    assert warned == numpy_warned
    assert grad.shape == X.shape


@pytest.mark.parametrize("ddof", [0.5, 1.5, 1])
def test_float_ddof_differentiates(ddof):
    x = np.array([0.3, 1.7, -0.4, 2.2, 0.9])
    assert xformad.value_and_grad(lambda x: np.var(x, ddof=ddof))(x)[0] == np.var(x, ddof=ddof)
    check_grads(lambda x: np.var(x, ddof=ddof), (x,))
    check_grads(lambda x: np.nanstd(x, ddof=ddof), (x,))
