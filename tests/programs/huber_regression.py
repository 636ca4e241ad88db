"""Robust regression with the Huber loss, written with np.where."""

import numpy as np

from . import Program


def huber(residual, delta):
    small = np.abs(residual) <= delta
    return np.where(small, 0.5 * residual**2, delta * (np.abs(residual) - 0.5 * delta))


def huber_loss(w, X, y, delta=1.0):
    return np.sum(huber(y - X @ w, delta))


def make_args(rng):
    X = rng.standard_normal((40, 3))
    y = X @ np.array([2.0, -1.0, 0.5]) + rng.standard_t(2, size=40)
    return np.array([1.5, -0.5, 0.0]), X, y


PROGRAM = Program("huber_regression", huber_loss, make_args, order=2)
