"""The Ackley function."""

import numpy as np

from . import Program


def ackley(x, a=20.0, b=0.2, c=2 * np.pi):
    d = len(x)
    term1 = -a * np.exp(-b * np.sqrt(np.sum(x**2) / d))
    term2 = -np.exp(np.sum(np.cos(c * x)) / d)
    return term1 + term2 + a + np.e


def make_args(rng):
    return (rng.uniform(-2.0, 2.0, size=4),)


PROGRAM = Program("ackley", ackley, make_args, order=2)
