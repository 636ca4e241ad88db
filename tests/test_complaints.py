"""The complaints autograd users file most, each fixed: in-place assignment, arrays built
from traced pieces, plain ndarrays receiving traced values, NaN through where/maximum, and
Python control flow (including loops that run until convergence)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads

RNG = np.random.default_rng(11)


def both_modes_match(f, x, expected):
    """grad (reverse) and jacfwd (forward) of scalar f both equal ``expected``."""
    np.testing.assert_allclose(xformad.grad(f)(x), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(xformad.jacfwd(f)(x), expected, rtol=1e-12, atol=1e-14)


# --- in-place assignment on traced arrays ---------------------------------------------------


def _setitem_index(x):
    x = x.copy()
    x[1] = x[0] ** 2
    return x


def _setitem_mask(x):
    x = x * 2.0
    x[x > 0.5] = np.sin(x[0])
    return x


def _setitem_mask_array(x):
    y = np.zeros_like(x)
    mask = x > 0.0
    y[mask] = x[mask] ** 3
    return y


def _iadd_slice(x):
    x = x * 1.0
    x[1:3] += x[0] * x[3]
    return x


def _imul(x):
    y = x + 0.0
    y *= 2
    y /= x[0]
    y -= x**2
    y **= 2
    return y


def _argument_mutated(x):
    x[0] = 3.0 * x[1]  # mutating the argument itself
    x += 1.0
    return x


def _traced_index(x):
    y = np.zeros_like(x)
    i = np.argmax(x)
    y[i] = x[i] * 2.0
    return y


def _fancy_repeated(x):
    y = x * 1.0
    y[np.array([0, 0, 2])] += x[1:4]  # numpy: a repeated index is written once, last wins
    return y


def _add_at(x):
    y = np.zeros_like(x)
    np.add.at(y, np.array([0, 0, 2]), x[1:4])  # accumulates, unlike y[idx] += v
    return y


def _out_of_zeros_like(x):
    out = np.zeros_like(x)
    for i in range(len(x)):
        out[i] = x[i] * x[(i + 1) % len(x)]
    return out


def _row_update_2d(x):
    m = np.reshape(x, (2, 3)) * 1.0
    m[:, 1] = m[:, 0] * m[:, 2]
    m[0] *= 3.0
    m[m < 0] = 0.0
    return m


def _method_in_place(x):
    y = x * 3.0
    y.sort()
    z = np.zeros_like(x)
    z.fill(x[0])
    return y * z


def _ufunc_out(x):
    y = np.zeros_like(x)
    np.multiply(x, x, out=y)
    np.add(y, x, out=y)
    return y


IN_PLACE = [
    _setitem_index,
    _setitem_mask,
    _setitem_mask_array,
    _iadd_slice,
    _imul,
    _argument_mutated,
    _traced_index,
    _fancy_repeated,
    _add_at,
    _out_of_zeros_like,
    _row_update_2d,
    _method_in_place,
    _ufunc_out,
]


@pytest.mark.parametrize("fn", IN_PLACE, ids=lambda f: f.__name__.strip("_"))
def test_in_place_assignment_differentiates(fn):
    x = np.array([0.9, -0.4, 1.3, 0.7, 2.1, -1.2])
    expected = fn(x.copy())
    before = x.copy()
    got = xformad.jvp(fn, (x,), (np.ones_like(x),))[0]
    np.testing.assert_allclose(got, expected, rtol=1e-13)
    np.testing.assert_array_equal(x, before)  # the caller's array is never written
    w = RNG.uniform(0.5, 1.5, size=np.shape(expected))
    check_grads(lambda x: fn(x) * w, (x,), modes=("fwd", "rev"), order=2)


def test_in_place_gradient_values():
    # x[1:3] += x[0]: d/dx0 of sum = 1 + 2
    both_modes_match(lambda x: np.sum(_iadd_slice_plain(x)), np.array([1.0, 2.0, 3.0, 4.0]), [3.0, 1, 1, 1])
    # overwritten entries get no gradient
    both_modes_match(lambda x: np.sum(_overwrite(x)), np.array([1.0, 2.0, 3.0]), [0.0, 2.0, 0.0])


def _iadd_slice_plain(x):
    x = x * 1.0
    x[1:3] += x[0]
    return x


def _overwrite(x):
    y = x.copy()
    y[0] = 5.0
    y[2] = y[1]
    return y


def test_copies_are_not_aliases():
    """y = x * 1.0, x.astype(same), +x and x.copy() are new arrays: writing y leaves x."""

    def f(x):
        a = x * 1.0
        a[0] = 0.0
        b = x.astype(x.dtype)
        b[1] = 0.0
        c = +x
        c[2] = 0.0
        d = x.copy()
        d[0] = 0.0
        return np.sum(x) + 0 * (a + b + c + d)

    both_modes_match(lambda x: np.sum(f(x)), np.ones(3), [3.0, 3.0, 3.0])


def test_in_place_assignment_of_traced_value_into_constant_array_copy():
    """A constant array made traced by zeros_like/ones_like/full_like/empty_like takes values."""

    def f(x):
        acc = np.ones_like(x)
        acc[0] = x[1]
        full = np.full_like(x, 2.0)
        full[1:] = x[:-1] ** 2
        return np.sum(acc * full)

    check_grads(f, (np.array([0.3, -1.2, 0.8]),), order=2)


# --- arrays built from traced pieces ----------------------------------------------------------


def test_stack_and_concatenate_of_traced_pieces():
    def f(a, b):
        v = np.stack([a * b, np.sin(a), b**2])
        w = np.concatenate([v, np.array([1.0]), np.atleast_1d(a)])
        return np.sum(w * np.arange(1.0, 6.0)) + np.sum(np.stack([a, b])) * np.add(a, [b, a])[0]

    check_grads(f, (0.7, -0.3), order=2)
    ga, gb = xformad.grad(lambda a, b: np.sum(np.stack([a, 2.0 * b])), argnums=(0, 1))(0.7, -0.3)
    assert (ga, gb) == (1.0, 2.0)


def test_list_arguments_to_functions_with_a_traced_operand():
    # a list holding tracers is stacked wherever a traced argument routes the call to xformad
    def f(a, b):
        v = np.stack([a, b])
        return np.dot(v, [b, a]) + np.maximum(a, [b, 0.5])[1] + np.where(a > 0, [a, b], 0.0)[1]

    check_grads(f, (0.7, -0.3), order=2)


_SUM_BOUND_AT_IMPORT = np.sum  # bound before any trace: the interception cannot reach it


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda a, b: np.exp([a, b]), id="ufunc-list"),
    ],
)
def test_numpy_calls_without_a_hook_raise_a_clear_error_naming_np_stack(build):
    """numpy converts a list before any protocol runs: np.sum([a, b]) is intercepted while
    a trace is open (tests/test_lists.py), but a ufunc on a list is not; the error names
    the replacement instead."""
    with pytest.raises(xformad.TracerConversionError, match=r"np\.stack\(\[a, b\]\) instead"):
        xformad.grad(lambda a, b: np.sum(build(a, b)))(0.7, -0.3)


def test_np_sum_bound_before_the_trace_is_reached_by_name():
    # reach.py stands the interception wrapper in for the name this module bound at import
    g = xformad.grad(lambda a, b: _SUM_BOUND_AT_IMPORT([a * a, b]), argnums=(0, 1))(0.7, -0.3)
    np.testing.assert_allclose(g, (1.4, 1.0))
    assert _SUM_BOUND_AT_IMPORT is np.sum


def test_suggested_replacement_works():
    g = xformad.grad(lambda a, b: np.sum(np.stack([a, b]) ** 2), argnums=(0, 1))(0.7, -0.3)
    np.testing.assert_allclose(g, (1.4, -0.6))


def test_builtin_sum_max_sorted_over_traced_scalars():
    def f(x):
        parts = [x[0] ** 2, np.sin(x[1]), x[2] * x[0]]
        return sum(parts) + max(parts) + sorted(parts)[0] + abs(x[1])

    check_grads(f, (np.array([0.8, -0.3, 1.1]),), order=2)


# --- plain ndarrays receiving traced values -----------------------------------------------


def test_writing_traced_value_into_plain_ndarray_is_a_clear_error():
    out = np.zeros(3)  # made outside the traced function: it cannot hold a traced value

    def f(x):
        out[0] = x[0]
        return np.sum(out)

    with pytest.raises(xformad.TracerConversionError, match=r"out = np\.zeros_like\(x\)") as info:
        xformad.grad(f)(np.ones(3))
    assert "drop" in str(info.value)  # says why


def test_plain_ndarray_slice_assignment_is_a_clear_error():
    out = np.empty(3)

    def f(x):
        out[:] = x
        return np.sum(out)

    with pytest.raises(xformad.TracerConversionError, match="zeros_like"):
        xformad.grad(f)(np.ones(3))


def test_plain_out_argument_is_a_clear_error():
    vector, scalar = np.zeros(3), np.zeros(())  # made outside the traced function
    with pytest.raises(xformad.TracerConversionError, match="out=.*returned value"):
        xformad.grad(lambda x: np.sum(np.multiply(x, 2.0, out=vector)))(np.ones(3))
    with pytest.raises(xformad.TracerConversionError, match="out=.*returned value"):
        xformad.grad(lambda x: np.nansum(x, out=scalar))(np.ones(3))


def test_add_at_into_plain_ndarray_is_a_clear_error():
    out = np.zeros(3)

    def f(x):
        np.add.at(out, np.array([0, 1]), x[:2])
        return np.sum(out)

    with pytest.raises(xformad.TracerConversionError, match="np.zeros_like"):
        xformad.grad(f)(np.ones(3))


@pytest.mark.parametrize(
    "convert",
    [
        pytest.param(float, id="float"),
        pytest.param(complex, id="complex"),
        pytest.param(lambda t: t.item(), id="item"),
        pytest.param(lambda t: t.tolist(), id="tolist"),
    ],
)
def test_python_float_conversion_is_a_clear_error(convert):
    with pytest.raises(xformad.TracerConversionError, match="stop_gradient"):
        xformad.grad(lambda x: convert(x) * 2.0)(1.5)


def test_math_function_passed_as_a_value_differentiates():
    # a closure cell holding math.sqrt is reached by name (reach.py): the derivative is kept
    convert = math.sqrt
    assert xformad.grad(lambda x: convert(x) * 2.0)(1.5) == pytest.approx(1 / math.sqrt(1.5), rel=1e-15)


def test_never_a_silent_zero_gradient():
    """Every way of losing the derivative above raised; the supported ways keep it."""

    def f(x):
        out = np.zeros_like(x)
        out[0] = x[0] * 3.0
        return np.sum(out)

    g = xformad.grad(f)(np.ones(2))
    np.testing.assert_array_equal(g, [3.0, 0.0])


# --- where and maximum: no NaN from the branch not taken -------------------------------------

NAN_RULE = [
    # (id, f, x, expected gradient)
    ("where-sqrt", lambda x: np.sum(np.where(x > 0, np.sqrt(x), 0.0)), [0.0, 4.0], [0.0, 0.25]),
    ("where-log", lambda x: np.sum(np.where(x > 0, np.log(x), -1.0)), [0.0, 2.0], [0.0, 0.5]),
    ("where-nan-value", lambda x: np.sum(np.where(x > 0, x, np.log(-x))), [-1.0, 2.0], [-1.0, 1.0]),
    (
        "where-division",
        lambda x: np.sum(np.where(x != 0, np.sin(x) / x, 1.0)),
        [0.0, 0.5],
        [0.0, (0.5 * np.cos(0.5) - np.sin(0.5)) / 0.25],
    ),
    ("where-power", lambda x: np.sum(np.where(x > 0, x**0.5, 0.0)), [0.0, 4.0], [0.0, 0.25]),
    ("where-arcsin", lambda x: np.sum(np.where(np.abs(x) < 1, np.arcsin(x), 0.0)), [1.0, 0.0], [0.0, 1.0]),
    ("maximum-log", lambda x: np.sum(np.maximum(np.log(x), -10.0)), [0.0, 1.0], [0.0, 1.0]),
    ("minimum-reciprocal", lambda x: np.sum(np.minimum(1 / x, 5.0)), [0.0, 0.5], [0.0, -4.0]),
    ("relu-at-0", lambda x: np.sum(np.maximum(x, 0.0)), [0.0, 1.0], [0.5, 1.0]),
    ("clip-log", lambda x: np.sum(np.clip(np.log(x), -5.0, 5.0)), [0.0, 1.0], [0.0, 1.0]),
    ("max-of-stack", lambda x: np.max(np.stack([np.log(x[0]), x[1]])), [0.0, 1.0], [0.0, 1.0]),
    ("fmax-sqrt", lambda x: np.sum(np.fmax(np.sqrt(x), 1.0)), [0.0, 4.0], [0.0, 0.25]),
    ("abs-at-0", lambda x: np.sum(np.abs(x)), [0.0, -2.0], [0.0, -1.0]),
]


@pytest.mark.parametrize("f,x,expected", [pytest.param(f, x, e, id=i) for i, f, x, e in NAN_RULE])
def test_no_nan_from_the_untaken_branch(f, x, expected):
    x = np.array(x)
    with np.errstate(all="ignore"):
        assert np.isfinite(f(x))
        both_modes_match(f, x, expected)
        _, t = xformad.jvp(f, (x,), (np.ones_like(x),))
        np.testing.assert_allclose(t, np.sum(expected), rtol=1e-12)
        # second order: reverse over reverse, forward over forward, forward over reverse
        for h in (
            xformad.hessian(f)(x),
            xformad.jacfwd(xformad.jacfwd(f))(x),
            xformad.jacfwd(xformad.grad(f))(x),
        ):
            assert np.all(np.isfinite(h)), h
        assert np.all(np.isfinite(xformad.hvp(f, (x,), (np.ones_like(x),))))


def test_classic_where_sqrt_at_zero_second_derivative_is_zero():
    f = lambda x: np.where(x > 0, np.sqrt(x), 0.0)  # noqa: E731
    with np.errstate(all="ignore"):
        assert xformad.grad(f)(0.0) == 0.0
        assert xformad.grad(xformad.grad(f))(0.0) == 0.0
        np.testing.assert_allclose(xformad.grad(xformad.grad(f))(4.0), -1 / 32)


# --- Python control flow on traced values ---------------------------------------------------


def newton_sqrt(a):
    """sqrt(a) by Newton's method, iterating until the residual is at rounding level."""
    y = a if a > 1 else 1.0
    while np.abs(y * y - a) > 1e-13 * a:
        y = 0.5 * (y + a / y)
    return y


