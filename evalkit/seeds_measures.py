"""The seed projects' own measurements, as pure functions on the canonical tables.

Each seed application promises figures beside its success criteria: praktik uptake and
ordinary hours week by week (Herning, transport), the monthly share in company-based
activity against a baseline (Ringkøbing-Skjern, Flere skal med), jobs applied for before
and during a project from the Joblog (Hedensted; see :mod:`evalkit.joblog`), the monthly inflow and the kommune's
share of all jobparate in Denmark (Aalborg). The functions here compute them; the report
sections in :mod:`evalkit.report.seeds` only format.

Conventions: shares carry a Wilson interval, counts an exact Poisson interval, changes
their own interval (see each function). No person id leaves these functions: per-person
outputs are labelled ``Borger 1`` ... ``Borger n`` in an order that does not depend on the
id.

Example
-------
>>> import pandas as pd
>>> p = pd.DataFrame({"person_id": ["a", "b", "c", "d"], "subgroup": ["1", "1", "2", None]})
>>> group_split(p)["n"].to_dict()
{'1': 2, '2': 1, 'ikke oplyst': 1}
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalkit import measures
from evalkit._checks import check_1d, check_alpha, check_positive_int
from evalkit.baseline import wilson
from evalkit.counts import poisson_count
from evalkit.results import Estimate

__all__ = [
    "NATIONAL",
    "Rank",
    "Uptake",
    "activity_uptake",
    "benchmark_series",
    "course_table",
    "group_split",
    "hours_by_week",
    "hours_distribution",
    "monthly_inflow",
    "monthly_shares",
    "national_share_series",
    "paid_share",
    "praktik_anchors",
    "rank_of",
    "rate_per_month",
    "retention",
    "selfbooking_monthly",
    "visit_outcomes",
]

NATIONAL = "Hele landet"
_MONTH = re.compile(r"^(\d{4})M(0[1-9]|1[0-2])$")


# --------------------------------------------------------------------------- helpers
def _monday(values: pd.Series) -> pd.Series:
    d = pd.to_datetime(values).dt.normalize()
    return d - pd.to_timedelta(d.dt.dayofweek, unit="D")


def _overlapping(
    activities: pd.DataFrame,
    types: Sequence[str],
    start: dt.date | None,
    end: dt.date | None,
) -> pd.DataFrame:
    """Activities of ``types`` overlapping [start, end] (an open end runs on)."""
    a = activities[activities["type"].isin(list(types))]
    a_end = a["end_date"].fillna(pd.Timestamp.max) if "end_date" in a else a["start_date"]
    keep = np.ones(len(a), bool)
    if start is not None:
        keep &= (a_end >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        keep &= (a["start_date"] <= pd.Timestamp(end)).to_numpy()
    return a[keep]


def _wilson_columns(x: np.ndarray, n: np.ndarray, alpha: float) -> pd.DataFrame:
    """Share and Wilson limits per row; NaN where ``n == 0``."""
    share, lower, upper = (np.full(len(x), np.nan) for _ in range(3))
    for i, (xi, ni) in enumerate(zip(x, n, strict=True)):
        if ni > 0:
            e = wilson(int(xi), int(ni), alpha=alpha)
            share[i], lower[i], upper[i] = e.estimate, e.lower, e.upper
    return pd.DataFrame({"share": share, "lower": lower, "upper": upper})


def _period_to_month(period: pd.Series) -> pd.Series:
    m = period.astype(str).str.extract(_MONTH)
    ok = m[0].notna()
    out = pd.Series(pd.NaT, index=period.index, dtype="datetime64[ns]")
    out[ok] = pd.to_datetime(m.loc[ok, 0] + "-" + m.loc[ok, 1] + "-01")
    return out


# --------------------------------------------------------------------------- uptake, counts
@dataclass(frozen=True)
class Uptake:
    """Persons with at least one activity of a kind, and the number of such activities.

    Attributes
    ----------
    persons : Estimate
        Share of the participants with at least one (Wilson); ``details['x']`` the count.
    total : Estimate
        Number of activities (exact Poisson interval).
    """

    persons: Estimate
    total: Estimate

    def to_frame(self) -> pd.DataFrame:
        """Two rows: the share of persons and the number of activities."""
        rows = []
        for what, e in (("persons", self.persons), ("total", self.total)):
            rows.append({"what": what, "estimate": e.estimate, "lower": e.lower,
                         "upper": e.upper, "n": e.n, "method": e.method})  # fmt: skip
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)


def activity_uptake(
    participants: pd.DataFrame,
    activities: pd.DataFrame,
    types: Sequence[str],
    start: dt.date | None = None,
    end: dt.date | None = None,
    alpha: float = 0.05,
) -> Uptake:
    """Share of participants with at least one activity of ``types`` in [start, end].

    Parameters
    ----------
    participants : DataFrame
        The persons to count (canonical participants rows), at least one.
    activities : DataFrame
        Canonical activities.
    types : sequence of str
        Activity types, e.g. ``["virksomhedspraktik"]``.
    start, end : date, optional
        The period; an activity counts when it overlaps it.
    alpha : float

    Returns
    -------
    Uptake
        ``persons``: Wilson share; ``total``: the number of activities of the persons
        overlapping the period, exact Poisson.

    Raises
    ------
    ValueError
        Without participants.

    Examples
    --------
    >>> p = pd.DataFrame({"person_id": ["a", "b"]})
    >>> acts = pd.DataFrame({"person_id": ["a", "a"], "type": "virksomhedspraktik",
    ...     "start_date": pd.to_datetime(["2020-01-06", "2020-03-02"]), "end_date": pd.NaT})
    >>> u = activity_uptake(p, acts, ["virksomhedspraktik"])
    >>> u.persons.estimate, u.total.estimate
    (0.5, 2.0)
    """
    alpha = check_alpha(alpha)
    if len(participants) == 0:
        raise ValueError("participants is empty; at least one person is needed")
    has = measures.any_activity(participants, activities, types, start, end)
    a = _overlapping(activities, types, start, end)
    total = int(a["person_id"].isin(participants["person_id"]).sum())
    return Uptake(wilson(int(has.sum()), len(has), alpha=alpha), poisson_count(total, alpha))


def course_table(
    activities: pd.DataFrame,
    start: dt.date | None = None,
    end: dt.date | None = None,
    type: str = "kursus",
) -> pd.DataFrame:
    """Courses started in [start, end] and how many of them were completed, by kind.

    Parameters
    ----------
    activities : DataFrame
        Canonical activities; the kind is ``detail`` (empty: ``ikke oplyst``),
        completion is ``completed`` (True).
    start, end : date, optional
        A course counts when it started in the period.
    type : str
        The activity type of courses.

    Returns
    -------
    DataFrame
        Index ``kind`` (sorted), columns ``started`` and ``completed`` (int).

    Examples
    --------
    >>> acts = pd.DataFrame({"type": "kursus", "detail": ["C", "C", "CE"],
    ...     "start_date": pd.to_datetime(["2020-01-06"] * 3), "completed": [True, False, True]})
    >>> course_table(acts).to_dict("index")
    {'C': {'started': 2, 'completed': 1}, 'CE': {'started': 1, 'completed': 1}}
    """
    a = activities[activities["type"] == type]
    if start is not None:
        a = a[a["start_date"] >= pd.Timestamp(start)]
    if end is not None:
        a = a[a["start_date"] <= pd.Timestamp(end)]
    kind = a["detail"].fillna("ikke oplyst") if "detail" in a else "ikke oplyst"
    done = (
        a["completed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        if "completed" in a
        else False
    )
    out = (
        pd.DataFrame({"kind": kind, "started": 1, "completed": done})
        .groupby("kind", sort=True)[["started", "completed"]]
        .sum()
        .astype(int)
    )
    return out


def visit_outcomes(
    activities: pd.DataFrame,
    start: dt.date | None = None,
    end: dt.date | None = None,
    type: str = "virksomhedsbesoeg",
) -> pd.Series:
    """Company visits in [start, end] by outcome (``detail``; empty: ``ikke oplyst``).

    Returns
    -------
    Series of int
        Outcome -> number of visits, largest first (ties by name).

    Examples
    --------
    >>> acts = pd.DataFrame({"type": "virksomhedsbesoeg", "detail": ["job", None, "job"],
    ...     "start_date": pd.to_datetime(["2020-01-06"] * 3)})
    >>> visit_outcomes(acts).to_dict()
    {'job': 2, 'ikke oplyst': 1}
    """
    a = activities[activities["type"] == type]
    if start is not None:
        a = a[a["start_date"] >= pd.Timestamp(start)]
    if end is not None:
        a = a[a["start_date"] <= pd.Timestamp(end)]
    counts = a["detail"].fillna("ikke oplyst").value_counts()
    order = sorted(counts.index, key=lambda k: (-counts[k], str(k)))
    return counts.reindex(order).astype(int).rename("visits")


def group_split(participants: pd.DataFrame, column: str = "subgroup") -> pd.DataFrame:
    """Number of participants in each value of ``column`` (empty: ``ikke oplyst``).

    Returns
    -------
    DataFrame
        Index the groups (sorted), one column ``n``; ready for
        :func:`evalkit.disclosure.suppress`.
    """
    if column not in participants.columns:
        raise ValueError(f"participants has no column {column!r}")
    g = participants[column].fillna("ikke oplyst")
    return g.value_counts().sort_index().rename("n").to_frame()


def paid_share(
    participants: pd.DataFrame,
    activities: pd.DataFrame,
    types: Sequence[str] = measures.COMPANY_TYPES,
    start: dt.date | None = None,
    end: dt.date | None = None,
    paid: Sequence[str] = ("hel", "delvis"),
    alpha: float = 0.05,
) -> Estimate:
    """Among participants in company-based activity, the share with full or partial pay.

    A person is in company-based activity with at least one activity of ``types``
    overlapping [start, end]; paid with at least one of them whose ``detail`` is in
    ``paid``.

    Returns
    -------
    Estimate
        Wilson share; ``n`` is the number in company-based activity.

    Raises
    ------
    ValueError
        When nobody was in company-based activity.
    """
    alpha = check_alpha(alpha)
    any_ = measures.any_activity(participants, activities, types, start, end) == 1
    within = participants[any_.to_numpy()]
    if len(within) == 0:
        raise ValueError("no participant was in company-based activity in the period")
    pay = measures.any_activity(within, activities, types, start, end, detail=list(paid))
    return wilson(int(pay.sum()), len(within), alpha=alpha)


def retention(
    spells: pd.DataFrame,
    end: dt.date | None = None,
    lags: Sequence[int] = (13, 26),
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Exits to self-support and the share still self-supporting ``lag`` weeks later.

    Parameters
    ----------
    spells : DataFrame
        From :func:`evalkit.spells.build_spells` (the persons to count), with
        ``event``, ``exit_date`` and ``status_<lag>`` for each lag.
    end : date, optional
        Exits after this date are not counted.
    lags : sequence of int
        Weeks after the exit (13 and 26: 3 and 6 months).

    Returns
    -------
    DataFrame
        Rows ``exit`` (x exits of n persons) and ``still_<lag>`` (x still self-supporting
        of the n exits whose status ``lag`` weeks later is observed); columns ``x``,
        ``n``, ``share``, ``lower``, ``upper`` (Wilson; NaN when n = 0).
    """
    alpha = check_alpha(alpha)
    hit = spells["event"].to_numpy() == 1
    if end is not None:
        hit &= (spells["exit_date"] <= pd.Timestamp(end)).to_numpy()
    xs, ns, names = [int(hit.sum())], [len(spells)], ["exit"]
    for lag in lags:
        col = spells[f"status_{lag}"]
        seen = hit & col.notna().to_numpy()
        xs.append(int((seen & (col == "selvforsoergende").to_numpy()).sum()))
        ns.append(int(seen.sum()))
        names.append(f"still_{lag}")
    x, n = np.array(xs), np.array(ns)
    out = pd.concat([pd.DataFrame({"x": x, "n": n}), _wilson_columns(x, n, alpha)], axis=1)
    out.index = names
    return out


