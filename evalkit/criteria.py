"""Success criteria (succeskriterier) and the scorecard.

Each criterion in a project's config has an ``id``, a Danish ``label``, a ``kind`` and
kind-specific keys (see ``docs/config.md``). :func:`evaluate_criteria` computes every
criterion from data and returns one :class:`CriterionResult` each: estimate, confidence
interval, n, target and the verdict by the one rule of :mod:`evalkit.verdicts`
(``opfyldt`` / ``ikke opfyldt`` / ``usikkert`` / ``kan ikke afgøres`` / ``intet mål``):
the interval decides, except for register counts, ranks, censuses (``census: true``) and
boundary targets, which are compared exactly. A status report (``as_of`` before the
period's end) also judges progress against the criterion's path
(:mod:`evalkit.progress`): ``på sporet`` / ``ikke på sporet`` / ``usikkert``. Nothing is
shown that was not computed from data: a criterion whose source is missing is "kan ikke
afgøres" with the reason.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from evalkit import baseline, joblog, labels, measures, stock
from evalkit import verdicts as vd
from evalkit.clustered import clustered_proportion
from evalkit.config import ProjectConfig
from evalkit.counts import count_ratio
from evalkit.disclosure import suppress_share
from evalkit.formatting import fmt_date
from evalkit.progress import check_path, target_path
from evalkit.results import Estimate

__all__ = [
    "KINDS",
    "VERDICTS",
    "CriterionResult",
    "EvaluationContext",
    "check_criteria",
    "evaluate_criteria",
]

VERDICTS = vd.VERDICTS
_Judge = Callable[[float], vd.Verdict]


@dataclass(frozen=True)
class CriterionResult:
    """The evaluated criterion. ``unit`` is share, pp, count, ratio, rank or change.

    ``verdict`` is one of :data:`VERDICTS`; ``verdict_text`` is how the report prints it
    (e.g. "usikkert – peger mod opfyldt"), ``basis`` what it rests on ("interval",
    "census", "register", "boundary", "none") and ``remark`` a Danish remark true of this
    row. ``lower``/``upper`` are NaN where there is no sampling interval (register
    counts, ranks, censuses). In a status report ``path_value`` is the path's value at
    the as-of date and ``progress`` the status verdict against it ("på sporet", "ikke på
    sporet", "usikkert", "kan ikke afgøres", "intet mål"), with ``progress_text`` and
    ``progress_remark``. When the path is of another quantity than the estimate (a
    ``monthly_average`` with milestones: the milestones are monthly shares, seed 004's
    "40 % nået september 2018 og holdt"), the status compares that quantity instead:
    ``progress_estimate`` with ``progress_lower``/``progress_upper``/``progress_n`` and
    ``progress_what`` (Danish, e.g. "andelen i september 2018").
    """

    id: str
    label: str
    kind: str
    verdict: str
    estimate: float = math.nan
    lower: float = math.nan
    upper: float = math.nan
    n: int = 0
    target: float | None = None
    direction: str = "min"
    unit: str = "share"
    ci_side: str | None = None
    reason: str = ""
    method: str = ""
    suppressed: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    basis: str = "interval"
    verdict_text: str = ""
    remark: str = ""
    leaning: str | None = None
    n_needed: int | None = None
    census: bool = False
    path_value: float | None = None
    path_origin: str = ""
    progress: str | None = None
    progress_text: str = ""
    progress_remark: str = ""
    progress_estimate: float | None = None
    progress_lower: float | None = None
    progress_upper: float | None = None
    progress_n: int | None = None
    progress_what: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; NaN becomes None and suppressed estimates are removed."""
        d = asdict(self)
        for key in (
            "estimate", "lower", "upper", "progress_estimate", "progress_lower", "progress_upper"
        ):  # fmt: skip
            v = d[key]
            if self.suppressed or (isinstance(v, float) and not math.isfinite(v)):
                d[key] = None
        if self.suppressed:
            d["details"] = {}
        return d


@dataclass(frozen=True)
class EvaluationContext:
    """What the criteria are computed from."""

    config: ProjectConfig
    participants: pd.DataFrame
    status: pd.DataFrame
    spells: pd.DataFrame
    activities: pd.DataFrame | None = None
    benchmarks: pd.DataFrame | None = None
    survey: pd.DataFrame | None = None
    as_of: dt.date | None = None
    alpha: float = 0.05
    joblog: pd.DataFrame | None = None
    # Sources a status report cannot use (no dates), with the reason in Danish
    # (evalkit.asof.cut_as_of); a criterion on such a source cannot be decided.
    not_used: dict[str, str] = field(default_factory=dict)

    @property
    def period_end(self) -> dt.date:
        end = self.config.period.end
        return min(end, self.as_of) if self.as_of else end

    @property
    def threshold(self) -> int:
        return self.config.disclosure_threshold


class _Undecidable(Exception):
    """Raised inside an evaluator when the data cannot answer the criterion."""


def _need(table: pd.DataFrame | None, name: str) -> pd.DataFrame:
    if table is None or len(table) == 0:
        raise _Undecidable(
            f"datakilden «{labels.label('table', name)}» findes ikke i projektets data"
        )
    return table


def _participants(ctx: EvaluationContext, crit: dict[str, Any]) -> pd.DataFrame:
    p = ctx.participants[ctx.participants["arm"] == "indsats"]
    p = p[p["start_date"] <= pd.Timestamp(ctx.period_end)]
    if "group" in crit:
        p = p[p["target_group"] == crit["group"]]
    if "subgroup" in crit:
        p = p[p.get("subgroup") == crit["subgroup"]]
    return p


def _ci_side(est: Estimate, target: float | None) -> str | None:
    if target is None or not (math.isfinite(est.lower) and math.isfinite(est.upper)):
        return None
    if est.lower > target:
        return "over"
    if est.upper < target:
        return "under"
    return "omkring"


_EXACT_METHODS = {
    "census": "totaltælling (hele målgruppen)",
    "register": "registeropgørelse (eksakt)",
}


def _result(
    crit: dict[str, Any],
    est: Estimate,
    unit: str,
    ctx: EvaluationContext,
    judge: _Judge,
    target: float | None = None,
    suppressed: bool = False,
    progress_on: tuple[Estimate, _Judge, str, dt.date] | None = None,
    **details: Any,
) -> CriterionResult:
    """The result of one criterion; ``judge(t)`` gives the verdict against a target ``t``.

    ``progress_on`` = (estimate, judge, what, date): in a status report, judge progress on
    this estimate against the path's value at ``date`` instead (the quantity the path is
    of, e.g. the share in the last whole month up to the as-of date, at that month's end).
    """
    if target is None:
        target = crit.get("target")
    direction = crit.get("direction", "min")
    v = judge(float(target)) if target is not None else vd.no_target()
    thr = ctx.threshold
    lower, upper, method = est.lower, est.upper, est.method
    if v.basis in _EXACT_METHODS or (v.basis == "boundary" and crit.get("census")):
        # no sampling interval is shown beside an exact comparison
        lower, upper = math.nan, math.nan
        method = _EXACT_METHODS.get(v.basis, _EXACT_METHODS["census"])
    ci_side = _ci_side(Estimate(est.estimate, lower, upper, est.n, method), target)
    remark = v.remark(est.n, "målet", thr)
    progress: dict[str, Any] = {}
    if ctx.as_of is not None and ctx.as_of < ctx.config.period.end:
        path = target_path(crit, ctx.config.period.start, ctx.config.period.end, target)
        if path is None:
            pv = vd.no_target()
            progress = {"progress": "intet mål", "progress_text": "intet mål"}
        else:
            p_est, p_judge, when = est, judge, ctx.as_of
            if progress_on is not None:
                p_est, p_judge, what, when = progress_on
                progress = {
                    "progress_estimate": p_est.estimate,
                    "progress_lower": p_est.lower,
                    "progress_upper": p_est.upper,
                    "progress_n": p_est.n,
                    "progress_what": what,
                }
            value = path.value_at(when)
            pv = p_judge(value)
            progress |= {
                "path_value": value,
                "path_origin": path.origin,
                "progress": vd.PROGRESS_WORDS[pv.verdict],
                "progress_text": pv.text(progress=True),
                "progress_remark": pv.remark(p_est.n, "delmålet", thr),
            }
    return CriterionResult(
        id=crit["id"],
        label=crit["label"],
        kind=crit["kind"],
        verdict=v.verdict,
        estimate=est.estimate,
        lower=lower,
        upper=upper,
        n=est.n,
        target=target,
        direction=direction,
        unit=unit,
        ci_side=None if suppressed else ci_side,
        reason=remark if suppressed else (v.reason if v.verdict == "kan ikke afgøres" else ""),
        method=method,
        suppressed=suppressed,
        details={**est.details, **details},
        basis=v.basis,
        verdict_text=v.text(),
        remark=remark,
        leaning=v.leaning,
        n_needed=v.n_needed,
        census=bool(crit.get("census", False)),
        **progress,
    )


def _small(x: int, n: int, threshold: int) -> bool:
    """True when the share x/n would reveal a small group (see evalkit.disclosure)."""
    return suppress_share(int(x), int(n), threshold).suppressed


def _share_result(
    crit: dict[str, Any], x: int, n: int, ctx: EvaluationContext, **details: Any
) -> CriterionResult:
    if n < ctx.threshold:
        raise _Undecidable(f"for få personer (n < {ctx.threshold}) til en opgørelse")
    est = baseline.wilson(int(x), int(n), alpha=ctx.alpha)
    direction = crit.get("direction", "min")

    def judge(t: float) -> vd.Verdict:
        return vd.judge_share(
            int(x), int(n), t, direction, census=bool(crit.get("census", False)),
            alpha=ctx.alpha, threshold=ctx.threshold,
        )  # fmt: skip

    return _result(
        crit,
        est,
        "share",
        ctx,
        judge,
        suppressed=_small(int(x), int(n), ctx.threshold),
        x=int(x),
        **details,
    )


def _interval_judge(
    crit: dict[str, Any], est: Estimate, n_needed: Callable[[float], int | None] | None = None
) -> _Judge:
    """The verdict from ``est``'s interval, or exactly for a census."""
    direction = crit.get("direction", "min")

    def judge(t: float) -> vd.Verdict:
        if crit.get("census"):
            return vd.judge_exact(est.estimate, t, direction, basis="census")
        need = n_needed(t) if n_needed is not None else None
        return vd.judge_interval(est.estimate, est.lower, est.upper, t, direction, need)

    return judge


# --------------------------------------------------------------------------- per-person outcomes
def _outcome(ctx: EvaluationContext, crit: dict[str, Any], people: pd.DataFrame) -> pd.Series:
    """0/1/NaN outcome per person for ``measure``."""
    measure = crit.get("measure", "")
    spells = ctx.spells.set_index("person_id").reindex(people["person_id"])
    end = pd.Timestamp(ctx.period_end)
    if measure == "self_support":
        hit = (spells["event"] == 1) & (spells["exit_date"] <= end)
        return pd.Series(hit.to_numpy(float), index=people.index)
    if measure in ("still_self_13", "still_self_26"):
        lag = measure[-2:]
        col = spells[f"status_{lag}"]
        ok = (spells["event"] == 1).to_numpy() & col.notna().to_numpy()
        val = np.where(ok, (col == "selvforsoergende").to_numpy(float), np.nan)
        return pd.Series(val, index=people.index)
    if measure == "employed_26":  # reading: status in week 26 (at_week) or reached by it
        col = "employed_by_26" if crit.get("reading", "at_week") == "by_week" else "employed_26"
        return pd.Series(spells[col].to_numpy(float), index=people.index)
    if measure in ("joblog_use", "joblog_use_before"):
        windows = _joblog_windows(ctx, crit, people)
        col = "used_before" if measure.endswith("_before") else "used_during"
        return windows[col]
    if measure.startswith("activity_within:"):
        parts = measure.split(":")
        acts = _need(ctx.activities, "activities")
        return measures.activity_within(
            people, acts, parts[1].split(","), parts[2].split(",") if len(parts) > 2 else None,
            within_days=crit.get("within_days"), within_months=crit.get("within_months"),
            min_count=int(crit.get("min_count", 1)), cutoff=ctx.period_end,
        )  # fmt: skip
    if measure.startswith("activity:"):
        parts = measure.split(":")
        acts = _need(ctx.activities, "activities")
        detail = parts[2].split(",") if len(parts) > 2 else None
        return measures.any_activity(
            people, acts, parts[1].split(","), ctx.config.period.start, ctx.period_end, detail
        )
    raise _Undecidable(f"ukendt mål '{measure}'")


def _joblog_windows(
    ctx: EvaluationContext, crit: dict[str, Any], people: pd.DataFrame
) -> pd.DataFrame:
    log = _need(ctx.joblog, "joblog")
    return joblog.joblog_windows(
        people,
        log,
        weeks=int(crit.get("weeks", 13)),
        cutoff=ctx.period_end,
        min_weeks=int(crit.get("min_weeks", 4)),
    )


def _eval_joblog_change(ctx: EvaluationContext, crit: dict[str, Any]) -> CriterionResult:
    """Jobs applied for per week, during vs before, among persons using the Joblog in both."""
    people = _participants(ctx, crit)
    w = _joblog_windows(ctx, crit, people)
    both = w[(w["used_before"] == 1) & (w["used_during"] == 1)]
    if len(both) < max(ctx.threshold, 2):
        raise _Undecidable(
            f"for få personer (n < {max(ctx.threshold, 2)}) med joblog både før og under"
        )
    est = joblog.paired_ratio_of_means(
        both["rate_during"].to_numpy(), both["rate_before"].to_numpy(), alpha=ctx.alpha
    )

    def need(t: float) -> int | None:  # the interval is Wald on log(1 + change)
        if t <= -1 or est.estimate <= -1:
            return None
        se = float(est.details.get("se_log", math.nan))
        return vd.n_to_settle_wald(
            math.log1p(est.estimate), math.log1p(t), se, est.n, alpha=ctx.alpha
        )

    return _result(
        crit,
        est,
        "change",
        ctx,
        _interval_judge(crit, est, need),
        mean_before=est.details["mean0"],
        mean_during=est.details["mean1"],
        weeks=int(crit.get("weeks", 13)),
    )


def _eval_share(ctx: EvaluationContext, crit: dict[str, Any]) -> CriterionResult:
    people = _participants(ctx, crit)
    if "among" in crit:  # restrict the denominator, e.g. to those in company-based activity
        within = _outcome(ctx, {"measure": crit["among"]}, people)
        people = people[(within == 1).to_numpy()]
    y = _outcome(ctx, crit, people).dropna()
    return _share_result(crit, int(y.sum()), len(y), ctx)


def _eval_count(ctx: EvaluationContext, crit: dict[str, Any]) -> CriterionResult:
    acts = _need(ctx.activities, "activities")
    counts = measures.activity_counts(
        acts, [crit["activity"]], ctx.config.period.start, ctx.period_end, crit.get("detail")
    )
    x = int(counts.iloc[0])
    # A count of what was registered is not a sample: no interval, compared exactly.
    est = Estimate(float(x), math.nan, math.nan, n=x, method="registeropgørelse (eksakt)")
    direction = crit.get("direction", "min")
    return _result(crit, est, "count", ctx, lambda t: vd.judge_count(x, t, direction))


def _months(ctx: EvaluationContext, first: dt.date, last: dt.date) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(first).replace(day=1), pd.Timestamp(last), freq="MS")


