"""Planar two-link arm following a path by closed-form inverse kinematics written with
Python's math module (math.atan2, math.sqrt, math.cos, math.sin, math.hypot) on the traced
link lengths; the design objective trades joint excursion against elbow clearance from an
obstacle."""

import math

import numpy as np

from . import Program


def inverse_kinematics(x, y, l1, l2):
    d = (x * x + y * y - l1 * l1 - l2 * l2) / (2.0 * l1 * l2)
    elbow = math.atan2(math.sqrt(1.0 - d * d), d)
    shoulder = math.atan2(y, x) - math.atan2(l2 * math.sin(elbow), l1 + l2 * math.cos(elbow))
    return shoulder, elbow


def joint_effort(links, path, obstacle=(0.2, 1.0)):
    l1, l2 = links
    effort = 0.0
    for x, y in path:
        shoulder, elbow = inverse_kinematics(x, y, l1, l2)
        clearance = math.hypot(l1 * math.cos(shoulder) - obstacle[0], l1 * math.sin(shoulder) - obstacle[1])
        effort += shoulder**2 + elbow**2 + 0.5 / clearance
    return effort / len(path)


def make_args(rng):
    angles = np.linspace(-0.6, 0.6, 9) + 0.02 * rng.standard_normal(9)
    radii = 1.3 + 0.1 * np.sin(3.0 * angles)
    path = np.c_[radii * np.cos(angles), radii * np.sin(angles)]
    return np.array([1.0, 0.8]), path


PROGRAM = Program(
    "math_arm_inverse_kinematics",
    joint_effort,
    make_args,
    order=2,
    autograd=False,
    note="math.atan2/math.sqrt of a traced scalar: autograd (and jax) convert it to float and fail",
)
