"""Two-layer tanh MLP classifier: softmax cross-entropy; parameters are a list of dicts."""

import numpy as np

from . import Program


def log_softmax(logits):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def predict(params, X):
    h = X
    for layer in params[:-1]:
        h = np.tanh(h @ layer["W"] + layer["b"])
    return h @ params[-1]["W"] + params[-1]["b"]


def cross_entropy(params, X, labels):
    n_classes = params[-1]["b"].shape[0]
    one_hot = np.eye(n_classes)[labels]
    return -np.mean(np.sum(one_hot * log_softmax(predict(params, X)), axis=1))


def make_args(rng):
    sizes = [4, 8, 3]
    params = [
        {"W": rng.standard_normal((m, n)) / np.sqrt(m), "b": 0.1 * rng.standard_normal(n)}
        for m, n in zip(sizes[:-1], sizes[1:])
    ]
    return params, rng.standard_normal((16, 4)), rng.integers(0, 3, size=16)


PROGRAM = Program("mlp_softmax_xent", cross_entropy, make_args, order=2)
