"""Dominant eigenvalue by a fixed number of power iterations, with in-place normalisation."""

import numpy as np

from . import Program


def dominant_eigenvalue(M, iterations=30):
    A = M @ M.T
    v = np.ones(A.shape[0])
    for _ in range(iterations):
        v = A @ v
        v /= np.linalg.norm(v)
    return v @ A @ v


def make_args(rng):
    return (rng.standard_normal((4, 4)),)


PROGRAM = Program("power_iteration", dominant_eigenvalue, make_args, order=2)
