"""A realistic use: fitting Lotka-Volterra parameters and initial populations to noisy
observations by least squares, the ODE solved by odeint or solve_ivp inside the loss.
The gradient (adjoint method) matches central finite differences of scipy's own solve and
autograd's odeint, and gradient descent with it fits the data."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
import scipy.optimize

import xformad

TIGHT = dict(rtol=1e-10, atol=1e-10)
T_OBS = np.linspace(0.0, 6.0, 13)
TRUE_PARAMS = np.array([1.0, 0.4, 0.8, 0.3])  # prey growth, predation, predator death, conversion
TRUE_Y0 = np.array([2.0, 1.0])


def lotka_volterra(y, t, params):
    alpha, beta, delta, gamma = params[0], params[1], params[2], params[3]
    prey, predator = y[0], y[1]
    return np.stack([alpha * prey - beta * prey * predator, gamma * prey * predator - delta * predator])


def observations():
    rng = np.random.default_rng(0)
    clean = scipy.integrate.odeint(lotka_volterra, TRUE_Y0, T_OBS, args=(TRUE_PARAMS,), **TIGHT)
    return clean + 0.05 * rng.standard_normal(clean.shape)


OBS = observations()


def loss_odeint(params, y0):
    ys = scipy.integrate.odeint(lotka_volterra, y0, T_OBS, args=(params,), **TIGHT)
    return np.sum((ys - OBS) ** 2)


def loss_solve_ivp(params, y0):
    sol = scipy.integrate.solve_ivp(
        lambda t, y, p: lotka_volterra(y, t, p),
        (0.0, 6.0),
        y0,
        method="DOP853",
        t_eval=T_OBS,
        args=(params,),
        **TIGHT,
    )
    return np.sum((sol.y.T - OBS) ** 2)


START = (np.array([0.9, 0.5, 0.7, 0.35]), np.array([1.8, 1.2]))


def central_differences(loss, params, y0, eps=1e-6):
    def partials(x, f):
        out = np.zeros_like(x)
        for i in range(x.size):
            e = np.zeros_like(x)
            e[i] = eps
            out[i] = (f(x + e) - f(x - e)) / (2 * eps)
        return out

    return partials(params, lambda p: loss(p, y0)), partials(y0, lambda y: loss(params, y))


@pytest.mark.parametrize("loss", [loss_odeint, loss_solve_ivp], ids=["odeint", "solve_ivp"])
def test_fit_gradient_matches_central_differences(loss):
    grads = xformad.grad(loss, argnums=(0, 1))(*START)
    for got, want in zip(grads, central_differences(loss, *START)):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_fit_gradient_matches_autograd():
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp
    from autograd.builtins import tuple as boxed_tuple
    from autograd.scipy.integrate import odeint as autograd_odeint

    def rhs(y, t, params):
        return anp.array(
            [params[0] * y[0] - params[1] * y[0] * y[1], params[3] * y[0] * y[1] - params[2] * y[1]]
        )

    def loss(params, y0):
        return anp.sum((autograd_odeint(rhs, y0, T_OBS, boxed_tuple((params,)), **TIGHT) - OBS) ** 2)

    ours = xformad.grad(loss_odeint, argnums=(0, 1))(*START)
    theirs = autograd.grad(loss, argnum=(0, 1))(*START)
    for got, want in zip(ours, theirs):
        np.testing.assert_allclose(got, want, rtol=1e-7)


def test_a_quasi_newton_fit_recovers_the_parameters():
    # scipy's L-BFGS-B driven by the adjoint gradient, as a user fits an ODE model
    def loss(params, y0):  # tolerances of a fit rather than of a gradient check
        ys = scipy.integrate.odeint(lotka_volterra, y0, T_OBS, args=(params,), rtol=1e-8, atol=1e-8)
        return np.sum((ys - OBS) ** 2)

    value_and_grad = xformad.value_and_grad(loss, argnums=(0, 1))

    def objective(x):
        value, (g_params, g_y0) = value_and_grad(x[:4], x[4:])
        return float(value), np.concatenate([g_params, g_y0])

    start = np.concatenate(START)
    fit = scipy.optimize.minimize(objective, start, jac=True, method="L-BFGS-B", bounds=[(0.1, 3.0)] * 6)
    assert fit.success
    assert fit.fun < loss_odeint(TRUE_PARAMS, TRUE_Y0)  # the noise is fitted too: at most the truth's loss
    truth = np.concatenate([TRUE_PARAMS, TRUE_Y0])
    assert np.abs(fit.x - truth).max() < 0.1 * np.abs(start - truth).max() + 0.02
