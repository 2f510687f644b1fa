"""Kaplan-Meier and Nelson-Aalen estimators matching R ``survival::survfit``.

The table has one row per distinct time, events or not, exactly as
``summary(survfit(Surv(t, d) ~ 1), censored = TRUE)``. Weighted counts are sums of
weights. With weights that are not all whole numbers the default variance is the robust
infinitesimal-jackknife (IJ) variance, as R's default ``robust`` rule; whole-number
weights and ``variance="greenwood"`` give the weighted Greenwood variance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from evalkit._checks import check_alpha, check_finite, check_option
from evalkit.survival._core import _counts, _ij_variance, _numeric_1d, _prepare

__all__ = [
    "CONF_TYPES",
    "VARIANCES",
    "KaplanMeierResult",
    "NelsonAalenResult",
    "kaplan_meier",
    "nelson_aalen",
]

CONF_TYPES = ("log-log", "log", "plain")
VARIANCES = (None, "greenwood", "robust")
_TOL = math.sqrt(np.finfo(float).eps)  # R: sqrt(.Machine$double.eps)


def _confint(
    surv: np.ndarray, se_log: np.ndarray, conf_type: str, z: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits as R ``survfit_confint(logse = TRUE)``; ``se_log`` = se of log S."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            se2 = se_log * surv * z
            return np.maximum(surv - se2, 0.0), np.minimum(surv + se2, 1.0)
        if conf_type == "log":
            xx = np.where(surv == 0, np.nan, surv)
            se2 = z * se_log
            return np.exp(np.log(xx) - se2), np.minimum(np.exp(np.log(xx) + se2), 1.0)
        xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
        se2 = z * se_log / np.log(xx)
        lower = np.exp(-np.exp(np.log(-np.log(xx)) - se2))
        upper = np.exp(-np.exp(np.log(-np.log(xx)) + se2))
        return lower, upper


def _findq(x: np.ndarray, y: np.ndarray, p: float) -> float:
    """R ``survival:::findq`` for one probability: first x where y = 1 - S reaches p.

    Where ``y`` equals ``p`` (within sqrt(eps)) over a flat stretch the quantile is the
    midpoint of the stretch, as R does.
    """
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return math.nan
    xmax = x[-1]
    _, first = np.unique(y, return_index=True)  # R duplicated(): keep first occurrence
    keep = np.zeros(y.size, dtype=bool)
    keep[first] = True
    nan_y = np.isnan(y)
    if nan_y.any():  # duplicated() keeps the first NA as well
        keep[np.flatnonzero(nan_y)[0]] = True
    x, y = x[keep], y[keep]
    idx = np.arange(y.size)
    ok = ~np.isnan(y)

    def _approx(yy: np.ndarray) -> float:
        # approx(yy, idx, p, method="constant", f=1) on the non-missing points
        xs, ys = yy[ok], idx[ok]
        order = np.argsort(xs, kind="stable")
        xs, ys = xs[order], ys[order]
        if p < xs[0] or p > xs[-1]:
            return math.nan
        j = int(np.searchsorted(xs, p, side="left"))
        return float(ys[j])

    i1, i2 = _approx(y + _TOL), _approx(y - _TOL)
    quant = (x[int(i1)] + x[int(i2)]) / 2 if not (math.isnan(i1) or math.isnan(i2)) else math.nan
    if p == 0:
        quant = x[0]
    if not np.isnan(y[-1]) and abs(p - y[-1]) < _TOL and not math.isnan(i1):
        quant = (x[int(i1)] + xmax) / 2
    return float(quant)


@dataclass(frozen=True, eq=False)
class KaplanMeierResult:
    """Kaplan-Meier estimate of a survival curve.

    Attributes
    ----------
    table : DataFrame
        One row per distinct time: ``time, at_risk, events, censored, survival,
        std_err, lower, upper`` (``std_err`` is the standard error of S(t), R's
        ``std.err`` in ``summary.survfit``).
    n : int
        Number of observations (rows), as R ``fit$n``.
    conf_type, alpha, variance : str, float, str
        Interval transform, level and the variance actually used
        (``"greenwood"`` or ``"robust"``).
    median, median_ci : float, tuple of float
        Median and its confidence interval (R ``quantile.survfit``); NaN when not reached.
    """

    table: pd.DataFrame = field(repr=False)
    n: int
    conf_type: str
    alpha: float
    variance: str
    median: float
    median_ci: tuple[float, float]

    def survival_at(self, times: Any) -> pd.DataFrame:
        """S(t), its limits and the number at risk at ``times`` (a right-continuous step).

        The number at risk at ``t`` is the number still under observation at ``t``
        (R ``summary(fit, times=)``): the risk set of the first table time ``>= t``,
        0 after the last time.
        """
        t = _numeric_1d(times, "times").astype(float)
        tab = self.table
        tt = tab["time"].to_numpy()
        i = np.searchsorted(tt, t, side="right") - 1
        before = i < 0
        j = np.clip(i, 0, None)
        out = {
            "time": t,
            "survival": np.where(before, 1.0, tab["survival"].to_numpy()[j]),
            "lower": np.where(before, 1.0, tab["lower"].to_numpy()[j]),
            "upper": np.where(before, 1.0, tab["upper"].to_numpy()[j]),
        }
        k = np.searchsorted(tt, t, side="left")
        risk = np.append(tab["at_risk"].to_numpy(), 0.0)
        out["at_risk"] = risk[k]
        return pd.DataFrame(out)

    def rmst(self, tau: float) -> tuple[float, float]:
        """Restricted mean survival time up to ``tau`` and its standard error.

        Equals R ``summary(fit, rmean = tau)$table[c("rmean", "se(rmean)")]``; the
        standard error uses R's Greenwood-type formula (also for robust fits).
        """
        tau = float(check_finite(_numeric_1d(tau, "tau"), "tau")[0])
        if tau <= 0:
            raise ValueError(f"tau must be positive, but was {tau!r}")
        tab = self.table
        time = tab["time"].to_numpy()
        surv = tab["survival"].to_numpy()
        y = tab["at_risk"].to_numpy()
        d = tab["events"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            hh = np.where(y - d == 0, 0.0, d / (y * (y - d)))
        keep = time <= tau
        temptime = np.append(time[keep], tau)
        tempsurv = np.append(surv[keep], surv[keep][-1] if keep.any() else 1.0)
        hh = hh[keep]
        delta = np.diff(np.concatenate(([0.0], temptime)))
        rect = delta * np.concatenate(([1.0], tempsurv[:-1]))
        after = np.cumsum(rect[1:][::-1])[::-1]  # area after each kept time
        var = float(np.sum(after**2 * hh))
        return float(rect.sum()), math.sqrt(var)

    def to_frame(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self.table.copy()

    def plot(self, ax: Any = None, *, label: str | None = None, ci: bool = True) -> Any:
        """Draw the step curve with its band and censoring ticks; return the Axes."""
        import matplotlib.pyplot as plt

        from evalkit.plots import _draw_km

        if ax is None:
            _, ax = plt.subplots()
        _draw_km(ax, self, label=label, ci=ci, color=None, threshold=0)
        return ax

    def _repr_html_(self) -> str:
        lo, hi = self.median_ci
        head = (
            f"<p>Kaplan-Meier, n = {self.n}, {self.conf_type} CI ({1 - self.alpha:.0%}), "
            f"variance {self.variance}; median {self.median} ({lo}; {hi})</p>"
        )
        return head + self.table.to_html(index=False, max_rows=30)


@dataclass(frozen=True, eq=False)
class NelsonAalenResult:
    """Nelson-Aalen cumulative hazard; ``table`` columns ``time, at_risk, events,
    cumhaz, std_err, lower, upper`` (limits on the log scale of H)."""

    table: pd.DataFrame = field(repr=False)
    n: int
    alpha: float
    variance: str

    def to_frame(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self.table.copy()

    def _repr_html_(self) -> str:
        return f"<p>Nelson-Aalen, n = {self.n}</p>" + self.table.to_html(index=False, max_rows=30)


def _resolve_variance(variance: str | None, w: np.ndarray | None) -> str:
    check_option("variance", variance, VARIANCES)
    if variance is not None:
        return variance
    if w is not None and np.any(w != np.floor(w)):
        return "robust"
    return "greenwood"


def kaplan_meier(
    durations: Any,
    events: Any,
    weights: Any = None,
    conf_type: str = "log-log",
    alpha: float = 0.05,
    variance: str | None = None,
) -> KaplanMeierResult:
    """Kaplan-Meier estimate with pointwise confidence limits, as R ``survfit``.

    Parameters
    ----------
    durations : array_like, shape (n,)
        Time from start to event or censoring (non-negative; weeks in evalkit).
    events : array_like, shape (n,)
        1 for an event (e.g. self-support), 0 for censored.
    weights : array_like, shape (n,), optional
        Non-negative case weights (zero allowed), e.g. inverse-probability weights.
    conf_type : {"log-log", "log", "plain"}
        Transform for the pointwise interval, defined as in R ``survfit``. Our default
        is ``"log-log"`` (R's default is ``"log"``).
    alpha : float
        1 - confidence level.
    variance : {None, "greenwood", "robust"}
        ``None`` follows R: robust (infinitesimal jackknife) when some weight is not a
        whole number, else Greenwood.

    Returns
    -------
    KaplanMeierResult

    Raises
    ------
    ValueError
        For NaN, negative durations, events not 0/1, length mismatch, empty input,
        all-zero weights or an unknown option.

    References
    ----------
    R ``survival::survfit.formula`` / ``survfitKM`` (survival 3.5-3),
    ``summary.survfit(censored = TRUE)``, ``quantile.survfit``.

    Examples
    --------
    >>> fit = kaplan_meier([1, 2, 2, 3, 5], [1, 1, 0, 1, 0])
    >>> fit.table["survival"].round(3).tolist()
    [0.8, 0.6, 0.3, 0.3]
    """
    check_option("conf_type", conf_type, CONF_TYPES)
    alpha = check_alpha(alpha)
    t, d, w = _prepare(durations, events, weights)
    var_kind = _resolve_variance(variance, w)
    robust = var_kind == "robust"
    c = _counts(t, d, w, squares=robust)
    y, ev = c.n_risk, c.n_event
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(ev > 0, ev / y, 0.0)
        surv = np.cumprod(1.0 - h)
        if robust:
            g = 1.0 / (y - ev)
            v = surv**2 * _ij_variance(c, g, np.where(ev > 0, h * g, 0.0))
            sd = np.where(surv == 0, 0.0, np.sqrt(v))
            se_log = np.where(sd == 0, 0.0, sd / surv)
            std_err = sd
        else:
            gw = np.where(ev > 0, ev / (y * (y - ev)), 0.0)
            se_log = np.sqrt(np.cumsum(gw))
            std_err = surv * se_log
    z = float(norm.isf(alpha / 2))
    lower, upper = _confint(surv, se_log, conf_type, z)
    table = pd.DataFrame(
        {
            "time": c.time,
            "at_risk": y,
            "events": ev,
            "censored": c.n_censor,
            "survival": surv,
            "std_err": std_err,
            "lower": lower,
            "upper": upper,
        }
    )
    x = np.concatenate(([0.0], c.time))
    med = _findq(x, np.concatenate(([0.0], 1 - surv)), 0.5)
    med_lo = _findq(x, np.concatenate(([0.0], 1 - lower)), 0.5)
    med_hi = _findq(x, np.concatenate(([0.0], 1 - upper)), 0.5)
    return KaplanMeierResult(
        table=table,
        n=int(t.size),
        conf_type=conf_type,
        alpha=alpha,
        variance=var_kind,
        median=med,
        median_ci=(med_lo, med_hi),
    )


def nelson_aalen(
    durations: Any, events: Any, weights: Any = None, alpha: float = 0.05
) -> NelsonAalenResult:
    """Nelson-Aalen cumulative hazard, as R ``survfit(..., ctype = 1)``.

    Parameters
    ----------
    durations, events, weights : array_like
        As in :func:`kaplan_meier`.
    alpha : float
        1 - confidence level; limits are ``H exp(+-z se/H)`` (log scale).

    Returns
    -------
    NelsonAalenResult
        ``std_err`` equals R ``std.chaz``: ``sqrt(sum d/Y^2)``, or the robust
        (infinitesimal jackknife) one when some weight is not a whole number.

    Raises
    ------
    ValueError
        As :func:`kaplan_meier`.

    References
    ----------
    R ``survival::survfit(ctype = 1)``, components ``cumhaz`` and ``std.chaz``.

    Examples
    --------
    >>> nelson_aalen([1, 2, 2, 3, 3], [1, 0, 1, 1, 1]).table["cumhaz"].tolist()
    [0.2, 0.45, 1.45]
    """
    alpha = check_alpha(alpha)
    t, d, w = _prepare(durations, events, weights)
    var_kind = _resolve_variance(None, w)
    robust = var_kind == "robust"
    c = _counts(t, d, w, squares=robust)
    y, ev = c.n_risk, c.n_event
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(ev > 0, ev / y, 0.0)
        cumhaz = np.cumsum(h)
        if robust:
            g = 1.0 / y
            se = np.sqrt(_ij_variance(c, g, np.where(ev > 0, h * g, 0.0)))
        else:
            se = np.sqrt(np.cumsum(np.where(ev > 0, ev / y**2, 0.0)))
        z = float(norm.isf(alpha / 2))
        fac = np.exp(z * se / cumhaz)
        lower = np.where(cumhaz > 0, cumhaz / fac, 0.0)
        upper = np.where(cumhaz > 0, cumhaz * fac, 0.0)
    table = pd.DataFrame(
        {
            "time": c.time,
            "at_risk": y,
            "events": ev,
            "cumhaz": cumhaz,
            "std_err": se,
            "lower": lower,
            "upper": upper,
        }
    )
    return NelsonAalenResult(table=table, n=int(t.size), alpha=alpha, variance=var_kind)
