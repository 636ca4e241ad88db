"""Spacecraft attitude from Euler angles: R = Rz(yaw) Ry(pitch) Rx(roll), each built with
np.array from traced scalars and constants; loss = misfit of observed star directions."""

import numpy as np

from . import Program


def rx(a):
    return np.array([[1.0, 0.0, 0.0], [0.0, np.cos(a), -np.sin(a)], [0.0, np.sin(a), np.cos(a)]])


def ry(a):
    return np.array([[np.cos(a), 0.0, np.sin(a)], [0.0, 1.0, 0.0], [-np.sin(a), 0.0, np.cos(a)]])


def rz(a):
    return np.array([[np.cos(a), -np.sin(a), 0.0], [np.sin(a), np.cos(a), 0.0], [0.0, 0.0, 1.0]])


def attitude_misfit(angles, stars, observed):
    roll, pitch, yaw = angles
    R = rz(yaw) @ ry(pitch) @ rx(roll)
    return np.sum((stars @ R.T - observed) ** 2)


def make_args(rng):
    stars = rng.standard_normal((6, 3))
    stars /= np.linalg.norm(stars, axis=1, keepdims=True)
    observed = stars @ (rz(0.3) @ ry(-0.2) @ rx(0.1)).T
    return np.array([0.05, 0.0, 0.2]), stars, observed


PROGRAM = Program("euler_angles_attitude", attitude_misfit, make_args, argnums=0, order=2)
