"""Fisher-KPP reaction-diffusion u_t = D u_xx + r u (1 - u), explicit Euler in time; the
Laplacian buffer is made once with np.zeros_like(u0) (the plain initial profile) and its
interior overwritten every step with the stencil lap[1:-1] = (u[2:] - 2 u[1:-1] + u[:-2]) / dx^2.
Fit of the diffusivity and growth rate to an observed front."""

import numpy as np

from . import Program


def fisher_kpp(params, u0, dx=0.5, dt=0.04, steps=40):
    D, r = params
    u = u0
    lap = np.zeros_like(u0)
    for _ in range(steps):
        lap[1:-1] = (u[2:] - 2.0 * u[1:-1] + u[:-2]) / dx**2
        u = u + dt * (D * lap + r * u * (1.0 - u))
    return u


def front_misfit(params, u0, observed):
    return np.mean((fisher_kpp(params, u0) - observed) ** 2)


def make_args(rng):
    x = np.linspace(0.0, 15.0, 31)
    u0 = 1.0 / (1.0 + np.exp(2.0 * (x - 4.0)))
    observed = fisher_kpp(np.array([1.2, 0.8]), u0) + 0.005 * rng.standard_normal(31)
    return np.array([1.0, 0.6]), u0, observed


PROGRAM = Program(
    "fisher_kpp_stencil",
    front_misfit,
    make_args,
    order=2,
    autograd=False,
    note="the stencil writes lap[1:-1] = ... into a buffer, which autograd (and jax) cannot do",
)
