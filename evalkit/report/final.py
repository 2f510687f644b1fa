"""The slutevaluering as STAR asks for it: general information to signature.

A final report to STAR has these parts, in this order (``docs/slutevaluering.md``):

1. general information: journal number, tilskudsmodtager, projektansvarlig, period
   (:func:`general_information`, from ``slutevaluering:`` in the config);
2. implementation of the core elements against the time plan (:func:`time_plan`: the
   application's time plan from the config, what the project's own figures show, and the
   projektleder's text);
3. deviations from the application (:func:`deviations`: the projektleder's text and every
   register entry whose actual figure departs from the plan);
4. planned against actual participants and activities, and 5. results against the success
   criteria (the promise register, :mod:`evalkit.report.promises`, and the scorecard);
6. experiences and forankring (:func:`experiences`);
7. attachments (accounts, the auditor's statement: named, not computed) and date and
   signature (:func:`signature`).

The projektleder's text comes from a Markdown file beside the config
(:mod:`evalkit.report.narrative`). A part that is missing shows as a marked placeholder
and the report is marked as a draft; :func:`final_problems` lists what is missing, and
``evalkit run --final`` refuses to render until nothing is. Each function returns an
empty :class:`~evalkit.report.sections.Html` for a status report or a project without a
``slutevaluering:`` block, so the report notebook calls them unconditionally.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from evalkit.config import ConfigError, ProjectConfig
from evalkit.formatting import fmt_date
from evalkit.promises import load_promises
from evalkit.report.narrative import PARTS, Narrative, read_narrative, render_markdown

__all__ = [
    "FinalReport",
    "TimePlanItem",
    "attachments_and_signature",
    "deviations",
    "experiences",
    "final_problems",
    "general_information",
    "load_final_report",
    "time_plan",
]

_KEYS = (
    "journal_number", "grant_recipient", "project_manager", "narrative", "time_plan",
    "attachments",
)  # fmt: skip
# The general information STAR asks for: key -> Danish label
_GENERAL = {
    "journal_number": "Journalnummer",
    "grant_recipient": "Tilskudsmodtager",
    "project_manager": "Projektansvarlig",
}
_PLAN_KEYS = ("activity", "planned", "promise")


@dataclass(frozen=True)
class TimePlanItem:
    """One line of the application's time plan; ``promise`` names a register entry."""

    activity: str
    planned: str
    promise: str | None = None


@dataclass(frozen=True)
class FinalReport:
    """The ``slutevaluering:`` block of a config with its narrative file, read and checked."""

    config_file: str
    journal_number: str = ""
    grant_recipient: str = ""
    project_manager: str = ""
    narrative: Narrative | None = None
    time_plan: tuple[TimePlanItem, ...] = ()
    attachments: tuple[str, ...] = ()
    narrative_sha256: str = field(default="", compare=False)

    def problems(self) -> list[str]:
        """What is missing, one line each: ``file: key or heading: what``."""
        out = [
            f"{self.config_file}: key 'slutevaluering.{key}': missing"
            for key in _GENERAL
            if not getattr(self, key)
        ]
        if self.narrative is not None:
            out += [str(p) for p in self.narrative.problems]
        return out

    @property
    def draft(self) -> bool:
        """True while anything is missing."""
        return bool(self.problems())


