"""A realistic program: a multinomial logistic-regression classifier in plain numpy and
scipy.special, its loss written once with logsumexp and once with softmax. Gradients
against finite differences (both modes, order 2) and against autograd, eager and jit."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special

import xformad
from xformad.testing import check_grads

N_SAMPLES, N_FEATURES, N_CLASSES = 40, 5, 3


@pytest.fixture
def data(rng):
    features = rng.standard_normal((N_SAMPLES, N_FEATURES))
    labels = rng.integers(0, N_CLASSES, size=N_SAMPLES)
    weights = 0.5 * rng.standard_normal((N_FEATURES, N_CLASSES))
    bias = 0.1 * rng.standard_normal(N_CLASSES)
    return features, labels, weights, bias


def loss_logsumexp(weights, bias, features, labels):
    """Mean negative log-likelihood (cross-entropy) plus an L2 penalty."""
    logits = features @ weights + bias
    log_norm = scipy.special.logsumexp(logits, axis=1)
    chosen = logits[np.arange(len(labels)), labels]
    return np.mean(log_norm - chosen) + 0.01 * np.sum(weights**2)


def loss_softmax(weights, bias, features, labels):
    """The same loss through the predicted probabilities."""
    probs = scipy.special.softmax(features @ weights + bias, axis=1)
    return -np.mean(np.log(probs[np.arange(len(labels)), labels])) + 0.01 * np.sum(weights**2)


def _autograd_gradient(data):
    autograd = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    asp = pytest.importorskip("autograd.scipy.special")
    features, labels, weights, bias = data

    def loss(weights, bias):
        logits = anp.dot(features, weights) + bias
        chosen = logits[anp.arange(len(labels)), labels]
        return anp.mean(asp.logsumexp(logits, axis=1) - chosen) + 0.01 * anp.sum(weights**2)

    return autograd.grad(loss, argnum=(0, 1))(weights, bias)


@pytest.mark.parametrize("loss", [loss_logsumexp, loss_softmax], ids=["logsumexp", "softmax"])
def test_gradient_matches_finite_differences_and_autograd(loss, data):
    features, labels, weights, bias = data
    check_grads(lambda w, b: loss(w, b, features, labels), (weights, bias), modes=("fwd", "rev"), order=2)
    ours = xformad.grad(loss, argnums=(0, 1))(weights, bias, features, labels)
    theirs = _autograd_gradient(data)
    for g, h in zip(ours, theirs):
        np.testing.assert_allclose(g, h, rtol=1e-12, atol=1e-15)
    # the two losses are the same function
    np.testing.assert_allclose(
        loss(weights, bias, features, labels), loss_logsumexp(weights, bias, features, labels)
    )


@pytest.mark.parametrize("loss", [loss_logsumexp, loss_softmax], ids=["logsumexp", "softmax"])
def test_jit_training_steps_equal_eager_ones(loss, data):
    features, labels, weights, bias = data
    grad = xformad.grad(loss, argnums=(0, 1))
    fast = xformad.jit(grad)
    for _ in range(3):  # a few steps of gradient descent: new values each call
        (gw, gb), (fw, fb) = grad(weights, bias, features, labels), fast(weights, bias, features, labels)
        np.testing.assert_allclose(fw, gw, rtol=1e-14, atol=1e-16)
        np.testing.assert_allclose(fb, gb, rtol=1e-14, atol=1e-16)
        weights, bias = weights - 0.5 * gw, bias - 0.5 * gb
    np.testing.assert_allclose(
        xformad.jit(loss)(weights, bias, features, labels), loss(weights, bias, features, labels), rtol=1e-15
    )
