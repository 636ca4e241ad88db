"""Issue 4's array benchmarks: xformad.jit(grad) against hand-written derivatives and peers.

1. MLP 784-512-512-10, batch 256, tanh, softmax cross-entropy, float64 (bench_core's).
2. Elementwise sum(tanh(x) exp(-x^2) + sin(x)^2) over 10^6 float64: time and peak memory
   (tracemalloc: numpy allocations, which autograd's are too).
3. RNN h = tanh(W h + x_t), T = 200, hidden 64, loss sum(h_T^2): gradient w.r.t. W.

Peers: autograd, torch (CPU, one thread) and jax.jit(grad). Medians over interleaved
repeats, as ratios to the hand-written derivative measured in the same run.

Run (add --quick for a short run):
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/bench_jit_arrays.py
"""

from __future__ import annotations

import argparse
import sys
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_jit import _jax, warm  # noqa: E402
from common import compiled, interleaved, report  # noqa: E402
from workloads import (  # noqa: E402
    mlp_grad_torch,
    mlp_hand,
    mlp_loss,
    mlp_loss_autograd,
    mlp_setup,
    rnn_grad_torch,
    rnn_hand,
    rnn_loss,
    rnn_loss_autograd,
    rnn_setup,
)

import xformad  # noqa: E402


def _torch():
    try:
        import torch

        torch.set_num_threads(1)
        return torch
    except Exception as exc:
        print(f"  (torch unavailable: {exc})")
        return None


def _check(got, want) -> None:
    for a, b in zip(got, want):
        assert np.allclose(a, b, rtol=1e-9, atol=1e-12)


def _summary(medians: dict, target: str) -> None:
    base = medians["hand-written"]
    print(f"  jit / hand-written: {medians['xformad.jit(grad)'] / base:.2f}x (target {target})")


# -- 1. MLP ------------------------------------------------------------------------------------
def bench_mlp(repeats: int) -> None:
    import autograd
    import autograd.numpy as anp

    params, x, labels = mlp_setup(np.random.default_rng(0))
    jg = compiled(xformad.grad(mlp_loss))
    _check(jg(params, x, labels), mlp_hand(params, x, labels))
    warm(jg, params, x, labels)

    ag = autograd.grad(mlp_loss_autograd(anp, x, labels))
    contenders = {
        "hand-written": lambda: mlp_hand(params, x, labels),
        "xformad.jit(grad)": lambda: jg(params, x, labels),
        "autograd": lambda: ag(params),
    }
    torch = _torch()
    if torch is not None:
        torch_grad = mlp_grad_torch(torch, params, x, labels)
        contenders["torch"] = torch_grad
    jax = _jax()
    if jax is not None:
        jparams = [jax.numpy.asarray(p) for p in params]
        jx, jl = jax.numpy.asarray(x), jax.numpy.asarray(labels)
        g_jax = jax.jit(jax.grad(lambda p: mlp_loss_jax(jax.numpy, p, jx, jl)))
        jax.block_until_ready(g_jax(jparams))
        contenders["jax.jit(grad)"] = lambda: jax.block_until_ready(g_jax(jparams))
    medians = interleaved(contenders, repeats=repeats, target=0.3)
    report("MLP 784-512-512-10, batch 256, float64: gradient", medians, "hand-written")
    _summary(medians, "<= 1.05")


def mlp_loss_jax(jnp, params, x, labels):
    w1, b1, w2, b2, w3, b3 = params
    h1 = jnp.tanh(x @ w1 + b1)
    h2 = jnp.tanh(h1 @ w2 + b2)
    logits = h2 @ w3 + b3
    shifted = logits - logits.max(axis=1, keepdims=True)
    logp = shifted - jnp.log(jnp.exp(shifted).sum(axis=1, keepdims=True))
    return -logp[jnp.arange(len(labels)), labels].mean()


# -- 2. elementwise -------------------------------------------------------------------------
def elementwise(x):
    return np.sum(np.tanh(x) * np.exp(-(x**2)) + np.sin(x) ** 2)


def elementwise_hand(x):
    t = np.tanh(x)
    e = np.exp(-(x**2))
    s = np.sin(x)
    return (1 - t * t) * e - 2 * x * t * e + 2 * s * np.cos(x)