def _text(config: ProjectConfig, key: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ConfigError(config.path, key, f"expected a text, got {value!r}")
    return " ".join(str(value).split())


def load_final_report(config: ProjectConfig) -> FinalReport | None:
    """Read the ``slutevaluering:`` block and the narrative file it names.

    Parameters
    ----------
    config : ProjectConfig

    Returns
    -------
    FinalReport or None
        None when the config has no ``slutevaluering:`` block. Missing information is not
        an error here (a draft shows placeholders); see :meth:`FinalReport.problems`.

    Raises
    ------
    evalkit.config.ConfigError
        For an unknown key, a value of the wrong kind, or a time-plan line naming a
        promise the register does not have.
    """
    raw = config.raw.get("slutevaluering")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ConfigError(config.path, "slutevaluering", f"expected a mapping, got {raw!r}")
    for key in raw:
        if key not in _KEYS:
            raise ConfigError(
                config.path,
                f"slutevaluering.{key}",
                f"unknown key; allowed: {', '.join(_KEYS)}",
            )
    values = {k: _text(config, f"slutevaluering.{k}", raw.get(k)) for k in _GENERAL}
    name = raw.get("narrative") or f"{config.path.stem}.slutevaluering.md"
    if not isinstance(name, str):
        raise ConfigError(
            config.path, "slutevaluering.narrative", f"expected a file name, got {name!r}"
        )
    path = config.path.parent / name
    ids = {p.id for p in load_promises(config)}
    plan = raw.get("time_plan") or []
    if not isinstance(plan, list):
        raise ConfigError(config.path, "slutevaluering.time_plan", f"expected a list, got {plan!r}")
    items = []
    for i, item in enumerate(plan):
        where = f"slutevaluering.time_plan[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(config.path, where, f"expected a mapping, got {item!r}")
        for key in item:
            if key not in _PLAN_KEYS:
                raise ConfigError(
                    config.path, f"{where}.{key}", f"unknown key; allowed: {', '.join(_PLAN_KEYS)}"
                )
        for key in ("activity", "planned"):
            if not _text(config, f"{where}.{key}", item.get(key)):
                raise ConfigError(config.path, f"{where}.{key}", "missing")
        promise = item.get("promise")
        if promise is not None and promise not in ids:
            raise ConfigError(
                config.path, f"{where}.promise", f"no promise with id {promise!r} in promises:"
            )
        items.append(
            TimePlanItem(
                _text(config, f"{where}.activity", item["activity"]),
                _text(config, f"{where}.planned", item["planned"]),
                promise,
            )
        )
    attachments = raw.get("attachments") or []
    if not isinstance(attachments, list):
        raise ConfigError(
            config.path, "slutevaluering.attachments", f"expected a list, got {attachments!r}"
        )
    narrative = read_narrative(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    return FinalReport(
        config_file=config.path.name,
        narrative=narrative,
        time_plan=tuple(items),
        attachments=tuple(
            _text(config, f"slutevaluering.attachments[{i}]", a) for i, a in enumerate(attachments)
        ),
        narrative_sha256=sha,
        **values,
    )


def final_problems(config: ProjectConfig) -> list[str]:
    """Everything that keeps a config from a final slutevaluering (empty when ready).

    Used by ``evalkit run --final``, which refuses to render while this is not empty.
    """
    final = load_final_report(config)
    if final is None:
        return [
            f"{config.path.name}: key 'slutevaluering': missing; a final report to STAR needs "
            "journal_number, grant_recipient, project_manager and the narrative file "
            "(docs/slutevaluering.md)"
        ]
    return final.problems()


# --------------------------------------------------------------------------- sections
def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _final(a: Any) -> FinalReport | None:
    if a.kind != "slutevaluering":
        return None
    return a.final


def _placeholder(final: FinalReport, key: str) -> str:
    heading, what = PARTS[key]
    file = final.narrative.path.name if final.narrative else "slutevaluering.md"
    return (
        '<div class="placeholder" role="note"><strong>Mangler:</strong> '
        f"{_e(what.capitalize())}. Skriv det under overskriften «## {_e(heading)}» i "
        f"{_e(file)}.</div>"
    )


def _part(final: FinalReport, key: str) -> str:
    n = final.narrative
    if n is None or n.missing(key):
        return _placeholder(final, key)
    return f'<div class="narrative">{render_markdown(n.parts[key])}</div>'


def general_information(a: Any) -> str:
    """STAR part 1: journal number, tilskudsmodtager, projektansvarlig, period; draft banner."""
    from evalkit.report.sections import Html, _h2

    final = _final(a)
    if final is None:
        return Html("")
    c = a.config
    rows = []
    for key, label in _GENERAL.items():
        value = getattr(final, key)
        shown = (
            _e(value)
            if value
            else f'<span class="placeholder">Mangler (slutevaluering.{key} i {_e(final.config_file)})</span>'
        )
        rows.append(f"<dt>{_e(label)}</dt><dd>{shown}</dd>")
    rows += [
        f"<dt>Projekt</dt><dd>{_e(c.title)}</dd>",
        f"<dt>Pulje</dt><dd>{_e(c.pool)}</dd>",
        f"<dt>Projektperiode</dt><dd>{fmt_date(c.period.start)} – {fmt_date(c.period.end)}</dd>",
    ]
    banner = ""
    problems = final.problems()
    if problems:
        items = "".join(f"<li>{_e(p)}</li>" for p in problems)
        banner = (
            '<div class="draft" role="note"><p><strong>UDKAST – ikke klar til STAR.</strong> '
            f"{len(problems)} ting mangler; de er markeret i rapporten. «evalkit run --final» "
            "danner først den endelige rapport, når intet mangler:</p>"
            f"<ul>{items}</ul></div>"
        )
    return Html(
        _h2("generelle-oplysninger", "Generelle oplysninger")
        + banner
        + f'<dl class="facts">{"".join(rows)}</dl>'
    )


def _numbers(a: Any) -> dict[str, str]:
    from evalkit.report.promises import promise_numbers

    return promise_numbers(a)


def _done_text(a: Any, pid: str | None) -> str:
    if pid is None or a.promises is None:
        return "se teksten nedenfor"
    r = next((r for r in a.promises.results if r.id == pid), None)
    if r is None:
        return "–"
    link = f'<a href="#loefte-{_e(pid)}">punkt {_e(_numbers(a).get(pid, pid))}</a>'
    if r.promise.aggregate == "date":
        text = f"gennemført {fmt_date(r.date)}" if r.date else "ikke gennemført"
        return f"{_e(text)} ({link})"
    first = _first_record(a, pid)
    if first is not None:
        return f"første registrering {_e(fmt_date(first))} ({link})"
    return f"se {link}"


def _first_record(a: Any, pid: str) -> dt.date | None:
    table = a.data.implementation
    if table is None:
        return None
    rows = table[(table["item"] == pid) & (table["value"] > 0)]
    rows = rows[rows["date"] <= pd.Timestamp(a.cutoff)]
    return rows["date"].min().date() if len(rows) else None


def time_plan(a: Any) -> str:
    """STAR part 2: the application's time plan against what happened, and the text."""
    from evalkit.report.sections import Html, _h2

    final = _final(a)
    if final is None:
        return Html("")
    table = ""
    if final.time_plan:
        rows = "".join(
            f'<tr><th scope="row">{_e(t.activity)}</th><td>{_e(t.planned)}</td>'
            f"<td>{_done_text(a, t.promise)}</td></tr>"
            for t in final.time_plan
        )
        caption = "Ansøgningens tidsplan og det realiserede"
        table = (
            f'<div class="table-scroll" role="region" tabindex="0" aria-label="{caption}">'
            f"<table><caption>{caption}</caption><thead><tr>"
            '<th scope="col">Kerneelement eller aktivitet</th>'
            '<th scope="col">Planlagt (ansøgningen)</th><th scope="col">Realiseret</th>'
            f"</tr></thead><tbody>{rows}</tbody></table></div>"
        )
    return Html(
        _h2("implementering", "Implementering af kerneelementer i forhold til tidsplanen")
        + table
        + _part(final, "implementering")
    )


def deviations(a: Any) -> str:
    """STAR part 3: the projektleder's account of deviations, and the register's own list."""
    from evalkit.report.promises import _cells
    from evalkit.report.sections import Html, _h2

    final = _final(a)
    if final is None:
        return Html("")
    numbers = _numbers(a)
    rows = []
    for r in a.promises.results if a.promises else ():
        what = r.deviation()
        if what is None:
            continue
        planned, result, _ = _cells(a, r)
        rows.append(
            f'<tr><th scope="row"><a href="#loefte-{_e(r.id)}">{_e(numbers[r.id])}</a></th>'
            f"<td><q>{_e(r.promise.text)}</q></td><td>{planned}</td><td>{result}</td>"
            f"<td>{_e(what)}</td></tr>"
        )
    caption = "Punkter fra ansøgningen, hvor det realiserede afviger fra planen"
    table = (
        f"<p>Ud fra registeret over ansøgningens løfter afviger {len(rows)} punkter fra "
        "planen eller er ikke målt. Projektlederens forklaring står ovenfor.</p>"
        f'<div class="table-scroll" role="region" tabindex="0" aria-label="{caption}">'
        f'<table class="promises"><caption>{caption}</caption><thead><tr>'
        '<th scope="col">Nr.</th><th scope="col">Ansøgningens ord</th>'
        '<th scope="col">Mål eller plan</th><th scope="col">Realiseret</th>'
        f'<th scope="col">Afvigelse</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
        if rows
        else "<p>Ud fra registeret over ansøgningens løfter afviger intet punkt fra planen.</p>"
    )
    return Html(
        _h2("afvigelser", "Afvigelser fra ansøgningen") + _part(final, "afvigelser") + table
    )


def experiences(a: Any) -> str:
    """STAR part 6: experiences and forankring, in the projektleder's words."""
    from evalkit.report.sections import Html, _h2

    final = _final(a)
    if final is None:
        return Html("")
    return Html(
        _h2("erfaringer", "Erfaringer og forankring")
        + "<h3>Erfaringer</h3>"
        + _part(final, "erfaringer")
        + "<h3>Forankring</h3>"
        + _part(final, "forankring")
    )


def attachments_and_signature(a: Any) -> str:
    """STAR part 7: the attachments the report names (not computed), date and signature."""
    from evalkit.report.sections import Html, _h2

    final = _final(a)
    if final is None:
        return Html("")
    if final.attachments:
        items = "".join(
            f"<li>Bilag {i}: {_e(name)}</li>" for i, name in enumerate(final.attachments, 1)
        )
        attach = (
            "<p>Følgende vedlægges slutevalueringen. Regnskab og revisorerklæring udarbejdes "
            "efter STARs regler og er ikke beregnet af denne rapport.</p>"
            f"<ul>{items}</ul>"
        )
    else:
        attach = (
            '<div class="placeholder" role="note"><strong>Ingen bilag nævnt.</strong> '
            "Regnskab og revisorerklæring vedlægges efter STARs regler; angiv dem under "
            f"slutevaluering.attachments i {_e(final.config_file)}.</div>"
        )
    n = final.narrative
    if n is None or n.missing("underskrift") or n.signed is None or not n.signer:
        sign = _placeholder(final, "underskrift")
    else:
        sign = (
            f'<dl class="facts"><dt>Dato</dt><dd>{_e(fmt_date(n.signed))}</dd>'
            f"<dt>Underskriver</dt><dd>{_e(n.signer)}</dd></dl>"
            '<p class="signature-line">Underskrift: '
            '<span aria-hidden="true">______________________________</span></p>'
        )
    return Html(_h2("bilag", "Bilag") + attach + _h2("underskrift", "Dato og underskrift") + sign)
