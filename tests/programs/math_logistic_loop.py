"""Logistic regression written one sample at a time with Python's math module:
loss += math.log1p(math.exp(-y * w.x)), plus an L2 penalty with math.sqrt and math.hypot."""

import math

import numpy as np

from . import Program


def logistic_loss(w, X, y):
    loss = 0.0
    for xi, yi in zip(X, y):
        margin = yi * (xi @ w)
        loss = loss + math.log1p(math.exp(-margin))
    return loss / len(y) + 0.01 * math.sqrt(1.0 + np.sum(w**2)) + 0.01 * math.hypot(w[0], w[1])


def make_args(rng):
    X = rng.standard_normal((10, 3))
    y = np.where(X @ np.array([1.0, -2.0, 0.5]) > 0, 1.0, -1.0)
    return 0.1 * rng.standard_normal(3), X, y


PROGRAM = Program(
    "math_logistic_loop",
    logistic_loss,
    make_args,
    order=2,
    autograd=False,
    note="math.exp/math.log1p of a traced scalar: autograd (and jax) convert it to float and fail",
)
