"""Robust location estimate: the trimmed mean of sorted data, then a pseudo-Huber fit."""

import numpy as np

from . import Program


def trimmed_mean(x, proportion=0.2):
    n = len(x)
    cut = int(proportion * n)
    return np.sort(x)[cut : n - cut].mean()


def robust_objective(x):
    centre = trimmed_mean(x)
    return np.sum(np.sqrt(1 + (x - centre) ** 2) - 1)


def make_args(rng):
    return (np.concatenate([rng.normal(0, 1, 16), [8.0, -9.0, 12.0, 7.5]]),)


PROGRAM = Program("trimmed_mean_sort", robust_objective, make_args, order=2)
