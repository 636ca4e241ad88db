"""Poisson regression with a log link: log-likelihood up to the log(y!) constant."""

import numpy as np

from . import Program


def poisson_loglik(beta, X, counts):
    eta = X @ beta
    rate = np.exp(eta)
    return np.sum(counts * eta - rate)


def make_args(rng):
    X = np.column_stack([np.ones(30), rng.uniform(-1, 1, size=(30, 2))])
    counts = rng.poisson(np.exp(X @ np.array([0.5, 1.0, -0.7]))).astype(float)
    return 0.1 * rng.standard_normal(3), X, counts


PROGRAM = Program("poisson_glm", poisson_loglik, make_args, order=2)
