"""Profit of a merit-order dispatch: the number of profitable offers n = int(np.sum(margin > 0))
is computed from traced margins (price minus marginal cost), the profitable ones are taken
best first, and offer k fills with probability 0.8 ** k from np.arange(n); the loop over
range(n) adds a quadratic ramping cost."""

import numpy as np

from . import Program


def expected_profit(costs, prices, capacity):
    margin = prices - costs
    n = int(np.sum(margin > 0))
    order = np.argsort(-margin)[:n]
    fill = 0.8 ** np.arange(n)
    profit = np.sum(fill * margin[order] * capacity[order])
    for k in range(n):
        profit = profit - 0.01 * (capacity[order[k]] * costs[order[k]]) ** 2 / (k + 1)
    return -profit


def make_args(rng):
    prices = rng.uniform(40.0, 60.0, size=8)
    costs = prices + np.array([-9.0, 4.0, -3.0, -12.0, 6.0, -5.5, 2.5, -1.5])
    return costs / 10.0, prices / 10.0, rng.uniform(0.5, 2.0, size=8)


PROGRAM = Program(
    "merit_order_arange",
    expected_profit,
    make_args,
    order=2,
)
