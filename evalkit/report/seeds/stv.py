"""Seed 001, Ringkøbing-Skjern, STV: the month's stock in company-based activity, by group.

The share is of the month's stock of the target group, as Jobindsats counts it (persons
with the group's benefit at some time in the month), not of a fixed cohort. The baseline
is taken from the data when they cover the baseline month, with the application's
figure beside it and the difference named; "ved udgangen af 2018" is the average of the
configured end window. See :mod:`evalkit.stock` and ``docs/definitions.md``.
"""

from __future__ import annotations

import math

import pandas as pd

from evalkit import measures, stock
from evalkit import seeds_measures as sm
from evalkit.disclosure import suppress_share
from evalkit.formatting import fmt_ci, fmt_count, fmt_number, fmt_percent, fmt_pp
from evalkit.report import seed_figures as sf
from evalkit.report.analysis import Analysis
from evalkit.report.sections import Html, _e, _group, _h2, _table, figure_html
from evalkit.report.seeds._common import (
    _ci,
    _count_share,
    _criteria,
    _end,
    _month,
    _na,
    _no_source,
    _pct,
)
from evalkit.results import Estimate

__all__ = ["virksomhedsrettet_maaned"]

_KINDS = ("stock_change_pp", "stock_change_count")


def _stock_criteria(a: Analysis, group: str) -> list[tuple[dict, object]]:
    return [cr for kind in _KINDS for cr in _criteria(a, kind, group=group)]


def _end_months(a: Analysis, crit: dict) -> pd.DatetimeIndex:
    w = crit.get("end_window")
    if w is None:
        last = pd.Timestamp(a.config.period.end).replace(day=1)
        first, last = str(last - pd.DateOffset(months=2))[:7], str(last)[:7]
    else:
        first, last = str(w["first"]), str(w["last"])
    return stock.end_window(first, last, cutoff=a.cutoff)


def _monthly_bands(monthly: pd.DataFrame, thr: int) -> pd.DataFrame:
    """Monthly shares with their person-clustered limits (:func:`stock.stock_change`'s
    ``monthly``, the variance of the end level and the change); NaN where the month must
    be hidden."""
    out = monthly.copy()
    hide = [n == 0 or suppress_share(int(x), int(n), thr).suppressed
            for x, n in zip(out["x"], out["n"], strict=True)]  # fmt: skip
    out.loc[hide, ["share", "lower", "upper"]] = math.nan
    return out


def _hidden(r: stock.StockChange, thr: int) -> bool:
    m = r.monthly.set_index("month")
    months = list(r.end_months) + ([r.baseline_month] if r.baseline_source == "data" else [])
    return any(suppress_share(int(m.loc[k, "x"]), int(m.loc[k, "n"]), thr).suppressed
               for k in months)  # fmt: skip


def _est_text(e: Estimate, kind: str = "pp") -> str:
    if kind == "count":
        return (f"{fmt_number(e.estimate)} personer (95 %-konfidensinterval "
                f"{_ci(e.lower, e.upper, kind='number', decimals=0)})")  # fmt: skip
    return f"{fmt_pp(e.estimate, text=True)} (95 %-konfidensinterval {_ci(e.lower, e.upper, kind='pp')})"


def _baseline_text(r: stock.StockChange, thr: int) -> str:
    app = r.baseline_application
    figure = (f"{fmt_count(app['x'])} af {fmt_count(app['n'])} ({fmt_percent(app['share'], text=True)}) "
              f"i {_month(app['month'])}")  # fmt: skip
    app_txt = f"ansøgningens tal er {figure}"
    if r.baseline_source != "data":
        return (f"<p>Data dækker ikke {_month(r.baseline_month)}, så baseline er "
                f"ansøgningens tal: {figure}. Ændringen regner baseline og slutmåling som "
                "uafhængige, da personerne bag ansøgningens tal ikke kendes.</p>")  # fmt: skip
    b = r.baseline_data
    x, n = int(b.details["x"]), int(b.n)
    count, _, _, why = _count_share(x, n, b.lower, b.upper, thr)
    if why:
        return f"<p>Baseline i {_month(r.baseline_month)} fra data vises ikke ({_e(why)}).</p>"
    diff = b.estimate - app["share"]
    return (
        f"<p>Baseline er beregnet fra data: i {_month(r.baseline_month)} var {count} af "
        f"{fmt_count(n, thr)} i bestanden i virksomhedsrettet indsats eller havde ordinære "
        f"timer ({_pct(b.estimate)}, 95 %-konfidensinterval {_ci(b.lower, b.upper)}); "
        f"{app_txt}. Forskellen "
        f"er {fmt_pp(diff, text=True)} i andelen og {fmt_number(n - app['n'])} personer i "
        "bestanden; den kan skyldes, at ansøgningens tal er opgjort i Jobindsats med en "
        "anden afgrænsning eller på et andet tidspunkt end kommunens egne data. "
        "Ændringen måles fra baseline i data, og målet lægges til den.</p>"
    )


