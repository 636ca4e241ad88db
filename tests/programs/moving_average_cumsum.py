"""Moving average via the cumulative-sum trick, then a roughness penalty."""

import numpy as np

from . import Program


def moving_average(x, window):
    c = np.cumsum(np.concatenate([[0.0], x]))
    return (c[window:] - c[:-window]) / window


def smoothed_roughness(x, window=4):
    smooth = moving_average(x, window)
    return np.sum(np.diff(smooth) ** 2) + 0.1 * np.sum((x - smooth.mean()) ** 2)


def make_args(rng):
    return (np.cumsum(rng.standard_normal(30)),)


PROGRAM = Program("moving_average_cumsum", smoothed_roughness, make_args, order=2)
