"""Polynomial regression: np.polyval in the coefficients plus a curvature penalty from np.polyder."""

import numpy as np

from . import Program


def poly_loss(coeffs, x, y, lam=1e-2):
    fit = np.polyval(coeffs, x)
    curvature = np.polyval(np.polyder(coeffs, 2), x)
    return np.mean((fit - y) ** 2) + lam * np.mean(curvature**2)


def make_args(rng):
    x = np.linspace(-1, 1, 25)
    return rng.standard_normal(4), x, np.cos(2 * x) + 0.05 * rng.standard_normal(25)


PROGRAM = Program(
    "polynomial_fit",
    poly_loss,
    make_args,
    order=2,
    autograd=False,
    note="autograd has no gradient for np.polyval",
    jax=True,
)
