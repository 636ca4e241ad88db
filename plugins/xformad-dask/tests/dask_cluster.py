"""Starting the LocalClusters the tests run on: 2 single-threaded workers, no dashboard.

The cluster most tests share has its workers in this process (``processes=False``: threads,
talking to the scheduler in memory). On fresh clones under load (CI), both worker processes
of a process-based session cluster have been seen to leave at the same instant ("Remove
worker ... handle-worker-cleanup", "Lost all workers"), their nannies closed instead of
restarting them, and the next compute waited for workers for ever; the cause is not found
(cluster_watch.py records the evidence). The client still pickles each graph for the
scheduler, which is what these tests need; the one test that needs worker processes (a
per-process memory limit, test_memory_limit.py) starts its own.

A process-based cluster is used only once it has kept its workers for a few seconds, and
a cluster found without workers before a test is replaced; both are reported as a
ClusterLostWorkers warning with the scheduler's log and the witness's record, so the event
stays visible in the run's summary.
"""

from __future__ import annotations

import time
import warnings

WORKERS = 2
SETTLE_SECONDS = 5.0  # the deaths seen came about 2 s after the start
ATTEMPTS = 3


class ClusterLostWorkers(UserWarning):
    """A test LocalCluster's worker processes went away; it was replaced."""


def _make(processes, worker_options):
    from dask.distributed import Client, LocalCluster

    if processes:
        worker_options = {"host": "127.0.0.1", **worker_options}
    else:
        # threads share this process's memory: a per-worker limit would pause on the test
        # run's own footprint; they talk to the scheduler in memory (inproc://), no socket
        worker_options = {"memory_limit": 0, **worker_options}
    cluster = LocalCluster(
        n_workers=WORKERS,
        threads_per_worker=1,
        processes=processes,
        dashboard_address=None,
        **worker_options,
    )
    return cluster, Client(cluster)


def has_its_workers(cluster) -> bool:
    return len(cluster.scheduler.workers) == WORKERS


def report_and_close(cluster, client, when: str) -> None:
    import cluster_watch
    from hang_report import newest_log_lines

    try:
        lines = newest_log_lines(cluster.get_logs(scheduler=True, workers=False).get("Scheduler"), 12)
    except Exception as exc:  # noqa: BLE001  (the report must not fail the test)
        lines = [f"(scheduler log unreadable: {exc!r})"]
    warnings.warn(
        ClusterLostWorkers(
            f"the test LocalCluster lost its workers {when}; replacing it. Scheduler log, "
            "newest first:\n" + "\n".join(lines) + "\n" + cluster_watch.report()
        ),
        stacklevel=3,
    )
    client.close()
    cluster.close()


def start_cluster(processes: bool = False, **worker_options):
    """A LocalCluster of 2 single-threaded workers on 127.0.0.1, and its Client; with
    ``processes``, the workers are processes and the cluster kept them for SETTLE_SECONDS."""
    import cluster_watch

    cluster_watch.start()
    for _ in range(ATTEMPTS):
        cluster, client = _make(processes, worker_options)
        cluster_watch.clusters.append(cluster)  # watched, and reported if a test hangs
        client.wait_for_workers(WORKERS, timeout=60)
        if processes:
            time.sleep(SETTLE_SECONDS)
        if has_its_workers(cluster):
            return cluster, client
        report_and_close(cluster, client, f"within {SETTLE_SECONDS:.0f} s of starting")
    raise RuntimeError(f"the test LocalCluster lost its workers {ATTEMPTS} times in a row")


def ensure_workers(state: dict):
    """``state["cluster"], state["client"]`` (the session's cluster), replaced first if the
    cluster lost its workers."""
    cluster, client = state["cluster"], state["client"]
    if not has_its_workers(cluster):
        report_and_close(cluster, client, "between tests")
        state["cluster"], state["client"] = start_cluster()
    return state["client"]
