"""Seed 004, Herning, Flere skal med: groups, group 1 month by month, pay."""

from __future__ import annotations

import math

import pandas as pd

from evalkit import labels, measures
from evalkit import seeds_measures as sm
from evalkit.disclosure import suppress, suppress_share
from evalkit.formatting import fmt_ci, fmt_count, fmt_number, fmt_percent
from evalkit.report import seed_figures as sf
from evalkit.report.analysis import Analysis
from evalkit.report.sections import Html, _e, _group, _h2, _table, figure_html
from evalkit.report.seeds._common import (
    _ci,
    _count_share,
    _criteria,
    _masked,
    _month,
    _na,
    _people,
    _start,
)

__all__ = ["gruppe1_maaned", "gruppefordeling", "loen_andel"]


def gruppefordeling(a: Analysis) -> Html:
    """Split of the participants into groups 1/2/3."""
    anchor, title = "gruppefordeling", "Fordeling på grupper"
    thr = a.config.disclosure_threshold
    p = _people(a)
    if "subgroup" not in p.columns or p["subgroup"].isna().all():
        return _na(anchor, title, "deltagerdata har ingen gruppe (kolonnen subgroup)")
    split = sm.group_split(p)
    sup = suppress(split, threshold=thr, margins=False).display()
    total = int(split["n"].sum())
    rows = [{"Gruppe": str(g), "Antal": sup.loc[g, "n"],
             "Andel": suppress_share(int(n), total, thr).shown}
            for g, n in split["n"].items()]  # fmt: skip
    rows.append({"Gruppe": "I alt", "Antal": fmt_count(total, thr), "Andel": fmt_percent(1.0)})
    text = (
        f"<p>De {fmt_count(total, thr)} deltagere fordelt på projektets grupper ved "
        f"startafklaringen. Grupper med færre end {thr} vises som «&lt;{thr}».</p>"
    )
    return Html(
        _h2(anchor, title)
        + text
        + _table(pd.DataFrame(rows), "Deltagere efter gruppe", numeric=("Antal",))
    )


