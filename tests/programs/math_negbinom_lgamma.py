"""Negative-binomial (NB2) regression of counts, the log-likelihood written observation by
observation with math.lgamma, math.exp, math.log and math.log1p, plus a Gaussian prior on
log r written with math.pow."""

import math

import numpy as np

from . import Program


def negbinom_neg_log_posterior(params, X, counts):
    beta, log_r = params[:-1], params[-1]
    r = math.exp(log_r)
    nll = 0.0
    for x_i, y in zip(X, counts):
        mu = math.exp(x_i @ beta)
        p = r / (r + mu)
        nll -= math.lgamma(y + r) - math.lgamma(r) - math.lgamma(y + 1) + r * math.log(p) + y * math.log1p(-p)
    prior = 0.5 * math.pow((log_r - 1.0) / 0.5, 2)
    return nll + prior


def make_args(rng):
    X = np.c_[np.ones(25), rng.standard_normal((25, 2))]
    mu = np.exp(X @ np.array([1.0, 0.4, -0.3]))
    counts = rng.negative_binomial(3.0, 3.0 / (3.0 + mu))
    return np.array([0.8, 0.3, -0.2, 0.9]), X, counts


PROGRAM = Program(
    "math_negbinom_lgamma",
    negbinom_neg_log_posterior,
    make_args,
    order=2,
    autograd=False,
    note="math.lgamma/math.exp of a traced scalar: autograd (and jax) convert it to float and fail",
)
