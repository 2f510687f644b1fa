"""Seed 004, Herning, Flere skal med: groups, group 1 month by month, pay, paid hours.

The criterion counts a praktik only once it has lasted more than 3 consecutive months
(with its history before the window); the kommune's own raw measure counts every
company-based course and paid hours. See ``docs/definitions.md``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from evalkit import labels, measures
from evalkit import seeds_measures as sm
from evalkit.baseline import wilson
from evalkit.disclosure import UnprotectableTable, suppress, suppress_share
from evalkit.formatting import fmt_ci, fmt_count, fmt_date, fmt_number, fmt_percent, fmt_pp
from evalkit.report import seed_figures as sf
from evalkit.report.analysis import Analysis
from evalkit.report.sections import Html, _e, _group, _h2, _table, figure_html, withheld_table
from evalkit.report.seeds._common import (
    _ci,
    _count_share,
    _criteria,
    _masked,
    _month,
    _na,
    _no_source,
    _pct,
    _people,
    _start,
)

__all__ = ["gruppe1_maaned", "gruppefordeling", "grupper", "loen_andel", "loennede_timer"]


def gruppefordeling(a: Analysis) -> Html:
    """Split of the participants into groups 1/2/3."""
    anchor, title = "gruppefordeling", "Fordeling på grupper"
    thr = a.config.disclosure_threshold
    p = _people(a)
    if "subgroup" not in p.columns or p["subgroup"].isna().all():
        return _na(anchor, title, "deltagerdata har ingen gruppe (kolonnen subgroup)")
    split = sm.group_split(p)
    try:
        st = suppress(split, threshold=thr, margins=False)
    except UnprotectableTable:
        return Html(_h2(anchor, title) + withheld_table("Deltagere efter gruppe"))
    sup = st.display()
    total = int(split["n"].sum())
    # a share of the total shows its count: hidden wherever the count is hidden
    rows = [{"Gruppe": str(g), "Antal": sup.loc[g, "n"],
             "Andel": "–" if st.mask.loc[g, "n"] else suppress_share(int(n), total, thr).shown}
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


FSM_MEASURE = "andel_praktik_over_3_mdr_eller_loentimer"  # Jobindsats/STAR, same definition
FSM_ALL = "Alle Flere skal med-kommuner"
_REHAB = ("ressourceforloeb", "fleksjob", "foertidspension")


def _group1(a: Analysis, crit: dict) -> pd.DataFrame:
    p = _people(a)
    if "subgroup" in crit:
        p = p[p["subgroup"] == crit["subgroup"]]
    if "group" in crit:
        p = p[p["target_group"] == crit["group"]]
    return p


def _months(a: Analysis) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(_start(a)).replace(day=1), pd.Timestamp(a.cutoff),
                         freq="MS")  # fmt: skip


def _raw(a: Analysis, p: pd.DataFrame, months: pd.DatetimeIndex) -> pd.DataFrame:
    """The kommune's own measure: any company-based activity or paid hours in the month."""
    ind = measures.monthly_activity(p, a.data.activities, a.data.status, months)
    return sm.monthly_shares(ind, months)


def _fsm_series(a: Analysis, months: pd.DatetimeIndex) -> pd.DataFrame | None:
    """The other Flere skal med kommuner on the same definition (month x area), if given."""
    if a.data.benchmarks is None:
        return None
    bs = sm.benchmark_series(a.data.benchmarks, FSM_MEASURE)
    bs = bs.drop(columns=[c for c in bs.columns if c == a.config.kommune])
    bs = bs[bs.index <= pd.Timestamp(a.cutoff)]
    return bs.reindex(months) if len(bs.columns) else None


def _first_month_at(sh: pd.DataFrame, target: float) -> tuple[str, bool]:
    """The first month at or above ``target`` and whether every later month stayed there."""
    ok = sh["share"] >= target
    if not ok.any():
        return "", False
    i = int(np.flatnonzero(ok.to_numpy())[0])
    return _month(sh["month"].iloc[i]), bool(ok.iloc[i:].all())


