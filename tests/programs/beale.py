"""The Beale function of two variables, unpacked from a vector."""

import numpy as np

from . import Program


def beale(p):
    x, y = p
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def make_args(rng):
    return (np.array([1.2, 0.4]) + 0.1 * rng.standard_normal(2),)


PROGRAM = Program("beale", beale, make_args, order=2)