def virksomhedsrettet_maaned(a: Analysis) -> Html:
    """Monthly share of the stock in company-based activity or with ordinary hours."""
    anchor, title = "virksomhedsrettet", "Andel i virksomhedsrettet indsats måned for måned"
    if a.data.activities is None:
        return _na(anchor, title, _no_source("activities"))
    thr = a.config.disclosure_threshold
    out = [_h2(anchor, title)]
    out.append(
        "<p>Andelen af målgruppens <em>månedlige bestand</em>, der i måneden er i en "
        "virksomhedsrettet indsats (virksomhedspraktik, løntilskud, småjob) eller har "
        "ordinære løntimer. Bestanden er som i Jobindsats de personer, der på et tidspunkt "
        "i måneden har modtaget målgruppens ydelse (kontanthjælp for aktivitetsparate, "
        "ressourceforløbsydelse for personer i ressourceforløb); en uge tæller med i hver "
        "måned, den berører. Nævneren skifter derfor fra måned til måned, når borgere "
        "kommer til og går fra. «Ved udgangen» af projektet er gennemsnittet af "
        "slutvinduets måneder. De samme personer indgår i flere måneder, så "
        "konfidensintervallerne for niveauet ved udgangen og for ændringen bruger den "
        "klyngerobuste varians på personniveau (Liang og Zeger 1986). Figuren og tabellen "
        "viser hver måneds andel med sit 95 %-konfidensinterval efter samme metode, "
        "niveauet ved udgangen med sit interval (den vandrette bjælke over slutvinduet), "
        "baseline (ruder), målene (prikket) og landsgennemsnittet (stiplet, Jobindsats).</p>"
    )
    did_rows: list[dict[str, str]] = []
    for group in a.config.target_groups:
        crits = _stock_criteria(a, group)
        gname = _group(group)
        if not crits:
            continue
        crit0 = crits[0][0]
        p = a.participants
        people = p[p["target_group"] == group]
        try:
            r = stock.stock_change(
                people, a.data.status, a.data.activities, group, crit0["baseline"],
                _end_months(a, crit0), types=crit0.get("types", measures.COMPANY_TYPES),
                include_hours=crit0.get("include_hours", True), benefits=crit0.get("benefits"),
                use_data_baseline=crit0.get("baseline_from_data", True),
            )  # fmt: skip
        except ValueError:
            out.append(f"<p>{_e(gname.capitalize())}: kan ikke afgøres (bestanden kan ikke "
                       "opgøres).</p>")  # fmt: skip
            continue
        sh = _monthly_bands(r.monthly, thr)
        nat = _national(a, group, sh["month"])
        targets = []
        for crit, _ in crits:
            if crit["kind"] == "stock_change_pp":
                goal = r.baseline.estimate + float(crit["target_pp"])
                targets.append((f"Mål {fmt_pp(crit['target_pp'])} ({fmt_percent(goal)})", goal))
        app = r.baseline_application
        points = [(f"Baseline i ansøgningen ({fmt_percent(app['share'])})", app["month"],
                   app["share"])]  # fmt: skip
        if r.baseline_data is not None and not _hidden(r, thr):
            points.append((f"Baseline fra data ({fmt_percent(r.baseline.estimate)})",
                           r.baseline_month, r.baseline.estimate))  # fmt: skip
        n_range = f"{fmt_number(int(r.monthly['n'].min()))}-{fmt_number(int(r.monthly['n'].max()))}"
        last = sh.dropna(subset=["share"]).tail(1)
        alt = _end(
            f"Målgruppens månedlige bestand ({gname}, {n_range} personer pr. måned): andel i "
            f"virksomhedsrettet indsats eller med ordinære timer pr. måned fra "
            f"{_month(r.monthly['month'].iloc[0])} til {_month(r.monthly['month'].iloc[-1])}"
            + (f", sidst {_pct(last['share'].iloc[0])}" if len(last) else "")
            + (f"; mål {', '.join(_pct(t) for _, t in targets)}" if targets else "")
            + ("; landsgennemsnittet vist stiplet" if nat is not None else "")
        )
        levels = []
        if not _hidden(r, thr):
            e = r.end_level
            levels.append((f"Ved udgangen ({fmt_percent(e.estimate)}, 95 %-KI)",
                           r.end_months[0], r.end_months[-1], e.estimate, e.lower, e.upper))  # fmt: skip
        fig = sf.plot_monthly(
            {f"{gname.capitalize()} (bestand {n_range})": sh},
            references={"Landsgennemsnit": nat} if nat is not None else None,
            targets=targets, points=points, levels=levels,
            ylabel="Andel i virksomhedsrettet indsats",
        )  # fmt: skip
        out.append(f"<h3>{_e(gname.capitalize())}</h3>")
        out.append(_baseline_text(r, thr))
        out.append(_result_text(a, r, crits, thr))
        out.append(
            figure_html(fig, alt, f"Andel af bestanden i virksomhedsrettet indsats, {gname}.")
        )
        rows = []
        for row in sh.itertuples(index=False):
            count, share, ci, _ = _count_share(int(row.x), int(row.n), row.lower, row.upper, thr)
            in_end = row.month in set(r.end_months)
            rows.append({"Måned": _month(row.month) + (" (slutvindue)" if in_end else ""),
                         "I indsats": count, "Bestand": fmt_count(int(row.n), thr),
                         "Andel": share, "95 %-konfidensinterval": ci,
                         "Landsgennemsnit": fmt_percent(nat.get(row.month)) if nat is not None
                         else "–"})  # fmt: skip
        out.append(_table(pd.DataFrame(rows), f"Andel af bestanden i virksomhedsrettet "
                          f"indsats, {gname}", numeric=("I indsats", "Bestand")))  # fmt: skip
        if nat is not None:
            row = _did_row(r, nat, group, thr)
            if row is not None:
                did_rows.append(row)
    if did_rows:
        out.append(
            "<h3>Udviklingen sammenlignet med landsudviklingen</h3><p>Forskel-i-forskelle: "
            "kommunens ændring i andelen fra baseline til slutvinduet minus "
            "landsgennemsnittets ændring over de samme måneder (Jobindsats). Et positivt tal "
            "betyder, at kommunen er gået mere frem end landet. Landstallet regnes som kendt "
            "uden usikkerhed; kommunens ændring har den klyngerobuste varians (de samme "
            "personer indgår i begge målinger).</p>"
        )
        out.append(_table(pd.DataFrame(did_rows), "Forskel-i-forskelle mod landsudviklingen"))
    return Html("".join(out))


