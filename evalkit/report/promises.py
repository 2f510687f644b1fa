"""The report section that accounts for every promise of the application (the register).

:func:`promise_register` shows every entry of the project's ``promises:`` in one
section, in three tables (success criteria, measurements, implementation): the
application's own words and where they stand, the plan or target, the result, and how it
was obtained: computed from data (with a link to the criterion or the section that
computes it), the project's own figures (planned against actual), or "ikke målt" with the
reason. Counts of persons pass through :mod:`evalkit.disclosure`; counts of meetings,
places or playbooks are not person counts and are shown as they are.
"""

from __future__ import annotations

import html
import math

from evalkit.formatting import fmt_ci, fmt_count, fmt_date, fmt_number, fmt_percent
from evalkit.promises import KINDS, STATUSES, Planned, PromiseResult
from evalkit.report.analysis import Analysis
from evalkit.report.sections import Html, _fmt_estimate, _fmt_target, _h2, _verdict_cell

__all__ = ["ANCHOR", "SECTION_TITLES", "promise_numbers", "promise_register", "promise_rows"]

ANCHOR = "loefter"
# The heading of each seed section (evalkit.report.seeds.SECTIONS), for links from the
# register; tests check them against the rendered sections.
SECTION_TITLES: dict[str, str] = {
    "praktik": "Virksomhedspraktik",
    "praktik_timer": "Ordinære timer uge for uge efter praktikstart",
    "kurser": "Kurser og uddannelseskøb",
    "virksomhedsbesoeg": "Virksomhedsbesøg og resultat",
    "fastholdelse": "Selvforsørgelse og fastholdelse",
    "virksomhedsrettet_maaned": "Andel i virksomhedsrettet indsats måned for måned",
    "samtale_survey": "Borgernes vurdering af samtalen",
    "soegte_job": "Søgte job før og under forløbet (joblog)",
    "selvbooking_joblog": "Selvbooking og brug af jobloggen",
    "antal_jobparate": "Antal jobparate kontanthjælpsmodtagere",
    "ledighed_rang": "Ledighed sammenlignet med andre jobcentre",
    "tilgang": "Tilgang af nye deltagere pr. måned",
    "beskaeftiget_26": "I beskæftigelse 26 uger efter start",
    "andel_af_landet": "Kommunens andel af landets jobparate",
    "gruppefordeling": "Fordeling på grupper",
    "grupper": "Gruppe 1, 2 og 3: forløb og status ved udgangen",
    "gruppe1_maaned": "Indsatsgruppen i virksomhedsrettet forløb måned for måned",
    "loennede_timer": "Andelen i lønnede timer måned for måned",
    "loen_andel": "Løn i de virksomhedsrettede forløb",
}
_PREFIX = {"succeskriterium": "S", "maaling": "M", "implementering": "I"}
_TABLE_TITLES = {
    "succeskriterium": "Succeskriterier og mål",
    "maaling": "Målinger, som ansøgningen lover at følge",
    "implementering": "Implementering: planlagt og realiseret",
}
_HIDDEN = "skjult (små tal)"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _with_unit(number: str, unit: str, value: float | None = None) -> str:
    """``12 pladser``; a unit written ``singular|plural`` takes the singular for 1."""
    if "|" in unit:
        one, many = unit.split("|", 1)
        unit = one if value == 1 else many
    return f"{number} {unit}".strip() if number != "–" else number


def _planned_text(p: Planned, unit: str, expected: float, cutoff_text: str) -> str:
    if p.every_weeks or p.every_months:
        every = (
            ("hver uge" if p.every_weeks == 1 else f"hver {p.every_weeks}. uge")
            if p.every_weeks
            else {1: "hver måned", 3: "hvert kvartal", 6: "hvert halve år", 12: "hvert år"}.get(
                p.every_months or 0, f"hver {p.every_months}. måned"
            )
        )
        if math.isfinite(expected):
            shown = _with_unit(fmt_number(expected), unit, expected)
            return f"{every}: {shown} til og med {cutoff_text}"
        return every
    if p.share is not None:
        return f"{fmt_percent(p.share, 0)}"
    if p.by is not None:
        return f"senest {fmt_date(p.by)}"
    if p.low is not None:
        return _with_unit(f"{fmt_number(p.low)}–{fmt_number(p.high)}", unit)
    if p.value is not None:
        return _with_unit(fmt_number(p.value), unit, p.value)
    return p.text or "intet tal i ansøgningen"


