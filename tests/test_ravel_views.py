"""np.ravel / ndarray.ravel as numpy decides: a view where numpy's ravel makes one (an array
contiguous in the order asked), a copy otherwise; the elements in that order ('K': memory
order). Checked by writing through the result, against numpy itself, and the gradient
against central differences."""

from __future__ import annotations

import numpy as np
import pytest

import xformad

from .test_right_aligned_shapes import central_differences

M = np.arange(1.0, 13.0).reshape(3, 4)
VIEWS = {
    "whole": lambda y: y,
    "transposed": lambda y: y.T,
    "column": lambda y: y[:, 1],
    "strided columns": lambda y: y[:, ::2],
    "one column kept 2-D": lambda y: y[:, 2:3],
    "row": lambda y: y[1],
    "reversed rows": lambda y: y[::-1],
    "transposed, strided": lambda y: y.T[::2],
    "3-D permuted": lambda y: y.reshape(3, 2, 2).transpose(1, 0, 2),
}


def _program(view, order, method: bool):
    def f(a):
        y = a * 1.0  # made here: writable, C-contiguous, as in numpy
        z = view(y).ravel(order) if method else np.ravel(view(y), order=order)
        before = z * 1.0
        z *= 2  # reaches y exactly when ravel gave a view
        return np.concatenate([y.ravel(), before])

    return f


@pytest.mark.parametrize("method", [False, True], ids=["np.ravel", "ndarray.ravel"])
@pytest.mark.parametrize("order", ["C", "F", "A", "K"])
@pytest.mark.parametrize("view", list(VIEWS), ids=list(VIEWS))
def test_ravel_copies_and_views_as_numpy_does(view, order, method):
    f = _program(VIEWS[view], order, method)
    if order == "K" and view == "reversed rows":  # negative strides: refused, not guessed
        with pytest.raises(xformad.XformadError, match="order='K'"):
            xformad.vjp(f, M)
        return
    want = f(M)
    np.testing.assert_array_equal(xformad.vjp(f, M)[0], want)
    weights = np.arange(float(len(want)))

    def loss(a):
        return np.sum(f(a) * weights)

    np.testing.assert_allclose(xformad.grad(loss)(M), central_differences(loss, M), atol=1e-5)
