"""Seed 003, Aalborg, jobparate: inflow, employment after 26 weeks, share of Denmark."""

from __future__ import annotations

import pandas as pd

from evalkit import seeds_measures as sm
from evalkit.baseline import wilson
from evalkit.formatting import fmt_ci, fmt_count, fmt_number, fmt_percent
from evalkit.report import seed_figures as sf
from evalkit.report.analysis import Analysis
from evalkit.report.sections import Html, _e, _h2, _table, figure_html
from evalkit.report.seeds._common import (
    _count_share,
    _criteria,
    _end,
    _month,
    _na,
    _pct,
    _people,
    _start,
)

__all__ = ["andel_af_landet", "beskaeftiget_26", "tilgang"]


def tilgang(a: Analysis) -> Html:
    """Monthly inflow of new participants."""
    anchor, title = "tilgang", "Tilgang af nye deltagere pr. måned"
    thr = a.config.disclosure_threshold
    inflow = sm.monthly_inflow(_people(a), _start(a), a.cutoff)
    if inflow["n"].sum() == 0:
        return _na(anchor, title, "ingen deltagere startet i perioden")
    rate = sm.rate_per_month(inflow["n"].to_numpy())
    fig = sf.plot_counts(inflow["month"], inflow["n"].where(inflow["n"] >= thr, 0).to_numpy(),
                         ylabel="Nye deltagere")  # fmt: skip
    alt = (
        f"Deltagere: nye deltagere pr. måned fra {_month(inflow['month'].iloc[0])} til "
        f"{_month(inflow['month'].iloc[-1])}, i alt {fmt_count(int(inflow['n'].sum()), thr)}, "
        f"i gennemsnit {fmt_number(rate.estimate, 1)} pr. måned."
    )
    rows = [{"Måned": _month(m), "Nye deltagere": fmt_count(int(n), thr)}
            for m, n in zip(inflow["month"], inflow["n"], strict=True)]  # fmt: skip
    text = (
        f"<p>I alt {fmt_count(int(inflow['n'].sum()), thr)} nye deltagere på "
        f"{len(inflow)} måneder, i gennemsnit {fmt_number(rate.estimate, 1)} pr. måned "
        "(eksakte antal fra deltagerlisten, derfor uden konfidensinterval). Måneder med "
        "færre end "
        f"{thr} nye vises som «&lt;{thr}».</p>"
    )
    return Html(_h2(anchor, title) + text
                + figure_html(fig, alt, "Nye deltagere pr. måned.")
                + _table(pd.DataFrame(rows), "Nye deltagere pr. måned",
                         numeric=("Nye deltagere",)))  # fmt: skip


_READING = {
    "at_week": ("i uge 26", "er selvforsørgende eller har ordinære løntimer i uge 26 efter start"),
    "by_week": ("senest i uge 26", "har været selvforsørgende eller haft ordinære løntimer i "
                "mindst én af ugerne 0-26 efter start"),
}  # fmt: skip


