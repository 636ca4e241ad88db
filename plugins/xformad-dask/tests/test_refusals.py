"""A primitive dask cannot run raises NoDaskKernel naming it: never a client-side
compute, never a wrong number. A kernel of one's own fills the gap."""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pytest
import xformad_dask

import xformad
from xformad.extend import XformadError


@pytest.fixture
def sync():
    with dask.config.set(scheduler="synchronous"):
        yield


def test_missing_function_names_the_primitive(sync):
    x = da.from_array(np.array([3.0, 1.0, 2.0]), chunks=2)
    with pytest.raises(xformad_dask.NoDaskKernel, match="primitive 'argsort' has no dask kernel") as info:
        xformad.grad(lambda x: np.sum(np.sort(x) * np.arange(3.0)))(x)
    assert isinstance(info.value, XformadError) and info.value.primitive == "argsort"


def test_integer_array_index_is_refused_not_computed(sync):
    x = da.from_array(np.arange(4.0), chunks=2)
    with pytest.raises(xformad_dask.NoDaskKernel, match="getitem_transpose"):
        xformad.grad(lambda x: np.sum(x[np.array([0, 0, 3])] ** 2))(x)


def test_value_dependent_shape_is_refused(sync):
    x = da.from_array(np.array([-1.0, 2.0, 3.0]), chunks=2)
    with pytest.raises(xformad_dask.NoDaskKernel, match="unknown"):
        xformad.grad(lambda x: np.sum(x[x > 0]))(x)


def test_slices_and_basic_indices_differentiate(sync, rng):
    X = rng.standard_normal((6, 4))
    dX = da.from_array(X, chunks=(2, 2))

    def f(X):
        return np.sum(X[1:5:2, None, ::-1] ** 2) + np.sum(X[..., 0] * X[:, -1])

    np.testing.assert_allclose(xformad.grad(f)(dX).compute(), xformad.grad(f)(X), rtol=1e-12)


def test_a_kernel_of_ones_own_fills_the_gap(sync):
    backend = xformad_dask.backend()

    def argsort_by_compute_of_one_chunk(xp, x, axis, stable):
        # this user accepts a small 1-chunk sort: map_blocks over the single chunk
        return x.rechunk(-1).map_blocks(np.argsort, axis=axis, dtype=np.intp)

    backend.kernels["argsort"] = argsort_by_compute_of_one_chunk
    try:
        x = np.array([3.0, 1.0, 2.0])
        f = lambda x: np.sum(x**2 * np.argsort(x))
        got = xformad.grad(f)(da.from_array(x, chunks=2))
        np.testing.assert_allclose(got.compute(), xformad.grad(f)(x))
    finally:
        del backend.kernels["argsort"]


def test_cholesky_is_numpys_lower_factor_of_the_read_triangle(sync):
    """dask's cholesky returns the upper factor by default and reads the whole matrix:
    the backend's kernel gives numpy's factor (and so numpy's gradient)."""
    a = np.array([[4.0, 1.5], [0.5, 3.0]])  # numpy reads one triangle: two matrices
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    for upper in (False, True):

        def loss(m, upper=upper):
            return np.sum(np.linalg.cholesky(m, upper=upper) * w)

        value, g = xformad.value_and_grad(loss)(da.from_array(a, chunks=2))
        want, want_g = xformad.value_and_grad(loss)(a)
        np.testing.assert_allclose(xformad_dask.compute(value), want, rtol=1e-12)
        np.testing.assert_allclose(xformad_dask.compute(g), want_g, rtol=1e-12)


def test_negative_step_slices_differentiate_along_their_own_axis(sync):
    """dask's setitem writes x[0, ::-1] = v reversed along the wrong axis; the gradient of a
    negative-step slice is written as the positive-step slice of a flipped cotangent."""
    x = np.arange(24.0).reshape(2, 3, 4) / 10
    for index in (
        (0, slice(None, None, -1)),
        (slice(None), 1, slice(None, None, -2)),
        (Ellipsis, slice(3, 0, -1)),
    ):

        def loss(v, index=index):
            s = v[index]
            return np.sum(s**2 * np.arange(1.0, s.size + 1).reshape(s.shape))  # every place its own weight

        g = xformad_dask.compute(xformad.grad(loss)(da.from_array(x, chunks=2)))
        np.testing.assert_allclose(g, xformad.grad(loss)(x), rtol=1e-12)