def gruppe1_maaned(a: Analysis) -> Html:
    """Group 1 month by month: the criterion's measure, the kommune's own, the other kommuner."""
    anchor, title = "gruppe1-maaned", "Indsatsgruppen i virksomhedsrettet forløb måned for måned"
    crits = _criteria(a, "monthly_average")
    if not crits or a.data.activities is None:
        return _na(anchor, title, "intet månedskriterium eller ingen aktivitetsdata")
    crit, res = crits[0]
    thr = a.config.disclosure_threshold
    p = _group1(a, crit)
    if len(p) < thr:
        return _na(anchor, title, f"færre end {thr} personer i gruppen")
    months = _months(a)
    ind = measures.monthly_activity(
        p, a.data.activities, a.data.status, months,
        types=crit.get("types", measures.COMPANY_TYPES),
        include_hours=crit.get("include_hours", True), min_months=crit.get("min_months"),
        longer_than_months=crit.get("longer_than_months"),
    )  # fmt: skip
    rule = _masked(sm.monthly_shares(ind, months), thr)
    raw = _masked(_raw(a, p, months), thr)
    label = crit.get("subgroup", "gruppen")
    target = crit.get("target")
    fsm = _fsm_series(a, months)
    refs: dict[str, pd.Series] = {}
    if fsm is not None and FSM_ALL in fsm.columns:
        refs[f"{FSM_ALL} (samme opgørelse)"] = fsm[FSM_ALL]
    elif a.data.benchmarks is not None:  # only a bearing: all aktivitetsparate
        group = crit.get("group", a.config.target_groups[0])
        bs = sm.benchmark_series(a.data.benchmarks, "andel_virksomhedsrettet", group=group)
        if sm.NATIONAL in bs.columns:
            refs[f"Landsgennemsnit (alle {_group(group)}, kun en pejling)"] = bs[
                sm.NATIONAL].reindex(months)  # fmt: skip
    n_txt = f"n = {fmt_number(len(p))}"
    fig = sf.plot_monthly(
        {f"Kriteriet: praktik over 3 mdr. eller løntimer ({n_txt})": rule,
         f"Kommunens egen opgørelse: praktik og lønnede timer ({n_txt})": raw},
        references=refs,
        targets=[(f"Mål ({fmt_percent(target)})", float(target))] if target else (),
        ylabel="Andel af indsatsgruppen",
    )  # fmt: skip
    first_rule, _ = _first_month_at(rule, target or 2)
    first_raw, held = _first_month_at(raw, target or 2)
    alt = (
        f"Deltagere i {label} ({n_txt}): andel pr. måned fra {_month(months[0])} til "
        f"{_month(months[-1])} efter kriteriets opgørelse (virksomhedspraktik i mere end 3 "
        "sammenhængende måneder eller ordinære løntimer) og efter kommunens egen opgørelse "
        f"(alle virksomhedsrettede forløb og lønnede timer), mod målet {_pct(target)}"
        + (f"; kriteriets andel når målet første gang i {first_rule}" if first_rule else
           "; kriteriets andel når ikke målet")
        + (f", kommunens egen i {first_raw}" if first_raw else "")
        + (f"; stiplet: {next(iter(refs))}." if refs else ".")
    )  # fmt: skip
    rows = []
    for r, w in zip(rule.itertuples(index=False), raw.itertuples(index=False), strict=True):
        row = {"Måned": _month(r.month), "n": fmt_count(int(r.n), thr)}
        for name, x in (("Kriteriet", r), ("Egen opgørelse", w)):
            ok = not math.isnan(x.share)
            row[f"{name}: andel"] = fmt_percent(x.share) if ok else "–"
            row[f"{name}: 95 %-KI"] = fmt_ci(x.lower, x.upper) if ok else "–"
        for name, ser in refs.items():
            row[name.split(" (")[0]] = fmt_percent(ser.get(r.month))
        rows.append(row)
    avg = (
        f" I gennemsnit over månederne er kriteriets andel {fmt_percent(res.estimate, text=True)}"
        f" (95 %-konfidensinterval {_ci(res.lower, res.upper)})."
        if math.isfinite(res.estimate) and math.isfinite(res.lower) else ""
    )  # fmt: skip
    held_txt = (
        f" Kommunens egen opgørelse når {fmt_percent(target, text=True)} første gang i "
        f"{first_raw} og {'holder sig der' if held else 'holder sig ikke der'} til og med "
        f"{_month(months[-1])} (ansøgningen: «opnåede i september 2018, at 40 % af "
        "indsatsgruppen var i virksomhedsrettet forløb (praktik og lønnede timer)»)."
        if first_raw and target else ""
    )  # fmt: skip
    text = (
        f"<p>Kriteriet er andelen af {_e(label)}, der i måneden er i en virksomhedspraktik, "
        "som på det tidspunkt har varet mere end 3 sammenhængende måneder, eller i "
        "løntilskud, småjob eller med ordinære løntimer. En praktik, der begyndte før "
        "projektet eller måneden, tæller med sin fulde længde; praktikker, der følger lige "
        "efter hinanden, regnes som én. Kommunens egen opgørelse i udvalgsrapporten tæller "
        "alle virksomhedsrettede forløb og lønnede timer uanset længde. Begge med Wilsons "
        f"95 %-konfidensbånd; n er hele gruppen.{avg}{held_txt}</p>"
    )
    out = [_h2(anchor, title), text,
           figure_html(fig, alt, f"Andel af {label} i virksomhedsrettet forløb pr. måned."),
           _table(pd.DataFrame(rows), f"Andel af {label} i virksomhedsrettet forløb",
                  numeric=("n",))]  # fmt: skip
    if fsm is not None:
        out.append(_overview(a, fsm, rule, label))
    return Html("".join(out))


