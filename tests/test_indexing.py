"""Indexing: x[idx] and the functional x[idx] = v / x[idx] += v on traced arrays, for
basic, advanced (fancy), boolean-mask, negative and mixed basic+advanced indices.

Every case checks the value against numpy running the same code on plain arrays, and the
derivatives in both modes against finite differences, to order 2.
"""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.errors import TracerConversionError, XformadError
from xformad.testing import check_grads

RNG = np.random.default_rng(11)


def check(fn, *args):
    y, _ = xformad.jvp(fn, args, tuple(np.zeros_like(a) for a in args))
    np.testing.assert_allclose(y, fn(*args), rtol=1e-13)
    check_grads(fn, args, modes=("fwd", "rev"), order=2)


I = np.array  # noqa: E741  (short: index arrays in the table below)

GETITEM = {
    "int": lambda x: x[1],
    "negative-int": lambda x: x[-1, -2],
    "slice": lambda x: x[1:3],
    "negative-step": lambda x: x[::-1, -1:0:-2],
    "ellipsis": lambda x: x[..., 0],
    "newaxis": lambda x: x[None, :, 1, None],
    "array": lambda x: x[I([0, 2])],
    "list": lambda x: x[[2, 0]],
    "negative-duplicate-array": lambda x: x[I([-1, 0, -1, -1])],
    "array-pairs": lambda x: x[I([0, 1, 2]), I([3, -1, 0])],
    "array-broadcast": lambda x: x[I([[0], [2]]), I([1, 3, 3])],
    "slice-then-array": lambda x: x[1:, I([0, 2, 0])],
    "array-then-slice": lambda x: x[I([2, 0]), 1:3],
    "ellipsis-array": lambda x: x[..., I([3, 1])],
    "array-newaxis": lambda x: x[I([1, 1]), None, :2],
    "bool-mask": lambda x: x[x > 0],
    "bool-mask-const": lambda x: x[I([[True, False, True, False]] * 3)],
    "bool-rows": lambda x: x[I([True, False, True])],
    "bool-cols-slice": lambda x: x[1:, I([False, True, True, False])],
    "bool-rows-array": lambda x: x[I([True, False, True]), I([0, -1])],
    "traced-index": lambda x: x[np.argsort(x[:, 0])],
    "traced-scalar-index": lambda x: x[np.argmax(x[:, 1])] * x[:, np.argmin(x[0])][0],
    "nonzero-index": lambda x: x[np.nonzero(x[:, 0] > 0)[0], 1:],
}

GETITEM_3D = {
    "separated-arrays-move-front": lambda x: x[I([0, 1]), :, I([2, 1])],
    "int-slice-array": lambda x: x[0, :, I([1, 2, 1])],
    "adjacent-arrays": lambda x: x[:, I([0, 1, 1]), I([2, 0, 0])],
    "bool-2d-mask": lambda x: x[x[..., 0] > 0],
    "ellipsis-mask": lambda x: x[..., I([True, False, True, True])],
}


@pytest.mark.parametrize("name", sorted(GETITEM))
def test_getitem(name):
    check(GETITEM[name], RNG.standard_normal((3, 4)))


@pytest.mark.parametrize("name", sorted(GETITEM_3D))
def test_getitem_3d(name):
    check(GETITEM_3D[name], RNG.standard_normal((2, 3, 4)))


def _setter(index, op="set"):
    """y = copy of x; y[index] (op)= v; a function of (x, v)."""

    def fn(x, v):
        y = x * 1.0
        idx = index(y) if callable(index) else index
        if op == "set":
            y[idx] = v
        elif op == "add":
            y[idx] += v
        else:
            y[idx] *= v
        return y * 1.5

    return fn


