"""Rotation from a unit quaternion: the 3x3 matrix written entry by entry with np.array
from traced quaternion components; loss = alignment of rotated body vectors with targets."""

import numpy as np

from . import Program


def quaternion_matrix(q):
    q = q / np.sqrt(np.sum(q**2))
    w, x, y, z = q[0], q[1], q[2], q[3]
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def alignment(q, body, targets):
    return np.sum((body @ quaternion_matrix(q).T - targets) ** 2)


def make_args(rng):
    body = rng.standard_normal((5, 3))
    return np.array([0.9, 0.1, -0.2, 0.3]), body, rng.standard_normal((5, 3))


PROGRAM = Program("quaternion_rotation", alignment, make_args, argnums=0, order=2)
