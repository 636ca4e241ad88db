"""PPO's clipped surrogate objective for a softmax policy over discrete actions."""

import numpy as np

from . import Program


def log_softmax(logits):
    return logits - np.log(np.sum(np.exp(logits), axis=-1, keepdims=True))


def clipped_surrogate(logits, old_log_probs, actions, advantages, clip=0.2):
    log_probs = log_softmax(logits)[np.arange(len(actions)), actions]
    ratio = np.exp(log_probs - old_log_probs)
    unclipped = ratio * advantages
    clipped = np.clip(ratio, 1 - clip, 1 + clip) * advantages
    return -np.mean(np.minimum(unclipped, clipped))


def make_args(rng):
    logits = rng.standard_normal((12, 4))
    actions = rng.integers(0, 4, size=12)
    old = log_softmax(logits + 0.3 * rng.standard_normal((12, 4)))[np.arange(12), actions]
    return logits, old, actions, rng.standard_normal(12)


PROGRAM = Program("ppo_clipped_objective", clipped_surrogate, make_args, order=2)
