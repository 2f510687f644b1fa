"""Render many reports fast: one warm Jupyter kernel per worker process.

Starting a kernel and importing pandas, matplotlib, statsmodels and evalkit takes most
of the 3-5 s that papermill needs per report. :class:`WarmKernel` keeps one kernel alive
and runs each notebook through :func:`papermill.execute_notebook` itself, with a papermill
engine that hands papermill's own notebook client (``PapermillNotebookClient``) the warm
kernel instead of a new one. Everything else is papermill's: the injected parameters
cell (``parameterize_notebook``), the notebook metadata, a failing cell recorded with
its index and traceback, the error marker cells and the notebook written to the output
path. Between notebooks the kernel is reset: the user namespace, output cache and
history are cleared (IPython ``reset(new_session=True)``, so execution counts start at
1 again), open figures closed, and the working directory, ``os.environ``, ``sys.path`` and
the warning filters restored to what they were when the kernel started. Imported modules
stay imported, which is the point; evalkit keeps no global state in them (other than
:func:`evalkit.io.file_sha256`'s digests of unchanged input files). After a
kernel's first notebook, what survives its reset (the modules that notebook imported and
their state) is moved out of the garbage collector's sight, once (:func:`gc.freeze`):
the two full collections of every reset (IPython's and ours) and the automatic ones
during a report would otherwise walk the some 230,000 objects of pandas, matplotlib and
the rest each time, about 0.3 s per collection. Only that once: what later reports leave
behind is collected as usual (freezing at every reset would keep the cycles that die
later, some 4,000 objects and 2.5 MiB per report). A kernel that died or was interrupted
is restarted before the next notebook.

:func:`render_batch` renders a list of :class:`BatchJob` through
:func:`evalkit.report.render.render_report` (so outputs stay atomic and failed notebooks
are kept under ``<out>/_failed/``): with one worker in this process on one warm kernel;
with more, or with a scheduler address, on Dask distributed (:mod:`evalkit.report._dask`:
a LocalCluster of worker processes with one thread each, or an existing cluster), where
each worker thread keeps its own warm kernel, shut down when the worker closes. One
failing report never stops the others; each job gives a :class:`BatchOutcome`.

Example
-------
>>> from evalkit.report.batch import BatchJob, render_batch          # doctest: +SKIP
>>> jobs = [BatchJob("projects/landsdaekkende-jobparate.yaml", "slutevaluering",
...                  "reports", subset={"kommune": k}) for k in ("Aalborg", "Ærø")]
>>> outcomes = render_batch(jobs, workers=2)                         # doctest: +SKIP
"""

from __future__ import annotations

import functools
import multiprocessing.util
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ENGINES",
    "BatchJob",
    "BatchOutcome",
    "WarmKernel",
    "render_batch",
    "shutdown_worker_kernels",
]

ENGINES = ("warm", "papermill")
_PM_ENGINE = "evalkit-warm"

# Run once in a new kernel (silently): remember the state a fresh kernel starts with.
_SNAPSHOT = """\
def _evalkit_snapshot():
    import os, sys, types, warnings
    state = types.ModuleType("_evalkit_warm_state")
    state.environ = dict(os.environ)
    state.path = list(sys.path)
    state.cwd = os.getcwd()
    state.filters = list(warnings.filters)
    sys.modules[state.__name__] = state
_evalkit_snapshot()
get_ipython().reset(new_session=True)
"""

# Run (silently) before every notebook: back to the fresh-kernel state, modules kept.
_RESET = """\
def _evalkit_reset(cwd, freeze):
    import gc, os, sys, warnings
    state = sys.modules["_evalkit_warm_state"]
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
    os.environ.clear()
    os.environ.update(state.environ)
    sys.path[:] = state.path
    os.chdir(cwd or state.cwd)
    warnings.filters[:] = state.filters
    warnings._filters_mutated()
    warnings.onceregistry.clear()
    get_ipython().reset(new_session=True)
    gc.collect()
    if freeze:
        gc.freeze()
_evalkit_reset({cwd!r}, {freeze!r})
"""


