"""Seed 002, Hedensted, jobrettet samtale: survey, Joblog, self-booking, jobparate, rank."""

from __future__ import annotations

import math

import pandas as pd

from evalkit import joblog as jl
from evalkit import labels, stock
from evalkit import seeds_measures as sm
from evalkit.baseline import wilson
from evalkit.clustered import clustered_proportion
from evalkit.disclosure import UnprotectableTable, suppress
from evalkit.formatting import fmt_ci, fmt_count, fmt_date, fmt_number, fmt_percent
from evalkit.report import seed_figures as sf
from evalkit.report.analysis import Analysis
from evalkit.report.sections import Html, _e, _group, _h2, _table, figure_html, withheld_table
from evalkit.report.seeds._common import (
    _ci,
    _count_share,
    _criteria,
    _end,
    _masked,
    _month,
    _na,
    _no_source,
    _p,
    _pct,
    _people,
    _period,
    _share_cells,
    _start,
    _target_text,
)

N_JOBCENTRES = 94  # 98 kommuner share 94 jobcentres

__all__ = ["antal_jobparate", "ledighed_rang", "samtale_survey", "selvbooking_joblog", "soegte_job"]


def samtale_survey(a: Analysis) -> Html:
    """Survey: share finding the conversation involving, by group, and the answers."""
    anchor, title = "survey", "Borgernes vurdering af samtalen"
    s = a.data.survey
    crits = _criteria(a, "survey_share")
    cut = getattr(a, "cut", None)
    if cut is not None and "survey" in cut.not_used:
        return _na(anchor, title, cut.not_used["survey"])
    if s is None or len(s) == 0:
        return _na(anchor, title, _no_source("survey"))
    if not crits:
        return _na(anchor, title, "ingen survey-kriterier i konfigurationen")
    thr = a.config.disclosure_threshold
    rows, answers, sums, lows = [], {}, [], []
    for crit, res in crits:
        questions = crit["question"] if isinstance(crit["question"], list) else [crit["question"]]
        sub = s[s["question"].isin(questions)]
        if "group" in crit:
            sub = sub[sub["group"] == crit["group"]]
        label = _group(crit.get("group", "alle")).capitalize()
        low = crit.get("min_answer", 4)
        parts = res.details.get("parts", {})
        high = [f"Svar {v}" for v in range(low, 6)]
        for q in questions:
            part = sub[sub["question"] == q]
            key = f"{label}: {_QUESTIONS.get(q, q)}"
            answers[key] = part["answer"].value_counts().reindex(range(1, 6), fill_value=0)
            lows.append((key, low))
            if (
                len(questions) == 1
                and res.n
                and not _count_share(int(res.details.get("x", 0)), res.n, 0.0, 1.0, thr)[3]
            ):
                sums.append((key, high))  # the criterion's count is this row's Svar 4-5
            if len(questions) > 1 and q in parts:
                x, n = parts[q]["x"], parts[q]["n"]
                e = wilson(x, n) if n else None
                count, share, ci, why = _count_share(x, n, e.lower, e.upper, thr) if e else (
                    "–", "–", "–", "ingen")  # fmt: skip
                if not why:
                    sums.append((key, high))  # Svar 4-5 of this row is published
                rows.append({"Gruppe": label, "Spørgsmål": _QUESTIONS.get(q, q),
                             "Svar (n)": fmt_count(n, thr), f"Svar {low}-5": count,
                             "Andel": share, "95 %-konfidensinterval": ci, "Mål": "–"})  # fmt: skip
        x = int(res.details.get("x", 0)) if res.n else 0
        count, share, ci, _ = _count_share(x, res.n, res.lower, res.upper, thr)
        both = " og ".join(_QUESTIONS.get(q, q) for q in questions)
        rows.append({"Gruppe": label, "Spørgsmål": f"Kriteriet: {both}" if len(questions) > 1
                     else both, "Svar (n)": fmt_count(res.n, thr), f"Svar {low}-5": count,
                     "Andel": share, "95 %-konfidensinterval": ci,
                     "Mål": _target_text(crit)})  # fmt: skip
    dist = pd.DataFrame(answers).T
    dist.columns = [f"Svar {c}" for c in dist.columns]
    # one pass over both tables: the Svar 4-5 counts shown above are sums of this table
    # (and those hidden there must not follow from it); Svar (n) is each row's total
    protect = [(key, [f"Svar {v}" for v in range(crit_low, 6)]) for key, crit_low in lows]
    caption = "Fordeling af svarene (antal)"
    try:
        sup = suppress(
            dist, threshold=thr, margins=True, sums=sums, protect=protect, row_totals_shown=True
        )
    except UnprotectableTable:  # too few answers: no pattern of hidden cells protects them
        dist_html = withheld_table(caption)
    else:
        shown = sup.display().reset_index().rename(columns={"index": "Gruppe og spørgsmål"})
        dist_html = _table(shown, caption, numeric=shown.columns[1:])
    text = (
        "<p>Ansøgningens mål: «90 procent af kontanthjælpsmodtagere og forsikrede ledige "
        "vurderer at samtalen har været medinddragende og givet større viden om "
        "arbejdsmarkedet». Begge dele skal være opfyldt: en besvarelse tæller med i "
        "kriteriet, når der er svaret 4 eller 5 på en skala fra 1 (helt uenig) til 5 (helt "
        "enig) på begge spørgsmål (kun besvarelser med svar på begge). Hver del vises "
        "også for sig. Andele med Wilsons 95 %-konfidensinterval; svarene er anonyme, og n "
        "er antal besvarelser.</p>"
    )
    return Html(
        _h2(anchor, title) + text
        + _table(pd.DataFrame(rows), "Andel der finder samtalen medinddragende og har fået "
                 "større viden om arbejdsmarkedet", numeric=("Svar (n)",))
        + dist_html
    )  # fmt: skip


