"""Jobs applied for, from a Joblog extract: before and during a project, per person.

A kommune's Joblog extract has one row per person and date with the number of jobs
applied for (canonical table ``joblog``: ``person_id, date, applications``, see
``docs/data-format.md``). :func:`joblog_windows` turns it into per-person windows before
and during the project (applications per week, and whether the Joblog was used at all);
:func:`paired_ratio_of_means` gives the relative change of the mean with an interval that
uses the pairing of the two windows (the same persons are measured twice).

Example
-------
>>> est = paired_ratio_of_means([6, 8, 10], [4, 6, 6])
>>> round(est.estimate, 4)
0.5
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from evalkit._checks import check_1d, check_alpha, check_finite, check_positive_int
from evalkit.results import Estimate

__all__ = ["joblog_summary", "joblog_windows", "paired_ratio_of_means"]

_WEEK = pd.Timedelta(days=7)


def _monday(values: pd.Series) -> pd.Series:
    d = pd.to_datetime(values).dt.normalize()
    return d - pd.to_timedelta(d.dt.dayofweek, unit="D")


def joblog_windows(
    participants: pd.DataFrame,
    joblog: pd.DataFrame,
    weeks: int = 13,
    cutoff: dt.date | None = None,
    min_weeks: int = 4,
) -> pd.DataFrame:
    """Jobs applied for per person in the weeks before and during the project (Joblog).

    The window *before* is the ``weeks`` ISO weeks before the person's start week; the
    window *during* is the start week and the ``weeks - 1`` weeks after it, ending with the
    week of ``end_date`` (a person who has left no longer logs). Both are cut to the weeks
    the extract covers: from the week of its first date to ``cutoff`` (default: its last
    date). A window with fewer than ``min_weeks`` covered weeks is not observed.

    Parameters
    ----------
    participants : DataFrame
        Canonical participants (``person_id``, ``start_date``, ``end_date``).
    joblog : DataFrame
        Canonical joblog (``person_id``, ``date``, ``applications``).
    weeks, min_weeks : int
        Window length and the fewest covered weeks for a window to count.
    cutoff : date, optional
        Data after it are ignored (status reports).

    Returns
    -------
    DataFrame
        Indexed like ``participants``: for ``w`` in ``before``, ``during``: ``weeks_<w>``
        (covered weeks), ``applications_<w>`` (sum), ``used_<w>`` (1.0 when at least one
        application was logged, NaN when not observed) and ``rate_<w>`` (applications
        per covered week, NaN when not observed).

    Examples
    --------
    >>> p = pd.DataFrame({"person_id": ["a"], "start_date": pd.to_datetime(["2020-03-02"]),
    ...     "end_date": pd.NaT})
    >>> log = pd.DataFrame({"person_id": "a", "applications": [4, 12],
    ...     "date": pd.to_datetime(["2020-01-08", "2020-03-04"])})
    >>> w = joblog_windows(p, log, weeks=8, min_weeks=1, cutoff=dt.date(2020, 3, 31))
    >>> w[["weeks_before", "rate_before", "weeks_during", "rate_during"]].values.tolist()
    [[8.0, 0.5, 5.0, 2.4]]
    """
    weeks = check_positive_int(weeks, "weeks")
    min_weeks = check_positive_int(min_weeks, "min_weeks")
    out = pd.DataFrame(index=participants.index)
    if len(joblog) == 0:
        for w in ("before", "during"):
            out[f"weeks_{w}"] = 0.0
            out[f"applications_{w}"] = 0.0
            out[f"used_{w}"] = np.nan
            out[f"rate_{w}"] = np.nan
        return out
    d64 = "datetime64[ns]"
    first = _monday(joblog["date"]).min().to_datetime64()
    last = pd.Timestamp(cutoff) if cutoff is not None else joblog["date"].max()
    cover_end = (last.normalize() - pd.Timedelta(days=last.dayofweek) + _WEEK).to_datetime64()
    start = _monday(participants["start_date"]).to_numpy(dtype=d64)
    far = pd.Timestamp("2200-01-06")  # a Monday after any data: no end date
    end_week = _monday(pd.to_datetime(participants["end_date"]).fillna(far)).to_numpy(dtype=d64)
    span = np.timedelta64(7 * weeks, "D")
    week = np.timedelta64(7, "D")
    bounds = {
        "before": (np.maximum(start - span, first), np.minimum(start, cover_end)),
        "during": (
            np.maximum(start, first),
            np.minimum(np.minimum(start + span, cover_end), end_week + week),
        ),
    }
    pos = pd.Series(np.arange(len(participants)), index=participants["person_id"].to_numpy())
    pos = pos[~pos.index.duplicated()]
    log = joblog[joblog["person_id"].isin(pos.index) & (joblog["date"] < pd.Timestamp(cover_end))]
    row = pos.reindex(log["person_id"]).to_numpy()
    day = log["date"].to_numpy(dtype="datetime64[ns]")
    apps = log["applications"].to_numpy(dtype=float)
    for w, (lo_a, hi_a) in bounds.items():
        covered = np.maximum((hi_a - lo_a) // week, 0).astype(float)
        inside = (day >= lo_a[row]) & (day < hi_a[row])
        total = np.bincount(row[inside], weights=apps[inside], minlength=len(participants))
        used = np.bincount(row[inside & (apps > 0)], minlength=len(participants)) > 0
        seen = covered >= min_weeks
        out[f"weeks_{w}"] = covered
        out[f"applications_{w}"] = total
        out[f"used_{w}"] = np.where(seen, used.astype(float), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"rate_{w}"] = np.where(seen, total / covered, np.nan)
    return out


def paired_ratio_of_means(
    during: Sequence[float], before: Sequence[float], alpha: float = 0.05
) -> Estimate:
    """Relative change of a mean measured twice on the same persons, with a paired CI.

    ``R = mean(during) / mean(before)``; the interval is the delta-method interval for
    ``log R`` with the covariance of the pairs,
    ``var(log R) = (s1^2 / m1^2 + s0^2 / m0^2 - 2 s10 / (m1 m0)) / n``, back-transformed
    (the classical ratio estimator; a positive within-person correlation narrows it
    compared with :func:`evalkit.baseline.relative_change_mean`, which treats the two
    samples as independent).

    Parameters
    ----------
    during, before : array-like of float
        One value per person in each period (same order, same length, at least 2).
    alpha : float

    Returns
    -------
    Estimate
        ``estimate = R - 1`` (0.5 means +50 %), limits likewise; ``p_value`` of R = 1
        (Wald on the log scale); ``details``: ``ratio``, ``mean1``, ``mean0``, ``se_log``,
        ``correlation``.

    Raises
    ------
    ValueError
        Different lengths, fewer than 2 pairs, NaN, or a mean that is not positive.

    References
    ----------
    Cochran WG (1977). *Sampling Techniques*, 3rd ed., section 6.4 (variance of the ratio
    estimator). Wiley.

    Examples
    --------
    >>> e = paired_ratio_of_means([6, 8, 10], [4, 6, 6])
    >>> round(e.estimate, 4), round(e.details["se_log"], 4)
    (0.5, 0.0722)
    """
    alpha = check_alpha(alpha)
    y1 = check_finite(check_1d(during, "during"), "during")
    y0 = check_finite(check_1d(before, "before"), "before")
    if y1.size != y0.size:
        raise ValueError(
            f"during and before must have the same length, but had {y1.size} and {y0.size}"
        )
    if y1.size < 2:
        raise ValueError(f"at least 2 pairs are needed, but there were {y1.size}")
    m1, m0 = float(y1.mean()), float(y0.mean())
    for name, m in (("during", m1), ("before", m0)):
        if m <= 0:
            raise ValueError(f"the mean of {name} must be positive, but was {m!r}")
    n = y1.size
    cov = np.cov(y1, y0, ddof=1)
    var_log = (cov[0, 0] / m1**2 + cov[1, 1] / m0**2 - 2 * cov[0, 1] / (m1 * m0)) / n
    se = math.sqrt(max(var_log, 0.0))
    z = float(stats.norm.isf(alpha / 2))
    log_r = math.log(m1 / m0)
    ratio = m1 / m0
    p_value = float(2 * stats.norm.sf(abs(log_r) / se)) if se > 0 else math.nan
    both = cov[0, 0] * cov[1, 1]
    corr = float(cov[0, 1] / math.sqrt(both)) if both > 0 else math.nan
    return Estimate(
        estimate=ratio - 1.0,
        lower=math.exp(log_r - z * se) - 1.0,
        upper=math.exp(log_r + z * se) - 1.0,
        n=n,
        method="paired-delta-log-ratio-of-means",
        alpha=alpha,
        se=ratio * se,
        p_value=p_value,
        details={"ratio": ratio, "mean1": m1, "mean0": m0, "se_log": se, "correlation": corr},
    )


def joblog_summary(
    participants: pd.DataFrame,
    joblog: pd.DataFrame,
    groups: Sequence[str],
    weeks: int = 13,
    cutoff: dt.date | None = None,
    min_weeks: int = 4,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Joblog use before and during, and the change in jobs applied for, by target group.

    Parameters
    ----------
    participants : DataFrame
        The persons to describe (``target_group`` selects the groups).
    joblog : DataFrame
        Canonical joblog.
    groups : sequence of str
        Target groups, one row each.
    weeks, cutoff, min_weeks : see :func:`joblog_windows`.
    alpha : float

    Returns
    -------
    DataFrame
        Index the groups; columns ``n`` (persons), ``n_before`` / ``x_before`` and
        ``n_during`` / ``x_during`` (persons observed / using the Joblog in each window),
        ``n_paired`` (using it in both), ``mean_before`` and ``mean_during`` (jobs applied
        for per week among them), ``change`` with ``lower``, ``upper`` and ``p_value``
        from :func:`paired_ratio_of_means` (NaN with fewer than 2 pairs or a zero mean).
    """
    alpha = check_alpha(alpha)
    w = joblog_windows(participants, joblog, weeks=weeks, cutoff=cutoff, min_weeks=min_weeks)
    rows = []
    for g in groups:
        sel = (participants["target_group"] == g).to_numpy()
        wg = w[sel]
        both = wg[(wg["used_before"] == 1) & (wg["used_during"] == 1)]
        row = {
            "group": g,
            "n": int(sel.sum()),
            "n_before": int(wg["used_before"].notna().sum()),
            "x_before": int((wg["used_before"] == 1).sum()),
            "n_during": int(wg["used_during"].notna().sum()),
            "x_during": int((wg["used_during"] == 1).sum()),
            "n_paired": len(both),
            "mean_before": float(both["rate_before"].mean()) if len(both) else math.nan,
            "mean_during": float(both["rate_during"].mean()) if len(both) else math.nan,
        }
        try:
            est = paired_ratio_of_means(both["rate_during"], both["rate_before"], alpha=alpha)
            row.update(change=est.estimate, lower=est.lower, upper=est.upper,
                       p_value=est.p_value)  # fmt: skip
        except ValueError:
            row.update(change=math.nan, lower=math.nan, upper=math.nan, p_value=math.nan)
        rows.append(row)
    return pd.DataFrame(rows).set_index("group")