def _monthly(ctx: EvaluationContext, crit: dict[str, Any], months: pd.DatetimeIndex) -> np.ndarray:
    people = _participants(ctx, crit)
    acts = _need(ctx.activities, "activities")
    return measures.monthly_activity(
        people,
        acts,
        ctx.status,
        months,
        types=crit.get("types", measures.COMPANY_TYPES),
        include_hours=crit.get("include_hours", True),
        min_months=crit.get("min_months"),
        longer_than_months=crit.get("longer_than_months"),
    )


def _eval_change_pp(ctx: EvaluationContext, crit: dict[str, Any]) -> CriterionResult:
    end_month = pd.Timestamp(ctx.period_end).replace(day=1)
    if "baseline" not in crit:
        raise _Undecidable("kriteriet mangler en baseline i konfigurationen")
    b = crit["baseline"]
    months = _months(ctx, end_month, end_month)
    ind = _monthly(ctx, crit, months)
    x1, n1 = int(ind[:, -1].sum()), ind.shape[0]
    if n1 < ctx.threshold:
        raise _Undecidable(f"for få personer (n < {ctx.threshold}) til en opgørelse")
    x0, n0 = int(b["x"]), int(b["n"])
    est = baseline.share_difference(x1, n1, x0, n0, alpha=ctx.alpha)
    direction = crit.get("direction", "min")

    def judge(t: float) -> vd.Verdict:
        return vd.judge_difference(
            x1, n1, x0, n0, t, direction, census=bool(crit.get("census", False)),
            alpha=ctx.alpha, threshold=ctx.threshold,
        )  # fmt: skip

    return _result(
        crit,
        est,
        "pp",
        ctx,
        judge,
        target=crit.get("target_pp"),
        suppressed=_small(x1, n1, ctx.threshold),
        x=x1,
        month=end_month.strftime("%Y-%m"),
        baseline_share=int(b["x"]) / int(b["n"]),
    )


