"""The workloads the benchmark scripts share, each with its hand-written derivative.

Written once in plain numpy (what xformad differentiates); the autograd version of the MLP
is built here too so every script times the same program.
"""

from __future__ import annotations

import numpy as np


def seed(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def seed_hand(x1, x2):
    return 1.0 / x1 + x2, x1 - np.cos(x2)


def mlp_loss(params, x, labels):
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    logits = h2 @ w3 + b3
    shifted = logits - logits.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -logp[np.arange(len(labels)), labels].mean()


def mlp_hand(params, x, labels):
    """Hand-written backprop for mlp_loss: what a careful person writes by hand."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    logits = h2 @ w3 + b3
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    p = e / e.sum(axis=1, keepdims=True)
    n = len(labels)
    dlogits = p
    dlogits[np.arange(n), labels] -= 1.0
    dlogits /= n
    dw3 = h2.T @ dlogits
    db3 = dlogits.sum(axis=0)
    dh2 = (dlogits @ w3.T) * (1 - h2 * h2)
    dw2 = h1.T @ dh2
    db2 = dh2.sum(axis=0)
    dh1 = (dh2 @ w2.T) * (1 - h1 * h1)
    dw1 = x.T @ dh1
    db1 = dh1.sum(axis=0)
    return [dw1, db1, dw2, db2, dw3, db3]


def mlp_setup(rng, batch=256, sizes=(784, 512, 512, 10)):
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        params += [rng.normal(scale=1 / np.sqrt(a), size=(a, b)), np.zeros(b)]
    x = rng.normal(size=(batch, sizes[0]))
    labels = rng.integers(0, sizes[-1], size=batch)
    return params, x, labels


def mlp_loss_autograd(anp, x, labels):
    """mlp_loss written against autograd.numpy, closed over the data."""

    def loss(params):
        w1, b1, w2, b2, w3, b3 = params
        h1 = anp.tanh(anp.dot(x, w1) + b1)
        h2 = anp.tanh(anp.dot(h1, w2) + b2)
        logits = anp.dot(h2, w3) + b3
        shifted = logits - anp.max(logits, axis=1, keepdims=True)
        logp = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
        return -anp.mean(logp[np.arange(len(labels)), labels])

    return loss


def logistic(x, n):
    for _ in range(n):
        x = 4 * x * (1 - x)
    return x


def logistic_hand(x, n):
    """The derivative by hand: forward mode, chain rule step by step."""
    d = 1.0
    for _ in range(n):
        d = d * (4 - 8 * x)
        x = 4 * x * (1 - x)
    return d


def rnn_loss(w, xs):
    h = np.zeros(w.shape[0])
    for x_t in xs:
        h = np.tanh(w @ h + x_t)
    return np.sum(h**2)


def rnn_hand(w, xs):
    """Backpropagation through time by hand."""
    hs = [np.zeros(w.shape[0])]
    for x_t in xs:
        hs.append(np.tanh(w @ hs[-1] + x_t))
    dh = 2 * hs[-1]
    dw = np.zeros_like(w)
    for t in range(len(xs), 0, -1):
        da = dh * (1 - hs[t] * hs[t])
        dw += np.outer(da, hs[t - 1])
        dh = w.T @ da
    return dw


def rnn_setup(rng, steps=200, hidden=64):
    """The RNN's weights W (hidden x hidden) and inputs xs (steps x hidden), float64."""
    w = rng.normal(scale=0.5 / np.sqrt(hidden), size=(hidden, hidden))
    xs = rng.normal(size=(steps, hidden))
    return w, xs


def mlp_grad_torch(torch, params, x, labels):
    """The MLP's gradient in torch eager (float64): a function building the graph per call."""
    tp = [torch.tensor(p, requires_grad=True) for p in params]
    tx, tl = torch.tensor(x), torch.tensor(labels)

    def grad():
        w1, b1, w2, b2, w3, b3 = tp
        h1 = torch.tanh(tx @ w1 + b1)
        h2 = torch.tanh(h1 @ w2 + b2)
        loss = torch.nn.functional.cross_entropy(h2 @ w3 + b3, tl)
        return torch.autograd.grad(loss, tp)

    return grad


def rnn_loss_autograd(anp, xs):
    """rnn_loss written against autograd.numpy, closed over the inputs."""

    def loss(w):
        h = anp.zeros(w.shape[0])
        for x_t in xs:
            h = anp.tanh(anp.dot(w, h) + x_t)
        return anp.sum(h**2)

    return loss


def rnn_grad_torch(torch, w, xs):
    """The RNN's gradient w.r.t. W in torch eager (float64), the graph built per call."""
    tw, txs = torch.tensor(w, requires_grad=True), torch.tensor(xs)

    def grad():
        h = torch.zeros(w.shape[0], dtype=torch.float64)
        for t in range(len(xs)):
            h = torch.tanh(tw @ h + txs[t])
        return torch.autograd.grad(torch.sum(h**2), tw)

    return grad
