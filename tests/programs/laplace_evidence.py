"""Laplace approximation to the evidence of Bayesian logistic regression at given weights:
log p(y|w) + log p(w) - 1/2 log det(Hessian), with slogdet."""

import numpy as np

from . import Program


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def laplace_log_evidence(w, log_prior_precision, X, y):
    alpha = np.exp(log_prior_precision)
    p = sigmoid(X @ w)
    log_lik = np.sum(y * np.log(p) + (1 - y) * np.log1p(-p))
    d = len(w)
    log_prior = -0.5 * alpha * w @ w + 0.5 * d * np.log(alpha / (2 * np.pi))
    hessian = X.T @ (X * (p * (1 - p))[:, None]) + alpha * np.eye(d)
    _, logdet = np.linalg.slogdet(hessian)
    return log_lik + log_prior - 0.5 * logdet + 0.5 * d * np.log(2 * np.pi)


def make_args(rng):
    X = rng.standard_normal((30, 3))
    y = (X @ np.array([1.0, -1.0, 0.5]) + 0.5 * rng.standard_normal(30) > 0).astype(float)
    return np.array([0.8, -0.6, 0.3]), np.array(0.0), X, y


PROGRAM = Program("laplace_evidence", laplace_log_evidence, make_args, argnums=(0, 1), order=2)
