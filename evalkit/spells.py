"""From the weekly status panel to spells: weeks on benefit until self-support.

The rules (documented in ``docs/spells.md``):

* Time is counted in whole ISO weeks since the person's start week (week 0 is the week
  containing ``start_date``).
* The **event** is the first week ``t`` that begins a run of ``k`` consecutive
  ``selvforsoergende`` weeks (no benefit); the duration is ``t``.
* A **competing exit** is the first week with a competing status (by default
  ``uddannelse``, ``foertidspension``, ``udvandret``, ``doed``) before the event.
* Follow-up for the event ends ``k - 1`` weeks before the person's last week in the
  panel (or the ``as_of`` date), because a run that starts later cannot be confirmed: persons with neither event
  nor competing exit by then are censored there (administrative censoring), and exits
  after it are not counted.
* ``status_13`` / ``status_26``: the status ``13`` and ``26`` weeks after the event week
  (None when not observed), for "still self-supporting 3 and 6 months after".
* ``employed_26``: self-supporting or with ordinary hours in week 26 after start;
  ``employed_by_26``: in at least one of weeks 0-26 (both NaN when week 26 is not
  observed, so the two readings share their denominator).
* ``entry``: for left truncation, the delayed-entry time of the spell in R's
  ``Surv(entry, duration, event)`` sense: -1 when the panel covers the start week (at
  risk from week 0), else the first week of the panel counted from the start (the
  person started before the panel; at risk from the week after).

Everything is vectorised over persons and weeks: one dense int8 persons x weeks matrix,
handed in blocks of persons to :func:`evalkit.spells_kernel.spells_block`, which states
the rules on calendar weeks (the same kernel serves the columnar path of
:mod:`evalkit.columnar`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from evalkit._checks import check_positive_int
from evalkit.config import COMPETING
from evalkit.schemas import STATUS_CATEGORIES  # the one list of status categories
from evalkit.spells_kernel import BLOCK, competing_codes, spells_block

__all__ = [
    "SELF",
    "STATUS_CATEGORIES",
    "build_spells",
    "spells_frame",
    "status_matrix",
    "survival_input",
]

SELF = "selvforsoergende"
_MISSING = -1


def _monday(values: pd.Series | pd.DatetimeIndex) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(values).normalize()
    return idx - pd.to_timedelta(idx.weekday, unit="D")


def _week_days(values: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 of the Monday of each date (int64, vectorised)."""
    if (
        pd.api.types.is_datetime64_any_dtype(values.dtype)
        and getattr(values.dt, "tz", None) is None
    ):
        days = values.to_numpy(dtype="datetime64[D]").astype(np.int64)
    else:
        days = pd.DatetimeIndex(values).normalize().to_numpy(dtype="datetime64[D]").astype(np.int64)
    return days - (days + 3) % 7  # 1970-01-01 was a Thursday