_QUESTIONS = {
    "samtale_medinddragende": "medinddragende",
    "samtale_viden": "større viden om arbejdsmarkedet",
}


def _joblog(a: Analysis) -> tuple[pd.DataFrame, int] | str:
    if a.data.joblog is None or len(a.data.joblog) == 0:
        return _no_source("joblog")
    crits = _criteria(a, "joblog_change")
    weeks = int(crits[0][0].get("weeks", 13)) if crits else 13
    min_w = int(crits[0][0].get("min_weeks", 4)) if crits else 4
    summary = jl.joblog_summary(
        _people(a), a.data.joblog, a.config.target_groups, weeks=weeks,
        cutoff=a.cutoff, min_weeks=min_w,
    )  # fmt: skip
    return summary, weeks


def soegte_job(a: Analysis) -> Html:
    """Jobs applied for per person and week, before vs during, from the Joblog."""
    anchor, title = "soegte-job", "Søgte job før og under forløbet (joblog)"
    got = _joblog(a)
    if isinstance(got, str):
        return _na(anchor, title, got)
    summary, weeks = got
    thr = a.config.disclosure_threshold
    targets = {c.get("group"): c.get("target") for c, _ in _criteria(a, "joblog_change")}
    rows = []
    for group, r in summary.iterrows():
        ok = r.n_paired >= thr and math.isfinite(r.change)
        rows.append({
            "Målgruppe": _group(group).capitalize(),
            "n (joblog før og under)": fmt_count(int(r.n_paired), thr),
            "Søgte job pr. uge før": fmt_number(r.mean_before, 1) if ok else "–",
            "Søgte job pr. uge under": fmt_number(r.mean_during, 1) if ok else "–",
            "Ændring": fmt_percent(r.change) if ok else "kan ikke afgøres",
            "95 %-konfidensinterval": fmt_ci(r.lower, r.upper) if ok else "–",
            "p-værdi": _p(r.p_value) if ok else "–",
            "Mål": f"mindst +{fmt_percent(targets[group])}" if targets.get(group) else "–",
        })  # fmt: skip
    text = (
        f"<p>Antal søgte job pr. uge i de {weeks} uger før og de første {weeks} uger af "
        "forløbet, fra kommunens joblog-udtræk. Søgte job kendes kun fra jobloggen, så "
        "opgørelsen omfatter de deltagere, der har brugt jobloggen i begge perioder. "
        "Ændringen er forholdet mellem gennemsnittene minus 1; da det er de samme personer "
        "før og under, bruger konfidensintervallet den parrede (per-person) variation: "
        "delta-metoden på log-forholdet med kovariansen mellem de to perioder (Cochran 1977, "
        "ratio-estimatoren). Perioderne afkortes ved udtrækkets start og slut og ved "
        "deltagerens afslutning.</p>"
    )
    return Html(_h2(anchor, title) + text
                + _table(pd.DataFrame(rows), "Søgte job pr. uge før og under forløbet",
                         numeric=("n (joblog før og under)",)))  # fmt: skip


