"""Linear predictor that skips missing covariates (NaN in the design matrix) with np.nansum:
a missing cell contributes neither value nor gradient to its weight."""

import numpy as np

from . import Program


def masked_regression_loss(w, X, y):
    predicted = np.nansum(X * w, axis=1)
    return np.mean((predicted - y) ** 2)


def make_args(rng):
    X = rng.standard_normal((20, 3))
    y = np.nansum(X * np.array([1.0, -2.0, 0.5]), axis=1)
    X[rng.random((20, 3)) < 0.2] = np.nan
    return np.array([0.5, -1.0, 0.0]), X, y


PROGRAM = Program(
    "missing_covariates_nansum",
    masked_regression_loss,
    make_args,
    order=2,
    autograd=False,
    note="autograd has no gradient for np.nansum (and jax's is NaN at the missing cells)",
)
