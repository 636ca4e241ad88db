"""Energy of a chain of springs with rest length under gravity, nodes in 2-D."""

import numpy as np

from . import Program


def chain_energy(nodes, stiffness=50.0, rest_length=0.5, gravity=9.81):
    segments = np.diff(nodes, axis=0)
    lengths = np.linalg.norm(segments, axis=1)
    elastic = 0.5 * stiffness * np.sum((lengths - rest_length) ** 2)
    potential = gravity * nodes[:, 1].sum()
    return elastic + potential


def make_args(rng):
    x = np.linspace(0.0, 3.0, 7)
    return (np.stack([x, 0.1 * rng.standard_normal(7)], axis=1),)


PROGRAM = Program("spring_chain", chain_energy, make_args, order=2)
