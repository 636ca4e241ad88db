"""The Styblinski-Tang function."""

import numpy as np

from . import Program


def styblinski_tang(x):
    return 0.5 * np.sum(np.power(x, 4) - 16 * np.square(x) + 5 * x)


def make_args(rng):
    return (rng.uniform(-5, 5, size=6),)


PROGRAM = Program("styblinski_tang", styblinski_tang, make_args, order=2)
