"""A batched linear model written with numpy 2 names: np.vecdot, np.matrix_transpose,
np.cumulative_sum, np.linalg.matrix_norm."""

import numpy as np

from . import Program


def batched_objective(W, X):
    projected = X @ np.matrix_transpose(W)
    norms = np.vecdot(projected, projected)
    running = np.cumulative_sum(norms, include_initial=True)
    return np.mean(np.sqrt(running[1:])) + 0.1 * np.linalg.matrix_norm(W) ** 2


def make_args(rng):
    return rng.standard_normal((3, 4)), rng.standard_normal((10, 4))


PROGRAM = Program(
    "numpy2_idioms",
    batched_objective,
    make_args,
    argnums=(0, 1),
    order=2,
    autograd=False,
    jax=True,
    note="autograd has no numpy 2 functions (np.matrix_transpose, np.vecdot)",
)