class WarmKernel:
    """A Jupyter kernel kept alive across notebooks that papermill executes.

    Parameters
    ----------
    kernel_name : str
        The kernel spec to start (``evalkit``, or ``python3``).
    startup_timeout : float
        Seconds to wait for the kernel to be ready.

    Notes
    -----
    Use as a context manager, or call :meth:`shutdown`. :meth:`execute_notebook` has
    the signature of :func:`papermill.execute_notebook` and can be passed as the
    ``engine`` of :func:`evalkit.report.render.render_report`.
    """

    def __init__(self, kernel_name: str = "evalkit", startup_timeout: float = 60) -> None:
        if not isinstance(kernel_name, str) or not kernel_name:
            raise ValueError(f"kernel_name must be a non-empty str, but was {kernel_name!r}")
        self.kernel_name = kernel_name
        self.startup_timeout = startup_timeout
        self.km: Any = None
        self.kc: Any = None
        self.notebooks = 0  # executed by the current kernel
        self.starts = 0
        self._dirty = False

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> WarmKernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    @property
    def alive(self) -> bool:
        """True while the kernel process runs."""
        from jupyter_core.utils import run_sync

        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def start(self) -> None:
        """Start the kernel (in the current directory) and record its fresh state."""
        from jupyter_core.utils import run_sync

        from evalkit.report._kernel import IPCKernelManager

        self.shutdown()
        km = IPCKernelManager(kernel_name=self.kernel_name)
        # as nbclient does for ipykernel: no history file shared between kernels
        run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"])
        kc = km.client()
        kc.start_channels()
        try:
            run_sync(kc.wait_for_ready)(timeout=self.startup_timeout)
        except BaseException:
            kc.stop_channels()
            run_sync(km.shutdown_kernel)(now=True)
            raise
        kc.allow_stdin = False
        self.km, self.kc = km, kc
        self.starts += 1
        self.notebooks = 0
        self._dirty = False
        self._run_silently(_SNAPSHOT)

    def shutdown(self) -> None:
        """Stop the kernel; safe to call twice."""
        from jupyter_core.utils import run_sync

        kc, km = self.kc, self.km
        self.kc = self.km = None
        if kc is not None:
            kc.stop_channels()
        if km is not None:
            try:
                run_sync(km.shutdown_kernel)(now=False)
            except Exception:  # already dead: just release its resources
                run_sync(km.shutdown_kernel)(now=True)

    def reset(self, cwd: str | None = None) -> None:
        """Bring the kernel back to its fresh state (restarting it if it died)."""
        if self._dirty or self.km is None or not self.alive:
            self.start()
        # after the kernel's first notebook, which imported what the reports use
        self._run_silently(_RESET.format(cwd=cwd, freeze=self.notebooks == 1))

    def _run_silently(self, code: str) -> None:
        from jupyter_core.utils import run_sync

        reply = run_sync(self.kc.execute_interactive)(
            code,
            silent=True,
            store_history=False,
            allow_stdin=False,
            timeout=self.startup_timeout,
            output_hook=lambda msg: None,
        )
        content = reply["content"]
        if content.get("status") != "ok":
            self._dirty = True
            raise RuntimeError(
                f"resetting the kernel failed: {content.get('ename')}: {content.get('evalue')}"
            )

    # ------------------------------------------------------------------ execution
    def execute_notebook(
        self, input_path: str | Path, output_path: str | Path, **kwargs: Any
    ) -> Any:
        """:func:`papermill.execute_notebook` on this kernel (same arguments and errors).

        Raises
        ------
        papermill.exceptions.PapermillExecutionError
            When a cell fails; the notebook with the error is written to ``output_path``.
        """
        import papermill as pm
        from papermill.engines import papermill_engines

        if "engine_name" in kwargs:
            raise TypeError(f"engine_name is set by WarmKernel, but was {kwargs['engine_name']!r}")
        name = kwargs.get("kernel_name") or self.kernel_name
        if name != self.kernel_name:
            self.kernel_name = name
            self._dirty = True
        papermill_engines.register(_PM_ENGINE, _warm_engine_class())
        return pm.execute_notebook(
            str(input_path), str(output_path), engine_name=_PM_ENGINE, warm_kernel=self, **kwargs
        )

    def _client(self, nb_man: Any, **kwargs: Any) -> Any:
        """Papermill's notebook client on the warm kernel (after a reset)."""
        from papermill.clientwrap import PapermillNotebookClient

        self.reset(os.getcwd())  # papermill has changed into its ``cwd`` by now
        client = PapermillNotebookClient(nb_man, km=self.km, **kwargs)
        client.kc = self.kc
        return client


