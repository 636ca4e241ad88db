"""Terminal settling velocity of sediment grains by fixed-point iteration on the drag law,
the drag coefficient a scalar function with a regime branch (Schiller-Naumann below
Re = 1000, Newton's 0.44 above) vectorised inside the objective with
np.vectorize(drag_coefficient, otypes=[float]). Fit of grain diameters to measured velocities."""

import numpy as np

from . import Program


def drag_coefficient(re):
    if re < 1000.0:
        return 24.0 / re * (1.0 + 0.15 * re**0.687)
    return 0.44


def settling_velocity(diameter_mm, rho_p=2650.0, rho_f=1000.0, viscosity=1.0e-3, g=9.81, iterations=30):
    cd = np.vectorize(drag_coefficient, otypes=[float])
    d = diameter_mm * 1.0e-3
    v = g * d**2 * (rho_p - rho_f) / (18.0 * viscosity)
    for _ in range(iterations):
        re = rho_f * v * d / viscosity
        v = np.sqrt(4.0 * g * d * (rho_p - rho_f) / (3.0 * cd(re) * rho_f))
    return v


def velocity_misfit(diameter_mm, observed):
    return np.mean(np.log(settling_velocity(diameter_mm) / observed) ** 2)


def make_args(rng):
    truth = np.array([0.08, 0.15, 0.25, 0.4, 0.6])
    observed = settling_velocity(truth) * np.exp(0.02 * rng.standard_normal(5))
    return truth * np.exp(0.1 * rng.standard_normal(5)), observed


PROGRAM = Program(
    "vectorize_settling_velocity",
    velocity_misfit,
    make_args,
    order=2,
    autograd=False,
    note="np.vectorize runs the scalar function on elements of an object array, which "
    "autograd's boxes (and jax tracers) do not survive",
)
