"""log det of an SPD matrix from its Cholesky factor: 2 * sum(log(diag(L)))."""

import numpy as np

from . import Program


def logdet_spd(B):
    n = B.shape[0]
    A = B @ B.T + n * np.eye(n)
    L = np.linalg.cholesky(A)
    return 2.0 * np.sum(np.log(np.diag(L)))


def make_args(rng):
    return (rng.standard_normal((4, 4)),)


PROGRAM = Program("logdet_cholesky", logdet_spd, make_args, order=2)
