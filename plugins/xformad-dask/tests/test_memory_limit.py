"""A dataset several times one worker's memory limit still differentiates: no step of the
forward pass or the reverse sweep holds a full array on one worker."""

from __future__ import annotations

import dask.array as da
import dask.distributed  # noqa: F401  (loads the distributed.* config keys set below)
import numpy as np
import pytest
from dask_cluster import start_cluster
from dask_models import logistic_nll

import xformad

LIMIT = 200 * 2**20  # bytes per worker (an idle worker process takes about 95 MB)
ROWS, D, CHUNK_ROWS = 3_200_000, 25, 50_000  # 640 MB of float64 features in 10 MB chunks


@pytest.fixture(scope="module")
def small_workers():
    # no spilling to disk: a worker that outgrows its limit pauses and is restarted, so a
    # step that gathered a full array would fail the test rather than quietly spill it
    with dask.config.set(
        {"distributed.worker.memory.target": False, "distributed.worker.memory.spill": False}
    ):
        cluster, client = start_cluster(processes=True, memory_limit=LIMIT)
    yield client
    client.close()
    cluster.close()


def test_data_several_times_the_worker_limit(small_workers):
    rng = da.random.default_rng(0)
    X = rng.standard_normal((ROWS, D), chunks=(CHUNK_ROWS, D))
    y = (X[:, 0] - X[:, 1] > 0).astype(float)
    assert X.nbytes > 3 * LIMIT
    w = np.linspace(-0.5, 0.5, D)
    got = xformad.grad(logistic_nll)(w, X, y).compute()
    # the oracle: the gradient written by hand, as dask-glm does, on the same cluster; not
    # in the same compute, which would keep each chunk of X for both graphs at once
    p = 1 / (1 + da.exp(-(X @ w)))
    want = (X.T @ (p - y) / ROWS).compute()
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)
    workers = small_workers.scheduler_info()["workers"]
    assert len(workers) == 2 and all(w["memory_limit"] == LIMIT for w in workers.values())
