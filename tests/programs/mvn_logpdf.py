"""Multivariate normal log-density via a Cholesky factor, in the mean and a covariance factor."""

import numpy as np

from . import Program


def mvn_logpdf(mean, cov_factor, samples):
    d = len(mean)
    cov = cov_factor @ cov_factor.T + 0.5 * np.eye(d)
    L = np.linalg.cholesky(cov)
    centred = samples - mean
    # whitened residuals: L^{-1} (x - mu) for every sample at once
    white = np.linalg.solve(L, centred.T)
    log_det = 2.0 * np.sum(np.log(np.diag(L)))
    quad = np.sum(white**2, axis=0)
    return np.sum(-0.5 * quad - 0.5 * log_det - 0.5 * d * np.log(2 * np.pi))


def make_args(rng):
    return rng.standard_normal(3), rng.standard_normal((3, 3)), rng.standard_normal((10, 3))


PROGRAM = Program("mvn_logpdf", mvn_logpdf, make_args, argnums=(0, 1), order=2)
