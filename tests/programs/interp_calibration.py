"""Calibrating a piecewise-linear response curve (np.interp) to measurements."""

import numpy as np

from . import Program


def calibration_loss(knot_values, knots, inputs, measured):
    predicted = np.interp(inputs, knots, knot_values)
    smoothness = np.sum(np.diff(knot_values, n=2) ** 2)
    return np.mean((predicted - measured) ** 2) + 0.1 * smoothness


def make_args(rng):
    knots = np.linspace(0, 10, 6)
    inputs = rng.uniform(0.2, 9.8, 30)
    return np.sqrt(knots), knots, inputs, np.sqrt(inputs) + 0.05 * rng.standard_normal(30)


PROGRAM = Program(
    "interp_calibration",
    calibration_loss,
    make_args,
    order=2,
    autograd=False,
    note="autograd has no gradient for np.interp in the data values",
    jax=True,
)
