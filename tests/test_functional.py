"""np.piecewise and np.apply_along_axis call the user's functions as numpy does."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads

X = np.array([0.5, 1.5, 2.5, -0.3])
M = np.arange(12.0).reshape(3, 4) / 10 + 0.1
WEIGHTS = np.arange(24.0).reshape(3, 4, 2)

CASES = {
    "piecewise_three_pieces": (
        lambda x: np.sum(np.piecewise(x, [x < 1, x >= 2], [lambda v: v**2, lambda v: 2 * v, np.sin])),
        X,
    ),
    "piecewise_constant_piece": (
        lambda x: np.sum(np.piecewise(x, [x < 0, x >= 0], [-1.0, lambda v: v**3]) * x),
        X,
    ),
    "piecewise_one_condition": (lambda x: np.sum(np.piecewise(x, x < 1, [lambda v: v * 3, 0.5]) * x), X),
    "piecewise_non_elementwise": (
        lambda x: np.sum(np.piecewise(x, [x > 0], [lambda v: v / np.sum(v)]) * x),
        X,
    ),
    "apply_along_axis_0": (lambda m: np.sum(np.apply_along_axis(lambda r: r**2 * r[0], 0, m)), M),
    "apply_along_axis_scalar": (lambda m: np.sum(np.apply_along_axis(lambda r: np.sum(r**2), 1, m) ** 2), M),
    "apply_along_axis_matrix": (
        lambda m: np.sum(np.apply_along_axis(lambda r: np.outer(r, r[:2]), 1, m) * WEIGHTS),
        M,
    ),
    "apply_along_axis_negative": (lambda m: np.sum(np.apply_along_axis(np.cumsum, -1, m) ** 2), M),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_numpy_and_finite_differences(name):
    f, a = CASES[name]
    value = xformad.value_and_grad(f)(a)[0]
    np.testing.assert_allclose(value, f(a.copy()), rtol=1e-13)
    check_grads(f, (a,), modes=("fwd", "rev"), order=2)
    jitted, eager = xformad.jit(xformad.grad(f)), xformad.grad(f)
    for shift in (0.0, 0.01, -0.4):  # -0.4 moves elements across the piecewise conditions
        np.testing.assert_allclose(jitted(a + shift), eager(a + shift), rtol=1e-13)


def test_apply_along_axis_puts_result_dimensions_where_the_axis_was():
    f = lambda m: np.apply_along_axis(lambda r: np.outer(r, r[:2]), 0, m)  # noqa: E731
    assert xformad.make_graph(f)(M).outputs[0].shape == f(M).shape == (3, 2, 4)


def test_piecewise_with_mismatched_lists_is_numpys_value_error():
    with pytest.raises(ValueError):
        xformad.grad(lambda x: np.sum(np.piecewise(x, [x < 0, x > 1], [np.sin])))(X)
