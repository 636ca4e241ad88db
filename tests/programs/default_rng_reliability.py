"""Structural reliability by Monte Carlo with a generator made inside the objective:
rng = np.random.default_rng(0), load = rng.normal(mu, sigma, size=200) and
strength = rng.uniform(lo, hi, size=200) with traced parameters; a logistic smoothing of the
failure indicator (load > strength) makes the failure probability differentiable."""

import numpy as np

from . import Program


def smoothed_failure_probability(params, softness=0.1, n_samples=200):
    mu_load, log_sd_load, lo, hi = params
    rng = np.random.default_rng(0)
    load = rng.normal(mu_load, np.exp(log_sd_load), size=n_samples)
    strength = rng.uniform(lo, hi, size=n_samples)
    margin = strength - load
    return np.mean(1.0 / (1.0 + np.exp(margin / softness)))


def make_args(rng):
    return (np.array([3.0, np.log(0.5), 3.2, 4.5]),)


PROGRAM = Program(
    "default_rng_reliability",
    smoothed_failure_probability,
    make_args,
    order=2,
    autograd=False,
    note="Generator.normal/uniform with autograd boxes as parameters fail: numpy's sampler needs floats",
)
