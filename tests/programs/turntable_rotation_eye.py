"""Registration of a turntable scan: the rotation R = Rz(yaw) @ Ry(pitch) is written entry
by entry into R = np.eye(3) (R[0, 0] = np.cos(yaw); R[0, 1] = -np.sin(yaw); ...), then the
rigid motion R p + t is fitted to the observed points."""

import numpy as np

from . import Program


def rotation_z(angle):
    R = np.eye(3)
    R[0, 0] = np.cos(angle)
    R[0, 1] = -np.sin(angle)
    R[1, 0] = np.sin(angle)
    R[1, 1] = np.cos(angle)
    return R


def rotation_y(angle):
    R = np.eye(3)
    R[0, 0] = np.cos(angle)
    R[0, 2] = np.sin(angle)
    R[2, 0] = -np.sin(angle)
    R[2, 2] = np.cos(angle)
    return R


def registration_error(pose, points, observed):
    yaw, pitch = pose[0], pose[1]
    t = pose[2:]
    R = rotation_z(yaw) @ rotation_y(pitch)
    return np.mean(np.sum((points @ R.T + t - observed) ** 2, axis=1))


def make_args(rng):
    points = rng.standard_normal((12, 3))
    R = rotation_z(0.7) @ rotation_y(-0.25)
    observed = points @ R.T + np.array([0.1, -0.2, 0.3]) + 0.01 * rng.standard_normal((12, 3))
    return np.array([0.5, -0.1, 0.0, 0.0, 0.2]), points, observed


PROGRAM = Program(
    "turntable_rotation_eye",
    registration_error,
    make_args,
    order=2,
    autograd=False,
    note="the rotation entries are assigned into np.eye(3) in place, which autograd (and jax) cannot do",
)