def _eval_monthly_average(ctx: EvaluationContext, crit: dict[str, Any]) -> CriterionResult:
    months = _months(ctx, ctx.config.period.start, ctx.period_end)
    ind = _monthly(ctx, crit, months)
    n = ind.shape[0]
    if n < ctx.threshold:
        raise _Undecidable(f"for få personer (n < {ctx.threshold}) til en opgørelse")
    # The average monthly share equals the mean over persons of each person's share of
    # months; its CI uses the person-level variance (months of one person correlate).
    per_person = ind.mean(axis=1)
    mean = float(per_person.mean())
    se = float(per_person.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    q = stats.t.ppf(1 - ctx.alpha / 2, n - 1)
    est = Estimate(
        mean, mean - q * se, mean + q * se, n=n, method="person-mean-t", alpha=ctx.alpha, se=se
    )
    series = ind.mean(axis=0)

    def need(t: float) -> int | None:
        return vd.n_to_settle_wald(mean, t, se, n, alpha=ctx.alpha)

    return _result(
        crit,
        est,
        "share",
        ctx,
        _interval_judge(crit, est, need),
        progress_on=_month_share_progress(ctx, crit, ind, months),
        months=[m.strftime("%Y-%m") for m in months],
        monthly=[round(float(s), 6) for s in series],
    )


_MONTH_NAMES = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
                "september", "oktober", "november", "december")  # fmt: skip


