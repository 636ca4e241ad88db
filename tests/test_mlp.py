"""A 2-layer MLP loss with softmax cross-entropy on list-of-arrays parameters."""

from __future__ import annotations

import numpy as np

import xformad
from xformad.testing import check_grads


def mlp_loss(params, x, labels):
    w1, b1, w2, b2 = params
    hidden = np.tanh(x @ w1 + b1)
    logits = hidden @ w2 + b2
    logits = logits - logits.max(axis=1, keepdims=True)
    log_probs = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(len(labels)), labels])


def _setup(rng, dtype=np.float64):
    params = [
        rng.normal(size=(5, 4)),
        rng.normal(size=4) * 0.1,
        rng.normal(size=(4, 3)),
        rng.normal(size=3) * 0.1,
    ]
    x = rng.normal(size=(6, 5))
    labels = rng.integers(0, 3, size=6)
    return [p.astype(dtype) for p in params], x.astype(dtype), labels


def test_mlp_gradient_matches_finite_differences(rng):
    params, x, labels = _setup(rng)
    check_grads(lambda p: mlp_loss(p, x, labels), (params,), order=2)


def test_mlp_gradient_matches_hand_written_backprop(rng):
    params, x, labels = _setup(rng)
    w1, b1, w2, b2 = params
    h = np.tanh(x @ w1 + b1)
    logits = h @ w2 + b2
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    d = p.copy()
    d[np.arange(6), labels] -= 1
    d /= 6
    dh = (d @ w2.T) * (1 - h**2)
    expected = [x.T @ dh, dh.sum(0), h.T @ d, d.sum(0)]
    got = xformad.grad(mlp_loss)(params, x, labels)
    assert isinstance(got, list) and len(got) == 4
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_mlp_float32_gradients_stay_float32(rng):
    params, x, labels = _setup(rng, np.float32)
    got = xformad.grad(mlp_loss)(params, x, labels)
    assert all(g.dtype == np.float32 for g in got)


def test_mlp_against_autograd(rng):
    autograd = __import__("pytest").importorskip("autograd")
    import autograd.numpy as anp

    params, x, labels = _setup(rng)

    def loss_ag(params):
        w1, b1, w2, b2 = params
        hidden = anp.tanh(anp.dot(x, w1) + b1)
        logits = anp.dot(hidden, w2) + b2
        logits = logits - anp.max(logits, axis=1, keepdims=True)
        log_probs = logits - anp.log(anp.sum(anp.exp(logits), axis=1, keepdims=True))
        return -anp.mean(log_probs[np.arange(len(labels)), labels])

    for a, b in zip(xformad.grad(mlp_loss)(params, x, labels), autograd.grad(loss_ag)(params)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
