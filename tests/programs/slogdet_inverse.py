"""Wishart-style objective: log|det A| + tr(A^{-1} S), the Gaussian covariance likelihood."""

import numpy as np

from . import Program


def covariance_objective(A, S):
    sign, logabsdet = np.linalg.slogdet(A)
    return logabsdet + np.trace(np.linalg.inv(A) @ S)


def make_args(rng):
    B = rng.standard_normal((3, 3))
    X = rng.standard_normal((20, 3))
    return B @ B.T + 3 * np.eye(3), X.T @ X / 20


PROGRAM = Program("slogdet_inverse", covariance_objective, make_args, order=2)
