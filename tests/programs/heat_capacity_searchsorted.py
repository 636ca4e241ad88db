"""Energy to heat a sample along a linear temperature ramp T(t) = T0 + rate * t, with the
heat capacity from a piecewise-quadratic (NASA-polynomial style) table looked up by
interval: i = np.searchsorted(edges, T), cp = c0[i] + c1[i] T + c2[i] T^2. Differentiated in
the ramp's start temperature and rate; the loss is the squared miss of a target energy."""

import numpy as np

from . import Program


def ramp_energy(ramp, times, edges, c0, c1, c2):
    T0, rate = ramp
    T = T0 + rate * times
    i = np.searchsorted(edges, T)
    cp = c0[i] + c1[i] * T + c2[i] * T**2
    return np.sum(cp * rate) * (times[1] - times[0])


def energy_miss(ramp, times, edges, c0, c1, c2, target):
    return (ramp_energy(ramp, times, edges, c0, c1, c2) - target) ** 2


def make_args(rng):
    edges = np.array([350.0, 500.0, 700.0])
    c0 = np.array([1.0, 1.1, 1.25, 1.4])
    c1 = np.array([4.0e-4, 3.0e-4, 2.0e-4, 1.0e-4])
    c2 = np.array([-2.0e-7, -1.5e-7, -1.0e-7, -5.0e-8])
    times = np.linspace(0.0, 100.0, 23) + 0.013
    return np.array([300.0, 5.0]), times, edges, c0, c1, c2, 500.0


PROGRAM = Program(
    "heat_capacity_searchsorted",
    energy_miss,
    make_args,
    order=2,
)
