"""Exponential-decay fit by Gauss-Newton until the step is tiny; the fitted rate is
differentiated with respect to the data (sensitivity of the estimate)."""

import numpy as np

from . import Program


def fit_decay(t, y, tol=1e-12, max_iter=100):
    params = np.array([1.0, 0.5])  # amplitude, rate
    for _ in range(max_iter):
        amplitude, rate = params[0], params[1]
        model = amplitude * np.exp(-rate * t)
        residual = model - y
        J = np.stack([np.exp(-rate * t), -amplitude * t * np.exp(-rate * t)], axis=1)
        step = np.linalg.solve(J.T @ J, J.T @ residual)
        params = params - step
        if np.linalg.norm(step) < tol:
            break
    return params


def fitted_half_life(y, t):
    amplitude, rate = fit_decay(t, y)
    return np.log(2) / rate + 0.1 * amplitude


def make_args(rng):
    t = np.linspace(0, 4, 12)
    return 2.0 * np.exp(-0.7 * t) + 0.01 * rng.standard_normal(12), t


PROGRAM = Program("gauss_newton_fit", fitted_half_life, make_args, order=2)
