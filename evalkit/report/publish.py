"""Publish a batch as one set: render beside the published reports, audit, coordinate, move.

:func:`publish_batch` is what ``evalkit run`` does with its reports. They are rendered
into a staging folder beside the output folder (same file system), which first receives
copies of the reports of the same projects that are already published there. The whole
set is then audited (:mod:`evalkit.disclosure.audit`) and, where the audit recovers a
count through a link between two reports, the coordination pass
(:mod:`evalkit.disclosure.coordinate`) hides complementary cells in reports of this run
and renders only those again, until the audit finds nothing. Only then are the new
reports moved into the output folder, each HTML with its results.json in one step
(:func:`evalkit._files.replace_together`). When the set cannot be made safe within
``rounds`` rounds, nothing is moved and :class:`PublicationRefused` says why (report,
table, row, column; never a count or a person).

:func:`publish_index` does the same for ``index.html`` (``evalkit run`` after the
reports, ``evalkit index``): the overview is built into a temporary file in the output
folder, audited with every report there, and moved into place only when it lets no count
be recovered that the reports alone do not already give.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.report.batch import BatchJob, BatchOutcome

__all__ = ["PublicationRefused", "PublishLog", "publish_batch", "publish_index"]

ROUNDS = 4


class PublicationRefused(RuntimeError):
    """The set of reports could not be made safe; nothing was published."""

    def __init__(self, message: str, lines: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.lines = list(lines)


@dataclass
class PublishLog:
    """What the coordination pass did: rounds, cells hidden, audit seconds and size."""

    rounds: int = 0
    hidden: dict[str, list[tuple[str, str, str]]] = dataclasses.field(default_factory=dict)
    audit_seconds: list[float] = dataclasses.field(default_factory=list)
    reports_audited: int = 0


@contextmanager
def _figure_env(folder: Path):
    """``EVALKIT_FIGURE_DATA`` for the renders (kept when the caller set it already)."""
    from evalkit.report.figure_data import FIGURE_DATA_ENV

    before = os.environ.get(FIGURE_DATA_ENV)
    if before:
        yield Path(before)
        return
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[FIGURE_DATA_ENV] = str(folder)
    try:
        yield folder
    finally:
        del os.environ[FIGURE_DATA_ENV]


def _slug(job: BatchJob) -> str:
    from evalkit.config import load_config

    return load_config(job.config).slug


def publish_batch(
    jobs: Sequence[BatchJob],
    out_dir: str | Path,
    render: Callable[[list[BatchJob]], list[BatchOutcome]],
    coordinate: bool = True,
    rounds: int = ROUNDS,
    log: PublishLog | None = None,
) -> list[BatchOutcome]:
    """Render ``jobs`` with ``render`` and publish them into ``out_dir`` as one set.

    Parameters
    ----------
    jobs : sequence of BatchJob
        Their ``out_dir`` is replaced by the staging folder.
    out_dir : path
        Where the reports are published.
    render : callable
        Renders a list of jobs (:func:`evalkit.report.batch.render_batch` with the run's
        options); called once, then once per round with the reports to render again.
    coordinate : bool, default True
        Audit the set and hide complementary cells (False only to show, in tests, what a
        set looks like without the pass).
    rounds : int
        Rounds of hiding before giving up.
    log : PublishLog, optional
        Filled with what the pass did.

    Returns
    -------
    list of BatchOutcome
        In the order of ``jobs``, with the published paths.

    Raises
    ------
    PublicationRefused
        When the audit still finds a count after ``rounds`` rounds, or finds one that no
        cell of a report of this run can protect. Nothing is moved into ``out_dir``
        (failed notebooks under ``_failed/`` excepted).
    """
    from evalkit.disclosure.coordinate import audit_dir, describe, merge, plan_hides

    log = log if log is not None else PublishLog()
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-udgivelse-", dir=out.parent))
    try:
        for slug in sorted({_slug(j) for j in jobs}):  # the reports already published
            if (out / slug).is_dir():
                shutil.copytree(
                    out / slug, staging / slug, ignore=shutil.ignore_patterns(".evalkit-tx-*")
                )
        staged = [dataclasses.replace(j, out_dir=str(staging)) for j in jobs]
        with _figure_env(staging / "_figurdata") as figures:
            outcomes = render(staged)
            name_of = {
                i: str(Path(o.html).resolve().relative_to(staging))
                for i, o in enumerate(outcomes)
                if o.ok and o.html
            }
            hide: dict[str, set[tuple[str, str, str]]] = {}
            while coordinate:
                result = audit_dir([staging], figure_dir=figures)
                log.audit_seconds.append(result.seconds)
                log.reports_audited = result.reports
                if not result.findings:
                    break
                plan = plan_hides(result, set(name_of.values()))
                thr = max((r.threshold for r in result.reader.reports), default=5)
                lines = [describe(f, thr) for f in result.findings]
                if plan.unfixable:
                    raise PublicationRefused(
                        f"{len(plan.unfixable)} antal under tærsklen kan regnes ud af "
                        "rapporterne tilsammen, og ingen celle i en ny rapport kan skjule dem",
                        [describe(f, thr) for f in plan.unfixable],
                    )
                if log.rounds >= rounds:
                    raise PublicationRefused(
                        f"rapporterne tilsammen afslører stadig {len(lines)} antal under "
                        f"tærsklen efter {rounds} runder med ekstra skjulte celler",
                        lines,
                    )
                log.rounds += 1
                hide = merge(hide, plan.hide)
                again = [i for i, name in name_of.items() if name in plan.hide]
                jobs_again = [
                    dataclasses.replace(staged[i], hide=tuple(sorted(hide[name_of[i]])))
                    for i in again
                ]
                for i, o in zip(again, render(jobs_again), strict=True):
                    if not o.ok:
                        raise PublicationRefused(
                            f"{o.job.label}: kunne ikke dannes igen med ekstra skjulte celler",
                            [o.error or ""],
                        )
                    outcomes[i] = dataclasses.replace(o, job=jobs[i])
            log.hidden = {k: sorted(v) for k, v in hide.items()}
        return _move(outcomes, jobs, staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move(
    outcomes: list[BatchOutcome], jobs: Sequence[BatchJob], staging: Path, out: Path
) -> list[BatchOutcome]:
    """Move each new report (HTML with its results.json) and failed notebook into place."""
    from evalkit._files import replace_together

    moved = []
    for job, o in zip(jobs, outcomes, strict=False):  # a stand-in renderer may return fewer
        fields: dict[str, Any] = {"job": job}
        if o.ok and o.html and o.results:
            html, res = Path(o.html).resolve(), Path(o.results).resolve()
            target = out / html.parent.relative_to(staging)
            fields["html"], fields["results"] = map(
                str, replace_together(target, {html.name: html, res.name: res})
            )
        if o.failed_notebook:
            failed = Path(o.failed_notebook)
            dest = out / "_failed" / failed.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(failed, dest)
            fields["failed_notebook"] = str(dest)
        moved.append(dataclasses.replace(o, **fields))
    return moved


def publish_index(
    out_dir: str | Path, generated: str | dt.date | None = None, log: PublishLog | None = None
) -> Path:
    """Audit ``out_dir/index.html`` with every report in ``out_dir``, then write it.

    The page (:func:`evalkit.report.render.index_page`) is written to a temporary file
    beside the reports and the attacker reads it as ``index.html`` together with every
    report there (one audit when it is clean). When it finds counts, the reports are
    audited again without any index: only counts that the new index adds refuse it.

    Raises
    ------
    PublicationRefused
        When the new index would let a count below the threshold be recovered. The
        published ``index.html`` (if any) is removed too: it lists another set of
        reports and was not audited with these.
    """
    from evalkit._files import atomic_write_text
    from evalkit.disclosure.coordinate import audit_dir, describe
    from evalkit.report.figure_data import FIGURE_DATA_ENV
    from evalkit.report.render import index_page

    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    page = index_page(out, generated)
    figures = os.environ.get(FIGURE_DATA_ENV) or None
    fd, tmp = tempfile.mkstemp(prefix=".oversigt-", suffix=".html", dir=out)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
        result = audit_dir([out], figure_dir=figures, index=tmp)
        if log is not None:
            log.audit_seconds.append(result.seconds)
        found = result.findings
        if found:  # only what the index adds to the reports counts against it
            without = audit_dir([out], figure_dir=figures, index=None)
            if log is not None:
                log.audit_seconds.append(without.seconds)
            known = {(f.report, f.what) for f in without.findings}
            found = [f for f in found if (f.report, f.what) not in known]
        if found:
            (out / "index.html").unlink(missing_ok=True)  # stale: not audited with these
            thr = max((r.threshold for r in result.reader.reports), default=5)
            raise PublicationRefused(
                f"oversigten (index.html) ville lade {len(found)} antal under tærsklen "
                "regne ud sammen med rapporterne",
                [describe(f, thr) for f in found],
            )
    finally:
        Path(tmp).unlink(missing_ok=True)
    return atomic_write_text(out / "index.html", page)
