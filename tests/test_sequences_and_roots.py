"""np.geomspace, np.unwrap, np.roots, np.poly and np.linalg.matrix_rank on traced values:
numpy's values by type, dtype and bytes; derivatives against finite differences; the rank
recomputed by a compiled program."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads

X = np.array([0.3, 1.2, 0.7, 2.0])
P = np.array([0.1, 3.5, 6.8, 0.2, -3.0, 9.0, 2.5])

CASES = [
    ("geomspace", lambda x: np.geomspace(x[0], x[3], 5), X),
    ("geomspace-negative-open", lambda x: np.geomspace(-x[0], -x[3], 5, endpoint=False), X),
    ("geomspace-arrays-axis1", lambda x: np.geomspace(x[:2], x[2:], 4, axis=1), X),
    ("geomspace-imaginary", lambda x: np.geomspace(x[0] * 1j, x[3] * 1j, 4), X),
    ("geomspace-f32", lambda x: np.geomspace(x[0], 1000, 4, dtype=np.float32), X),
    ("unwrap", np.unwrap, P),
    ("unwrap-period", lambda p: np.unwrap(p, period=4.0), P),
    ("unwrap-axis0", lambda p: np.unwrap(np.reshape(p[:6], (2, 3)), axis=0), P),
    ("unwrap-discont", lambda p: np.unwrap(p, discont=4.0), P),
    ("roots", np.roots, np.array([1.0, -3.0, 2.0])),
    ("roots-zeros-at-ends", np.roots, np.array([0.0, 1.0, -6.0, 11.0, -6.0, 0.0])),
    ("roots-complex", np.roots, np.array([1.0, 0.0, 1.0])),
    ("poly", np.poly, np.array([1.0, 2.0, 3.0])),
    ("poly-conjugate-pair", np.poly, np.array([1 + 1j, 1 - 1j])),
    ("poly-of-matrix", np.poly, np.array([[1.0, 2.0], [3.0, 4.0]])),
    ("matrix_rank", lambda x: np.linalg.matrix_rank(np.outer(x, x) + np.eye(4)), X),
]


@pytest.mark.parametrize("fn,x", [pytest.param(f, x, id=i) for i, f, x in CASES])
def test_values_are_numpys(fn, x):
    value, expected = xformad.vjp(fn, x)[0], fn(x)
    assert type(value) is type(expected)
    assert np.asarray(value).dtype == np.asarray(expected).dtype
    assert np.asarray(value).tobytes() == np.asarray(expected).tobytes()


@pytest.mark.parametrize(
    "fn,x",
    [
        (lambda x: np.geomspace(x[0], x[3], 5), X),
        (lambda x: np.real(np.geomspace(-x[0] * (1 + 1j), x[3], 4)), X),
        (np.unwrap, P),
        (lambda c: np.real(np.roots(c)), np.array([1.0, -3.0, 2.0])),
        (np.poly, np.array([1.0, 2.0, 3.0])),
        (lambda m: np.poly(m), np.array([[1.0, 2.0], [3.0, 4.0]])),
    ],
)
def test_derivatives_match_finite_differences(fn, x):
    check_grads(fn, (x,), order=1)


def test_a_compiled_rank_follows_the_values():
    rank = xformad.jit(lambda x: np.linalg.matrix_rank(np.outer(x, x) + np.diag(x)), compile_after=0)
    for x in (X, np.array([0.0, 0.0, 1.0, 0.0]), X):
        assert rank(x) == np.linalg.matrix_rank(np.outer(x, x) + np.diag(x))
    value, grad = xformad.value_and_grad(lambda x: np.linalg.matrix_rank(np.outer(x, x)) * np.sum(x))(X)
    assert value == np.sum(X)
    np.testing.assert_array_equal(grad, np.ones(4))
