"""Ground-state energy of a tight-binding chain: sum of the lowest eigenvalues (eigvalsh)."""

import numpy as np

from . import Program


def band_energy(onsite, hopping, n_filled=3):
    H = np.diag(onsite) + np.diag(hopping, 1) + np.diag(hopping, -1)
    energies = np.linalg.eigvalsh(H)
    return np.sum(energies[:n_filled])


def make_args(rng):
    return rng.standard_normal(6), -1.0 + 0.2 * rng.standard_normal(5)


PROGRAM = Program(
    "eigen_energy",
    band_energy,
    make_args,
    argnums=(0, 1),
    order=2,
    autograd=False,
    note="autograd has no gradient for np.linalg.eigvalsh",
    jax=True,
)
