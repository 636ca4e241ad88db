"""2-D pose-graph SLAM: each pose (x, y, theta) becomes a homogeneous transform
np.array([[c, -s, x], [s, c, y], [0.0, 0.0, 1.0]], dtype=float) of traced scalars and
constants; the residual of each odometry/loop-closure edge compares inv(Ti) @ Tj with the
measured relative transform, plus a prior anchoring the first pose."""

import numpy as np

from . import Program


def pose_matrix(x, y, theta):
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s, x], [s, c, y], [0.0, 0.0, 1.0]], dtype=float)


def pose_graph_cost(poses, edges, measurements):
    cost = np.sum(poses[0] ** 2)
    for (i, j), z in zip(edges, measurements):
        relative = np.linalg.solve(pose_matrix(*poses[i]), pose_matrix(*poses[j]))
        error = relative[:2, :] - pose_matrix(*z)[:2, :]
        cost = cost + np.sum(error**2)
    return cost


def make_args(rng):
    truth = np.array([[0.0, 0.0, 0.0], [1.0, 0.1, 0.3], [1.8, 0.7, 0.9], [1.6, 1.6, 1.8], [0.7, 1.8, 2.6]])
    edges = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (1, 3)]
    measurements = []
    for i, j in edges:
        rel = np.linalg.solve(pose_matrix(*truth[i]), pose_matrix(*truth[j]))
        measurements.append(np.array([rel[0, 2], rel[1, 2], np.arctan2(rel[1, 0], rel[0, 0])]))
    measurements = np.array(measurements) + 0.01 * rng.standard_normal((len(edges), 3))
    return truth + 0.05 * rng.standard_normal(truth.shape), edges, measurements


PROGRAM = Program(
    "pose_graph_array",
    pose_graph_cost,
    make_args,
    order=2,
)