def _peak(fn) -> int:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def bench_elementwise(repeats: int, size: int) -> None:
    import autograd
    import autograd.numpy as anp

    x = np.linspace(-3, 3, size)
    jg = compiled(xformad.grad(elementwise))
    _check([jg(x)], [elementwise_hand(x)])
    warm(jg, x)
    ag = autograd.grad(lambda x: anp.sum(anp.tanh(x) * anp.exp(-(x**2)) + anp.sin(x) ** 2))
    contenders = {
        "hand-written": lambda: elementwise_hand(x),
        "xformad.jit(grad)": lambda: jg(x),
        "xformad.grad (eager)": lambda: xformad.grad(elementwise)(x),
        "autograd": lambda: ag(x),
    }
    torch = _torch()
    if torch is not None:
        tx = torch.tensor(x, requires_grad=True)

        def torch_grad():
            y = torch.sum(torch.tanh(tx) * torch.exp(-(tx**2)) + torch.sin(tx) ** 2)
            return torch.autograd.grad(y, tx)

        contenders["torch"] = torch_grad
    jax = _jax()
    if jax is not None:
        jnp = jax.numpy
        jx = jnp.asarray(x)
        g_jax = jax.jit(jax.grad(lambda x: jnp.sum(jnp.tanh(x) * jnp.exp(-(x**2)) + jnp.sin(x) ** 2)))
        jax.block_until_ready(g_jax(jx))
        contenders["jax.jit(grad)"] = lambda: jax.block_until_ready(g_jax(jx))
    medians = interleaved(contenders, repeats=repeats, target=0.2)
    report(
        f"elementwise sum(tanh(x) exp(-x^2) + sin(x)^2), {size} float64: gradient", medians, "hand-written"
    )
    _summary(medians, "<= 1.1")
    peaks = {name: _peak(contenders[name]) for name in ("hand-written", "xformad.jit(grad)", "autograd")}
    peaks["xformad.grad (eager)"] = _peak(contenders["xformad.grad (eager)"])
    base = peaks["hand-written"]
    print("  peak memory (tracemalloc):")
    for name, p in peaks.items():
        print(f"    {name:<24}{p / 2**20:>8.1f} MiB{p / base:>8.2f}x")
    print("  (target: jit <= hand-written's peak)")


# -- 3. RNN -----------------------------------------------------------------------------------
def bench_rnn(repeats: int, steps: int = 200, hidden: int = 64) -> None:
    import autograd
    import autograd.numpy as anp

    w, xs = rnn_setup(np.random.default_rng(0), steps, hidden)
    jg = compiled(xformad.grad(rnn_loss))
    _check([jg(w, xs)], [rnn_hand(w, xs)])
    warm(jg, w, xs)

    ag = autograd.grad(rnn_loss_autograd(anp, xs))
    contenders = {
        "hand-written": lambda: rnn_hand(w, xs),
        "xformad.jit(grad)": lambda: jg(w, xs),
        "autograd": lambda: ag(w),
    }
    torch = _torch()
    if torch is not None:
        torch_grad = rnn_grad_torch(torch, w, xs)
        contenders["torch"] = torch_grad
    jax = _jax()
    if jax is not None:
        jnp = jax.numpy

        def jax_loss(w, xs):
            def step(h, x_t):
                return jnp.tanh(w @ h + x_t), None

            h, _ = jax.lax.scan(step, jnp.zeros(hidden), xs)
            return jnp.sum(h**2)

        g_jax = jax.jit(jax.grad(jax_loss))
        jw, jxs = jnp.asarray(w), jnp.asarray(xs)
        jax.block_until_ready(g_jax(jw, jxs))
        contenders["jax.jit(grad) (lax.scan)"] = lambda: jax.block_until_ready(g_jax(jw, jxs))
    medians = interleaved(contenders, repeats=repeats, target=0.2)
    report(f"RNN h = tanh(W h + x_t), T={steps}, hidden {hidden}: gradient w.r.t. W", medians, "hand-written")
    _summary(medians, "<= 1.2")
    if "jax.jit(grad) (lax.scan)" in medians:
        gap = medians["xformad.jit(grad)"] / medians["jax.jit(grad) (lax.scan)"]
        print(f"  jit / jax.jit: {gap:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller elementwise size")
    args = parser.parse_args()
    repeats = 5 if args.quick else 15
    bench_mlp(repeats)
    bench_elementwise(repeats, 200_000 if args.quick else 1_000_000)
    bench_rnn(repeats)


if __name__ == "__main__":
    main()
