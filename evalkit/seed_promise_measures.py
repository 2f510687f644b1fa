"""Promise-register measures for the seed applications' own commitments.

Registered with :func:`evalkit.promises.register_measure` (``measure: <name>`` in a
project's ``promises:``) and imported by :mod:`evalkit.promise_measures`. Each computes
one promise from the data by the application's own words, cut at the report's date
(``ctx.cutoff``), and raises :class:`~evalkit.promises.NotMeasured` with a Danish reason
when the data cannot answer it. The definitions, with the seeds' words beside them, are
in ``docs/definitions.md``.

| name | seed | the promise |
|---|---|---|
| ``jobsamtaler_6_mdr`` | 003 | at least 6 job conversations in the first 6 months |
| ``vaerksted_2_uger`` | 003 | the cv- og jobværksted within the first 2 weeks |
| ``opfoelgning_rytme`` | 000, 001 | a follow-up every week / every 4 weeks in the courses |
| ``mentor_i_praktik`` | 000 | a mentor in every praktik |
| ``loennede_timer_stigning`` | 004 | the rise in the share in paid hours (bilag 2) |
| ``gruppe2_rehabilitering`` | 004 | group 2 into ressourceforløb, fleksjob, førtidspension |
| ``bestand_maaned`` | 001 | the gross target group: the month's stock at the start |
| ``registreringer`` | 001, 004 | a CV (in job functions), a beskæftigelsesmål, group 3 assessed |
| ``pladser_i_brug`` | 001 | the fixed places in use (virksomhedscentre, træningsbaner, ...) |
| ``virksomhedsrettet_mod_sammenligning`` | 003 | more begin a company-based offer or hours |
| ``joblog_mod_sammenligning`` | 003 | more job-seeking, more use of the Joblog |
"""

from __future__ import annotations

import math

import pandas as pd

from evalkit import measures, stock
from evalkit.baseline import wilson
from evalkit.clustered import clustered_proportion
from evalkit.followup import followup_coverage
from evalkit.promises import NotMeasured, Promise, PromiseContext, register_measure
from evalkit.results import Estimate

__all__ = [
    "company_offer_vs_comparison",
    "gross_target_group",
    "group2_rehabilitation",
    "joblog_vs_comparison",
    "jobsamtaler_6_months",
    "mentor_in_praktik",
    "paid_hours_rise",
    "places_in_use",
    "registrations",
    "rhythm_of_followup",
    "workshop_2_weeks",
]

_REHAB = ("ressourceforloeb", "fleksjob", "foertidspension")


def _people(ctx: PromiseContext, promise: Promise) -> pd.DataFrame:
    ev = ctx.evaluation
    p = ev.participants[ev.participants["arm"] == "indsats"]
    p = p[p["start_date"] <= pd.Timestamp(ctx.cutoff)]
    group = promise.args.get("group", promise.group)
    subgroup = promise.args.get("subgroup", promise.subgroup)
    if group:
        p = p[p["target_group"] == group]
    if subgroup:
        p = p[p["subgroup"] == subgroup]
    return p


def _activities(ctx: PromiseContext) -> pd.DataFrame:
    a = ctx.evaluation.activities
    if a is None or len(a) == 0:
        raise NotMeasured("datakilden 'activities' findes ikke i projektets data")
    return a


def _share(x: int, n: int, ctx: PromiseContext, what: str) -> Estimate:
    if n < ctx.evaluation.threshold:
        raise NotMeasured(f"for få {what} (n < {ctx.evaluation.threshold}) til en opgørelse")
    return wilson(int(x), int(n), alpha=ctx.evaluation.alpha)


