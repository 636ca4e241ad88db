"""Gaussian-process negative log marginal likelihood with an RBF kernel, in log hyperparameters."""

import numpy as np

from . import Program


def rbf_kernel(x1, x2, lengthscale, variance):
    sqdist = (x1[:, None] - x2[None, :]) ** 2
    return variance * np.exp(-0.5 * sqdist / lengthscale**2)


def gp_nll(log_hypers, x, y):
    lengthscale, variance, noise = np.exp(log_hypers)
    K = rbf_kernel(x, x, lengthscale, variance) + noise * np.eye(len(x))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(K, y)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * len(x) * np.log(2 * np.pi)


def make_args(rng):
    x = np.sort(rng.uniform(-3, 3, 12))
    return np.log(np.array([1.0, 1.5, 0.1])), x, np.sin(x) + 0.1 * rng.standard_normal(12)


PROGRAM = Program("gaussian_process_nll", gp_nll, make_args, order=2)
