"""Monte Carlo price of a European call under geometric Brownian motion (pathwise greeks)."""

import numpy as np

from . import Program


def call_price(market, normals, strike=1.0, maturity=1.0):
    spot, vol, rate = market
    drift = (rate - 0.5 * vol**2) * maturity
    terminal = spot * np.exp(drift + vol * np.sqrt(maturity) * normals)
    payoff = np.maximum(terminal - strike, 0.0)
    return np.exp(-rate * maturity) * payoff.mean()


def make_args(rng):
    return np.array([1.05, 0.2, 0.03]), rng.standard_normal(200)


PROGRAM = Program("option_monte_carlo", call_price, make_args, order=2)
