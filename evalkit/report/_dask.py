"""The batch on Dask distributed: a LocalCluster by default, or an existing scheduler.

:func:`connect` gives a :class:`distributed.Client`: with no address, on a new
:class:`distributed.LocalCluster` of ``workers`` worker processes with one thread each
(nothing to start beforehand; mutual TLS with temporary credentials, so no other user of
the machine can connect to its scheduler and run code); with an address
(``tcp://host:8786``, ``tls://...``), on that scheduler, with the security of the Dask
configuration (``docs/cluster.md``).

Every worker process keeps its warm Jupyter kernels
(:func:`evalkit.report.batch._worker_kernel`, one per worker thread, started by the first
report the thread renders). :class:`KernelPlugin`, registered on every worker, shuts them
down when the worker closes; it also makes the worker ignore Ctrl-C, which the client
handles (it cancels the reports not yet started and closes the cluster). This module is
also a worker ``--preload`` (``dask_setup``): the same on workers started by hand.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

import dask
from distributed import Client, LocalCluster, WorkerPlugin

__all__ = ["LOCAL_CONFIG", "KernelPlugin", "connect", "dask_setup"]

_PLUGIN = "evalkit-warm-kernel"

# Dask settings for the LocalCluster (its scheduler and nannies read them when they are
# made, and the nannies hand them to their worker processes). A report is one task of a
# few seconds that runs in a kernel process, so Dask's diagnostics of the worker's own
# thread only cost CPU: the statistical profiler (a stack sample of every worker thread
# every 10 ms), the event loop's health check every 20 ms, the system monitor every
# 0.5 s, the memory monitor every 0.1 s (there is no memory limit to enforce), work
# stealing (one task per report; a free worker takes the next queued report anyway).
# Together about 7 % of a core on an idle 2-worker cluster, 1.4 % without them
# (docs/performance.md). An existing cluster (--scheduler) keeps its own configuration.
LOCAL_CONFIG: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.worker.memory.monitor-interval": "5s",
    "distributed.scheduler.work-stealing": False,
}


def _ignore_interrupt() -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


class KernelPlugin(WorkerPlugin):
    """Warm kernels on a Dask worker: Ctrl-C ignored, kernels shut down on close."""

    name = _PLUGIN

    def setup(self, worker: Any) -> None:
        _ignore_interrupt()

    async def teardown(self, worker: Any) -> None:
        import asyncio

        from evalkit.report.batch import shutdown_worker_kernels

        # A report still running when the worker closes (Ctrl-C) is abandoned: no
        # "Task was destroyed but it is pending" tracebacks of its kernel client's tasks.
        logging.getLogger("asyncio").disabled = True
        # not on the event loop: a kernel shuts down through its own (blocking) client
        await asyncio.to_thread(shutdown_worker_kernels)


def dask_setup(worker: Any) -> None:
    """Worker preload (``dask worker --preload evalkit.report._dask``): see KernelPlugin."""
    _ignore_interrupt()
    worker.plugins[_PLUGIN] = plugin = KernelPlugin()
    plugin.setup(worker)


def connect(workers: int, scheduler: str | None = None) -> tuple[Client, LocalCluster | None]:
    """A client on a new LocalCluster of ``workers`` processes, or on ``scheduler``.

    Returns
    -------
    (Client, LocalCluster or None)
        Close both when done (the cluster is None for an existing scheduler).
    """
    if scheduler:
        client = Client(scheduler, set_as_default=False)
        cluster = None
    else:
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
                preload=["evalkit.report._dask"],
                # a report is one task: no spilling of its small result
                memory_limit=0,
            )
        client = Client(cluster, set_as_default=False)
    client.register_plugin(KernelPlugin(), name=_PLUGIN)
    return client, cluster
