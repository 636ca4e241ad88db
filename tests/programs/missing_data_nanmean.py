"""Matrix-factorisation loss on a ratings table with missing entries stored as NaN, reduced
with np.nanmean: the NaN cells must contribute neither value nor gradient."""

import numpy as np

from . import Program


def factorisation_loss(users, items, ratings, lam=0.05):
    predicted = users @ items.T
    squared = (predicted - ratings) ** 2
    return np.nanmean(squared) + lam * (np.sum(users**2) + np.sum(items**2))


def make_args(rng):
    ratings = rng.integers(1, 6, size=(6, 5)).astype(float)
    ratings[rng.random((6, 5)) < 0.3] = np.nan
    return 0.5 * rng.standard_normal((6, 2)), 0.5 * rng.standard_normal((5, 2)), ratings


PROGRAM = Program(
    "missing_data_nanmean",
    factorisation_loss,
    make_args,
    argnums=(0, 1),
    order=2,
    autograd=False,
    note="autograd has no gradient for np.nanmean (and jax's is NaN at the missing cells)",
)
