"""Robust scale estimate: clip data to median +- 3 MAD, then the standard deviation."""

import numpy as np

from . import Program


def winsorized_std(x, k=3.0):
    med = np.median(x)
    mad = np.median(np.abs(x - med))
    clipped = np.clip(x, med - k * mad, med + k * mad)
    return np.std(clipped)


def make_args(rng):
    return (np.concatenate([rng.normal(0.0, 1.0, 18), [9.0, -7.5]]),)


PROGRAM = Program(
    "winsorized_median",
    winsorized_std,
    make_args,
    autograd=False,
    jax=True,
    note="autograd has no gradient for np.median",
)