# --------------------------------------------------------------------------- hours by week
def hours_by_week(
    participants: pd.DataFrame,
    activities: pd.DataFrame,
    status: pd.DataFrame,
    type: str = "virksomhedspraktik",
    start: dt.date | None = None,
    end: dt.date | None = None,
    weeks_before: int = 4,
    weeks_after: int = 26,
    cutoff: dt.date | None = None,
) -> pd.DataFrame:
    """Ordinary paid hours per person by week since the start of their first praktik.

    Week 0 is the ISO week of the first activity of ``type`` (overlapping [start, end])
    of each participant; hours come from the weekly status panel (``hours``), in every
    status (on benefit or self-supporting).

    Parameters
    ----------
    participants, activities, status : DataFrame
        Canonical tables.
    type : str
        The activity that sets week 0.
    start, end : date, optional
        The project period.
    weeks_before, weeks_after : int
        Weeks shown before and after week 0.
    cutoff : date, optional
        Weeks after it are not observed (status reports).

    Returns
    -------
    DataFrame
        One row per person with such an activity, index ``Borger 1`` ... ``Borger n``
        in order of their week 0 (ties in the order of ``participants``), columns the
        weeks ``-weeks_before ... weeks_after``; NaN where the week is not in the panel
        or after ``cutoff``. No person id.

    Examples
    --------
    >>> p = pd.DataFrame({"person_id": ["a"]})
    >>> acts = pd.DataFrame({"person_id": ["a"], "type": "virksomhedspraktik",
    ...     "start_date": pd.to_datetime(["2020-01-08"]), "end_date": pd.NaT})
    >>> st = pd.DataFrame({"person_id": "a", "week": pd.date_range("2020-01-06",
    ...     periods=3, freq="7D"), "status": "kontanthjaelp", "hours": [0.0, 5.0, 10.0]})
    >>> hours_by_week(p, acts, st, weeks_before=1, weeks_after=2).to_dict("index")
    {'Borger 1': {-1: nan, 0: 0.0, 1: 5.0, 2: 10.0}}
    """
    if weeks_before < 0:
        raise ValueError(f"weeks_before must be >= 0, but was {weeks_before!r}")
    weeks_after = check_positive_int(weeks_after, "weeks_after")
    cols = list(range(-weeks_before, weeks_after + 1))
    anchors = praktik_anchors(participants, activities, type, start, end)
    labels = list(anchors["label"])
    label_of = anchors["label"]
    out = pd.DataFrame(np.nan, index=pd.Index(labels, name="borger"), columns=cols)
    if len(anchors) == 0:
        return out
    st = status[status["person_id"].isin(anchors.index)]
    if cutoff is not None:
        st = st[st["week"] <= pd.Timestamp(cutoff)]
    anchor = anchors["anchor"].reindex(st["person_id"]).to_numpy()
    rel = (st["week"].to_numpy() - anchor) // np.timedelta64(7, "D")
    keep = (rel >= -weeks_before) & (rel <= weeks_after)
    rows = label_of.reindex(st["person_id"]).to_numpy()[keep]
    table = pd.DataFrame({"borger": rows, "week": rel[keep].astype(int),
                          "hours": st["hours"].to_numpy(dtype=float)[keep]})  # fmt: skip
    wide = table.pivot_table(index="borger", columns="week", values="hours", aggfunc="sum")
    out.loc[wide.index, wide.columns] = wide.to_numpy()
    return out