def gruppe1_maaned(a: Analysis) -> Html:
    """Monthly share of the group in long praktik or with paid hours, vs target and others."""
    anchor, title = "gruppe1-maaned", "Indsatsgruppen i virksomhedsrettet forløb måned for måned"
    crits = _criteria(a, "monthly_average")
    if not crits or a.data.activities is None:
        return _na(anchor, title, "intet månedskriterium eller ingen aktivitetsdata")
    crit, res = crits[0]
    thr = a.config.disclosure_threshold
    p = _people(a)
    if "subgroup" in crit:
        p = p[p["subgroup"] == crit["subgroup"]]
    if "group" in crit:
        p = p[p["target_group"] == crit["group"]]
    if len(p) < thr:
        return _na(anchor, title, f"færre end {thr} personer i gruppen")
    months = pd.date_range(pd.Timestamp(_start(a)).replace(day=1), pd.Timestamp(a.cutoff),
                           freq="MS")  # fmt: skip
    ind = measures.monthly_activity(
        p, a.data.activities, a.data.status, months,
        types=crit.get("types", measures.COMPANY_TYPES),
        include_hours=crit.get("include_hours", True), min_months=crit.get("min_months"),
    )  # fmt: skip
    sh = _masked(sm.monthly_shares(ind, months), thr)
    refs: dict[str, pd.Series] = {}
    if a.data.benchmarks is not None:
        group = crit.get("group", a.config.target_groups[0])
        bs = sm.benchmark_series(a.data.benchmarks, "andel_virksomhedsrettet", group=group)
        for area in bs.columns:
            name = "Landsgennemsnit" if area == sm.NATIONAL else f"{area} (alle {_group(group)})"
            refs[name] = bs[area].reindex(months)
    label = crit.get("subgroup", "gruppen")
    target = crit.get("target")
    fig = sf.plot_monthly(
        {f"{a.config.kommune}, {label} (n = {fmt_number(len(p))})": sh}, references=refs,
        targets=[(f"Mål ({fmt_percent(target)})", float(target))] if target else (),
        ylabel="Andel i virksomhedsrettet forløb",
    )  # fmt: skip
    first_ok = sh[sh["share"] >= (target or 2)].head(1)
    alt = (
        f"Deltagere i {label} (n = {fmt_number(len(p))}): andel pr. måned i "
        f"virksomhedspraktik i mere end 3 sammenhængende måneder eller med ordinære "
        f"løntimer, {_month(months[0])} til {_month(months[-1])}, mod målet "
        f"{fmt_percent(target)} og {len(refs)} sammenligningsserier fra Jobindsats"
        + (f"; målet er nået første gang i {_month(first_ok['month'].iloc[0])}."
           if len(first_ok) else ".")
    )  # fmt: skip
    rows = []
    for r in sh.itertuples(index=False):
        share, ci = (("–", "–") if math.isnan(r.share)
                     else (fmt_percent(r.share), fmt_ci(r.lower, r.upper)))  # fmt: skip
        row = {"Måned": _month(r.month), "n": fmt_count(int(r.n), thr), "Andel": share,
               "95 %-konfidensinterval": ci}  # fmt: skip
        for name, s in refs.items():
            row[name] = fmt_percent(s.get(r.month))
        rows.append(row)
    avg = (
        f" I gennemsnit over månederne er andelen {fmt_percent(res.estimate)} "
        f"(95 %-konfidensinterval {_ci(res.lower, res.upper)})."
        if res.verdict != "kan ikke afgøres"
        else ""
    )
    text = (
        f"<p>Andelen af {_e(label)}, der i måneden er i virksomhedspraktik, som har varet "
        "mere end 3 sammenhængende måneder, eller i løntilskud, småjob eller med ordinære "
        "løntimer, med Wilsons 95 %-konfidensbånd, sammenholdt med målet og med "
        "Jobindsats-tal for alle aktivitetsparate i landet og i andre kommuner (de er ikke "
        f"afgrænset til en indsatsgruppe og er derfor kun en pejling).{avg}</p>"
    )
    return Html(_h2(anchor, title) + text
                + figure_html(fig, alt, f"Andel af {label} i virksomhedsrettet forløb pr. måned.")
                + _table(pd.DataFrame(rows), f"Andel af {label} i virksomhedsrettet forløb",
                         numeric=("n",)))  # fmt: skip


def loen_andel(a: Analysis) -> Html:
    """Among those in company-based activity, the share with full or partial pay, by type."""
    anchor, title = "loen-andel", "Løn i de virksomhedsrettede forløb"
    if a.data.activities is None:
        return _na(anchor, title, "datakilden 'activities' findes ikke")
    thr = a.config.disclosure_threshold
    p = _people(a)
    rows = []
    for label, types in [("Alle virksomhedsrettede forløb", measures.COMPANY_TYPES)] + [
        (labels.activity(t).capitalize(), (t,)) for t in measures.COMPANY_TYPES
    ]:
        try:
            e = sm.paid_share(p, a.data.activities, types, _start(a), a.cutoff)
        except ValueError:
            continue
        x = int(e.details["x"])
        count, share, ci, _ = _count_share(x, e.n, e.lower, e.upper, thr)
        rows.append({"Forløb": label, "Personer i forløb": fmt_count(e.n, thr),
                     "Med hel eller delvis løn": count, "Andel": share,
                     "95 %-konfidensinterval": ci})  # fmt: skip
    if not rows:
        return _na(anchor, title, "ingen deltagere i virksomhedsrettede forløb")
    text = (
        "<p>Blandt deltagerne, der har været i et virksomhedsrettet forløb i perioden, "
        "andelen, der har fået hel eller delvis løn for arbejdsindsatsen (mindst ét forløb "
        "registreret med løn), med Wilsons 95 %-konfidensinterval.</p>"
    )
    return Html(
        _h2(anchor, title)
        + text
        + _table(
            pd.DataFrame(rows),
            "Andel med hel eller delvis løn",
            numeric=("Personer i forløb", "Med hel eller delvis løn"),
        )
    )
