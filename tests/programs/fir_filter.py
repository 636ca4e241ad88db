"""FIR filtering with np.convolve: match a desired output by adjusting the taps."""

import numpy as np

from . import Program


def filter_error(taps, signal, desired):
    filtered = np.convolve(signal, taps, mode="valid")
    return np.mean((filtered - desired) ** 2)


def make_args(rng):
    signal = rng.standard_normal(32)
    true_taps = np.array([0.25, 0.5, 0.25, -0.1])
    desired = np.convolve(signal, true_taps, mode="valid") + 0.01 * rng.standard_normal(29)
    return rng.standard_normal(4), signal, desired


PROGRAM = Program(
    "fir_filter",
    filter_error,
    make_args,
    argnums=(0, 1),
    order=2,
    autograd=False,
    note="autograd has no gradient for np.convolve",
    jax=True,
)