def praktik_anchors(
    participants: pd.DataFrame,
    activities: pd.DataFrame,
    type: str = "virksomhedspraktik",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Week 0 of each participant with an activity of ``type``: the Monday of the first one.

    Returns
    -------
    DataFrame
        Index ``person_id``; ``anchor`` (the Monday) and ``label`` (``Borger 1`` ... in
        order of the anchor, ties in the order of ``participants``), used by
        :func:`hours_by_week` and :func:`evalkit.praktik_hours.weekly_states`.
    """
    a = _overlapping(activities, [type], start, end)
    a = a[a["person_id"].isin(participants["person_id"])]
    first = a.groupby("person_id")["start_date"].min()
    order = pd.Series(np.arange(len(participants)), index=participants["person_id"].to_numpy())
    order = order[~order.index.duplicated()]
    anchors = pd.DataFrame({"anchor": _monday(first.reindex(order.index).dropna())})
    anchors["pos"] = order.reindex(anchors.index).to_numpy()
    anchors = anchors.sort_values(["anchor", "pos"], kind="stable")
    anchors["label"] = [f"Borger {i}" for i in range(1, len(anchors) + 1)]
    return anchors[["anchor", "label"]]


def hours_distribution(
    hours: pd.DataFrame, threshold: int = 5, alpha: float = 0.05
) -> pd.DataFrame:
    """Distribution of hours by week: median, quartiles and the share with any hours.

    Parameters
    ----------
    hours : DataFrame
        From :func:`hours_by_week` (persons x weeks, NaN = not observed).
    threshold : int
        Weeks with fewer observed persons are marked ``shown = False`` (their figures
        are NaN), so no small group is described.
    alpha : float

    Returns
    -------
    DataFrame
        One row per week: ``week``, ``n`` (observed persons), ``median``, ``q1``,
        ``q3`` (R's default quantile type 7), ``x_any`` (persons with hours > 0),
        ``share_any`` with Wilson ``lower`` and ``upper``, ``shown``.

    Examples
    --------
    >>> h = pd.DataFrame({0: [0.0, 4.0, 8.0, 10.0, 2.0]})
    >>> d = hours_distribution(h).iloc[0]
    >>> [float(d[c]) for c in ("median", "q1", "q3", "x_any")]
    [4.0, 2.0, 8.0, 4.0]
    """
    threshold = check_positive_int(threshold, "threshold")
    alpha = check_alpha(alpha)
    v = hours.to_numpy(dtype=float)
    seen = ~np.isnan(v)
    n = seen.sum(axis=0)
    x_any = (np.nan_to_num(v) > 0).sum(axis=0)
    shown = n >= threshold
    with warnings.catch_warnings():  # all-NaN weeks give NaN quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        q = np.nanpercentile(v, [25, 50, 75], axis=0)
    out = pd.DataFrame({"week": list(hours.columns), "n": n, "median": q[1],
                        "q1": q[0], "q3": q[2], "x_any": x_any})  # fmt: skip
    out = pd.concat([out, _wilson_columns(x_any, n, alpha)], axis=1)
    out = out.rename(columns={"share": "share_any"})
    for c in ("median", "q1", "q3", "share_any", "lower", "upper"):
        out.loc[~shown, c] = np.nan
    out["shown"] = shown
    return out


# --------------------------------------------------------------------------- monthly series
def monthly_shares(
    indicator: np.ndarray, months: pd.DatetimeIndex, alpha: float = 0.05
) -> pd.DataFrame:
    """Monthly share with Wilson limits from a persons x months 0/1 matrix.

    Returns
    -------
    DataFrame
        ``month``, ``x``, ``n``, ``share``, ``lower``, ``upper``.

    Examples
    --------
    >>> m = pd.date_range("2020-01-01", periods=2, freq="MS")
    >>> monthly_shares(np.array([[1, 0], [1, 1]]), m)[["x", "n", "share"]].values.tolist()
    [[2.0, 2.0, 1.0], [1.0, 2.0, 0.5]]
    """
    alpha = check_alpha(alpha)
    ind = np.asarray(indicator, dtype=bool)
    if ind.ndim != 2 or ind.shape[1] != len(months):
        raise ValueError(f"indicator must have shape (persons, {len(months)}), but had {ind.shape}")
    x = ind.sum(axis=0)
    n = np.full(len(months), ind.shape[0])
    out = pd.DataFrame({"month": months, "x": x, "n": n})
    return pd.concat([out, _wilson_columns(x, n, alpha)], axis=1)


def monthly_inflow(participants: pd.DataFrame, first: dt.date, last: dt.date) -> pd.DataFrame:
    """Number of participants starting in each month from ``first`` to ``last``.

    Returns
    -------
    DataFrame
        ``month`` (first day) and ``n`` (starts, 0 for months without any).
    """
    months = pd.date_range(pd.Timestamp(first).replace(day=1), pd.Timestamp(last), freq="MS")
    start = participants["start_date"]
    start = start[(start >= months[0]) & (start <= pd.Timestamp(last))]
    counts = start.dt.to_period("M").dt.to_timestamp().value_counts()
    return pd.DataFrame({"month": months, "n": counts.reindex(months, fill_value=0).to_numpy()})


def rate_per_month(counts: Sequence[int], alpha: float = 0.05) -> Estimate:
    """Mean count per month with the exact Poisson interval of the total over the months.

    Examples
    --------
    >>> e = rate_per_month([100, 90, 110])
    >>> e.estimate, e.n
    (100.0, 300)
    """
    c = check_1d(counts, "counts")
    if (c < 0).any() or (c % 1 != 0).any():
        raise ValueError(f"counts must be whole numbers >= 0, but were {list(c)!r}")
    total = poisson_count(int(c.sum()), alpha)
    m = len(c)
    return Estimate(total.estimate / m, total.lower / m, total.upper / m, n=int(c.sum()),
                    method="poisson-exact (total / months)", alpha=total.alpha,
                    details={"months": m})  # fmt: skip


def benchmark_series(
    benchmarks: pd.DataFrame,
    measure: str,
    group: str | None = None,
    areas: Sequence[str] | None = None,
) -> pd.DataFrame:
    """A monthly benchmark measure as a month x area table.

    Parameters
    ----------
    benchmarks : DataFrame
        Canonical benchmarks (values are fractions or counts after loading).
    measure : str
        E.g. ``andel_virksomhedsrettet``.
    group : str, optional
        Keep rows of this group only.
    areas : sequence of str, optional
        Keep these areas (in this order); default all, ``Hele landet`` first.

    Returns
    -------
    DataFrame
        Index ``month`` (first day), one column per area; only monthly periods
        (``2019M05``) are used.
    """
    b = benchmarks[benchmarks["measure"] == measure]
    if group is not None:
        b = b[b["group"] == group]
    month = _period_to_month(b["period"])
    b = b.assign(month=month)[month.notna()]
    wide = b.pivot_table(index="month", columns="area", values="value", aggfunc="first")
    if areas is None:
        areas = sorted(wide.columns, key=lambda a: (a != NATIONAL, a))
    return wide.reindex(columns=list(areas)).sort_index()


def national_share_series(
    benchmarks: pd.DataFrame,
    measure: str,
    area: str,
    national: str = NATIONAL,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """The area's count over the national count of ``measure``, month by month.

    Returns
    -------
    DataFrame
        ``month``, ``x`` (area), ``n`` (national), ``share`` with Wilson ``lower`` and
        ``upper`` (register counts: the interval treats the month as a draw).
    """
    wide = benchmark_series(benchmarks, measure, areas=[area, national]).dropna()
    x = wide[area].round().astype(int).to_numpy()
    n = wide[national].round().astype(int).to_numpy()
    if (x > n).any():
        raise ValueError(f"{area!r} has a larger count than {national!r} for {measure!r}")
    out = pd.DataFrame({"month": wide.index, "x": x, "n": n})
    return pd.concat([out, _wilson_columns(x, n, check_alpha(alpha))], axis=1)


def selfbooking_monthly(
    activities: pd.DataFrame,
    participants: pd.DataFrame,
    first: dt.date,
    last: dt.date,
    booked: str = "selvbooket",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Share of the participants' conversations (``samtale``) that were self-booked, by month.

    Returns
    -------
    DataFrame
        ``month``, ``x`` (self-booked), ``n`` (conversations), ``share``, ``lower``,
        ``upper`` (Wilson; conversations treated as independent).
    """
    months = pd.date_range(pd.Timestamp(first).replace(day=1), pd.Timestamp(last), freq="MS")
    a = activities[(activities["type"] == "samtale")]
    a = a[a["person_id"].isin(participants["person_id"])]
    a = a[(a["start_date"] >= months[0]) & (a["start_date"] <= pd.Timestamp(last))]
    month = a["start_date"].dt.to_period("M").dt.to_timestamp()
    n = month.value_counts().reindex(months, fill_value=0).to_numpy()
    x = month[a["detail"] == booked].value_counts().reindex(months, fill_value=0).to_numpy()
    out = pd.DataFrame({"month": months, "x": x, "n": n})
    return pd.concat([out, _wilson_columns(x, n, check_alpha(alpha))], axis=1)


# --------------------------------------------------------------------------- rank
@dataclass(frozen=True)
class Rank:
    """The kommune's rank (1 = lowest value) among all areas in one period."""

    rank: int
    n_areas: int
    value: float
    period: str
    cut: float  # the value of the area at rank ``top`` (e.g. the third lowest)
    top: int

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.__dict__])

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)


