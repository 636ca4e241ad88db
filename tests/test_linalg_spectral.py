"""Realistic programs built on eigenvalues: the algebraic connectivity of a weighted graph,
the leading principal component of a data set, and the stability margin of a linear
dynamical system. Gradients are checked against central finite differences (both modes,
order 2), against JAX, and eagerly against jit."""

from __future__ import annotations

import types

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads

from .jax_compat import x64

RNG = np.random.default_rng(17)

# a ring of 6 nodes with two chords: the incidence matrix B (edges x nodes)
EDGES = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 0), (0, 3), (1, 4)]
INCIDENCE = np.zeros((len(EDGES), 6))
for e, (i, j) in enumerate(EDGES):
    INCIDENCE[e, i], INCIDENCE[e, j] = 1.0, -1.0


def algebraic_connectivity(np_, log_weights):
    """lambda_2 of the Laplacian B^T diag(w) B, plus a penalty on the total weight."""
    laplacian = INCIDENCE.T @ (np_.exp(log_weights)[:, None] * INCIDENCE)
    spectrum = np_.linalg.eigvalsh(laplacian)
    return spectrum[1] - 0.05 * np_.sum(np_.exp(log_weights))


def leading_component_loss(np_, data):
    """Share of variance along the first principal axis, and how far the first feature's
    loading is from a target (|v|^2: free of the eigenvector's sign)."""
    centred = data - np_.mean(data, axis=0)
    covariance = centred.T @ centred / (data.shape[0] - 1)
    variances, axes = np_.linalg.eigh(covariance)
    share = variances[-1] / np_.sum(variances)
    return share + (axes[0, -1] ** 2 - 0.5) ** 2


def stability_margin(np_, params):
    """A smooth maximum (log-sum-exp) of the real parts of the eigenvalues of a damped
    oscillator network's system matrix: negative when the system is stable."""
    stiffness, damping = params[:3], params[3:]
    coupling = np_.diag(stiffness) + 0.3 * np_.ones((3, 3))
    upper = np_.concatenate([np_.zeros((3, 3)), np_.eye(3)], axis=1)
    lower = np_.concatenate([-coupling, -np_.diag(damping)], axis=1)
    system = np_.concatenate([upper, lower], axis=0)
    growth = np_.real(np_.linalg.eigvals(system))
    return np_.log(np_.sum(np_.exp(8.0 * growth))) / 8.0


PROGRAMS = {
    "algebraic connectivity": (algebraic_connectivity, lambda: 0.3 * RNG.standard_normal(len(EDGES))),
    "leading component": (leading_component_loss, lambda: RNG.standard_normal((20, 3)) * [3.0, 1.0, 0.5]),
    "stability margin": (stability_margin, lambda: np.concatenate([[1.0, 2.0, 3.5], [0.2, 0.5, 0.3]])),
}


def jax_version_of(program):
    """The program on jax.numpy; JAX's eigvals wants an explicit call to be differentiated."""
    jax = pytest.importorskip("jax")
    jnp = jax.numpy

    def eigvals(a):
        return jax.lax.linalg.eig(a, compute_left_eigenvectors=False, compute_right_eigenvectors=False)[0]

    linalg = types.SimpleNamespace(eigh=jnp.linalg.eigh, eigvalsh=jnp.linalg.eigvalsh, eigvals=eigvals)
    jax_numpy = types.SimpleNamespace(
        **{name: getattr(jnp, name) for name in dir(jnp) if not name.startswith("_")}
    )
    jax_numpy.linalg = linalg
    return jax, lambda x: program(jax_numpy, x)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_spectral_program(name):
    program, make_input = PROGRAMS[name]
    x = make_input()

    def loss(x):
        return program(np, x)

    check_grads(loss, (x,))
    ours = xformad.grad(loss)(x)
    np.testing.assert_allclose(xformad.jit(xformad.grad(loss))(x), ours, rtol=1e-12)
    jax, jax_loss = jax_version_of(program)
    with x64(jax):
        theirs = np.asarray(jax.grad(jax_loss)(x))
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-12)


def test_algebraic_connectivity_gradient_is_the_fiedler_formula():
    """d lambda_2 / d w_ij = (v_i - v_j)^2 for the Fiedler vector v."""
    log_weights = 0.3 * RNG.standard_normal(len(EDGES))
    g = xformad.grad(lambda lw: algebraic_connectivity(np, lw))(log_weights)
    w = np.exp(log_weights)
    fiedler = np.linalg.eigh(INCIDENCE.T @ (w[:, None] * INCIDENCE))[1][:, 1]
    per_edge = np.array([(fiedler[i] - fiedler[j]) ** 2 for i, j in EDGES])
    np.testing.assert_allclose(g, w * per_edge - 0.05 * w, rtol=1e-9)


