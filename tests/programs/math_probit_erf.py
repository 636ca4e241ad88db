"""Probit regression written sample by sample with Python's math module:
p = 0.5 * (1 + math.erf(z / math.sqrt(2))), the log-likelihood with math.log."""

import math

import numpy as np

from . import Program


def probit_nll(w, X, y):
    nll = 0.0
    for x_i, y_i in zip(X, y):
        z = x_i @ w
        p = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
        nll -= y_i * math.log(p) + (1 - y_i) * math.log(1.0 - p)
    return nll / len(y)


def make_args(rng):
    X = np.c_[np.ones(25), rng.standard_normal((25, 2))]
    y = (X @ np.array([0.2, 0.8, -0.5]) + rng.standard_normal(25) > 0).astype(int)
    return np.array([0.1, 0.5, -0.3]), X, y


PROGRAM = Program(
    "math_probit_erf",
    probit_nll,
    make_args,
    order=2,
    autograd=False,
    note="math.erf/math.log of a traced scalar: autograd (and jax) convert it to float and fail",
)
