"""Stationary covariance of a linearised stochastic predator-prey model dx = J x dt + B dW:
the 2x2 Jacobian is np.stack([[-a, -b], [c, -d]]) and the noise loading
np.vstack([[s1, 0.0], [rho * s2, s2]]), both nested lists of traced scalars; the Lyapunov
equation J P + P J^T + B B^T = 0 is solved through its Kronecker form."""

import numpy as np

from . import Program


def stationary_covariance(params):
    a, b, c, d, s1, s2, rho = params
    J = np.stack([[-a, -b], [c, -d]])
    B = np.vstack([[s1, 0.0], [rho * s2, s2]])
    Q = B @ B.T
    identity = np.eye(2)
    L = np.kron(J, identity) + np.kron(identity, J)
    return np.linalg.solve(L, -Q.reshape(-1)).reshape(2, 2)


def covariance_misfit(params, observed_cov):
    return np.sum((stationary_covariance(params) - observed_cov) ** 2)


def make_args(rng):
    truth = np.array([0.5, 1.0, 0.8, 0.3, 0.4, 0.3, 0.2])
    return truth + 0.05 * rng.standard_normal(7), stationary_covariance(truth)


PROGRAM = Program(
    "lyapunov_stack_vstack",
    covariance_misfit,
    make_args,
    order=2,
    autograd=False,
    note="np.stack/np.vstack of nested Python lists of autograd boxes give object arrays (and "
    "jax refuses lists in stack)",
)
