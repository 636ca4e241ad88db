"""Ground-state energy and singlet overlap of two spins 1/2 in fields, built with np.kron
and diagonalised with np.linalg.eigh."""

import numpy as np

from . import Program

SX = np.array([[0.0, 1.0], [1.0, 0.0]])
SZ = np.array([[1.0, 0.0], [0.0, -1.0]])
I2 = np.eye(2)


def hamiltonian(couplings, fields):
    jxx, jzz = couplings
    H = jxx * np.kron(SX, SX) + jzz * np.kron(SZ, SZ)
    H = H + fields[0] * np.kron(SZ, I2) + fields[1] * np.kron(I2, SZ) + fields[2] * np.kron(SX, I2)
    return H


def ground_state_objective(couplings, fields):
    energies, states = np.linalg.eigh(hamiltonian(couplings, fields))
    ground = states[:, 0]
    # sign of an eigenvector is arbitrary: use a sign-invariant observable
    singlet = np.array([0.0, 1.0, -1.0, 0.0]) / np.sqrt(2)
    return energies[0] + (ground @ singlet) ** 2


def make_args(rng):
    return np.array([1.0, 0.8]), np.array([0.3, -0.2, 0.15])


PROGRAM = Program("heisenberg_dimer", ground_state_objective, make_args, argnums=(0, 1), order=2)
