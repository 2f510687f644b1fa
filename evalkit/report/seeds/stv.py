"""Seed 001, Ringkøbing-Skjern, STV: monthly share in company-based activity by group."""

from __future__ import annotations

import pandas as pd

from evalkit import measures
from evalkit import seeds_measures as sm
from evalkit.baseline import did_aggregate
from evalkit.disclosure import suppress_share
from evalkit.formatting import fmt_ci, fmt_count, fmt_number, fmt_percent, fmt_pp
from evalkit.report import seed_figures as sf
from evalkit.report.analysis import Analysis
from evalkit.report.sections import Html, _e, _group, _h2, _table, figure_html
from evalkit.report.seeds._common import (
    _count_share,
    _criteria,
    _masked,
    _month,
    _na,
    _people,
    _start,
)

__all__ = ["virksomhedsrettet_maaned"]


def virksomhedsrettet_maaned(a: Analysis) -> Html:
    """Monthly share in company-based activity or with ordinary hours, by target group."""
    anchor, title = "virksomhedsrettet", "Andel i virksomhedsrettet indsats måned for måned"
    if a.data.activities is None:
        return _na(anchor, title, "datakilden 'activities' findes ikke")
    thr = a.config.disclosure_threshold
    acts = a.data.activities
    company = acts[acts["type"].isin(measures.COMPANY_TYPES)]
    data_start = company["start_date"].min() if len(company) else pd.Timestamp(_start(a))
    out = [_h2(anchor, title)]
    out.append(
        "<p>Andelen af målgruppen, der i måneden er i en virksomhedsrettet indsats "
        "(virksomhedspraktik, løntilskud, småjob) eller har ordinære løntimer, fra "
        "baselinemåneden til projektets afslutning, med Wilsons 95 %-konfidensbånd. "
        "Ruderne er ansøgningens baseline, de prikkede linjer målene og den stiplede linje "
        "landsgennemsnittet (Jobindsats).</p>"
    )
    did_rows: list[dict[str, str]] = []
    for group in a.config.target_groups:
        crits = _criteria(a, "change_pp", group=group)
        people = _people(a)
        people = people[people["target_group"] == group]
        if len(people) < thr:
            out.append(f"<p>{_e(_group(group).capitalize())}: kan ikke afgøres (n &lt; {thr}).</p>")
            continue
        months_b = [pd.Timestamp(c["baseline"]["month"] + "-01") for c, _ in crits
                    if "month" in c.get("baseline", {})]  # fmt: skip
        first = min([pd.Timestamp(a.config.period.baseline_start or _start(a)), *months_b])
        first = max(first.replace(day=1), data_start.replace(day=1))
        months = pd.date_range(first, pd.Timestamp(a.cutoff), freq="MS")
        crit0 = crits[0][0] if crits else {}
        ind = measures.monthly_activity(
            people, acts, a.data.status, months,
            types=crit0.get("types", measures.COMPANY_TYPES),
            include_hours=crit0.get("include_hours", True),
            min_months=crit0.get("min_months"),
        )  # fmt: skip
        sh = _masked(sm.monthly_shares(ind, months), thr)
        nat = None
        if a.data.benchmarks is not None:
            bs = sm.benchmark_series(a.data.benchmarks, "andel_virksomhedsrettet", group=group)
            if sm.NATIONAL in bs.columns:
                nat = bs[sm.NATIONAL].reindex(months)
        targets, points = [], []
        for crit, _ in crits:
            b = crit["baseline"]
            base = int(b["x"]) / int(b["n"])
            goal = base + float(crit["target_pp"])
            targets.append((f"Mål {fmt_pp(crit['target_pp'])} ({fmt_percent(goal)})", goal))
            if "month" in b and not points:
                points.append((f"Baseline i ansøgningen ({fmt_percent(base)})",
                               pd.Timestamp(b["month"] + "-01"), base))  # fmt: skip
        gname = _group(group)
        last = sh.dropna(subset=["share"]).tail(1)
        alt = (
            f"Deltagere ({gname}, n = {fmt_number(len(people))}): andel i virksomhedsrettet "
            f"indsats eller med ordinære timer pr. måned fra {_month(months[0])} til "
            f"{_month(months[-1])}"
            + (f", sidst {fmt_percent(last['share'].iloc[0])}" if len(last) else "")
            + (f"; mål {', '.join(fmt_percent(t) for _, t in targets)}" if targets else "")
            + ("; landsgennemsnittet vist stiplet." if nat is not None else ".")
        )
        fig = sf.plot_monthly(
            {f"{gname.capitalize()} (n = {fmt_number(len(people))})": sh},
            references={"Landsgennemsnit": nat} if nat is not None else None,
            targets=targets, points=points, ylabel="Andel i virksomhedsrettet indsats",
        )  # fmt: skip
        out.append(f"<h3>{_e(gname.capitalize())}</h3>")
        if months_b and months_b[0] < months[0]:
            out.append(f"<p>Aktivitetsdata dækker fra {_month(months[0])}; ansøgningens "
                       f"baseline er fra {_month(months_b[0])}.</p>")  # fmt: skip
        out.append(figure_html(fig, alt, f"Andel i virksomhedsrettet indsats, {gname}."))
        rows = []
        for r in sh.itertuples(index=False):
            count, share, ci, _ = _count_share(int(r.x), int(r.n), r.lower, r.upper, thr)
            rows.append({"Måned": _month(r.month), "I indsats": count,
                         "n": fmt_count(int(r.n), thr), "Andel": share,
                         "95 %-konfidensinterval": ci,
                         "Landsgennemsnit": fmt_percent(nat.get(r.month)) if nat is not None
                         else "–"})  # fmt: skip
        out.append(_table(pd.DataFrame(rows), f"Andel i virksomhedsrettet indsats, {gname}",
                          numeric=("I indsats", "n")))  # fmt: skip
        if crits and a.data.benchmarks is not None:
            row = _did_row(a, crits[0][0], sh, group, thr)
            if row is not None:
                did_rows.append(row)
    if did_rows:
        out.append(
            "<h3>Udviklingen sammenlignet med landsudviklingen</h3><p>Forskel-i-forskelle: "
            "kommunens ændring i andelen fra ansøgningens baseline til seneste måned minus "
            "landsgennemsnittets ændring over de samme måneder (Jobindsats). Et positivt tal "
            "betyder, at kommunen er gået mere frem end landet. Landstallet regnes som kendt "
            "uden usikkerhed, og baseline og slutmåling som uafhængige stikprøver "
            "(Wald-interval).</p>"
        )
        out.append(_table(pd.DataFrame(did_rows), "Forskel-i-forskelle mod landsudviklingen"))
    return Html("".join(out))


