"""A quadratic form x^T A x + b^T x + c in both the point and the matrix."""

import numpy as np

from . import Program


def quadratic(x, A, b, c=1.5):
    return x.T @ A @ x + np.dot(b, x) + c


def make_args(rng):
    return rng.standard_normal(4), rng.standard_normal((4, 4)), rng.standard_normal(4)


PROGRAM = Program("quadratic_form", quadratic, make_args, argnums=(0, 1, 2), order=2)