def _category_codes(values: pd.Series) -> np.ndarray:
    """Index into STATUS_CATEGORIES of each value, -1 for an unknown one."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        lut = np.array(
            [
                STATUS_CATEGORIES.index(c) if c in STATUS_CATEGORIES else -1
                for c in values.cat.categories
            ]
            + [-1],
            np.int8,
        )
        return lut[values.cat.codes.to_numpy()]
    return pd.Categorical(values, categories=STATUS_CATEGORIES).codes


def status_matrix(
    status: pd.DataFrame, person_ids: Sequence[str] | pd.Index
) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """Dense persons x weeks matrices of status codes and hours.

    Parameters
    ----------
    status : DataFrame
        The canonical status table (``person_id, week, status, hours``).
    person_ids : sequence of str
        Row order of the result. Persons absent from ``status`` get empty rows.

    Returns
    -------
    codes : ndarray of int8, shape (n_persons, n_weeks)
        Index into :data:`STATUS_CATEGORIES`, ``-1`` where no row exists.
    hours : ndarray of float32, same shape
    weeks : DatetimeIndex
        The Monday of each column, consecutive weeks from the first to the last in
        ``status``.
    """
    for col in ("person_id", "week", "status"):
        if col not in status.columns:
            raise ValueError(
                f"status table must have a column {col!r}; it has {list(status.columns)}"
            )
    ids = pd.Index(person_ids)
    if len(status) == 0:
        return (
            np.full((len(ids), 0), _MISSING, np.int8),
            np.zeros((len(ids), 0), np.float32),
            pd.DatetimeIndex([]),
        )
    day = _week_days(status["week"])  # days since 1970-01-01 of each row's Monday
    d0 = int(day.min())
    n_weeks = (int(day.max()) - d0) // 7 + 1
    weeks = pd.date_range(pd.Timestamp(d0, unit="D"), periods=n_weeks, freq="7D")
    col = (day - d0) // 7
    row = ids.get_indexer(status["person_id"])
    cat_codes = _category_codes(status["status"])
    if (cat_codes < 0).any():
        bad = status["status"].iloc[int(np.flatnonzero(cat_codes < 0)[0])]
        raise ValueError(f"unknown status category {bad!r}; expected one of {STATUS_CATEGORIES}")
    keep = row >= 0
    codes = np.full((len(ids), n_weeks), _MISSING, np.int8)
    codes[row[keep], col[keep]] = cat_codes[keep]
    hours = np.zeros((len(ids), n_weeks), np.float32)
    if "hours" in status.columns:
        h = status["hours"].to_numpy(dtype=float, na_value=0.0)
        hours[row[keep], col[keep]] = h[keep]
    return codes, hours, weeks


def build_spells(
    status: pd.DataFrame,
    participants: pd.DataFrame,
    k: int = 4,
    competing: Sequence[str] = COMPETING,
    as_of: dt.date | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Durations until self-support, with competing exits and later status.

    Parameters
    ----------
    status : DataFrame
        Canonical status table (``person_id, week, status[, hours]``).
    participants : DataFrame
        Canonical participants table; needs ``person_id`` and ``start_date``. All its
        other columns are carried over to the result.
    k : int, default 4
        Consecutive self-supporting weeks that make an exit to self-support.
    competing : sequence of str
        Status categories that end the spell as a competing exit.
    as_of : date, optional
        Treat the data as ending at this date (status reports); default the panel's end.

    Returns
    -------
    DataFrame
        One row per participant: the participant columns plus ``duration`` (weeks),
        ``event`` (1 self-support, 0 otherwise), ``cause`` (0 censored, 1 self-support,
        2, 3, ... the competing categories in the order given), ``cause_label``,
        ``exit_date`` (Monday of the exit week, NaT when censored), ``followup_end``
        (the duration at which follow-up ended), ``status_13``, ``status_26``,
        ``employed_26`` and ``employed_by_26`` (float 0/1, NaN when week 26 is not
        observed) and ``entry`` (-1, or for a person who started before the panel the
        first panel week counted from the start: the delayed entry of a left-truncated
        analysis, see :func:`survival_input`).

    Raises
    ------
    ValueError
        For an unknown competing category, k < 1 or missing columns.

    Examples
    --------
    >>> weeks = pd.date_range("2020-01-06", periods=10, freq="7D")
    >>> st = pd.DataFrame({"person_id": "a", "week": weeks,
    ...                    "status": ["kontanthjaelp"] * 3 + ["selvforsoergende"] * 7})
    >>> p = pd.DataFrame({"person_id": ["a"], "start_date": [pd.Timestamp("2020-01-08")]})
    >>> build_spells(st, p, k=4)[["duration", "event"]].to_dict("records")
    [{'duration': 3, 'event': 1}]
    """
    k = check_positive_int(k, "k")
    competing = tuple(competing)
    for col in ("person_id", "start_date"):
        if col not in participants.columns:
            raise ValueError(f"participants must have a column {col!r}")

    comp_codes = competing_codes(competing)
    codes, hours, weeks = status_matrix(status, participants["person_id"])
    n, n_weeks = codes.shape
    if n_weeks == 0:
        raise ValueError("the status table is empty; no spells can be built")
    start_col = ((_monday(participants["start_date"]) - weeks[0]).days // 7).to_numpy()
    end_col = n_weeks - 1
    if as_of is not None:
        end_col = min(end_col, int((pd.Timestamp(as_of) - weeks[0]).days // 7))
    # a person's follow-up ends at their own last week in the panel cut at the cut-off
    # (their last row on or before it, not the cut-off when that week has no row)
    width = max(end_col + 1, 0)
    last_col = np.full(n, -1, np.int64)
    if width:
        has_row = codes[:, :width] >= 0
        last_col = np.where(has_row.any(axis=1), width - 1 - has_row[:, ::-1].argmax(axis=1), -1)
        del has_row
    last_col = np.minimum(end_col, last_col)  # a cut before the panel: end_col < -1
    parts = [
        spells_block(
            codes[i : i + BLOCK, :width],
            start_col[i : i + BLOCK],
            k,
            comp_codes,
            hours=hours[i : i + BLOCK, :width],
            last_col=last_col[i : i + BLOCK],
        )
        for i in range(0, n, BLOCK)
    ] or [spells_block(codes[:, :width], start_col, k, comp_codes, last_col=last_col)]
    res = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    return spells_frame(participants, res, weeks, competing)


def spells_frame(
    participants: pd.DataFrame,
    res: dict[str, np.ndarray],
    weeks: pd.DatetimeIndex,
    competing: Sequence[str],
) -> pd.DataFrame:
    """The spells table of :func:`build_spells` from the arrays of :func:`spells_block`.

    Parameters
    ----------
    participants : DataFrame
        The persons of ``res`` in the same order; all columns are carried over.
    res : dict of str to ndarray
        From :func:`evalkit.spells_kernel.spells_block` (concatenated over blocks).
    weeks : DatetimeIndex
        The Monday of each calendar column of the status matrix.
    competing : sequence of str
        The competing categories, in the order of the causes 2, 3, ...
    """
    labels = np.array(["censureret", "selvforsoergelse", *competing], dtype=object)
    out = participants.copy()
    for key in ("duration", "event", "cause"):
        out[key] = res[key]
    out["cause_label"] = labels[res["cause"]]
    exit_col = res["exit_col"]
    exit_dates = pd.DatetimeIndex(weeks[np.clip(exit_col, 0, max(len(weeks) - 1, 0))])
    out["exit_date"] = exit_dates.where(exit_col >= 0)
    out["followup_end"] = res["followup_end"]
    cats = np.array(STATUS_CATEGORIES, dtype=object)
    for lag in (13, 26):
        code = res[f"status_{lag}"]
        out[f"status_{lag}"] = np.where(code >= 0, cats[np.clip(code, 0, None)], None)
    out["employed_26"] = res["employed_26"]
    out["employed_by_26"] = res["employed_by_26"]
    out["entry"] = res["entry"]
    return out


def survival_input(spells: pd.DataFrame, groups: str | None = None) -> dict[str, Any]:
    """Keyword arguments for the survival estimators from spells, left truncation included.

    When some person started before the panel (``entry >= 0``), their weeks before the
    panel are unobserved: an exit then cannot be seen, so counting them at risk from
    week 0 overstates time on benefit. The correct analysis has them enter the risk
    sets after their first panel week (delayed entry, R ``Surv(entry, duration,
    event)``) and leaves out spells that ended by then (``duration <= entry``: an exit,
    if any, happened before observation began). Without such persons ``entry`` is None
    and the analysis is the ordinary right-censored one.

    Parameters
    ----------
    spells : DataFrame
        From :func:`build_spells` (columns ``duration``, ``event``, ``entry``).
    groups : str, optional
        A column whose values are passed on as ``groups`` (e.g. ``"arm"``).

    Returns
    -------
    dict
        ``durations``, ``events``, ``entry`` (None without left truncation) and, if
        asked, ``groups``: ``kaplan_meier(**survival_input(spells))`` works as it is
        (so do ``nelson_aalen`` and, with ``groups``, ``logrank``). The spells used are
        those with ``duration > entry``.

    Raises
    ------
    ValueError
        For a missing column.

    Examples
    --------
    >>> sp = pd.DataFrame({"duration": [3, 5, 2], "event": [1, 0, 1], "entry": [-1, 2, 4]})
    >>> kw = survival_input(sp)
    >>> kw["durations"].tolist(), kw["entry"].tolist()
    ([3, 5], [-1.0, 2.0])
    """
    need = ["duration", "event", "entry"] + ([groups] if groups is not None else [])
    for col in need:
        if col not in spells.columns:
            raise ValueError(f"spells must have a column {col!r}; it has {list(spells.columns)}")
    entry = spells["entry"].to_numpy()
    truncated = bool((entry >= 0).any())
    rows = spells["duration"].to_numpy() > entry if truncated else np.ones(len(spells), bool)
    out: dict[str, Any] = {
        "durations": spells["duration"].to_numpy()[rows],
        "events": spells["event"].to_numpy()[rows],
        "entry": entry[rows].astype(float) if truncated else None,
    }
    if groups is not None:
        out["groups"] = spells[groups].to_numpy()[rows]
    return out
