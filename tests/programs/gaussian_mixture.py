"""1-D Gaussian mixture log-likelihood with a hand-written logsumexp; params are a dict."""

import numpy as np

from . import Program


def logsumexp(a, axis):
    m = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(a - m), axis=axis))


def mixture_loglik(params, x):
    means = params["means"]
    scales = np.exp(params["log_scales"])
    log_weights = params["logits"] - logsumexp(params["logits"], axis=0)
    z = (x[:, None] - means[None, :]) / scales
    log_comp = -0.5 * z**2 - np.log(scales) - 0.5 * np.log(2 * np.pi)
    return np.sum(logsumexp(log_weights + log_comp, axis=1))


def make_args(rng):
    x = np.concatenate([rng.normal(-2, 0.5, 20), rng.normal(1.5, 1.0, 30)])
    params = {
        "means": np.array([-1.0, 0.5, 2.0]),
        "log_scales": np.array([0.1, -0.2, 0.3]),
        "logits": np.array([0.2, -0.1, 0.4]),
    }
    return params, x


PROGRAM = Program("gaussian_mixture", mixture_loglik, make_args, order=2)
