"""Nonlinear pendulum integrated with classical RK4, its right-hand side written as
scientists write it: return np.array([y[1], -k * np.sin(y[0])]). Differentiated in the
initial state and the stiffness k."""

import numpy as np

from . import Program


def rhs(y, k):
    return np.array([y[1], -k * np.sin(y[0])])


def rk4(y, k, dt=0.05, steps=40):
    for _ in range(steps):
        k1 = rhs(y, k)
        k2 = rhs(y + 0.5 * dt * k1, k)
        k3 = rhs(y + 0.5 * dt * k2, k)
        k4 = rhs(y + dt * k3, k)
        y = y + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y


def final_angle_loss(y0, k):
    y = rk4(y0, k)
    return (y[0] - 0.3) ** 2 + 0.1 * y[1] ** 2


def make_args(rng):
    return np.array([1.0, 0.0]), 9.81


PROGRAM = Program("pendulum_rk4_state", final_angle_loss, make_args, argnums=(0, 1), order=2)