def _month_share_progress(
    ctx: EvaluationContext, crit: dict[str, Any], ind: np.ndarray, months: pd.DatetimeIndex
) -> tuple[Estimate, _Judge, str, dt.date] | None:
    """The as-of month's share, for a status report on a ``monthly_average`` with a path.

    A path that is not flat (milestones, or a start value in the YAML) describes the
    month's share over time, not the running average: seed 004's "Herning Kommune opnåede
    i september 2018, at 40 % af indsatsgruppen var i virksomhedsrettet forløb ... Frem
    til projektets afslutning ... over 40 %" is the share in the month. So the status
    compares the share in the last whole month up to the as-of date (Wilson interval,
    the same persons as the average) with the path's value at that month's end. None in a
    final report, for a flat path, or when no whole month has passed.
    """
    if ctx.as_of is None or ctx.as_of >= ctx.config.period.end:
        return None
    spec = crit.get("path", "linear")
    if not isinstance(spec, dict) or not (spec.get("milestones") or "start" in spec):
        return None
    month_end = (months + pd.offsets.MonthEnd(0)).date
    whole = np.flatnonzero(month_end <= ctx.as_of)
    if len(whole) == 0:
        return None
    j = int(whole[-1])
    x, n = int(ind[:, j].sum()), int(ind.shape[0])
    est = baseline.wilson(x, n, alpha=ctx.alpha)
    direction = crit.get("direction", "min")
    m = months[j]

    def judge(t: float) -> vd.Verdict:
        return vd.judge_share(
            x, n, t, direction, census=bool(crit.get("census", False)),
            alpha=ctx.alpha, threshold=ctx.threshold,
        )  # fmt: skip

    return est, judge, f"andelen i {_MONTH_NAMES[m.month - 1]} {m.year}", month_end[j]


