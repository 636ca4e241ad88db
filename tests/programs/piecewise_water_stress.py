"""Crop transpiration under soil-water stress: the stress factor is np.piecewise on the
traced soil moisture (no uptake below wilting point, a concave rise up to the critical
point, unstressed above), and the objective is the water-limited yield deficit over a season."""

import numpy as np

from . import Program


def stress_factor(theta, wilt=0.12, crit=0.25):
    return np.piecewise(
        theta,
        [theta < wilt, (theta >= wilt) & (theta < crit), theta >= crit],
        [0.0, lambda t: 1.0 - ((crit - t) / (crit - wilt)) ** 2, 1.0],
    )


def yield_deficit(theta, pet, irrigation_cost=5.0):
    transpiration = stress_factor(theta) * pet
    return np.sum((pet - transpiration) ** 2) + irrigation_cost * np.sum(theta**2)


def make_args(rng):
    theta = np.array([0.08, 0.14, 0.17, 0.2, 0.23, 0.28, 0.31, 0.19]) + 0.003 * rng.standard_normal(8)
    return theta, rng.uniform(3.0, 6.0, size=8)


PROGRAM = Program(
    "piecewise_water_stress",
    yield_deficit,
    make_args,
    order=2,
    autograd=False,
    jax=True,
    note="autograd defines no VJP of np.piecewise",
)
