"""Soft-margin linear SVM objective: mean hinge loss plus an L2 penalty."""

import numpy as np

from . import Program


def svm_objective(w, b, X, y, C=1.0):
    margins = y * (X @ w + b)
    hinge = np.maximum(0.0, 1.0 - margins)
    return 0.5 * np.dot(w, w) + C * hinge.mean()


def make_args(rng):
    X = rng.standard_normal((30, 3))
    y = np.where(X[:, 0] - X[:, 1] > 0, 1.0, -1.0)
    # a start where no margin sits exactly at the hinge's kink
    return np.array([0.7, -0.4, 0.2]), np.array(0.05), X, y


PROGRAM = Program("svm_hinge", svm_objective, make_args, argnums=(0, 1), order=2)
