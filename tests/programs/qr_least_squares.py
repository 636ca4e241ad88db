"""Least squares three ways, as one finds them in codebases: QR, lstsq and the pseudo-inverse;
the loss mixes their results (they agree) so each path is differentiated."""

import numpy as np

from . import Program


def fitted_values(A, b):
    Q, R = np.linalg.qr(A)
    coef_qr = np.linalg.solve(R, Q.T @ b)
    coef_lstsq, *_ = np.linalg.lstsq(A, b, rcond=None)
    coef_pinv = np.linalg.pinv(A) @ b
    return A @ (coef_qr + coef_lstsq + coef_pinv) / 3


def smoothness_of_fit(A, b):
    fit = fitted_values(A, b)
    return np.sum(np.diff(fit) ** 2) + np.sum(fit * b)


def make_args(rng):
    return rng.standard_normal((8, 3)), rng.standard_normal(8)


PROGRAM = Program(
    "qr_least_squares",
    smoothness_of_fit,
    make_args,
    argnums=(0, 1),
    order=2,
    autograd=False,
    jax=True,
    note="autograd has no gradient for np.linalg.qr",
)
