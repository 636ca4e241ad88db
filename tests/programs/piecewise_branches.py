"""A piecewise model mixing a Python `if` on a traced value with np.where branches."""

import numpy as np

from . import Program


def piecewise(x, a):
    if x.sum() > 0:
        base = np.sum(a * x**2)
    else:
        base = np.sum(a * np.abs(x) ** 3)
    # smooth step: cubic below 1, linear above, exactly as an engineer would tabulate it
    ramp = np.where(x < 1.0, x**3 / 3, x - 2.0 / 3)
    # sqrt only where it is defined: the untaken branch must not poison the gradient
    safe = np.where(x > 0, np.sqrt(np.abs(x)), 0.0)
    return base + ramp.sum() + safe.sum()


def make_args(rng):
    return np.array([-1.3, -0.4, 0.6, 1.7, 2.2]), rng.uniform(0.5, 1.5, size=5)


PROGRAM = Program("piecewise_branches", piecewise, make_args, argnums=(0, 1), order=2)
