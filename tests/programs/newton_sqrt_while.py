"""Square root by Newton's method in a while loop that runs until convergence."""

import numpy as np

from . import Program


def newton_sqrt(a, tol=1e-12):
    y = a
    while np.abs(y * y - a) > tol * a:
        y = 0.5 * (y + a / y)
    return y


def geometric_sum(x):
    return sum(newton_sqrt(xi) for xi in x) + newton_sqrt(x[0] * x[1])


def make_args(rng):
    return (rng.uniform(0.5, 4.0, size=3),)


PROGRAM = Program("newton_sqrt_while", geometric_sum, make_args, order=2)
