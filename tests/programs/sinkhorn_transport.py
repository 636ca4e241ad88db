"""Entropy-regularised optimal transport cost by a fixed number of Sinkhorn iterations."""

import numpy as np

from . import Program


def sinkhorn_cost(x, y, a, b, epsilon=0.5, iterations=50):
    cost = (x[:, None] - y[None, :]) ** 2
    K = np.exp(-cost / epsilon)
    v = np.ones_like(b)
    for _ in range(iterations):
        u = a / (K @ v)
        v = b / (K.T @ u)
    plan = u[:, None] * K * v[None, :]
    return np.sum(plan * cost)


def make_args(rng):
    a = rng.uniform(0.5, 1.5, 6)
    b = rng.uniform(0.5, 1.5, 7)
    return np.sort(rng.standard_normal(6)), np.sort(rng.standard_normal(7)) + 0.5, a / a.sum(), b / b.sum()


PROGRAM = Program("sinkhorn_transport", sinkhorn_cost, make_args, argnums=(0, 1, 2), order=2)
