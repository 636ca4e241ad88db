"""scipy.integrate.odeint differentiated by the adjoint method (reverse) and the
sensitivity equations (forward): values are scipy's own, derivatives match central finite
differences of scipy's solve, an explicit RK4 loop differentiated by xformad, and
autograd's odeint; to second order, under jit, for every differentiable argument."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate

import xformad
from xformad.testing import check_grads

TIGHT = dict(rtol=1e-10, atol=1e-10)


def lotka_volterra(y, t, a, b):
    prey, predator = y[0], y[1]
    return np.stack([a * prey - b * prey * predator, -predator + 0.5 * prey * predator])


def forced(y, t, A, w):
    # linear, time-dependent, with an array parameter: y' = A y + sin(w t)
    return A @ y + np.sin(w * t)


Y0 = np.array([1.0, 0.5])
T = np.array([0.0, 0.4, 1.1, 1.5])
A = np.array([[-0.5, 1.0], [-1.0, -0.2]])


def central_difference(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        grad[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def test_values_are_scipys_own():
    def solve(y0, a):
        return scipy.integrate.odeint(lotka_volterra, y0, T, args=(a, 0.4), **TIGHT)

    value, _ = xformad.jvp(solve, (Y0, 1.1), (np.ones(2), 1.0))
    np.testing.assert_array_equal(
        value, scipy.integrate.odeint(lotka_volterra, Y0, T, args=(1.1, 0.4), **TIGHT)
    )


def test_first_order_both_modes_every_argument():
    def solve(y0, a, b, t):
        return scipy.integrate.odeint(lotka_volterra, y0, t, args=(a, b), **TIGHT)

    check_grads(solve, (Y0, 1.1, 0.4, T), modes=("fwd", "rev"), order=1)


def test_second_order_both_modes():
    def solve(y0, a, t):
        return scipy.integrate.odeint(lotka_volterra, y0, t, args=(a, 0.4), **TIGHT)

    check_grads(solve, (Y0, 1.1, T[:3]), modes=("fwd", "rev"), order=2, eps=1e-4)


def test_gradients_against_central_differences_of_scipy():
    w = np.linspace(0.5, 1.5, 8).reshape(4, 2)

    def loss(y0, A, t):
        return np.sum(w * scipy.integrate.odeint(forced, y0, t, args=(A, 2.0), **TIGHT))

    grads = xformad.grad(loss, argnums=(0, 1, 2))(Y0, A, T)
    expected = (
        central_difference(lambda y0: loss(y0, A, T), Y0),
        central_difference(lambda A_: loss(Y0, A_, T), A),
        central_difference(lambda t: loss(Y0, A, t), T),
    )
    for got, want in zip(grads, expected):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def rk4(f, y0, t_end, steps, *args):
    """An explicit RK4 loop in plain numpy, for xformad to differentiate step by step."""
    h = t_end / steps
    y, t = y0, 0.0
    for _ in range(steps):
        k1 = f(y, t, *args)
        k2 = f(y + h / 2 * k1, t + h / 2, *args)
        k3 = f(y + h / 2 * k2, t + h / 2, *args)
        k4 = f(y + h * k3, t + h, *args)
        y, t = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4), t + h
    return y


def test_adjoint_matches_a_differentiated_rk4_loop():
    def by_odeint(y0, a):
        return np.sum(scipy.integrate.odeint(lotka_volterra, y0, [0.0, 2.0], args=(a, 0.4), **TIGHT)[-1] ** 2)

    def by_rk4(y0, a):
        return np.sum(rk4(lotka_volterra, y0, 2.0, 400, a, 0.4) ** 2)

    adjoint = xformad.grad(by_odeint, argnums=(0, 1))(Y0, 1.1)
    unrolled = xformad.grad(by_rk4, argnums=(0, 1))(Y0, 1.1)
    for got, want in zip(adjoint, unrolled):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_matches_autograd_odeint():
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp
    from autograd.builtins import tuple as boxed_tuple
    from autograd.scipy.integrate import odeint as autograd_odeint

    def autograd_rhs(y, t, a, b):
        return anp.array([a * y[0] - b * y[0] * y[1], -y[1] + 0.5 * y[0] * y[1]])

    weights = np.linspace(0.5, 1.5, 8).reshape(4, 2)

    def ours(y0, a, t):
        return np.sum(weights * scipy.integrate.odeint(lotka_volterra, y0, t, args=(a, 0.4), **TIGHT))

    def theirs(y0, a, t):
        return anp.sum(weights * autograd_odeint(autograd_rhs, y0, t, boxed_tuple((a, 0.4)), **TIGHT))

    got = xformad.grad(ours, argnums=(0, 1, 2))(Y0, 1.1, T)
    want = autograd.grad(theirs, argnum=(0, 1, 2))(Y0, 1.1, T)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-7, atol=1e-9)


def test_keyword_variants_tfirst_positional_args_scalar_state():
    def decay_tfirst(t, y, k):
        return -k * y

    def loss(y0, k):
        ys = scipy.integrate.odeint(decay_tfirst, y0, T, (k,), tfirst=True, **TIGHT)  # args positional
        return np.sum(ys)

    y0, k = 2.0, 0.7  # a scalar y0: odeint solves it as shape (1,)
    g_y0, g_k = xformad.grad(loss, argnums=(0, 1))(y0, k)
    np.testing.assert_allclose(g_y0, np.sum(np.exp(-k * T)), rtol=1e-8)
    np.testing.assert_allclose(g_k, np.sum(-T * y0 * np.exp(-k * T)), rtol=1e-8)
    check_grads(loss, (y0, k), modes=("fwd", "rev"), order=1)


def test_float32_inputs_get_float32_gradients():
    def loss(y0, k):
        return np.sum(scipy.integrate.odeint(lambda y, t, k: -k * y, y0, T, args=(k,), **TIGHT))

    g = xformad.grad(loss, argnums=(0, 1))(np.array([1.0, 2.0], np.float32), np.float32(0.5))
    assert g[0].dtype == np.float32 and g[1].dtype == np.float32


def test_static_args_and_traced_args_mixed():
    # a string and a plain array among the args: passed to func unchanged, no derivative
    def rhs(y, t, mode, k, scale):
        assert mode == "decay"
        return -k * y * scale

    def loss(k):
        return np.sum(scipy.integrate.odeint(rhs, Y0, T, args=("decay", k, np.array([1.0, 2.0])), **TIGHT))

    check_grads(loss, (0.3,), modes=("fwd", "rev"), order=1)


def test_jit_one_node_same_values_and_gradients():
    def loss(y0, a):
        return np.sum(scipy.integrate.odeint(lotka_volterra, y0, T, args=(a, 0.4), **TIGHT) ** 2)

    graph = xformad.make_graph(loss)(Y0, 1.1)
    assert [n.primitive.name for n in graph.nodes].count("scipy.integrate.odeint") == 1
    grad = xformad.grad(loss, argnums=(0, 1))
    compiled = xformad.jit(grad)
    for y0, a in ((Y0, 1.1), (Y0 * 1.2, 0.9)):  # the second call runs the compiled program
        for got, want in zip(compiled(y0, a), grad(y0, a)):
            np.testing.assert_array_equal(got, want)
    assert xformad.jit(loss)(Y0 * 1.2, 0.9) == loss(Y0 * 1.2, 0.9)


def test_plain_calls_are_scipys():
    plain = scipy.integrate.odeint(lotka_volterra, Y0, T, args=(1.1, 0.4))

    def loss(x):  # odeint sees no traced argument inside this trace
        return x * np.sum(scipy.integrate.odeint(lotka_volterra, Y0, T, args=(1.1, 0.4)))

    np.testing.assert_array_equal(xformad.grad(loss)(1.0), np.sum(plain))


from scipy.integrate import odeint as odeint_bound_before_the_trace  # noqa: E402


def test_from_import_style():
    # odeint bound at this module's import, before any trace: reached all the same
    def loss(a):
        return np.sum(odeint_bound_before_the_trace(lotka_volterra, Y0, T, args=(a, 0.4), **TIGHT))

    np.testing.assert_allclose(
        xformad.grad(loss)(1.1), central_difference(lambda a: loss(float(a)), 1.1), rtol=1e-6
    )


def test_solver_options_jacobian_per_component_tolerance_tcrit():
    def jacobian(y, t, a, b):  # odeint's Dfun: steers the forward solve only
        return np.array([[a - b * y[1], -b * y[0]], [0.5 * y[1], -1.0 + 0.5 * y[0]]])

    def solve(y0, a):
        return scipy.integrate.odeint(
            lotka_volterra,
            y0,
            T,
            args=(a, 0.4),
            Dfun=jacobian,
            rtol=1e-10,
            atol=np.array([1e-10, 1e-11]),
            tcrit=np.array([1.5]),
            hmax=0.2,
        )

    value, _ = xformad.jvp(solve, (Y0, 1.1), (np.ones(2), 0.0))
    np.testing.assert_array_equal(
        value,
        scipy.integrate.odeint(
            lotka_volterra,
            Y0,
            T,
            args=(1.1, 0.4),
            Dfun=jacobian,
            rtol=1e-10,
            atol=np.array([1e-10, 1e-11]),
            tcrit=np.array([1.5]),
            hmax=0.2,
        ),
    )
    check_grads(solve, (Y0, 1.1), modes=("fwd", "rev"), order=1)
