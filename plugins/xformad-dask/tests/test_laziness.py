"""Results are lazy until computed, and computed together each chunk of data is read once:
the forward values the backward sweep needs are not recomputed."""

from __future__ import annotations

import threading

import dask
import dask.array as da
import numpy as np
import pytest
import xformad_dask
from dask_models import logistic_nll

import xformad

N, D, CHUNK = 600, 3, 200


class ChunkReads:
    """A dask array whose chunks are made by a function that counts its calls (the
    synchronous scheduler runs it in this process)."""

    def __init__(self, rng):
        self.host = rng.standard_normal((N, D))
        self.reads = 0
        self._lock = threading.Lock()

    def _block(self, block, block_info=None):
        with self._lock:
            self.reads += 1
        (start, stop), _ = block_info[None]["array-location"]
        return self.host[start:stop]

    def array(self):
        empty = da.zeros((N, D), chunks=(CHUNK, D))
        return empty.map_blocks(self._block, dtype=float, meta=np.empty((0, 0)))  # no trial call


@pytest.fixture
def sync():
    with dask.config.set(scheduler="synchronous"):
        yield


def test_gradient_is_lazy_until_computed(sync, rng):
    source = ChunkReads(rng)
    X, y = source.array(), da.from_array((rng.random(N) < 0.5).astype(float), chunks=CHUNK)
    w = rng.standard_normal(D)
    xformad_dask.reset_computes()
    loss, g = xformad.value_and_grad(logistic_nll)(w, X, y)
    assert isinstance(loss, da.Array) and isinstance(g, da.Array)
    assert source.reads == 0  # building the derivative program ran nothing
    assert xformad_dask.computes() == 0
    got_loss, got_g = xformad_dask.compute(loss, g)
    assert source.reads == N // CHUNK  # each chunk once, for the forward and backward work
    want_loss, want_g = xformad.value_and_grad(logistic_nll)(w, source.host, np.asarray(y))
    np.testing.assert_allclose(got_loss, want_loss, rtol=1e-12)
    np.testing.assert_allclose(got_g, want_g, rtol=1e-10)


def test_computing_results_one_by_one_reads_the_data_again(sync, rng):
    # the reason for compute(loss, g): the shared forward work runs once, not per result
    source = ChunkReads(rng)
    X, y = source.array(), da.ones(N, chunks=CHUNK)
    loss, g = xformad.value_and_grad(logistic_nll)(np.zeros(D), X, y)
    loss.compute()
    g.compute()
    assert source.reads == 2 * (N // CHUNK)


def test_persisted_data_is_not_recomputed_by_the_sweep(client, rng):
    X = da.random.default_rng(1).standard_normal((N, D), chunks=(CHUNK, D))
    y = (da.random.default_rng(2).random(N, chunks=CHUNK) < 0.5).astype(float)
    X, y = xformad_dask.persist(X, y)  # on the workers, as futures
    w = rng.standard_normal(D)
    g = xformad.grad(logistic_nll)(w, X, y)
    keys = set(dict(g.__dask_graph__()))
    assert {k for k in dict(X.__dask_graph__())} <= keys  # the persisted chunks, by key
    want = xformad.grad(logistic_nll)(w, *dask.compute(X, y))
    np.testing.assert_allclose(g.compute(), want, rtol=1e-10)


def test_broadcast_host_constant_becomes_a_lazy_broadcast(sync, rng):
    X = da.from_array(rng.standard_normal((N, D)), chunks=(CHUNK, D))
    weights = np.broadcast_to(np.float64(2.0), (N,))  # a stride-0 view: 8 bytes stored
    backend = xformad_dask.backend()
    before = backend.transfers.adopted

    def f(w, X):
        return np.sum((X @ w) * weights)

    g = xformad.grad(f)(np.ones(D), X)
    assert backend.transfers.adopted > before  # placed as a dask broadcast, not shipped
    np.testing.assert_allclose(g.compute(), 2.0 * np.asarray(X).sum(axis=0), rtol=1e-12)
