"""The models the tests differentiate: plain numpy code, as a user writes it."""

from __future__ import annotations

import numpy as np


def logistic_nll(w, X, y):
    z = X @ w
    return np.sum(np.logaddexp(0, z) - y * z) / len(y)


def least_squares(w, X, y):
    r = X @ w - y
    return 0.5 * np.mean(r**2)


def gmm_loglik(means, log_sigma, logits, X):
    """Log-likelihood of an isotropic K-component Gaussian mixture; means (K, d)."""
    d = X.shape[1]
    log_w = logits - np.log(np.sum(np.exp(logits)))
    sq = np.sum((X[:, None, :] - means[None, :, :]) ** 2, axis=2)  # (n, K)
    log_p = log_w - 0.5 * sq * np.exp(-2 * log_sigma) - d * log_sigma - 0.5 * d * np.log(2 * np.pi)
    top = np.max(log_p, axis=1, keepdims=True)  # logsumexp over components
    return np.sum(top[:, 0] + np.log(np.sum(np.exp(log_p - top), axis=1)))


def mlp_loss(params, X, y):
    """Two-layer tanh network, squared error; the inputs standardised by their own
    statistics and widened by slicing and concatenation first."""
    W1, b1, W2, b2 = params
    feats = np.concatenate([X, X[:, :2] ** 2], axis=1)
    feats = (feats - np.mean(feats, axis=0)) / np.std(feats, axis=0)
    h = np.tanh(feats @ W1 + b1)
    out = h @ W2 + b2
    return np.mean((out[:, 0] - y) ** 2) + 1e-3 * np.var(W1)
