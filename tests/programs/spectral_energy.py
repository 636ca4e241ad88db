"""Spectral energy of a signal above a cut-off frequency, via np.fft.rfft (Parseval-weighted)."""

import numpy as np

from . import Program


def high_frequency_energy(x, cutoff=0.2, dt=0.05):
    n = len(x)
    spectrum = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(n, d=dt)
    power = np.abs(spectrum) ** 2 / n
    return np.sum(power[freqs > cutoff])


def make_args(rng):
    t = np.arange(32) * 0.05
    return (np.sin(2 * np.pi * 0.1 * t) + 0.3 * rng.standard_normal(32),)


PROGRAM = Program("spectral_energy", high_frequency_energy, make_args, order=2)
