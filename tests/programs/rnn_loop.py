"""An Elman RNN unrolled with a Python loop; params in a dict; loss on every step's output."""

import numpy as np

from . import Program


def rnn_loss(params, inputs, targets):
    h = np.zeros(params["W_hh"].shape[0])
    loss = 0.0
    for x_t, y_t in zip(inputs, targets):
        h = np.tanh(params["W_hh"] @ h + params["W_xh"] @ x_t + params["b"])
        y_hat = params["W_hy"] @ h
        loss = loss + np.sum((y_hat - y_t) ** 2)
    return loss / len(inputs)


def make_args(rng):
    hidden, n_in, n_out, steps = 5, 3, 2, 8
    params = {
        "W_hh": 0.5 * rng.standard_normal((hidden, hidden)) / np.sqrt(hidden),
        "W_xh": rng.standard_normal((hidden, n_in)) / np.sqrt(n_in),
        "W_hy": rng.standard_normal((n_out, hidden)) / np.sqrt(hidden),
        "b": np.zeros(hidden),
    }
    return params, rng.standard_normal((steps, n_in)), rng.standard_normal((steps, n_out))


PROGRAM = Program("rnn_loop", rnn_loss, make_args, order=2)
