"""A chain of 2-D homogeneous transforms [[c, -s, tx], [s, c, ty], [0, 0, 1]] built with
np.array from traced angles and offsets, composed and applied to landmarks."""

import numpy as np

from . import Program


def transform(angle, tx, ty):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, tx], [s, c, ty], [0.0, 0.0, 1.0]])


def chain_misfit(params, landmarks, observed):
    T = np.eye(3)
    for angle, tx, ty in params:
        T = T @ transform(angle, tx, ty)
    homogeneous = np.concatenate([landmarks, np.ones((len(landmarks), 1))], axis=1)
    predicted = homogeneous @ T.T
    return np.mean((predicted[:, :2] - observed) ** 2)


def make_args(rng):
    landmarks = rng.standard_normal((8, 2))
    observed = landmarks + np.array([0.5, -0.3])
    return 0.1 * rng.standard_normal((3, 3)), landmarks, observed


PROGRAM = Program("homogeneous_transforms", chain_misfit, make_args, argnums=0, order=2)
