"""Negative log-likelihood of a 1-D Gaussian mixture, the log-sum-exp over components
written for one row and mapped over the data with np.apply_along_axis(row_logsumexp, 1, ...)."""

import numpy as np

from . import Program


def row_logsumexp(row):
    m = np.max(row)
    return m + np.log(np.sum(np.exp(row - m)))


def mixture_nll(means, log_scales, logits, x):
    log_weights = logits - row_logsumexp(logits)
    z = (x[:, None] - means) / np.exp(log_scales)
    log_components = log_weights - log_scales - 0.5 * np.log(2.0 * np.pi) - 0.5 * z**2
    return -np.sum(np.apply_along_axis(row_logsumexp, 1, log_components))


def make_args(rng):
    x = np.concatenate([rng.normal(-1.5, 0.5, 12), rng.normal(1.0, 0.8, 18)])
    return np.array([-1.0, 0.5, 1.5]), np.array([-0.5, -0.3, 0.0]), np.array([0.2, 0.0, -0.1]), x


PROGRAM = Program(
    "apply_along_axis_mixture",
    mixture_nll,
    make_args,
    argnums=(0, 1, 2),
    order=2,
    autograd=False,
    jax=True,
    note="autograd defines no VJP of np.apply_along_axis with respect to the array",
)