def _number(x: float) -> str:
    return fmt_number(x, 0 if float(x).is_integer() else 1)


def _cells(a: Analysis, r: PromiseResult) -> tuple[str, str, str]:
    """Plan/target, result and how it was obtained, as HTML."""
    p = r.promise
    thr = a.config.disclosure_threshold
    cutoff = fmt_date(a.cutoff)
    planned = _e(_planned_text(p.planned, p.unit, r.expected, cutoff))
    if p.aggregate == "date" and p.planned.empty:
        planned = "i projektperioden (intet tidspunkt i ansøgningen)"
    how = _e(STATUSES[r.status])
    if p.source == "criterion" and r.criterion is not None:
        c = r.criterion
        est, ci = _fmt_estimate(c)
        verdict = _verdict_cell(c, a.kind == "statusrapport")  # the scorecard's words
        result = _e(est) + (f" {_e(ci)}" if ci.startswith("(") else f", {_e(ci)}" * (ci != "–"))
        if c.n and not c.suppressed and c.unit not in ("count", "rank"):
            result += f", n = {_e(fmt_count(c.n))}"
        result += f"<br><strong>{_e(verdict)}</strong>"
        why = f": {_e(c.reason)}" if c.reason and r.status == "ikke målt" else ""
        how = f'{how}{why} – se <a href="#succeskriterier">Succeskriterier</a>'
        return _e(_fmt_target(c)), result, how
    if p.source == "section":
        title = SECTION_TITLES.get(p.section or "", p.section or "")
        link = f'<a href="#afsnit-{_e(p.section)}">{_e(title)}</a>'
        return planned, f"se afsnittet {link}", f"{how} i afsnittet"
    if r.status == "ikke målt":
        return planned, "–", f"{how}: {_e(r.reason)}"
    if p.source == "participants":
        result = _with_unit(fmt_count(int(r.estimate), thr), p.unit, r.estimate)
        return planned, _e(result), f"{how} (deltagerdata, registeropgørelse til og med {cutoff})"
    if p.source == "measure":
        if r.suppressed:
            result = _HIDDEN
        elif p.unit == "andel" and not math.isfinite(r.lower):  # a register count: exact
            result = f"{fmt_percent(r.estimate)} af {fmt_count(r.n)} (registeropgørelse)"
        elif p.unit == "andel":
            result = f"{fmt_percent(r.estimate)} {fmt_ci(r.lower, r.upper)}, n = {fmt_count(r.n)}"
        elif math.isfinite(r.lower):
            result = f"{_number(r.estimate)} {fmt_ci(r.lower, r.upper, kind='number')}"
            result = _with_unit(result, p.unit, r.estimate)
        else:
            result = _with_unit(_number(r.estimate), p.unit, r.estimate) + " (registeropgørelse)"
        method = f" ({_e(r.method)})" if r.method else ""
        return planned, _e(result), f"{how}{method}"
    # the project's own figures
    source = f"{how} (registreringer til og med {cutoff})"
    if p.aggregate == "date":
        result = f"gennemført {fmt_date(r.date)}" if r.date else "ikke gennemført endnu"
        return planned, _e(result), source
    if r.suppressed:
        return planned, _HIDDEN, source
    if p.aggregate == "share":
        done = r.estimate * r.of
        unit = _with_unit("", p.unit, r.of).strip()
        result = f"{_number(done)} af {_number(r.of)} {unit} ({fmt_percent(r.estimate)})"
        return planned, _e(result.replace("  ", " ")), source
    result = _with_unit(_number(r.estimate), p.unit, r.estimate)
    if p.aggregate == "last" and r.date:
        result += f" (pr. {fmt_date(r.date)})"
    return planned, _e(result), source


