"""A small variational autoencoder on binary data: a linear-tanh encoder gives mu and
log-variance, z = mu + exp(logvar / 2) * eps with eps from np.random.default_rng(7) made
inside the objective, a logistic decoder, Bernoulli reconstruction and the analytic KL;
returns the negative ELBO averaged over the batch."""

import numpy as np

from . import Program


def negative_elbo(params, x):
    hidden = np.tanh(x @ params["W_enc"] + params["b_enc"])
    mu = hidden @ params["W_mu"]
    logvar = hidden @ params["W_logvar"]
    rng = np.random.default_rng(7)
    eps = rng.standard_normal(mu.shape)
    z = mu + np.exp(0.5 * logvar) * eps
    logits = z @ params["W_dec"] + params["b_dec"]
    reconstruction = np.sum(x * logits - np.logaddexp(0.0, logits), axis=1)
    kl = 0.5 * np.sum(np.exp(logvar) + mu**2 - 1.0 - logvar, axis=1)
    return -np.mean(reconstruction - kl)


def make_args(rng):
    n, d, h, k = 12, 8, 5, 2
    params = {
        "W_enc": rng.standard_normal((d, h)) / np.sqrt(d),
        "b_enc": np.zeros(h),
        "W_mu": rng.standard_normal((h, k)) / np.sqrt(h),
        "W_logvar": 0.1 * rng.standard_normal((h, k)),
        "W_dec": rng.standard_normal((k, d)) / np.sqrt(k),
        "b_dec": np.zeros(d),
    }
    return params, (rng.uniform(size=(n, d)) < 0.4).astype(float)


PROGRAM = Program("vae_bernoulli_elbo", negative_elbo, make_args, order=2)
