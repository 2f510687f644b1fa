"""Everything one report needs, computed once: :func:`prepare` -> :class:`Analysis`.

The report notebook calls :func:`prepare` with its parameters and then only displays
what the :class:`Analysis` holds (through :mod:`evalkit.report.sections`). Statisticians
can call the same function in JupyterLab and continue from the objects it returns.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import evalkit
from evalkit import labels
from evalkit._files import atomic_write_text, sha256_file
from evalkit._provenance import environment
from evalkit.asof import AsOfCut, cut_as_of
from evalkit.config import REPORT_KINDS, ProjectConfig, load_config
from evalkit.criteria import CriterionResult, EvaluationContext, evaluate_criteria
from evalkit.io import ProjectData, load_project
from evalkit.promises import PromiseAccount, account_promises, load_promises
from evalkit.report.final import FinalReport, load_final_report
from evalkit.report.subset import apply_subset, check_subset
from evalkit.spells import build_spells, survival_input
from evalkit.survival import KaplanMeierResult, kaplan_meier

__all__ = ["SURVIVAL_WEEKS", "Analysis", "analyse", "prepare"]

SURVIVAL_WEEKS = (13, 26, 52)


@dataclass(frozen=True, repr=False)
class Analysis:
    """The computed content of one report.

    Its ``repr`` and notebook view (``_repr_html_``) are a compact overview: project,
    report kind, counts, criteria with verdicts and the survival curves. They never show
    a person id (pseudonymised or not); the person-level tables stay in ``data`` and
    ``spells`` for those who ask for them.
    """

    config: ProjectConfig
    kind: str
    as_of: dt.date | None
    generated: dt.date
    data: ProjectData
    spells: pd.DataFrame
    criteria: list[CriterionResult]
    curves: dict[str, KaplanMeierResult]
    reference_curve: pd.DataFrame | None
    parameters: dict[str, Any] = field(default_factory=dict)
    # Key figures that report sections add as they compute them (e.g. the comparison
    # group's hazard ratios), saved in results.json by save_results(); no person-level data.
    key_figures: dict[str, Any] = field(default_factory=dict, compare=False)
    internal: bool = False
    subset: dict[str, str] | None = None
    # What the as-of cut did (status reports); None when the data were not cut.
    cut: AsOfCut | None = None
    # The promise register, accounted for (evalkit.promises); empty without promises:
    promises: PromiseAccount | None = None
    # The slutevaluering's general information and the projektleder's text
    # (evalkit.report.final); None for a status report or without slutevaluering: in the config
    final: FinalReport | None = None
    # Where the national curve comes from when it is an `evalkit landstal` file (Danish)
    reference_source: str | None = None
    # Table cells (caption, row, column) hidden for the sake of reports published together
    # with this one (evalkit.disclosure.coordinate); their tables' suppression honours them.
    hide: tuple[tuple[str, ...], ...] = ()

    def hidden_cells(self, caption: str) -> list[tuple[str, str]]:
        """The (row, column) cells of the table ``caption`` to hide (see ``hide``)."""
        return [(c[1], c[2]) for c in self.hide if len(c) == 3 and c[0] == caption]

    @property
    def reference_note(self) -> str:
        """The figure caption's sentence on the dashed national curve ("" without one)."""
        if self.reference_curve is None:
            return ""
        return " Stiplet linje: landstal." + (
            f" {self.reference_source}" if self.reference_source else ""
        )

    @property
    def cutoff(self) -> dt.date:
        """The date the report's figures are as of (status date or project end)."""
        return self.as_of or self.config.period.end

    @property
    def participants(self) -> pd.DataFrame:
        """Participants (project arm) who had started by the cutoff."""
        p = self.data.participants
        return p[(p["arm"] == "indsats") & (p["start_date"] <= pd.Timestamp(self.cutoff))]

    def _overview(self) -> tuple[list[tuple[str, str]], pd.DataFrame, pd.DataFrame]:
        """Facts, criteria and curves for the compact views (aggregates only)."""
        facts = [
            ("Projekt", f"{self.config.slug}: {self.config.title} ({self.config.kommune})"),
            ("Rapport", f"{self.kind}, data til og med {self.cutoff.isoformat()}"),
            ("Genereret", self.generated.isoformat()),
            ("Deltagere startet", str(len(self.participants))),
            ("Forløb (spells)", f"{len(self.spells)} rækker"),
            (
                "Landstal",
                "ja" if self.reference_curve is not None else "nej",
            ),
        ]
        if self.subset:
            facts.append(("Udsnit", ", ".join(f"{k} = {v}" for k, v in self.subset.items())))
        if self.internal:
            facts.append(("Variant", "INTERN – må ikke offentliggøres"))
        crit = pd.DataFrame(
            [
                {
                    "id": c.id,
                    "kriterium": c.label,
                    "vurdering": c.verdict,
                    "estimat": None if c.suppressed else c.estimate,
                    "n": int(c.n),
                }
                for c in self.criteria
            ],
            columns=["id", "kriterium", "vurdering", "estimat", "n"],
        )
        curves = pd.DataFrame(
            [
                {
                    "kurve": label,
                    "n": int(km.n),
                    "median": km.median,
                    "median_lower": km.median_ci[0],
                    "median_upper": km.median_ci[1],
                }
                for label, km in self.curves.items()
            ],
            columns=["kurve", "n", "median", "median_lower", "median_upper"],
        )
        return facts, crit, curves

    def __repr__(self) -> str:
        facts, crit, curves = self._overview()
        width = max(len(k) for k, _ in facts)
        lines = ["Analysis"] + [f"  {k:<{width}}  {v}" for k, v in facts]
        if len(crit):
            lines.append(f"  Kriterier ({len(crit)}):")
            lines += [f"    {r.id}: {r.vurdering}" for r in crit.itertuples(index=False)]
        if len(curves):
            lines.append("  Kurver:")
            lines += [
                f"    {r.kurve}: n = {r.n}, median {r.median:g}"
                for r in curves.itertuples(index=False)
            ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        facts, crit, curves = self._overview()
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in facts
        )
        out = f"<div><strong>Analysis</strong><table>{rows}</table>"
        if len(crit):
            out += "<p>Kriterier</p>" + crit.to_html(
                index=False, na_rep="–", float_format=lambda v: f"{v:.3g}"
            )
        if len(curves):
            out += "<p>Overlevelseskurver</p>" + curves.to_html(
                index=False, na_rep="–", float_format=lambda v: f"{v:g}"
            )
        return out + "</div>"

    @property
    def published_curves(self) -> dict[str, KaplanMeierResult | None]:
        """The curves as a report may show them (grouped life tables; None: not publishable).

        See :func:`evalkit.disclosure.publishable_curve`: every step and every censoring
        count behind the figure, the at-risk row and the S(t) table is 0 or at least the
        threshold.
        """
        from evalkit.disclosure import publishable_curve

        thr = self.config.disclosure_threshold
        return {label: publishable_curve(km, thr) for label, km in self.curves.items()}

    def results(self) -> dict[str, Any]:
        """Key figures and verdicts, JSON-ready (no person ids, small cells removed)."""
        thr = self.config.disclosure_threshold
        surv: dict[str, Any] = {}
        for label, km in self.published_curves.items():
            if km is None:
                surv[label] = {"n": int(self.curves[label].n), "published": False}
                continue
            at = km.survival_at(list(SURVIVAL_WEEKS))
            entry: dict[str, Any] = {"n": int(km.n)}
            for week, row in zip(SURVIVAL_WEEKS, at.itertuples(index=False), strict=True):
                ok = row.at_risk >= thr
                entry[f"S{week}"] = _round_or_none(row.survival if ok else math.nan)
                entry[f"S{week}_ci"] = [
                    _round_or_none(row.lower if ok else math.nan),
                    _round_or_none(row.upper if ok else math.nan),
                ]
            entry["median"] = _round_or_none(km.median)
            entry["median_ci"] = [_round_or_none(x) for x in km.median_ci]
            surv[label] = entry
        return {
            "project": self.config.slug,
            "title": self.config.title,
            "kommune": self.config.kommune,
            **({"subset": self.subset} if self.subset else {}),
            "report_kind": self.kind,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "period": {
                "start": self.config.period.start.isoformat(),
                "end": self.config.period.end.isoformat(),
            },
            "n_participants": len(self.participants),
            "criteria": [c.to_dict() for c in self.criteria],
            "verdicts": {c.id: c.verdict for c in self.criteria},
            # a status report's words against each criterion's path ("på sporet", ...)
            **(
                {"progress": {c.id: c.progress for c in self.criteria}}
                if self.kind == "statusrapport"
                else {}
            ),
            "survival": surv,
            "evalkit_version": evalkit.__version__,
            "environment": environment(),
            "config_sha256": sha256_file(self.config.path),
            "inputs": dict(sorted(self.data.files.items())),
            "key_figures": self.key_figures,
            "disclosure_threshold": thr,
            "promises": [r.to_dict() for r in self.promises.results] if self.promises else [],
            **(
                {"slutevaluering": {"draft": self.final.draft, "missing": self.final.problems()}}
                if self.final is not None
                else {}
            ),
        }

    def save_results(self, path: str | Path) -> Path:
        """Write :meth:`results` as JSON atomically (sorted keys, stable floats)."""
        text = json.dumps(self.results(), ensure_ascii=False, indent=2, sort_keys=True)
        return atomic_write_text(path, text + "\n")


