"""Issue 14's benchmark: vmap, and the jacobians built on it, against loops and peers.

1. Per-example gradients of an MLP 784-256-10 (tanh, softmax cross-entropy), batch 128,
   float64: ``xformad.vmap(xformad.grad(loss), in_axes=(None, 0, 0))`` (eager and jitted)
   against a Python loop of ``xformad.grad``, ``jax.jit(jax.vmap(jax.grad))`` and
   ``torch.func.vmap(torch.func.grad)``. Targets: >= 30x the loop, <= 1.2x torch.func.
2. ``jacrev`` of f(x) = tanh(W x), R^512 -> R^512: the batched sweep against the row-by-row
   sweeps jacrev ran before (one ``vjp_fn`` call per output element, one trace),
   ``jax.jit(jax.jacrev)`` and ``torch.func.jacrev``. Targets: >= 20x row by row, <= 1.2x
   the best peer.
3. ``hessian`` of the 200-dimensional Rosenbrock function: forward-over-reverse batched,
   eager and jitted, against the column-by-column forward sweeps of before,
   ``jax.jit(jax.hessian)`` and ``torch.func.hessian``. Target: <= 1.2x the best peer.

Every contender's result is checked against xformad's before it is timed. Medians over
interleaved repeats (benchmarks/common.py), on one thread.

Run: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/bench_vmap.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import check_matches, compiled, interleaved, print_ratio, report  # noqa: E402

import xformad  # noqa: E402
from xformad import backends  # noqa: E402
from xformad.transforms.call import trace_call  # noqa: E402
from xformad.transforms.forward import forward  # noqa: E402


def _peers():
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
    except ImportError:
        jax = jnp = None
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
    return jax, jnp, torch


def _check(name: str, got, want, rtol: float = 1e-8, atol: float = 1e-10) -> None:
    check_matches(name, got, want, reference="xformad's result", rtol=rtol, atol=atol)


# --- 1. per-example gradients --------------------------------------------------------------
def mlp_loss(params, x, y):
    """Softmax cross-entropy of one example (y one-hot), one tanh hidden layer."""
    W1, b1, W2, b2 = params
    h = np.tanh(x @ W1 + b1)
    z = h @ W2 + b2
    z = z - np.max(z)
    return -np.sum(y * (z - np.log(np.sum(np.exp(z)))))


def bench_per_example(repeats: int, jax, jnp, torch, batch: int = 128) -> None:
    rng = np.random.default_rng(0)
    params = (
        rng.normal(size=(784, 256)) / 28.0,
        np.zeros(256),
        rng.normal(size=(256, 10)) / 16.0,
        np.zeros(10),
    )
    X = rng.normal(size=(batch, 784))
    Y = np.eye(10)[rng.integers(0, 10, size=batch)]

    per_example = xformad.vmap(xformad.grad(mlp_loss), in_axes=(None, 0, 0))
    per_example_jit = compiled(per_example)
    grad = xformad.grad(mlp_loss)

    def loop():
        rows = [grad(params, X[i], Y[i]) for i in range(batch)]
        return tuple(np.stack([r[k] for r in rows]) for k in range(4))

    want = per_example(params, X, Y)
    contenders = {
        "xformad.vmap(grad)": lambda: per_example(params, X, Y),
        "xformad.jit(vmap(grad))": lambda: per_example_jit(params, X, Y),
        "loop of xformad.grad": loop,
    }
    if jax is not None:

        def loss_jax(p, x, y):
            W1, b1, W2, b2 = p
            z = jnp.tanh(x @ W1 + b1) @ W2 + b2
            z = z - jnp.max(z)
            return -jnp.sum(y * (z - jnp.log(jnp.sum(jnp.exp(z)))))

        f_jax = jax.jit(jax.vmap(jax.grad(loss_jax), in_axes=(None, 0, 0)))
        p_jax = tuple(jnp.asarray(p) for p in params)
        X_jax, Y_jax = jnp.asarray(X), jnp.asarray(Y)
        contenders["jax.jit(vmap(grad))"] = lambda: jax.block_until_ready(f_jax(p_jax, X_jax, Y_jax))
    if torch is not None:
        from torch.func import grad as tgrad
        from torch.func import vmap as tvmap

        def loss_torch(p, x, y):
            W1, b1, W2, b2 = p
            z = torch.tanh(x @ W1 + b1) @ W2 + b2
            z = z - torch.max(z)
            return -torch.sum(y * (z - torch.log(torch.sum(torch.exp(z)))))

        f_torch = tvmap(tgrad(loss_torch), in_dims=(None, 0, 0))
        p_torch = tuple(torch.from_numpy(p) for p in params)
        X_torch, Y_torch = torch.from_numpy(X), torch.from_numpy(Y)
        contenders["torch.func.vmap(grad)"] = lambda: f_torch(p_torch, X_torch, Y_torch)
    for name, fn in contenders.items():
        _check(name, fn(), want)
    medians = interleaved(contenders, repeats=repeats, target=0.2)
    report(f"per-example gradients, MLP 784-256-10, batch {batch}, float64", medians, "xformad.vmap(grad)")
    print_ratio(medians, "loop of xformad.grad", "xformad.vmap(grad)", "(target >= 30)")
    print_ratio(medians, "xformad.vmap(grad)", "torch.func.vmap(grad)", "(target <= 1.2)")
    print_ratio(medians, "xformad.vmap(grad)", "jax.jit(vmap(grad))")


# --- 2. jacrev -----------------------------------------------------------------------------
def bench_jacrev(repeats: int, jax, jnp, torch, n: int = 512) -> None:
    rng = np.random.default_rng(1)
    W = rng.normal(size=(n, n)) / np.sqrt(n)
    x = rng.normal(size=n)

    def f(x):
        return np.tanh(W @ x)

    jacrev = xformad.jacrev(f)
    jacrev_jit = compiled(jacrev)

    def row_by_row():  # what jacrev did before: one trace, one backward sweep per row
        _, back = xformad.vjp(f, x)
        eye = np.eye(n)
        return np.stack([back(eye[k])[0] for k in range(n)])

    want = (1 - np.tanh(W @ x) ** 2)[:, None] * W
    contenders = {
        "xformad.jacrev (batched)": lambda: jacrev(x),
        "xformad.jit(jacrev)": lambda: jacrev_jit(x),
        "row-by-row sweeps (before)": row_by_row,
    }
    if jax is not None:
        W_jax = jnp.asarray(W)
        j_jax = jax.jit(jax.jacrev(lambda x: jnp.tanh(W_jax @ x)))
        x_jax = jnp.asarray(x)
        contenders["jax.jit(jacrev)"] = lambda: jax.block_until_ready(j_jax(x_jax))
    if torch is not None:
        from torch.func import jacrev as tjacrev

        W_torch = torch.from_numpy(W)
        j_torch = tjacrev(lambda x: torch.tanh(W_torch @ x))
        x_torch = torch.from_numpy(x)
        contenders["torch.func.jacrev"] = lambda: j_torch(x_torch)
    for name, fn in contenders.items():
        _check(name, fn(), want)
    medians = interleaved(contenders, repeats=repeats, target=0.2)
    report(f"jacrev of tanh(W x), R^{n} -> R^{n}", medians, "xformad.jacrev (batched)")
    print_ratio(medians, "row-by-row sweeps (before)", "xformad.jacrev (batched)", "(target >= 20)")
    peers = [k for k in ("jax.jit(jacrev)", "torch.func.jacrev") if k in medians]
    if peers:
        best = min(peers, key=medians.get)
        print_ratio(medians, "xformad.jacrev (batched)", best, "(best peer; target <= 1.2)")
        print_ratio(medians, "xformad.jit(jacrev)", best)


# --- 3. hessian ----------------------------------------------------------------------------
def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _column_by_column_hessian(x):
    """What hessian did before: trace the gradient once, one forward sweep per column."""
    be = backends.active()
    call = trace_call(xformad.grad(rosenbrock), (x,), {}, (0,), be)
    var, out = call.in_vars[0], call.out._var
    eye = np.eye(x.size)
    columns = [forward(call.trace, {var: eye[k]})[out] for k in range(x.size)]
    call.trace.release()
    return np.stack(columns, axis=-1)


def bench_hessian(repeats: int, jax, jnp, torch, n: int = 200) -> None:
    x = np.random.default_rng(2).uniform(-1.0, 1.0, size=n)
    hessian = xformad.hessian(rosenbrock)
    hessian_jit = compiled(hessian)
    want = hessian(x)
    contenders = {
        "xformad.hessian (batched)": lambda: hessian(x),
        "xformad.jit(hessian)": lambda: hessian_jit(x),
        "column by column (before)": lambda: _column_by_column_hessian(x),
    }
    if jax is not None:

        def rosen_jax(x):
            return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

        h_jax = jax.jit(jax.hessian(rosen_jax))
        x_jax = jnp.asarray(x)
        contenders["jax.jit(hessian)"] = lambda: jax.block_until_ready(h_jax(x_jax))
    if torch is not None:
        from torch.func import hessian as thessian

        def rosen_torch(x):
            return torch.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

        h_torch = thessian(rosen_torch)
        x_torch = torch.from_numpy(x)
        contenders["torch.func.hessian"] = lambda: h_torch(x_torch)
    for name, fn in contenders.items():
        _check(name, fn(), want)
    medians = interleaved(contenders, repeats=repeats, target=0.2)
    report(f"hessian of the {n}-dimensional Rosenbrock function", medians, "xformad.hessian (batched)")
    print_ratio(medians, "column by column (before)", "xformad.hessian (batched)")
    peers = [k for k in ("jax.jit(hessian)", "torch.func.hessian") if k in medians]
    if peers:
        best = min(peers, key=medians.get)
        print_ratio(medians, "xformad.hessian (batched)", best, "(best peer; target <= 1.2)")
        print_ratio(medians, "xformad.jit(hessian)", best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    options = parser.parse_args()
    repeats = 3 if options.quick else 11
    jax, jnp, torch = _peers()
    bench_per_example(repeats, jax, jnp, torch)
    bench_jacrev(repeats, jax, jnp, torch)
    bench_hessian(repeats, jax, jnp, torch)


if __name__ == "__main__":
    main()
