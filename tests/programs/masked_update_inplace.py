"""Clipping and rescaling in place with boolean masks and augmented assignment."""

import numpy as np

from . import Program


def clipped_gradient_step(params, grads, lr=0.1, clip=1.0):
    g = grads.copy()
    large = np.abs(g) > clip
    g[large] = clip * np.sign(g[large])
    new_params = params.copy()
    new_params -= lr * g
    new_params[:2] *= 2.0
    return np.sum(np.sin(new_params) ** 2)


def make_args(rng):
    return rng.standard_normal(6), np.array([0.3, -2.5, 0.8, 1.9, -0.4, -1.6])


PROGRAM = Program(
    "masked_update_inplace",
    clipped_gradient_step,
    make_args,
    argnums=(0, 1),
    order=2,
    autograd=False,
    note="autograd cannot differentiate masked item assignment g[mask] = ...",
)
