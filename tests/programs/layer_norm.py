"""Layer normalisation followed by a linear read-out."""

import numpy as np

from . import Program


def layer_norm(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def readout_loss(x, gamma, beta, W):
    y = layer_norm(x, gamma, beta) @ W
    return np.sum(np.sin(y))


def make_args(rng):
    return (
        rng.standard_normal((4, 6)),
        1.0 + 0.1 * rng.standard_normal(6),
        0.1 * rng.standard_normal(6),
        rng.standard_normal((6, 2)),
    )


PROGRAM = Program("layer_norm", readout_loss, make_args, argnums=(0, 1, 2), order=2)
