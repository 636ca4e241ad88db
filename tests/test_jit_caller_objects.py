"""What jit hands back and what it must not skip: results the caller may write into,
arguments the function writes into, static values that == confuses, and configs held in
library attribute bags."""

from __future__ import annotations

import argparse
import re
import types

import numpy as np
import pytest

import xformad
from xformad.errors import ImpureFunctionError
from xformad.transforms.custom import CustomRuleError

X = np.array([0.5, 1.5, -2.0])


@pytest.mark.parametrize("compile_after", [0, 1])
def test_writing_into_a_result_does_not_change_later_calls(compile_after):
    g = xformad.jit(xformad.grad(lambda x: np.sum(2.0 * x)), compile_after=compile_after)
    for _ in range(3):
        first = g(X)
        first *= 10.0  # an ordinary in-place use of a gradient
    np.testing.assert_array_equal(g(X), np.full(3, 2.0))
    h = xformad.jit(xformad.hessian(lambda x: np.sum(x**2)), compile_after=compile_after)
    for _ in range(3):
        h(X)[...] += 100.0
    np.testing.assert_array_equal(h(X), 2 * np.eye(3))
    f = xformad.jit(lambda x: (np.sum(x), np.zeros(3)), compile_after=compile_after)
    for _ in range(3):
        f(X)[1][0] = 7.0
    np.testing.assert_array_equal(f(X)[1], np.zeros(3))


def _step(w, g):
    w -= 0.1 * g
    return np.sum(w**2)


def _append(x, log):
    log.append(1.0)
    return np.sum(x) * len(log)


def _write_other(x, y):
    y[0] += 1.0
    return np.sum(x * y)


@pytest.mark.parametrize(
    ("fn", "args", "name"),
    [
        (_step, (np.array([1.0, 2.0]), np.ones(2)), "argument 0 (w)"),
        (_append, (np.ones(2), [0.0]), "argument 1 (log)"),
        (xformad.grad(_write_other), (np.ones(3), np.arange(3.0)), "argument 1"),
    ],
)
def test_a_function_writing_into_its_argument_is_refused(fn, args, name):
    with pytest.raises(ImpureFunctionError, match=rf"writes into its {re.escape(name)}.*in place") as info:
        xformad.jit(fn, compile_after=0)(*args)
    assert "Return the new value instead" in str(info.value)


def test_on_impure_eager_runs_the_writes_as_numpy_does():
    w, expected = np.array([1.0, 2.0]), np.array([1.0, 2.0])
    g = np.array([1.0, 1.0])
    jitted = xformad.jit(_step, compile_after=0, on_impure="eager")
    with pytest.warns(xformad.compile.RetraceWarning):
        jitted(w, g)
    for _ in range(5):
        got = jitted(w, g)
    for _ in range(6):
        want = _step(expected, g)
    np.testing.assert_array_equal(w, expected)
    assert got == want


def test_static_values_that_compare_equal_are_told_apart():
    x = np.array([1.0, 2.0])
    f = xformad.jit(lambda x, s: np.sum(x) + np.arctan2(0.0, s), static_argnums=1, compile_after=0)
    f(x, 0.0)
    assert f(x, -0.0) == np.sum(x) + np.pi
    k = xformad.jit(lambda x, s=0.0: np.sum(x) * np.copysign(1.0, s), compile_after=0)
    k(x, s=0.0)
    assert k(x, s=-0.0) == -3.0
    g = xformad.jit(lambda x, shape: (x * 2.0, np.array(shape)), static_argnums=1, compile_after=0)
    g(x, (1, 2))
    assert g(x, (1.0, 2))[1].dtype == np.float64


@pytest.mark.parametrize("make", [lambda: argparse.Namespace(lr=2.0), lambda: types.SimpleNamespace(lr=2.0)])
def test_a_config_in_a_library_namespace_is_checked(make):
    cfg = make()
    g = xformad.jit(xformad.grad(lambda x: cfg.lr * np.sum(x**2)), compile_after=0)
    np.testing.assert_array_equal(g(X), 4.0 * X)
    cfg.lr = 5.0
    np.testing.assert_array_equal(g(X), 10.0 * X)


SCALE = bytearray(b"\x02")


def test_a_global_bytearray_changed_in_place_is_checked():
    f = xformad.jit(lambda x: np.sum(x) * SCALE[0], compile_after=0)
    assert f(X) == np.sum(X) * 2
    SCALE[0] = 3
    assert f(X) == np.sum(X) * 3


def test_an_integer_nondiff_argument_under_jit_says_to_mark_it_static():
    @xformad.custom_vjp(nondiff_argnums=(0,))
    def power(n, x):
        return x**n

    power.defvjp(lambda n, x: (x**n, x), lambda n, r, g: (g * n * r ** (n - 1),))
    loss = xformad.grad(lambda n, x: np.sum(power(n, x)), argnums=1)
    np.testing.assert_array_equal(loss(2, X), 2 * X)
    with pytest.raises(CustomRuleError, match="static_argnums"):
        xformad.jit(loss, compile_after=0)(2, X)
    np.testing.assert_array_equal(xformad.jit(loss, static_argnums=0, compile_after=0)(2, X), 2 * X)
