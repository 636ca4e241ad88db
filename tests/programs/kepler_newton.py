"""Kepler's equation E - e sin E = M solved by Newton iterations until convergence; the
differentiated program is the iteration itself (a while loop on traced values)."""

import numpy as np

from . import Program


def eccentric_anomaly(mean_anomaly, eccentricity, tol=1e-13, max_iter=50):
    E = mean_anomaly
    for _ in range(max_iter):
        step = (E - eccentricity * np.sin(E) - mean_anomaly) / (1 - eccentricity * np.cos(E))
        E = E - step
        if np.max(np.abs(step)) < tol:
            break
    return E


def orbit_radius_sum(mean_anomaly, eccentricity, semi_major=1.0):
    E = eccentric_anomaly(mean_anomaly, eccentricity)
    return np.sum(semi_major * (1 - eccentricity * np.cos(E)))


def make_args(rng):
    return rng.uniform(0.3, 2.8, size=5), np.array(0.4)


PROGRAM = Program("kepler_newton", orbit_radius_sum, make_args, argnums=(0, 1), order=2)
