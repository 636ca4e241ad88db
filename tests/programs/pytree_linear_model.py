"""Parameters as a nested dict of lists, as configs in real code often hold them."""

import numpy as np

from . import Program


def model(params, x):
    out = params["bias"]
    for w, power in zip(params["weights"], (1, 2, 3)):
        out = out + w * x**power
    return out * np.exp(params["scale"]["log"])


def loss(params, x, y):
    return np.mean((model(params, x) - y) ** 2)


def make_args(rng):
    x = np.linspace(-1, 1, 20)
    y = 0.5 - x + 2 * x**3 + 0.05 * rng.standard_normal(20)
    params = {
        "bias": np.array(0.1),
        "weights": [np.array(0.2), np.array(-0.3), np.array(1.0)],
        "scale": {"log": np.array(0.05)},
    }
    return params, x, y


PROGRAM = Program("pytree_linear_model", loss, make_args, order=2)
