"""Gradients of four models over chunked dask data on a 2-worker LocalCluster, against
the numpy backend on the same data (and finite differences where cheap)."""

from __future__ import annotations

import warnings

import dask
import dask.array as da
import numpy as np
import pytest
import xformad_dask
from dask_models import gmm_loglik, least_squares, logistic_nll, mlp_loss

import xformad

N, D = 1000, 4
CHUNKS = 500  # two chunks of rows: every reduction spans chunks (and workers)


@pytest.fixture
def data(rng):
    X = rng.standard_normal((N, D))
    y = (rng.random(N) < 1 / (1 + np.exp(-X @ np.array([1.0, -2.0, 0.5, 0.0])))).astype(float)
    return X, y, da.from_array(X, chunks=(CHUNKS, D)), da.from_array(y, chunks=CHUNKS)


def _close(got, want, rtol=1e-10, atol=1e-12):
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def test_logistic_regression(client, data, rng):
    X, y, dX, dy = data
    w = rng.standard_normal(D)
    g = xformad.grad(logistic_nll)(w, dX, dy)
    assert isinstance(g, da.Array)
    _close(g.compute(), xformad.grad(logistic_nll)(w, X, y))


def test_logistic_regression_by_backend_name(client, data, rng):
    X, y, _, _ = data
    w = rng.standard_normal(D)
    g = xformad.grad(logistic_nll, backend="dask")(w, X, y)  # numpy data, run on dask
    assert isinstance(g, da.Array)
    _close(g.compute(), xformad.grad(logistic_nll)(w, X, y))


def test_least_squares_against_finite_differences(client, data, rng):
    X, y, dX, dy = data
    w = rng.standard_normal(D)
    loss, g = xformad_dask.compute(*xformad.value_and_grad(least_squares)(w, dX, dy))
    np.testing.assert_allclose(loss, least_squares(w, X, y), rtol=1e-12)
    np.testing.assert_allclose(g, X.T @ (X @ w - y) / N, rtol=1e-10)  # the normal equations
    eps, e0 = 1e-6, np.eye(D)[0]
    fd = (least_squares(w + eps * e0, X, y) - least_squares(w - eps * e0, X, y)) / (2 * eps)
    np.testing.assert_allclose(g[0], fd, rtol=1e-6)


def test_gaussian_mixture_loglik(client, data, rng):
    X, _, dX, _ = data
    K = 3
    params = (rng.standard_normal((K, D)), np.float64(0.1), rng.standard_normal(K))
    argnums = (0, 1, 2)
    got = xformad_dask.compute(xformad.grad(gmm_loglik, argnums=argnums)(*params, dX))
    want = xformad.grad(gmm_loglik, argnums=argnums)(*params, X)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-9)


def test_mlp_over_chunked_data(client, data, rng):
    X, y, dX, dy = data
    H = 8
    params = (rng.standard_normal((D + 2, H)) / 3, np.zeros(H), rng.standard_normal((H, 1)) / 3, np.zeros(1))
    got = xformad_dask.compute(xformad.grad(mlp_loss)(params, dX, dy))
    want = xformad.grad(mlp_loss)(params, X, y)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)


def test_checkpointed_segment(client, data, rng):
    X, y, dX, dy = data
    block = xformad.checkpoint(lambda w, X: np.tanh(X @ w))

    def loss(w, X, y):
        return np.mean((block(w, X) - y) ** 2)

    w = rng.standard_normal(D)
    got = xformad.grad(loss)(w, dX, dy)
    assert isinstance(got, da.Array)
    _close(got.compute(), xformad.grad(loss)(w, X, y))


def test_statistics_functions(client, data):
    X, _, dX, _ = data

    def stats(X):
        cov = np.cov(X.T)
        return (
            np.sum(cov**2) + np.average(np.var(X, axis=0), weights=np.arange(1.0, D + 1)) + np.linalg.norm(X)
        )

    _close(xformad.grad(stats)(dX).compute(), xformad.grad(stats)(X))


