"""Mean-field free energy of an Ising model: magnetisations m = tanh(h) of local fields h."""

import numpy as np

from . import Program


def mean_field_free_energy(fields, couplings, external, beta=0.7):
    m = np.tanh(fields)
    energy = -0.5 * m @ couplings @ m - external @ m
    # entropy of independent spins with mean m
    p_up, p_down = (1 + m) / 2, (1 - m) / 2
    entropy = -np.sum(p_up * np.log(p_up) + p_down * np.log(p_down))
    return energy - entropy / beta


def make_args(rng):
    J = rng.standard_normal((8, 8))
    J = (J + J.T) / 2
    np.fill_diagonal(J, 0.0)
    return 0.5 * rng.standard_normal(8), J, 0.3 * rng.standard_normal(8)


PROGRAM = Program("ising_mean_field", mean_field_free_energy, make_args, argnums=(0, 1), order=2)
