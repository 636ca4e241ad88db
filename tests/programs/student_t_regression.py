"""Robust linear regression with a Student-t likelihood (fixed degrees of freedom)."""

import numpy as np

from . import Program


def student_t_nll(params, X, y, nu=4.0):
    w, log_scale = params[:-1], params[-1]
    scale = np.exp(log_scale)
    r = (y - X @ w) / scale
    return np.sum(0.5 * (nu + 1) * np.log1p(r**2 / nu) + log_scale)


def make_args(rng):
    X = rng.standard_normal((25, 3))
    y = X @ np.array([1.0, -1.0, 2.0]) + rng.standard_t(3, size=25)
    return np.array([0.5, -0.5, 1.0, 0.2]), X, y


PROGRAM = Program("student_t_regression", student_t_nll, make_args, order=2)
