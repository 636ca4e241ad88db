"""Ridge regression solved by the normal equations; validation loss in the data and the penalty."""

import numpy as np

from . import Program


def ridge_validation_loss(X, log_lam, y, X_val, y_val):
    n_features = X.shape[1]
    lam = np.exp(log_lam)
    w = np.linalg.solve(X.T @ X + lam * np.eye(n_features), X.T @ y)
    residual = X_val @ w - y_val
    return residual @ residual / len(y_val)


def make_args(rng):
    w_true = rng.standard_normal(4)
    X = rng.standard_normal((20, 4))
    X_val = rng.standard_normal((10, 4))
    return X, np.array(-1.0), X @ w_true, X_val, X_val @ w_true + 0.1 * rng.standard_normal(10)


PROGRAM = Program("ridge_regression", ridge_validation_loss, make_args, argnums=(0, 1), order=2)
