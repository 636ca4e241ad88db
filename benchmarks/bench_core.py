"""Issue 2's benchmark: eager xformad against autograd, torch and hand-written numpy derivatives.

1. The seed function f(x1, x2) = ln x1 + x1 x2 - sin x2: gradient per call (scalars).
2. The logistic map l(k+1) = 4 l(k) (1 - l(k)), n = 64: d l(n) / d x at x = 0.3 (scalar).
3. The RNN h = tanh(W h + x_t), T = 200, hidden 64, float64, loss sum(h_T^2): gradient
   w.r.t. W.
4. An MLP 784-512-512-10, batch 256, tanh, softmax cross-entropy, float64: gradient time
   over forward time, and against hand-written backprop, autograd and torch.

All eager, no jit anywhere: torch builds its graph on every call (its leaf tensors, float64
with requires_grad, are made once), on one thread. Every contender's result is checked
against the hand-written derivative before it is timed. Medians over interleaved repeats,
as ratios to the hand-written derivative measured in the same run.

Run: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/bench_core.py [--quick]
(``--only seed logistic rnn mlp`` runs some of the workloads).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import check_matches, interleaved, print_ratio, report  # noqa: E402
from workloads import (  # noqa: E402
    logistic,
    logistic_hand,
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
    seed,
    seed_hand,
)

import xformad  # noqa: E402

XF = "xformad.grad (eager)"
AG = "autograd.grad"
TORCH = "torch (eager)"


def _check(name: str, got, want, rtol: float = 1e-9, atol: float = 1e-12) -> None:
    check_matches(name, got, want, reference="the hand-written derivative", rtol=rtol, atol=atol)


def bench_seed(repeats: int, torch) -> None:
    import autograd
    import autograd.numpy as anp

    def seed_ag(x1, x2):
        return anp.log(x1) + x1 * x2 - anp.sin(x2)

    g_x = xformad.grad(seed, argnums=(0, 1))
    g_ag = autograd.grad(lambda xs: seed_ag(xs[0], xs[1]))
    want = seed_hand(2.0, 5.0)
    contenders = {
        "hand-written numpy": lambda: seed_hand(2.0, 5.0),
        XF: lambda: g_x(2.0, 5.0),
        AG: lambda: g_ag((2.0, 5.0)),
    }
    if torch is not None:
        t1 = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
        t2 = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)

        def torch_grad():
            y = torch.log(t1) + t1 * t2 - torch.sin(t2)
            return torch.autograd.grad(y, (t1, t2))

        contenders[TORCH] = torch_grad
    for name, fn in contenders.items():
        _check(name, fn(), want)
    medians = interleaved(contenders, repeats=repeats)
    report("seed function, gradient per call (scalars)", medians, "hand-written numpy")
    print_ratio(medians, AG, XF, "(target: autograd/xformad >= 6)")
    print_ratio(medians, TORCH, XF)


def bench_logistic(repeats: int, torch, n: int = 64) -> None:
    import autograd

    g_x = xformad.grad(logistic)
    g_ag = autograd.grad(logistic)
    want = logistic_hand(0.3, n)
    contenders = {
        "hand-written": lambda: logistic_hand(0.3, n),
        XF: lambda: g_x(0.3, n),
        AG: lambda: g_ag(0.3, n),
    }
    if torch is not None:
        tx = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)

        def torch_grad():
            return torch.autograd.grad(logistic(tx, n), tx)

        contenders[TORCH] = torch_grad
    for name, fn in contenders.items():
        _check(name, fn(), want)
    medians = interleaved(contenders, repeats=repeats)
    title = f"logistic map l(k+1) = 4 l(k) (1 - l(k)), n = {n}: d l(n)/dx at x = 0.3 (scalar)"
    report(title, medians, "hand-written")
    print_ratio(medians, AG, XF, "(target >= 4)")
    print_ratio(medians, TORCH, XF)


def bench_rnn(repeats: int, torch, steps: int = 200, hidden: int = 64) -> None:
    import autograd
    import autograd.numpy as anp

    w, xs = rnn_setup(np.random.default_rng(0), steps, hidden)

    g_x = xformad.grad(rnn_loss)
    g_ag = autograd.grad(rnn_loss_autograd(anp, xs))
    want = rnn_hand(w, xs)
    contenders = {
        "hand-written": lambda: rnn_hand(w, xs),
        XF: lambda: g_x(w, xs),
        AG: lambda: g_ag(w),
    }
    if torch is not None:
        torch_grad = rnn_grad_torch(torch, w, xs)
        contenders[TORCH] = torch_grad
    for name, fn in contenders.items():
        _check(name, fn(), want)
    medians = interleaved(contenders, repeats=repeats, target=0.2)
    report(
        f"RNN h = tanh(W h + x_t), T={steps}, hidden {hidden}, float64: gradient w.r.t. W",
        medians,
        "hand-written",
    )
    print_ratio(medians, TORCH, XF, "(target >= 1.3: xformad faster than torch by 1.3x)")
    print_ratio(medians, AG, XF)
    print_ratio(medians, XF, "hand-written")


def bench_mlp(repeats: int, torch) -> None:
    import autograd
    import autograd.numpy as anp

    rng = np.random.default_rng(0)
    params, x, labels = mlp_setup(rng)

    g_mlp = xformad.grad(mlp_loss)
    ag_mlp = autograd.grad(mlp_loss_autograd(anp, x, labels))
    want = mlp_hand(params, x, labels)
    contenders = {
        "forward pass (numpy)": lambda: mlp_loss(params, x, labels),
        "hand-written backprop": lambda: mlp_hand(params, x, labels),
        XF: lambda: g_mlp(params, x, labels),
        AG: lambda: ag_mlp(params),
    }
    if torch is not None:
        torch_grad = mlp_grad_torch(torch, params, x, labels)
        contenders[TORCH] = torch_grad
    for name, fn in contenders.items():
        if name != "forward pass (numpy)":
            _check(name, fn(), want)
    medians = interleaved(contenders, repeats=repeats, target=0.3)
    report("MLP 784-512-512-10, batch 256, float64: gradient", medians, "hand-written backprop")
    fwd = medians["forward pass (numpy)"]
    print(f"  xformad gradient / forward pass: {medians[XF] / fwd:.2f}x (target <= 3)")
    hand = medians["hand-written backprop"]
    print(f"  xformad / hand-written backprop: {medians[XF] / hand:.2f}x (target <= 1.2)")
    print_ratio(medians, TORCH, XF)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="run only these workloads")
    args = parser.parse_args()
    repeats = 5 if args.quick else 15
    try:
        import torch

        torch.set_num_threads(1)
    except Exception as exc:  # torch is optional: report, don't fail
        print(f"note: torch unavailable ({exc}); the torch contenders are skipped")
        torch = None
    for name in args.only or BENCHMARKS:
        BENCHMARKS[name](repeats, torch)


BENCHMARKS = {"seed": bench_seed, "logistic": bench_logistic, "rnn": bench_rnn, "mlp": bench_mlp}


if __name__ == "__main__":
    main()
