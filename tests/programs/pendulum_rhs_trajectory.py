"""A damped pendulum fitted to an observed swing. The right-hand side is written into a
buffer entry by entry (dydt = np.zeros(2); dydt[0] = y[1]; dydt[1] = -k*np.sin(y[0]) - c*y[1])
and classical RK4 stores the trajectory in a preallocated traj = np.empty((steps + 1, 2)).
Differentiated in the stiffness and damping (k, c) and in the initial state."""

import numpy as np

from . import Program


def pendulum_rhs(y, k, c):
    dydt = np.zeros(2)
    dydt[0] = y[1]
    dydt[1] = -k * np.sin(y[0]) - c * y[1]
    return dydt


def rk4_trajectory(y0, k, c, dt, steps):
    traj = np.empty((steps + 1, 2))
    traj[0] = y0
    y = y0
    for n in range(steps):
        k1 = pendulum_rhs(y, k, c)
        k2 = pendulum_rhs(y + 0.5 * dt * k1, k, c)
        k3 = pendulum_rhs(y + 0.5 * dt * k2, k, c)
        k4 = pendulum_rhs(y + dt * k3, k, c)
        y = y + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        traj[n + 1] = y
    return traj


def swing_misfit(params, y0, observed_angle, dt=0.1):
    k, c = params
    traj = rk4_trajectory(y0, k, c, dt, len(observed_angle) - 1)
    return np.mean((traj[:, 0] - observed_angle) ** 2)


def make_args(rng):
    y0 = np.array([0.9, 0.0])
    observed = rk4_trajectory(y0, 4.0, 0.3, 0.1, 20)[:, 0]
    return np.array([3.6, 0.2]), y0 + np.array([0.02, -0.05]), observed + 0.01 * rng.standard_normal(21)


PROGRAM = Program(
    "pendulum_rhs_trajectory",
    swing_misfit,
    make_args,
    argnums=(0, 1),
    order=2,
    autograd=False,
    note="the right-hand side and the trajectory are written in place into np.zeros/np.empty "
    "buffers, which autograd (and jax) cannot do",
)
