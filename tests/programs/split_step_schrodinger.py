"""Split-step Fourier propagation of a 1-D wave packet (complex arithmetic inside, real loss):
probability that the particle ends up right of a barrier, in the barrier's parameters."""

import numpy as np

from . import Program


def transmission(barrier, n=32, steps=10, dt=0.05):
    height, width = barrier[0], barrier[1]
    x = np.linspace(-8, 8, n, endpoint=False)
    dx = x[1] - x[0]
    k = 2 * np.pi * np.fft.fftfreq(n, d=dx)
    psi = np.exp(-((x + 3) ** 2) + 2j * x)
    potential = height * np.exp(-((x / width) ** 2))
    half_kick = np.exp(-0.5j * dt * potential)
    drift = np.exp(-0.5j * dt * k**2)
    for _ in range(steps):
        psi = half_kick * np.fft.ifft(drift * np.fft.fft(half_kick * psi))
    density = np.real(psi * np.conj(psi))
    return np.sum(density[x > 0]) / np.sum(density)


def make_args(rng):
    return (np.array([1.5, 0.8]),)


PROGRAM = Program("split_step_schrodinger", transmission, make_args, order=2)