@register_measure("jobsamtaler_6_mdr")
def jobsamtaler_6_months(ctx: PromiseContext, promise: Promise) -> Estimate:
    """Share of new participants with at least 6 job conversations in their first 6 months.

    Seed 003: "minimum 6 jobsamtaler indenfor de første 6 måneders ledighed, svarende til
    én jobsamtale pr. måned". A job conversation is an activity ``samtale`` with detail
    ``jobsamtale`` (``args``: ``detail``, ``min_count``, ``within_months``) starting on or
    after the start date and within 6 calendar months of it. Only participants whose 6
    months have passed by the cutoff are counted. Wilson interval.
    """
    acts = _activities(ctx)
    p = _people(ctx, promise)
    y = measures.activity_within(
        p, acts, ["samtale"], [promise.args.get("detail", "jobsamtale")],
        within_months=int(promise.args.get("within_months", 6)),
        min_count=int(promise.args.get("min_count", 6)), cutoff=ctx.cutoff,
    ).dropna()  # fmt: skip
    return _share(int(y.sum()), len(y), ctx, "deltagere fulgt 6 måneder")


@register_measure("vaerksted_2_uger")
def workshop_2_weeks(ctx: PromiseContext, promise: Promise) -> Estimate:
    """Share of new participants who began the cv- og jobværksted within 14 days.

    Seed 003: "Det er målet, at jobparate kontanthjælpsmodtagere tilknyttes cv- og
    jobværkstedet i løbet af de første 2 ugers ledighed". The workshop is an activity
    ``kursus`` with detail ``cv- og jobværksted`` (``args``: ``detail``, ``within_days``)
    starting 0-13 days after the start date; participants whose 14 days have not passed
    by the cutoff are not counted. Wilson interval.
    """
    acts = _activities(ctx)
    p = _people(ctx, promise)
    y = measures.activity_within(
        p, acts, ["kursus"], [promise.args.get("detail", "cv- og jobværksted")],
        within_days=int(promise.args.get("within_days", 14)), cutoff=ctx.cutoff,
    ).dropna()  # fmt: skip
    return _share(int(y.sum()), len(y), ctx, "deltagere")


@register_measure("opfoelgning_rytme")
def rhythm_of_followup(ctx: PromiseContext, promise: Promise) -> Estimate:
    """Share of the due follow-up periods in which a follow-up was held.

    ``args``: ``every_days`` (7: weekly, 28: every 4 weeks), ``courses`` (the course
    types; default the company-based ones), ``detail`` (the follow-up's detail). See
    :func:`evalkit.followup.followup_coverage`; the interval is the person-clustered
    Wilson interval of :func:`evalkit.clustered.clustered_proportion`.
    """
    acts = _activities(ctx)
    p = _people(ctx, promise)
    every = int(promise.args.get("every_days", 7))
    detail = promise.args.get("detail")
    cov = followup_coverage(
        acts, promise.args.get("courses", list(measures.COMPANY_TYPES)), every,
        followup_detail=[detail] if detail else None, persons=p["person_id"],
        cutoff=ctx.cutoff,
    )  # fmt: skip
    if len(cov) < ctx.evaluation.threshold:
        raise NotMeasured(f"for få personer i forløb (n < {ctx.evaluation.threshold})")
    if cov["covered"].sum() == 0:
        raise NotMeasured("der er ikke registreret opfølgninger i aktivitetsdata")
    est = clustered_proportion(cov["covered"], cov["periods"], alpha=ctx.evaluation.alpha)
    return est


@register_measure("mentor_i_praktik")
def mentor_in_praktik(ctx: PromiseContext, promise: Promise) -> Estimate:
    """Share of the participants' praktikker registered with a mentor (``detail``).

    Seed 000: "Ved alle praktikker, der bliver etableret i projektperioden sikres det, at
    borger får en fast mentor på virksomheden". A register count of praktikker begun by
    the cutoff: exact, no interval (``args``: ``detail``, default ``med mentor``).
    """
    acts = _activities(ctx)
    p = _people(ctx, promise)
    a = acts[(acts["type"] == "virksomhedspraktik") & acts["person_id"].isin(p["person_id"])]
    a = a[a["start_date"] <= pd.Timestamp(ctx.cutoff)]
    if len(a) < ctx.evaluation.threshold:
        raise NotMeasured(f"for få praktikker (n < {ctx.evaluation.threshold})")
    x = int((a["detail"] == promise.args.get("detail", "med mentor")).sum())
    return Estimate(x / len(a), math.nan, math.nan, n=len(a), method="registeropgørelse",
                    details={"x": x})  # fmt: skip


