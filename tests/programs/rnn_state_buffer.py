"""An Elman RNN that keeps its hidden states: H = np.zeros((T, n)) is filled row by row
(H[t] = h) and a running sum acc = np.zeros(n) is updated with acc += h; the loss is the
readout error over all steps plus a penalty on the mean hidden state."""

import numpy as np

from . import Program


def rnn_readout_loss(params, inputs, targets):
    steps = len(inputs)
    n = params["W_hh"].shape[0]
    H = np.zeros((steps, n))
    acc = np.zeros(n)
    h = np.zeros(n)
    for t in range(steps):
        h = np.tanh(params["W_hh"] @ h + params["W_xh"] @ inputs[t] + params["b"])
        H[t] = h
        acc += h
    predictions = H @ params["w_out"]
    mean_state = acc / steps
    return np.mean((predictions - targets) ** 2) + 0.01 * np.sum(mean_state**2)


def make_args(rng):
    hidden, n_in, steps = 5, 3, 10
    params = {
        "W_hh": 0.5 * rng.standard_normal((hidden, hidden)) / np.sqrt(hidden),
        "W_xh": rng.standard_normal((hidden, n_in)) / np.sqrt(n_in),
        "b": 0.1 * rng.standard_normal(hidden),
        "w_out": rng.standard_normal(hidden) / np.sqrt(hidden),
    }
    return params, rng.standard_normal((steps, n_in)), rng.standard_normal(steps)


PROGRAM = Program(
    "rnn_state_buffer",
    rnn_readout_loss,
    make_args,
    order=2,
    autograd=False,
    note="the hidden states are written into np.zeros buffers (H[t] = h, acc += h), which "
    "autograd (and jax) cannot do",
)
