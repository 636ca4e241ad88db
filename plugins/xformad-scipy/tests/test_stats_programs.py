"""Programs as scientists write them with scipy.stats: gradients against finite differences
and against autograd's scipy.stats, eagerly and compiled."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

import xformad
from xformad.testing import check_grads

autograd = pytest.importorskip("autograd")
ag_np = pytest.importorskip("autograd.numpy")
ag_stats = pytest.importorskip("autograd.scipy.stats")

RNG = np.random.default_rng(7)


# --- robust regression with Student-t residuals ---------------------------------------------
X = RNG.normal(size=(25, 3))
TRUE_W = np.array([0.5, -1.0, 2.0])
Y = X @ TRUE_W + 0.3 * RNG.standard_t(4.0, size=25)
CENSORED = np.array([0, 7, 19])  # observations known only to exceed Y (right-censored)
OBSERVED = np.setdiff1d(np.arange(25), CENSORED)


def t_regression_nll(w, df, scale):
    residual = Y - X @ w
    nll = -np.sum(scipy.stats.t.logpdf(residual[OBSERVED], df, scale=scale))
    return nll - np.sum(scipy.stats.t.logsf(residual[CENSORED], df, scale=scale))


def t_regression_nll_autograd(w, df, scale):  # the uncensored part: autograd has no t.logsf
    residual = Y - ag_np.dot(X, w)
    return -ag_np.sum(ag_stats.t.logpdf(residual, df, 0.0, scale))


def t_regression_nll_uncensored(w, df, scale):
    return -np.sum(scipy.stats.t.logpdf(Y - X @ w, df, scale=scale))


PARAMS = (np.array([0.3, -0.7, 1.6]), 3.5, 0.4)


def test_t_regression_gradient_matches_finite_differences():
    check_grads(t_regression_nll, PARAMS, modes=("fwd", "rev"), order=2)


def test_t_regression_gradient_matches_autograd_eager_and_jit():
    grad = xformad.grad(t_regression_nll_uncensored, argnums=(0, 1, 2))
    reference = autograd.grad(t_regression_nll_autograd, argnum=(0, 1, 2))(*PARAMS)
    jitted = xformad.jit(grad)
    for got in (grad(*PARAMS), jitted(*PARAMS)):
        for g, r in zip(got, reference):
            np.testing.assert_allclose(g, r, rtol=1e-11)
    np.testing.assert_allclose(
        t_regression_nll_uncensored(*PARAMS), t_regression_nll_autograd(*PARAMS), rtol=1e-13
    )


def test_t_regression_jit_equals_eager_and_descends():
    grad = xformad.grad(t_regression_nll, argnums=(0, 1, 2))
    jitted = xformad.jit(grad)
    w, df, scale = PARAMS
    start = t_regression_nll(w, df, scale)
    for _ in range(5):  # a few gradient steps: the compiled gradient on new values each time
        gw, gdf, gs = jitted(w, df, scale)
        for got, want in zip((gw, gdf, gs), grad(w, df, scale)):
            np.testing.assert_array_equal(got, want)
        w, df, scale = w - 0.01 * gw, df - 0.05 * gdf, scale - 0.01 * gs
    assert t_regression_nll(w, df, scale) < start


# --- black-box variational inference with the reparameterisation trick ----------------------
DATA = 1.3 + RNG.normal(size=12)
EPS = RNG.standard_normal(16)  # fixed draws: the ELBO estimate is a deterministic function


def elbo(mu, log_sigma):
    sigma = np.exp(log_sigma)
    z = mu + sigma * EPS  # reparameterised draws from q = N(mu, sigma)
    log_likelihood = np.sum(scipy.stats.norm.logpdf(DATA[None, :], z[:, None], 1.0), axis=1)
    log_prior = scipy.stats.norm.logpdf(z, 0.0, 3.0)
    log_q = scipy.stats.norm(mu, sigma).logpdf(z)  # the variational family, frozen
    return np.mean(log_likelihood + log_prior - log_q)


def elbo_autograd(mu, log_sigma):
    sigma = ag_np.exp(log_sigma)
    z = mu + sigma * EPS
    log_likelihood = ag_np.sum(ag_stats.norm.logpdf(DATA[None, :], z[:, None], 1.0), axis=1)
    log_prior = ag_stats.norm.logpdf(z, 0.0, 3.0)
    log_q = ag_stats.norm.logpdf(z, mu, sigma)
    return ag_np.mean(log_likelihood + log_prior - log_q)


def test_elbo_gradient_matches_finite_differences():
    check_grads(elbo, (0.4, -0.3), modes=("fwd", "rev"), order=2)


def test_elbo_gradient_matches_autograd_eager_and_jit():
    grad = xformad.grad(elbo, argnums=(0, 1))
    jitted = xformad.jit(grad)
    for mu, log_sigma in ((0.4, -0.3), (1.1, -1.0)):
        reference = autograd.grad(elbo_autograd, argnum=(0, 1))(mu, log_sigma)
        eager = grad(mu, log_sigma)
        np.testing.assert_allclose(eager, reference, rtol=1e-12)
        for got, want in zip(jitted(mu, log_sigma), eager):
            np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(elbo(0.4, -0.3), elbo_autograd(0.4, -0.3), rtol=1e-14)
    hessian = xformad.hessian(elbo, argnums=(0, 1))(0.4, -0.3)
    assert np.all(np.isfinite(np.asarray(hessian, dtype=float)))