def fixed_point(theta):
    """y = cos(theta * y), iterated until the update stalls."""
    y = 0.5
    for _ in range(500):
        new = np.cos(theta * y)
        if np.abs(new - y) < 1e-15:
            break
        y = new
    return new


def bisection_root(c):
    """The root of x^3 + x - c on [-10, 10] by bisection, then one Newton step."""
    lo, hi = -10.0, 10.0
    while hi - lo > 1e-6:
        mid = 0.5 * (lo + hi)
        if mid**3 + mid - c > 0:
            hi = mid
        else:
            lo = mid
    x = 0.5 * (lo + hi)
    for _ in range(4):  # Newton steps carry the derivative with respect to c
        x = x - (x**3 + x - c) / (3 * x**2 + 1)
    return x


def test_newton_iteration_until_convergence():
    a = np.float64(2.7)
    np.testing.assert_allclose(newton_sqrt(a), np.sqrt(a), rtol=1e-14)
    both_modes_match(newton_sqrt, a, 0.5 / np.sqrt(a))
    np.testing.assert_allclose(xformad.grad(xformad.grad(newton_sqrt))(a), -0.25 * a**-1.5, rtol=1e-9)
    check_grads(newton_sqrt, (a,), order=2)
    check_grads(newton_sqrt, (0.3,), order=2)  # the other branch of the start value


