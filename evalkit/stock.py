"""The monthly stock of a target group, as Jobindsats counts it, and changes in a share of it.

Jobindsats counts a target group month by month: the persons who received the group's
benefit at some time in the month (*the month's stock*). A share such as "i
virksomhedsrettet indsats eller med ordinære timer" (seed 001, STV) is the share of that
month's stock, so its denominator changes from month to month as persons enter and leave
the group. Two months' stocks overlap: most persons are counted in both. A change
between a baseline month and the months "at the end" is therefore neither a difference
of two independent samples nor of one fixed cohort counted twice; its variance must
allow for the persons who appear in both.

This module builds the persons x months stock and computes such contrasts with a
person-level (cluster-robust) variance:

* :func:`monthly_stock`: persons x months, True when the person had the group's benefit
  in at least one week overlapping the month;
* :func:`clustered_share_contrast`: a weighted sum of monthly shares of the stock
  (a level averaged over months, a change from a baseline month) with the
  cluster-robust variance of the month-dummy regression, equal to R's
  ``sandwich::vcovCL(lm(y ~ 0 + factor(month)), cluster = ~id, type = "HC0")``;
* :func:`stock_change`: the STV quantity, the share at the end (average over a window of
  months) minus the share in the baseline month, with the baseline taken from the data
  when the data cover the baseline month and the application's figure otherwise, the
  same change as a number of persons ("88 flere borgere"), and the monthly series.

References
----------
Liang KY, Zeger SL (1986). Longitudinal data analysis using generalized linear models.
Biometrika 73(1):13-22.
Zeileis A, Köll S, Graham N (2020). Various versatile variances: an object-oriented
implementation of clustered covariances in R. Journal of Statistical Software 95(1):1-36.
Cochran WG (1977). Sampling Techniques, 3rd ed., section 6.11 (ratio estimators).

Example
-------
>>> y = np.array([[1, 1], [0, 1], [0, 0], [1, 0]], bool)
>>> s = np.array([[1, 1], [1, 1], [1, 0], [0, 1]], bool)
>>> c = clustered_share_contrast(y, s, [-1.0, 1.0])
>>> round(c.estimate, 4), c.n_persons
(0.3333, 4)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from evalkit import measures
from evalkit._checks import check_alpha
from evalkit.clustered import ShareContrast, clustered_share_contrast
from evalkit.results import Estimate

__all__ = [
    "GROUP_BENEFITS",
    "ShareContrast",  # re-exported from evalkit.clustered
    "StockChange",
    "clustered_share_contrast",  # re-exported from evalkit.clustered
    "end_window",
    "monthly_clustered_interval",
    "monthly_stock",
    "stock_change",
]

#: The benefit (status category) that puts a person of each target group in the stock.
GROUP_BENEFITS: dict[str, tuple[str, ...]] = {
    "aktivitetsparat": ("kontanthjaelp",),
    "jobparat": ("kontanthjaelp",),
    "ressourceforloeb": ("ressourceforloeb",),
    "forsikret": ("dagpenge",),
}


def _month_index(days: np.ndarray, months: pd.DatetimeIndex) -> np.ndarray:
    """Index of the month (first days ``months``) holding each day, -1 outside."""
    starts = months.to_numpy()
    ends = (months + pd.offsets.MonthEnd(0)).to_numpy()
    i = np.searchsorted(starts, days, side="right") - 1
    ok = (i >= 0) & (days <= ends[np.clip(i, 0, None)])
    return np.where(ok, i, -1)


def monthly_stock(
    participants: pd.DataFrame,
    status: pd.DataFrame,
    months: pd.DatetimeIndex,
    benefits: Sequence[str],
) -> np.ndarray:
    """Persons x months: True when the person had one of ``benefits`` in the month.

    A week (Monday to Sunday) counts toward every month it overlaps, so a person is in a
    month's stock when some week with the benefit touches the month, as Jobindsats counts
    persons who received a benefit at some time in the month.

    Parameters
    ----------
    participants : DataFrame
        Canonical participants; one row per person, in the row order of the result.
    status : DataFrame
        Canonical weekly status (``person_id``, ``week`` the Monday, ``status``).
    months : DatetimeIndex
        First day of each month, increasing.
    benefits : sequence of str
        Status categories that put the person in the stock, e.g. ``["kontanthjaelp"]``.

    Returns
    -------
    ndarray of bool, shape (n_persons, n_months)

    Raises
    ------
    ValueError
        When ``benefits`` is empty or ``months`` are not first days in increasing order.

    Examples
    --------
    >>> p = pd.DataFrame({"person_id": ["a", "b"]})
    >>> st = pd.DataFrame({"person_id": ["a", "a", "b"],
    ...     "week": pd.to_datetime(["2020-01-27", "2020-02-10", "2020-03-02"]),
    ...     "status": ["kontanthjaelp", "kontanthjaelp", "kontanthjaelp"]})
    >>> m = pd.date_range("2020-01-01", periods=3, freq="MS")
    >>> monthly_stock(p, st, m, ["kontanthjaelp"]).astype(int).tolist()
    [[1, 1, 0], [0, 0, 1]]
    """
    benefits = list(benefits)
    if not benefits:
        raise ValueError("benefits must name at least one status category, but was empty")
    months = _check_months(months)
    ids = pd.Index(participants["person_id"])
    out = np.zeros((len(ids), len(months)), bool)
    st = status[status["status"].isin(benefits)]
    row = ids.get_indexer(st["person_id"])
    monday = st["week"].to_numpy(dtype="datetime64[ns]")
    sunday = monday + np.timedelta64(6, "D")
    for day in (monday, sunday):
        col = _month_index(day, months)
        ok = (row >= 0) & (col >= 0)
        out[row[ok], col[ok]] = True
    return out


def monthly_clustered_interval(
    indicator: np.ndarray, stock: np.ndarray, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Each month's share of the stock with its person-clustered (Wald) interval.

    The interval of month ``k`` is that of :func:`clustered_share_contrast` with the
    weight 1 on month ``k`` and 0 elsewhere: a person is in a month's stock at most once,
    so ``Var(p_k) = n_k / (n_k - 1) * sum_i s_ik (y_ik - p_k)**2 / n_k**2``
    ``= p_k (1 - p_k) / (n_k - 1)`` and the limits are ``p_k +/- z se``. Computed for all
    months at once; NaN where the stock has fewer than two persons. This is the variance
    of the end level and the change (:func:`stock_change`), so a figure of the monthly
    shares draws the same kind of interval the scorecard states.

    Parameters
    ----------
    indicator, stock : array of bool, shape (persons, months)
    alpha : float, default 0.05

    Returns
    -------
    (lower, upper) : arrays of float, one value per month

    Examples
    --------
    >>> y = np.array([[1, 0], [1, 1], [0, 1], [0, 0]], bool)
    >>> lo, hi = monthly_clustered_interval(y, np.ones((4, 2), bool))
    >>> [round(float(v), 4) for v in (lo[0], hi[0])]
    [-0.0658, 1.0658]
    """
    alpha = check_alpha(alpha)
    y = np.asarray(indicator, dtype=bool)
    s = np.asarray(stock, dtype=bool)
    if y.ndim != 2 or y.shape != s.shape:
        raise ValueError(
            f"indicator and stock must be 2-d of the same shape, but were {y.shape} and {s.shape}"
        )
    n = s.sum(axis=0).astype(float)
    x = (y & s).sum(axis=0).astype(float)
    ok = n >= 2
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(ok, x / np.maximum(n, 1), np.nan)
        se = np.sqrt(np.where(ok, p * (1 - p) / np.maximum(n - 1, 1), np.nan))
    z = stats.norm.isf(alpha / 2)
    return p - z * se, p + z * se


