"""Derivatives at zeros, against central finite differences: cumprod where the input holds
zeros (its rules divide by x, exact only up to a row's first zero; beyond it the products
are split, primitives/reductions.py), in both modes and to second order; hypot at the
origin; det at singular matrices (the adjugate); argnums naming an argument twice, refused."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads

from .test_right_aligned_shapes import central_differences

WEIGHTS = np.array([0.7, -1.3, 0.4, 2.0, 0.9])
ROWS = [
    [1.5, 0.0, 2.0],
    [1.5, 0.0, 2.0, 0.0, 3.0],
    [0.0, 2.0, 3.0, 1.0, -1.0],
    [1.2, 2.0, 3.0, 0.5, 0.0],
    [1.2, -2.0, 3.0, 0.5, 0.7],
]


@pytest.mark.parametrize("row", ROWS, ids=[str(r) for r in ROWS])
@pytest.mark.parametrize("scan", [np.cumprod, getattr(np, "cumulative_prod", np.cumprod)])
@pytest.mark.parametrize("mode", ["grad", "jacfwd"])
def test_a_row_with_zeros(row, scan, mode):
    x = np.array(row)

    def f(x):
        return np.sum(scan(x) * WEIGHTS[: len(x)])

    np.testing.assert_allclose(getattr(xformad, mode)(f)(x), central_differences(f, x), atol=1e-8)


@pytest.mark.parametrize("axis", [0, 1])
def test_a_matrix_with_zeros_along_either_axis(axis):
    x = np.array([[1.5, 0.0, 2.0], [0.5, 2.0, 3.0], [0.0, 0.0, 1.0]])
    w = np.arange(1.0, 10.0).reshape(3, 3)

    def f(x):
        return np.sum(np.cumprod(x, axis=axis) * w)

    want = central_differences(f, x)
    np.testing.assert_allclose(xformad.grad(f)(x), want, atol=1e-7)
    np.testing.assert_allclose(xformad.jacfwd(f)(x), want, atol=1e-7)


def test_second_order_across_a_zero():
    def f(x):
        return np.sum(np.cumprod(x) ** 2)

    x = np.array([1.5, 0.0, 2.0, 0.7])
    want = np.array([central_differences(lambda y: xformad.grad(f)(y)[i], x) for i in range(4)])
    np.testing.assert_allclose(xformad.hessian(f)(x), want, atol=1e-7)


def test_nancumprod_skips_a_nan_after_a_zero():
    g = xformad.grad(lambda x: np.sum(np.nancumprod(x)))(np.array([1.5, 0.0, np.nan, 2.0]))
    np.testing.assert_array_equal(g, [1.0, 6.0, 0.0, 0.0])


@pytest.mark.parametrize("argnums", [(0, 0), (0, 1, -2)])
def test_an_argument_named_twice_in_argnums_is_refused(argnums):
    with pytest.raises(xformad.XformadError, match="names an argument twice"):
        xformad.grad(lambda x, y: x * y + x, argnums=argnums)(2.0, 3.0)


def test_hypot_at_the_origin_has_slope_zero_as_abs_does():
    assert xformad.grad(lambda x: np.hypot(x, 0.0))(0.0) == 0.0 == xformad.grad(np.abs)(0.0)
    at_origin = xformad.jacfwd(lambda x: np.hypot(x, np.zeros(2)))(np.zeros(2))
    np.testing.assert_array_equal(at_origin, np.zeros((2, 2)))
    np.testing.assert_allclose(xformad.grad(lambda v: np.hypot(v[0], v[1]))(np.array([3.0, 4.0])), [0.6, 0.8])


SINGULAR = {
    "rank 1 of 2": np.array([[1.0, 2.0], [2.0, 4.0]]),
    "rank 2 of 3": np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]),
    "zero": np.zeros((3, 3)),
}


@pytest.mark.parametrize("name", list(SINGULAR))
@pytest.mark.parametrize("mode", ["grad", "jacfwd"])
def test_det_at_a_singular_matrix_is_the_adjugate(name, mode):
    a = SINGULAR[name]
    want = central_differences(np.linalg.det, a)
    np.testing.assert_allclose(getattr(xformad, mode)(np.linalg.det)(a), want, atol=1e-7)


def test_det_of_a_stack_with_one_singular_member():
    stack = np.stack([SINGULAR["rank 1 of 2"], np.array([[2.0, 1.0], [0.0, 3.0]])])
    got = xformad.grad(lambda s: np.sum(np.linalg.det(s)))(stack)
    np.testing.assert_allclose(got[0], [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)
    np.testing.assert_array_equal(got[1], [[3.0, -0.0], [-1.0, 2.0]])  # the inverse's, exactly


def test_second_order_of_det_at_a_singular_matrix():
    hessian = xformad.hessian(np.linalg.det)(SINGULAR["rank 1 of 2"]).reshape(4, 4)
    want = np.array([[0, 0, 0, 1], [0, 0, -1, 0], [0, -1, 0, 0], [1, 0, 0, 0]], dtype=float)
    np.testing.assert_allclose(hessian, want, atol=1e-12)


def test_heaviside_is_its_second_argument_where_the_first_is_zero():
    x1 = np.array([0.0, 1.0, 0.0, -2.0])
    g = xformad.grad(lambda h: np.sum(np.heaviside(x1, h)))(0.3)
    assert g == 2.0  # the two zeros of x1 take h itself
    np.testing.assert_array_equal(xformad.grad(lambda x: np.sum(np.heaviside(x, 0.5)))(x1), np.zeros(4))


def test_complex_sign_is_z_over_its_modulus():
    # numpy >= 2: sign(z) = z / |z|, smooth away from 0 (real sign stays flat)
    check_grads(lambda v: np.real(np.sign(v[0] + 1j * v[1])), (np.array([0.3, 4.0]),))
    check_grads(np.sign, (np.array([0.3 + 4j, -1 - 0.5j, 2 + 0j]),))
    np.testing.assert_array_equal(xformad.jacfwd(np.sign)(np.array([0j, 1 + 1j]))[0], [0, 0])


@pytest.mark.parametrize(
    "x", [[2.0, 0.0], [1.5, 0.0, 2.0, 0.0, 3.0], [0.0, 0.0, 1.0], [0.5, 1.2, -0.7, 2.0]], ids=str
)
def test_cumprod_is_exact_at_zeros_to_third_order(x):
    # the rules are recurrences of products, polynomial identities: no division, no split
    # of the row at its first zero whose own derivative would drop terms
    check_grads(np.cumprod, (np.array(x),), order=3)
    h = xformad.hessian(lambda x: np.cumprod(x)[-1])(np.array([2.0, 0.0]))
    np.testing.assert_array_equal(h, [[0.0, 1.0], [1.0, 0.0]])


def test_std_of_single_elements_has_zero_gradient():
    # std over one element is identically 0: gradient 0, not sqrt's slope times 0 (autograd)
    assert xformad.grad(np.std)(3.5) == 0.0
    np.testing.assert_array_equal(xformad.grad(lambda x: np.sum(np.std(x, axis=0)))(np.ones((1, 3))), 0)
    check_grads(lambda x: np.std(x, axis=1), (np.array([[0.3, -1.2, 2.0]]),))
    mask = np.array([[1.0, np.nan], [1.0, 1.0]])  # the second column keeps one value
    g = xformad.grad(lambda x: np.sum(np.nanstd(x * mask, axis=0)))(np.array([[0.5, 0.7], [1.5, 0.9]]))
    np.testing.assert_allclose(g, [[-0.5, 0.0], [0.5, 0.0]])


def test_polynomial_features_differentiate_at_zero_to_third_order():
    # x ** np.arange(d): 0 ** 0 has slope 0 (y * 0 ** -1 would be 0 * inf)
    c = np.array([1.0, 2.0, 3.0, 4.0])
    f = lambda x: np.sum(c * x[:, None] ** np.arange(4))  # noqa: E731
    np.testing.assert_array_equal(xformad.grad(f)(np.array([0.0, 0.5])), [2.0, 8.0])
    check_grads(f, (np.array([0.0, 0.5]),), order=3)
    check_grads(lambda x: np.power(x, np.array([1.0, 2.0, 3.0])), (np.zeros(3),), order=3)
    check_grads(lambda x, y: np.power(x, y), (np.array([2.0, 0.5]), np.zeros(2)), order=2)  # d2/dxdy at y = 0


@pytest.mark.parametrize(
    "a",
    [
        np.zeros((2, 2)),
        np.zeros((3, 3)),
        np.outer([1.0, 2.0, -1.0], [0.5, 1.0, 3.0]),  # rank 1
        np.array([[-1.0, -1.0, -1.0], [-2.0, 1.0, 1.0], [-1.0, -2.0, -2.0]]),  # numpy's det: 1e-15
        np.array([[1.0, 2.0], [2.0, 4.0 + 1e-7]]),  # nearly singular
    ],
    ids=["zeros2", "zeros3", "rank1", "equal-columns", "near-singular"],
)
def test_det_is_exact_at_singular_matrices_to_third_order(a):
    # det is a polynomial: its cofactors (up to 3x3 written as products of entries) give
    # every order at every point, without a solve that raises or loses its digits
    check_grads(np.linalg.det, (a,), order=3)
    check_grads(lambda x: np.linalg.det(x @ x.T), (a,), order=2)


def test_det_of_a_singular_4x4_integer_matrix_has_its_cofactors_as_gradient():
    b = np.array([[1.0, 2, 3, 4], [1, 3, 4, 6], [0, 1, 1, 2], [3, 1, 4, 1]])  # row 1 = row 0 + row 2
    check_grads(np.linalg.det, (b,), order=1)