@register_measure("loennede_timer_stigning")
def paid_hours_rise(ctx: PromiseContext, promise: Promise) -> Estimate:
    """Change in the monthly share in paid work from the first to the last 3 months.

    Seed 004, bilag 2: "Gennem projektetperioden har der været en løbende stigning i
    andelen af borgere i lønnede timer". See :func:`evalkit.measures.paid_change`; the
    estimate is in procentpoint (5.0 = 5 procentpoint; ``unit: procentpoint``), with the
    person-clustered interval.
    """
    acts = _activities(ctx)
    p = _people(ctx, promise)
    if len(p) < ctx.evaluation.threshold:
        raise NotMeasured(f"for få personer (n < {ctx.evaluation.threshold})")
    start = pd.Timestamp(ctx.config.period.start).replace(day=1)
    months = pd.date_range(start, pd.Timestamp(ctx.cutoff), freq="MS")
    if len(months) < 2:
        raise NotMeasured("perioden er kortere end to måneder")
    _, est = measures.paid_change(p, acts, ctx.evaluation.status, months,
                                  k=int(promise.args.get("months", 3)),
                                  alpha=ctx.evaluation.alpha)  # fmt: skip
    return Estimate(100 * est.estimate, 100 * est.lower, 100 * est.upper, n=est.n,
                    method="ændring i procentpoint, klyngerobust (person)", alpha=est.alpha,
                    se=100 * est.se, details=est.details)  # fmt: skip


@register_measure("gruppe2_rehabilitering")
def group2_rehabilitation(ctx: PromiseContext, promise: Promise) -> Estimate:
    """Share of a group that got ressourceforløb, fleksjob or førtidspension in the period.

    Seed 004, group 2: "Borgeren blev vurderet i målgruppen for fleksjob, ressourceforløb
    eller førtidspension og sagen blev derfor forberedt til indstilling til
    Rehabiliteringsteamet". The weekly status shows the outcome, not the preparation:
    at least one week with one of the three benefits from the project start to the
    cutoff. Wilson interval.
    """
    p = _people(ctx, promise)
    y = measures.ever_in_status(p, ctx.evaluation.status, _REHAB, ctx.config.period.start,
                                ctx.cutoff)  # fmt: skip
    return _share(int(y.sum()), len(y), ctx, "personer")


@register_measure("bestand_maaned")
def gross_target_group(ctx: PromiseContext, promise: Promise) -> Estimate:
    """The month's stock of a target group (persons with its benefit in the month).

    Seed 001, 4.1: «Aktivitetsparate kontanthjælpsmodtagere ... juni 2016: 350 personer»,
    «hele bruttomålgruppen omfattes fra projektstart». The gross target group is the
    month's stock as Jobindsats counts it (:func:`evalkit.stock.monthly_stock`), in the
    month ``args.month`` (default the project's first month); a register count, exact.
    ``args``: ``group`` (required), ``month``, ``benefits``.
    """
    group = promise.args.get("group")
    if not group:
        raise NotMeasured("målet mangler en målgruppe (args: group)")
    month = pd.Timestamp(str(promise.args.get("month", ctx.config.period.start))[:7] + "-01")
    if month > pd.Timestamp(ctx.cutoff):
        raise NotMeasured("måneden ligger efter opgørelsesdatoen")
    ev = ctx.evaluation
    p = ev.participants[(ev.participants["arm"] == "indsats")
                        & (ev.participants["target_group"] == group)]  # fmt: skip
    benefits = promise.args.get("benefits") or stock.GROUP_BENEFITS.get(group)
    if not benefits:
        raise NotMeasured(f"målgruppen {group!r} har ingen kendt ydelse (args: benefits)")
    n = int(stock.monthly_stock(p, ev.status, pd.DatetimeIndex([month]), benefits).sum())
    return Estimate(float(n), math.nan, math.nan, n=n, method="registeropgørelse",
                    details={"month": month.strftime("%Y-%m")})  # fmt: skip