@functools.cache
def _warm_engine_class() -> type:
    from papermill.engines import NBClientEngine
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    class WarmEngine(NBClientEngine):
        """Papermill's nbclient engine, on a :class:`WarmKernel` instead of a new kernel.

        The notebook is written to the output path once, when it completes or fails (by
        ``notebook_complete``, and again by papermill's ``execute_notebook``), not before
        and after every cell as papermill does by default (some 40 writes of the whole
        notebook per report, each a deep copy, a validation and a JSON dump).
        """

        @classmethod
        def execute_notebook(cls, nb: Any, kernel_name: str, **kwargs: Any) -> Any:
            kwargs["autosave_cell_every"] = 0  # no saves in the middle of a long cell
            return super().execute_notebook(nb, kernel_name, **kwargs)

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: float = 60,
            execution_timeout: float | None = None,
            warm_kernel: WarmKernel | None = None,
            **kwargs: Any,
        ) -> Any:
            if warm_kernel is None:
                raise TypeError("the evalkit-warm engine needs warm_kernel=WarmKernel(...)")
            # the same client arguments as NBClientEngine.execute_managed_notebook
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs,
                timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            output_path, nb_man.output_path = nb_man.output_path, None  # no per-cell saves
            try:
                client = warm_kernel._client(nb_man, **final_kwargs)
                result = client.execute()
            except BaseException:
                warm_kernel._dirty = True  # interrupted or died: restart before the next one
                raise
            finally:
                nb_man.output_path = output_path  # notebook_complete writes it, even on failure
            warm_kernel.notebooks += 1
            return result

    return WarmEngine


# --------------------------------------------------------------------------- batches
@dataclass(frozen=True)
class BatchJob:
    """One report to render: the arguments of :func:`~evalkit.report.render.render_report`."""

    config: str
    kind: str
    out_dir: str = "reports"
    as_of: str | None = None
    generated: str | None = None
    subset: Mapping[str, str] | None = None
    internal: bool = False
    notebook: str | None = None  # default: notebooks/evaluering.ipynb
    timeout: float | None = None  # seconds one cell may run; None: no limit
    suffix: str = ""  # added to the file name, e.g. "-2019-07-06" in a status report series
    hide: tuple[tuple[str, str, str], ...] = ()  # cells hidden for the publication set's sake

    @property
    def label(self) -> str:
        """Short name for progress and messages: ``<config stem>[/<values>] <kind>``."""
        where = Path(self.config).stem
        if self.subset:
            where += "/" + ", ".join(self.subset.values())
        return f"{where} {self.kind}{self.suffix}{' (intern)' if self.internal else ''}"


@dataclass(frozen=True)
class BatchOutcome:
    """What came of one :class:`BatchJob`: the files written, or the error."""

    job: BatchJob
    html: str | None = None
    results: str | None = None
    seconds: float = 0.0
    error: str | None = None
    failed_notebook: str | None = None
    warnings: tuple[str, ...] = ()  # e.g. the environment differs from the earlier report's
    worker: str = ""  # where it was rendered: "<host>:<process id>"

    @property
    def ok(self) -> bool:
        return self.error is None


_KERNELS: dict[int, WarmKernel] = {}  # this worker process's kernels, one per thread
_KERNELS_LOCK = threading.Lock()


def _worker_kernel(kernel_name: str) -> WarmKernel:
    """This thread's warm kernel (created on first use; started by its first report)."""
    thread = threading.get_ident()
    with _KERNELS_LOCK:
        kernel = _KERNELS.get(thread)
        if kernel is None:
            if not _KERNELS:  # multiprocessing runs finalizers at exit (atexit does not)
                multiprocessing.util.Finalize(None, shutdown_worker_kernels, exitpriority=10)
            kernel = _KERNELS[thread] = WarmKernel(kernel_name)
    return kernel


def shutdown_worker_kernels() -> int:
    """Shut down every warm kernel of this process (a closing worker); returns how many."""
    with _KERNELS_LOCK:
        kernels = list(_KERNELS.values())
        _KERNELS.clear()
    for kernel in kernels:
        kernel.shutdown()
    return len(kernels)


def _render_one(
    job: BatchJob, engine: str, kernel_name: str, kernel: WarmKernel | None
) -> BatchOutcome:
    from evalkit.report.render import ReportError, render_report

    t0 = time.perf_counter()
    options: dict[str, Any] = {"kernel": kernel_name}
    if job.subset:
        options["subset"] = dict(job.subset)
    if job.internal:
        options["internal"] = True
    if job.notebook:
        options["notebook"] = job.notebook
    if job.timeout:
        options["timeout"] = job.timeout
    if job.suffix:
        options["suffix"] = job.suffix
    if job.hide:
        options["hide"] = job.hide
    if engine == "warm":
        if kernel is None:
            kernel = _worker_kernel(kernel_name)
        options["engine"] = kernel.execute_notebook
    try:
        res = render_report(
            job.config,
            job.kind,
            out_dir=job.out_dir,
            as_of=job.as_of,
            generated=job.generated,
            **options,
        )
    except ReportError as exc:
        failed = str(exc.failed_notebook) if exc.failed_notebook else None
        return BatchOutcome(
            job, seconds=time.perf_counter() - t0, error=str(exc), failed_notebook=failed
        )
    except Exception as exc:  # config or data problems found late; never stop the batch
        return BatchOutcome(
            job, seconds=time.perf_counter() - t0, error=f"{type(exc).__name__}: {exc}"
        )
    return BatchOutcome(job, str(res.html), str(res.results), res.seconds, warnings=res.warnings)


