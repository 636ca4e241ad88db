"""Fixtures for the dask plugin's tests: one LocalCluster of two workers (threads of this
process, dask_cluster.py says why) on 127.0.0.1 for the whole run, and seeded data.

Without dask installed the tests are not collected (the root test run stays green).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

if importlib.util.find_spec("dask") is None or importlib.util.find_spec("distributed") is None:
    collect_ignore_glob = ["test_*.py"]  # dask is the plugin's dependency, not xformad's


@pytest.fixture(scope="session")
def _session_cluster():
    from dask_cluster import start_cluster

    cluster, client = start_cluster()
    state = {"cluster": cluster, "client": client}
    yield state
    state["client"].close()
    state["cluster"].close()


@pytest.fixture
def client(_session_cluster):
    """A Client of a 2-worker LocalCluster (dask's default scheduler once it is made), shared
    by the whole run; replaced, with a warning, if its workers went away (dask_cluster.py)."""
    from dask_cluster import ensure_workers

    return ensure_workers(_session_cluster)


# a compute waits for workers for ever: if the cluster's workers die, a test would hang the
# whole run; past this long, the clusters' state and every thread's stack are printed and the
# run exits (a failure)
HANG_SECONDS = 300


@pytest.fixture(autouse=True)
def _fail_instead_of_hanging(request):
    import cluster_watch
    from hang_report import HangWatch

    cluster_watch.current_test[0] = request.node.nodeid
    with HangWatch(request.node.nodeid, HANG_SECONDS, request.config):
        yield


@pytest.fixture
def rng():
    return np.random.default_rng(0)
