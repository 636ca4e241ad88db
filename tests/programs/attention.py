"""Scaled dot-product attention softmax(Q K^T / sqrt(d)) V, with a squared-error loss."""

import numpy as np

from . import Program


def softmax(scores, axis=-1):
    e = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def attention_loss(Q, K, V, target):
    d = Q.shape[-1]
    weights = softmax(Q @ K.T / np.sqrt(d))
    out = weights @ V
    return np.mean((out - target) ** 2)


def make_args(rng):
    return (
        rng.standard_normal((5, 4)),
        rng.standard_normal((6, 4)),
        rng.standard_normal((6, 3)),
        rng.standard_normal((5, 3)),
    )


PROGRAM = Program("attention", attention_loss, make_args, argnums=(0, 1, 2), order=2)