def test_eigh_vectors_of_repeated_eigenvalues_raise_in_both_modes():
    # they have no derivative there: an error, never the inf/NaN of dividing by a zero gap
    a = np.diag([2.0, 2.0, 5.0])
    with pytest.raises(xformad.UndefinedDerivativeError, match="repeated eigenvalues"):
        xformad.grad(lambda c: np.sum(np.linalg.eigh(c)[1]))(a)
    with pytest.raises(xformad.UndefinedDerivativeError, match="repeated eigenvalues"):
        xformad.jvp(lambda c: np.linalg.eigh(c)[1], (a,), (np.ones((3, 3)),))
    # the eigenvalues still differentiate
    assert np.isfinite(xformad.grad(lambda c: np.sum(np.linalg.eigh(c)[0] ** 2))(a)).all()
    # at an exact tie even the distinct eigenvalue's vector is refused: its rule sees a zero
    # cotangent on the tied vectors, which v diag(g(w)) v^T with g(2) = 0 gives too (below)
    with pytest.raises(xformad.UndefinedDerivativeError, match="repeated eigenvalues"):
        xformad.grad(lambda c: np.sum(np.linalg.eigh(c)[1][:, 2] ** 2))(a)
    # a near tie with the tied vectors unused is an ordinary point: finite differences agree
    near = np.diag([2.0, 2.0 + 1e-9, 5.0]) + 0.01 * np.triu(np.ones((3, 3)), 1).T

    def top_vector(c):
        v = np.linalg.eigh(c)[1][:, 2]
        return np.sum(v**3 * np.array([1.0, 2.0, 3.0]))

    check_grads(top_vector, (near,), modes=("rev",), order=1)


@pytest.mark.parametrize("a", [np.zeros((3, 3)), np.eye(3), np.diag([2.0, 2.0, 5.0])])
def test_matrix_function_through_eigh_at_exact_ties_raises(a):
    """v diag(g(w)) v^T is smooth (here g(w) = w - 2 and w: the matrix itself, shifted), but
    at exactly equal eigenvalues with g = 0 there its cotangent on the tied vectors is zero
    while their derivative is 0/0: the rule once dropped those terms and returned the
    diagonal part of the gradient alone."""
    c = np.array([[1.0, 2.0, 0.0], [2.0, -1.0, 3.0], [0.0, 3.0, 2.0]])

    def loss(m):
        w, v = np.linalg.eigh(m)
        shift = 2.0 if a[0, 0] == 2.0 else 0.0
        return np.sum(c * (v @ np.diag(w - shift) @ v.T))

    with pytest.raises(xformad.UndefinedDerivativeError, match="repeated eigenvalues"):
        xformad.grad(loss)(a)
    # second order of the eigenvalues alone goes through the same rule
    with pytest.raises(xformad.UndefinedDerivativeError, match="repeated eigenvalues"):
        xformad.jacrev(xformad.jacrev(lambda m: np.sum(np.linalg.eigvalsh(m) ** 2)))(a)
    with pytest.raises(xformad.UndefinedDerivativeError, match="repeated eigenvalues"):
        xformad.hessian(lambda m: np.sum(np.linalg.eigvalsh(m) ** 2))(a)


@pytest.mark.parametrize("a", [np.zeros((3, 3)), np.eye(3), np.diag([1.0, 1.0, 2.0]), np.zeros((4, 3))])
def test_svd_vectors_at_exact_ties_raise_in_both_modes(a):
    """u diag(s) vh is the matrix itself, but at equal (or, non-square, zero) singular values
    its vector terms are 0/0: once the zero matrix's gradient came back wrong by 5 and the
    identity's as NaN, without an error."""
    c = np.arange(1.0, 1.0 + a.size).reshape(a.shape)

    def loss(m):
        u, s, vh = np.linalg.svd(m, full_matrices=False)
        return np.sum(c * (u @ np.diag(s) @ vh))

    with pytest.raises(xformad.UndefinedDerivativeError, match="repeated"):
        xformad.grad(loss)(a)
    with pytest.raises(xformad.UndefinedDerivativeError, match="repeated"):
        xformad.jvp(loss, (a,), (np.ones_like(a),))
    with pytest.raises(xformad.UndefinedDerivativeError, match="repeated"):
        xformad.hessian(lambda m: np.sum(np.linalg.svd(m, compute_uv=False) ** 2))(a)
    # at distinct nonzero singular values the same loss is <c, m>: its gradient is c
    m = a + np.eye(*a.shape) * np.arange(1.0, 4.0) * 0.7 + 0.1 * np.tri(*a.shape)
    np.testing.assert_allclose(xformad.grad(loss)(m), c, rtol=1e-10, atol=1e-12)


def test_refusal_under_jacobians_is_the_refusal_not_a_branch_error():
    """A rule's refusal reached by some members of a Jacobian's batch of seeds raises the
    refusal itself (it was: 'vmap: a Python branch ... differs between batch members')."""
    a = np.diag([1.0, 1.0 + 1e-12, 3.0])  # a near tie: refused only where a seed couples it
    with pytest.raises(xformad.UndefinedDerivativeError, match="repeated eigenvalues"):
        xformad.jacrev(lambda m: np.linalg.eigh(m)[1])(a)
