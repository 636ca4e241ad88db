"""Least-squares fit through the normal equations; residual norm in the design matrix."""

import numpy as np

from . import Program


def residual_sum_of_squares(A, b):
    coef = np.linalg.solve(A.T @ A, A.T @ b)
    r = b - A @ coef
    return r @ r


def make_args(rng):
    return rng.standard_normal((10, 3)), rng.standard_normal(10)


PROGRAM = Program("least_squares_solve", residual_sum_of_squares, make_args, argnums=(0, 1), order=2)
