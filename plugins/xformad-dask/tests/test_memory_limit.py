"""A dataset several times one worker's memory limit still differentiates: no step of the
forward pass or the reverse sweep holds a full array on one worker."""

from __future__ import annotations

import dask
import dask.array as da
import dask.distributed  # noqa: F401  (loads the distributed.* config keys set below)
import numpy as np
from dask_cluster import has_its_workers, report_and_close, start_cluster
from dask_models import logistic_nll

import xformad

LIMIT = 200 * 2**20  # bytes per worker (an idle worker process takes about 95 MB)
ROWS, D, CHUNK_ROWS = 3_200_000, 25, 50_000  # 640 MB of float64 features in 10 MB chunks
COMPUTE_SECONDS = 150  # about 6 s here; a compute on a cluster that lost its workers never ends
ATTEMPTS = 2


def _small_workers():
    # no spilling to disk: a worker that outgrows its limit pauses and is restarted, so a
    # step that gathered a full array would fail the test rather than quietly spill it
    with dask.config.set(
        {"distributed.worker.memory.target": False, "distributed.worker.memory.spill": False}
    ):
        return start_cluster(processes=True, memory_limit=LIMIT)


def _gradient_and_oracle(client):
    rng = da.random.default_rng(0)
    X = rng.standard_normal((ROWS, D), chunks=(CHUNK_ROWS, D))
    y = (X[:, 0] - X[:, 1] > 0).astype(float)
    assert X.nbytes > 3 * LIMIT
    w = np.linspace(-0.5, 0.5, D)
    got = client.compute(xformad.grad(logistic_nll)(w, X, y)).result(timeout=COMPUTE_SECONDS)
    # the oracle: the gradient written by hand, as dask-glm does, on the same cluster; not
    # in the same compute, which would keep each chunk of X for both graphs at once
    p = 1 / (1 + da.exp(-(X @ w)))
    want = client.compute(X.T @ (p - y) / ROWS).result(timeout=COMPUTE_SECONDS)
    return got, want


def test_data_several_times_the_worker_limit():
    # worker processes are what a per-worker limit needs; a cluster whose workers all left
    # (seen on slow CI machines, dask_cluster.py) is reported and replaced once, never
    # waited on for ever
    for attempt in range(1, ATTEMPTS + 1):
        cluster, client = _small_workers()
        try:
            got, want = _gradient_and_oracle(client)
            workers = client.scheduler_info()["workers"]
            break
        except TimeoutError:
            if has_its_workers(cluster) or attempt == ATTEMPTS:
                raise  # slow or stuck with its workers: a real failure
            report_and_close(cluster, client, "during the test")
            cluster = None
        finally:
            if cluster is not None:
                client.close()
                cluster.close()
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)
    assert len(workers) == 2 and all(w["memory_limit"] == LIMIT for w in workers.values())
