"""Functions bound by name before the trace (``from math import exp``, ``from numpy import
asarray``) differentiate like their module attributes: the traced function's namespaces
(globals, closures, defaults, three calls deep) hold the interception wrappers for the
length of the trace, and the originals again afterwards."""

from __future__ import annotations

import math
import threading

import numpy as np

import xformad
from tests import prebound_module as user
from xformad.testing import check_grads


def _fd(f, x, eps=1e-6):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def test_from_math_import_differentiates_in_both_modes():
    check_grads(user.model, (0.7,), modes=("fwd", "rev"), order=2)
    assert abs(xformad.grad(user.model)(0.7) - _fd(user.model, 0.7)) < 1e-8


def test_reached_through_a_helper_function():
    assert abs(xformad.grad(user.helper_calls)(0.3) - (-2 * math.exp(-0.3))) < 1e-14


def test_from_numpy_import_asarray_and_stack():
    assert xformad.grad(user.stacked)(1.5) == 5.0


def test_closure_and_default_argument():
    from math import cos

    def with_default(x, c=cos):
        return c(x)

    def closure(x):
        return cos(x) * x

    assert abs(xformad.grad(with_default)(0.4) + math.sin(0.4)) < 1e-15
    assert abs(xformad.grad(closure)(0.4) - (math.cos(0.4) - 0.4 * math.sin(0.4))) < 1e-15


def test_originals_are_back_after_the_trace():
    xformad.grad(user.model)(0.7)
    assert user.exp is math.exp and user.asarray is np.asarray
    assert user.model.__globals__["sin"] is math.sin


def test_under_jit_a_second_input_is_not_stale():
    g = xformad.jit(xformad.grad(user.model))
    for x in (0.7, 1.9, -0.4):
        assert abs(g(x) - xformad.grad(user.model)(x)) < 1e-14
    assert user.exp is math.exp


def test_a_name_rebound_during_the_trace_is_left_rebound():
    namespace = user.model.__globals__
    model = user.model  # reached by name (reach.py does not follow module attributes)

    def rebinding(x):
        namespace["log"] = np.log  # the user's own change wins over the restore
        return model(x)

    try:
        xformad.grad(rebinding)(0.5)
        assert namespace["log"] is np.log
    finally:
        namespace["log"] = math.log


def test_another_thread_calling_the_same_function_gets_plain_numbers():
    seen = []
    started, release = threading.Event(), threading.Event()
    model = user.model

    def slow(x):
        started.set()
        release.wait(5)
        return model(x)

    def other():
        started.wait(5)
        seen.append(user.model(0.7))  # the swapped globals, called outside any trace
        release.set()

    t = threading.Thread(target=other)
    t.start()
    xformad.grad(slow)(0.7)
    t.join()
    assert seen == [math.exp(0.7) * math.sin(0.7) + math.log(1 + 0.49)]
    assert type(seen[0]) is float


def test_a_bound_method_of_an_intercepted_class_attribute_taken_before_the_trace():
    # np.vectorize.__call__ is intercepted on the class; `call` holds the original function
    square = np.vectorize(lambda t: t * t)
    call = square.__call__
    assert xformad.grad(lambda x: np.sum(call(x)))(np.array([1.0, 3.0])).tolist() == [2.0, 6.0]
    assert call.__func__ is np.vectorize.__call__  # the original is back after the trace
