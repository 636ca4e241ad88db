"""Weibull regression for right-censored survival times: the per-subject log-likelihood
buffer loglik = np.zeros(n) is filled through the boolean event mask (log density for the
observed events, log survival for the censored ones)."""

import numpy as np

from . import Program


def weibull_censored_nll(params, X, times, event):
    beta, log_k = params[:-1], params[-1]
    k = np.exp(log_k)
    scale = np.exp(X @ beta)
    z = times / scale
    loglik = np.zeros(len(times))
    loglik[event] = np.log(k) - np.log(scale[event]) + (k - 1.0) * np.log(z[event]) - z[event] ** k
    loglik[~event] = -(z[~event] ** k)
    return -np.sum(loglik)


def make_args(rng):
    n = 30
    X = np.c_[np.ones(n), rng.standard_normal((n, 2))]
    times = np.exp(X @ np.array([0.5, 0.3, -0.2])) * rng.weibull(1.5, size=n)
    event = rng.uniform(size=n) < 0.7
    return np.array([0.4, 0.2, -0.1, 0.3]), X, times, event


PROGRAM = Program(
    "censored_weibull_mask",
    weibull_censored_nll,
    make_args,
    order=2,
    autograd=False,
    note="the log-likelihood buffer is filled through boolean masks, which autograd (and jax) cannot do",
)
