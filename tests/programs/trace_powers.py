"""Truncated series tr(A) - tr(A^2)/2 + tr(A^3)/3 - ... (-> tr log(I + A) for small A),
with np.linalg.matrix_power and np.trace."""

import numpy as np

from . import Program


def trace_log_series(A, terms=4):
    total = 0.0
    for k in range(1, terms + 1):
        total = total + (-1) ** (k + 1) * np.trace(np.linalg.matrix_power(A, k)) / k
    return total


def make_args(rng):
    return (0.3 * rng.standard_normal((3, 3)),)


PROGRAM = Program(
    "trace_powers",
    trace_log_series,
    make_args,
    order=2,
    autograd=False,
    note="autograd has no gradient for np.linalg.matrix_power",
    jax=True,
)
