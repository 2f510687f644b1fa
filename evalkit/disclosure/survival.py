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

Every published number is then a function of interval counts that are 0 or at least the
threshold, and so is every sum or difference of them: no difference of two numbers at
risk, no step height times a number at risk, is a group of 1 to ``threshold - 1``
persons. When there are 1 to ``threshold - 1`` events, or censorings, in all, no curve
can be published (with n, either count would give the other).

With many participants almost every week is its own interval and the curve is the
ordinary one. With few, the steps are wider and the curve lies a little above the
ungrouped one inside an interval (its events are counted at the interval's end). The
idea is that of Danmarks Statistik's and Jobindsats' tables (no cell of 1-4 persons)
applied to the life table behind the curve; OpenSAFELY's published Kaplan-Meier curves
round cumulative event and censoring counts for the same reason.

References
----------
Hundepool, A. et al. (2012). *Statistical Disclosure Control*, ch. 4-5. Wiley.
Kalbfleisch, J. D. and Prentice, R. L. (2002). *The Statistical Analysis of Failure Time
Data*, 2nd ed., sec. 4.3 (grouped data, the life table). Wiley.
OpenSAFELY, ``kaplan-meier-function`` (``round_cmlcount``: at least ``min_count`` events
and censorings per step).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit._checks import check_positive_int

__all__ = ["grouped_life_table", "publishable_curve"]


def grouped_life_table(
    times: np.ndarray, events: np.ndarray, censored: np.ndarray, threshold: int = 5
) -> pd.DataFrame | None:
    """The life table a published curve is drawn from: every count 0 or >= ``threshold``.

    Parameters
    ----------
    times : array_like
        The distinct times, increasing (a Kaplan-Meier table's ``time``).
    events, censored : array_like of int
        Events and censorings at each time.
    threshold : int, default 5

    Returns
    -------
    DataFrame or None
        ``time, events, censored``: one row per time at which events or censorings are
        counted (the end of an interval); None when there are 1 to ``threshold - 1``
        events or censorings in all.

    Examples
    --------
    >>> t = grouped_life_table([1, 2, 3, 4, 5, 6], [3, 3, 0, 4, 2, 0], [1, 0, 2, 0, 1, 3], 5)
    >>> t.values.tolist()
    [[2.0, 6.0, 0.0], [5.0, 6.0, 0.0], [6.0, 0.0, 7.0]]
    >>> grouped_life_table([1, 2], [2, 1], [0, 5], 5) is None
    True
    """
    threshold = check_positive_int(threshold, "threshold")
    t = np.asarray(times, dtype=float)
    d = np.asarray(events, dtype=np.int64)
    c = np.asarray(censored, dtype=np.int64)
    if not (t.shape == d.shape == c.shape) or t.ndim != 1:
        raise ValueError(
            f"times, events and censored must be 1-d of one length, but had shapes "
            f"{t.shape}, {d.shape}, {c.shape}"
        )
    if (d < 0).any() or (c < 0).any():
        raise ValueError("events and censored must be non-negative counts")
    if len(t) and (np.diff(t) <= 0).any():
        raise ValueError("times must be increasing")
    total_d, total_c = int(d.sum()), int(c.sum())
    if 0 < total_d < threshold or 0 < total_c < threshold or len(t) == 0:
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
    if ends[-1] != len(t) - 1:
        ends.append(len(t) - 1)  # censorings after the last event
    starts = [0, *[e + 1 for e in ends[:-1]]]
    d_grp = np.array([d[a : b + 1].sum() for a, b in zip(starts, ends, strict=True)])
    c_grp = np.array([c[a : b + 1].sum() for a, b in zip(starts, ends, strict=True)])
    # censorings counted once threshold have gathered; a small rest joins the last group
    released = np.zeros(len(ends), dtype=np.int64)
    buffer, last = 0, -1
    for j in range(len(ends)):
        buffer += int(c_grp[j])
        if buffer >= threshold:
            released[j], buffer, last = buffer, 0, j
    if buffer:
        released[last] += buffer  # last >= 0: total_c >= threshold
    keep = (d_grp > 0) | (released > 0)
    return pd.DataFrame(
        {
            "time": t[np.asarray(ends)][keep],
            "events": d_grp[keep].astype(float),
            "censored": released[keep].astype(float),
        }
    )


def publishable_curve(km, threshold: int = 5):
    """The Kaplan-Meier curve a report may draw: from the grouped life table.

    Parameters
    ----------
    km : KaplanMeierResult
        An unweighted fit (:func:`evalkit.survival.kaplan_meier`); its table's counts of
        events and censorings per time are grouped by :func:`grouped_life_table`.
    threshold : int, default 5

    Returns
    -------
    KaplanMeierResult or None
        The Kaplan-Meier estimate (same interval type and level) of the data with every
        time moved to the end of its interval; None when no curve can be published,
        and None for a fit with delayed entry (``entry=``, left truncation): its numbers
        at risk also rise with entries, which the grouping does not cover yet.

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
    if getattr(km, "entry", False):
        return None
    tab = km.table
    d = tab["events"].to_numpy(dtype=float)
    c = tab["censored"].to_numpy(dtype=float)
    if not (np.allclose(d, np.round(d)) and np.allclose(c, np.round(c))):
        raise ValueError("km must be an unweighted fit (whole counts of events and censorings)")
    grouped = grouped_life_table(
        tab["time"].to_numpy(dtype=float), np.round(d), np.round(c), threshold
    )
    if grouped is None or grouped[["events", "censored"]].to_numpy().sum() == 0:
        return None
    gt = grouped["time"].to_numpy()
    gd = grouped["events"].to_numpy().astype(np.int64)
    gc = grouped["censored"].to_numpy().astype(np.int64)
    durations = np.concatenate([np.repeat(gt, gd), np.repeat(gt, gc)])
    status = np.concatenate([np.ones(gd.sum()), np.zeros(gc.sum())])
    return kaplan_meier(
        durations, status, conf_type=km.conf_type, alpha=km.alpha, variance=km.variance
    )
