"""An AR(2) recursive filter filling `out = np.zeros_like(x)` element by element."""

import numpy as np

from . import Program


def ar_filter(x, coeffs):
    out = np.zeros_like(x)
    out[0] = x[0]
    out[1] = x[1] + coeffs[0] * out[0]
    for t in range(2, len(x)):
        out[t] = x[t] + coeffs[0] * out[t - 1] + coeffs[1] * out[t - 2]
    return out


def filter_energy(x, coeffs):
    y = ar_filter(x, coeffs)
    return np.sum(y**2) / len(y)


def make_args(rng):
    return rng.standard_normal(15), np.array([0.5, -0.3])


PROGRAM = Program(
    "ar_filter_inplace",
    filter_energy,
    make_args,
    argnums=(0, 1),
    order=2,
    autograd=False,
    note="autograd cannot differentiate item assignment out[t] = ...",
)
