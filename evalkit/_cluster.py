"""One way to get a Dask client: a local cluster of worker processes, or a scheduler.

Used by the batch of reports (:mod:`evalkit.report._dask`) and by the parallel panel
reader (:func:`evalkit.columnar.panel_spells` with ``workers=``/``scheduler=``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import dask
from distributed import Client, LocalCluster

__all__ = ["LOCAL_CONFIG", "open_client"]

# Dask settings for the LocalCluster (its scheduler and nannies read them when they are
# made, and the nannies hand them to their worker processes). A task here (a report, a
# panel file) is a few seconds of work in the worker, so Dask's diagnostics of the
# worker's own thread only cost CPU: the statistical profiler (a stack sample of every
# worker thread every 10 ms), the event loop's health check every 20 ms, the system
# monitor every 0.5 s, the memory monitor every 0.1 s (there is no memory limit to
# enforce), work stealing (one task per report; a free worker takes the next queued one
# anyway). Together about 7 % of a core on an idle 2-worker cluster, 1.4 % without them
# (docs/performance.md). An existing cluster (``scheduler``) keeps its own configuration.
LOCAL_CONFIG: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.worker.memory.monitor-interval": "5s",
    "distributed.scheduler.work-stealing": False,
}


def open_client(
    workers: int, scheduler: str | None = None, preload: Sequence[str] = ()
) -> tuple[Client, LocalCluster | None]:
    """A client on a new LocalCluster of ``workers`` processes, or on ``scheduler``.

    The LocalCluster listens on 127.0.0.1 only, with mutual TLS and temporary
    self-signed credentials (no other user of the machine can run code on it), no
    dashboard, one thread per worker process and no memory limit. ``preload`` names
    modules every worker imports at start (``dask_setup``).

    Returns
    -------
    (Client, LocalCluster or None)
        Close both when done (the cluster is None for an existing scheduler).
    """
    if scheduler:
        return Client(scheduler, set_as_default=False), None
    with dask.config.set(LOCAL_CONFIG):
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # no dashboard; Dask's small HTTP server (health, metrics) on a free port
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            security=True,  # temporary self-signed credentials, mutual TLS
            silence_logs=logging.CRITICAL,  # failures reach the user as outcomes
            preload=list(preload),
            memory_limit=0,  # a task's result is small: no spilling
        )
    return Client(cluster, set_as_default=False), cluster
