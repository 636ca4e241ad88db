"""Logistic regression: mean negative log-likelihood plus an L2 penalty."""

import numpy as np

from . import Program


def logistic_nll(w, X, y, lam=0.1):
    logits = X @ w
    # log(1 + exp(-y z)) written stably, as in most textbooks' code
    loss = np.mean(np.logaddexp(0.0, -y * logits))
    return loss + 0.5 * lam * w @ w


def make_args(rng):
    X = rng.standard_normal((40, 5))
    y = np.sign(X @ np.array([1.0, -2.0, 0.5, 0.0, 1.5]) + 0.3 * rng.standard_normal(40))
    return rng.standard_normal(5), X, y


PROGRAM = Program("logistic_regression", logistic_nll, make_args, order=2)