def _details(promise: Promise, key: str) -> list[str]:
    value = promise.args.get(key)
    if isinstance(value, str):
        value = [value]
    if not value or not all(isinstance(v, str) for v in value):
        raise NotMeasured(
            f"løftet mangler args.{key} (en liste af registreringer) i konfigurationen"
        )
    return list(value)


@register_measure("registreringer")
def registrations(ctx: PromiseContext, promise: Promise) -> Estimate:
    """Share of the participants with every listed registration by the cutoff.

    A registration is an activity ``registrering`` on the day it was made, its ``detail``
    saying what (``args.details``, all required). Seed 001: "Alle borgere skal have et CV,
    hvor kompetencerne opgøres i jobfunktioner" (``[cv i jobfunktioner]``); seed 004: "I
    2018 blev der indført krav om, at alle aktivitetsparate borgere skulle have et CV samt
    et beskæftigelsesmål" (``[cv, beskæftigelsesmål]``); 004, group 3: "vurderet hver
    enkelt borger i gruppe 3. Der er efterfølgende givet tilbagemelding til koordinerende
    sagsbehandler" (``[vurdering med handicap og psykiatri, tilbagemelding til
    koordinerende sagsbehandler]``, ``subgroup: gruppe 3``). The persons are all the
    project's participants (of ``group``/``subgroup``) started by the cutoff; a
    registration counts when dated on or before it, also from before the start (a CV
    made earlier). The promise is about every citizen of the project, so the share is a
    register count of the whole group: exact, no interval.
    """
    acts = _activities(ctx)
    wanted = _details(promise, "details")
    p = _people(ctx, promise)
    if len(p) < ctx.evaluation.threshold:
        raise NotMeasured(f"for få personer (n < {ctx.evaluation.threshold})")
    reg = acts[(acts["type"] == "registrering") & acts["detail"].isin(wanted)]
    reg = reg[
        (reg["start_date"] <= pd.Timestamp(ctx.cutoff)) & reg["person_id"].isin(p["person_id"])
    ]
    kinds = reg.drop_duplicates(["person_id", "detail"]).groupby("person_id")["detail"].size()
    x = int((kinds == len(set(wanted))).sum())
    return Estimate(x / len(p), math.nan, math.nan, n=len(p), method="registeropgørelse",
                    details={"x": x})  # fmt: skip


@register_measure("pladser_i_brug")
def places_in_use(ctx: PromiseContext, promise: Promise) -> Estimate:
    """Average number of participants per month in a praktik on the listed kinds of place.

    Seed 001, 2. spor: "Virksomhedscentre: 60 faste pladser Træningsbaner: 30 faste
    pladser Forhåndsaftaler: 30 pladser". The project's own figures count the places
    established; this counts their use: the persons with a ``virksomhedspraktik`` whose
    ``detail`` is one of ``args.details`` (``virksomhedscenter``, ``træningsbane``,
    ``forhåndsaftale``) overlapping the month, averaged over the last ``args.months``
    (default 3) whole months up to the cutoff ("ved udgangen", as the success criteria's
    end window). One person holds one place. A register count: exact, no interval; the
    months and their counts are in ``details``.
    """
    acts = _activities(ctx)
    kinds = _details(promise, "details")
    k = int(promise.args.get("months", 3))
    p = _people(ctx, promise)
    cutoff = pd.Timestamp(ctx.cutoff)
    last = (cutoff + pd.Timedelta(days=1)).replace(day=1) - pd.DateOffset(months=1)
    months = pd.date_range(last - pd.DateOffset(months=k - 1), last, freq="MS")
    start = pd.Timestamp(ctx.config.period.start).replace(day=1)
    months = months[months >= start]
    if len(months) == 0:
        raise NotMeasured("ingen hel måned i projektperioden før opgørelsesdatoen")
    a = acts[(acts["type"] == "virksomhedspraktik") & acts["detail"].isin(kinds)
             & acts["person_id"].isin(p["person_id"])]  # fmt: skip
    s = a["start_date"].to_numpy(dtype="datetime64[ns]")
    e = a["end_date"].fillna(pd.Timestamp.max).to_numpy(dtype="datetime64[ns]")
    m0 = months.to_numpy(dtype="datetime64[ns]")
    m1 = (months + pd.offsets.MonthEnd(0)).to_numpy(dtype="datetime64[ns]")
    overlap = (s[:, None] <= m1[None, :]) & (e[:, None] >= m0[None, :])
    ids = a["person_id"].to_numpy()
    counts = [int(pd.unique(ids[overlap[:, j]]).size) for j in range(len(months))]
    avg = float(sum(counts) / len(counts))
    return Estimate(avg, math.nan, math.nan, n=int(pd.unique(ids[overlap.any(axis=1)]).size),
                    method="registeropgørelse, gennemsnit pr. måned",
                    details={"months": [m.strftime("%Y-%m") for m in months],
                             "counts": counts})  # fmt: skip


