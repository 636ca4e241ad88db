"""A one-hidden-layer softplus regression written to reuse one buffer, as memory-conscious
numpy code does: hidden = np.empty(...), then np.matmul(X, W, out=hidden),
np.add(hidden, b, out=hidden), np.logaddexp(0.0, hidden, out=hidden) (softplus) and
np.multiply(hidden, v, out=hidden)."""

import numpy as np

from . import Program


def softplus_regression_loss(params, X, y):
    W, b, v = params["W"], params["b"], params["v"]
    hidden = np.empty((X.shape[0], W.shape[1]))
    np.matmul(X, W, out=hidden)
    np.add(hidden, b, out=hidden)
    np.logaddexp(0.0, hidden, out=hidden)
    np.multiply(hidden, v, out=hidden)
    predictions = hidden.sum(axis=1)
    return np.mean((predictions - y) ** 2)


def make_args(rng):
    n, d, h = 16, 3, 6
    params = {
        "W": rng.standard_normal((d, h)) / np.sqrt(d),
        "b": 0.1 * rng.standard_normal(h),
        "v": rng.standard_normal(h) / np.sqrt(h),
    }
    X = rng.standard_normal((n, d))
    return params, X, np.sin(X[:, 0]) + 0.1 * rng.standard_normal(n)


PROGRAM = Program(
    "softplus_ufunc_out",
    softplus_regression_loss,
    make_args,
    order=2,
    autograd=False,
    note="ufuncs write into an np.empty buffer through out=, which autograd (and jax) cannot do",
)