def _round_or_none(x: float | None, digits: int = 6) -> float | None:
    if x is None or not np.isfinite(x):
        return None
    return round(float(x), digits)


def _with_landstal(
    data: ProjectData, config: ProjectConfig, as_of: dt.date | None
) -> tuple[ProjectData, str | None]:
    """With ``landstal:`` in the config: the national curve from that file (its provenance).

    The curve replaces any national curve (``Hele landet``, ``andel_paa_ydelse``) of the
    benchmarks table, so the figure and the criterion ``survival_vs_reference`` use it. A
    status report does not use a landstal computed over weeks after its as-of date: it
    then has no national curve.
    """
    if config.landstal is None:
        return data, None
    from evalkit._files import sha256_file
    from evalkit.landstal import benchmark_rows, provenance_text

    ls = config.landstal
    try:
        rows, prov = benchmark_rows(ls["file"], ls["target_group"], ls["start_quarter"])
    except FileNotFoundError as e:
        raise ValueError(
            f"{config.path.name}: landstal.file {ls['file']} does not exist; compute it with "
            "'evalkit landstal PANEL --out FILE' (the demo: 'evalkit demo-data')"
        ) from e
    old = data.benchmarks
    if old is not None:
        national = (old["area"] == "Hele landet") & (old["measure"] == "andel_paa_ydelse")
        old = old[~national]
    late = as_of is not None and dt.date.fromisoformat(prov["last_week"]) > as_of
    if late:
        rows = rows.iloc[0:0]
    bench = rows if old is None else pd.concat([old, rows], ignore_index=True)
    files = {**data.files, "landstal": sha256_file(ls["file"])}
    data = dataclasses.replace(data, benchmarks=bench, files=files)
    return data, None if late else provenance_text(prov)


