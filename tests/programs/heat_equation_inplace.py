"""1-D heat equation by explicit finite differences, updating the interior in place."""

import numpy as np

from . import Program


def diffuse(u0, kappa, dx=0.1, dt=0.002, steps=40):
    u = u0.copy()
    r = kappa * dt / dx**2
    for _ in range(steps):
        lap = u[2:] - 2 * u[1:-1] + u[:-2]
        u[1:-1] += r * lap
    return u


def heat_loss(u0, kappa, target):
    return np.sum((diffuse(u0, kappa) - target) ** 2)


def make_args(rng):
    x = np.linspace(0, 1, 12)
    return np.sin(np.pi * x) + 0.1 * rng.standard_normal(12), np.array(0.8), 0.5 * np.sin(np.pi * x)


PROGRAM = Program(
    "heat_equation_inplace",
    heat_loss,
    make_args,
    argnums=(0, 1),
    order=2,
    autograd=False,
    note="autograd cannot differentiate in-place slice assignment (u[1:-1] += ...)",
)