def _bench(ctx: EvaluationContext, crit: dict[str, Any]) -> pd.DataFrame:
    b = _need(ctx.benchmarks, "benchmarks")
    b = b[b["measure"] == crit["measure"]]
    if "area" in crit:
        b = b[b["area"] == crit["area"]]
    if len(b) == 0:
        when = f" for perioder afsluttet senest {fmt_date(ctx.as_of)}" if ctx.as_of else ""
        raise _Undecidable(
            f"landstallene (Jobindsats) har ingen {labels.label('measure', crit['measure'])}{when}"
        )
    return b


def _period_key(d: dt.date) -> str:
    return f"{d.year}M{d.month:02d}"


def _eval_national_share(ctx: EvaluationContext, crit: dict[str, Any]) -> CriterionResult:
    b = _bench(ctx, {"measure": crit["measure"]})
    key = _period_key(ctx.period_end)
    periods = sorted(p for p in b["period"].unique() if p <= key)
    if not periods:
        raise _Undecidable("ingen landstal (Jobindsats) fra før opgørelsesdatoen")
    last = b[b["period"] == periods[-1]]
    x = last.loc[last["area"] == ctx.config.kommune, "value"]
    n = last.loc[last["area"] == "Hele landet", "value"]
    if len(x) == 0 or len(n) == 0:
        raise _Undecidable("kommunens eller landets tal mangler i landstallene (Jobindsats)")
    est = baseline.wilson(int(x.iloc[0]), int(n.iloc[0]), alpha=ctx.alpha)
    # Register counts, but the share is read as a rate that varies from month to month,
    # so its interval decides (no "more data" figure: there are no more jobparate).
    return _result(crit, est, "share", ctx, _interval_judge(crit, est), period=periods[-1])


def _eval_count_change(ctx: EvaluationContext, crit: dict[str, Any]) -> CriterionResult:
    b = _bench(ctx, {"measure": crit["measure"], "area": crit.get("area", ctx.config.kommune)})
    key_end = _period_key(ctx.period_end)
    key_start = _period_key(ctx.config.period.start)
    b = b.sort_values("period")
    first = b[b["period"] >= key_start].head(1)
    last = b[b["period"] <= key_end].tail(1)
    if len(first) == 0 or len(last) == 0 or first["period"].iloc[0] >= last["period"].iloc[0]:
        raise _Undecidable("for få perioder i landstallene (Jobindsats) til at måle en ændring")
    ratio = count_ratio(int(last["value"].iloc[0]), int(first["value"].iloc[0]), alpha=ctx.alpha)
    est = Estimate(
        ratio.estimate - 1,
        ratio.lower - 1,
        ratio.upper - 1,
        n=ratio.n,
        method=ratio.method,
        alpha=ratio.alpha,
        p_value=ratio.p_value,
    )
    return _result(
        crit,
        est,
        "change",
        ctx,
        _interval_judge(crit, est),
        period_from=first["period"].iloc[0],
        period_to=last["period"].iloc[0],
    )


