"""Suppression across reports published together: audit the set, hide more, or refuse.

Each report suppresses its own tables (:mod:`evalkit.disclosure.tables`). Reports that
are published together are one publication set, and a reader can combine them: the
whole-country report minus the other kommuner gives a kommune's hidden cell, and a
status report against the final report of the same project gives the persons who
started (or ended) in between. :func:`audit_dir` runs the attacker of
:mod:`evalkit.disclosure.audit` on a folder of published reports; :func:`plan_hides`
turns what it finds into complementary cells to hide.

The coordination pass (``evalkit run``, :func:`evalkit.report.publish.publish_batch`)
renders the new reports beside copies of the reports of the same projects already
published, audits the whole set and, for every count the audit recovers through a link
between two reports, hides one more cell of that link in a report of this run: the
shown cell with the smallest non-zero count among the cells the link ties together
(the same rule as the secondary suppression within a table). Only the affected reports
are rendered again, with those cells passed to their tables' suppression (``hide``),
whose own secondary suppression then protects them. This repeats until the audit finds
nothing, or it refuses (a count recovered within one report, or through a link with no
shown cell left in a report of this run, or too many rounds): then nothing of the set
is published.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.disclosure.audit import Finding, Reader, _components, attack_with, read_reports

__all__ = ["AuditResult", "HidePlan", "audit_dir", "describe", "plan_hides"]


@dataclass
class AuditResult:
    """What the audit of a publication set found (``reader`` keeps its constraints)."""

    findings: list[Finding]
    reader: Reader
    reports: int
    seconds: float


@dataclass
class HidePlan:
    """Cells to hide per report (``report name -> {(caption, row, column)}``), and the
    findings no hidden cell of a report of this run can break."""

    hide: dict[str, set[tuple[str, str, str]]] = field(default_factory=dict)
    unfixable: list[Finding] = field(default_factory=list)


def audit_dir(
    roots: Iterable[str | Path],
    figure_dir: str | Path | None = None,
    exact: bool = True,
    index: str | Path | None = "index.html",
) -> AuditResult:
    """The attacker on every report under ``roots`` (one publication set).

    ``figure_dir`` holds what the figures draw (``EVALKIT_FIGURE_DATA``); by default
    ``<root>/_figurdata`` of each root that has one. Report names are relative to their
    root, prefixed with the root's position when there are several roots. ``index`` is
    the overview page of each root (:func:`evalkit.disclosure.audit.read_reports`).
    """
    import time

    t0 = time.perf_counter()
    roots = [Path(r) for r in roots]
    reports = []
    for root in roots:
        figs = Path(figure_dir) if figure_dir is not None else root / "_figurdata"
        found = read_reports(root, figs if figs.is_dir() else None, index)
        if len(roots) > 1:
            for rep in found:
                rep.name = f"{root}{os.sep}{rep.name}"
        reports += found
    reader = Reader(reports)
    findings = attack_with(reader, exact)
    shown = sum(not r.skipped for r in reports)
    return AuditResult(findings, reader, shown, time.perf_counter() - t0)


def describe(f: Finding, threshold: int = 5) -> str:
    """One line for a finding: report, table, row, column; never the count or a person."""
    where = f"tabel «{f.cell[0]}», række «{f.cell[1]}», kolonne «{f.cell[2]}»" if f.cell else f.what
    return f"{f.report}: {where} kan regnes ud ({f.how}); et antal under {threshold}"


def plan_hides(result: AuditResult, changeable: Iterable[str]) -> HidePlan:
    """Complementary cells that break the links between reports behind each finding.

    For each finding, the constraints between two reports in its connected part of the
    system (:attr:`Reader.across`) are looked at, those holding the finding's own unknown
    first; among their table cells that are shown with a count above 0 in a report of
    ``changeable`` (the reports of this run: published reports are never changed), the
    one with the smallest count is hidden. A finding with no such cell is unfixable, and
    so is a count shown as it is, or read off a figure or a text (found directly).
    """
    reader, sys = result.reader, result.reader.sys
    changeable = set(changeable)
    comps = _components(sys)
    plan = HidePlan()
    chosen: set[str] = set()
    for f in result.findings:
        if not f.key or reader.shown.get(f.key) is not None:
            plan.unfixable.append(f)  # shown as it is, or read off a figure or a text
            continue
        cons = [i for i in comps.get(f.key, []) if i in reader.across]
        cons.sort(key=lambda i: f.key not in sys.cons[i][0])  # its own links first
        best: tuple[int, str] | None = None
        for i in cons:
            for k in sys.cons[i][0]:
                where, shown = reader.where.get(k), reader.shown.get(k)
                if where and shown and where[0] in changeable and k not in chosen:
                    if best is None or shown < best[0]:
                        best = (shown, k)
            if best is not None and f.key in sys.cons[i][0]:
                break
        if best is None:
            plan.unfixable.append(f)
            continue
        chosen.add(best[1])
        report, caption, row, column = reader.where[best[1]]
        plan.hide.setdefault(report, set()).add((caption, row, column))
    return plan


def merge(
    old: dict[str, set[tuple[str, str, str]]], new: dict[str, set[tuple[str, str, str]]]
) -> dict[str, set[tuple[str, str, str]]]:
    """Union of two hide plans (report -> cells)."""
    out: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for plan in (old, new):
        for report, cells in plan.items():
            out[report] |= cells
    return dict(out)
