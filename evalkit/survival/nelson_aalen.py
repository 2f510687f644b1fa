"""Nelson-Aalen cumulative hazard matching R ``survival::survfit(..., ctype = 1)``.

The same input as :func:`evalkit.survival.kaplan_meier`: case weights, counting-process
input with delayed entry (``entry=``) and the clustered robust variance (``id=``,
``cluster=``). See ``docs/estimators-survival.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from evalkit._checks import check_alpha
from evalkit.survival._core import _counts, _ij_variance
from evalkit.survival._counting import _general, _ij_cluster_variance, _input, _risk_table
from evalkit.survival._display import Summary, html_para, html_table, text_table

__all__ = ["NelsonAalenResult", "nelson_aalen"]


@dataclass(frozen=True, eq=False)
class NelsonAalenResult:
    """Nelson-Aalen cumulative hazard; ``table`` columns ``time, at_risk, events,
    cumhaz, std_err, lower, upper`` (limits on the log scale of H)."""

    table: pd.DataFrame = field(repr=False)
    n: int
    alpha: float
    variance: str
    weighted: bool = False
    entry: bool = False
    n_clusters: int | None = None

    def to_frame(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self.table.copy()

    def _title(self) -> str:
        bits = [f"Nelson-Aalen cumulative hazard, n = {self.n}", f"{self.variance} variance"]
        if self.weighted:
            bits.append("weighted")
        if self.entry:
            bits.append("counting process (delayed entry)")
        return ", ".join(bits)

    def _shown(self) -> pd.DataFrame:
        tab = self.table[self.table["events"] > 0]
        return tab.rename(columns={"at_risk": "n.risk", "events": "n.event", "std_err": "std.chaz"})

    def __repr__(self) -> str:
        tab = self.table
        last = tab.iloc[-1] if len(tab) else None
        tail = (
            f"H({last['time']:g}) = {last['cumhaz']:.4g} (se {last['std_err']:.4g})"
            if last is not None
            else "no rows"
        )
        return f"{self._title()}\n{len(tab)} times; {tail}"

    def summary(self) -> Summary:
        """The cumulative hazard at every event time (R ``summary(fit)$cumhaz``)."""
        kw = {"counts": ["n.risk", "n.event"], "index": False}
        return Summary(
            self._title() + "\n" + text_table(self._shown(), **kw),
            html_para(self._title()) + html_table(self._shown(), **kw),
        )

    def _repr_html_(self) -> str:
        tab = self.table
        shown = tab if len(tab) <= 30 else pd.concat([tab.head(15), tab.tail(15)])
        return html_para(self._title()) + html_table(
            shown, index=False, counts=["at_risk", "events"]
        )

    def plot(self, ax: Any = None, *, label: str | None = None, **kwargs: Any) -> Any:
        """Step plot of H(t) with its band (:func:`evalkit.plots.plot_cumulative_hazard`)."""
        from evalkit.plots import plot_cumulative_hazard

        return plot_cumulative_hazard({label or "Alle": self}, ax=ax, **kwargs)


def nelson_aalen(
    durations: Any,
    events: Any,
    weights: Any = None,
    alpha: float = 0.05,
    *,
    entry: Any = None,
    id: Any = None,
    cluster: Any = None,
    variance: str | None = None,
) -> NelsonAalenResult:
    """Nelson-Aalen cumulative hazard, as R ``survfit(..., ctype = 1)``.

    Parameters
    ----------
    durations, events, weights : array_like
        As in :func:`kaplan_meier`.
    alpha : float
        1 - confidence level; limits are ``H exp(+-z se/H)`` (log scale).
    entry, id, cluster, variance
        As in :func:`kaplan_meier` (counting-process input, clustered robust variance).

    Returns
    -------
    NelsonAalenResult
        ``std_err`` equals R ``std.chaz``: ``sqrt(sum d/Y^2)``, or the robust
        (infinitesimal jackknife) one when some weight is not a whole number (or with
        ``cluster``, or on request).

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
    x = _input(durations, events, weights, variance, entry, id, cluster)
    t, d, w, robust = x.t, x.d, x.w, x.robust
    if not _general(x):
        c = _counts(t, d, w, squares=robust)
        time, y, ev = c.time, c.n_risk, c.n_event
    else:
        rt = _risk_table(x.e, t, d, w, x.censor_rows)
        time, y, ev = rt.time, rt.n_risk, rt.n_event
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(ev > 0, ev / y, 0.0)
        cumhaz = np.cumsum(h)
        if robust:
            g = 1.0 / y
            hg = np.where(ev > 0, h * g, 0.0)
            if not _general(x):
                se = np.sqrt(_ij_variance(c, g, hg))
            else:
                cl = x.clusters if x.clusters is not None else np.arange(t.size)
                se = np.sqrt(_ij_cluster_variance(rt, d, w, cl, g, hg))
        else:
            se = np.sqrt(np.cumsum(np.where(ev > 0, ev / y**2, 0.0)))
        z = float(norm.isf(alpha / 2))
        fac = np.exp(z * se / cumhaz)
        lower = np.where(cumhaz > 0, cumhaz / fac, 0.0)
        upper = np.where(cumhaz > 0, cumhaz * fac, 0.0)
    table = pd.DataFrame(
        {
            "time": time,
            "at_risk": y,
            "events": ev,
            "cumhaz": cumhaz,
            "std_err": se,
            "lower": lower,
            "upper": upper,
        }
    )
    return NelsonAalenResult(
        table=table,
        n=int(t.size),
        alpha=alpha,
        variance="robust" if robust else "greenwood",
        weighted=w is not None,
        entry=x.e is not None,
        n_clusters=x.n_clusters,
    )
