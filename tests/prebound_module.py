"""A user module that binds numpy and math functions by name before any trace (for
tests/test_prebound.py): ``from math import exp`` keeps math's function object."""

from math import exp, log, sin

from numpy import asarray, stack


def model(x):
    return exp(x) * sin(x) + log(1 + x * x)


def helper_calls(x):
    return _inner(x) * 2


def _inner(x):
    return exp(-x)


def stacked(x):
    return asarray([x, 2 * x]).sum() + stack([x, x]).sum()
