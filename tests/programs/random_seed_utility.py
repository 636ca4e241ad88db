"""Expected CARA utility of a two-asset portfolio by Monte Carlo, the risky returns drawn as
np.random.normal(loc=mu, scale=sigma, size=n) right after np.random.seed(1234) (common
random numbers, so the estimate is a smooth, deterministic function of the market
parameters and the portfolio weight)."""

import numpy as np

from . import Program


def negative_expected_utility(params, risk_aversion=3.0, riskless=0.01, n_samples=400):
    mu, log_sigma, weight = params
    np.random.seed(1234)
    returns = np.random.normal(loc=mu, scale=np.exp(log_sigma), size=n_samples)
    wealth = 1.0 + weight * returns + (1.0 - weight) * riskless
    utility = -np.exp(-risk_aversion * wealth) / risk_aversion
    return -np.mean(utility)


def make_args(rng):
    return (np.array([0.06, np.log(0.2), 0.5]),)


PROGRAM = Program(
    "random_seed_utility",
    negative_expected_utility,
    make_args,
    order=2,
    autograd=False,
    note="np.random.normal with an autograd box as loc/scale fails: numpy's sampler needs floats",
)
