"""Generalised Lotka-Volterra community dx/dt = x * (r + A x): the equilibrium is found by
Newton's method from the observed abundances, with the community matrix (the Jacobian)
filled column by column into J = np.zeros((n, n)) (J[:, j] = x * A[:, j]; J[j, j] += ...).
Loss: distance of the equilibrium to the observations plus its resilience, trace(J).
Differentiated in the growth rates r and the interaction matrix A."""

import numpy as np

from . import Program


def glv_rhs(x, r, A):
    return x * (r + A @ x)


def community_matrix(x, r, A):
    n = len(x)
    growth = r + A @ x
    J = np.zeros((n, n))
    for j in range(n):
        J[:, j] = x * A[:, j]
        J[j, j] += growth[j]
    return J


def equilibrium_misfit(r, A, observed, newton_steps=5):
    x = observed.copy()
    for _ in range(newton_steps):
        x = x - np.linalg.solve(community_matrix(x, r, A), glv_rhs(x, r, A))
    J = community_matrix(x, r, A)
    return np.sum((x - observed) ** 2) + 0.1 * np.trace(J)


def make_args(rng):
    n = 4
    A = -np.eye(n) + 0.15 * rng.standard_normal((n, n))
    x_true = rng.uniform(0.5, 1.5, size=n)
    r = -A @ x_true
    return r + 0.02 * rng.standard_normal(n), A, x_true + 0.02 * rng.standard_normal(n)


PROGRAM = Program(
    "glv_community_jacobian",
    equilibrium_misfit,
    make_args,
    argnums=(0, 1),
    order=2,
    autograd=False,
    note="the Jacobian is filled in place (J[:, j] = ..., J[j, j] += ...), which autograd "
    "(and jax) cannot do",
)
