"""scipy.linalg's linear solvers on traced values: solve_triangular, solve (every
``assume_a``), inv, det, solve_banded, solve_sylvester. Each case: values equal scipy's,
both modes to order 2 against finite differences, jit equal to eager
(test_linalg_checks.check_function). Structured solvers are checked on matrices that do
NOT have the structure, so the finite differences see exactly what scipy reads."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from test_linalg_checks import check_function

import xformad

RNG = np.random.default_rng(7)
N = 3
A = RNG.standard_normal((N, N)) + 3 * np.eye(N)  # well conditioned, no structure
NOISE = RNG.standard_normal((N, N))
SPD_TRIANGLES = A @ A.T + N * np.eye(N) + 0.4 * NOISE  # not symmetric; each triangle is SPD
B = RNG.standard_normal((N, 2))
A_BATCH = RNG.standard_normal((2, N, N)) + 3 * np.eye(N)
B_BATCH = RNG.standard_normal((2, N, 2))
A_COMPLEX = A + 0.5j * RNG.standard_normal((N, N))
B_COMPLEX = B + 0.5j * RNG.standard_normal((N, 2))


def case(name, fn, *args):
    return pytest.param(fn, args, id=name)


CASES = [
    # solve_triangular: every trans, both triangles, unit diagonal, 1-d and batched b
    case("triangular", lambda a, b: scipy.linalg.solve_triangular(a, b), A, B),
    case("triangular-lower-T", lambda a, b: scipy.linalg.solve_triangular(a, b, trans="T", lower=True), A, B),
    case("triangular-trans1", lambda a, b: scipy.linalg.solve_triangular(a, b, trans=1), A, B),
    case("triangular-C-real", lambda a, b: scipy.linalg.solve_triangular(a, b, trans="C", lower=True), A, B),
    case(
        "triangular-C-complex",
        lambda a, b: scipy.linalg.solve_triangular(a, b, trans=2),
        A_COMPLEX,
        B_COMPLEX,
    ),
    case(
        "triangular-N-complex",
        lambda a, b: scipy.linalg.solve_triangular(a, b, trans="N", lower=True),
        A_COMPLEX,
        B_COMPLEX,
    ),
    case(
        "triangular-unit",
        lambda a, b: scipy.linalg.solve_triangular(a, b, lower=True, unit_diagonal=True),
        A,
        B,
    ),
    case("triangular-vector", lambda a, b: scipy.linalg.solve_triangular(a, b, lower=True), A, B[:, 0]),
    case("triangular-batch", lambda a, b: scipy.linalg.solve_triangular(a, b), A_BATCH, B_BATCH),
    case(
        "triangular-broadcast", lambda a, b: scipy.linalg.solve_triangular(a, b, lower=True), A_BATCH, B[:, 0]
    ),
    # solve: each structure read as scipy reads it
    case("solve", lambda a, b: scipy.linalg.solve(a, b), A, B),
    case("solve-vector", lambda a, b: scipy.linalg.solve(a, b), A, B[:, 0]),
    case(
        "solve-gen-transposed", lambda a, b: scipy.linalg.solve(a, b, assume_a="gen", transposed=True), A, B
    ),
    case("solve-sym-upper", lambda a, b: scipy.linalg.solve(a, b, assume_a="sym"), SPD_TRIANGLES, B),
    case(
        "solve-symmetric-lower-transposed",
        lambda a, b: scipy.linalg.solve(a, b, assume_a="symmetric", lower=True, transposed=True),
        SPD_TRIANGLES,
        B,
    ),
    case(
        "solve-her-real", lambda a, b: scipy.linalg.solve(a, b, assume_a="her", lower=True), SPD_TRIANGLES, B
    ),
    case("solve-pos", lambda a, b: scipy.linalg.solve(a, b, assume_a="pos"), SPD_TRIANGLES, B),
    case(
        "solve-positive-definite-lower",
        lambda a, b: scipy.linalg.solve(a, b, assume_a="positive definite", lower=True),
        SPD_TRIANGLES,
        B,
    ),
    case("solve-diagonal", lambda a, b: scipy.linalg.solve(a, b, assume_a="diagonal"), A, B),
    case("solve-tridiagonal", lambda a, b: scipy.linalg.solve(a, b, assume_a="tridiagonal"), A, B),
    case(
        "solve-tridiagonal-transposed",
        lambda a, b: scipy.linalg.solve(a, b, assume_a="tridiagonal", transposed=True),
        A,
        B,
    ),
    case("solve-banded-detected", lambda a, b: scipy.linalg.solve(a, b, assume_a="banded"), A, B),
    case("solve-upper-triangular", lambda a, b: scipy.linalg.solve(a, b, assume_a="upper triangular"), A, B),
    case(
        "solve-lower-triangular-transposed",
        lambda a, b: scipy.linalg.solve(a, b, assume_a="lower triangular", transposed=True),
        A,
        B,
    ),
    case("solve-detects-triangular", lambda a, b: scipy.linalg.solve(a, b), np.triu(A), B),
    case("solve-batch", lambda a, b: scipy.linalg.solve(a, b), A_BATCH, B_BATCH),
    case("solve-broadcast", lambda a, b: scipy.linalg.solve(a, b), A_BATCH, B),
    case("solve-complex", lambda a, b: scipy.linalg.solve(a, b), A_COMPLEX, B_COMPLEX),
    case("solve-complex-sym", lambda a, b: scipy.linalg.solve(a, b, assume_a="sym"), A_COMPLEX, B_COMPLEX),
    case(
        "solve-complex-lower-triangular",
        lambda a, b: scipy.linalg.solve(a, b, assume_a="lower triangular"),
        A_COMPLEX,
        B_COMPLEX,
    ),
    case("solve-1x1", lambda a, b: scipy.linalg.solve(a, b), np.array([[2.5]]), B[:, 0]),
    # inv and det
    case("inv", lambda a: scipy.linalg.inv(a), A),
    case("inv-batch", lambda a: scipy.linalg.inv(a), A_BATCH),
    case("inv-complex", lambda a: scipy.linalg.inv(a), A_COMPLEX),
    case("inv-pos-lower", lambda a: scipy.linalg.inv(a, assume_a="pos", lower=True), SPD_TRIANGLES),
    case("inv-sym", lambda a: scipy.linalg.inv(a, assume_a="sym"), SPD_TRIANGLES),
    case("inv-upper-triangular", lambda a: scipy.linalg.inv(a, assume_a="upper triangular"), A),
    case("inv-diagonal", lambda a: scipy.linalg.inv(a, assume_a="diagonal"), A),
    case("det", lambda a: scipy.linalg.det(a), A),
    case("det-batch", lambda a: scipy.linalg.det(a), A_BATCH),
    case("det-complex", lambda a: scipy.linalg.det(a), A_COMPLEX),
    # solve_banded: tridiagonal (gtsv), general band (gbsv), 1x1
    case(
        "banded-tridiagonal",
        lambda ab, b: scipy.linalg.solve_banded((1, 1), ab, b),
        RNG.standard_normal((3, 4)) + [[0], [4], [0]],
        RNG.standard_normal((4, 2)),
    ),
    case(
        "banded-2-1-vector",
        lambda ab, b: scipy.linalg.solve_banded((2, 1), ab, b),
        RNG.standard_normal((4, 4)) + [[0], [4], [0], [0]],
        RNG.standard_normal(4),
    ),
    case(
        "banded-complex",
        lambda ab, b: scipy.linalg.solve_banded((0, 1), ab, b),
        RNG.standard_normal((2, 3)) + [[0], [3]] + 0.3j,
        B_COMPLEX,
    ),
    case(
        "banded-1x1",
        lambda ab, b: scipy.linalg.solve_banded((0, 2), ab, b),
        np.array([[0.5], [0.7], [2.0]]),
        B[:1],
    ),
    # solve_sylvester
    case("sylvester", lambda a, b, q: scipy.linalg.solve_sylvester(a, b, q), A, A.T + 1.0, NOISE),
    case(
        "sylvester-rectangular",
        lambda a, b, q: scipy.linalg.solve_sylvester(a, b, q),
        A,
        A[:2, :2] + 2.0,
        NOISE[:, :2],
    ),
    case(
        "sylvester-complex",
        lambda a, b, q: scipy.linalg.solve_sylvester(a, b, q),
        A_COMPLEX,
        A.T + 1.0,
        NOISE + 0j,
    ),
]


@pytest.mark.parametrize("fn, args", CASES)
def test_values_gradients_and_jit(fn, args):
    check_function(fn, args)


def _gradient(fn, *args, argnum=0):
    return xformad.grad(
        lambda *xs: np.sum(fn(*xs) * np.arange(1.0, 1.0 + np.size(fn(*xs))).reshape(np.shape(fn(*xs)))),
        argnums=argnum,
    )(*args)


@pytest.mark.parametrize(
    "fn, unread",
    [
        (lambda a: scipy.linalg.solve_triangular(a, B), np.tril(np.ones((N, N)), -1)),
        (
            lambda a: scipy.linalg.solve_triangular(a, B, lower=True, unit_diagonal=True),
            np.triu(np.ones((N, N))),
        ),
        (lambda a: scipy.linalg.solve(a, B, assume_a="pos", lower=True), np.triu(np.ones((N, N)), 1)),
        (lambda a: scipy.linalg.solve(a, B, assume_a="diagonal"), 1 - np.eye(N)),
        (lambda a: scipy.linalg.inv(a, assume_a="sym"), np.tril(np.ones((N, N)), -1)),
    ],
    ids=["triangular-upper", "triangular-unit", "pos-lower", "diagonal", "inv-sym"],
)
def test_entries_scipy_does_not_read_get_zero_gradient(fn, unread):
    grad = _gradient(fn, SPD_TRIANGLES)
    assert np.all(grad[unread == 1] == 0)
    assert np.all(grad[unread == 0] != 0)


def test_banded_corners_get_zero_gradient():
    ab = RNG.standard_normal((4, 5)) + [[0], [0], [5], [0]]  # (l, u) = (1, 2): corners unread
    grad = _gradient(lambda ab: scipy.linalg.solve_banded((1, 2), ab, B[:1].repeat(5, 0)[:, 0]), ab)
    corners = np.zeros_like(ab, dtype=bool)
    corners[0, :2] = corners[1, 0] = corners[3, -1] = True
    assert np.all(grad[corners] == 0) and np.all(grad[~corners] != 0)


def test_accepted_options_change_nothing():
    def both(a, b):
        x1 = scipy.linalg.solve(a, b, overwrite_a=True, overwrite_b=True, check_finite=False)
        x2 = scipy.linalg.solve_triangular(a, b, overwrite_b=True, check_finite=False)
        x3 = scipy.linalg.inv(a, overwrite_a=True, check_finite=False)
        return x1, x2, x3

    check_function(both, (A, B), order=1)


def test_float32_stays_float32():
    a, b = A.astype(np.float32), B.astype(np.float32)
    for fn in (
        lambda a, b: scipy.linalg.solve_triangular(a, b),
        lambda a, b: scipy.linalg.solve(a, b, assume_a="pos"),
        lambda a, b: scipy.linalg.inv(a) @ b,
        lambda a, b: scipy.linalg.solve_sylvester(a, a.T + 1, a) @ b,
    ):
        value, tangent = xformad.jvp(fn, (a, b), (np.ones_like(a), np.ones_like(b)))
        grads = xformad.grad(lambda a, b: np.sum(fn(a, b)), argnums=(0, 1))(a, b)
        assert value.dtype == tangent.dtype == np.float32
        assert all(g.dtype == np.float32 for g in grads)
        np.testing.assert_allclose(value, fn(a, b), rtol=1e-6)
