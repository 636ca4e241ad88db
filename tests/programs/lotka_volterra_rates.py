"""Lotka-Volterra predator-prey model, explicit Euler, the rate vector built with np.array
from traced scalars; fit of the four rate constants to an observed trajectory."""

import numpy as np

from . import Program


def rates(z, theta):
    prey, predator = z[0], z[1]
    a, b, c, d = theta
    return np.array([a * prey - b * prey * predator, c * prey * predator - d * predator])


def trajectory_misfit(theta, z0, observed, dt=0.05):
    z = z0
    loss = 0.0
    for t in range(len(observed)):
        z = z + dt * rates(z, theta)
        loss = loss + np.sum((z - observed[t]) ** 2)
    return loss / len(observed)


def make_args(rng):
    z0 = np.array([1.0, 0.5])
    truth = np.array([1.1, 0.4, 0.1, 0.4])
    z, observed = z0, []
    for _ in range(25):
        z = z + 0.05 * rates(z, truth)
        observed.append(z)
    return np.array([1.0, 0.5, 0.15, 0.3]), z0, np.array(observed) + 0.01 * rng.standard_normal((25, 2))


PROGRAM = Program("lotka_volterra_rates", trajectory_misfit, make_args, argnums=0, order=2)
