"""Follow-up during company-based courses: was it held as often as the application says?

Two seed applications promise a follow-up rhythm during company-based courses:

* 000 Herning, transport: "Udgangspunktet i projektet vil være én ugentlig opfølgning på
  virksomheden sammen med borger og virksomhedsrepræsentant", and "Ved alle praktikker
  ... sikres det, at borger får en fast mentor på virksomheden";
* 001 Ringkøbing-Skjern, STV: "Borger og jobkonsulent præsenterer målene for
  virksomheden, og der følges op på disse hver 4. uge".

:func:`followup_coverage` cuts each course into periods of the promised length from its
start (the last period may be shorter) and counts the periods with at least one
follow-up (an activity of the follow-up type and detail dated inside the period) of the
same person. The share of periods covered is a share of events clustered in persons, so
its interval is :func:`evalkit.clustered.clustered_proportion`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from evalkit._checks import check_positive_int

__all__ = ["followup_coverage"]


def followup_coverage(
    activities: pd.DataFrame,
    course_types: Sequence[str],
    every_days: int,
    followup_type: str = "samtale",
    followup_detail: Sequence[str] | None = None,
    persons: Sequence[str] | None = None,
    cutoff: dt.date | None = None,
) -> pd.DataFrame:
    """Periods of ``every_days`` days of each course, and whether a follow-up was held.

    Parameters
    ----------
    activities : DataFrame
        Canonical activities: the courses and the follow-ups.
    course_types : sequence of str
        The course types, e.g. ``["virksomhedspraktik"]``.
    every_days : int
        The promised rhythm: 7 (weekly), 28 (every 4 weeks).
    followup_type, followup_detail
        What counts as a follow-up: activities of this type (and detail).
    persons : sequence of str, optional
        Keep the courses of these persons (the participants).
    cutoff : date, optional
        Periods starting after it are not due yet; a course still running at it is cut
        there.

    Returns
    -------
    DataFrame
        One row per person: ``person_id``, ``periods`` (due), ``covered`` (with a
        follow-up).

    Examples
    --------
    >>> a = pd.DataFrame({"person_id": ["a", "a", "a"],
    ...     "type": ["virksomhedspraktik", "samtale", "samtale"],
    ...     "start_date": pd.to_datetime(["2020-01-06", "2020-01-08", "2020-01-09"]),
    ...     "end_date": pd.to_datetime(["2020-01-26", "2020-01-08", "2020-01-09"]),
    ...     "detail": [None, "opfølgning", "opfølgning"]})
    >>> followup_coverage(a, ["virksomhedspraktik"], 7).to_dict("records")
    [{'person_id': 'a', 'periods': 3, 'covered': 1}]
    """
    every = check_positive_int(every_days, "every_days")
    c = activities[activities["type"].isin(list(course_types)) & activities["person_id"].notna()]
    if persons is not None:
        c = c[c["person_id"].isin(list(persons))]
    f = activities[activities["type"] == followup_type]
    if followup_detail is not None:
        f = f[f["detail"].isin(list(followup_detail))]
    start = c["start_date"].to_numpy(dtype="datetime64[D]")
    end = c["end_date"].fillna(pd.Timestamp("2200-01-01")).to_numpy(dtype="datetime64[D]")
    if cutoff is not None:
        cut = np.datetime64(pd.Timestamp(cutoff).date(), "D")
        keep = start <= cut
        start, end, c = start[keep], np.minimum(end[keep], cut), c[keep]
    days = (end - start).astype(np.int64) + 1
    n = np.maximum(-(-days // every), 1)
    course = np.repeat(np.arange(len(c)), n)
    j = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    p_start = start[course] + (j * every).astype("timedelta64[D]")
    p_end = np.minimum(p_start + np.timedelta64(every - 1, "D"), end[course])
    who = c["person_id"].to_numpy()[course]
    # one sorted key per follow-up (person code, day); a period is covered when the first
    # follow-up at or after its start (same person) falls before its end
    codes = pd.Index(pd.unique(np.concatenate([who, f["person_id"].dropna().to_numpy()])))
    f_code = codes.get_indexer(f["person_id"])
    f_day = f["start_date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    ok = f_code >= 0
    span = 1 << 32
    keys = np.sort(f_code[ok].astype(np.int64) * span + f_day[ok])
    p_code = codes.get_indexer(who).astype(np.int64)
    lo = p_code * span + p_start.astype(np.int64)
    hi = p_code * span + p_end.astype(np.int64)
    i = np.searchsorted(keys, lo, side="left")
    hit = (i < len(keys)) & (keys[np.minimum(i, len(keys) - 1)] <= hi) if len(keys) else (
        np.zeros(len(lo), bool))  # fmt: skip
    out = pd.DataFrame({"person_id": who, "periods": 1, "covered": hit.astype(int)})
    return out.groupby("person_id", sort=True, as_index=False)[["periods", "covered"]].sum()
