"""Negative log-likelihood of a Gaussian written with Python's math module on scalar
parameters (math.log, math.exp, math.pi), the residuals with numpy."""

import math

import numpy as np

from . import Program


def gaussian_nll(params, data):
    mu, log_sigma = params[0], params[1]
    sigma = math.exp(log_sigma)
    n = len(data)
    residual = np.sum((data - mu) ** 2)
    return n * math.log(sigma) + 0.5 * n * math.log(2 * math.pi) + residual / (2 * sigma**2)


def make_args(rng):
    return np.array([0.2, -0.1]), 1.5 + 0.8 * rng.standard_normal(30)


PROGRAM = Program(
    "math_gaussian_nll",
    gaussian_nll,
    make_args,
    order=2,
    autograd=False,
    note="math.exp/math.log of a traced scalar: autograd (and jax) convert it to float and fail",
)