def _overview(a: Analysis, fsm: pd.DataFrame, rule: pd.DataFrame, label: str) -> str:
    """The other Flere skal med kommuner on the same definition (bilag 3, landsoversigt)."""
    own = rule.set_index("month")["share"]
    areas = [c for c in fsm.columns if c != FSM_ALL] + ([FSM_ALL] if FSM_ALL in fsm else [])
    rows = [{"Kommune": f"{a.config.kommune} ({label})", "Gennemsnit over månederne":
             fmt_percent(own.mean()), f"Seneste måned ({_month(rule['month'].iloc[-1])})":
             fmt_percent(own.iloc[-1])}]  # fmt: skip
    for area in areas:
        ser = fsm[area]
        rows.append({"Kommune": area, "Gennemsnit over månederne": fmt_percent(ser.mean()),
                     f"Seneste måned ({_month(rule['month'].iloc[-1])})":
                     fmt_percent(ser.iloc[-1])})  # fmt: skip
    return (
        "<h3>Sammenlignet med de andre Flere skal med-kommuner</h3><p>STARs opgørelse for "
        "de andre kommuner i Flere skal med med samme definition som kriteriet "
        "(indsatsgruppen i virksomhedspraktik i mere end 3 sammenhængende måneder eller "
        "med ordinære løntimer), over de samme måneder. Kommunernes tal er "
        "registeropgørelser uden konfidensinterval.</p>"
        + _table(pd.DataFrame(rows), "Flere skal med-kommunerne med samme definition")
    )


