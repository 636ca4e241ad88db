"""The n-dimensional Rosenbrock function."""

import numpy as np

from . import Program


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def make_args(rng):
    return (rng.uniform(-1.5, 1.5, size=6),)


PROGRAM = Program("rosenbrock", rosenbrock, make_args, order=2)