def _check_months(months: pd.DatetimeIndex) -> pd.DatetimeIndex:
    months = pd.DatetimeIndex(months)
    if len(months) == 0:
        raise ValueError("months must hold at least one month, but was empty")
    if not (months.day == 1).all() or not months.is_monotonic_increasing:
        raise ValueError(
            f"months must be first days of months in increasing order, but were {list(months)!r}"
        )
    return months


# --------------------------------------------------------------------------- STV
def end_window(
    first: str | dt.date, last: str | dt.date, cutoff: dt.date | None = None
) -> pd.DatetimeIndex:
    """The months of an end window, moved back to end at ``cutoff`` when it lies later.

    A status report (``cutoff`` before the window ends) uses the same number of months
    ending with the month of ``cutoff``.

    Examples
    --------
    >>> end_window("2018-10", "2018-12").strftime("%Y-%m").tolist()
    ['2018-10', '2018-11', '2018-12']
    >>> end_window("2018-10", "2018-12", dt.date(2017, 10, 31)).strftime("%Y-%m").tolist()
    ['2017-08', '2017-09', '2017-10']
    """
    f, la = _month_start(first), _month_start(last)
    if la < f:
        raise ValueError(f"the end window's last month {last!r} lies before its first {first!r}")
    months = pd.date_range(f, la, freq="MS")
    if cutoff is not None and la > _month_start(cutoff):
        stop = _month_start(cutoff)
        months = pd.date_range(end=stop, periods=len(months), freq="MS")
    return months


