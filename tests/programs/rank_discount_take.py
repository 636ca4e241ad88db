"""A position-aware listwise loss for learning to rank: each item's softmax cross-entropy
is weighted by the DCG discount of the rank the current scores give it,
np.take(discounts, ranks) with ranks = np.argsort(np.argsort(-scores)) computed from the
traced scores of a linear model."""

import numpy as np

from . import Program


def position_weighted_loss(w, features, relevance, discounts):
    loss = 0.0
    for X, rel in zip(features, relevance):
        scores = X @ w
        ranks = np.argsort(np.argsort(-scores))
        weights = np.take(discounts, ranks)
        log_p = scores - np.log(np.sum(np.exp(scores)))
        loss = loss - np.sum(weights * rel * log_p)
    return loss / len(features)


def make_args(rng):
    n_items, d = 6, 4
    features = rng.standard_normal((5, n_items, d))
    relevance = rng.integers(0, 4, size=(5, n_items)).astype(float)
    discounts = 1.0 / np.log2(np.arange(n_items) + 2.0)
    return rng.standard_normal(d), features, relevance, discounts


PROGRAM = Program("rank_discount_take", position_weighted_loss, make_args, order=2)