def _eval_rank(ctx: EvaluationContext, crit: dict[str, Any]) -> CriterionResult:
    b = _bench(ctx, {"measure": crit["measure"]})
    b = b[b["area"] != "Hele landet"]
    last = b[b["period"] == b["period"].max()]
    if ctx.config.kommune not in set(last["area"]):
        raise _Undecidable("kommunen findes ikke i landstallene (Jobindsats)")
    ranks = last["value"].rank(method="min", ascending=True)
    r = float(ranks[last["area"] == ctx.config.kommune].iloc[0])
    # A rank in a register of every area has no interval: compared exactly.
    est = Estimate(r, math.nan, math.nan, n=len(last), method="rang (registeropgørelse)")
    direction = crit.get("direction", "min")
    return _result(
        crit,
        est,
        "rank",
        ctx,
        lambda t: vd.judge_exact(r, t, direction, basis="register"),
        period=str(last["period"].iloc[0]),
    )


def _eval_survey(ctx: EvaluationContext, crit: dict[str, Any]) -> CriterionResult:
    """Share agreeing; with several questions a respondent agrees only with all of them."""
    if "survey" in ctx.not_used:
        raise _Undecidable(ctx.not_used["survey"])
    s = _need(ctx.survey, "survey")
    questions = crit["question"] if isinstance(crit["question"], list) else [crit["question"]]
    if "group" in crit:
        s = s[s["group"] == crit["group"]]
    s = s[s["question"].isin(questions)]
    agree = s["answer"].to_numpy() >= crit.get("min_answer", 4)
    parts = {}
    for q in questions:
        ok = agree[(s["question"] == q).to_numpy()]
        parts[q] = {"x": int(ok.sum()), "n": int(ok.size)}
    if len(questions) == 1:
        return _share_result(crit, int(agree.sum()), len(agree), ctx, parts=parts)
    # respondents who answered every question; agree when every answer is high enough
    wide = s.assign(agree=agree).pivot_table(
        index="respondent", columns="question", values="agree", aggfunc="min"
    )
    wide = wide.reindex(columns=questions).dropna()
    both = wide.astype(bool).all(axis=1).to_numpy()
    return _share_result(crit, int(both.sum()), len(both), ctx, parts=parts)


def _eval_survival_vs_reference(ctx: EvaluationContext, crit: dict[str, Any]) -> CriterionResult:
    from evalkit.survival import logrank_one_sample

    b = _bench(ctx, {"measure": crit.get("measure", "andel_paa_ydelse"), "area": "Hele landet"})
    ref = pd.DataFrame(
        {"week": b["period"].str[1:].astype(int).to_numpy(), "survival": b["value"].to_numpy()}
    ).sort_values("week")
    people = _participants(ctx, crit)
    sp = ctx.spells.set_index("person_id").loc[people["person_id"]]
    res = logrank_one_sample(
        sp["duration"].to_numpy(), sp["event"].to_numpy(), ref, alpha=ctx.alpha
    )
    obs, exp = float(res.observed), float(res.expected)
    est = Estimate(
        float(res.ratio),
        float(res.ratio_lower),
        float(res.ratio_upper),
        n=len(sp),
        method="O/E, én-stikprøve log-rank",
        alpha=ctx.alpha,
        p_value=float(res.p_value),
    )
    direction = crit.get("direction", "min")
    # O with n gives the persons without an exit (and O/E with E gives O): hidden like a
    # share whose count or complement is small, with the verdict every candidate O gives
    hidden = _small(int(obs), len(sp), ctx.threshold)
    candidates = vd.suppressed_candidates(int(obs), len(sp), ctx.threshold)

    def judge(t: float) -> vd.Verdict:
        if hidden:
            return vd.judge_suppressed(
                candidates,
                lambda o: vd.judge_ratio(o, exp, t, direction, n=len(sp), alpha=ctx.alpha),
            )
        return vd.judge_ratio(obs, exp, t, direction, n=len(sp), alpha=ctx.alpha)

    return _result(crit, est, "ratio", ctx, judge, suppressed=hidden, observed=obs, expected=exp)


# --------------------------------------------------------------------------- seed definitions
def _window(ctx: EvaluationContext, crit: dict[str, Any], key: str) -> pd.DatetimeIndex:
    """Months of ``crit[key]`` ({first, last}; default the period's last three months)."""
    w = crit.get(key)
    if w is None:
        last = pd.Timestamp(ctx.config.period.end).replace(day=1)
        first, last = str(last - pd.DateOffset(months=2))[:7], str(last)[:7]
    else:
        first, last = str(w["first"]), str(w["last"])
    return stock.end_window(first, last, cutoff=ctx.period_end)


def _stock_change(ctx: EvaluationContext, crit: dict[str, Any]) -> stock.StockChange:
    people = _participants(ctx, crit)
    acts = _need(ctx.activities, "activities")
    try:
        r = stock.stock_change(
            people, ctx.status, acts, crit["group"], crit["baseline"], _window(ctx, crit,
            "end_window"), types=crit.get("types", measures.COMPANY_TYPES),
            include_hours=crit.get("include_hours", True), benefits=crit.get("benefits"),
            use_data_baseline=crit.get("baseline_from_data", True), alpha=ctx.alpha,
        )  # fmt: skip
    except ValueError as exc:
        raise _Undecidable(f"målgruppens månedlige bestand kan ikke opgøres ({exc})") from None
    m = r.monthly.set_index("month")
    used = list(r.end_months) + ([r.baseline_month] if r.baseline_source == "data" else [])
    if int(m.loc[used, "n"].min()) < ctx.threshold:
        raise _Undecidable(f"for få personer (n < {ctx.threshold}) i en af månederne")
    return r


