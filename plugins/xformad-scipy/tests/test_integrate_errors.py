"""What the scipy.integrate family refuses, each with an IntegrateError (an XformadError)
saying what to do instead: never a value or a derivative it cannot give exactly."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
from xformad_scipy.errors import IntegrateError

import xformad

Y0 = np.array([1.0, 0.5])
T = np.array([0.0, 0.5, 1.0])


def decay(y, t, k):
    return -k * y


def decay_tfirst(t, y, k):
    return -k * y


def grad_of(fn, *args):
    return xformad.grad(fn)(*args)


def test_errors_are_xformad_errors():
    assert issubclass(IntegrateError, xformad.XformadError)


def test_closure_over_a_traced_value_says_pass_it_through_args():
    def odeint_closure(k):
        return np.sum(scipy.integrate.odeint(lambda y, t: -k * y, Y0, T))

    def solve_ivp_closure(k):  # y0 traced too: the forward solve finds the closure
        sol = scipy.integrate.solve_ivp(lambda t, y: -k * y, (0, 1), Y0 * k, t_eval=T)
        return np.sum(sol.y)

    for fn in (odeint_closure, solve_ivp_closure):
        with pytest.raises(IntegrateError, match="through args="):
            grad_of(fn, 0.3)
        with pytest.raises(IntegrateError, match="through args="):
            xformad.jit(fn)(0.3)


def test_traced_value_inside_a_list_argument():
    with pytest.raises(IntegrateError, match="its own entry of args="):
        grad_of(
            lambda k: np.sum(scipy.integrate.odeint(lambda y, t, ks: -ks[0] * y, Y0, T, args=([k],))), 0.3
        )


def test_odeint_full_output():
    with pytest.raises(IntegrateError, match="full_output=1"):
        grad_of(lambda k: np.sum(scipy.integrate.odeint(decay, Y0, T, args=(k,), full_output=1)[0]), 0.3)


def test_odeint_traced_option_and_untupled_args():
    with pytest.raises(IntegrateError, match="rtol= is a traced value"):
        grad_of(lambda k: np.sum(scipy.integrate.odeint(decay, Y0, T, args=(0.3,), rtol=k * 1e-8)), 1.0)
    with pytest.raises(IntegrateError, match="must be a tuple"):
        grad_of(lambda k: np.sum(scipy.integrate.odeint(decay, Y0, T, args=k)), 0.3)


def solve_ivp_sum(k, **kwargs):
    sol = scipy.integrate.solve_ivp(decay_tfirst, (0.0, 1.0), Y0, args=(k,), **kwargs)
    return np.sum(sol.y)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "Pass t_eval="),
        ({"t_eval": T, "dense_output": True}, "dense_output=True"),
        ({"t_eval": T, "events": lambda t, y, k: y[0] - 0.5}, "events="),
    ],
    ids=["no t_eval", "dense_output", "events"],
)
def test_solve_ivp_options_without_a_derivative(kwargs, message):
    with pytest.raises(IntegrateError, match=message):
        grad_of(lambda k: solve_ivp_sum(k, **kwargs), 0.3)


def test_solve_ivp_traced_option_and_complex_state():
    with pytest.raises(IntegrateError, match="max_step= is a traced value"):
        grad_of(lambda k: solve_ivp_sum(k, t_eval=T, max_step=k), 0.3)

    def complex_state(k):
        sol = scipy.integrate.solve_ivp(decay_tfirst, (0, 1), Y0 + 1j, t_eval=T, args=(k,))
        return np.sum(np.abs(sol.y))

    with pytest.raises(IntegrateError, match="complex y0"):
        grad_of(complex_state, 0.3)


def test_a_failed_solve_raises_instead_of_a_partial_solution():
    def blow_up(a):  # y' = a y^2 from y = 1 explodes at t = 1/a
        sol = scipy.integrate.solve_ivp(
            lambda t, y, a: a * y**2, (0, 2), np.array([1.0]), t_eval=[2.0], args=(a,)
        )
        return np.sum(sol.y)

    with pytest.raises(IntegrateError, match="solve_ivp failed"):
        grad_of(blow_up, 1.0)


def test_inaccurate_forward_solve_gives_no_gradient():
    # odeint runs out of steps over the long interval (it warns and returns a wrong state);
    # the adjoint notices the forward solution is not a solution and raises
    def lotka_volterra(y, t, a):
        return np.stack([a * y[0] - 0.4 * y[0] * y[1], -y[1] + 0.5 * y[0] * y[1]])

    def loss(a):
        return np.sum(
            scipy.integrate.odeint(lotka_volterra, Y0, [0.0, 30.0], args=(a,), rtol=1e-8, atol=1e-8)
        )

    with pytest.warns(scipy.integrate.ODEintWarning), pytest.raises(IntegrateError, match="mxstep="):
        grad_of(loss, 1.1)


def test_right_hand_side_must_be_a_function():
    with pytest.raises(IntegrateError, match="must be a function"):
        grad_of(lambda y0: np.sum(scipy.integrate.odeint("decay", y0, T)), Y0)
