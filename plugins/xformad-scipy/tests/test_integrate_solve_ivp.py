"""scipy.integrate.solve_ivp differentiated for every method: the result is scipy's own
OdeResult, derivatives match finite differences of scipy's solve in both modes (to second
order for an explicit and an implicit method), for y0, args, t_eval and t_span, under jit,
and for a stiff-ish system whose state, solved backwards, leaves the forward solution
(the adjoint halves its intervals there; a second derivative refuses)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
from xformad_scipy.errors import IntegrateError

import xformad
from xformad.testing import check_grads

TIGHT = dict(rtol=1e-10, atol=1e-10)
METHODS = ["RK45", "RK23", "DOP853", "LSODA", "Radau", "BDF"]


def lotka_volterra(t, y, a, b):
    return [a * y[0] - b * y[0] * y[1], -y[1] + 0.5 * y[0] * y[1]]  # a list, as scipy allows


def relaxation(t, y, k):
    # stiff for large k: y follows cos(t) at rate k
    return -k * (y - np.cos(t))


Y0 = np.array([1.0, 0.5])
T_EVAL = np.array([0.2, 0.5, 0.9])


def solve_lv(y0, a, t_eval, t0, method="RK45"):
    sol = scipy.integrate.solve_ivp(
        lotka_volterra, (t0, 1.0), y0, method=method, t_eval=t_eval, args=(a, 0.4), **TIGHT
    )
    return sol.y


def test_result_is_scipys_oderesult():
    def run(y0):
        return scipy.integrate.solve_ivp(lotka_volterra, (0.0, 1.0), y0, t_eval=T_EVAL, args=(1.1, 0.4))

    ours = {}

    def record(y0):
        sol = run(y0)
        ours.update(sol)
        return sol.y

    value, _ = xformad.jvp(record, (Y0,), (np.ones(2),))
    theirs = run(Y0)
    np.testing.assert_array_equal(value, theirs.y)
    assert isinstance(ours["t"], np.ndarray) and np.array_equal(ours["t"], theirs.t)
    for key in ("status", "message", "success", "sol", "t_events", "y_events"):
        assert ours[key] == theirs[key], key
    for key in ("nfev", "njev", "nlu"):  # node outputs: the counts of the solve that ran
        assert int(ours[key]) == theirs[key], key


@pytest.mark.parametrize("method", METHODS)
def test_first_order_both_modes(method):
    check_grads(
        lambda *xs: solve_lv(*xs, method=method),
        (Y0, 1.1, T_EVAL, 0.0),
        modes=("fwd", "rev"),
        order=1,
        eps=1e-5,
    )


@pytest.mark.parametrize("method", ["RK45", "LSODA"])
def test_second_order_both_modes(method):
    check_grads(
        lambda *xs: solve_lv(*xs, method=method),
        (Y0, 1.1, T_EVAL[:2], 0.0),
        modes=("fwd", "rev"),
        order=2,
        eps=1e-4,
    )


def test_end_of_t_span_has_zero_derivative_and_start_moves_the_solution():
    def final(t0, t1):
        sol = scipy.integrate.solve_ivp(lotka_volterra, (t0, t1), Y0, t_eval=[0.8], args=(1.1, 0.4), **TIGHT)
        return np.sum(sol.y)

    g0, g1 = xformad.grad(final, argnums=(0, 1))(0.0, 1.0)
    eps = 1e-6
    np.testing.assert_allclose(g0, (final(eps, 1.0) - final(-eps, 1.0)) / (2 * eps), rtol=1e-6)
    assert g1 == 0.0


def test_sol_t_carries_the_derivative_of_t_eval():
    def times(t_eval):
        sol = scipy.integrate.solve_ivp(lotka_volterra, (0.0, 1.0), Y0, t_eval=t_eval, args=(1.1, 0.4))
        return np.sum(sol.t * np.arange(1.0, 4.0))

    np.testing.assert_array_equal(xformad.grad(times)(T_EVAL), [1.0, 2.0, 3.0])


def test_method_given_as_a_solver_class_and_vectorized_fun():
    def vectorized(t, y, a):  # y of shape (n, k), as vectorized=True promises
        return np.stack([a * y[1], -y[0]])

    def solve(y0, a):
        return scipy.integrate.solve_ivp(
            vectorized,
            (0.0, 1.0),
            y0,
            method=scipy.integrate.Radau,
            t_eval=T_EVAL,
            args=(a,),
            vectorized=True,
            **TIGHT,
        ).y

    check_grads(solve, (Y0, 0.8), modes=("fwd", "rev"), order=1, eps=1e-5)


def test_jit_one_node_same_values_and_gradients():
    def loss(y0, a):
        return np.sum(solve_lv(y0, a, T_EVAL, 0.0) ** 2)

    graph = xformad.make_graph(loss)(Y0, 1.1)
    assert [n.primitive.name for n in graph.nodes].count("scipy.integrate.solve_ivp") == 1
    grad = xformad.grad(loss, argnums=(0, 1))
    compiled = xformad.jit(grad)
    for y0, a in ((Y0, 1.1), (Y0 * 1.2, 0.9)):
        for got, want in zip(compiled(y0, a), grad(y0, a)):
            np.testing.assert_array_equal(got, want)


def van_der_pol(t, y, mu):
    return np.stack([y[1], mu * (1 - y[0] ** 2) * y[1] - y[0]])


def vdp_loss(y0, mu):
    sol = scipy.integrate.solve_ivp(
        van_der_pol,
        (0.0, 5.0),
        y0,
        method="LSODA",
        t_eval=np.linspace(0, 5, 10),
        args=(mu,),
        rtol=1e-8,
        atol=1e-10,
    )
    return np.sum(sol.y**2)


def central(f, x, eps):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


VDP_Y0 = np.array([2.0, 0.0])


def test_stiff_system_gradient_matches_finite_differences():
    # solved backwards between the outputs, the state of this stiff (mu = 20) oscillator
    # leaves the forward solution: the adjoint halves those intervals
    g_y0, g_mu = xformad.grad(vdp_loss, argnums=(0, 1))(VDP_Y0, 20.0)
    np.testing.assert_allclose(g_mu, central(lambda mu: vdp_loss(VDP_Y0, mu), 20.0, 1e-6), rtol=1e-5)
    np.testing.assert_allclose(
        g_y0[0], central(lambda x: vdp_loss(np.array([x, 0.0]), 20.0), 2.0, 1e-6), rtol=1e-5
    )


def test_without_the_arrival_check_the_stiff_gradient_would_be_wrong(monkeypatch):
    # what the check and halving protect against: the plain backward solve's gradient
    from xformad_scipy.integrate import anchoring

    monkeypatch.setattr(anchoring, "DRIFT_LIMIT", np.inf)
    g_mu = xformad.grad(vdp_loss, argnums=1)(VDP_Y0, 20.0)
    assert not np.isclose(g_mu, central(lambda mu: vdp_loss(VDP_Y0, mu), 20.0, 1e-6), rtol=1e-2)


def stiff_final(y0, k, method):
    sol = scipy.integrate.solve_ivp(
        relaxation, (0.0, 1.0), y0, method=method, t_eval=[1.0], args=(k,), rtol=1e-8, atol=1e-10
    )
    return np.sum(sol.y[:, -1] ** 2)


@pytest.mark.parametrize("method", ["BDF", "LSODA"])
def test_stiff_relaxation_eager_and_jit(method):
    y0, k = np.array([2.0]), 50.0
    grad = xformad.grad(stiff_final, argnums=1)
    g = grad(y0, k, method)
    np.testing.assert_allclose(g, central(lambda k: stiff_final(y0, k, method), k, 1e-5), rtol=1e-5)
    if method == "LSODA":  # the halving happens inside the kernel: the compiled program does it too
        compiled = xformad.jit(grad, static_argnums=2)
        compiled(y0, k, method)
        np.testing.assert_array_equal(compiled(y0, k, method), g)


def test_stiff_system_second_derivative_refuses():
    grad = xformad.grad(stiff_final, argnums=1)
    with pytest.raises(IntegrateError, match="higher derivative did not follow the forward solution"):
        xformad.grad(grad, argnums=1)(np.array([2.0]), 50.0, "LSODA")
