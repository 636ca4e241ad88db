"""Lists where numpy expects arrays, np.r_/np.c_, np.float64(x), np.vectorize and
np.frompyfunc on traced values (xformad/numpy_api/lists.py, scalar_types.py, pyfuncs.py):
values against numpy's own, derivatives against central finite differences."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads

X = np.array([0.3, -1.2, 0.8])


@np.vectorize  # made at import, before any trace: reached through np.vectorize.__call__
def _soft_abs(v):
    return math.sqrt(v * v + 0.1) if v > -5 else -v


_pair = np.frompyfunc(lambda a, b: a * math.exp(-b * b), 2, 1)

CASES = {
    "sum-list": lambda x: np.sum([x[0], x[1] ** 2]) + np.sum([x, 2 * x]),
    "mean-axis0": lambda x: np.sum(np.mean([x, x**2, np.sin(x)], axis=0) ** 2),
    "average-weights": lambda x: np.average(x, weights=[x[0] ** 2, 1.0, 2.0]),
    "norm-list": lambda x: np.linalg.norm([x[0], x[1], 1.0]),
    "det-nested": lambda x: np.linalg.det([[x[0], x[1]], [x[2], 2.0]]),
    "polyval-coefficients": lambda x: np.polyval([x[0], x[1], 1.0], x[2]),
    "stack-nested-scalars": lambda x: np.sum(np.stack([[x[0], x[1]], [x[2], 1.0]]) ** 2),
    "vstack-nested-scalars": lambda x: np.sum(np.vstack([[x[0], 2.0], [x[1], x[2]]]) ** 3),
    "dot-lists": lambda x: np.dot([x[0], x[1]], [x[2], 3.0]),
    "r_": lambda x: np.sum(np.r_[x, 1.0, x[:2] ** 2] ** 2),
    "c_": lambda x: np.sum(np.c_[x, x**2] @ np.array([1.0, 2.0])),
    "float64": lambda x: np.float64(x[0]) * np.sum(np.float64(x)) + np.float32(2.0),
    "vectorize-decorated": lambda x: np.sum(_soft_abs(x) ** 2),
    "vectorize-inside": lambda x: np.sum(
        np.vectorize(lambda a, b: a * b if a > 0 else a - b)(x, x[::-1] ** 2)
    ),
    "vectorize-otypes": lambda x: np.sum(np.vectorize(math.sin, otypes=[float])(x)),
    "vectorize-two-outputs": lambda x: np.sum(np.prod(np.vectorize(lambda a: (2 * a, a * a))(x), axis=0)),
    "frompyfunc": lambda x: np.sum(_pair(x, 0.5).astype(float) ** 2),
}


@pytest.mark.parametrize("name", CASES)
def test_values_are_numpys_and_derivatives_match_finite_differences(name):
    f = CASES[name]
    value, _ = xformad.value_and_grad(f)(X)
    np.testing.assert_allclose(value, f(X), rtol=1e-14, atol=0)
    check_grads(f, (X,), modes=("fwd", "rev"), order=2)


@pytest.mark.parametrize("name", ["sum-list", "norm-list", "r_", "c_", "float64", "vectorize-decorated"])
def test_under_jit_on_two_inputs(name):
    f = CASES[name]
    jg = xformad.jit(xformad.grad(f))
    for x in (X, X[::-1] * 0.7):
        np.testing.assert_array_equal(jg(x), xformad.grad(f)(x))


def test_vectorize_casts_to_the_first_outputs_dtype_as_numpy_does():
    # the first element gives an int, so numpy makes every output an int: no derivative
    g = np.vectorize(lambda a: 0 if a < 0 else a)
    x = np.array([-1.0, 2.5])
    np.testing.assert_array_equal(xformad.value_and_grad(lambda x: np.sum(g(x) * x))(x)[0], np.sum(g(x) * x))
    np.testing.assert_array_equal(xformad.grad(lambda x: np.sum(g(x) * x))(x), g(x))


def test_vectorize_of_scalars_with_two_outputs_and_of_empty_arrays():
    h = np.vectorize(lambda a: (2 * a, a * a))
    check_grads(lambda x: h(x)[0] * h(x)[1], (1.5,), modes=("fwd", "rev"), order=2)
    with pytest.raises(ValueError) as numpy_error:
        np.vectorize(lambda a: a)(np.zeros(0))
    with pytest.raises(ValueError) as ours:
        xformad.grad(lambda x: np.sum(np.vectorize(lambda a: a)(x[:0])) + x[0])(X)
    assert str(ours.value) == str(numpy_error.value)


def test_float64_stand_in_is_numpys_type_to_the_code_that_asks():
    kinds = []

    def f(x):
        kinds.append(np.dtype(np.float64) == np.float64)
        kinds.append(isinstance(np.float64(1.0), np.float64))
        kinds.append(np.zeros(2, dtype=np.float64).dtype == np.dtype("f8"))
        kinds.append(np.issubdtype(np.float64, np.floating))
        kinds.append({np.float64: "f8"}.get(np.float64))
        return np.sum(x)

    xformad.grad(f)(X)
    assert kinds == [True, True, True, True, "f8"]
    assert np.float64 is np.double  # the real type is back outside the trace


def test_numpy_is_untouched_outside_a_trace_and_in_other_threads():
    originals = (np.sum, np.r_, np.float64, np.vectorize.__call__, np.linalg.norm)
    seen = []
    started, release = threading.Event(), threading.Event()

    def f(x):
        started.set()
        release.wait(5)
        return np.sum([x[0], x[1]])

    worker = threading.Thread(target=lambda: xformad.grad(f)(X))
    worker.start()
    started.wait(5)
    try:  # while the worker traces, this thread calls numpy: numpy's own behaviour
        seen.append(np.sum([1.0, 2.0]))
        seen.append(type(np.float64(1.0)))
        seen.append(np.r_[np.array([1.0]), 2.0].tolist())
    finally:
        release.set()
        worker.join()
    assert seen == [3.0, np.float64, [1.0, 2.0]]
    assert (np.sum, np.r_, np.float64, np.vectorize.__call__, np.linalg.norm) == originals


def test_r_matrix_directive_with_traced_values_is_refused_clearly():
    with pytest.raises(xformad.UnsupportedOperation, match="np.matrix"):
        xformad.grad(lambda x: np.sum(np.r_["r", x, x]))(X)


_DOT = np.vectorize(lambda a, b: np.sum(a * b), signature="(n),(n)->()")
_OUTER_AND_SUM = np.vectorize(lambda a: (np.outer(a, a), np.sum(a)), signature="(n)->(n,n),()")


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: _DOT(x, x[0]),
        lambda x: _DOT(x[:, None, :], x[None, :, :]),  # loop dimensions broadcast
        lambda x: _OUTER_AND_SUM(x)[0],
        lambda x: _OUTER_AND_SUM(x)[1],
        lambda x: np.vectorize(lambda a: a[::-1] * 2, signature="(n)->(n)", otypes=[np.float32])(x),
    ],
)
def test_vectorize_with_a_signature_loops_as_numpy_does(fn):
    x = np.random.default_rng(0).normal(size=(3, 4))
    value, expected = xformad.vjp(fn, x)[0], fn(x)
    assert value.dtype == expected.dtype and value.shape == expected.shape
    np.testing.assert_array_equal(value, expected)
    if expected.dtype == np.float64:  # (a float32 result is too coarse for the differences)
        check_grads(fn, (x,))


def test_vectorize_signature_errors_are_numpys():
    x = np.ones((3, 4))
    with pytest.raises(ValueError, match="inconsistent size for core dimension"):
        xformad.vjp(lambda x: _DOT(x, x[0, :3]), x)
    with pytest.raises(TypeError, match="wrong number of positional arguments"):
        xformad.vjp(lambda x: _DOT(x), x)


X2 = np.array([1.0, 2.0])
M23 = np.arange(6.0).reshape(2, 3)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: np.r_[x, 3.0, 1:4],
        lambda x: np.r_[x, x, 0:2:5j],  # a complex step: a linspace
        lambda x: np.r_[:2, x],
        lambda x: np.r_["0,2", x, x],
        lambda x: np.r_["1,2,0", x, x],
        lambda x: np.r_["-1", M23 * x[0], M23],
        lambda x: np.r_["0,3,-1", x, x],
        lambda x: np.c_[x, 1:3],
        lambda x: np.r_[x.astype(np.float32), 1.0],
        lambda x: np.r_[x, 2, np.int64(3)],
    ],
)
def test_r_and_c_with_slices_and_directives_are_numpys(fn):
    value, expected = xformad.vjp(fn, X2)[0], fn(X2)
    assert value.shape == expected.shape and value.dtype == expected.dtype
    np.testing.assert_array_equal(value, expected)
    if expected.dtype == np.float64:
        check_grads(fn, (X2,), order=1)