def promise_numbers(a: Analysis) -> dict[str, str]:
    """Promise id -> its number in the report (S1, S2, ..., M1, ..., I1, ...)."""
    if a.promises is None:
        return {}
    counts: dict[str, int] = {}
    out = {}
    for r in a.promises.results:
        counts[r.promise.kind] = counts.get(r.promise.kind, 0) + 1
        out[r.id] = f"{_PREFIX[r.promise.kind]}{counts[r.promise.kind]}"
    return out


def promise_rows(a: Analysis, kind: str) -> list[dict[str, str]]:
    """The rows of one table of the register (cells as HTML), numbered S1, M1, I1, ..."""
    if a.promises is None:
        return []
    rows = []
    numbers = promise_numbers(a)
    for r in a.promises.results:
        if r.promise.kind != kind:
            continue
        p = r.promise
        planned, result, how = _cells(a, r)
        words = f"<q>{_e(p.text)}</q>"
        if p.note:
            words += f'<br><span class="note">Bemærkning: {_e(p.note)}</span>'
        rows.append(
            {
                "id": p.id,
                "Nr.": numbers[p.id],
                "Ansøgningens ord": words,
                "Hvor i ansøgningen": _e(p.where),
                "Mål eller plan": planned,
                "Resultat": result,
                "Opgørelse": how,
            }
        )
    return rows


def _html_table(rows: list[dict[str, str]], caption: str) -> str:
    columns = [c for c in rows[0] if c != "id"]
    head = "".join(f'<th scope="col">{_e(c)}</th>' for c in columns)
    body = []
    for row in rows:
        cells = [f'<th scope="row">{row[columns[0]]}</th>']
        cells += [f"<td>{row[c]}</td>" for c in columns[1:]]
        body.append(f'<tr id="loefte-{_e(row["id"])}">{"".join(cells)}</tr>')
    return (
        f'<div class="table-scroll" role="region" tabindex="0" aria-label="{_e(caption)}">'
        f'<table class="promises"><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def promise_register(a: Analysis) -> Html:
    """Every promise of the application and how the report accounts for it (one section).

    Empty for a project without a register (``promises:`` in the config).
    """
    if a.promises is None or len(a.promises) == 0:
        return Html("")
    counts = a.promises.counts()
    n = len(a.promises)
    text = (
        f"<p>Ansøgningen rummer {n} løfter om resultater, målinger og aktiviteter. Her står "
        "hvert løfte med ansøgningens egne ord og stedet i ansøgningen, og med hvordan "
        f"rapporten opgør det pr. {fmt_date(a.cutoff)}: {counts['beregnet']} er beregnet ud "
        f"fra data, {counts['egne tal']} er opgjort med projektets egne tal (planlagt mod "
        f"realiseret), og {counts['ikke målt']} er ikke målt; begrundelsen står ved hvert "
        "af dem. Projektets egne tal er projektlederens registreringer (møder, pladser, "
        "drejebøger, bemanding) og er ikke efterprøvet mod andre kilder.</p>"
    )
    parts = [_h2(ANCHOR, "Ansøgningens løfter: aktivitets- og resultatopfølgning"), text]
    for kind in KINDS:
        rows = promise_rows(a, kind)
        if rows:
            parts.append(f"<h3>{_e(_TABLE_TITLES[kind])}</h3>")
            first, last = rows[0]["Nr."], rows[-1]["Nr."]
            span = first if first == last else f"{first}–{last}"
            caption = f"{_TABLE_TITLES[kind]}, punkt {span}: ansøgningens ord og resultat"
            parts.append(_html_table(rows, caption))
    return Html("".join(parts))
