"""Projectile with quadratic drag, the state derivative assembled as
np.array([vx, vy, -c*v*vx, -g - c*v*vy]) (v from math.sqrt of the speed squared is avoided:
np.sqrt keeps it numpy); loss = squared miss distance at the final step, in the launch
velocity and drag."""

import numpy as np

from . import Program


def derivative(state, drag, g=9.81):
    x, y, vx, vy = state
    speed = np.sqrt(vx * vx + vy * vy)
    return np.array([vx, vy, -drag * speed * vx, -g - drag * speed * vy])


def miss_distance(launch, drag, target, dt=0.02, steps=60):
    state = np.array([0.0, 0.0, launch[0], launch[1]])
    for _ in range(steps):
        state = state + dt * derivative(state, drag)
    return (state[0] - target[0]) ** 2 + (state[1] - target[1]) ** 2


def make_args(rng):
    return np.array([8.0, 6.0]), 0.05, np.array([6.0, 1.0])


PROGRAM = Program("projectile_state_vector", miss_distance, make_args, argnums=(0, 1), order=2)
