"""Hill-equation enzyme kinetics fitted by least squares, with the parameters pulled out of
the vector as np.float64 scalars (vmax = np.float64(theta[0]), ...) as code ported from
scalar routines often does."""

import numpy as np

from . import Program


def hill_sse(theta, substrate, rate):
    vmax = np.float64(theta[0])
    km = np.float64(theta[1])
    hill = np.float64(theta[2])
    predicted = vmax * substrate**hill / (km**hill + substrate**hill)
    return np.float64(np.sum((predicted - rate) ** 2))


def make_args(rng):
    substrate = np.geomspace(0.1, 20.0, 12)
    rate = 3.0 * substrate**1.6 / (2.0**1.6 + substrate**1.6)
    return np.array([2.5, 1.5, 1.2]), substrate, rate + 0.03 * rng.standard_normal(12)


PROGRAM = Program(
    "hill_float64_cast",
    hill_sse,
    make_args,
    order=2,
    autograd=False,
    jax=True,
    note="np.float64 of an autograd box fails (setting an array element with a sequence)",
)