def rank_of(
    benchmarks: pd.DataFrame,
    measure: str,
    area: str,
    top: int = 3,
    period: str | None = None,
) -> Rank:
    """Rank of ``area`` among all areas but ``Hele landet`` (lowest value = 1, ties share).

    Parameters
    ----------
    period : str, optional
        Default: the last period of ``measure``.
    top : int
        Also report the value at this rank (e.g. 3: "among the three lowest").

    Raises
    ------
    ValueError
        When the measure or the area is missing.

    Examples
    --------
    >>> b = pd.DataFrame({"area": ["A", "B", "C"], "period": "2017M08",
    ...     "measure": "ledighedsprocent", "value": [0.03, 0.02, 0.05]})
    >>> r = rank_of(b, "ledighedsprocent", "A", top=1)
    >>> r.rank, r.n_areas, r.cut
    (2, 3, 0.02)
    """
    top = check_positive_int(top, "top")
    b = benchmarks[(benchmarks["measure"] == measure) & (benchmarks["area"] != NATIONAL)]
    if len(b) == 0:
        raise ValueError(f"benchmarks has no rows of measure {measure!r}")
    period = period or str(b["period"].max())
    b = b[b["period"] == period]
    if area not in set(b["area"]):
        raise ValueError(f"{area!r} has no value of {measure!r} in {period}")
    ranks = b["value"].rank(method="min", ascending=True)
    values = np.sort(b["value"].to_numpy(dtype=float))
    return Rank(
        rank=int(ranks[(b["area"] == area).to_numpy()].iloc[0]),
        n_areas=len(b),
        value=float(b.loc[b["area"] == area, "value"].iloc[0]),
        period=period,
        cut=float(values[min(top, len(values)) - 1]),
        top=top,
    )