def beskaeftiget_26(a: Analysis) -> Html:
    """Share in employment (incl. ordinary hours) 26 weeks after start: both readings."""
    anchor, title = "beskaeftiget-26", "I beskæftigelse 26 uger efter start"
    thr = a.config.disclosure_threshold
    sp = a.spells[a.spells["arm"] == "indsats"]
    seen = sp[sp["employed_26"].notna()]
    if len(seen) < thr:
        return _na(anchor, title, f"færre end {thr} deltagere er fulgt 26 uger")
    crit = next((c for c, _ in _criteria(a, "share", measure="employed_26")), {})
    reading = crit.get("reading", "at_week")
    other = "by_week" if reading == "at_week" else "at_week"
    col = {"at_week": "employed_26", "by_week": "employed_by_26"}
    q = seen["start_date"].dt.to_period("Q")
    quarter = q.dt.quarter.astype(str) + ". kvartal " + q.dt.year.astype(str)
    order = sorted(quarter.unique(), key=lambda t: (t[-4:], t[0]))
    groups = [("Alle", seen)] + [(t, seen[quarter == t]) for t in order]
    rows = []
    for label, g in groups:
        row = {"Startet": label, "n": fmt_count(len(g), thr)}
        for key, name in ((reading, "Kriteriet"), (other, "Anden læsning")):
            x, n = int(g[col[key]].sum()), len(g)
            e = wilson(x, n) if n else None
            count, share, ci, _ = _count_share(x, n, e.lower, e.upper, thr)
            short = _READING[key][0]
            row[f"{name} ({short}): antal"] = count
            row[f"{name} ({short}): andel"] = share
            row[f"{name} ({short}): 95 %-KI"] = ci
        rows.append(row)
    text = (
        "<p>Ansøgningens mål er «Andel af jobparate kontanthjælpsmodtagere, der opnår "
        "beskæftigelse (herunder ordinære timer): 68% målt efter 26 uger». Det kan læses på "
        "to måder: status i uge 26 efter start, eller beskæftigelse opnået senest i uge 26. "
        f"Kriteriet bruger læsningen «{_READING[reading][0]}» (konfigurationens "
        f"<code>reading: {reading}</code>): en deltager tæller, når vedkommende "
        f"{_READING[reading][1]}. Den anden læsning («{_READING[other][0]}»: "
        f"{_READING[other][1]}) vises ved siden af. Begge opgøres for de "
        f"{fmt_count(len(seen), thr)} deltagere, der er fulgt mindst 26 uger "
        f"({fmt_count(len(sp) - len(seen), thr)} er startet for nylig og indgår ikke). "
        + (f"Målet er {fmt_percent(crit['target'], text=True)} " if crit.get("target") else "")
        + "Konfidensintervallerne er Wilsons 95 %-intervaller.</p>"
    )
    return Html(_h2(anchor, title) + text
                + _table(pd.DataFrame(rows), "Andel i beskæftigelse 26 uger efter start",
                         numeric=("n",)))  # fmt: skip


def andel_af_landet(a: Analysis) -> Html:
    """The kommune's share of all jobparate in Denmark, month by month, with the target."""
    anchor, title = "andel-af-landet", "Kommunens andel af landets jobparate"
    crits = _criteria(a, "national_share")
    if not crits or a.data.benchmarks is None:
        return _na(anchor, title, "intet kriterium eller ingen landstal (Jobindsats)")
    crit, _ = crits[0]
    try:
        sh = sm.national_share_series(a.data.benchmarks, crit["measure"], a.config.kommune)
    except ValueError as exc:
        return _na(anchor, title, str(exc))
    sh = sh[sh["month"] <= pd.Timestamp(a.cutoff)]
    if len(sh) == 0:
        return _na(anchor, title, "ingen tal før opgørelsesdatoen")
    targets = [(f"Mål: højst {fmt_percent(crit['target'])}", float(crit["target"]))] if (
        crit.get("target") is not None) else []  # fmt: skip
    base = crit.get("baseline")
    points = [(f"Udgangspunkt i ansøgningen ({fmt_percent(base)})", sh["month"].iloc[0],
               float(base))] if isinstance(base, (int, float)) else []  # fmt: skip
    kommune = a.config.kommune
    fig = sf.plot_monthly({f"{kommune}s andel": sh}, targets=targets, points=points,
                          ylabel="Andel af landets jobparate")  # fmt: skip
    alt = _end(
        f"Deltagere og øvrige jobparate: {kommune}s andel af alle jobparate "
        f"kontanthjælpsmodtagere i Danmark pr. måned fra {_month(sh['month'].iloc[0])} "
        f"({_pct(sh['share'].iloc[0])}) til {_month(sh['month'].iloc[-1])} "
        f"({_pct(sh['share'].iloc[-1])})"
        + (f"; målet er højst {_pct(crit['target'])}" if targets else "")
    )
    rows = [{"Måned": _month(r.month), kommune: fmt_count(int(r.x), a.config.disclosure_threshold),
             "Hele landet": fmt_count(int(r.n)), "Andel": fmt_percent(r.share, 2),
             "95 %-konfidensinterval": fmt_ci(r.lower, r.upper, decimals=2)}
            for r in sh.itertuples(index=False)]  # fmt: skip
    text = (
        f"<p>Antal jobparate kontanthjælpsmodtagere i {_e(kommune)} i forhold til hele landet "
        "(Jobindsats), måned for måned. Tallene er registeropgørelser; Wilsons interval "
        "viser den tilfældige variation fra måned til måned.</p>"
    )
    return Html(_h2(anchor, title) + text
                + figure_html(fig, alt, f"{kommune}s andel af landets jobparate med målet.")
                + _table(pd.DataFrame(rows), "Andel af landets jobparate pr. måned",
                         numeric=(kommune, "Hele landet")))  # fmt: skip