def selvbooking_joblog(a: Analysis) -> Html:
    """Self-booking share and Joblog use, against the application's baseline and target."""
    anchor, title = "selvbooking-joblog", "Selvbooking og brug af jobloggen"
    thr = a.config.disclosure_threshold
    out = [_h2(anchor, title)]
    if a.data.activities is not None:
        out.append(_selfbooking(a, thr))
    got = _joblog(a)
    if isinstance(got, str):
        out.append(f"<p><strong>Brug af jobloggen: kan ikke afgøres</strong>: {_e(got)}.</p>")
        return Html("".join(out))
    summary, weeks = got
    uses = {c.get("group"): c for c, _ in _criteria(a, "share", measure="joblog_use")}
    rows = []
    for group, r in summary.iterrows():
        cells = {}
        for w, x, n in (("før", r.x_before, r.n_before), ("under", r.x_during, r.n_during)):
            e = wilson(int(x), int(n)) if n else None
            share, ci = _share_cells(int(x), int(n), e.lower, e.upper, thr) if e else ("–", "–")
            cells[w] = (share, ci, n)
        crit = uses.get(group, {})
        rows.append({
            "Målgruppe": _group(group).capitalize(),
            "Før: andel (n)": f"{cells['før'][0]} ({fmt_count(int(cells['før'][2]), thr)})",
            "Før: 95 %-KI": cells["før"][1],
            "Under: andel (n)": f"{cells['under'][0]} ({fmt_count(int(cells['under'][2]), thr)})",
            "Under: 95 %-KI": cells["under"][1],
            "Baseline (ansøgning)": fmt_percent(crit["baseline"])
            if isinstance(crit.get("baseline"), (int, float)) else "–",
            "Mål": _target_text(crit) if crit else "–",
        })  # fmt: skip
    out.append(
        f"<p>Brug af jobloggen: andelen af deltagerne, der har registreret mindst én "
        f"jobsøgning i jobloggen i de {weeks} uger før og de første {weeks} uger af "
        "forløbet (Wilsons 95 %-konfidensinterval), sammenholdt med ansøgningens baseline "
        "og mål. Målet vurderes på perioden under forløbet (se succeskriterierne).</p>"
    )
    out.append(_table(pd.DataFrame(rows), "Andel der bruger jobloggen før og under forløbet"))
    return Html("".join(out))


def _booked(acts: pd.DataFrame, people: pd.DataFrame, first: pd.Timestamp,
            last: pd.Timestamp) -> dict:  # fmt: skip
    """Conversations of ``people`` begun in [first, last]: the self-booked share (clustered)."""
    c = acts[(acts["type"] == "samtale") & acts["person_id"].isin(people["person_id"])
             & (acts["start_date"] >= first) & (acts["start_date"] <= last)]  # fmt: skip
    if len(c) == 0:
        return {"x": 0, "n": 0, "share": math.nan, "lower": math.nan, "upper": math.nan}
    per = c.assign(b=(c["detail"] == "selvbooket").astype(float)).groupby("person_id")["b"]
    e = clustered_proportion(per.sum().to_numpy(), per.size().to_numpy(dtype=float))
    return {"x": int(e.details["x"]), "n": e.n, "share": e.estimate, "lower": e.lower,
            "upper": e.upper}  # fmt: skip


