"""scipy.special.logsumexp, softmax and log_softmax on traced values (intercepted): values
equal scipy's, both modes to order 2 against finite differences for every keyword, -inf
entries, zero and negative weights, jit, and the errors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import scipy.special as sp
from scipy.special import logsumexp as bound_logsumexp  # bound before any trace
from xformad_scipy.errors import SpecialFunctionError

import xformad
from xformad.testing import check_grads

# (a's shape, axis, b's shape or None, keepdims); b broadcasts against a both ways
CASES = [
    ((5,), None, None, False),
    ((3, 4), None, None, True),
    ((3, 4), 1, None, False),
    ((3, 4), -1, None, True),
    ((3, 4), 0, (4,), False),
    ((2, 3, 4), (0, 2), None, False),
    ((2, 3, 4), (-1, -3), (3, 1), True),
    ((3, 1), 1, (1, 4), False),  # b is the larger: the result has the broadcast shape
    ((), None, None, False),  # scipy makes a 0-d input 1-d
]


def _case_id(case):
    a_shape, axis, b_shape, keepdims = case
    return f"a{a_shape}-axis{axis}-b{b_shape}-keep{keepdims}"


def _inputs(case, rng, negative_b=False):
    a_shape, axis, b_shape, keepdims = case
    a = rng.uniform(-2.0, 2.0, size=a_shape)
    b = None if b_shape is None else rng.uniform(0.5, 2.0, size=b_shape)
    if negative_b and b is not None:
        b = b * np.where(np.arange(b.size).reshape(b.shape) % 3 == 1, -0.2, 1.0)
    return a, b, dict(axis=axis, keepdims=keepdims)


def _traced_value(f, *args):
    """f's value computed while traced (the handler, not scipy), from the forward sweep."""
    return xformad.jvp(f, args, tuple(np.zeros_like(x) for x in args))[0]


def _weights_like(shape):
    return np.linspace(0.5, 1.5, int(np.prod(shape))).reshape(shape)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_values_equal_scipys(case, rng):
    a, b, kw = _inputs(case, rng)
    if b is None:
        ours = _traced_value(lambda a: scipy.special.logsumexp(a, **kw), a)
    else:
        ours = _traced_value(lambda a, b: scipy.special.logsumexp(a, b=b, **kw), a, b)
    expected = sp.logsumexp(a, b=b, **kw)
    assert np.shape(ours) == np.shape(expected)
    np.testing.assert_array_equal(ours, expected)  # scipy's own kernel: the same bits


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_derivatives_to_order_two_in_a_and_b(case, rng):
    a, b, kw = _inputs(case, rng)
    shape = np.shape(sp.logsumexp(a, b=b, **kw))
    w = _weights_like(shape)
    if b is None:
        check_grads(lambda a: np.sum(w * sp.logsumexp(a, **kw)), (a,), modes=("fwd", "rev"), order=2)
    else:
        check_grads(
            lambda a, b: np.sum(w * sp.logsumexp(a, b=b, **kw)), (a, b), modes=("fwd", "rev"), order=2
        )


@pytest.mark.parametrize("case", [c for c in CASES if c[2] is not None], ids=_case_id)
def test_negative_weights_with_return_sign(case, rng):
    a, b, kw = _inputs(case, rng, negative_b=True)
    ours_log, ours_sign = xformad.jvp(
        lambda a, b: sp.logsumexp(a, b=b, return_sign=True, **kw),
        (a, b),
        (np.zeros_like(a), np.zeros_like(b)),
    )[0]
    expected_log, expected_sign = sp.logsumexp(a, b=b, return_sign=True, **kw)
    np.testing.assert_array_equal(ours_log, expected_log)
    np.testing.assert_array_equal(ours_sign, expected_sign)
    w = _weights_like(np.shape(expected_log))

    def magnitude(a, b):  # log |sum b exp(a)|: differentiable where the sum is not zero
        log_abs, sign = sp.logsumexp(a, b=b, return_sign=True, **kw)
        return np.sum(w * log_abs)

    check_grads(magnitude, (a, b), modes=("fwd", "rev"), order=2)


def test_signed_result_uses_the_sign_as_a_constant():
    a, b = np.array([1.0, 2.0, 0.5]), np.array([1.0, -1.0, 0.5])  # the sum is negative
    log_abs, sign = sp.logsumexp(a, b=b, return_sign=True)
    assert sign == -1.0

    def signed_value(a):  # sign * |sum| = the sum itself
        log_abs, sign = sp.logsumexp(a, b=b, return_sign=True)
        return sign * np.exp(log_abs)

    np.testing.assert_allclose(xformad.grad(signed_value)(a), b * np.exp(a), rtol=1e-13)
    check_grads(signed_value, (a,), modes=("fwd", "rev"), order=2)


