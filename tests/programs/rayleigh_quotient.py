"""Rayleigh quotient x^T A x / x^T x of the symmetric part A of a square matrix."""

import numpy as np

from . import Program


def rayleigh(x, M):
    A = 0.5 * (M + M.T)
    return (x @ A @ x) / np.dot(x, x)


def make_args(rng):
    return rng.standard_normal(5), rng.standard_normal((5, 5))


PROGRAM = Program("rayleigh_quotient", rayleigh, make_args, argnums=(0, 1), order=2)
