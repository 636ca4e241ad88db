"""Velocity-Verlet (leapfrog) integration of a harmonic chain; loss = final kinetic energy,
in the initial positions and the spring constants."""

import numpy as np

from . import Program


def forces(x, k):
    # nearest-neighbour springs with fixed walls at both ends
    padded = np.pad(x, 1, mode="constant")
    stretch = np.diff(padded)
    tension = k * stretch
    return tension[1:] - tension[:-1]


def final_kinetic_energy(x0, k, dt=0.05, steps=30):
    x = x0
    v = np.zeros_like(x0)
    a = forces(x, k)
    for _ in range(steps):
        v_half = v + 0.5 * dt * a
        x = x + dt * v_half
        a = forces(x, k)
        v = v_half + 0.5 * dt * a
    return 0.5 * np.sum(v**2)


def make_args(rng):
    return 0.2 * rng.standard_normal(5), rng.uniform(0.5, 2.0, size=6)


PROGRAM = Program("leapfrog_chain", final_kinetic_energy, make_args, argnums=(0, 1), order=2)
