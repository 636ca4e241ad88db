"""Low-pass filtering by zeroing high FFT bins and transforming back (rfft/irfft)."""

import numpy as np

from . import Program


def lowpass(x, keep):
    spectrum = np.fft.rfft(x)
    mask = np.arange(len(spectrum)) < keep
    return np.fft.irfft(spectrum * mask, n=len(x))


def denoising_loss(x, clean, keep=5):
    return np.sum((lowpass(x, keep) - clean) ** 2) + 0.01 * np.sum(x**2)


def make_args(rng):
    t = np.linspace(0, 1, 24, endpoint=False)
    clean = np.sin(2 * np.pi * 2 * t)
    return clean + 0.2 * rng.standard_normal(24), clean


PROGRAM = Program("fft_lowpass", denoising_loss, make_args, order=2)