_COMPANY_OFFERS = ("virksomhedspraktik", "loentilskud", "smaajob")


@register_measure("virksomhedsrettet_mod_sammenligning")
def company_offer_vs_comparison(ctx: PromiseContext, promise: Promise) -> Estimate:
    """More participants than comparable non-participants begin a company-based offer.

    Seed 003, kortsigtede succeskriterier: "Flere ledige kommer i gang med et
    virksomhedsrettet tilbud og ordinær løntimer". The outcome per person: a company-based
    activity (``args.types``, default virksomhedspraktik, løntilskud, småjob) begun, or
    ordinary hours (> 0) in a week not self-supporting, within ``args.weeks`` (default
    26) weeks of the start. "Flere" is read against the kommune's comparison pool (arm
    ``sammenligning``, the same period): participants' share minus the pool's share
    weighted to look like the participants on ``comparison.covariates`` (ATT weights,
    :func:`evalkit.compare.ipw_att`, M-estimation standard error, R-tested). Persons whose
    window has not ended by the cutoff are left out. In procentpoint (5.0 = 5
    procentpoint); ``details`` has both shares and their n.
    """
    from evalkit.compare import ipw_att

    acts = _activities(ctx)
    ev = ctx.evaluation
    covariates = list(ctx.config.comparison.get("covariates", []))
    if not covariates:
        raise NotMeasured("konfigurationen har ingen sammenligningsgruppe (comparison.covariates)")
    weeks = int(promise.args.get("weeks", 26))
    types = list(promise.args.get("types", _COMPANY_OFFERS))
    p = ev.participants
    end = p["start_date"] + pd.Timedelta(days=7 * weeks)
    p = p[end <= pd.Timestamp(ctx.cutoff)].dropna(subset=covariates)
    arms = p["arm"].value_counts()
    if arms.get("indsats", 0) < ev.threshold or arms.get("sammenligning", 0) < ev.threshold:
        raise NotMeasured(
            f"for få deltagere eller personer i sammenligningsgruppen, der er fulgt {weeks} uger"
        )
    start = p.set_index("person_id")["start_date"]
    a = acts[acts["type"].isin(types) & acts["person_id"].isin(start.index)]
    s0 = start.reindex(a["person_id"]).to_numpy()
    began = (a["start_date"].to_numpy() >= s0) & (
        a["start_date"].to_numpy() < s0 + pd.Timedelta(days=7 * weeks).to_timedelta64()
    )
    hit = set(a.loc[began, "person_id"])
    st = ev.status
    if st is not None and "hours" in st.columns:
        paid = st[(st["hours"] > 0) & (st["status"] != "selvforsoergende")
                  & st["person_id"].isin(start.index)]  # fmt: skip
        w0 = start.reindex(paid["person_id"]).to_numpy()
        wk = paid["week"].to_numpy()
        inside = (wk >= w0 - pd.Timedelta(days=6).to_timedelta64()) & (
            wk < w0 + pd.Timedelta(days=7 * weeks).to_timedelta64()
        )
        hit |= set(paid.loc[inside, "person_id"])
    data = p.assign(
        _t=(p["arm"] == "indsats").astype(int), _y=p["person_id"].isin(hit).astype(float)
    )
    est = ipw_att(data, "_t", "_y", covariates, alpha=ev.alpha)
    d = est.details
    return Estimate(100 * est.estimate, 100 * est.lower, 100 * est.upper, n=est.n,
                    method="deltagere mod vægtet sammenligningsgruppe (IPW, ATT), procentpoint",
                    alpha=est.alpha, se=100 * est.se,
                    details={"share_participants": d["mean_treated"],
                             "share_comparison_weighted": d["mean_control_weighted"],
                             "n_participants": d["n_treated"],
                             "n_comparison": d["n_control"], "weeks": weeks})  # fmt: skip


