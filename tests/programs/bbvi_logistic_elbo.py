"""Black-box variational inference for Bayesian logistic regression: a mean-field Gaussian
q(w) = N(mu, diag(sigma^2)), reparameterised samples w = mu + sigma * eps with
eps = rng.standard_normal((S, d)) from rng = np.random.default_rng(0) made inside the
objective; returns the negative Monte Carlo ELBO."""

import numpy as np

from . import Program


def log_joint(w, X, y, prior_scale=2.0):
    logits = X @ w
    log_lik = np.sum(y * logits - np.logaddexp(0.0, logits))
    log_prior = -0.5 * np.sum(w**2) / prior_scale**2
    return log_lik + log_prior


def negative_elbo(mu, log_sigma, X, y, n_samples=16):
    rng = np.random.default_rng(0)
    eps = rng.standard_normal((n_samples, len(mu)))
    samples = mu + np.exp(log_sigma) * eps
    expected_log_joint = np.mean([log_joint(w, X, y) for w in samples])
    entropy = np.sum(log_sigma) + 0.5 * len(mu) * (1.0 + np.log(2.0 * np.pi))
    return -(expected_log_joint + entropy)


def make_args(rng):
    X = np.c_[np.ones(30), rng.standard_normal((30, 2))]
    y = (rng.uniform(size=30) < 1.0 / (1.0 + np.exp(-X @ np.array([0.3, 1.0, -0.7])))).astype(float)
    return np.array([0.1, 0.5, -0.4]), np.array([-1.0, -1.2, -0.8]), X, y


PROGRAM = Program(
    "bbvi_logistic_elbo",
    negative_elbo,
    make_args,
    argnums=(0, 1),
    order=2,
)
