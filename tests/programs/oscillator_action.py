"""Discretised action of an anharmonic oscillator along a path with fixed end points."""

import numpy as np

from . import Program


def action(interior, q_start=0.0, q_end=1.0, dt=0.05, mass=1.0, k=4.0, lam=0.3):
    path = np.concatenate([[q_start], interior, [q_end]])
    velocity = (path[1:] - path[:-1]) / dt
    kinetic = 0.5 * mass * velocity**2
    midpoint = 0.5 * (path[1:] + path[:-1])
    potential = 0.5 * k * midpoint**2 + lam * midpoint**4
    return np.sum(kinetic - potential) * dt


def make_args(rng):
    return (np.linspace(0.0, 1.0, 22)[1:-1] + 0.05 * rng.standard_normal(20),)


PROGRAM = Program("oscillator_action", action, make_args, order=2)
