"""Gaussian log-likelihood of i.i.d. data in (mean, log standard deviation)."""

import numpy as np

from . import Program


def gaussian_loglik(params, data):
    mu, log_sigma = params[0], params[1]
    sigma = np.exp(log_sigma)
    z = (data - mu) / sigma
    n = len(data)
    return -0.5 * np.sum(z**2) - n * log_sigma - 0.5 * n * np.log(2 * np.pi)


def make_args(rng):
    return np.array([0.3, -0.2]), rng.normal(1.0, 2.0, size=50)


PROGRAM = Program("gaussian_loglik", gaussian_loglik, make_args, order=2)