def _reference_curve(data: ProjectData, config: ProjectConfig) -> pd.DataFrame | None:
    b = data.benchmarks
    if b is None or len(b) == 0:
        return None
    b = b[(b["measure"] == "andel_paa_ydelse") & (b["area"] == "Hele landet")]
    b = b[b["period"].astype(str).str.match(r"^U\d+$")]
    if len(b) == 0:
        return None
    ref = pd.DataFrame(
        {"week": b["period"].str[1:].astype(int).to_numpy(), "survival": b["value"].to_numpy()}
    )
    return ref.sort_values("week", kind="stable").reset_index(drop=True)


def prepare(
    config_path: str | Path,
    kind: str = "slutevaluering",
    as_of: str | dt.date | None = None,
    generated: str | dt.date | None = None,
    internal: bool = False,
    subset: dict[str, str] | None = None,
    hide: Sequence[Sequence[str]] | None = None,
) -> Analysis:
    """Load, validate and compute everything a report shows.

    Parameters
    ----------
    config_path : str or Path
        The project's YAML config.
    kind : {"slutevaluering", "statusrapport"}
        The report kind. A status report defaults ``as_of`` to ``period.status_as_of``.
    as_of : date or ISO string, optional
        Cut the data at this date (status reports): no record dated after it is used
        (:func:`evalkit.asof.cut_as_of`, ``docs/as-of.md``).
    generated : date or ISO string, optional
        The date printed as the generation date (default: today). Kept as a parameter so
        that the same inputs give byte-identical reports.
    internal : bool, default False
        The internal variant for the kommune's own use: seed sections may add
        per-citizen detail (labelled "Borger 1..n", never an id); the header says
        "INTERN – må ikke offentliggøres".
    subset : dict of str to str, optional
        ``{column: value}``, e.g. ``{"kommune": "Aalborg"}``: the report covers only the
        matching participants and names the value in its title (and as its kommune); see
        :func:`evalkit.report.subset.apply_subset`.
    hide : list of (caption, row, column), optional
        Table cells to hide (``x``) although they are not small, because a report
        published together with this one would otherwise give back one of its hidden
        cells (set by the coordination pass of ``evalkit run``,
        :mod:`evalkit.disclosure.coordinate`). The table's own secondary suppression
        then protects them.

    Raises
    ------
    evalkit.config.ConfigError, evalkit.schemas.DataValidationError
    ValueError
        For a subset column that does not exist or a value no participant has.
    """
    if kind not in REPORT_KINDS:
        raise ValueError(f"kind must be one of {REPORT_KINDS}, but was {kind!r}")
    config = load_config(config_path)
    from evalkit.report.seeds import check_sections

    check_sections(config)
    load_promises(config)  # a ConfigError in the register stops before any data is read
    load_final_report(config)
    # a subset reads only its own rows of the person-week tables (load_project)
    return analyse(
        config,
        load_project(config, subset=check_subset(subset)),
        kind=kind,
        as_of=as_of,
        generated=generated,
        internal=internal,
        subset=subset,
        hide=hide,
    )