def grupper(a: Analysis) -> Html:
    """Groups 1, 2 and 3: company-based activity and where they stand at the end."""
    anchor, title = "grupper", "Gruppe 1, 2 og 3: forløb og status ved udgangen"
    thr = a.config.disclosure_threshold
    p = _people(a)
    if "subgroup" not in p.columns or p["subgroup"].isna().all():
        return _na(anchor, title, "deltagerdata har ingen gruppe (kolonnen subgroup)")
    months = _months(a)
    end = pd.Timestamp(a.cutoff)
    rows, rehab_rows = [], []
    for g, sub in p.groupby(p["subgroup"].fillna("ikke oplyst"), sort=True):
        row = {"Gruppe": str(g), "Personer": fmt_count(len(sub), thr)}
        if a.data.activities is not None:
            raw = _raw(a, sub, months)
            row["Virksomhedsrettet, første måned"] = _share_text(raw.iloc[0], thr)
            row["Virksomhedsrettet, sidste måned"] = _share_text(raw.iloc[-1], thr)
        st = measures.status_at(sub, a.data.status, end)
        for key, name in (("selvforsoergende", "Selvforsørgende"),
                          ("kontanthjaelp", "Kontanthjælp")):  # fmt: skip
            row[f"{name} ved udgangen"] = _count(int((st == key).sum()), len(sub), thr)
        row["Ressourceforløb, fleksjob, førtidspension ved udgangen"] = _count(
            int(st.isin(_REHAB).sum()), len(sub), thr)  # fmt: skip
        rows.append(row)
        ever = measures.ever_in_status(sub, a.data.status, _REHAB, _start(a), a.cutoff)
        x = int(ever.sum())
        e = wilson(x, len(sub)) if len(sub) else None
        count, share, ci, _ = _count_share(x, len(sub), e.lower, e.upper, thr) if e else (
            "–", "–", "–", "")  # fmt: skip
        rehab_rows.append({"Gruppe": str(g), "Personer": fmt_count(len(sub), thr),
                           "Ressourceforløb, fleksjob eller førtidspension i perioden": count,
                           "Andel": share, "95 %-konfidensinterval": ci})  # fmt: skip
    text = (
        "<p>Gruppe 1 (indsatsgruppen) fik en personlig jobformidler og virksomhedsrettede "
        "forløb; gruppe 2 blev vurderet i målgruppen for fleksjob, ressourceforløb eller "
        "førtidspension, og sagen blev forberedt til rehabiliteringsteamet; gruppe 3 var "
        "ude af stand til at deltage i en beskæftigelsesrettet indsats. Tabellen viser for "
        "hver gruppe andelen i virksomhedsrettet forløb (praktik og lønnede timer) i første "
        f"og sidste måned og status i ugen for {fmt_date(a.cutoff)} fra de ugentlige "
        f"ydelsesdata (registeropgørelse; under {thr} vises som «&lt;{thr}»). Den anden "
        "tabel viser, hvor mange i hver gruppe der i perioden har fået ressourceforløb, "
        "fleksjob eller førtidspension, det udfald gruppe 2 blev forberedt til.</p>"
    )
    return Html(_h2(anchor, title) + text
                + _table(pd.DataFrame(rows), "Grupperne: forløb og status ved udgangen")
                + _table(pd.DataFrame(rehab_rows),
                         "Ressourceforløb, fleksjob eller førtidspension i perioden",
                         numeric=("Personer",)))  # fmt: skip


def _share_text(r: pd.Series, thr: int) -> str:
    s = suppress_share(int(r["x"]), int(r["n"]), thr) if r["n"] else None
    return "–" if s is None or s.suppressed else s.shown


def _count(x: int, n: int, thr: int) -> str:
    s = suppress_share(x, n, thr)
    if s.suppressed:
        return fmt_count(x, thr) if 0 < x < thr else "skjult (små tal)"
    return f"{fmt_count(x, thr)} ({s.shown})"


