"""Ordinary hours week by week after the praktik starts, keeping the weeks apart by state.

Seed 000 (Herning, transport) promises to follow "den løbende progression i praktikken i
forhold til ordinære løntimer – uge for uge pr. borger". A week in self-support (no
benefit, often full-time work) is not a week of progression in the praktik, so the weeks
are kept apart:

* :func:`weekly_states`: each participant's state in each week since the start of their
  first praktik: ``praktik`` (on benefit and in praktik that week), ``ydelse`` (on benefit,
  not in praktik), ``selvforsoergende`` or ``andet`` (education, pension, moved, ...);
* :func:`hours_by_state`: per week, the hours of the weeks on benefit (median,
  quartiles, share with any hours) and, separately, the share self-supporting;
* :func:`first_hours`: weeks from the praktik start to the first week on benefit with
  ordinary hours, censored when the person leaves benefit or is no longer observed, for
  a Kaplan-Meier curve of "the share who have had ordinary hours by week w".

Persons are labelled ``Borger 1`` ... ``Borger n`` as in
:func:`evalkit.seeds_measures.hours_by_week`; no id leaves these functions.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd

from evalkit._checks import check_alpha, check_positive_int
from evalkit.disclosure import unpublishable_share
from evalkit.seeds_measures import _wilson_columns, praktik_anchors
from evalkit.spells import SELF

__all__ = [
    "BENEFITS",
    "STATES",
    "first_hours",
    "hours_by_state",
    "praktik_extent",
    "weekly_states",
]

#: Status categories that count as "on benefit" (the weeks of possible progression).
BENEFITS = ("kontanthjaelp", "dagpenge", "ressourceforloeb", "sygedagpenge", "ledighedsydelse")
STATES = ("praktik", "ydelse", "selvforsoergende", "andet")


def weekly_states(
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
    """Each participant's state by week since their first praktik (week 0 = its week).

    Parameters are those of :func:`evalkit.seeds_measures.hours_by_week`.

    Returns
    -------
    DataFrame
        Rows ``Borger 1`` ... (same order as ``hours_by_week``), columns the weeks
        ``-weeks_before ... weeks_after``; values in :data:`STATES`, None where the week is
        not observed (outside the panel or after ``cutoff``).

    Examples
    --------
    >>> p = pd.DataFrame({"person_id": ["a"]})
    >>> acts = pd.DataFrame({"person_id": ["a"], "type": "virksomhedspraktik",
    ...     "start_date": pd.to_datetime(["2020-01-13"]), "end_date": pd.to_datetime(["2020-01-24"])})
    >>> st = pd.DataFrame({"person_id": "a", "week": pd.date_range("2020-01-06", periods=4,
    ...     freq="7D"), "status": ["kontanthjaelp"] * 3 + ["selvforsoergende"], "hours": 0.0})
    >>> weekly_states(p, acts, st, weeks_before=1, weeks_after=2).iloc[0].tolist()
    ['ydelse', 'praktik', 'praktik', 'selvforsoergende']
    """
    if weeks_before < 0:
        raise ValueError(f"weeks_before must be >= 0, but was {weeks_before!r}")
    weeks_after = check_positive_int(weeks_after, "weeks_after")
    cols = list(range(-weeks_before, weeks_after + 1))
    anchors = praktik_anchors(participants, activities, type, start, end)
    out = pd.DataFrame(None, index=pd.Index(list(anchors["label"]), name="borger"),
                       columns=cols, dtype=object)  # fmt: skip
    if len(anchors) == 0:
        return out
    st = status[status["person_id"].isin(anchors.index)]
    if cutoff is not None:
        st = st[st["week"] <= pd.Timestamp(cutoff)]
    anchor = anchors["anchor"].reindex(st["person_id"]).to_numpy()
    rel = (st["week"].to_numpy() - anchor) // np.timedelta64(7, "D")
    keep = (rel >= -weeks_before) & (rel <= weeks_after)
    st, rel = st[keep], rel[keep].astype(int)
    code = st["status"].astype(object).to_numpy()
    on = np.isin(code, BENEFITS)
    state = np.where(code == SELF, "selvforsoergende", np.where(on, "ydelse", "andet"))
    # in praktik that week: a praktik of the person overlapping Monday-Sunday
    pr = activities[(activities["type"] == type) & activities["person_id"].isin(anchors.index)]
    weeks = pd.DataFrame({"person_id": st["person_id"].to_numpy(), "week": st["week"].to_numpy(),
                          "i": np.arange(len(st))})  # fmt: skip
    m = weeks.merge(pr[["person_id", "start_date", "end_date"]], on="person_id")
    ends = m["end_date"].fillna(pd.Timestamp("2200-01-01"))
    hit = (m["start_date"] <= m["week"] + pd.Timedelta(days=6)) & (ends >= m["week"])
    in_praktik = np.zeros(len(st), bool)
    in_praktik[m.loc[hit.to_numpy(), "i"].to_numpy()] = True
    state = np.where(on & in_praktik, "praktik", state)
    rows = anchors["label"].reindex(st["person_id"]).to_numpy()
    table = pd.DataFrame({"borger": rows, "week": rel, "state": state})
    wide = table.pivot_table(index="borger", columns="week", values="state", aggfunc="first")
    out.loc[wide.index, wide.columns] = wide.to_numpy()
    return out.where(out.notna(), None)


def hours_by_state(
    hours: pd.DataFrame, states: pd.DataFrame, threshold: int = 5, alpha: float = 0.05
) -> pd.DataFrame:
    """Per week: the hours of the weeks on benefit, and the share self-supporting.

    Parameters
    ----------
    hours : DataFrame
        From :func:`evalkit.seeds_measures.hours_by_week`.
    states : DataFrame
        From :func:`weekly_states` (same rows and columns).
    threshold : int
        Weeks with fewer persons on benefit (for the hours) or observed (for the share
        self-supporting) are not described (NaN), so no small group is shown; a share is
        NaN, with its interval, where its count or the rest is a small group
        (:func:`evalkit.disclosure.unpublishable_share`).

    Returns
    -------
    DataFrame
        One row per week: ``week``, ``n`` (observed), ``n_benefit``, ``n_praktik``,
        ``n_self``; among the weeks on benefit ``median``, ``q1``, ``q3`` (R type 7),
        ``x_hours`` (with hours > 0), ``share_hours`` with Wilson ``lower``/``upper``;
        ``share_self`` with ``self_lower``/``self_upper`` (of the observed); ``shown``.

    Examples
    --------
    >>> h = pd.DataFrame({0: [0.0, 4.0, 37.0, 8.0, 10.0, 2.0]})
    >>> s = pd.DataFrame({0: ["praktik", "praktik", "selvforsoergende", "ydelse",
    ...                       "praktik", "praktik"]})
    >>> d = hours_by_state(h, s).iloc[0]
    >>> [float(d[c]) for c in ("n_benefit", "median", "x_hours", "n_self")]
    [5.0, 4.0, 4.0, 1.0]
    """
    threshold = check_positive_int(threshold, "threshold")
    alpha = check_alpha(alpha)
    if list(hours.columns) != list(states.columns) or len(hours) != len(states):
        raise ValueError("hours and states must have the same rows and weeks")
    st = states.to_numpy(dtype=object)
    on = np.isin(st, ("praktik", "ydelse"))
    v = np.where(on, hours.to_numpy(dtype=float), np.nan)
    seen = pd.notna(st)
    n = seen.sum(axis=0)
    n_on = on.sum(axis=0)
    n_self = (st == "selvforsoergende").sum(axis=0)
    x_hours = (np.nan_to_num(v) > 0).sum(axis=0)
    with warnings.catch_warnings():  # all-NaN weeks give NaN quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        q = np.nanpercentile(v, [25, 50, 75], axis=0)
    out = pd.DataFrame({"week": list(hours.columns), "n": n, "n_benefit": n_on,
                        "n_praktik": (st == "praktik").sum(axis=0), "n_self": n_self,
                        "median": q[1], "q1": q[0], "q3": q[2], "x_hours": x_hours})  # fmt: skip
    w = _wilson_columns(x_hours, n_on, alpha).rename(columns={"share": "share_hours"})
    ws = _wilson_columns(n_self, n, alpha).rename(
        columns={"share": "share_self", "lower": "self_lower", "upper": "self_upper"}
    )
    out = pd.concat([out, w, ws], axis=1)
    small_on, small = n_on < threshold, n < threshold
    out.loc[small_on, ["median", "q1", "q3", "share_hours", "lower", "upper"]] = np.nan
    out.loc[small, ["share_self", "self_lower", "self_upper"]] = np.nan
    # a share (and its band) only where the table may show it: no 1..threshold-1 with or
    # without hours, or self-supporting or not (evalkit.disclosure, as in the table)
    out.loc[unpublishable_share(x_hours, n_on, threshold), ["share_hours", "lower", "upper"]] = (
        np.nan
    )
    out.loc[unpublishable_share(n_self, n, threshold), ["share_self", "self_lower",
                                                         "self_upper"]] = np.nan  # fmt: skip
    out["shown"] = ~small_on
    return out


def first_hours(hours: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """Weeks from the praktik start to the first week on benefit with ordinary hours.

    From week 0 on, the event is the first week on benefit with hours > 0. Follow-up ends
    the week before the first week that is not on benefit (self-support, education, ...)
    or not observed: the person is censored at the last week at risk. Persons not on
    benefit in week 0 were never at risk and are left out.

    Returns
    -------
    DataFrame
        ``duration`` (weeks since week 0) and ``event`` (1: hours, 0: censored), one row
        per person at risk, index as ``hours``; for :func:`evalkit.survival.kaplan_meier`,
        whose ``1 - S(w)`` is the share with ordinary hours by week ``w`` had nobody left
        benefit (leaving benefit taken as independent censoring).

    Examples
    --------
    >>> h = pd.DataFrame({0: [0.0, 0.0, 0.0, 37.0], 1: [0.0, 0.0, 5.0, 37.0],
    ...                   2: [6.0, 37.0, 8.0, 37.0]})
    >>> s = pd.DataFrame({0: ["praktik"] * 3 + ["selvforsoergende"], 1: ["praktik"] * 3 +
    ...     ["selvforsoergende"], 2: ["praktik", "selvforsoergende", "ydelse", None]})
    >>> first_hours(h, s).to_dict("list")
    {'duration': [2, 1, 1], 'event': [1, 0, 1]}
    """
    cols = [c for c in hours.columns if c >= 0]
    st = states[cols].to_numpy(dtype=object)
    on = np.isin(st, ("praktik", "ydelse"))
    worked = on & (np.nan_to_num(hours[cols].to_numpy(dtype=float)) > 0)
    stop = ~on  # off benefit or not observed
    big = len(cols)
    t_work = np.where(worked.any(axis=1), worked.argmax(axis=1), big)
    t_stop = np.where(stop.any(axis=1), stop.argmax(axis=1), big)
    event = t_work < t_stop
    duration = np.where(event, t_work, np.where(t_stop < big, t_stop - 1, big - 1))
    out = pd.DataFrame({"duration": duration.astype(int), "event": event.astype(int)},
                       index=hours.index)  # fmt: skip
    return out[out["duration"] >= 0]


def praktik_extent(
    participants: pd.DataFrame,
    activities: pd.DataFrame,
    start: dt.date | None = None,
    end: dt.date | None = None,
    type: str = "virksomhedspraktik",
) -> pd.DataFrame:
    """Extent of each praktik begun in [start, end]: weeks, hours a week, hours in all.

    Seed 000: "Omfang af virksomhedspraktikker". A praktik's length is its calendar weeks
    from start to end (``ceil(days / 7)``; an ongoing one runs to ``end``); its hours are
    the registered hours a week (``hours``) times the weeks.

    Returns
    -------
    DataFrame
        One row per praktik of the participants: ``weeks``, ``hours_per_week`` (NaN when
        not registered), ``hours``.

    Examples
    --------
    >>> p = pd.DataFrame({"person_id": ["a"]})
    >>> acts = pd.DataFrame({"person_id": ["a"], "type": "virksomhedspraktik", "hours": 20.0,
    ...     "start_date": pd.to_datetime(["2020-01-06"]), "end_date": pd.to_datetime(["2020-02-14"])})
    >>> praktik_extent(p, acts).to_dict("records")
    [{'weeks': 6, 'hours_per_week': 20.0, 'hours': 120.0}]
    """
    a = activities[(activities["type"] == type)
                   & activities["person_id"].isin(participants["person_id"])]  # fmt: skip
    if start is not None:
        a = a[a["start_date"] >= pd.Timestamp(start)]
    if end is not None:
        a = a[a["start_date"] <= pd.Timestamp(end)]
    stop = a["end_date"].fillna(pd.Timestamp(end) if end is not None else a["start_date"])
    if end is not None:
        stop = stop.clip(upper=pd.Timestamp(end))
    days = (stop - a["start_date"]).dt.days.to_numpy() + 1
    weeks = -(-days // 7)
    per = a["hours"].to_numpy(dtype=float) if "hours" in a else np.full(len(a), np.nan)
    return pd.DataFrame({"weeks": weeks.astype(int), "hours_per_week": per,
                         "hours": weeks * per}).reset_index(drop=True)  # fmt: skip
