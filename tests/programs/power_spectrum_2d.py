"""Radially binned power spectrum of a 2-D field (np.fft.fft2, fftshift), compared with a
target power law, as in cosmology or turbulence analysis."""

import numpy as np

from . import Program


def radial_power(field, n_bins=4):
    n = field.shape[0]
    power = np.abs(np.fft.fftshift(np.fft.fft2(field))) ** 2 / field.size
    k = np.fft.fftshift(np.fft.fftfreq(n))
    kr = np.sqrt(k[:, None] ** 2 + k[None, :] ** 2)
    edges = np.linspace(0.0, kr.max() + 1e-9, n_bins + 1)
    return np.stack([power[(kr >= lo) & (kr < hi)].mean() for lo, hi in zip(edges[:-1], edges[1:])])


def spectrum_misfit(field, target):
    return np.sum((np.log(radial_power(field)) - np.log(target)) ** 2)


def make_args(rng):
    return rng.standard_normal((8, 8)), np.array([2.0, 1.0, 0.6, 0.3])


PROGRAM = Program("power_spectrum_2d", spectrum_misfit, make_args, order=2)