def _result_text(a: Analysis, r: stock.StockChange, crits: list, thr: int) -> str:
    months = r.end_months
    window = (f"{_month(months[0])} til {_month(months[-1])}" if len(months) > 1
              else _month(months[0]))  # fmt: skip
    if _hidden(r, thr):
        return f"<p>Niveauet ved udgangen ({window}) vises ikke af hensyn til små tal.</p>"
    e = r.end_level
    parts = [
        f"<p>Ved udgangen (gennemsnit af {window}) er andelen {fmt_percent(e.estimate, text=True)} "
        f"(95 %-konfidensinterval {_ci(e.lower, e.upper)}). Ændringen fra baseline er "
        f"{_est_text(r.change)}"
    ]
    goals = [c for c, _ in crits if c["kind"] == "stock_change_pp"]
    if goals:
        parts.append(
            " mod målet " + " og ".join(f"{fmt_pp(c['target_pp'], text=True)}" for c in goals)
        )
    parts.append(". ")
    counts = [c for c, _ in crits if c["kind"] == "stock_change_count"]
    for c in counts:
        parts.append(
            f"Antallet i virksomhedsrettet indsats er ændret med {_est_text(r.count_change, 'count')}"
            f" mod ansøgningens {fmt_number(c['target'])} flere borgere (i gennemsnit "
            f"{fmt_number(r.count_change.details['x1'], 1)} pr. måned ved udgangen mod "
            f"{fmt_number(r.count_change.details['x0'])} ved baseline). Ansøgningen regnede med, "
            "at bruttomålgruppen var den samme ved udgangen af 2018; her er det den faktiske "
            "bestand. "
        )
    if a.cutoff < a.config.period.end:
        parts.append("Opgørelsen er foreløbig: slutvinduet er de seneste måneder før "
                     "opgørelsesdatoen. ")  # fmt: skip
    return "".join(parts).rstrip() + "</p>"


def _national(a: Analysis, group: str, months: pd.Series) -> pd.Series | None:
    if a.data.benchmarks is None:
        return None
    bs = sm.benchmark_series(a.data.benchmarks, "andel_virksomhedsrettet", group=group)
    if sm.NATIONAL not in bs.columns:
        return None
    return bs[sm.NATIONAL].reindex(pd.DatetimeIndex(months))


def _did_row(r: stock.StockChange, nat: pd.Series, group: str, thr: int) -> dict[str, str] | None:
    """Kommune vs national change in the share (aggregate difference in differences)."""
    base = nat.get(r.baseline_month)
    end = nat.reindex(r.end_months)
    if base is None or pd.isna(base) or end.isna().any():
        return None
    nat_change = float(end.mean()) - float(base)
    row = {
        "Målgruppe": _group(group).capitalize(),
        "Kommunen": f"{fmt_pp(r.change.estimate)}",
        "Landet": f"{fmt_percent(base)} → {fmt_percent(end.mean())} ({fmt_pp(nat_change)})",
    }
    if _hidden(r, thr):
        return {**row, "Kommunen": "skjult (små tal)", "Forskel-i-forskelle": "skjult (små tal)",
                "95 %-konfidensinterval": "–"}  # fmt: skip
    did = r.change.estimate - nat_change
    return {
        **row,
        "Forskel-i-forskelle": fmt_pp(did),
        "95 %-konfidensinterval": fmt_ci(r.change.lower - nat_change, r.change.upper - nat_change,
                                         kind="pp"),
    }  # fmt: skip
