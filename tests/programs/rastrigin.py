"""The Rastrigin function."""

import numpy as np

from . import Program


def rastrigin(x, A=10.0):
    n = x.size
    return A * n + np.sum(x**2 - A * np.cos(2 * np.pi * x))


def make_args(rng):
    return (rng.uniform(-5.12, 5.12, size=5),)


PROGRAM = Program("rastrigin", rastrigin, make_args, order=2)
