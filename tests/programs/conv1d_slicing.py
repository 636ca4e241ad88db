"""A 1-D convolution layer written as a list comprehension over sliding windows, stacked
with np.stack, then a softplus activation and a mean."""

import numpy as np

from . import Program


def conv1d(signal, kernel):
    k = len(kernel)
    windows = [np.sum(signal[i : i + k] * kernel) for i in range(len(signal) - k + 1)]
    return np.stack(windows)


def conv_net_loss(kernel, bias, signal):
    features = conv1d(signal, kernel) + bias
    return np.mean(np.log1p(np.exp(features)))


def make_args(rng):
    return rng.standard_normal(3), np.array(0.1), rng.standard_normal(20)


PROGRAM = Program("conv1d_slicing", conv_net_loss, make_args, argnums=(0, 1, 2), order=2)
