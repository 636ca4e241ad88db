"""Damped pendulum integrated with explicit Euler; loss = distance of the final state from a
target, differentiated in the initial state and the physical parameters."""

import numpy as np

from . import Program


def simulate_pendulum(state0, params, dt=0.01, steps=100):
    theta, omega = state0[0], state0[1]
    g_over_l, damping = params
    for _ in range(steps):
        alpha = -g_over_l * np.sin(theta) - damping * omega
        theta, omega = theta + dt * omega, omega + dt * alpha
    return theta, omega


def final_state_loss(state0, params, target):
    theta, omega = simulate_pendulum(state0, params)
    return (theta - target[0]) ** 2 + (omega - target[1]) ** 2


def make_args(rng):
    return np.array([1.0, 0.0]), np.array([9.81, 0.3]), np.array([0.2, -1.0])


PROGRAM = Program("pendulum_euler", final_state_loss, make_args, argnums=(0, 1), order=2)
