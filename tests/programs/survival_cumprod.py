"""Discrete-time survival model: survival = cumprod(1 - hazard); censored log-likelihood."""

import numpy as np

from . import Program


def survival_loglik(hazard_logits, event_times, observed):
    hazard = 1 / (1 + np.exp(-hazard_logits))
    survival = np.cumprod(1 - hazard)
    # event at t: survived to t-1, then hazard at t; censored at t: survived to t
    survived_before = np.concatenate([np.ones(1), survival[:-1]])
    log_event = np.log(survived_before[event_times]) + np.log(hazard[event_times])
    log_censored = np.log(survival[event_times])
    return np.sum(np.where(observed, log_event, log_censored))


def make_args(rng):
    return rng.normal(-1.5, 0.3, size=10), rng.integers(0, 10, size=20), rng.random(20) < 0.7


PROGRAM = Program(
    "survival_cumprod",
    survival_loglik,
    make_args,
    order=2,
    autograd=False,
    note="autograd has no gradient for np.cumprod",
    jax=True,
)
