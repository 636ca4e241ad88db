"""np.geomspace, np.unwrap, np.roots, np.poly, np.polydiv, np.linalg.matrix_rank, np.astype,
np.apply_over_axes, np.histogram2d and np.einsum_path on traced values:
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


MORE = [
    ("polydiv", lambda x: np.polydiv(x, x[:2]), np.array([0.3, 1.2, 0.7, 2.0, 1.1, 0.5])),
    ("polydiv-exact-factor", lambda x: np.polydiv(np.polymul(x[:3], [1.0, -2.0]), [1.0, -2.0]), X),
    ("polydiv-shorter-numerator", lambda x: np.polydiv(x[:2], x), X),
    ("apply_over_axes", lambda x: np.apply_over_axes(np.sum, np.reshape(x, (2, 2)), [0, 1]), X),
    ("apply_over_axes-mean", lambda x: np.apply_over_axes(np.mean, np.reshape(x, (1, 2, 2)), (0, -1)), X),
    ("astype-function", lambda x: np.astype(x, np.float32), X),
    ("histogram2d", lambda x: np.histogram2d(x, x[::-1], bins=2, weights=x), X),
    ("histogram2d-density", lambda x: np.histogram2d(x, x**2, bins=[2, 3], weights=x, density=True)[0], X),
    ("einsum_path", lambda x: np.einsum("i,i->", x, x, optimize=np.einsum_path("i,i->", x, x)[0]), X),
]


def _leaves(value):
    return list(value) if isinstance(value, tuple) else [value]


@pytest.mark.parametrize("fn,x", [pytest.param(f, x, id=i) for i, f, x in MORE])
def test_more_values_are_numpys(fn, x):
    for value, expected in zip(_leaves(xformad.vjp(fn, x)[0]), _leaves(fn(x))):
        assert type(value) is type(expected)
        assert np.asarray(value).dtype == np.asarray(expected).dtype
        assert np.asarray(value).tobytes() == np.asarray(expected).tobytes()


def test_np_astype_copies_as_numpy_does():
    def written(x):
        z = x * 1.0
        y = np.astype(z, np.float64)  # a copy: z keeps its values
        y[0] = 5.0
        return z

    np.testing.assert_array_equal(xformad.vjp(written, X)[0], X)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: np.polydiv(x, x[:3])[0],
        lambda x: np.polydiv(x, x[:3])[1],
        lambda x: np.histogram2d(x, x[::-1], bins=2, weights=x)[0],
    ],
)
def test_more_derivatives_match_finite_differences(fn):
    check_grads(fn, (np.array([0.3, 1.2, 0.7, 2.0, 1.1, 0.5]),), order=1)


def test_roots_move_with_a_zero_constant_term():
    # numpy strips the zero and appends the root 0; the roots still depend on that
    # coefficient: dr/dc = -1/p'(r) for each simple root
    c = np.array([1.0, -3.0, 2.0, 0.0])
    np.testing.assert_array_equal(xformad.vjp(np.roots, c)[0], np.roots(c))
    jac = xformad.jacrev(lambda c: np.real(np.roots(c)))(c)
    np.testing.assert_allclose(jac[:, -1], [-0.5, 1.0, -0.5])
    check_grads(lambda c: np.real(np.roots(c)), (c,), order=1)
