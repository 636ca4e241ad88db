"""Intrinsic calibration of a pinhole camera from known ray directions: each pixel (u, v)
is back-projected to (x0, x1, 1) with x0 = (u - cx)/f, normalised by
np.linalg.norm([x0, x1, 1.0]) (a Python list of two traced scalars and a constant), and the
loss is the squared distance to the true unit directions, in milliradians squared."""

import numpy as np

from . import Program


def ray_misfit(intrinsics, pixels, directions):
    f, cx, cy = intrinsics
    loss = 0.0
    for (u, v), d in zip(pixels, directions):
        x0 = (u - cx) / f
        x1 = (v - cy) / f
        norm = np.linalg.norm([x0, x1, 1.0])
        loss = loss + (x0 / norm - d[0]) ** 2 + (x1 / norm - d[1]) ** 2 + (1.0 / norm - d[2]) ** 2
    return 1.0e6 * loss


def make_args(rng):
    f, cx, cy = 500.0, 320.0, 240.0
    pixels = rng.uniform([0.0, 0.0], [640.0, 480.0], size=(12, 2))
    rays = np.c_[(pixels - [cx, cy]) / f, np.ones(12)]
    directions = rays / np.linalg.norm(rays, axis=1, keepdims=True)
    return np.array([480.0, 330.0, 230.0]), pixels, directions


PROGRAM = Program(
    "camera_ray_norm_list",
    ray_misfit,
    make_args,
    order=2,
)
