"""Issue 2's benchmark: eager xformad against autograd and hand-written numpy derivatives.

1. The seed function f(x1, x2) = ln x1 + x1 x2 - sin x2: gradient per call.
2. An MLP 784-512-512-10, batch 256, tanh, softmax cross-entropy, float64: gradient time
   over forward time, and against hand-written backprop and autograd.

Run: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/bench_core.py
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import interleaved, report  # noqa: E402

import xformad  # noqa: E402


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 5 if args.quick else 15
    import autograd
    import autograd.numpy as anp

    def seed_ag(x1, x2):
        return anp.log(x1) + x1 * x2 - anp.sin(x2)

    g_x = xformad.grad(seed, argnums=(0, 1))
    g_ag = autograd.grad(seed_ag, argnum=(0, 1)) if False else autograd.grad(lambda xs: seed_ag(xs[0], xs[1]))
    assert np.allclose(g_x(2.0, 5.0), seed_hand(2.0, 5.0))
    medians = interleaved(
        {
            "hand-written numpy": lambda: seed_hand(2.0, 5.0),
            "xformad.grad (eager)": lambda: g_x(2.0, 5.0),
            "autograd.grad": lambda: g_ag((2.0, 5.0)),
        },
        repeats=repeats,
    )
    report("seed function, gradient per call (scalars)", medians, "hand-written numpy")
    print(f"  autograd / xformad: {medians['autograd.grad'] / medians['xformad.grad (eager)']:.2f}x")

    rng = np.random.default_rng(0)
    params, x, labels = mlp_setup(rng)

    def mlp_ag_loss(params):
        w1, b1, w2, b2, w3, b3 = params
        h1 = anp.tanh(anp.dot(x, w1) + b1)
        h2 = anp.tanh(anp.dot(h1, w2) + b2)
        logits = anp.dot(h2, w3) + b3
        shifted = logits - anp.max(logits, axis=1, keepdims=True)
        logp = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
        return -anp.mean(logp[np.arange(len(labels)), labels])

    g_mlp = xformad.grad(mlp_loss)
    ag_mlp = autograd.grad(mlp_ag_loss)
    for a, b in zip(g_mlp(params, x, labels), mlp_hand(params, x, labels)):
        assert np.allclose(a, b, rtol=1e-10, atol=1e-12)
    medians = interleaved(
        {
            "forward pass (numpy)": lambda: mlp_loss(params, x, labels),
            "hand-written backprop": lambda: mlp_hand(params, x, labels),
            "xformad.grad (eager)": lambda: g_mlp(params, x, labels),
            "autograd.grad": lambda: ag_mlp(params),
        },
        repeats=repeats,
        target=0.3,
    )
    report("MLP 784-512-512-10, batch 256, float64: gradient", medians, "hand-written backprop")
    fwd = medians["forward pass (numpy)"]
    print(f"  xformad gradient / forward pass: {medians['xformad.grad (eager)'] / fwd:.2f}x (target <= 3)")
    print(
        f"  xformad / hand-written backprop: "
        f"{medians['xformad.grad (eager)'] / medians['hand-written backprop']:.2f}x (target <= 1.2)"
    )


if __name__ == "__main__":
    main()
