"""ufunc.at for every ufunc: numpy's values bit for bit (each naming of a position applied
in the index's order, repeated names included) and derivatives against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.errors import TracerConversionError
from xformad.testing import check_grads

BINARY = [np.add, np.subtract, np.multiply, np.divide, np.maximum, np.minimum, np.power]
INDICES = [  # (target shape, index, values shape)
    ((5,), [0, 2, 0, 0, 4], (5,)),
    ((5,), np.array([[0, 1], [1, 1]]), (2, 2)),
    ((3, 3), (np.array([0, 0, 1]), np.array([1, 1, 2])), (3,)),
    ((2, 3), (slice(None), [0, 0]), (2, 2)),
    ((5,), [1, 1], ()),  # one value broadcast to every naming
    ((5,), slice(1, 4), (3,)),
    ((4,), [], (0,)),
]


def _updated(ufunc, index, values=None):
    def f(x):
        y = np.copy(x)  # traced, or an array made inside: writable with traced values
        ufunc.at(y, index, *(() if values is None else (values,)))
        return y

    return f


@pytest.mark.parametrize("ufunc", BINARY, ids=lambda u: u.__name__)
@pytest.mark.parametrize(("shape", "index", "vshape"), INDICES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_are_numpys(ufunc, shape, index, vshape, dtype):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 2.0, size=shape).astype(dtype)
    v = rng.uniform(0.5, 2.0, size=vshape)  # float64 values into a float32 target too
    f = _updated(ufunc, index, v)
    expected = f(x)
    got = xformad.vjp(f, x)[0]
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("ufunc", BINARY, ids=lambda u: u.__name__)
@pytest.mark.parametrize(("shape", "index", "vshape"), INDICES[:5])
def test_derivatives_match_finite_differences(ufunc, shape, index, vshape):
    rng = np.random.default_rng(1)
    x = rng.permutation(np.prod(shape)).reshape(shape) * 0.31 + 0.6  # no ties for max/min
    v = rng.permutation(max(1, np.prod(vshape))).reshape(vshape) * 0.29 + 0.75
    check_grads(_updated(ufunc, index, v), (x,))
    check_grads(lambda v: _updated(ufunc, index, v)(x), (v,))


@pytest.mark.parametrize("ufunc", [np.negative, np.sin, np.exp], ids=lambda u: u.__name__)
def test_unary_ufuncs_apply_once_per_naming(ufunc):
    x = np.array([0.3, 0.7, -0.2, 1.1])
    f = _updated(ufunc, [0, 0, 3, 0])
    np.testing.assert_array_equal(xformad.vjp(f, x)[0], f(x))
    check_grads(f, (x,))


def test_repeated_products_differentiate_in_both_arguments():
    def f(x):
        y = x * 1.0
        np.multiply.at(y, [0, 0], x[:2])  # y0 = x0 * x0 * x1
        return np.sum(y)

    np.testing.assert_allclose(xformad.grad(f)(np.full(3, 2.0)), [8.0, 5.0, 1.0])


def test_jit_with_a_traced_index_follows_the_index():
    def loss(x, v, idx):
        y = x * 1.0
        np.maximum.at(y, idx, v)
        np.multiply.at(y, idx[::-1], v)
        return np.sum(y**2)

    x, v = np.linspace(0.1, 1.0, 5), np.array([0.5, 2.0, 0.7])
    eager = xformad.grad(loss, argnums=(0, 1))
    compiled = xformad.jit(eager, compile_after=0)
    for idx in ([0, 0, 1], [2, 3, 2], [0, 0, 1], [4, 4, 4]):
        for a, b in zip(compiled(x, v, np.array(idx)), eager(x, v, np.array(idx))):
            np.testing.assert_array_equal(a, b)

    def ranked(x):  # the index itself computed from traced values
        y = np.zeros(3)
        np.maximum.at(y, np.argsort(x)[:3] % 3, x[:3])
        return np.sum(y * np.array([1.0, 2.0, 3.0]))

    compiled = xformad.jit(xformad.grad(ranked), compile_after=0)
    for x in ([3.0, 1.0, 2.0, 0.5, 4.0], [0.1, 0.2, 0.3, 0.4, 0.5], [3.0, 1.0, 2.0, 0.5, 4.0]):
        np.testing.assert_array_equal(compiled(np.array(x)), xformad.grad(ranked)(np.array(x)))


OUTSIDE = np.ones(3)


def test_refusals_say_what_to_do():
    with pytest.raises(TracerConversionError, match="Make the target traced"):
        xformad.grad(lambda x: (np.multiply.at(OUTSIDE, [0], x), 0.0)[1])(1.0)
    with pytest.raises(ValueError, match="second operand provided"):  # numpy's own check
        xformad.grad(lambda x: (np.sin.at(x * 1.0, [0], 2.0), np.sum(x))[1])(np.ones(3))