def _did_row(
    a: Analysis, crit: dict, sh: pd.DataFrame, group: str, thr: int
) -> dict[str, str] | None:
    """Kommune vs national change in the share (aggregate difference in differences)."""
    bs = sm.benchmark_series(a.data.benchmarks, "andel_virksomhedsrettet", group=group)
    last = sh[sh["n"] > 0].tail(1)
    if sm.NATIONAL not in bs.columns or not len(last) or "month" not in crit["baseline"]:
        return None
    nat = bs[sm.NATIONAL].dropna()
    end_month = last["month"].iloc[0]
    base_month = pd.Timestamp(crit["baseline"]["month"] + "-01")
    pre = nat[nat.index >= base_month].head(1)
    post = nat[nat.index <= end_month].tail(1)
    if not len(pre) or not len(post) or pre.index[0] >= post.index[0]:
        return None
    x0, n0 = int(crit["baseline"]["x"]), int(crit["baseline"]["n"])
    x1, n1 = int(last["x"].iloc[0]), int(last["n"].iloc[0])
    row = {
        "Målgruppe": _group(group).capitalize(),
        "Kommunen": f"{fmt_percent(x0 / n0)} ({_month(base_month)})",
        "Landet": f"{fmt_percent(pre.iloc[0])} → {fmt_percent(post.iloc[0])} "
        f"({_month(pre.index[0])} – {_month(post.index[0])})",
    }
    if suppress_share(x1, n1, thr).suppressed:
        return {**row, "Forskel-i-forskelle": "skjult (små tal)", "95 %-konfidensinterval": "–"}
    est = did_aggregate(
        x0 / n0, n0, x1 / n1, n1, float(pre.iloc[0]), None, float(post.iloc[0]), None
    )
    row["Kommunen"] += f" → {fmt_percent(x1 / n1)} ({_month(end_month)})"
    return {
        **row,
        "Forskel-i-forskelle": fmt_pp(est.estimate),
        "95 %-konfidensinterval": fmt_ci(est.lower, est.upper, kind="pp"),
    }