def _stock_details(r: stock.StockChange, ctx: EvaluationContext) -> dict[str, Any]:
    m = r.monthly.set_index("month")
    end = m.loc[r.end_months]
    app = r.baseline_application
    hide = any(_small(int(x), int(n), ctx.threshold) for x, n in zip(end["x"], end["n"],
               strict=True))  # fmt: skip
    if r.baseline_data is not None:
        hide |= _small(int(r.baseline_data.details["x"]), r.baseline_data.n, ctx.threshold)
    return {
        "suppressed": hide,
        "baseline_source": r.baseline_source,
        "baseline_month": r.baseline_month.strftime("%Y-%m"),
        "baseline_share": float(r.baseline.estimate),
        "baseline_x": int(r.baseline.details["x"]),
        "baseline_n": int(r.baseline.n),
        "application_share": float(app["share"]),
        "application_x": int(app["x"]),
        "application_n": int(app["n"]),
        "end_months": [d.strftime("%Y-%m") for d in r.end_months],
        "end_share": float(r.end_level.estimate),
        "end_lower": float(r.end_level.lower),
        "end_upper": float(r.end_level.upper),
        "end_x": [int(v) for v in end["x"]],
        "end_n": [int(v) for v in end["n"]],
    }


def _hidden_judge(crit: dict[str, Any], est: Estimate, hide: bool) -> _Judge:
    """The interval (or census) verdict, or none while a month behind it is hidden."""
    if hide:
        return lambda t: vd.undecidable(
            "resultatet er skjult af hensyn til diskretionering (små tal)", suppressed=True
        )
    return _interval_judge(crit, est)


def _eval_stock_change_pp(ctx: EvaluationContext, crit: dict[str, Any]) -> CriterionResult:
    """Change in the share of the month's stock, baseline month to the end window."""
    r = _stock_change(ctx, crit)
    d = _stock_details(r, ctx)
    hide = d.pop("suppressed")
    return _result(crit, r.change, "pp", ctx, _hidden_judge(crit, r.change, hide),
                   target=crit.get("target_pp"), suppressed=hide, **d)  # fmt: skip


def _eval_stock_change_count(ctx: EvaluationContext, crit: dict[str, Any]) -> CriterionResult:
    """The same change as a number of persons ("88 flere borgere")."""
    r = _stock_change(ctx, crit)
    d = _stock_details(r, ctx)
    hide = d.pop("suppressed")
    return _result(crit, r.count_change, "count", ctx,
                   _hidden_judge(crit, r.count_change, hide), suppressed=hide, **d)  # fmt: skip


def _eval_event_share(ctx: EvaluationContext, crit: dict[str, Any]) -> CriterionResult:
    """Share of the participants' activities (e.g. conversations) with a detail."""
    people = _participants(ctx, crit)
    acts = _need(ctx.activities, "activities")
    months = _window(ctx, crit, "window")
    first, last = months[0], months[-1] + pd.offsets.MonthEnd(0)
    a = acts[(acts["type"] == crit.get("activity", "samtale"))
             & acts["person_id"].isin(people["person_id"])
             & (acts["start_date"] >= first) & (acts["start_date"] <= last)]  # fmt: skip
    a = a[a["start_date"] <= pd.Timestamp(ctx.period_end)]
    if len(a) == 0:
        raise _Undecidable("ingen registrerede aktiviteter i perioden")
    hit = a["detail"].isin(list(crit["detail"])).astype(float)
    per = pd.DataFrame({"p": a["person_id"].to_numpy(), "x": hit.to_numpy()}).groupby("p")
    x, n = per["x"].sum().to_numpy(), per["x"].size().to_numpy(dtype=float)
    if len(n) < ctx.threshold:
        raise _Undecidable(f"for få personer (n < {ctx.threshold}) til en opgørelse")
    est = clustered_proportion(x, n, alpha=ctx.alpha)
    hide = _small(int(x.sum()), int(n.sum()), ctx.threshold)
    return _result(
        crit, est, "share", ctx, _hidden_judge(crit, est, hide), suppressed=hide,
        window=[months[0].strftime("%Y-%m"), months[-1].strftime("%Y-%m")],
    )  # fmt: skip


