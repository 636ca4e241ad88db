"""A realistic program: the negative log marginal likelihood of a Gaussian process, written
as a scientist writes it with scipy.linalg (cho_factor, cho_solve, the log-determinant
from the Cholesky diagonal), differentiated with respect to the kernel hyperparameters:
against finite differences (both modes, order 2: the Hessian too), against autograd on a
plain-numpy version of the same program, eagerly and under jit. Also block_diag and the
from-import style of calling."""

from __future__ import annotations

import numpy as np
import scipy.linalg
from scipy.linalg import cho_factor, cho_solve, solve_triangular
from test_linalg_checks import check_function, run_compiled

import xformad

RNG = np.random.default_rng(5)
X = np.sort(RNG.uniform(-3, 3, size=12))
Y = np.sin(X) + 0.1 * RNG.standard_normal(12)
THETA = np.array([0.8, 1.3, 0.05])  # lengthscale, variance, noise


def rbf_kernel(np_, x, lengthscale, variance, noise):
    d2 = (x[:, None] - x[None, :]) ** 2
    return variance * np_.exp(-0.5 * d2 / lengthscale**2) + noise * np.eye(x.size)


def gp_nll(theta, x=X, y=Y):
    """-log p(y | x, theta) with scipy.linalg, as written in the wild."""
    k = rbf_kernel(np, x, theta[0], theta[1], theta[2])
    c, lower = scipy.linalg.cho_factor(k, lower=True)
    alpha = scipy.linalg.cho_solve((c, lower), y)
    log_det = 2 * np.sum(np.log(np.diag(c)))
    return 0.5 * y @ alpha + 0.5 * log_det + 0.5 * y.size * np.log(2 * np.pi)


def gp_nll_autograd(theta, x=X, y=Y):
    """The same function in autograd.numpy (autograd has no cho_factor/cho_solve)."""
    import autograd.numpy as anp
    import autograd.scipy.linalg as asl

    k = rbf_kernel(anp, x, theta[0], theta[1], theta[2])
    low = anp.linalg.cholesky(k)
    alpha = asl.solve_triangular(low.T, asl.solve_triangular(low, y, lower=True), lower=False)
    log_det = 2 * anp.sum(anp.log(anp.diag(low)))
    return 0.5 * anp.dot(y, alpha) + 0.5 * log_det + 0.5 * y.size * anp.log(2 * anp.pi)


def test_values_gradients_hessian_and_jit_against_finite_differences():
    check_function(gp_nll, (THETA,))


def test_gradient_and_hessian_equal_autograds():
    import autograd

    value, grad = xformad.value_and_grad(gp_nll)(THETA)
    np.testing.assert_allclose(value, gp_nll_autograd(THETA), rtol=1e-12)
    np.testing.assert_allclose(grad, autograd.grad(gp_nll_autograd)(THETA), rtol=1e-10)
    np.testing.assert_allclose(run_compiled(xformad.grad(gp_nll), THETA), grad, rtol=1e-12)
    hessian = xformad.hessian(gp_nll)(THETA)
    np.testing.assert_allclose(hessian, autograd.hessian(gp_nll_autograd)(THETA), rtol=1e-9)
    np.testing.assert_allclose(run_compiled(xformad.hessian(gp_nll), THETA), hessian, rtol=1e-12)


def test_gradient_descent_on_the_hyperparameters_lowers_the_loss():
    def loss(log_theta):  # log parameters keep them positive
        return gp_nll(np.exp(log_theta))

    step = xformad.jit(xformad.grad(loss), compile_after=0)
    log_theta = np.log(THETA)
    losses = [loss(log_theta)]
    for _ in range(5):
        log_theta = log_theta - 0.05 * step(log_theta)
        losses.append(loss(log_theta))
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))


def from_imported(a, b):
    """Names bound at import (``from scipy.linalg import ...``), not module attributes."""
    c = cho_factor(a)
    return cho_solve(c, b) + solve_triangular(a, b, lower=True)


def test_from_import_style():
    a = rbf_kernel(np, X[:4], 1.0, 1.0, 0.5) + 0.1 * RNG.standard_normal((4, 4))
    check_function(from_imported, (a, Y[:4]))


def test_block_diag():
    def blocks(a, v, s):
        return scipy.linalg.block_diag(a, v, s, np.ones((1, 2)), a[None] * 2)

    check_function(blocks, (RNG.standard_normal((2, 2)), RNG.standard_normal(3), np.float64(0.5)))
