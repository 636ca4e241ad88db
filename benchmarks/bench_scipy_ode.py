"""An ODE parameter fit's gradient three ways, as the problem grows 10x and 100x.

Lotka-Volterra prey/predator populations observed 4 times per unit time over [0, T], a
least-squares loss; its gradient with respect to the 4 parameters and the 2 initial
populations by

- the adjoint method: ``xformad.grad`` of a loss calling ``scipy.integrate.odeint``
  (rtol = atol = 1e-8; the xformad-scipy plugin solves the adjoint ODE backwards with
  odeint between the observation times);
- an unrolled RK4 loop differentiated by ``xformad.grad`` (step 0.05: about as accurate as
  the odeint solve, both gradients within ~1e-5 of a tight reference);
- autograd's ``autograd.scipy.integrate.odeint`` (the same adjoint scheme, autograd's
  reverse mode for the Jacobian products), same tolerances.

T = 1, 10, 100: 5, 41, 401 observations; 20, 200, 2000 RK4 steps. Reported: median
seconds per gradient over interleaved repeats (ratio to the adjoint), peak memory of one
gradient call (tracemalloc), and each gradient's largest relative error against a
reference (the adjoint at rtol = atol = 1e-12).

Run: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/bench_scipy_ode.py
"""

from __future__ import annotations

import sys
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scipy.integrate  # noqa: E402
from common import interleaved, report  # noqa: E402

import xformad  # noqa: E402

PARAMS = np.array([1.0, 0.4, 0.8, 0.3])
Y0 = np.array([2.0, 1.0])
RK4_STEP = 0.05
OBSERVATIONS_PER_UNIT = 4


def lotka_volterra(y, t, p):
    return np.stack([p[0] * y[0] - p[1] * y[0] * y[1], p[3] * y[0] * y[1] - p[2] * y[1]])


def problem(T: float):
    times = np.linspace(0.0, T, int(OBSERVATIONS_PER_UNIT * T) + 1)[1:]
    times = np.concatenate([[0.0], times])
    rng = np.random.default_rng(0)
    clean = scipy.integrate.odeint(lotka_volterra, Y0, times, args=(PARAMS * 1.05,), rtol=1e-12, atol=1e-12)
    return times, clean + 0.05 * rng.standard_normal(clean.shape)


def adjoint_loss(times, obs, tol):
    def loss(p, y0):
        ys = scipy.integrate.odeint(lotka_volterra, y0, times, args=(p,), rtol=tol, atol=tol)
        return np.sum((ys - obs) ** 2)

    return loss


def rk4_loss(times, obs):
    per_interval = int(round((times[1] - times[0]) / RK4_STEP))

    def loss(p, y0):
        y, total, h = y0, 0.0, RK4_STEP
        for i in range(1, len(times)):
            t = times[i - 1]
            for _ in range(per_interval):
                k1 = lotka_volterra(y, t, p)
                k2 = lotka_volterra(y + h / 2 * k1, t + h / 2, p)
                k3 = lotka_volterra(y + h / 2 * k2, t + h / 2, p)
                k4 = lotka_volterra(y + h * k3, t + h, p)
                y, t = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4), t + h
            total = total + np.sum((y - obs[i]) ** 2)
        return total + np.sum((y0 - obs[0]) ** 2)

    return loss


def autograd_gradient(times, obs):
    import autograd
    import autograd.numpy as anp
    from autograd.builtins import tuple as boxed_tuple
    from autograd.scipy.integrate import odeint

    def rhs(y, t, p):
        return anp.array([p[0] * y[0] - p[1] * y[0] * y[1], p[3] * y[0] * y[1] - p[2] * y[1]])

    def loss(p, y0):
        return anp.sum((odeint(rhs, y0, times, boxed_tuple((p,)), rtol=1e-8, atol=1e-8) - obs) ** 2)

    return autograd.grad(loss, argnum=(0, 1))


def with_peak_memory(fn):
    """(fn(), the peak bytes Python allocated during it)."""
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def largest_relative_error(grads, reference) -> float:
    return max(float(np.max(np.abs(g - r) / np.abs(r))) for g, r in zip(grads, reference))


def main() -> None:
    p, y0 = PARAMS.copy(), Y0.copy()
    for T, repeats in ((1.0, 5), (10.0, 3), (100.0, 2)):  # about 3 minutes in all
        times, obs = problem(T)
        reference = xformad.grad(adjoint_loss(times, obs, 1e-12), argnums=(0, 1))(p, y0)
        gradients = {
            "adjoint (xformad + odeint)": xformad.grad(adjoint_loss(times, obs, 1e-8), argnums=(0, 1)),
            "RK4 loop (xformad.grad)": xformad.grad(rk4_loss(times, obs), argnums=(0, 1)),
            "autograd odeint": autograd_gradient(times, obs),
        }
        steps = int(round(T / RK4_STEP))
        print(f"\nT = {T:g}: {len(times)} observations, {steps} RK4 steps")
        for name, grad in gradients.items():
            grads, memory = with_peak_memory(lambda grad=grad: grad(p, y0))
            error = largest_relative_error(grads, reference)
            print(f"  {name:<30} peak memory {memory / 2**20:8.2f} MiB   gradient error {error:.1e}")
        medians = interleaved(
            {k: (lambda g=g: g(p, y0)) for k, g in gradients.items()}, repeats=repeats, target=0.02
        )
        report(f"gradient per call, T = {T:g}", medians, "adjoint (xformad + odeint)")


if __name__ == "__main__":
    main()
