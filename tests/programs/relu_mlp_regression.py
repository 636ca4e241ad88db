"""ReLU MLP regression with mean squared error; weights passed as a tuple."""

import numpy as np

from . import Program


def relu(x):
    return np.maximum(x, 0)


def mse(weights, X, y):
    W1, b1, W2, b2 = weights
    hidden = relu(X @ W1 + b1)
    pred = (hidden @ W2 + b2).ravel()
    return ((pred - y) ** 2).mean()


def make_args(rng):
    weights = (
        rng.standard_normal((3, 10)),
        0.1 * rng.standard_normal(10),
        rng.standard_normal((10, 1)) / 3,
        np.zeros(1),
    )
    X = rng.standard_normal((25, 3))
    return weights, X, np.sin(X[:, 0]) + X[:, 1] * X[:, 2]


PROGRAM = Program("relu_mlp_regression", mse, make_args, order=2)
