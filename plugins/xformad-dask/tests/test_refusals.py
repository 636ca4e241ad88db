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
