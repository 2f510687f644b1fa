"""Per-person outcomes and monthly series that the success criteria are built from.

Each function takes canonical tables (see ``docs/data-format.md``) and returns either a
0/1 (or NaN for "not observed") Series indexed like ``participants``, or a DataFrame of
monthly counts. No person id leaves these functions except as the index of a Series that
the caller aggregates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from evalkit.clustered import clustered_share_contrast
from evalkit.results import Estimate
from evalkit.spells import SELF

__all__ = [
    "COMPANY_TYPES",
    "activity_counts",
    "activity_within",
    "any_activity",
    "ever_in_status",
    "monthly_activity",
    "monthly_share",
    "paid_change",
    "persons_in_state",
    "praktik_spells",
    "status_at",
]

COMPANY_TYPES = ("virksomhedspraktik", "loentilskud", "smaajob")
_OPEN = pd.Timestamp("2200-01-01")  # the end of an ongoing activity, for date arithmetic


def _ts(d: dt.date | pd.Timestamp | None) -> pd.Timestamp | None:
    return None if d is None else pd.Timestamp(d)


def _filter(
    activities: pd.DataFrame,
    types: Sequence[str],
    start: dt.date | None,
    end: dt.date | None,
    detail: Sequence[str] | None = None,
) -> pd.DataFrame:
    a = activities[activities["type"].isin(list(types))]
    if detail is not None and "detail" in a.columns:
        a = a[a["detail"].isin(list(detail))]
    s, e = _ts(start), _ts(end)
    a_end = a["end_date"].fillna(pd.Timestamp.max) if "end_date" in a else a["start_date"]
    if s is not None:
        a = a[a_end >= s]
    if e is not None:
        a = a[a["start_date"] <= e]
    return a


def any_activity(
    participants: pd.DataFrame,
    activities: pd.DataFrame,
    types: Sequence[str],
    start: dt.date | None = None,
    end: dt.date | None = None,
    detail: Sequence[str] | None = None,
) -> pd.Series:
    """1 for persons with at least one activity of ``types`` overlapping [start, end]."""
    a = _filter(activities, types, start, end, detail)
    return participants["person_id"].isin(a["person_id"]).astype(float)


def activity_counts(
    activities: pd.DataFrame,
    types: Sequence[str],
    start: dt.date | None = None,
    end: dt.date | None = None,
    detail: Sequence[str] | None = None,
) -> pd.Series:
    """Number of activities of each type overlapping [start, end] (types with none: 0).

    With ``detail``, only activities whose ``detail`` is one of those values count (e.g.
    the course kinds "rettet mod transportområdet").
    """
    a = _filter(activities, types, start, end, detail)
    return a["type"].value_counts().reindex(list(types), fill_value=0)


def activity_within(
    participants: pd.DataFrame,
    activities: pd.DataFrame,
    types: Sequence[str],
    detail: Sequence[str] | None = None,
    within_days: int | None = None,
    within_months: int | None = None,
    min_count: int = 1,
    cutoff: dt.date | None = None,
) -> pd.Series:
    """1 for persons with at least ``min_count`` activities starting early in their course.

    An activity counts when its type is in ``types`` (and its ``detail`` in ``detail``)
    and it starts on or after the person's ``start_date`` and before the end of the
    window: ``within_days`` days, or ``within_months`` calendar months, after it (e.g.
    Aalborg: "cv- og jobværkstedet i løbet af de første 2 ugers ledighed", 14 days;
    "minimum 6 jobsamtaler indenfor de første 6 måneders ledighed", 6 months and
    ``min_count = 6``).

    A person whose window has not ended by ``cutoff`` is NaN (not yet measurable), even
    when the count is already reached: only complete windows count, since keeping the
    early successes of incomplete windows would bias the share upwards.

    Returns
    -------
    Series of float (1, 0 or NaN), indexed like ``participants``.

    Raises
    ------
    ValueError
        Unless exactly one of ``within_days`` and ``within_months`` is given, or for
        ``min_count`` < 1.

    Examples
    --------
    >>> p = pd.DataFrame({"person_id": ["a", "b", "c"],
    ...     "start_date": pd.to_datetime(["2020-01-06", "2020-01-06", "2020-03-30"])})
    >>> acts = pd.DataFrame({"person_id": ["a", "b"], "type": "kursus",
    ...     "detail": "cv- og jobværksted",
    ...     "start_date": pd.to_datetime(["2020-01-13", "2020-02-03"]), "end_date": pd.NaT})
    >>> activity_within(p, acts, ["kursus"], within_days=14,
    ...                 cutoff=dt.date(2020, 4, 1)).tolist()
    [1.0, 0.0, nan]
    """
    if (within_days is None) == (within_months is None):
        raise ValueError(
            "give exactly one of within_days and within_months, but got "
            f"within_days={within_days!r}, within_months={within_months!r}"
        )
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"min_count must be a whole number >= 1, but was {min_count!r}")
    start = pd.to_datetime(participants["start_date"])
    if within_days is not None:
        window_end = start + pd.Timedelta(days=int(within_days))
    else:
        window_end = start + pd.DateOffset(months=int(within_months))
    a = activities[activities["type"].isin(list(types))]
    if detail is not None and "detail" in a.columns:
        a = a[a["detail"].isin(list(detail))]
    ids = pd.Index(participants["person_id"])
    row = ids.get_indexer(a["person_id"])
    keep = row >= 0
    a_start = a["start_date"].to_numpy(dtype="datetime64[ns]")[keep]
    row = row[keep]
    inside = (a_start >= start.to_numpy()[row]) & (a_start < window_end.to_numpy()[row])
    count = np.bincount(row[inside], minlength=len(ids))
    out = (count >= min_count).astype(float)
    if cutoff is not None:
        open_ = (window_end > pd.Timestamp(cutoff) + pd.Timedelta(days=1)).to_numpy()
        out[open_] = np.nan
    return pd.Series(out, index=participants.index)


def monthly_activity(
    participants: pd.DataFrame,
    activities: pd.DataFrame,
    status: pd.DataFrame | None,
    months: pd.DatetimeIndex,
    types: Sequence[str] = COMPANY_TYPES,
    include_hours: bool = True,
    min_months: dict[str, int] | None = None,
    longer_than_months: dict[str, int] | None = None,
    detail: Sequence[str] | None = None,
) -> np.ndarray:
    """Persons x months indicator: in company-based activity or with ordinary hours.

    Parameters
    ----------
    months : DatetimeIndex
        First day of each month.
    types : sequence of str
        Activity types that count.
    include_hours : bool
        Also count a month with ordinary paid hours (> 0) in the status panel.
    min_months : dict, optional
        Type -> minimum run length in consecutive calendar months for that type to count
        in any of the months of the run (the whole run counts, also its first months).
        The run is measured over all the activities of the type, also those before
        ``months`` (a run that began before the window counts with its full length).
    longer_than_months : dict, optional
        Type -> ``L``: the type counts in a month only when a continuous spell of it (see
        :func:`praktik_spells`) has by then lasted more than ``L`` months, i.e. its start
        plus ``L`` calendar months lies before the end of the month (or the spell's end,
        if earlier). A spell that began before ``months`` counts with its history. Flere
        skal med: ``{"virksomhedspraktik": 3}``, "i virksomhedspraktik i mere end 3
        sammenhængende måneder".
    detail : sequence of str, optional
        Count only activities whose ``detail`` is one of these (e.g. ``["hel",
        "delvis"]``: with full or partial pay).

    Returns
    -------
    ndarray of bool, shape (n_persons, n_months)
    """
    ids = pd.Index(participants["person_id"])
    n, m = len(ids), len(months)
    month_end = months + pd.offsets.MonthEnd(0)
    out = np.zeros((n, m), bool)
    longer = longer_than_months or {}
    if detail is not None and "detail" in activities.columns:
        activities = activities[activities["detail"].isin(list(detail))]
    for typ in types:  # a handful of types; vectorised over activities and months
        if typ in longer:
            out |= _has_lasted(ids, activities, typ, months, int(longer[typ]))
            continue
        need = (min_months or {}).get(typ, 1)
        span = months
        if need > 1:  # measure runs from the first activity of the type on
            a_all = activities[activities["type"] == typ]
            if len(a_all):
                first = min(pd.Timestamp(a_all["start_date"].min()).replace(day=1), months[0])
                span = pd.date_range(first, months[-1], freq="MS")
        span_end = span + pd.offsets.MonthEnd(0)
        a = _filter(activities, [typ], span[0], span_end[-1])
        row = ids.get_indexer(a["person_id"])
        keep = row >= 0
        a_start = a["start_date"].to_numpy()[keep]
        a_end = a["end_date"].fillna(pd.Timestamp.max).to_numpy()[keep]
        ind = np.zeros((n, len(span)), bool)
        overlap = (a_start[:, None] <= span_end.to_numpy()[None, :]) & (
            a_end[:, None] >= span.to_numpy()[None, :]
        )
        np.logical_or.at(ind, row[keep], overlap)
        if need > 1:
            ind = _runs_at_least(ind, need)
        out |= ind[:, len(span) - m :]
    if include_hours and status is not None and "hours" in status.columns:
        paid = status[status["hours"] > 0]
        paid = paid[paid["status"] != SELF]
        row = ids.get_indexer(paid["person_id"])
        mi = np.searchsorted(months.to_numpy(), paid["week"].to_numpy(), side="right") - 1
        ok = (row >= 0) & (mi >= 0) & (paid["week"].to_numpy() <= month_end[-1].to_datetime64())
        out[row[ok], mi[ok]] = True
    return out


def praktik_spells(
    activities: pd.DataFrame, types: Sequence[str] = ("virksomhedspraktik",)
) -> pd.DataFrame:
    """Continuous spells of an activity per person: rows that overlap or follow on merge.

    Two activities of ``types`` of the same person belong to one spell when the second
    starts at the latest the day after the first (or an earlier one of the spell) ends;
    an open end runs on.

    Returns
    -------
    DataFrame
        ``person_id``, ``start_date``, ``end_date`` (NaT: ongoing), one row per spell,
        sorted by person and start.

    Examples
    --------
    >>> a = pd.DataFrame({"person_id": ["a", "a", "a"], "type": "virksomhedspraktik",
    ...     "start_date": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-05-01"]),
    ...     "end_date": pd.to_datetime(["2020-01-31", "2020-03-15", "2020-06-30"])})
    >>> praktik_spells(a)["start_date"].dt.strftime("%m-%d").tolist()
    ['01-01', '05-01']
    """
    a = activities[activities["type"].isin(list(types)) & activities["person_id"].notna()]
    a = a.sort_values(["person_id", "start_date"], kind="stable")
    end = a["end_date"].fillna(_OPEN)
    reach = end.groupby(a["person_id"].to_numpy()).cummax()
    prev = reach.groupby(a["person_id"].to_numpy()).shift()
    same = a["person_id"].eq(a["person_id"].shift()).to_numpy()
    new = ~same | (a["start_date"] > prev + pd.Timedelta(days=1)).to_numpy()
    spell = np.cumsum(new)
    g = pd.DataFrame({"person_id": a["person_id"].to_numpy(), "start_date": a["start_date"].to_numpy(),
                      "end_date": end.to_numpy(), "spell": spell}).groupby("spell")  # fmt: skip
    out = pd.DataFrame({"person_id": g["person_id"].first(), "start_date": g["start_date"].min(),
                        "end_date": g["end_date"].max()}).reset_index(drop=True)  # fmt: skip
    out.loc[out["end_date"] >= _OPEN, "end_date"] = pd.NaT
    return out


def _has_lasted(
    ids: pd.Index, activities: pd.DataFrame, typ: str, months: pd.DatetimeIndex, length: int
) -> np.ndarray:
    """Persons x months: in a spell of ``typ`` that has lasted more than ``length`` months."""
    sp = praktik_spells(activities, [typ])
    row = ids.get_indexer(sp["person_id"])
    sp, row = sp[row >= 0], row[row >= 0]
    out = np.zeros((len(ids), len(months)), bool)
    if len(sp) == 0:
        return out
    month_end = (months + pd.offsets.MonthEnd(0)).to_numpy()
    start = sp["start_date"].to_numpy()
    end = sp["end_date"].fillna(_OPEN).to_numpy()
    passed = (sp["start_date"] + pd.DateOffset(months=length)).to_numpy()
    until = np.minimum(end[:, None], month_end[None, :])  # last day of the spell in the month
    ok = (start[:, None] <= month_end[None, :]) & (end[:, None] >= months.to_numpy()[None, :])
    ok &= passed[:, None] < until
    np.logical_or.at(out, row, ok)
    return out


def _runs_at_least(mask: np.ndarray, length: int) -> np.ndarray:
    """Keep only the runs of True that are at least ``length`` long (per row)."""
    padded = np.pad(mask.astype(np.int8), ((0, 0), (1, 1)))
    d = np.diff(padded, axis=1)
    r0, c0 = np.nonzero(d == 1)
    _, c1 = np.nonzero(d == -1)
    long_runs = (c1 - c0) >= length
    out = np.zeros_like(mask)
    if long_runs.any():
        lengths = (c1 - c0)[long_runs]
        rows = np.repeat(r0[long_runs], lengths)
        offs = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        out[rows, np.repeat(c0[long_runs], lengths) + offs] = True
    return out


def status_at(
    participants: pd.DataFrame, status: pd.DataFrame, date: dt.date | pd.Timestamp
) -> pd.Series:
    """Each person's status category in the week containing ``date`` (None: no row).

    Examples
    --------
    >>> p = pd.DataFrame({"person_id": ["a", "b"]})
    >>> st = pd.DataFrame({"person_id": ["a"], "week": pd.to_datetime(["2020-03-02"]),
    ...                    "status": ["fleksjob"]})
    >>> status_at(p, st, dt.date(2020, 3, 4)).tolist()
    ['fleksjob', None]
    """
    d = pd.Timestamp(date).normalize()
    monday = d - pd.Timedelta(days=d.dayofweek)
    st = status[status["week"] == monday]
    got = pd.Series(st["status"].astype(object).to_numpy(), index=st["person_id"].to_numpy())
    got = got[~got.index.duplicated()]
    out = got.reindex(participants["person_id"]).to_numpy(dtype=object)
    out = np.where(pd.isna(out), None, out)
    return pd.Series(out, index=participants.index, dtype=object)


def ever_in_status(
    participants: pd.DataFrame,
    status: pd.DataFrame,
    categories: Sequence[str],
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.Series:
    """1 for persons with at least one week in ``categories`` within [start, end]."""
    st = status[status["status"].isin(list(categories))]
    if start is not None:
        st = st[st["week"] >= pd.Timestamp(start) - pd.Timedelta(days=6)]
    if end is not None:
        st = st[st["week"] <= pd.Timestamp(end)]
    return participants["person_id"].isin(st["person_id"]).astype(float)


def persons_in_state(
    participants: pd.DataFrame, start: dt.date | None, end: dt.date | None
) -> pd.Series:
    """True for participants enrolled at any time in [start, end]."""
    s = pd.Timestamp(start) if start else pd.Timestamp.min
    e = pd.Timestamp(end) if end else pd.Timestamp.max
    p_end = participants["end_date"].fillna(pd.Timestamp.max)
    return (participants["start_date"] <= e) & (p_end >= s)


def monthly_share(indicator: np.ndarray, months: pd.DatetimeIndex) -> pd.DataFrame:
    """Monthly numerator, denominator and share from a persons x months indicator."""
    x = indicator.sum(axis=0)
    n = np.full(len(months), indicator.shape[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n > 0, x / n, np.nan)
    return pd.DataFrame({"month": months, "x": x, "n": n, "share": share})


PAID = ("hel", "delvis")


def paid_change(
    participants: pd.DataFrame,
    activities: pd.DataFrame,
    status: pd.DataFrame | None,
    months: pd.DatetimeIndex,
    k: int = 3,
    alpha: float = 0.05,
) -> tuple[pd.DataFrame, Estimate]:
    """Monthly share in paid work and its change from the first to the last ``k`` months.

    In paid work in a month: a company-based activity registered with full or partial pay
    (``detail`` ``hel``/``delvis``) or ordinary hours in a week on benefit. The
    denominator is the persons started by the end of the month (a fixed group: Flere skal
    med's indsatsgruppe). The change is the average of the last ``k`` monthly shares
    minus the average of the first ``k``, with the person-clustered variance of
    :func:`evalkit.clustered.clustered_share_contrast` (the same persons are in both).

    Returns
    -------
    (DataFrame, Estimate)
        ``month``, ``x``, ``n`` per month; the change (``details``: ``first``, ``last``
        months as ``yyyy-mm``).

    Raises
    ------
    ValueError
        With fewer than two months.
    """
    if len(months) < 2:
        raise ValueError(f"at least two months are needed, but had {len(months)}")
    ind = monthly_activity(participants, activities, status, months, detail=PAID)
    month_end = (months + pd.offsets.MonthEnd(0)).to_numpy()
    started = participants["start_date"].to_numpy()[:, None] <= month_end[None, :]
    ind &= started
    table = pd.DataFrame({"month": months, "x": ind.sum(axis=0), "n": started.sum(axis=0)})
    k = min(k, len(months) // 2)
    w = np.zeros(len(months))
    w[:k], w[-k:] = -1.0 / k, 1.0 / k
    c = clustered_share_contrast(ind, started, w, alpha=alpha)
    est = c.to_estimate(first=[m.strftime("%Y-%m") for m in months[:k]],
                        last=[m.strftime("%Y-%m") for m in months[-k:]])  # fmt: skip
    return table, est
