"""Total-variation image denoising energy on a 2-D array (smoothed isotropic TV)."""

import numpy as np

from . import Program


def tv_denoise_energy(image, noisy, weight=0.2, eps=1e-3):
    dx = np.diff(image, axis=1)[:-1, :]
    dy = np.diff(image, axis=0)[:, :-1]
    tv = np.sum(np.sqrt(dx**2 + dy**2 + eps))
    fidelity = 0.5 * np.sum((image - noisy) ** 2)
    return fidelity + weight * tv


def make_args(rng):
    clean = np.zeros((8, 8))
    clean[2:6, 2:6] = 1.0
    noisy = clean + 0.1 * rng.standard_normal((8, 8))
    return noisy.copy(), noisy


PROGRAM = Program("total_variation_2d", tv_denoise_energy, make_args, order=2)
