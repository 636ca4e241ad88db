"""Weighted mean and sample standard deviations: the summary statistics of a dataset."""

import numpy as np

from . import Program


def moment_summary(data, weights):
    centre = np.average(data, axis=0, weights=weights)
    spread = np.std(data, axis=0, ddof=1)
    var = np.var(data, axis=1)
    return np.sum(centre**2) + np.sum(spread) + np.mean(var)


def make_args(rng):
    return rng.standard_normal((12, 4)), rng.uniform(0.5, 2.0, size=12)


PROGRAM = Program(
    "weighted_moments",
    moment_summary,
    make_args,
    argnums=(0, 1),
    order=2,
    autograd=False,
    note="autograd has no gradient for np.average",
    jax=True,
)
