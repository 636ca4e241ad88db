"""Lotka-Volterra predator-prey model integrated with classical RK4; fit to observations."""

import numpy as np

from . import Program


def lotka_volterra(z, theta):
    alpha, beta, gamma, delta = theta
    prey, predator = z
    # np.stack, not np.array: numpy offers no hook for np.array([traced, traced])
    return np.stack([alpha * prey - beta * prey * predator, delta * prey * predator - gamma * predator])


def rk4_trajectory(z0, theta, dt=0.1, steps=40):
    z = z0
    trajectory = [z]
    for _ in range(steps):
        k1 = lotka_volterra(z, theta)
        k2 = lotka_volterra(z + 0.5 * dt * k1, theta)
        k3 = lotka_volterra(z + 0.5 * dt * k2, theta)
        k4 = lotka_volterra(z + dt * k3, theta)
        z = z + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        trajectory.append(z)
    return np.stack(trajectory)


def fit_loss(theta, z0, observed):
    predicted = rk4_trajectory(z0, theta)
    return np.mean((np.log(predicted) - np.log(observed)) ** 2)


def make_args(rng):
    z0 = np.array([10.0, 5.0])
    observed = rk4_trajectory(z0, np.array([1.1, 0.4, 0.4, 0.1])) * np.exp(
        0.05 * rng.standard_normal((41, 2))
    )
    return np.array([1.0, 0.35, 0.45, 0.09]), z0, observed


PROGRAM = Program("lotka_volterra_rk4", fit_loss, make_args, argnums=(0, 1), order=2)
