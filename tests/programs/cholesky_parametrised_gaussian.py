"""Gaussian with a covariance parametrised by a lower-triangular factor (np.tril, exp on the
diagonal), as in variational inference; KL divergence to a standard normal."""

import numpy as np

from . import Program


def scale_tril(raw):
    L = np.tril(raw, k=-1)
    return L + np.diag(np.exp(np.diag(raw)))


def kl_to_standard_normal(mean, raw):
    L = scale_tril(raw)
    cov = L @ L.T
    d = len(mean)
    log_det = 2 * np.sum(np.log(np.diag(L)))
    return 0.5 * (np.trace(cov) + mean @ mean - d - log_det)


def make_args(rng):
    return rng.standard_normal(3), 0.3 * rng.standard_normal((3, 3))


PROGRAM = Program("cholesky_parametrised_gaussian", kl_to_standard_normal, make_args, argnums=(0, 1), order=2)
