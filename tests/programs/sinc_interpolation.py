"""Whittaker-Shannon (sinc) reconstruction of a band-limited signal from its samples."""

import numpy as np

from . import Program


def reconstruct(samples, t, period):
    n = np.arange(len(samples))
    return np.sinc(t[:, None] / period - n[None, :]) @ samples


def reconstruction_error(samples, t, reference, period=0.5):
    return np.mean((reconstruct(samples, t, period) - reference) ** 2)


def make_args(rng):
    t = rng.uniform(0.5, 6.5, 15)
    n = np.arange(15)
    return np.cos(0.8 * n * 0.5) + 0.05 * rng.standard_normal(15), t, np.cos(0.8 * t)


PROGRAM = Program("sinc_interpolation", reconstruction_error, make_args, order=2)