def _month_start(value: str | dt.date | pd.Timestamp) -> pd.Timestamp:
    text = value if not isinstance(value, str) or len(value) > 7 else value + "-01"
    try:
        ts = pd.Timestamp(text)
    except (TypeError, ValueError):
        raise ValueError(f"expected a month written yyyy-mm, but was {value!r}") from None
    return ts.normalize().replace(day=1)


@dataclass(frozen=True)
class StockChange:
    """The change in a share of the monthly stock from a baseline month to an end window.

    Attributes
    ----------
    group : str
    baseline_month : Timestamp
    baseline_source : str
        ``"data"`` when the baseline is computed from the data, ``"application"`` when
        the data do not cover the baseline month and the application's figure is used.
    baseline : Estimate
        The baseline share used (Wilson interval; ``details`` x and n).
    baseline_application : dict
        The application's figure: ``x``, ``n``, ``share``, ``month``.
    baseline_data : Estimate or None
        The baseline share computed from the data (None when not covered).
    end_months : DatetimeIndex
    end_level : Estimate
        Average share over the end window (cluster-robust).
    change : Estimate
        End level minus baseline, in share units (0.25 = 25 procentpoint).
    count_change : Estimate
        Average number in the outcome over the end window minus the number at baseline.
    monthly : DataFrame
        ``month``, ``x``, ``n``, ``share``, ``lower``, ``upper`` for every month from the
        first month of the data (or the baseline) to the last end month; the limits are
        each month's person-clustered interval (:func:`monthly_clustered_interval`), the
        same variance as the end level and the change.
    """

    group: str
    baseline_month: pd.Timestamp
    baseline_source: str
    baseline: Estimate
    baseline_application: dict[str, Any]
    baseline_data: Estimate | None
    end_months: pd.DatetimeIndex
    end_level: Estimate
    change: Estimate
    count_change: Estimate
    monthly: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Rows baseline, end level, change and count change."""
        rows = [("baseline", self.baseline), ("end_level", self.end_level),
                ("change", self.change), ("count_change", self.count_change)]  # fmt: skip
        return pd.concat([e.to_frame().assign(what=name) for name, e in rows], ignore_index=True)[
            ["what", "estimate", "lower", "upper", "n", "se", "method"]
        ]

    def summary(self) -> str:
        b, e, c = self.baseline, self.end_level, self.change
        return (
            f"{self.group}: baseline {b.estimate:.3f} ({self.baseline_source}, "
            f"{self.baseline_month:%Y-%m}), end {e.estimate:.3f} "
            f"({self.end_months[0]:%Y-%m} to {self.end_months[-1]:%Y-%m}), change "
            f"{c.estimate:+.3f} ({c.lower:+.3f} to {c.upper:+.3f})"
        )

    def _repr_html_(self) -> str:
        return f"<p>{self.summary()}</p>" + self.to_frame().to_html(index=False)


def _covered(activities: pd.DataFrame, types: Sequence[str], month: pd.Timestamp) -> bool:
    a = activities[activities["type"].isin(list(types))]
    return bool(len(a)) and _month_start(a["start_date"].min()) <= month


def stock_change(
    participants: pd.DataFrame,
    status: pd.DataFrame,
    activities: pd.DataFrame,
    group: str,
    baseline: Mapping[str, Any],
    end_months: pd.DatetimeIndex,
    types: Sequence[str] = measures.COMPANY_TYPES,
    include_hours: bool = True,
    benefits: Sequence[str] | None = None,
    use_data_baseline: bool = True,
    first_month: pd.Timestamp | None = None,
    alpha: float = 0.05,
) -> StockChange:
    """Share of the month's stock in company-based activity: baseline, end level, change.

    The outcome in a month is company-based activity of ``types`` overlapping the month
    or ordinary hours (> 0) in a week on benefit in the month
    (:func:`evalkit.measures.monthly_activity`); the denominator is the month's stock
    (:func:`monthly_stock`) of the persons of ``group``.

    The baseline is the share in ``baseline["month"]`` computed from the data when the
    data cover that month (the status panel reaches back to it and the first activity of
    ``types`` starts in that month or earlier) and ``use_data_baseline`` is true;
    otherwise the application's figure ``baseline["x"] / baseline["n"]``. The end level
    is the average of the monthly shares over ``end_months``.

    Variance: with the data baseline, the change is one contrast of monthly shares with
    weights ``-1`` (baseline) and ``1/K`` (each of K end months), and its variance is
    the person-clustered variance of :func:`clustered_share_contrast`, so persons in
    both the baseline and the end stock are counted once. With the application's figure
    (persons unknown) the two are independent: ``Var(end) + p0 (1 - p0) / n0``. The
    change in the number of persons uses the weights ``-n_0`` and ``n_k / K`` (the
    stock sizes taken as given), so it is the same contrast in persons.

    Parameters
    ----------
    participants : DataFrame
        The persons of the group (canonical participants; other groups are dropped).
    status, activities : DataFrame
        Canonical weekly status and activities.
    group : str
        The target group, e.g. ``"aktivitetsparat"``.
    baseline : mapping
        The application's baseline: ``x``, ``n`` and ``month`` (``yyyy-mm``).
    end_months : DatetimeIndex
        The end window (first days), see :func:`end_window`.
    types, include_hours
        What counts as company-based activity.
    benefits : sequence of str, optional
        Status categories of the stock; default :data:`GROUP_BENEFITS` of the group.
    use_data_baseline : bool, default True
        False uses the application's figure even when the data cover the month.
    first_month : Timestamp, optional
        First month of the ``monthly`` series (default: the baseline month or the first
        month the data cover, whichever is later).
    alpha : float

    Returns
    -------
    StockChange

    Raises
    ------
    ValueError
        For an unknown group without ``benefits``, a baseline without ``x``, ``n`` and
        ``month``, or an empty stock in an end month.

    References
    ----------
    Liang & Zeger (1986); Jobindsats.dk, "Antal personer" (persons with the benefit at
    some time in the month).
    """
    alpha = check_alpha(alpha)
    if benefits is None:
        if group not in GROUP_BENEFITS:
            raise ValueError(
                f"group {group!r} has no default benefit; give benefits (one of "
                f"{sorted(GROUP_BENEFITS)} has a default)"
            )
        benefits = GROUP_BENEFITS[group]
    for key in ("x", "n", "month"):
        if key not in baseline:
            raise ValueError(f"baseline must have 'x', 'n' and 'month', but was {dict(baseline)!r}")
    x0_app, n0_app = int(baseline["x"]), int(baseline["n"])
    b_month = _month_start(str(baseline["month"]))
    end_months = _check_months(end_months)
    people = participants[participants["target_group"] == group]
    if len(people) == 0:
        raise ValueError(f"no participants in group {group!r}")

    panel_first = pd.Timestamp(status["week"].min()) if len(status) else pd.Timestamp.max
    covered = (
        use_data_baseline
        and panel_first <= b_month + pd.offsets.MonthEnd(0)
        and _covered(activities, types, b_month)
    )
    data_first = activities.loc[activities["type"].isin(list(types)), "start_date"].min()
    data_first = _month_start(data_first) if pd.notna(data_first) else end_months[0]
    start = _month_start(first_month) if first_month is not None else max(b_month, data_first)
    if covered:
        start = min(start, b_month)
    months = pd.date_range(min(start, end_months[0]), end_months[-1], freq="MS")
    stock = monthly_stock(people, status, months, benefits)
    ind = measures.monthly_activity(
        people, activities, status, months, types=types, include_hours=include_hours
    )
    ind &= stock
    x, n = ind.sum(axis=0), stock.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n > 0, x / np.maximum(n, 1), np.nan)
    lower, upper = monthly_clustered_interval(ind, stock, alpha)
    monthly = pd.DataFrame(
        {"month": months, "x": x, "n": n, "share": share, "lower": lower, "upper": upper}
    )

    from evalkit.baseline import wilson

    k = len(end_months)
    w_end = np.where(months.isin(end_months), 1.0 / k, 0.0)
    level = clustered_share_contrast(ind, stock, w_end, alpha)
    end_level = level.to_estimate(months=[m.strftime("%Y-%m") for m in end_months])
    app = {"x": x0_app, "n": n0_app, "share": x0_app / n0_app, "month": b_month}
    z = stats.norm.isf(alpha / 2)

    b_data = None
    if covered:
        bi = int(np.flatnonzero(months == b_month)[0])
        xb, nb = int(x[bi]), int(n[bi])
        b_data = wilson(xb, nb, alpha=alpha)
        w = w_end.copy()
        w[bi] = -1.0
        ch = clustered_share_contrast(ind, stock, w, alpha)
        change = ch.to_estimate(p1=level.estimate, p0=xb / nb)
        wc = np.where(months.isin(end_months), n / k, 0.0)
        wc[bi] = -float(nb)
        cc = clustered_share_contrast(ind, stock, wc, alpha)
        count = cc.to_estimate(x1=float(x[w_end > 0].mean()), x0=xb)
        used = b_data
        source = "data"
    else:
        p0 = x0_app / n0_app
        used = wilson(x0_app, n0_app, alpha=alpha)
        est = level.estimate - p0
        se = math.sqrt(level.se**2 + p0 * (1 - p0) / n0_app)
        change = _wald(est, se, level.n_persons + n0_app, alpha, z,
                       "cluster-robust end level, independent application baseline (Wald)",
                       p1=level.estimate, p0=p0)  # fmt: skip
        n_end = n[w_end > 0]
        x1 = float(x[w_end > 0].mean())
        # count: mean end count (n_k fixed) minus the application's count (binomial)
        wc = np.where(months.isin(end_months), n / k, 0.0)
        cc = clustered_share_contrast(ind, stock, wc, alpha)
        se_c = math.sqrt(cc.se**2 + n0_app * p0 * (1 - p0))
        count = _wald(x1 - x0_app, se_c, int(n_end.max()) + n0_app, alpha, z,
                      "cluster-robust end count, independent application baseline (Wald)",
                      x1=x1, x0=x0_app)  # fmt: skip
        source = "application"
    return StockChange(
        group=group, baseline_month=b_month, baseline_source=source, baseline=used,
        baseline_application=app, baseline_data=b_data, end_months=end_months,
        end_level=end_level, change=change, count_change=count, monthly=monthly,
    )  # fmt: skip


def _wald(
    est: float, se: float, n: int, alpha: float, z: float, method: str, **details: Any
) -> Estimate:
    pv = float(2 * stats.norm.sf(abs(est) / se)) if se > 0 else math.nan
    return Estimate(est, est - z * se, est + z * se, n=n, method=method, alpha=alpha, se=se,
                    p_value=pv, details=details)  # fmt: skip
