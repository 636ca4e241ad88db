"""Planar two-link robot arm: forward kinematics with np.array([l1*cos(q1) + ..., ...]) of
traced joint angles; loss = squared distance of the end effector to a target plus a joint
effort penalty (math-free numpy)."""

import numpy as np

from . import Program


def end_effector(q, lengths):
    l1, l2 = lengths
    elbow = np.array([l1 * np.cos(q[0]), l1 * np.sin(q[0])])
    return elbow + np.array([l2 * np.cos(q[0] + q[1]), l2 * np.sin(q[0] + q[1])])


def reach_loss(q, lengths, target):
    return np.sum((end_effector(q, lengths) - target) ** 2) + 1e-2 * np.sum(q**2)


def make_args(rng):
    return np.array([0.3, 0.9]), np.array([1.0, 0.7]), np.array([0.8, 1.1])


PROGRAM = Program("two_link_arm_reach", reach_loss, make_args, argnums=(0, 1), order=2)