def test_fixed_point_iteration_until_convergence():
    theta = 0.8
    y = fixed_point(theta)
    # implicit function theorem: y = cos(theta y) => dy/dtheta = -y sin(theta y) / (1 + theta sin(theta y))
    s = np.sin(theta * y)
    expected = -y * s / (1 + theta * s)
    np.testing.assert_allclose(xformad.grad(fixed_point)(theta), expected, rtol=1e-10)
    np.testing.assert_allclose(xformad.jacfwd(fixed_point)(theta), expected, rtol=1e-10)
    check_grads(fixed_point, (theta,), order=2)


def test_bisection_then_newton():
    c = 3.0
    x = bisection_root(c)
    np.testing.assert_allclose(x**3 + x, c, rtol=1e-14)
    both_modes_match(bisection_root, c, 1 / (3 * x**2 + 1))


def test_if_on_traced_values_takes_the_right_branch_and_records_guards():
    def f(x):
        if np.sum(x) > 0:
            return np.sum(x**2)
        elif x[0] < -5:
            return np.sum(x)
        return np.sum(np.sin(x))

    both_modes_match(f, np.array([1.0, 2.0]), [2.0, 4.0])
    both_modes_match(f, np.array([-6.0, 2.0]), [1.0, 1.0])
    both_modes_match(f, np.array([-1.0, 0.5]), np.cos([-1.0, 0.5]))
    graph = xformad.make_graph(f)(np.array([-6.0, 2.0]))
    assert len(graph.guards) >= 2