def test_order_statistics_are_refused_by_name(client, data):
    _, _, dX, _ = data
    with pytest.raises(xformad_dask.NoDaskKernel, match="argsort"):
        xformad.grad(lambda X: np.median(X))(dX)


def test_where_in_the_loss(client, data, rng):
    """np.where on dask-backed tracers, its adjoint too, computed on the cluster."""
    X, y, dX, dy = data
    w = rng.standard_normal(D)

    def hinge(w, X, y):
        margin = (2 * y - 1) * (X @ w)
        return np.mean(np.where(margin < 1, 1 - margin, 0.0))

    g = xformad.grad(hinge)(w, dX, dy)
    _close(g.compute(), xformad.grad(hinge)(w, X, y))


def test_the_gradient_graph_does_not_compute_the_loss(client, data, rng):
    """logaddexp's cotangent on dask does not read the forward value, so, as in a gradient
    written by hand, no task of the gradient's graph computes logaddexp itself; and an
    argument where exp overflows gets the limit, exactly."""
    X, y, dX, dy = data
    w = rng.standard_normal(D)
    g = xformad.grad(logistic_nll)(w, dX, dy)
    names = {str(k[0] if isinstance(k, tuple) else k) for k in dict(g.__dask_graph__())}
    assert not any("logaddexp" in name for name in names), sorted(names)
    _close(g.compute(), xformad.grad(logistic_nll)(w, X, y))
    far = np.array([2.0, -800.0, 800.0, 0.0])
    dfar = da.from_array(far, chunks=2)
    for x in (far, dfar):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # numpy's logaddexp warns of nothing
            got = xformad.grad(lambda v: np.sum(np.logaddexp(0.0, v) + np.logaddexp(v, 1.0)))(x)
            got = np.asarray(got.compute() if isinstance(got, da.Array) else got)
        want = 0.5 * (1 + np.tanh(far / 2)) + 0.5 * (1 + np.tanh((far - 1.0) / 2))  # sigmoids
        _close(got, want, rtol=1e-14)


def _optimized_task_names(array) -> list:
    (optimized,) = dask.optimize(array)
    return [str(k[0] if isinstance(k, tuple) else k) for k in dict(optimized.__dask_graph__())]


def test_the_sum_cotangent_fuses_into_the_chunks_that_use_it(data, rng):
    """A sum's cotangent spread over its input's chunks is made blockwise and fuses into the
    task using it, on the worker holding that chunk: a broadcast_to task per chunk would be
    placed anywhere and its 8 bytes a row moved between workers. The gradient has as many
    tasks as the one written by hand (dask-glm's style) and the same values; sums over an
    axis (the cotangent spread along the other) agree with the numpy backend too."""
    X, y, dX, dy = data
    w = rng.standard_normal(D)
    g = xformad.grad(logistic_nll)(w, dX, dy)
    names = _optimized_task_names(g)
    assert not any("broadcast_to" in name for name in names), sorted(names)
    by_hand = dX.T @ (1 / (1 + da.exp(-(dX @ w))) - dy) / dX.shape[0]
    assert len(names) <= len(_optimized_task_names(by_hand))
    _close(g.compute(), xformad.grad(logistic_nll)(w, X, y))
    _close(g.compute(), by_hand.compute())

    def by_axes(w, X):
        Z = X * w
        return np.sum(np.sum(Z**2, axis=0) * w) + np.sum(np.sum(Z, axis=1, keepdims=True) ** 2)

    for argnum in (0, 1):
        got = xformad.grad(by_axes, argnums=argnum)(w, dX)
        got = got.compute() if isinstance(got, da.Array) else got
        _close(np.asarray(got), xformad.grad(by_axes, argnums=argnum)(w, X))
    assert xformad.grad(by_axes, argnums=1)(w, dX).chunks == dX.chunks
