"""Kaplan-Meier and Nelson-Aalen estimators matching R ``survival::survfit``.

The table has one row per distinct time, events or not, exactly as
``summary(survfit(Surv(t, d) ~ 1), censored = TRUE)``. Weighted counts are sums of
weights. With weights that are not all whole numbers the default variance is the robust
infinitesimal-jackknife (IJ) variance, as R's default ``robust`` rule; whole-number
weights and ``variance="greenwood"`` give the weighted Greenwood variance.

Counting-process input (``entry=``, R ``Surv(entry, stop, event)``) handles delayed
entry (left truncation): a row is at risk at ``t`` when ``entry < t <= stop``. ``id=`` and
``cluster=`` give the clustered IJ variance, as R ``survfit(..., id=, cluster=)``.
``groups=`` fits one curve per group in one call (R ``survfit(Surv(t, d) ~ g)``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from evalkit._checks import check_alpha, check_finite, check_option
from evalkit.survival._core import _codes, _counts, _ij_variance, _numeric_1d
from evalkit.survival._counting import (
    VARIANCES,
    _general,
    _ij_cluster_variance,
    _Input,
    _input,
    _risk_table,
)
from evalkit.survival._display import (
    Summary,
    fmt_p_html,
    fmt_p_text,
    html_para,
    html_table,
    text_table,
)

__all__ = [
    "CONF_TYPES",
    "VARIANCES",
    "KaplanMeierResult",
    "NelsonAalenResult",
    "kaplan_meier",
    "nelson_aalen",
]

# Nelson-Aalen lives in its own module; importing it from here keeps working
from evalkit.survival.nelson_aalen import NelsonAalenResult, nelson_aalen

CONF_TYPES = ("log-log", "log", "plain")
_TOL = math.sqrt(np.finfo(float).eps)  # R: sqrt(.Machine$double.eps)
_TABLE = ["time", "at_risk", "events", "censored", "survival", "std_err", "lower", "upper"]


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


def _step_at(
    tab: pd.DataFrame, times: np.ndarray, columns: Mapping[str, float]
) -> dict[str, np.ndarray]:
    """Right-continuous step values of ``columns`` at ``times`` (``value`` before the start)."""
    tt = tab["time"].to_numpy()
    i = np.searchsorted(tt, times, side="right") - 1
    before = i < 0
    j = np.clip(i, 0, None)
    out = {}
    for col, first in columns.items():
        vals = tab[col].to_numpy()
        out[col] = np.where(before, first, vals[j] if vals.size else first)
    return out


def _between(tab: pd.DataFrame, times: np.ndarray, col: str) -> np.ndarray:
    """Sum of ``col`` over table times in (previous requested time, t] (R summary times=)."""
    tt = tab["time"].to_numpy()
    cum = np.concatenate(([0.0], np.cumsum(tab[col].to_numpy(dtype=float))))
    uniq = np.unique(times)
    at = cum[np.searchsorted(tt, uniq, side="right")]
    prev = np.concatenate(([0.0], at[:-1]))
    pos = np.searchsorted(uniq, times)
    return at[pos] - prev[pos]


@dataclass(frozen=True, eq=False)
class KaplanMeierResult:
    """Kaplan-Meier estimate of one survival curve, or of one curve per group.

    Attributes
    ----------
    table : DataFrame
        One row per distinct time: ``time, at_risk, events, censored, survival,
        std_err, lower, upper`` (``std_err`` is the standard error of S(t), R's
        ``std.err`` in ``summary.survfit``). A grouped fit (``groups=``) has a first
        column ``group`` and the rows of every group, in group order.
    n : int
        Number of observations (rows), as R ``fit$n`` (summed over groups).
    conf_type, alpha, variance : str, float, str
        Interval transform, level and the variance actually used
        (``"greenwood"`` or ``"robust"``).
    median, median_ci : float, tuple of float
        Median and its confidence interval (R ``quantile.survfit``); NaN when not
        reached, and NaN for a grouped fit (see :meth:`medians` or ``fit[group]``).
    weighted : bool
        Whether case weights were given: ``at_risk``, ``events`` and ``censored`` are then
        sums of weights, and :attr:`persons_at_risk` holds the rows under observation.
    entry : bool
        Whether counting-process input (delayed entry) was given.
    n_clusters : int or None
        Number of clusters (ids) behind a clustered robust variance.
    persons_at_risk : ndarray or None
        Rows at risk (persons, when each person has one row at a time) per table row,
        for weighted fits; None otherwise (``at_risk`` is then the count).
    strata : dict of str -> KaplanMeierResult
        The curve of each group (empty for a single curve).
    test : LogrankResult or None
        For an unweighted grouped fit, the log-rank test of equal curves (R
        ``survdiff``; with ``entry`` the counting-process score test, see
        :func:`evalkit.survival.logrank`).
    """

    table: pd.DataFrame = field(repr=False)
    n: int
    conf_type: str
    alpha: float
    variance: str
    median: float
    median_ci: tuple[float, float]
    weighted: bool = False
    entry: bool = False
    n_clusters: int | None = None
    persons_at_risk: np.ndarray | None = field(default=None, repr=False)
    strata: dict[str, KaplanMeierResult] = field(default_factory=dict, repr=False)
    test: Any = field(default=None, repr=False)

    # -- access ----------------------------------------------------------------------
    @property
    def groups(self) -> tuple[str, ...]:
        """Group labels of a grouped fit (empty for a single curve)."""
        return tuple(self.strata)

    def __getitem__(self, group: str) -> KaplanMeierResult:
        """The curve of one group (R ``fit[i]``)."""
        if not self.strata:
            raise KeyError(f"this is a single curve without groups; asked for {group!r}")
        if group not in self.strata:
            raise KeyError(f"group must be one of {list(self.strata)!r}, but was {group!r}")
        return self.strata[group]

    def _curves(self) -> dict[str | None, KaplanMeierResult]:
        return dict(self.strata) if self.strata else {None: self}

    def _persons(self) -> np.ndarray:
        """Rows (persons) at risk per table row, whether or not the fit is weighted."""
        if self.persons_at_risk is not None:
            return np.asarray(self.persons_at_risk)
        return self.table["at_risk"].to_numpy()

    # -- values at chosen times --------------------------------------------------------
    def survival_at(self, times: Any) -> pd.DataFrame:
        """S(t) with its standard error, limits, numbers at risk and events at ``times``.

        As R ``summary(fit, times=)``: ``at_risk`` is the number still under observation
        at ``t`` (the risk set of the first table time ``>= t``; 0 after the last time),
        ``events`` and ``censored`` are counted since the previous requested time (from
        the start for the first), and S(t) is the right-continuous step. Before the
        first time S = 1 with standard error 0. Columns ``time, at_risk, events,
        censored, survival, std_err, lower, upper`` (with ``group`` first for a grouped
        fit). Unlike R, times after the last follow-up are kept (at risk 0).
        """
        t = _numeric_1d(times, "times").astype(float)
        if self.strata:
            parts = [
                fit.survival_at(t).assign(group=g).loc[:, ["group", *_TABLE]]
                for g, fit in self.strata.items()
            ]
            return pd.concat(parts, ignore_index=True)
        tab = self.table
        step = _step_at(tab, t, {"survival": 1.0, "std_err": 0.0, "lower": 1.0, "upper": 1.0})
        k = np.searchsorted(tab["time"].to_numpy(), t, side="left")
        risk = np.append(tab["at_risk"].to_numpy(), 0.0)
        out = {
            "time": t,
            "at_risk": risk[k],
            "events": _between(tab, t, "events"),
            "censored": _between(tab, t, "censored"),
            **step,
        }
        return pd.DataFrame(out)[_TABLE]

    def rmst(self, tau: float) -> tuple[float, float]:
        """Restricted mean survival time up to ``tau`` and its standard error.

        Equals R ``summary(fit, rmean = tau)$table[c("rmean", "se(rmean)")]``; the
        standard error uses R's Greenwood-type formula (also for robust fits), which is
        also ``survRM2::rmst2``'s. One curve only: for a grouped fit use
        :meth:`rmst_table` or :func:`evalkit.survival.rmst_difference`.
        """
        if self.strata:
            raise ValueError(
                "rmst() gives the value of one curve, but this fit has groups "
                f"{list(self.strata)!r}; use fit.rmst_table(tau), fit[group].rmst(tau) "
                "or evalkit.survival.rmst_difference"
            )
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

    def rmst_table(self, tau: float) -> pd.DataFrame:
        """RMST up to ``tau`` per curve with standard error and normal-theory limits.

        Columns ``group`` (grouped fits), ``tau, rmst, se, lower, upper``; the limits are
        ``rmst -+ z se`` at level ``1 - alpha`` (``survRM2::rmst2``'s per-arm rows).
        """
        z = float(norm.isf(self.alpha / 2))
        rows = []
        for g, fit in self._curves().items():
            est, se = fit.rmst(tau)
            row = {"group": g} if g is not None else {}
            row.update(tau=float(tau), rmst=est, se=se, lower=est - z * se, upper=est + z * se)
            rows.append(row)
        return pd.DataFrame(rows)

    def medians(self) -> pd.DataFrame:
        """One row per curve as R ``print(fit)``: n, events, median and its limits.

        ``n`` is the number of rows (R ``records``); for counting-process input
        ``n_max`` is the largest number at risk. Medians use ``quantile.survfit``'s rule.
        """
        rows = []
        for g, fit in self._curves().items():
            row: dict[str, Any] = {} if g is None else {"group": g}
            row["n"] = fit.n
            if self.entry:
                row["n_max"] = float(fit.table["at_risk"].max()) if len(fit.table) else 0.0
            row["events"] = float(fit.table["events"].sum())
            row["median"] = fit.median
            row["lower"], row["upper"] = fit.median_ci
            rows.append(row)
        return pd.DataFrame(rows)

    def to_frame(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self.table.copy()

    # -- display -------------------------------------------------------------------------
    def _title(self) -> str:
        bits = [f"Kaplan-Meier, {self.conf_type} CI ({1 - self.alpha:.0%})"]
        bits.append(f"{self.variance} variance")
        if self.n_clusters is not None:
            bits[-1] += f" ({self.n_clusters} clusters)"
        if self.weighted:
            bits.append("weighted")
        if self.entry:
            bits.append("counting process (delayed entry)")
        return ", ".join(bits)

    def _overview(self) -> pd.DataFrame:
        med = self.medians()
        level = f"{1 - self.alpha:.2f}".rstrip("0").rstrip(".")
        med = med.rename(columns={"lower": f"{level}LCL", "upper": f"{level}UCL"})
        if self.entry:
            med = med.rename(columns={"n": "records", "n_max": "n.max"})
        if "group" in med:
            med = med.set_index("group")
            med.index.name = None
        return med

    def _test_line(self) -> str:
        t = self.test
        if t is None:
            return ""
        name = "Log-rank" if t.rho == 0 else f"G-rho (rho = {t.rho:g})"
        return (
            f"{name} test: Chisq = {t.statistic:.1f} on {t.df} degrees of freedom, "
            f"p = {fmt_p_text(t.p_value)}"
        )

    def __repr__(self) -> str:
        counts = ["n", "records", "n.max", "events"]
        lines = [self._title(), ""]
        lines.append(text_table(self._overview(), index=bool(self.strata), counts=counts))
        if self.test is not None:
            lines += ["", self._test_line()]
        return "\n".join(lines)

    def summary(self, times: Any = None) -> Summary:
        """The curve(s) at every event time, or at ``times``: R ``summary(fit)``.

        Columns ``time, n.risk, n.event, survival, std.err`` and the limits; without
        ``times`` only times with events are listed (R ``censored = FALSE``).
        """
        parts_text, parts_html = [self._title()], [html_para(self._title())]
        level = f"{1 - self.alpha:.0%}"
        for g, fit in self._curves().items():
            tab = fit.table if times is None else fit.survival_at(times)
            if times is None:
                tab = tab[tab["events"] > 0]
            shown = tab[["time", "at_risk", "events", "survival", "std_err", "lower", "upper"]]
            shown = shown.rename(
                columns={
                    "at_risk": "n.risk",
                    "events": "n.event",
                    "std_err": "std.err",
                    "lower": f"lower {level} CI",
                    "upper": f"upper {level} CI",
                }
            )
            kw = {"counts": ["n.risk", "n.event"], "index": False}
            head = "" if g is None else f"group={g}"
            parts_text += ([f"\n                {head}"] if head else [""]) + [
                text_table(shown, **kw)
            ]
            parts_html.append(html_table(shown, caption=head, **kw))
        return Summary("\n".join(parts_text), "".join(parts_html))

    def _repr_html_(self) -> str:
        counts = ["n", "records", "n.max", "events"]
        out = html_para(self._title())
        out += html_table(self._overview(), index=bool(self.strata), counts=counts)
        if self.test is not None:
            t = self.test
            out += html_para(
                f"Log-rank test: Chisq = {t.statistic:.2f} on {t.df} df, "
                f"p = {fmt_p_html(t.p_value)}"
            )
        tab = self.table
        cnt = ["at_risk", "events", "censored"]
        shown = tab if len(tab) <= 30 else pd.concat([tab.head(15), tab.tail(15)])
        out += html_table(shown, index=False, counts=cnt)
        if len(tab) > 30:
            out += html_para(f"{len(tab)} rows; first and last 15 shown (to_frame() for all)")
        return out

    # -- plot --------------------------------------------------------------------------
    def plot(self, ax: Any = None, *, label: str | None = None, **kwargs: Any) -> Any:
        """Draw the curve(s) with :func:`evalkit.plots.plot_survival`; return the Figure.

        A grouped fit draws one curve per group and, when it has a log-rank test, its
        p-value. ``label`` names a single curve; other keyword arguments go to
        ``plot_survival`` (``ci``, ``censor_marks``, ``median_line``, ``at_risk``,
        ``threshold``, ...). The figure is not registered with pyplot, so a notebook
        shows it once.
        """
        from evalkit.plots import plot_survival

        curves = dict(self.strata) if self.strata else {label or "Alle": self}
        if self.test is not None:
            kwargs.setdefault("pvalue", self.test)
        kwargs.setdefault("threshold", 1)
        return plot_survival(curves, ax=ax, **kwargs)


# -- fitting ----------------------------------------------------------------------------


def _km_arrays(x: _Input) -> dict[str, np.ndarray]:
    """Table columns and the standard error of log S for one curve."""
    t, d, w, robust = x.t, x.d, x.w, x.robust
    if not _general(x):
        c = _counts(t, d, w, squares=robust)
        time, y, ev, cens = c.time, c.n_risk, c.n_event, c.n_censor
        rows = None if w is None else _counts(t, d, None).n_risk
    else:
        rt = _risk_table(x.e, t, d, w, x.censor_rows)
        time, y, ev, cens, rows = rt.time, rt.n_risk, rt.n_event, rt.n_censor, rt.n_rows
        rows = None if w is None else rows
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(ev > 0, ev / y, 0.0)
        surv = np.cumprod(1.0 - h)
        if robust:
            g = 1.0 / (y - ev)
            hg = np.where(ev > 0, h * g, 0.0)
            if not _general(x):
                v = _ij_variance(c, g, hg)
            else:
                cl = x.clusters if x.clusters is not None else np.arange(t.size)
                v = _ij_cluster_variance(rt, d, w, cl, g, hg)
            sd = np.where(surv == 0, 0.0, np.sqrt(surv**2 * v))
            se_log = np.where(sd == 0, 0.0, sd / surv)
            std_err = sd
        else:
            gw = np.where(ev > 0, ev / (y * (y - ev)), 0.0)
            se_log = np.sqrt(np.cumsum(gw))
            std_err = surv * se_log
    out = {
        "time": time,
        "at_risk": y,
        "events": ev,
        "censored": cens,
        "survival": surv,
        "std_err": std_err,
        "se_log": se_log,
    }
    if rows is not None:
        out["rows"] = rows
    return out


def _km_result(
    x: _Input, conf_type: str, alpha: float, var_kind: str, weighted: bool
) -> KaplanMeierResult:
    a = _km_arrays(x)
    z = float(norm.isf(alpha / 2))
    lower, upper = _confint(a["survival"], a["se_log"], conf_type, z)
    table = pd.DataFrame({k: a[k] for k in _TABLE[:6]})
    table["lower"], table["upper"] = lower, upper
    xx = np.concatenate(([0.0], a["time"]))
    med = _findq(xx, np.concatenate(([0.0], 1 - a["survival"])), 0.5)
    med_lo = _findq(xx, np.concatenate(([0.0], 1 - lower)), 0.5)
    med_hi = _findq(xx, np.concatenate(([0.0], 1 - upper)), 0.5)
    return KaplanMeierResult(
        table=table,
        n=int(x.t.size),
        conf_type=conf_type,
        alpha=alpha,
        variance=var_kind,
        median=med,
        median_ci=(med_lo, med_hi),
        weighted=weighted,
        entry=x.e is not None,
        n_clusters=x.n_clusters,
        persons_at_risk=a.get("rows"),
    )


def kaplan_meier(
    durations: Any,
    events: Any,
    weights: Any = None,
    conf_type: str = "log-log",
    alpha: float = 0.05,
    variance: str | None = None,
    *,
    entry: Any = None,
    id: Any = None,
    cluster: Any = None,
    groups: Any = None,
) -> KaplanMeierResult:
    """Kaplan-Meier estimate with pointwise confidence limits, as R ``survfit``.

    Parameters
    ----------
    durations : array_like, shape (n,)
        Time from start to event or censoring (non-negative; weeks in evalkit). With
        ``entry`` this is the stop time of the interval ``(entry, duration]``.
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
        whole number, when ``cluster`` is given, or when an ``id`` has more than one
        event; else Greenwood.
    entry : array_like, shape (n,), optional
        Delayed-entry time (counting-process input, R ``Surv(entry, durations,
        events)``): the row is at risk at ``t`` when ``entry < t <= durations``. Use it
        for left truncation, e.g. persons already on benefit when follow-up starts.
    id : array_like, shape (n,), optional
        Person of each row, for data with several rows per person (R ``id=``): the
        robust variance then treats a person's rows as one cluster, and with ``entry``
        a row that continues the previous one is not counted as censored.
    cluster : array_like, shape (n,), optional
        Cluster of each row for the robust variance (R ``cluster=``), e.g. kommune.
    groups : array_like, shape (n,), optional
        One curve per group (R ``survfit(Surv(t, d) ~ g)``), in sorted order; the
        result holds them in ``strata`` and, unweighted, the log-rank test in ``test``.

    Returns
    -------
    KaplanMeierResult

    Raises
    ------
    ValueError
        For NaN, negative durations, events not 0/1, length mismatch, empty input,
        all-zero weights, an entry not below its duration, missing ids/clusters/groups,
        a cluster with ``variance="greenwood"``, ``variance="robust"`` with ``entry`` but
        no ``id``/``cluster``, or an unknown option.

    References
    ----------
    R ``survival::survfit.formula`` / ``survfitKM`` and ``survfitkm.c`` (survival
    3.5-3), ``summary.survfit(censored = TRUE)``, ``quantile.survfit``; Kalbfleisch JD,
    Prentice RL (2002), *The Statistical Analysis of Failure Time Data*, 2nd ed., 1.3
    and 4.3 (delayed entry).

    Examples
    --------
    >>> fit = kaplan_meier([1, 2, 2, 3, 5], [1, 1, 0, 1, 0])
    >>> fit.table["survival"].round(3).tolist()
    [0.8, 0.6, 0.3, 0.3]
    >>> late = kaplan_meier([4, 5, 6, 7], [1, 1, 0, 1], entry=[0, 3, 0, 5])
    >>> late.table["at_risk"].tolist()
    [3.0, 2.0, 2.0, 1.0]
    """
    check_option("conf_type", conf_type, CONF_TYPES)
    alpha = check_alpha(alpha)
    x = _input(durations, events, weights, variance, entry, id, cluster)
    var_kind = "robust" if x.robust else "greenwood"
    weighted = x.w is not None
    if groups is None:
        return _km_result(x, conf_type, alpha, var_kind, weighted)
    levels, codes = _codes(groups, "groups", x.t.size)
    strata = {
        str(lev): _km_result(x.subset(codes == j), conf_type, alpha, var_kind, weighted)
        for j, lev in enumerate(levels)
    }
    frames = [fit.table.assign(group=g) for g, fit in strata.items()]
    table = pd.concat(frames, ignore_index=True).loc[:, ["group", *_TABLE]]
    test = None
    if not weighted and x.clusters is None and len(levels) > 1:
        from evalkit.survival.logrank import logrank

        test = logrank(x.t, x.d, codes, entry=x.e)
        test = _relabel(test, [str(v) for v in levels])
    persons = None
    if weighted:
        persons = np.concatenate([f.persons_at_risk for f in strata.values()])
    return KaplanMeierResult(
        table=table,
        n=int(x.t.size),
        conf_type=conf_type,
        alpha=alpha,
        variance=var_kind,
        median=math.nan,
        median_ci=(math.nan, math.nan),
        weighted=weighted,
        entry=x.e is not None,
        n_clusters=x.n_clusters,
        persons_at_risk=persons,
        strata=strata,
        test=test,
    )


def _relabel(test: Any, labels: list[str]) -> Any:
    """The log-rank result with the group labels instead of their integer codes."""
    import dataclasses

    index = pd.Index(labels, name="group")
    return dataclasses.replace(
        test,
        table=test.table.set_axis(index, axis=0),
        variance=test.variance.set_axis(index, axis=0).set_axis(index, axis=1),
    )
