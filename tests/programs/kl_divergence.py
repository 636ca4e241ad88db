"""KL divergence between two categorical distributions given by logits, batched."""

import numpy as np

from . import Program


def kl_categorical(p_logits, q_logits):
    log_p = p_logits - np.log(np.exp(p_logits).sum(axis=-1, keepdims=True))
    log_q = q_logits - np.log(np.exp(q_logits).sum(axis=-1, keepdims=True))
    p = np.exp(log_p)
    return np.sum(p * (log_p - log_q)) / p_logits.shape[0]


def make_args(rng):
    return rng.standard_normal((4, 5)), rng.standard_normal((4, 5))


PROGRAM = Program("kl_divergence", kl_categorical, make_args, argnums=(0, 1), order=2)