def analyse(
    config: ProjectConfig,
    data: ProjectData,
    *,
    kind: str = "slutevaluering",
    as_of: str | dt.date | None = None,
    generated: str | dt.date | None = None,
    internal: bool = False,
    subset: dict[str, str] | None = None,
    hide: Sequence[Sequence[str]] | None = None,
) -> Analysis:
    """What :func:`prepare` computes, from a config and tables already loaded.

    With an as-of date (every status report has one), the tables are first cut by
    :func:`evalkit.asof.cut_as_of`: nothing dated after the date reaches spells, criteria,
    curves or any section. A final report without ``as_of`` uses all the data delivered.

    Parameters
    ----------
    config : ProjectConfig
    data : ProjectData
        From :func:`evalkit.io.load_project`.
    kind, as_of, generated, internal, subset, hide
        As for :func:`prepare`.

    Raises
    ------
    ValueError
        For an unknown ``kind`` or subset, or an ``as_of`` before any data.
    """
    if kind not in REPORT_KINDS:
        raise ValueError(f"kind must be one of {REPORT_KINDS}, but was {kind!r}")
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    if as_of is None and kind == "statusrapport":
        as_of = config.period.status_as_of or config.period.end
    if isinstance(generated, str):
        generated = dt.date.fromisoformat(generated)
    generated = generated or dt.date.today()

    config, data = apply_subset(config, data, subset)
    data, reference_source = _with_landstal(data, config, as_of)
    final = load_final_report(config) if kind == "slutevaluering" else None
    if final is not None and final.narrative_sha256:  # the text is an input too
        data = dataclasses.replace(data, files={**data.files, "narrative": final.narrative_sha256})
    cut = None
    if as_of is not None:  # the one place where the data are cut at the as-of date
        first = data.participants["start_date"].min()
        data, cut = cut_as_of(data, as_of)
        if len(data.participants) == 0 or len(data.status) == 0:
            raise ValueError(
                f"as_of must be a date by which a participant had started and a week of "
                f"status had ended (first start {first:%Y-%m-%d}), but was {as_of.isoformat()}"
            )
    spells = build_spells(
        data.status, data.participants, k=config.spells_k, competing=config.competing, as_of=as_of
    )
    cutoff = pd.Timestamp(as_of or config.period.end)
    started = spells[spells["start_date"] <= cutoff]
    ctx = EvaluationContext(
        config=config,
        participants=data.participants,
        status=data.status,
        spells=started,
        activities=data.activities,
        benchmarks=data.benchmarks,
        survey=data.survey,
        as_of=as_of,
        joblog=data.joblog,
        not_used=dict(cut.not_used) if cut else {},
    )
    criteria = evaluate_criteria(ctx)
    promises = account_promises(ctx, criteria, implementation=data.implementation)

    # Persons who started before the status panel enter the risk sets late (left
    # truncation, docs/spells.md); without such persons the curves are the usual ones.
    curves: dict[str, KaplanMeierResult] = {}
    part = started[started["arm"] == "indsats"]
    groups = list(config.target_groups)
    for group in groups:
        kw = survival_input(part[part["target_group"] == group])
        if len(kw["durations"]) > 0:
            label = "Deltagere" if len(groups) == 1 else f"Deltagere, {labels.target_group(group)}"
            curves[label] = kaplan_meier(**kw)
    comp = survival_input(started[started["arm"] == "sammenligning"])
    if len(comp["durations"]) > 0:
        curves["Sammenligningsgruppe (ujusteret)"] = kaplan_meier(**comp)

    return Analysis(
        config=config,
        kind=kind,
        as_of=as_of,
        generated=generated,
        data=data,
        spells=started,
        criteria=criteria,
        curves=curves,
        reference_curve=_reference_curve(data, config),
        reference_source=reference_source,
        parameters={
            "config": config.path.name,
            "kind": kind,
            "as_of": as_of.isoformat() if as_of else None,
            "generated": generated.isoformat(),
            "k": config.spells_k,
            **({"internal": True} if internal else {}),
            **({"subset": ", ".join(f"{k} = {v}" for k, v in subset.items())} if subset else {}),
        },
        internal=internal,
        subset=check_subset(subset),
        cut=cut,
        promises=promises,
        final=final,
        hide=tuple(tuple(str(v) for v in cell) for cell in hide or ()),
    )
