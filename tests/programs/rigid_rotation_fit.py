"""Rigid 2-D registration: the rotation angle and translation that align a point cloud with
its target, the rotation matrix built with np.array from traced cos/sin scalars."""

import numpy as np

from . import Program


def rotation(theta):
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s], [s, c]])


def alignment_loss(pose, points, target):
    theta, shift = pose[0], pose[1:]
    moved = points @ rotation(theta).T + shift
    return np.mean(np.sum((moved - target) ** 2, axis=1))


def make_args(rng):
    points = rng.standard_normal((12, 2))
    target = points @ rotation(0.4).T + np.array([0.3, -0.2]) + 0.01 * rng.standard_normal((12, 2))
    return np.array([0.1, 0.0, 0.0]), points, target


PROGRAM = Program("rigid_rotation_fit", alignment_loss, make_args, argnums=0, order=2)
