"""Derivatives of derivatives over chunked dask data: the Hessian of a logistic
regression's loss, a gradient of a gradient's norm and a Hessian-vector product, against
the numpy backend on the same data (and central differences of the numpy gradient)."""

from __future__ import annotations

import dask.array as da
import numpy as np
import xformad_dask
from dask_models import logistic_nll, mlp_loss

import xformad

N, D, CHUNKS = 600, 4, 200


def _data(rng):
    X = rng.standard_normal((N, D))
    y = (rng.random(N) < 0.5).astype(float)
    return X, y, da.from_array(X, chunks=(CHUNKS, D)), da.from_array(y, chunks=CHUNKS)


def test_hessian_of_logistic_regression(client, rng):
    X, y, dX, dy = _data(rng)
    w = 0.3 * rng.standard_normal(D)
    H = xformad.hessian(logistic_nll)(w, dX, dy)
    assert isinstance(H, da.Array)  # lazy until asked
    want = xformad.hessian(logistic_nll)(w, X, y)
    np.testing.assert_allclose(H.compute(), want, rtol=1e-10, atol=1e-13)
    eps = 1e-6  # central differences of the numpy gradient, column by column
    fd = np.stack(
        [
            (xformad.grad(logistic_nll)(w + eps * e, X, y) - xformad.grad(logistic_nll)(w - eps * e, X, y))
            / (2 * eps)
            for e in np.eye(D)
        ],
        axis=1,
    )
    np.testing.assert_allclose(want, fd, rtol=1e-5, atol=1e-8)


def test_gradient_of_a_gradient_norm(client, rng):
    X, y, dX, dy = _data(rng)
    w = 0.3 * rng.standard_normal(D)

    def norm(data_x, data_y):
        return lambda w: np.sum(xformad.grad(logistic_nll)(w, data_x, data_y) ** 2)

    got = xformad.grad(norm(dX, dy))(w)
    got = xformad_dask.compute(got)
    np.testing.assert_allclose(got, xformad.grad(norm(X, y))(w), rtol=1e-10, atol=1e-14)


def test_hessian_vector_product_of_an_mlp(client, rng):
    X, y, dX, dy = _data(rng)
    W1, W2 = 0.3 * rng.standard_normal((D + 2, 8)), 0.3 * rng.standard_normal((8, 1))
    params = [W1, np.zeros(8), W2, np.zeros(1)]
    v = [rng.standard_normal(p.shape) for p in params]

    def hvp(data_x, data_y):
        loss = lambda *p: mlp_loss(list(p), data_x, data_y)  # noqa: E731
        return xformad.jvp(xformad.grad(loss, argnums=(0, 1, 2, 3)), tuple(params), tuple(v))[1]

    got = xformad_dask.compute(*hvp(dX, dy))
    for g, w in zip(got, hvp(X, y)):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)