def _selfbooking(a: Analysis, thr: int) -> str:
    """Self-booking: the share of the conversations that were self-booked, by target group."""
    crits = [(c, r) for c, r in _criteria(a, "event_share") if "selvbooket" in c["detail"]]
    acts = a.data.activities
    people = _people(a)
    window = None
    if crits and crits[0][0].get("window"):
        w = crits[0][0]["window"]
        window = stock.end_window(str(w["first"]), str(w["last"]), cutoff=a.cutoff)
    rows = []
    months = pd.date_range(pd.Timestamp(_start(a)).replace(day=1), pd.Timestamp(a.cutoff),
                           freq="MS")  # fmt: skip
    series = {}
    for group in a.config.target_groups:
        p = people[people["target_group"] == group]
        crit = next((c for c, _ in crits if c.get("group") == group), {})
        if window is not None:
            d = _booked(acts, p, window[0], window[-1] + pd.offsets.MonthEnd(0))
            share, ci = _share_cells(d["x"], d["n"], d["lower"], d["upper"], thr) if d["n"] else (
                "–", "–")  # fmt: skip
            rows.append({"Målgruppe": _group(group).capitalize(),
                         "Samtaler": fmt_count(d["n"], thr), "Andel selvbooket": share,
                         "95 %-konfidensinterval": ci,
                         "Baseline (ansøgning)": fmt_percent(crit["baseline"]) if isinstance(
                             crit.get("baseline"), (int, float)) else "–",
                         "Mål": _target_text(crit) if crit else "intet mål"})  # fmt: skip
        m = pd.DataFrame([_booked(acts, p, mm, mm + pd.offsets.MonthEnd(0)) for mm in months])
        m.insert(0, "month", months)
        if m["n"].sum() > 0:
            series[f"{_group(group).capitalize()}"] = _masked(m, thr)
    targets = [(f"Mål ({fmt_percent(c['target'])})", float(c["target"]))
               for c, _ in crits if c.get("target") is not None]  # fmt: skip
    win = (f"de sidste måneder, {_month(window[0])} til {_month(window[-1])}"
           if window is not None else "perioden")  # fmt: skip
    out = [
        "<p>Selvbooking måles som ansøgningen gør det («Andelen af jobparate "
        "kontanthjælpsmodtagere som selvbooker», baseline 0 pct.): andelen af samtalerne, "
        f"der er selvbooket, for hver målgruppe, i {win} (tabellen) og måned for måned "
        "(figuren). En borger har flere samtaler, så konfidensintervallet er Wilsons på det "
        "effektive antal samtaler (klyngerobust på personniveau).</p>"
    ]
    if rows:
        out.append(_table(pd.DataFrame(rows), "Andel selvbookede samtaler efter målgruppe",
                          numeric=("Samtaler",)))  # fmt: skip
    if series:
        alt = _end(
            "Deltagere: andel af samtalerne, der er selvbooket, pr. måned og målgruppe fra "
            f"{_month(months[0])} til {_month(months[-1])}"
            + (f", mål {_pct(targets[0][1])}" if targets else "")
        )
        fig = sf.plot_monthly(series, targets=targets, ylabel="Andel selvbooket")
        out.append(figure_html(fig, alt, "Andel selvbookede samtaler pr. måned (95 %-bånd)."))
    return "".join(out)


