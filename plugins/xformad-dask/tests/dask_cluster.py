"""Starting the LocalClusters the tests run on: 2 single-threaded worker processes on
127.0.0.1, no dashboard."""

from __future__ import annotations


def start_cluster(**worker_options):
    """A LocalCluster of 2 single-threaded worker processes on 127.0.0.1, and its Client."""
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        **worker_options,
    )
    from hang_report import clusters

    clusters.append(cluster)  # reported if a test hangs
    return cluster, Client(cluster)
