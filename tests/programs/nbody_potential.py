"""Softened gravitational potential energy of N bodies, pairs taken from np.triu_indices."""

import numpy as np

from . import Program


def potential_energy(positions, masses, softening=0.1):
    diff = positions[:, None, :] - positions[None, :, :]
    dist = np.sqrt(np.sum(diff**2, axis=-1) + softening**2)
    i, j = np.triu_indices(len(masses), k=1)
    return -np.sum(masses[i] * masses[j] / dist[i, j])


def make_args(rng):
    return rng.standard_normal((6, 3)), rng.uniform(0.5, 2.0, size=6)


PROGRAM = Program("nbody_potential", potential_energy, make_args, argnums=(0, 1), order=2)
