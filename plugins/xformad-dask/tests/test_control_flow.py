"""Python control flow on traced dask values computes them: counted, warned about once,
and guarded, so a jit-compiled derivative re-traces when the branch changes."""

from __future__ import annotations

import warnings

import dask
import dask.array as da
import numpy as np
import pytest
import xformad_dask

import xformad


def branchy(w, X):
    z = X @ w
    if np.sum(z) > 0:  # a compute: the branch depends on the data
        return np.sum(z**2)
    return np.sum(np.sin(z))


@pytest.fixture
def sync():
    with dask.config.set(scheduler="synchronous"):
        xformad_dask.reset_computes()
        yield


def _data(rng, sign):
    X = sign * np.abs(rng.standard_normal((40, 3)))
    return X, da.from_array(X, chunks=(10, 3))


def test_branch_is_counted_and_warned_once(sync, rng):
    X, dX = _data(rng, +1)
    w = np.ones(3)
    with pytest.warns(xformad_dask.ComputeWarning, match="computed it"):
        g = xformad.grad(branchy)(w, dX)
    assert xformad_dask.computes() == 1
    np.testing.assert_allclose(g.compute(), xformad.grad(branchy)(w, X), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", xformad_dask.ComputeWarning)  # not a second time
        xformad.grad(branchy)(w, dX)
    assert xformad_dask.computes() == 2


def test_converting_a_result_after_the_transform_is_not_counted(sync, rng):
    _, dX = _data(rng, +1)
    g = xformad.grad(branchy)(np.ones(3), dX)
    before = xformad_dask.computes()
    float(g[0])  # the user's own compute, outside any trace
    assert xformad_dask.computes() == before


def test_jit_guards_follow_the_branch(sync, rng):
    w = np.ones(3)
    compiled = xformad.jit(xformad.grad(branchy))
    for sign in (+1, -1, +1):
        X, dX = _data(rng, sign)
        np.testing.assert_allclose(compiled(w, dX).compute(), xformad.grad(branchy)(w, X), rtol=1e-12)


def test_cluster_compute_inside_a_trace(client, rng):
    # a forced compute pickles the graph for the scheduler while the trace is open
    X, dX = _data(rng, -1)
    g = xformad.grad(branchy)(np.ones(3), dX)
    np.testing.assert_allclose(g.compute(), xformad.grad(branchy)(np.ones(3), X), rtol=1e-12)
