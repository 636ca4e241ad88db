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
from workloads import mlp_hand, mlp_loss, mlp_loss_autograd, mlp_setup, seed, seed_hand  # noqa: E402

import xformad  # noqa: E402


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

    g_mlp = xformad.grad(mlp_loss)
    ag_mlp = autograd.grad(mlp_loss_autograd(anp, x, labels))
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
