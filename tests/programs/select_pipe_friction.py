"""Head loss in a pipe network by Darcy-Weisbach, the friction factor chosen by flow regime
with np.select (laminar 64/Re, Blasius in smooth turbulent flow, a fully turbulent fit
above Re = 1e5); fit of the pipe flows (litres per second) to measured head losses on a
log scale."""

import numpy as np

from . import Program


def friction_factor(re):
    return np.select(
        [re < 2300.0, re < 1.0e5],
        [64.0 / re, 0.316 * re**-0.25],
        default=0.0032 + 0.221 * re**-0.237,
    )


def head_loss(flows, lengths, diameters, viscosity=1.0e-6, g=9.81):
    velocity = 1.0e-3 * flows / (0.25 * np.pi * diameters**2)
    re = velocity * diameters / viscosity
    return friction_factor(re) * lengths / diameters * velocity**2 / (2.0 * g)


def head_misfit(flows, lengths, diameters, observed):
    return np.mean(np.log(head_loss(flows, lengths, diameters) / observed) ** 2)


def make_args(rng):
    diameters = np.array([0.05, 0.1, 0.2, 0.3, 0.15, 0.08])
    flows = np.array([0.05, 2.0, 30.0, 120.0, 0.15, 4.0])
    lengths = rng.uniform(50.0, 200.0, size=6)
    observed = head_loss(flows, lengths, diameters) * np.exp(0.05 * rng.standard_normal(6))
    return flows * np.exp(0.05 * rng.standard_normal(6)), lengths, diameters, observed


PROGRAM = Program(
    "select_pipe_friction",
    head_misfit,
    make_args,
    order=2,
)
