"""Vector quantisation with a fixed codebook and a tied linear encoder/decoder: each code
z = x @ W is snapped to its nearest codeword codebook[np.argmin(distances)] (an integer
computed from traced values indexing a plain table); loss = reconstruction + commitment."""

import numpy as np

from . import Program


def vq_loss(W, X, codebook, beta=0.25):
    loss = 0.0
    for x in X:
        z = x @ W
        idx = np.argmin(np.sum((codebook - z) ** 2, axis=1))
        code = codebook[idx]
        reconstruction = code @ W.T
        loss = loss + np.sum((x - reconstruction) ** 2) + beta * np.sum((z - code) ** 2)
    return loss / len(X)


def make_args(rng):
    codebook = rng.standard_normal((6, 2))
    X = rng.standard_normal((10, 4))
    return 0.5 * rng.standard_normal((4, 2)), X, codebook


PROGRAM = Program("codebook_argmin", vq_loss, make_args, order=2)
