"""The transform API's bad input gets XformadErrors that say what to do, and values Python
code looks at (a formatted string, str(), .item()) are guarded: jit never serves a branch
decided on another input's value, and vmap refuses members that would take another."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.errors import (
    BatchingError,
    NonScalarOutputError,
    UnknownBackend,
    UnsupportedOperation,
    XformadError,
)


def test_a_formatted_value_the_program_branches_on_is_guarded_under_jit():
    def f(x):
        return x * 2.0 if f"{x:.0f}" == "1" else x

    fast = xformad.jit(f, compile_after=0)
    assert [fast(v) for v in (1.0, 2.0, 1.0, 3.0)] == [f(v) for v in (1.0, 2.0, 1.0, 3.0)]

    def g(x):
        return x * 2.0 if str(x).startswith("1") else x

    assert xformad.grad(g)(1.0) == 2.0
    fast = xformad.jit(g, compile_after=0)
    assert [fast(v) for v in (1.0, 2.0)] == [2.0, 2.0]

    def labelled(x):
        return f"{x:.2f}", x * 2.0

    fast = xformad.jit(labelled, compile_after=0)
    assert fast(1.0) == ("1.00", 2.0) and fast(2.0) == ("2.00", 4.0)


def test_item_of_an_integer_value_is_guarded_under_jit():
    fast = xformad.jit(lambda x: x * np.argmax(x).item(), compile_after=0)
    a, b = np.array([1.0, 2.0, 0.0]), np.array([0.0, 2.0, 3.0])
    np.testing.assert_array_equal(fast(a), a * 1)
    np.testing.assert_array_equal(fast(b), b * 2)
    counted = xformad.jit(lambda x: x * (x > 1).sum().item(), compile_after=0)
    np.testing.assert_array_equal(counted(a), a * 1)
    np.testing.assert_array_equal(counted(b), b * 2)


def test_vmap_refuses_members_whose_observed_values_differ():
    xs = np.arange(6.0).reshape(3, 2)
    with pytest.raises(xformad.errors.BatchedControlFlowError, match="item"):
        xformad.vmap(lambda x, n: x * n.item())(xs, np.array([1, 2, 3]))
    same = xformad.vmap(lambda x, n: x * n.item())(xs, np.array([2, 2, 2]))
    np.testing.assert_array_equal(same, xs * 2)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix itself
def test_inputs_whose_arithmetic_is_not_ndarrays_are_refused():
    masked = np.ma.masked_array([1.0, 2.0], mask=[0, 1])
    with pytest.raises(xformad.errors.NonDifferentiableInputError, match="masked"):
        xformad.value_and_grad(np.mean)(masked)
    with pytest.raises(xformad.errors.NonDifferentiableInputError, match="matrix"):
        xformad.grad(lambda m: np.sum(m**2))(np.matrix([[1.0, 2.0], [3.0, 4.0]]))


@pytest.mark.parametrize("out", [None, [1.0], (1.0,), {"a": 1.0}, "s"], ids=repr)
def test_grad_of_a_function_returning_no_scalar_is_refused(out):
    with pytest.raises(NonScalarOutputError, match="return"):
        xformad.grad(lambda x: out if out is not None else None)(1.0)


def test_complex_tangents_of_real_values_are_refused():
    with pytest.raises(XformadError, match="complex"):
        xformad.jvp(lambda x: x**2, (1.0,), (1j,))
    _, back = xformad.vjp(lambda x: x**2, 1.0)
    with pytest.raises(XformadError, match="complex"):
        back(1j)
    with pytest.raises(xformad.errors.ComplexOutputError):
        xformad.elementwise_grad(lambda x: x * 1j)(np.ones(2))
    with pytest.raises(XformadError, match="str"):
        xformad.jvp(lambda x: (x, "s"), (1.0,), (1.0,))


def test_argnums_forms():
    f = lambda a, b: a * b  # noqa: E731
    assert xformad.grad(f, argnums=np.int64(1))(2.0, 3.0) == 2.0  # one int: one gradient
    for bad in (None, 0.0, True):
        with pytest.raises(XformadError, match="argnums must be an int"):
            xformad.grad(f, argnums=bad)(2.0, 3.0)
    with pytest.raises(XformadError, match="static_argnums=3"):
        xformad.jit(lambda x: x, static_argnums=3)(1.0)


@pytest.mark.parametrize("transform", ["grad", "vmap", "jit", "jacrev", "hessian"])
def test_a_non_function_is_refused_where_the_transform_is_made(transform):
    with pytest.raises(XformadError, match="expects a function"):
        getattr(xformad, transform)(3)


def test_option_checks():
    with pytest.raises(BatchingError, match="axis_size"):
        xformad.vmap(lambda: np.zeros(()), in_axes=(), axis_size=-1)()
    with pytest.raises(UnknownBackend, match="tpu"):
        xformad.jit(lambda x: x, backend="tpu")
    with pytest.raises(XformadError, match="tuples"):
        xformad.hvp(lambda x: np.sum(x**3), np.ones(2), np.ones(2))


def test_checkpoint_of_a_function_drawing_random_numbers_is_refused():
    np.random.seed(0)
    block = xformad.checkpoint(lambda x: x * np.random.rand(2))
    with pytest.raises(UnsupportedOperation, match="random"):
        xformad.value_and_grad(lambda x: np.sum(block(x)))(np.ones(2))


def test_integer_values_convert_to_python_numbers_guarded():
    def f(x):
        k = np.argmax(x)
        return x * float(k) + x[np.array(np.argsort(x).tolist())]

    fast = xformad.jit(f, compile_after=0)
    for x in (np.array([1.0, 3.0, 2.0]), np.array([3.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0])):
        np.testing.assert_array_equal(fast(x), f(x))
        np.testing.assert_allclose(xformad.jacrev(f)(x), xformad.jacfwd(f)(x))


def test_round_of_a_scalar_is_a_python_int_guarded():
    table = {3: 10.0, 2: 20.0}

    def f(x):
        return x * table[round(x)]  # a dict key, as with a numpy scalar

    assert xformad.grad(f)(2.6) == 10.0 and xformad.grad(f)(2.4) == 20.0
    fast = xformad.jit(f, compile_after=0)
    assert [fast(v) for v in (2.6, 2.4, 2.7)] == [f(v) for v in (2.6, 2.4, 2.7)]
    with pytest.raises(TypeError):  # numpy: arrays, 0-d ones too, have no __round__
        xformad.grad(lambda x: x * round(x))(np.array(2.6))
