"""Energy of a hanging triangulated membrane, written triangle by triangle: the centroid is
np.mean([p0, p1, p2], axis=0) of the three traced vertices, the area comes from np.cross,
and the total is np.sum([elastic, gravity]) of two traced scalars."""

import numpy as np

from . import Program


def membrane_energy(vertices, triangles, rest_areas, stiffness=50.0, weight=2.0):
    elastic = 0.0
    gravity = 0.0
    for (a, b, c), rest in zip(triangles, rest_areas):
        p0, p1, p2 = vertices[a], vertices[b], vertices[c]
        centroid = np.mean([p0, p1, p2], axis=0)
        area = 0.5 * np.linalg.norm(np.cross(p1 - p0, p2 - p0))
        elastic = elastic + stiffness * rest * (area / rest - 1.0) ** 2
        gravity = gravity + weight * area * centroid[2]
    return np.sum([elastic, gravity])


def make_args(rng):
    gx, gy = np.meshgrid(np.arange(3.0), np.arange(3.0), indexing="ij")
    flat = np.stack([gx.ravel(), gy.ravel(), np.zeros(9)], axis=1)
    triangles = []
    for i in range(2):
        for j in range(2):
            v = 3 * i + j
            triangles += [(v, v + 3, v + 1), (v + 1, v + 3, v + 4)]
    rest_areas = np.full(len(triangles), 0.5)
    return flat + 0.05 * rng.standard_normal((9, 3)), triangles, rest_areas


PROGRAM = Program(
    "membrane_mesh_lists",
    membrane_energy,
    make_args,
    order=2,
)