SETITEM = {
    "int": (_setter(1), ()),
    "negative-int": (_setter((-1, -2)), ()),
    "row": (_setter(0), (4,)),
    "slice-broadcast-scalar": (_setter(slice(1, 3)), ()),
    "slice-broadcast-row": (_setter(slice(1, 3)), (4,)),
    "column": (_setter((slice(None), 0)), (3,)),
    "negative-step": (_setter((slice(None, None, -1), -1)), (3,)),
    "ellipsis": (_setter((Ellipsis, 2)), ()),
    "array": (_setter(I([0, 2])), (2, 4)),
    "negative-array": (_setter((I([-1, 0]), I([-1, -2]))), (2,)),
    "mixed-slice-array": (_setter((slice(1, None), I([0, 3]))), (2, 2)),
    "mixed-array-slice-bcast": (_setter((I([2, 0]), slice(None, 2))), (2,)),
    "duplicate-array-last-wins": (_setter(I([1, 1, 0])), (3, 4)),
    "duplicate-scalar-value": (_setter((I([0, 0, 2]), I([1, 1, 3]))), ()),
    "bool-mask-scalar": (_setter(lambda y: y > 0), ()),
    "bool-rows": (_setter(I([True, False, True])), (4,)),
    "iadd-slice": (_setter(slice(1, 3), "add"), (4,)),
    "iadd-array": (_setter((I([0, 2]), I([1, -1])), "add"), (2,)),
    "iadd-duplicate-buffered": (_setter(I([0, 0, 2]), "add"), (3, 4)),
    "imul-mask": (_setter(lambda y: y < 0, "mul"), ()),
    "traced-index": (_setter(lambda y: np.argsort(y[:, 0])[:2]), (2, 4)),
}


@pytest.mark.parametrize("name", sorted(SETITEM))
def test_setitem(name):
    fn, v_shape = SETITEM[name]
    check(fn, RNG.standard_normal((3, 4)), RNG.standard_normal(v_shape) if v_shape else np.float64(0.7))


def test_mask_assignment_with_values_vector():
    x = np.array([0.5, -1.0, 2.0, -3.0])

    def f(x, v):
        y = x * 1.0
        y[y < 0] = v  # v has one value per True
        return y

    check(f, x, np.array([10.0, 20.0]))


def test_relu_by_mask_assignment_has_exact_gradient():
    def relu(x):
        y = x * 1.0
        y[y < 0] = 0.0
        return np.sum(y**2)

    x = np.array([-1.0, 2.0, -3.0, 0.5])
    np.testing.assert_allclose(xformad.grad(relu)(x), [0.0, 4.0, 0.0, 1.0])


def test_duplicate_gather_indices_accumulate_in_reverse_mode():
    x = np.array([1.0, 2.0, 3.0])
    g = xformad.grad(lambda x: np.sum(x[I([0, 0, 2, -3])] * I([1.0, 10.0, 100.0, 1000.0])))(x)
    np.testing.assert_allclose(g, [1011.0, 0.0, 100.0])
    jac = xformad.jacfwd(lambda x: x[I([0, 0, 2])])(x)
    np.testing.assert_allclose(jac, np.eye(3)[[0, 0, 2]])


def test_duplicate_assignment_matches_numpy_last_write_wins():
    def f(v):
        y = np.zeros_like(v) * 1.0
        y[I([1, 1, 0])] = v
        return y

    v = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(f(v), [3.0, 2.0, 0.0])
    want = np.array([[0, 0, 1], [0, 1, 0], [0, 0, 0]], dtype=float)
    np.testing.assert_allclose(xformad.jacrev(f)(v), want)
    np.testing.assert_allclose(xformad.jacfwd(f)(v), want)


def test_add_at_accumulates():
    def f(x, v):
        y = x * 1.0
        np.add.at(y, I([0, 0, 2]), v)
        np.subtract.at(y, (I([1]),), v[0])
        return y

    check(f, RNG.standard_normal(3), RNG.standard_normal(3))


def test_in_place_arithmetic_keeps_identity():
    def f(x):
        y = x * 1.0
        alias = y
        y *= 2.0
        y[0] += x[1]
        return alias

    check(f, RNG.standard_normal(3))


def test_non_integer_index_array_says_what_to_do():
    with pytest.raises(XformadError, match="astype\\(int\\)"):
        xformad.grad(lambda x: np.sum(x[I([0.0, 1.0])]))(np.ones(3))


def test_writing_traced_value_into_plain_array_names_the_fix():
    out = np.zeros(3)  # made outside the traced function

    def f(x):
        out[0] = x
        return np.sum(out)

    with pytest.raises(TracerConversionError, match="np.zeros_like"):
        xformad.grad(f)(1.0)


def test_cumsum_then_index_second_order():
    check(lambda x: np.cumsum(x, axis=1)[:, I([0, -1])] ** 2, RNG.standard_normal((2, 3)))
