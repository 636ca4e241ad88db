"""An objective written scipy-style: it starts with x = np.asarray(x, dtype=float) (so it
accepts lists) and then computes the extended Rosenbrock function."""

import numpy as np

from . import Program


def rosen(x):
    x = np.asarray(x, dtype=float)
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0)


def make_args(rng):
    return (rng.uniform(-1.0, 1.5, size=5),)


PROGRAM = Program(
    "asarray_rosenbrock",
    rosen,
    make_args,
    order=2,
    autograd=False,
    jax=True,
    note="autograd defines no VJP for np.asarray of a traced value",
)
