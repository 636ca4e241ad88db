"""A bilinear tensor layer y_k = x^T W_k z written with np.einsum, with a softplus loss."""

import numpy as np

from . import Program


def bilinear_loss(W, x, z):
    y = np.einsum("bi,kij,bj->bk", x, W, z)
    return np.mean(np.logaddexp(0.0, y))


def make_args(rng):
    return rng.standard_normal((2, 3, 4)) / 3, rng.standard_normal((5, 3)), rng.standard_normal((5, 4))


PROGRAM = Program("einsum_bilinear", bilinear_loss, make_args, argnums=(0, 1, 2), order=2)
