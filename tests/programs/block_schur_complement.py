"""Generalised variance (determinant) of a conditional Gaussian via the Schur complement of
a block covariance taken apart with np.split/hsplit and put together with np.block and
vstack/hstack."""

import numpy as np

from . import Program


def conditional_generalised_variance(F, noise):
    n = F.shape[0]
    cov = F @ F.T + np.diag(np.exp(noise))
    top, bottom = np.split(cov, [2], axis=0)
    A, B = np.split(top, [2], axis=1)
    C, D = np.hsplit(bottom, [2])
    schur = A - B @ np.linalg.inv(D) @ C
    stacked = np.vstack([np.hstack([A, B]), np.hstack([C, D])])
    blocked = np.block([[A, B], [C, D]])
    return np.linalg.det(schur) + np.sum(stacked * blocked) / n**2


def make_args(rng):
    return rng.standard_normal((5, 3)), 0.1 * rng.standard_normal(5)


PROGRAM = Program(
    "block_schur_complement",
    conditional_generalised_variance,
    make_args,
    argnums=(0, 1),
    order=2,
    autograd=False,
    jax=True,
    note="autograd cannot run np.block on traced blocks",
)
