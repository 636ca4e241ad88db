"""ListNet-style ranking loss: scores re-ordered by the true relevance with argsort and
np.take_along_axis, then a Plackett-Luce log-likelihood per query."""

import numpy as np

from . import Program


def plackett_luce_nll(scores, relevance):
    order = np.argsort(-relevance, axis=1)
    ranked = np.take_along_axis(scores, order, axis=1)
    # log of the sum of exp over each suffix, via a reversed cumulative sum
    suffix = np.flip(np.cumsum(np.flip(np.exp(ranked), axis=1), axis=1), axis=1)
    return np.sum(np.log(suffix) - ranked) / len(scores)


def make_args(rng):
    return rng.standard_normal((4, 6)), rng.permuted(np.tile(np.arange(6.0), (4, 1)), axis=1)


PROGRAM = Program(
    "listwise_ranking",
    plackett_luce_nll,
    make_args,
    order=2,
    autograd=False,
    jax=True,
    note="autograd has no gradient for np.take_along_axis",
)