def _att(ctx: PromiseContext, frame: pd.DataFrame, outcome: str, what: str) -> Estimate:
    """ATT of ``outcome`` (participants minus the weighted pool) on ``frame``'s persons."""
    from evalkit.compare import ipw_att

    ev = ctx.evaluation
    covariates = list(ctx.config.comparison.get("covariates", []))
    if not covariates:
        raise NotMeasured("konfigurationen har ingen sammenligningsgruppe (comparison.covariates)")
    frame = frame.dropna(subset=[*covariates, outcome])
    arms = frame["arm"].value_counts()
    if arms.get("indsats", 0) < ev.threshold or arms.get("sammenligning", 0) < ev.threshold:
        raise NotMeasured(f"for få deltagere eller personer i sammenligningsgruppen {what}")
    data = frame.assign(_t=(frame["arm"] == "indsats").astype(int))
    return ipw_att(data, "_t", outcome, covariates, alpha=ev.alpha)


@register_measure("joblog_mod_sammenligning")
def joblog_vs_comparison(ctx: PromiseContext, promise: Promise) -> Estimate:
    """More job-seeking and more use of the Joblog than comparable non-participants.

    Seed 003, kortsigtede succeskriterier: "De ledige er mere jobsøgende og har et større
    brug af Joblog". New unemployed have no Joblog before their start, so «mere» is read
    against the kommune's comparison pool in the same period, as
    ``virksomhedsrettet_mod_sammenligning``: from the Joblog extract, per person the
    window of the first ``args.weeks`` (default 13) weeks from the start week
    (:func:`evalkit.joblog.joblog_windows`, at least 4 covered weeks), and ``args.outcome``:
    ``rate`` (jobs applied for per covered week, 0 for a non-user: "mere jobsøgende") or
    ``use`` (at least one application logged: "større brug af Joblog"). The estimate is
    participants minus the pool weighted to the participants (ATT, M-estimation SE):
    jobs per week, or procentpoint for ``use``.
    """
    from evalkit.joblog import joblog_windows

    ev = ctx.evaluation
    if ev.joblog is None:
        raise NotMeasured("projektets data har intet Joblog-udtræk (data.joblog)")
    outcome = promise.args.get("outcome", "rate")
    if outcome not in ("rate", "use"):
        raise NotMeasured(f"args.outcome skal være 'rate' eller 'use', men var {outcome!r}")
    weeks = int(promise.args.get("weeks", 13))
    p = ev.participants[ev.participants["start_date"] <= pd.Timestamp(ctx.cutoff)]
    w = joblog_windows(p, ev.joblog, weeks=weeks, cutoff=ctx.cutoff)
    col = "rate_during" if outcome == "rate" else "used_during"
    frame = p.assign(_y=w[col].to_numpy(dtype=float))
    est = _att(ctx, frame, "_y", f"med {weeks} ugers Joblog-data")
    scale = 100.0 if outcome == "use" else 1.0
    d = est.details
    return Estimate(scale * est.estimate, scale * est.lower, scale * est.upper, n=est.n,
                    method="deltagere mod vægtet sammenligningsgruppe (IPW, ATT)"
                    + (", procentpoint" if outcome == "use" else ", søgte job pr. uge"),
                    alpha=est.alpha, se=scale * est.se,
                    details={"participants": d["mean_treated"],
                             "comparison_weighted": d["mean_control_weighted"],
                             "n_participants": d["n_treated"], "n_comparison": d["n_control"],
                             "weeks": weeks})  # fmt: skip
