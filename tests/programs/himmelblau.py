"""Himmelblau's function, evaluated on a batch of points and summed."""

import numpy as np

from . import Program


def himmelblau(points):
    x, y = points[:, 0], points[:, 1]
    return np.sum((x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2)


def make_args(rng):
    return (rng.uniform(-4, 4, size=(5, 2)),)


PROGRAM = Program("himmelblau", himmelblau, make_args, order=2)