def test_for_loops_over_traced_arrays_and_traced_bounds():
    def f(x):
        total = 0.0
        for xi in x:  # iterates rows of the traced array
            total = total + np.sum(xi**2)
        n = int(np.argmax(x[0]))  # a traced integer used as a Python bound
        for i in range(n + 1):
            total = total * 0.5 + x[0, i]
        return total

    check_grads(f, (np.array([[0.3, 1.2, -0.1], [0.5, -0.7, 0.9]]),), order=2)


def test_while_loop_with_data_dependent_trip_count():
    def f(x):
        steps = 0
        while np.max(np.abs(x)) > 0.1:  # halve until small: trip count depends on x
            x = x * 0.5 + 0.01 * x**2
            steps += 1
        return np.sum(x) * steps

    check_grads(f, (np.array([1.3, -0.4]),), order=2)


def test_second_derivative_through_a_safe_product_at_a_zero_cotangent():
    # d/dz of grad_d(log(d) * z) is 1/d, at z = 0 too: the safe product masks only 0 * inf
    mixed = xformad.grad(lambda z: xformad.grad(lambda d: np.log(d) * z)(3.0))
    assert mixed(0.0) == pytest.approx(1 / 3, rel=1e-15)
    assert xformad.grad(lambda z: xformad.grad(lambda d: np.sqrt(d) * z)(3.0))(0.0) == pytest.approx(
        0.5 / np.sqrt(3.0), rel=1e-15
    )
    # and the double-where idiom stays NaN-free at second order
    f = lambda x: np.sum(np.where(x > 0, np.sqrt(np.abs(x)), 0.0))  # noqa: E731
    assert np.isfinite(xformad.hessian(f)(np.array([0.0, 1.0]))).all()
