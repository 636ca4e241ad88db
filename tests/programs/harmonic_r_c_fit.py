"""Two-harmonic fit of a periodic signal with an unknown frequency: the design matrix is
np.c_[1, sin(wt), cos(wt), sin(2wt), cos(2wt)] of traced columns and the coefficient vector
np.r_[low, 1.0, high] with the fundamental's cosine amplitude fixed to 1 (identifiability)."""

import numpy as np

from . import Program


def harmonic_misfit(omega, low, high, t, y):
    wt = omega * t
    design = np.c_[np.ones_like(t), np.sin(wt), np.cos(wt), np.sin(2 * wt), np.cos(2 * wt)]
    coef = np.r_[low, 1.0, high]
    return np.mean((design @ coef - y) ** 2)


def make_args(rng):
    t = np.linspace(0.0, 6.0, 40)
    y = 0.3 + 0.5 * np.sin(1.3 * t) + np.cos(1.3 * t) + 0.2 * np.sin(2.6 * t) - 0.1 * np.cos(2.6 * t)
    return 1.25, np.array([0.2, 0.4]), np.array([0.1, 0.0]), t, y + 0.05 * rng.standard_normal(40)


PROGRAM = Program(
    "harmonic_r_c_fit",
    harmonic_misfit,
    make_args,
    argnums=(0, 1, 2),
    order=2,
)