def _render_in_worker(job: BatchJob, engine: str, kernel_name: str) -> BatchOutcome:
    import dataclasses
    import socket

    outcome = _render_one(job, engine, kernel_name, None)
    return dataclasses.replace(outcome, worker=f"{socket.gethostname()}:{os.getpid()}")


def render_batch(
    jobs: Sequence[BatchJob],
    workers: int = 1,
    engine: str = "warm",
    progress: bool = True,
    on_done: Callable[[BatchOutcome], None] | None = None,
    kernel: str = "evalkit",
    scheduler: str | None = None,
) -> list[BatchOutcome]:
    """Render every job; one failing report never stops the others.

    Parameters
    ----------
    jobs : sequence of BatchJob
    workers : int, default 1
        With 1 (and no ``scheduler``) the reports are rendered one after the other in this
        process, on one warm kernel shut down at the end. With more, they are submitted to
        a Dask LocalCluster of ``workers`` worker processes (one thread each, each with
        its own warm kernel), started here and closed at the end.
    engine : {"warm", "papermill"}
        ``warm``: reuse a kernel per worker (:class:`WarmKernel`); ``papermill``: a new
        kernel per report (plain :func:`papermill.execute_notebook`).
    progress : bool
        Show a tqdm progress bar on stderr.
    on_done : callable, optional
        Called with each :class:`BatchOutcome` as it completes (in the calling process).
    kernel : str
        Kernel spec (falls back to ``python3`` when not registered).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``): the reports go to its
        workers, which must see the same files at the same paths (``docs/cluster.md``).
        ``workers`` is then ignored.

    Returns
    -------
    list of BatchOutcome
        In the order of ``jobs``.

    Raises
    ------
    ValueError
        For an unknown engine or ``workers < 1``.
    KeyboardInterrupt
        After cancelling the reports not yet started and closing the cluster (finished
        reports are complete files, the interrupted ones leave nothing half-written).
    """
    from tqdm import tqdm

    from evalkit.report.render import _kernel_name

    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, but was {engine!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an int >= 1, but was {workers!r}")
    if scheduler is not None and (not isinstance(scheduler, str) or "://" not in scheduler):
        raise ValueError(
            f"scheduler must be an address like tcp://host:8786, but was {scheduler!r}"
        )
    jobs = list(jobs)
    kernel = _kernel_name(kernel)
    outcomes: dict[int, BatchOutcome] = {}
    with tqdm(
        total=len(jobs), desc="Rapporter", unit="rapport", file=sys.stderr, disable=not progress
    ) as bar:

        def done(i: int, outcome: BatchOutcome) -> None:
            outcomes[i] = outcome
            state = f"{outcome.seconds:.1f} s" if outcome.ok else "FEJL"
            bar.set_postfix_str(f"{outcome.job.label} {state}", refresh=False)
            bar.update(1)
            if on_done is not None:
                on_done(outcome)

        if not jobs:
            pass
        elif workers == 1 and scheduler is None:
            if engine == "warm":
                with WarmKernel(kernel) as warm:
                    for i, job in enumerate(jobs):
                        done(i, _render_one(job, engine, kernel, warm))
            else:
                for i, job in enumerate(jobs):
                    done(i, _render_one(job, engine, kernel, None))
        else:
            _render_on_dask(jobs, min(workers, len(jobs)), scheduler, engine, kernel, done)
    return [outcomes[i] for i in range(len(jobs))]


def _render_on_dask(
    jobs: list[BatchJob],
    workers: int,
    scheduler: str | None,
    engine: str,
    kernel: str,
    done: Callable[[int, BatchOutcome], None],
) -> None:
    from distributed import as_completed

    from evalkit.report._dask import connect

    client, cluster = connect(workers, scheduler)
    futures: dict[Any, int] = {}
    try:
        for i, job in enumerate(jobs):
            # pure=False: a report is not a cached value; its key names it in dashboards
            fut = client.submit(
                _render_in_worker, job, engine, kernel, pure=False, key=f"evalkit-{i}"
            )
            futures[fut] = i
        for fut in as_completed(list(futures), loop=client.loop):
            i = futures[fut]
            try:
                outcome = fut.result()
            except Exception as exc:  # the worker died (e.g. KilledWorker)
                outcome = BatchOutcome(jobs[i], error=f"{type(exc).__name__}: {exc}")
            done(i, outcome)
    except BaseException:
        client.cancel(list(futures), force=True)
        raise
    finally:
        try:
            client.close()
        finally:
            if cluster is not None:
                cluster.close()