def test_negative_sum_without_return_sign_is_nan_as_in_scipy():
    a, b = np.array([1.0, 2.0]), np.array([1.0, -1.0])
    assert np.isnan(sp.logsumexp(a, b=b))
    assert np.isnan(_traced_value(lambda a: sp.logsumexp(a, b=b), a))
    assert np.isnan(xformad.grad(lambda a: sp.logsumexp(a, b=b))(a)).all()  # no derivative of NaN


def test_minus_infinity_entries_have_zero_gradient_not_nan():
    a = np.array([[-np.inf, 1.0, 2.0], [0.5, -np.inf, -np.inf]])
    for axis in (None, 1):

        def f(a):
            return np.sum(sp.logsumexp(a, axis=axis) * 1.5)

        g_rev = xformad.grad(f)(a)
        assert np.all(np.isfinite(g_rev)) and np.all(g_rev[np.isinf(a)] == 0.0)
        # forward mode, one basis tangent at a time, gives the same gradient
        g_fwd = np.array(
            [xformad.jvp(f, (a,), (np.eye(a.size)[i].reshape(a.shape),))[1] for i in range(a.size)]
        ).reshape(a.shape)
        np.testing.assert_allclose(g_fwd, g_rev, rtol=1e-15)
        hess = xformad.hessian(f)(a)
        assert np.all(np.isfinite(hess))
        finite = np.isfinite(a)
        check_grads(lambda x: f(np.where(finite, _embed(x, finite), -np.inf)), (a[finite],), order=2)


def _embed(values, mask):
    """An array of mask's shape holding ``values`` where mask is set (0 elsewhere)."""
    out = np.zeros(mask.shape)
    out[mask] = values
    return out


def test_zero_weights_ignore_their_entries_but_differentiate_in_b():
    # scipy drops a term whose weight is 0, even where a is inf; d/db of it is still exp(a - r)
    a, b = np.array([np.inf, 1.0, 2.0]), np.array([0.0, 1.0, 2.0])
    assert _traced_value(lambda a: sp.logsumexp(a, b=b), a) == sp.logsumexp(a, b=b)
    ga = xformad.grad(lambda a: sp.logsumexp(a, b=b))(a)
    assert ga[0] == 0.0 and np.all(np.isfinite(ga))
    a = np.array([0.3, 1.0, 2.0])
    r = sp.logsumexp(a, b=b)
    gb = xformad.grad(lambda b: sp.logsumexp(a, b=b))(b)
    np.testing.assert_allclose(gb, np.exp(a - r), rtol=1e-14)
    check_grads(lambda a, b: sp.logsumexp(a, b=b), (a, b), modes=("fwd", "rev"), order=2)


def test_empty_input_is_minus_infinity_as_in_scipy():
    a = np.zeros((0, 3))
    np.testing.assert_array_equal(
        _traced_value(lambda a: sp.logsumexp(a, axis=0), a), sp.logsumexp(a, axis=0)
    )
    assert xformad.grad(lambda a: np.sum(sp.logsumexp(a, axis=0)))(a).shape == (0, 3)


def test_complex_values_differentiate_holomorphically(rng):
    z = rng.uniform(-1, 1, size=4) + 1j * rng.uniform(-1, 1, size=4)
    np.testing.assert_array_equal(_traced_value(lambda z: sp.logsumexp(z), z), sp.logsumexp(z))
    check_grads(lambda z: sp.logsumexp(z), (z,), modes=("fwd", "rev"), order=2)


def test_float32_stays_float32(rng):
    a = rng.uniform(-2, 2, size=(3, 4)).astype(np.float32)
    g = xformad.grad(lambda a: np.sum(sp.logsumexp(a, axis=1)))(a)
    assert g.dtype == np.float32
    assert _traced_value(lambda a: sp.logsumexp(a, axis=1), a).dtype == np.float32


def test_lists_and_keyword_a_are_accepted():
    x = np.array([0.5, 1.5])
    assert xformad.grad(lambda x: sp.logsumexp([x[0], x[1], 0.0]))(x).shape == (2,)
    np.testing.assert_allclose(
        xformad.grad(lambda x: sp.logsumexp(a=x, b=[1.0, 2.0]))(x),
        xformad.grad(lambda x: sp.logsumexp(x, b=[1.0, 2.0]))(x),
    )


