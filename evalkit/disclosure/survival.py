"""Survival curves that reveal no small group: the published Kaplan-Meier curve.

A drawn Kaplan-Meier curve is a table in disguise. Each step has the height
``S(t-) d / n``, so a reader who knows the number at risk ``n`` (printed under the plot,
or counted down from the n in the legend) reads off the number of events ``d``; and the
fall in the number at risk between two times, minus the events, is the number censored
(persons who moved away, died, started an education or were still on benefit when the
data end). With 30 participants most steps are one or two persons.

The published curve is therefore the Kaplan-Meier estimate of a *grouped* life table
(:func:`grouped_life_table`), in which every count that the figure, its at-risk row, the
table of S(t), the median and the confidence intervals rest on is 0 or at least the
threshold:

* **Events.** The weeks are cut into intervals, from the left, each ending at the first
  time at which it holds at least ``threshold`` events; the events of an interval are
  counted at its end. Fewer than ``threshold`` events left at the end join the interval
  before them, which then ends at the last event.
* **Censorings** are counted at the end of their interval too, but only once at least
  ``threshold`` have gathered; until then they wait for the next interval end (so a
  censored person counts as at risk a little longer than observed). Fewer than
  ``threshold`` left at the end join the last group before them (counted a little early).
* **Entries** (delayed entry, left truncation: persons who started before the data's
  first week are at risk only from there) are counted per interval as well: a person
  who enters during an interval is at risk at its end, where its events are counted.
  Entries are released from the right once at least ``threshold`` have gathered, so a
  few entries join the ones before them (counted a little early, at risk somewhat
  longer than observed); the first interval holds at least as many entries as events.
  The number at risk at an interval's end is everyone entered by then less everyone who
  left before it.

Every published number is then a function of interval counts that are 0 or at least the
threshold, and so is every sum or difference of them: without delayed entry no
difference of two numbers at risk, no step height times a number at risk, is a group of
1 to ``threshold - 1`` persons; with it, such a difference is the entries of an interval
less those who left, each a group of 0 or at least ``threshold``. When there are 1 to
``threshold - 1`` events, or censorings, in all, no curve can be published (with n,
either count would give the other).

With many participants almost every week is its own interval and the curve is the
ordinary one. With few, the steps are wider and the curve lies a little above the
ungrouped one inside an interval (its events are counted at the interval's end). Entries
are only ever moved earlier and events and censorings later, so every person's grouped
interval ``(entry, exit]`` holds the observed one; the one exception, a few censorings
at the end counted early, is made only where the risk sets stay consistent (otherwise
they wait for the last time, with the last release before them). The idea is that of
Danmarks Statistik's and Jobindsats' tables (no cell of 1-4 persons) applied to the life
table behind the curve; OpenSAFELY's published Kaplan-Meier curves round cumulative
event and censoring counts for the same reason.

References
----------
Hundepool, A. et al. (2012). *Statistical Disclosure Control*, ch. 4-5. Wiley.
Kalbfleisch, J. D. and Prentice, R. L. (2002). *The Statistical Analysis of Failure Time
Data*, 2nd ed., sec. 4.3 (grouped data, the life table) and 1.3 (delayed entry). Wiley.
OpenSAFELY, ``kaplan-meier-function`` (``round_cmlcount``: at least ``min_count`` events
and censorings per step).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit._checks import check_positive_int

__all__ = ["grouped_life_table", "publishable_curve"]


def _release_censorings(c_grp: np.ndarray, threshold: int, early: bool) -> np.ndarray:
    """Censorings counted once ``threshold`` have gathered; where a small rest goes.

    ``early``: the rest joins the last release before it (counted early); else that
    release waits and joins the rest at the last interval end (counted late).
    """
    released = np.zeros(len(c_grp), dtype=np.int64)
    buffer, last = 0, -1
    for j in range(len(c_grp)):
        buffer += int(c_grp[j])
        if buffer >= threshold:
            released[j], buffer, last = buffer, 0, j
    if buffer:  # last >= 0: the total is >= threshold
        if early:
            released[last] += buffer
        else:
            released[-1] += buffer + released[last]
            released[last] = 0
    return released


def _release_entries(e_grp: np.ndarray, threshold: int) -> np.ndarray:
    """Entries counted, from the right, once ``threshold`` have gathered (moved earlier).

    A rest of fewer than ``threshold`` at the start joins the first release after it,
    which is then counted in the first interval. (From a fitted curve this cannot occur:
    the first interval holds at least as many entries as events.)
    """
    released = np.zeros(len(e_grp), dtype=np.int64)
    buffer, first = 0, -1
    for j in range(len(e_grp) - 1, -1, -1):
        buffer += int(e_grp[j])
        if buffer >= threshold:
            released[j], buffer, first = buffer, 0, j
    if buffer:  # first >= 0: the total is >= threshold
        released[0] += buffer + released[first]
        if first:
            released[first] = 0
    return released


def _consistent(entered: np.ndarray, events: np.ndarray, censored: np.ndarray) -> bool:
    """Whether everyone counted as leaving at an interval end is in its risk set."""
    out = events + censored
    at_risk = np.cumsum(entered) - np.concatenate(([0], np.cumsum(out)[:-1]))
    return bool((at_risk >= out).all())


def grouped_life_table(
    times: np.ndarray,
    events: np.ndarray,
    censored: np.ndarray,
    threshold: int = 5,
    entered: np.ndarray | None = None,
) -> pd.DataFrame | None:
    """The life table a published curve is drawn from: every count 0 or >= ``threshold``.

    Parameters
    ----------
    times : array_like
        The distinct times, increasing (a Kaplan-Meier table's ``time``).
    events, censored : array_like of int
        Events and censorings at each time.
    threshold : int, default 5
    entered : array_like of int, optional
        For delayed entry: the persons at risk from each time on who were not at risk at
        the time before (entered since; at the first time, everyone then at risk).

    Returns
    -------
    DataFrame or None
        ``time, events, censored`` (with ``entered`` first when given): one row per time
        at which a count is made (the end of an interval); an entry counted at a row is
        at risk there (it entered after the row before). None when there are 1 to
        ``threshold - 1`` events, censorings or entries in all.

    Examples
    --------
    >>> t = grouped_life_table([1, 2, 3, 4, 5, 6], [3, 3, 0, 4, 2, 0], [1, 0, 2, 0, 1, 3], 5)
    >>> t.values.tolist()
    [[2.0, 6.0, 0.0], [5.0, 6.0, 0.0], [6.0, 0.0, 7.0]]
    >>> grouped_life_table([1, 2], [2, 1], [0, 5], 5) is None
    True
    >>> t = grouped_life_table(
    ...     [1, 2, 3, 4], [5, 0, 5, 5], [0, 5, 0, 5], 5, entered=[12, 3, 0, 10]
    ... )
    >>> t[["time", "entered", "events", "censored"]].values.tolist()
    [[1.0, 15.0, 5.0, 0.0], [3.0, 0.0, 5.0, 5.0], [4.0, 10.0, 5.0, 5.0]]
    """
    threshold = check_positive_int(threshold, "threshold")
    t = np.asarray(times, dtype=float)
    d = np.asarray(events, dtype=np.int64)
    c = np.asarray(censored, dtype=np.int64)
    a = None if entered is None else np.asarray(entered, dtype=np.int64)
    shapes = [t.shape, d.shape, c.shape] + ([] if a is None else [a.shape])
    if len(set(shapes)) != 1 or t.ndim != 1:
        names = "times, events, censored" + ("" if a is None else " and entered")
        raise ValueError(
            f"{names} must be 1-d of one length, but had shapes {', '.join(map(str, shapes))}"
        )
    if (d < 0).any() or (c < 0).any() or (a is not None and (a < 0).any()):
        raise ValueError("events, censored and entered must be non-negative counts")
    if len(t) and (np.diff(t) <= 0).any():
        raise ValueError("times must be increasing")
    if a is not None and not _consistent(a, d, c):
        raise ValueError(
            "entered, events and censored do not fit together: at some time fewer persons "
            "are at risk (entered less those who left before) than leave"
        )
    totals = [int(d.sum()), int(c.sum())] + ([] if a is None else [int(a.sum())])
    if any(0 < tot < threshold for tot in totals) or len(t) == 0:
        return None
    # interval ends: each at the first time with >= threshold events since the last end
    ends: list[int] = []
    acc = 0
    for i in range(len(t)):
        acc += int(d[i])
        if acc >= threshold:
            ends.append(i)
            acc = 0
    if acc:  # the few events left join the interval before them, which then ends at
        ends[-1] = int(np.flatnonzero(d)[-1])  # the last event (total_d >= threshold)
    if not ends or ends[-1] != len(t) - 1:
        ends.append(len(t) - 1)  # censorings after the last event
    starts = [0, *[e + 1 for e in ends[:-1]]]
    d_grp = np.array([d[p : q + 1].sum() for p, q in zip(starts, ends, strict=True)])
    c_grp = np.array([c[p : q + 1].sum() for p, q in zip(starts, ends, strict=True)])
    released = _release_censorings(c_grp, threshold, early=True)
    cols: dict[str, np.ndarray] = {}
    keep = (d_grp > 0) | (released > 0)
    if a is not None:
        a_grp = np.array([a[p : q + 1].sum() for p, q in zip(starts, ends, strict=True)])
        entries = _release_entries(a_grp, threshold)
        if not _consistent(entries, d_grp, released):
            released = _release_censorings(c_grp, threshold, early=False)
        keep = (d_grp > 0) | (released > 0) | (entries > 0)
        cols["entered"] = entries[keep].astype(float)
    ix = np.asarray(ends)[keep]
    return pd.DataFrame(
        {
            "time": t[ix],
            **cols,
            "events": d_grp[keep].astype(float),
            "censored": released[keep].astype(float),
        }
    )


def _entered(tab: pd.DataFrame) -> np.ndarray:
    """Persons at risk at each table time who were not at risk at the one before."""
    y = tab["at_risk"].to_numpy(dtype=float)
    left = (tab["events"] + tab["censored"]).to_numpy(dtype=float)
    before = np.concatenate(([0.0], (y - left)[:-1]))
    return y - before


def _grouped_data(grouped: pd.DataFrame) -> dict[str, np.ndarray]:
    """Person rows ``(entry, stop]`` with the grouped table's counts (entries paired in order).

    The k-th entry (in time order) is paired with the k-th exit, which leaves after it
    because every risk set holds those leaving it; the Kaplan-Meier estimate depends on
    the numbers at risk only, not on the pairing.
    """
    gt = grouped["time"].to_numpy()
    gd = grouped["events"].to_numpy().astype(np.int64)
    gc = grouped["censored"].to_numpy().astype(np.int64)
    stop = np.repeat(gt, gd + gc)
    status = np.repeat(np.tile([1.0, 0.0], len(gt)), np.column_stack((gd, gc)).ravel())
    out = {"durations": stop, "events": status}
    if "entered" in grouped:
        ge = grouped["entered"].to_numpy().astype(np.int64)
        first = min(float(gt[0]) - 1.0, 0.0)  # at risk from the first time on
        out["entry"] = np.repeat(np.concatenate(([first], gt[:-1])), ge)
    return out


def publishable_curve(km, threshold: int = 5):
    """The Kaplan-Meier curve a report may draw: from the grouped life table.

    Parameters
    ----------
    km : KaplanMeierResult
        An unweighted fit (:func:`evalkit.survival.kaplan_meier`), with or without delayed
        entry (``entry=``); its table's counts of events, censorings and (with delayed
        entry) entries per time are grouped by :func:`grouped_life_table`.
    threshold : int, default 5

    Returns
    -------
    KaplanMeierResult or None
        The Kaplan-Meier estimate (same interval type and level) of the data with every
        time moved to its place in the grouped life table: with delayed entry the
        counting-process estimate, R ``survfit(Surv(entry, stop, event) ~ 1)`` of the
        grouped rows. None when no curve can be published.

    Raises
    ------
    ValueError
        For a weighted fit (its table holds sums of weights, not persons).

    Examples
    --------
    >>> from evalkit.survival import kaplan_meier
    >>> km = kaplan_meier([1, 2, 2, 3, 4, 5, 6, 6, 7, 9, 9, 9], [1] * 9 + [0] * 3)
    >>> publishable_curve(km, threshold=3).table[["time", "events", "censored"]].values.tolist()
    [[2.0, 3.0, 0.0], [5.0, 3.0, 0.0], [7.0, 3.0, 0.0], [9.0, 0.0, 3.0]]
    """
    from evalkit.survival import kaplan_meier

    threshold = check_positive_int(threshold, "threshold")
    tab = km.table
    if getattr(km, "strata", None):
        raise ValueError(
            f"km must be a single curve, but has groups {list(km.strata)!r}; "
            "publish each group's curve (km[group])"
        )
    d = tab["events"].to_numpy(dtype=float)
    c = tab["censored"].to_numpy(dtype=float)
    if not (np.allclose(d, np.round(d)) and np.allclose(c, np.round(c))):
        raise ValueError("km must be an unweighted fit (whole counts of events and censorings)")
    entered = np.round(_entered(tab)) if km.entry else None
    grouped = grouped_life_table(
        tab["time"].to_numpy(dtype=float), np.round(d), np.round(c), threshold, entered
    )
    if grouped is None or grouped[["events", "censored"]].to_numpy().sum() == 0:
        return None
    data = _grouped_data(grouped)
    kw = {}
    if "entry" in data and km.variance == "robust":
        kw["id"] = np.arange(len(data["durations"]))  # one row per person
    return kaplan_meier(**data, conf_type=km.conf_type, alpha=km.alpha, variance=km.variance, **kw)
