"""Values whose shapes differ by leading length-1 axes, as numpy aligns them (on the right):
a (n,) tangent of a (1, n) value, a (1, n) value written into an (n,) slot, a rule's
lower-rank cotangent. Every result against central finite differences, in both modes; and
conversions that would drop a derivative (object arrays) refused."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.errors import TracerConversionError


def central_differences(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


X1 = np.array([[0.3, -0.2]])
W = np.array([[1.0, 2.0]])


def row_minus_vector(mu):
    return np.sum((X1 - mu) ** 2 * W)  # (1, 2) - (2,): mu's tangent is a row, not a sum


def row_written_into_vector(x):
    a = np.zeros(3)
    a[:] = x  # x is (1, 3): numpy drops the leading 1
    return np.sum(a * np.array([1.0, 2.0, 3.0]))


def rnn_with_a_row_state(w):
    xs = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
    states = np.zeros((4, 3))
    h = np.zeros((1, 3))
    for t in range(4):
        h = np.tanh(h @ w + xs[t : t + 1])
        states[t] = h  # a (1, 3) state into a (3,) row
    return np.sum(states**2)


CASES = [
    (row_minus_vector, np.array([0.5, -1.0])),
    (row_written_into_vector, np.array([[0.2, 0.9, -0.4]])),
    (rnn_with_a_row_state, np.array([[0.4, -0.3, 0.2], [0.1, 0.5, -0.2], [-0.3, 0.2, 0.6]])),
]


@pytest.mark.parametrize("f, x", CASES, ids=[f.__name__ for f, _ in CASES])
@pytest.mark.parametrize("mode", ["grad", "jacfwd", "jacrev"])
def test_gradient_agrees_with_finite_differences(f, x, mode):
    got = getattr(xformad, mode)(f)(x)
    np.testing.assert_allclose(got, central_differences(f, x), rtol=1e-6, atol=1e-8)


def test_hessian_of_a_row_minus_a_vector():
    np.testing.assert_allclose(xformad.hessian(row_minus_vector)(np.array([0.5, -1.0])), np.diag([2.0, 4.0]))


def test_tangent_of_a_vector_broadcast_to_a_row():
    _, tangent = xformad.jvp(
        lambda m: (np.zeros((1, 2)) + m).T, (np.array([0.5, -1.0]),), (np.array([1.0, 0.0]),)
    )
    np.testing.assert_array_equal(tangent, [[1.0], [0.0]])


def test_a_custom_vjp_cotangent_of_lower_rank_is_broadcast():
    @xformad.custom_vjp
    def weighted(a):
        return np.sum(a * np.array([[1.0, 2.0]]))

    weighted.defvjp(lambda a: (weighted(a), None), lambda res, g: (g * np.array([1.0, 2.0]),))
    np.testing.assert_array_equal(xformad.grad(weighted)(np.array([[0.1, 0.2]])), [[1.0, 2.0]])


def test_vmap_of_a_row_written_into_a_matrix_row():
    def f(x):
        b = np.zeros((2, 3))
        b[1] = x  # x is (1, 3)
        return np.sum(b * np.arange(6.0).reshape(2, 3))

    xs = np.arange(12.0).reshape(4, 1, 3)
    np.testing.assert_array_equal(xformad.vmap(f)(xs), [f(x) for x in xs])


@pytest.mark.parametrize(
    "f",
    [
        lambda x: np.array([x[0], x[1]], dtype=object).sum(),
        lambda x: np.asarray(x, dtype=object).sum(),
        lambda x: x.astype(object).sum(),
        lambda x: np.sum(x.astype(str) == "0.1"),
    ],
    ids=["array of traced elements", "asarray", "astype", "text"],
)
def test_an_object_or_text_array_of_traced_values_is_refused(f):
    with pytest.raises(TracerConversionError, match="numeric array"):
        xformad.grad(f)(np.array([0.1, 0.2]))


def test_nextafter_has_slope_one_in_x_and_none_in_y():
    x = np.array([0.5, 0.7, -3.0])
    y = np.array([2.0, -2.0, 0.0])
    np.testing.assert_array_equal(xformad.grad(lambda x: np.sum(np.nextafter(x, y)))(x), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(xformad.grad(lambda y: np.sum(np.nextafter(x, y)))(y), [0.0, 0.0, 0.0])
    f = lambda x: np.sum(np.nextafter(x, y) ** 2)  # noqa: E731
    np.testing.assert_allclose(xformad.grad(f)(x), central_differences(f, x), rtol=1e-6)


@pytest.mark.parametrize("cotangent", [lambda g: g, lambda g: g * np.ones(2)], ids=["scalar", "wrong length"])
def test_a_custom_vjp_cotangent_smaller_or_unrelated_is_refused(cotangent):
    @xformad.custom_vjp
    def doubled_sum(x):
        return np.sum(2.0 * x)

    doubled_sum.defvjp(lambda x: (doubled_sum(x), None), lambda res, g: (cotangent(g),))
    with pytest.raises(xformad.XformadError, match=r"shaped like the value"):
        xformad.grad(doubled_sum)(np.ones(3))
