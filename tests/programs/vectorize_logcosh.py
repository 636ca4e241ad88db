"""Robust regression with the log-cosh loss, the loss of one residual written as a scalar
Python function and vectorised at module level with the @np.vectorize decorator (the
overflow-safe form |r| + log1p(exp(-2|r|)) - log 2)."""

import numpy as np

from . import Program


@np.vectorize
def log_cosh(r):
    a = abs(r)
    return a + np.log1p(np.exp(-2.0 * a)) - np.log(2.0)


def robust_regression_loss(w, X, y):
    return np.mean(log_cosh(X @ w - y))


def make_args(rng):
    X = np.c_[np.ones(20), rng.standard_normal((20, 2))]
    y = X @ np.array([0.5, -1.0, 2.0]) + 0.3 * rng.standard_t(3, size=20)
    return np.array([0.3, -0.8, 1.7]), X, y


PROGRAM = Program(
    "vectorize_logcosh",
    robust_regression_loss,
    make_args,
    order=2,
    autograd=False,
    note="np.vectorize runs the scalar function on elements of an object array, which "
    "autograd's boxes (and jax tracers) do not survive",
)
