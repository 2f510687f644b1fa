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

from distributed import Client, LocalCluster, WorkerPlugin

from evalkit._cluster import LOCAL_CONFIG, open_client

__all__ = ["LOCAL_CONFIG", "KernelPlugin", "connect", "dask_setup"]

_PLUGIN = "evalkit-warm-kernel"


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
    client, cluster = open_client(workers, scheduler, preload=["evalkit.report._dask"])
    client.register_plugin(KernelPlugin(), name=_PLUGIN)
    return client, cluster