def loennede_timer(a: Analysis) -> Html:
    """Bilag 2: the share of group 1 in paid hours month by month, and its rise."""
    anchor, title = "loennede-timer", "Andelen i lønnede timer måned for måned"
    crits = _criteria(a, "monthly_average")
    if a.data.activities is None:
        return _na(anchor, title, "datakilden 'activities' findes ikke")
    thr = a.config.disclosure_threshold
    p = _group1(a, crits[0][0]) if crits else _people(a)
    label = crits[0][0].get("subgroup", "deltagerne") if crits else "deltagerne"
    if len(p) < thr:
        return _na(anchor, title, f"færre end {thr} personer i gruppen")
    sh, est = measures.paid_change(p, a.data.activities, a.data.status, _months(a))
    full = pd.concat([sh, sm._wilson_columns(sh["x"].to_numpy(), sh["n"].to_numpy(), 0.05)],
                     axis=1)  # fmt: skip
    full = _masked(full, thr)
    fig = sf.plot_monthly({f"{label.capitalize()} (n = {fmt_number(len(p))})": full},
                          ylabel="Andel i lønnede timer")  # fmt: skip
    alt = (
        f"Deltagere i {label} (n = {fmt_number(len(p))}): andel pr. måned i lønnede timer "
        f"(forløb med hel eller delvis løn eller ordinære løntimer) fra "
        f"{_month(full['month'].iloc[0])} til {_month(full['month'].iloc[-1])}."
    )
    text = (
        f"<p>Andelen af {_e(label)}, der i måneden har lønnede timer: et virksomhedsrettet "
        "forløb registreret med hel eller delvis løn (småjob, løntilskud, praktik med løn) "
        "eller ordinære løntimer i de ugentlige ydelsesdata. Udvalgsrapporten: «Gennem "
        "projektperioden har der været en løbende stigning i andelen af borgere i lønnede "
        f"timer». Fra de første til de sidste {len(est.details['first'])} måneder er "
        f"andelen ændret med {fmt_pp(est.estimate, text=True)} (95 %-konfidensinterval "
        f"{_ci(est.lower, est.upper, kind='pp')}; de samme personer indgår i begge "
        "perioder, så variansen er klyngerobust på personniveau).</p>"
    )
    rows = []
    for r in full.itertuples(index=False):
        count, share, ci, _ = _count_share(int(r.x), int(r.n), r.lower, r.upper, thr)
        rows.append({"Måned": _month(r.month), "I lønnede timer": count,
                     "n": fmt_count(int(r.n), thr), "Andel": share,
                     "95 %-konfidensinterval": ci})  # fmt: skip
    return Html(_h2(anchor, title) + text
                + figure_html(fig, alt, "Andel i lønnede timer pr. måned (95 %-bånd).")
                + _table(pd.DataFrame(rows), f"Andel af {label} i lønnede timer",
                         numeric=("I lønnede timer", "n")))  # fmt: skip


def loen_andel(a: Analysis) -> Html:
    """Among those in company-based activity, the share with full or partial pay, by type."""
    anchor, title = "loen-andel", "Løn i de virksomhedsrettede forløb"
    if a.data.activities is None:
        return _na(anchor, title, _no_source("activities"))
    thr = a.config.disclosure_threshold
    crit = next((c for c, _ in _criteria(a, "share") if "among" in c), {})
    everyone = _people(a)
    p = everyone[everyone["subgroup"] == crit["subgroup"]] if "subgroup" in crit else everyone
    who = crit.get("subgroup", "deltagerne")
    rows = []
    todo = [(f"{who.capitalize()}: alle virksomhedsrettede forløb", p, measures.COMPANY_TYPES)]
    todo += [(f"{who.capitalize()}: {labels.activity(t)}", p, (t,)) for t in measures.COMPANY_TYPES]
    if "subgroup" in crit:
        todo.append(("Alle grupper: alle virksomhedsrettede forløb", everyone,
                     measures.COMPANY_TYPES))  # fmt: skip
    for label, people, types in todo:
        try:
            e = sm.paid_share(people, a.data.activities, types, _start(a), a.cutoff)
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
        "<p>Blandt dem, der har været i et virksomhedsrettet forløb i perioden, andelen, "
        "der har fået hel eller delvis løn for arbejdsindsatsen (mindst ét forløb "
        "registreret med løn), med Wilsons 95 %-konfidensinterval. Udvalgsrapporten: «knap "
        "40 % af dem som har været i virksomhedsrettet forløb, har fået hel eller delvis løn "
        f"for arbejdsindsatsen»; nævneren er {_e(who)}s personer i virksomhedsrettet forløb "
        "(succeskriteriet), og alle gruppers tal vises til sammenligning.</p>"
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
