"""Lennard-Jones cluster energy written with explicit Python loops over atom pairs."""

import numpy as np

from . import Program


def lj_energy(coords, epsilon=1.0, sigma=1.0):
    n = len(coords)
    energy = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            r2 = np.sum((coords[i] - coords[j]) ** 2)
            s6 = (sigma**2 / r2) ** 3
            energy = energy + 4 * epsilon * (s6**2 - s6)
    return energy


def make_args(rng):
    grid = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]], dtype=float) * 1.15
    return (grid + 0.05 * rng.standard_normal(grid.shape),)


PROGRAM = Program("lennard_jones_loops", lj_energy, make_args, order=2)
