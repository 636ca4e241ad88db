"""Orbit determination in the plane: the initial state vector is assembled from orbital
elements (semi-latus rectum p, eccentricity e, true anomaly nu) as
np.asarray([r cos nu, r sin nu, -h sin nu, h (e + cos nu)], dtype=float), propagated with
leapfrog under two-body gravity (mu = 1), and compared with observed positions."""

import numpy as np

from . import Program


def state_from_elements(p, e, nu, mu=1.0):
    r = p / (1.0 + e * np.cos(nu))
    h = np.sqrt(mu / p)
    return np.asarray([r * np.cos(nu), r * np.sin(nu), -h * np.sin(nu), h * (e + np.cos(nu))], dtype=float)


def acceleration(position, mu=1.0):
    return -mu * position / np.sum(position**2) ** 1.5


def propagate(elements, dt=0.05, steps=60, every=10):
    state = state_from_elements(*elements)
    position, velocity = state[:2], state[2:]
    observed = []
    for n in range(1, steps + 1):
        velocity = velocity + 0.5 * dt * acceleration(position)
        position = position + dt * velocity
        velocity = velocity + 0.5 * dt * acceleration(position)
        if n % every == 0:
            observed.append(position)
    return np.stack(observed)


def orbit_misfit(elements, observed):
    return np.sum((propagate(elements) - observed) ** 2)


def make_args(rng):
    truth = np.array([1.2, 0.3, 0.4])
    observed = propagate(truth) + 0.002 * rng.standard_normal((6, 2))
    return truth + np.array([0.03, -0.02, 0.05]), observed


PROGRAM = Program(
    "orbit_state_asarray",
    orbit_misfit,
    make_args,
    order=2,
    autograd=False,
    jax=True,
    note="np.asarray(..., dtype=float) of a list of autograd boxes fails (setting an array "
    "element with a sequence)",
)