def antal_jobparate(a: Analysis) -> Html:
    """Number of jobparate in the kommune at start vs end, against the -15 % target."""
    anchor, title = "antal-jobparate", "Antal jobparate kontanthjælpsmodtagere"
    crits = _criteria(a, "count_change")
    crits = [c for c in crits if str(c[0].get("measure", "")).startswith("antal")] or crits
    if not crits or a.data.benchmarks is None:
        return _na(anchor, title, "intet kriterium eller ingen landstal (Jobindsats) for antallet")
    crit, res = crits[0]
    area = crit.get("area", a.config.kommune)
    series = sm.benchmark_series(a.data.benchmarks, crit["measure"], areas=[area])[area].dropna()
    series = series[series.index <= pd.Timestamp(a.cutoff)]
    if res.verdict == "kan ikke afgøres" or len(series) == 0:
        return _na(anchor, title, res.reason or "ingen tal i perioden")
    p_from, p_to = res.details.get("period_from"), res.details.get("period_to")
    start_val = float(series[series.index >= pd.Timestamp(_start(a)).replace(day=1)].iloc[0])
    goal = start_val * (1 + float(crit["target"])) if crit.get("target") is not None else None
    fig = sf.plot_counts(
        series.index, series.to_numpy(), kind="line", label=f"{area} (Jobindsats)",
        targets=[(f"Mål: {fmt_percent(crit['target'])} = {fmt_number(goal)}", goal)]
        if goal else (), ylabel="Antal jobparate",
    )  # fmt: skip
    alt = (
        f"Deltagere og øvrige jobparate i {area}: antal jobparate kontanthjælpsmodtagere pr. "
        f"måned fra {_month(series.index[0])} til {_month(series.index[-1])}, fra "
        f"{fmt_number(series.iloc[0])} til {fmt_number(series.iloc[-1])}"
        + (f"; målet er {fmt_number(goal)}." if goal else ".")
    )
    text = (
        "<p>"
        + _end(
            f"Antallet af jobparate kontanthjælpsmodtagere i {_e(area)} (Jobindsats) er "
            f"ændret med {_pct(res.estimate)} (95 %-konfidensinterval "
            f"{_ci(res.lower, res.upper)}, eksakt betinget Poisson) fra {_e(_period(p_from))} til "
            f"{_e(_period(p_to))}; målet er {_pct(crit['target'])}"
        )
        + "</p>"
    )
    return Html(_h2(anchor, title) + text
                + figure_html(fig, alt, "Antal jobparate pr. måned med målet (prikket).")
                )  # fmt: skip


def ledighed_rang(a: Analysis) -> Html:
    """The jobcentre's unemployment rate and its rank among all jobcentres."""
    anchor, title = "ledighed-rang", "Ledighed sammenlignet med andre jobcentre"
    crits = _criteria(a, "rank")
    if not crits or a.data.benchmarks is None:
        return _na(anchor, title, "intet rang-kriterium eller ingen landstal (Jobindsats)")
    crit, _ = crits[0]
    top = int(crit.get("target", 3))
    try:
        r = sm.rank_of(a.data.benchmarks, crit["measure"], a.config.kommune, top=top)
    except ValueError:
        cut = getattr(a, "cut", None)
        return _na(anchor, title, f"landstallene har ingen {labels.label('measure', crit['measure'])} "
                   f"for {a.config.kommune}" + (f" for en måned afsluttet senest "
                   f"{fmt_date(cut.as_of)}" if cut is not None else ""))  # fmt: skip
    b = a.data.benchmarks
    b = b[
        (b["measure"] == crit["measure"]) & (b["period"] == r.period) & (b["area"] != "Hele landet")
    ]
    ranks = b["value"].rank(method="min", ascending=True)
    low = b.assign(rank=ranks).sort_values(["rank", "area"], kind="stable").head(max(top, 5))
    rows = [{"Rang": str(int(k)), "Jobcenter": ar, "Ledighed": fmt_percent(v)}
            for k, ar, v in zip(low["rank"], low["area"], low["value"], strict=True)]  # fmt: skip
    count_note = (
        "" if r.n_areas == N_JOBCENTRES else
        f" Bemærk: tabellen har {r.n_areas} områder, men Danmark har {N_JOBCENTRES} "
        "jobcentre (98 kommuner, hvoraf nogle deler jobcenter); tjek, at det er jobcentre "
        "og ikke kommuner, der sammenlignes."
    )  # fmt: skip
    text = (
        f"<p>Ansøgningens mål er, at «Jobcenter {_e(a.config.kommune)} er blandt de tre "
        "Jobcentre i landet, som har den laveste ledighedsprocent», altså en rang blandt "
        f"landets {N_JOBCENTRES} jobcentre. {_e(a.config.kommune)} har i "
        f"{_e(_period(r.period))} en ledighed på {_pct(r.value)} og ligger nr. "
        f"{r.rank} af {r.n_areas} jobcentre (nr. 1 = lavest ledighed); den {top}. laveste "
        f"ledighed er {_pct(r.cut)} Det er en registeropgørelse af alle jobcentre, "
        f"så der er ingen stikprøveusikkerhed og intet konfidensinterval.{count_note}</p>"
    )
    return Html(_h2(anchor, title) + text
                + _table(pd.DataFrame(rows), "Jobcentrene med den laveste ledighed"))  # fmt: skip