KINDS: dict[str, Callable[[EvaluationContext, dict[str, Any]], CriterionResult]] = {
    "share": _eval_share,
    "count": _eval_count,
    "change_pp": _eval_change_pp,
    "monthly_average": _eval_monthly_average,
    "national_share": _eval_national_share,
    "count_change": _eval_count_change,
    "rank": _eval_rank,
    "survey_share": _eval_survey,
    "survival_vs_reference": _eval_survival_vs_reference,
    "joblog_change": _eval_joblog_change,
    "stock_change_pp": _eval_stock_change_pp,
    "stock_change_count": _eval_stock_change_count,
    "event_share": _eval_event_share,
}
_REQUIRED = {
    "share": ("measure",),
    "count": ("activity",),
    "change_pp": ("baseline",),
    "monthly_average": (),
    "national_share": ("measure",),
    "count_change": ("measure",),
    "rank": ("measure",),
    "survey_share": ("question",),
    "survival_vs_reference": (),
    "joblog_change": (),
    "stock_change_pp": ("group", "baseline"),
    "stock_change_count": ("group", "baseline"),
    "event_share": ("detail",),
}
_ALLOWED = {
    "id", "label", "kind", "target", "target_pp", "direction", "measure", "group",
    "subgroup", "activity", "baseline", "types", "include_hours", "min_months", "question",
    "min_answer", "area", "source", "note", "among", "weeks", "min_weeks", "census", "path",
    "end_window", "window", "benefits", "baseline_from_data", "detail", "reading",
    "within_days", "within_months", "min_count", "longer_than_months",
}  # fmt: skip
_READINGS = ("at_week", "by_week")  # employed_26: status in week 26, or reached by it
# Kinds whose verdict is exact already, or (O/E) has no census reading.
_NO_CENSUS = ("count", "rank", "survival_vs_reference")


def check_criteria(config: ProjectConfig) -> None:
    """Raise :class:`evalkit.config.ConfigError` for an unknown kind or a missing key."""
    from evalkit.config import ConfigError

    seen: set[str] = set()
    for i, crit in enumerate(config.criteria):
        where = f"criteria[{i}]"
        if crit["kind"] not in KINDS:
            raise ConfigError(
                config.path,
                f"{where}.kind",
                f"expected one of {sorted(KINDS)}, got {crit['kind']!r}",
            )
        for key in crit:
            if key not in _ALLOWED:
                close = difflib.get_close_matches(str(key), sorted(_ALLOWED), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise ConfigError(
                    config.path, f"{where}.{key}", f"unknown key for a criterion{hint}"
                )
        for key in _REQUIRED[crit["kind"]]:
            if key not in crit:
                raise ConfigError(
                    config.path, f"{where}.{key}", f"missing for kind {crit['kind']!r}"
                )
        if crit.get("reading", "at_week") not in _READINGS:
            raise ConfigError(
                config.path, f"{where}.reading", f"expected one of {_READINGS}, got "
                f"{crit['reading']!r}",
            )  # fmt: skip
        if crit.get("direction", "min") not in ("min", "max"):
            raise ConfigError(config.path, f"{where}.direction", "expected 'min' or 'max'")
        if "census" in crit:
            if not isinstance(crit["census"], bool):
                raise ConfigError(
                    config.path,
                    f"{where}.census",
                    f"expected true or false, got {crit['census']!r}",
                )
            if crit["census"] and crit["kind"] in _NO_CENSUS:
                raise ConfigError(
                    config.path,
                    f"{where}.census",
                    f"kind {crit['kind']!r} has no census reading (counts and ranks are "
                    "compared exactly already; O/E is a model quantity)",
                )
        if "path" in crit:
            problem = check_path(crit["path"])
            if problem:
                raise ConfigError(config.path, f"{where}.path", problem)
        if crit["id"] in seen:
            raise ConfigError(config.path, f"{where}.id", f"duplicate id {crit['id']!r}")
        seen.add(crit["id"])


def evaluate_criteria(ctx: EvaluationContext) -> list[CriterionResult]:
    """Evaluate every criterion of ``ctx.config``; never raises for missing data."""
    check_criteria(ctx.config)
    results = []
    for crit in ctx.config.criteria:
        try:
            results.append(KINDS[crit["kind"]](ctx, crit))
        except _Undecidable as why:
            status = ctx.as_of is not None and ctx.as_of < ctx.config.period.end
            results.append(
                CriterionResult(
                    id=crit["id"],
                    label=crit["label"],
                    kind=crit["kind"],
                    verdict="kan ikke afgøres",
                    target=crit.get("target", crit.get("target_pp")),
                    direction=crit.get("direction", "min"),
                    reason=str(why),
                    basis="none",
                    verdict_text="kan ikke afgøres",
                    remark=str(why),
                    census=bool(crit.get("census", False)),
                    **(
                        {
                            "progress": "kan ikke afgøres",
                            "progress_text": "kan ikke afgøres",
                            "progress_remark": str(why),
                        }
                        if status
                        else {}
                    ),
                )
            )
    return results