def test_jit_gives_the_same_values_and_gradients(rng):
    a = rng.uniform(-2, 2, size=(3, 4))
    b = rng.uniform(-1, 2, size=(4,))

    def f(a, b):
        log_abs, sign = sp.logsumexp(a, axis=1, b=b, return_sign=True)
        return np.sum(log_abs * sign) + np.sum(sp.logsumexp(a, axis=(0, 1), keepdims=True))

    g = xformad.grad(f, argnums=(0, 1))
    fast_f, fast_g = xformad.jit(f), xformad.jit(g)
    for shift in (0.0, 0.3):
        np.testing.assert_array_equal(fast_f(a + shift, b), f(a + shift, b))
        for fast, eager in zip(fast_g(a + shift, b), g(a + shift, b)):
            np.testing.assert_allclose(fast, eager, rtol=1e-15)
    h = xformad.hessian(lambda a: f(a, b))
    np.testing.assert_allclose(xformad.jit(h)(a), h(a), rtol=1e-13)


def test_bound_before_the_trace():
    # `from scipy.special import logsumexp` at the top of this module
    x = np.array([0.5, 1.5, -1.0])
    np.testing.assert_allclose(xformad.grad(lambda x: bound_logsumexp(x))(x), sp.softmax(x), rtol=1e-14)


def test_the_function_itself_given_to_grad():
    # xformad.grad(scipy.special.logsumexp): the function handed over is the one intercepted
    x = np.array([0.5, 1.5, -1.0])
    np.testing.assert_allclose(xformad.grad(sp.logsumexp)(x), sp.softmax(x), rtol=1e-14)


def test_plain_values_reach_scipy_itself():
    # inside a trace, a call with no traced argument is scipy's own function
    seen = []

    def f(x):
        seen.append(sp.logsumexp(np.array([1.0, 2.0])))
        return x * 2.0

    xformad.grad(f)(1.0)
    assert seen == [sp.logsumexp(np.array([1.0, 2.0]))] and type(seen[0]) is np.float64


def test_complex_with_return_sign_is_refused():
    z = np.array([1.0 + 0.5j, 0.3 - 1j])
    with pytest.raises(
        SpecialFunctionError, match=r"return_sign=True\) of complex values is not served"
    ) as info:
        xformad.grad(lambda z: np.real(sp.logsumexp(z, return_sign=True)[0]))(z)
    assert isinstance(info.value, xformad.XformadError)


def test_bad_axes_raise_numpys_errors():
    x = np.ones((2, 3))
    with pytest.raises(np.exceptions.AxisError):
        xformad.grad(lambda x: np.sum(sp.logsumexp(x, axis=2)))(x)
    with pytest.raises(ValueError, match="repeated axis"):
        xformad.grad(lambda x: np.sum(sp.logsumexp(x, axis=(0, -2))))(x)
    with pytest.raises(TypeError):  # scipy takes no list of axes either
        xformad.grad(lambda x: np.sum(sp.logsumexp(x, axis=[0, 1])))(x)


# --- softmax and log_softmax --------------------------------------------------------------
AXES = [None, 0, -1, (0, 1)]


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("fn", [sp.softmax, sp.log_softmax], ids=["softmax", "log_softmax"])
def test_softmax_values_and_derivatives(fn, axis, rng):
    x = rng.uniform(-3, 3, size=(3, 4))
    np.testing.assert_array_equal(_traced_value(lambda x: fn(x, axis=axis), x), fn(x, axis=axis))
    w = _weights_like(x.shape)
    check_grads(lambda x: np.sum(w * fn(x, axis=axis)), (x,), modes=("fwd", "rev"), order=2)


def test_softmax_is_the_gradient_of_logsumexp(rng):
    x = rng.uniform(-3, 3, size=(2, 5))
    g = xformad.grad(lambda x: np.sum(sp.logsumexp(x, axis=1)))(x)
    np.testing.assert_allclose(g, sp.softmax(x, axis=1), rtol=1e-14)


def test_softmax_with_minus_infinity_entries():
    x = np.array([[-np.inf, 1.0, 2.0], [0.0, 3.0, -np.inf]])
    w = _weights_like(x.shape)
    for fn in (sp.softmax, sp.log_softmax):
        np.testing.assert_array_equal(_traced_value(lambda x: fn(x, axis=1), x), fn(x, axis=1))
        g = xformad.grad(lambda x: np.sum(w * np.where(np.isfinite(fn(x, axis=1)), fn(x, axis=1), 0.0)))(x)
        assert np.all(np.isfinite(g)), fn.__name__
    # an all -inf slice: log_softmax shifts by 0 as scipy does
    y = np.array([-np.inf, -np.inf])
    np.testing.assert_array_equal(_traced_value(lambda y: sp.log_softmax(y), y), sp.log_softmax(y))


def test_softmax_jit(rng):
    x = rng.uniform(-3, 3, size=(3, 4))

    def f(x):
        return np.sum(sp.softmax(x, axis=1) * x) + np.sum(sp.log_softmax(x, axis=0) ** 2)

    fast = xformad.jit(xformad.grad(f))
    for shift in (0.0, 0.2):
        np.testing.assert_allclose(fast(x + shift), xformad.grad(f)(x + shift), rtol=1e-14)
