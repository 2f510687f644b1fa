"""Log-rank and Fleming-Harrington G-rho tests, as R ``survival::survdiff``.

Counts are gathered in one ``np.bincount`` over (stratum, time, group) cells, so the
test for k groups and s strata is a handful of array operations over the distinct times.
A one-sample test compares a project's spells with an external (national) curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2

from evalkit._checks import check_alpha
from evalkit.survival._core import _codes, _integer_times, _numeric_1d, _prepare, _time_index
from evalkit.survival._counting import _entry
from evalkit.survival._display import (
    Summary,
    fmt_p_html,
    fmt_p_text,
    html_para,
    html_table,
    text_table,
)

__all__ = ["LogrankResult", "OneSampleResult", "logrank", "logrank_one_sample"]


@dataclass(frozen=True, eq=False)
class LogrankResult:
    """Result of a k-sample (possibly stratified, G-rho weighted) log-rank test.

    Attributes
    ----------
    statistic, df, p_value : float, int, float
        Chi-square statistic, degrees of freedom (groups with expected > 0, minus 1)
        and its upper-tail p-value.
    table : DataFrame
        Indexed by group: ``n, observed, expected`` (summed over strata; with
        ``rho != 0`` the observed counts are weighted, as R's ``obs``).
    variance : DataFrame
        The variance matrix of observed - expected (R ``survdiff()$var``).
    rho : float
        The G-rho parameter (0 = log-rank, 1 = Peto-Peto-like).
    """

    statistic: float
    df: int
    p_value: float
    table: pd.DataFrame = field(repr=False)
    variance: pd.DataFrame = field(repr=False)
    rho: float = 0.0
    n_strata: int = 1
    entry: bool = False

    def to_frame(self) -> pd.DataFrame:
        """One-row summary: statistic, df, p-value, rho, number of strata."""
        return pd.DataFrame(
            [
                {
                    "statistic": self.statistic,
                    "df": self.df,
                    "p_value": self.p_value,
                    "rho": self.rho,
                    "n_strata": self.n_strata,
                }
            ]
        )

    def _groups_table(self) -> pd.DataFrame:
        """R ``print(survdiff)``'s table: N, Observed, Expected, (O-E)^2/E, (O-E)^2/V."""
        tab = self.table
        o, e = tab["observed"].to_numpy(), tab["expected"].to_numpy()
        v = np.diag(self.variance.to_numpy())
        with np.errstate(divide="ignore", invalid="ignore"):
            out = pd.DataFrame(
                {
                    "N": tab["n"].to_numpy(),
                    "Observed": o,
                    "Expected": e,
                    "(O-E)^2/E": (o - e) ** 2 / e,
                    "(O-E)^2/V": (o - e) ** 2 / v,
                },
                index=[f"group={g}" for g in tab.index],
            )
        return out

    def _test_line(self) -> str:
        return (
            f"Chisq= {self.statistic:.1f}  on {self.df} degrees of freedom, "
            f"p= {fmt_p_text(self.p_value)}"
        )

    def _title(self) -> str:
        if self.entry:
            return 'Log-rank test, counting-process data (score test of coxph(..., ties = "exact"))'
        name = "Log-rank test" if self.rho == 0 else f"G-rho test (rho = {self.rho:g})"
        return name + (f", {self.n_strata} strata" if self.n_strata > 1 else "")

    def __repr__(self) -> str:
        table = text_table(self._groups_table(), counts=["N", "Observed"])
        return f"{self._title()}\n\n{table}\n\n {self._test_line()}"

    def summary(self) -> Summary:
        """The printout of R ``survdiff``: the groups table and the chi-square test."""
        html = (
            html_para(self._title())
            + html_table(self._groups_table(), counts=["N", "Observed"])
            + html_para(
                f"Chisq = {self.statistic:.2f} on {self.df} df, p = {fmt_p_html(self.p_value)}"
            )
        )
        return Summary(repr(self), html)

    def _repr_html_(self) -> str:
        return self.summary().html


@dataclass(frozen=True, eq=False)
class OneSampleResult:
    """One-sample log-rank test against an external curve.

    Attributes
    ----------
    observed, expected : float
        Observed events and the events expected under the reference curve.
    ratio, ratio_lower, ratio_upper : float
        O/E (standardised ratio) and its exact Poisson interval at level 1 - alpha.
    statistic, p_value : float
        ``(O - E)^2 / E`` on 1 degree of freedom (R ``survdiff(... ~ offset(...))``).
    n : int
        Number of persons.
    """

    observed: float
    expected: float
    ratio: float
    ratio_lower: float
    ratio_upper: float
    statistic: float
    p_value: float
    n: int
    alpha: float = 0.05
    df: int = 1

    def to_frame(self) -> pd.DataFrame:
        """One-row DataFrame of all fields."""
        return pd.DataFrame([{k: getattr(self, k) for k in self.__dataclass_fields__}])

    def __repr__(self) -> str:
        return (
            f"One-sample log-rank test against a reference curve, n = {self.n}\n"
            f"Observed {self.observed:g}, expected {self.expected:.2f}, "
            f"O/E {self.ratio:.3f} ({1 - self.alpha:.0%} CI {self.ratio_lower:.3f} to "
            f"{self.ratio_upper:.3f})\n"
            f" Chisq= {self.statistic:.1f}  on 1 degrees of freedom, "
            f"p= {fmt_p_text(self.p_value)}"
        )

    def summary(self) -> Summary:
        """The test as text (R style) and as an HTML table."""
        return Summary(repr(self), html_table(self.to_frame(), index=False, pvalues=["p_value"]))

    def _repr_html_(self) -> str:
        return self.summary().html


def logrank(
    durations: Any,
    events: Any,
    groups: Any,
    strata: Any = None,
    rho: float = 0,
    *,
    entry: Any = None,
) -> LogrankResult:
    """Log-rank / Fleming-Harrington G-rho test of equal survival in k groups.

    Parameters
    ----------
    durations, events : array_like, shape (n,)
        Times and event indicators (1 = event, 0 = censored).
    groups : array_like, shape (n,)
        Group labels (at least two distinct); sorted order is the level order.
    strata : array_like, shape (n,), optional
        Stratum labels; the test sums observed, expected and variance over strata.
    rho : float
        Weight ``S(t-)^rho`` with S the pooled left-continuous Kaplan-Meier within the
        stratum; 0 gives the log-rank test.
    entry : array_like, shape (n,), optional
        Delayed-entry times (counting-process input ``(entry, duration]``, left
        truncation): a row is in the risk sets of times ``entry < t <= duration``. R's
        ``survdiff`` refuses such data ("Right censored data only"); the test computed
        here is the score test of ``coxph(Surv(entry, t, d) ~ factor(g) + strata(s),
        ties = "exact")``, which is ``survdiff``'s statistic whenever there is no
        delayed entry. Only ``rho = 0``.

    Returns
    -------
    LogrankResult

    Raises
    ------
    ValueError
        For invalid durations/events, missing or single-level groups, negative rho.

    References
    ----------
    R ``survival::survdiff(Surv(t, d) ~ g + strata(s), rho = rho)``; Harrington and
    Fleming (1982), Biometrika 69, 553-566. With ``entry``: the score test at
    ``beta = 0`` of the exact (discrete) partial likelihood, R ``coxph(..., ties =
    "exact")$score`` (Kalbfleisch and Prentice 2002, 4.2 and 7.2).

    Examples
    --------
    >>> res = logrank([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], ["a", "b", "a", "b", "a", "b"])
    >>> res.df
    1
    """
    rho = float(_numeric_1d(rho, "rho")[0])
    if rho < 0:
        raise ValueError(f"rho must be non-negative, but was {rho!r}")
    t, d, _ = _prepare(durations, events)
    e = None
    if entry is not None:
        e = _entry(entry, t)
        if rho != 0:
            raise ValueError(
                f"rho must be 0 with entry (counting-process data), but was {rho!r}: "
                "R has no G-rho test for such data to check it against"
            )
    levels, g = _codes(groups, "groups", t.size)
    if levels.size < 2:
        raise ValueError(f"groups must hold at least two levels, but had {levels.tolist()!r}")
    s, n_s = None, 1
    if strata is not None:
        slev, s = _codes(strata, "strata", t.size)
        n_s = slev.size
    ti = _integer_times(t)  # counting path: empty time slots simply count zero
    if ti is not None:
        m = int(ti.max()) + 1
        # last time slot at or before each entry (slots are the integers 0..m-1)
        ke = None if e is None else np.minimum(np.floor(e), m - 1).astype(np.int64)
    else:
        times, ti = _time_index(t)
        m = times.size
        ke = None if e is None else np.searchsorted(times, e, side="right") - 1
    k = levels.size
    cell = ti * k
    if s is not None:
        cell += s.astype(np.int64) * (m * k)
    cell += g
    cell *= 2
    cell += d  # one bincount gives totals (even + odd cells) and events (odd cells)
    size = n_s * m * k
    both = np.bincount(cell, minlength=2 * size)
    dev = both[1::2].reshape(n_s, m, k).astype(float)
    tot = (both[0::2] + both[1::2]).reshape(n_s, m, k).astype(float)
    risk = np.cumsum(tot[:, ::-1, :], axis=1)[:, ::-1, :]  # at risk per group
    if ke is not None:
        # rows are not at risk at or before their entry: subtract them at every slot <= ke
        cell0 = ke * k + g
        if s is not None:
            cell0 = cell0 + s.astype(np.int64) * (m * k)
        late = ke >= 0
        gone = np.bincount(cell0[late], minlength=size).reshape(n_s, m, k).astype(float)
        risk = risk - np.cumsum(gone[:, ::-1, :], axis=1)[:, ::-1, :]
    y = risk.sum(axis=2)  # pooled at risk, (s, m)
    dd = dev.sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if rho != 0:
            frac = np.where(y > 0, (y - dd) / y, 1.0)
            km = np.cumprod(frac, axis=1)
            km_left = np.concatenate((np.ones((n_s, 1)), km[:, :-1]), axis=1)
            wt = km_left**rho
        else:
            wt = np.ones_like(y)
        obs = (wt[:, :, None] * dev).sum(axis=(0, 1))
        share = np.where(y[:, :, None] > 0, risk / y[:, :, None], 0.0)
        exp = (wt[:, :, None] * dd[:, :, None] * share).sum(axis=(0, 1))
        vf = np.where((dd > 0) & (y > 1), wt**2 * dd * (y - dd) / (y - 1), 0.0)
    # var = sum vf * (diag(share) - share share^T)
    var = np.einsum("st,stj->j", vf, share)
    var = np.diag(var) - np.einsum("st,stj,stk->jk", vf, share, share)
    ok = exp > 0
    df = int(ok.sum()) - 1
    if df < 1:
        stat = 0.0
    else:
        diff = (obs - exp)[ok][1:]
        vv = var[np.ix_(ok, ok)][1:, 1:]
        stat = float(diff @ np.linalg.solve(vv, diff))
    n_per = np.bincount(g, minlength=k)
    index = pd.Index(levels, name="group")
    table = pd.DataFrame({"n": n_per, "observed": obs, "expected": exp}, index=index)
    return LogrankResult(
        statistic=stat,
        df=max(df, 0),
        p_value=float(chi2.sf(stat, df)) if df >= 1 else math.nan,
        table=table,
        variance=pd.DataFrame(var, index=index, columns=index),
        rho=rho,
        n_strata=n_s,
        entry=e is not None,
    )


def _reference_cumhaz(reference: Any) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(reference, pd.DataFrame):
        raise TypeError(
            f"reference must be a DataFrame with columns week and survival, "
            f"but was {type(reference).__name__}"
        )
    missing = {"week", "survival"} - set(reference.columns)
    if missing:
        raise ValueError(
            f"reference must have columns 'week' and 'survival', but lacks {sorted(missing)!r}"
        )
    week = _numeric_1d(reference["week"].to_numpy(), "reference['week']").astype(float)
    surv = _numeric_1d(reference["survival"].to_numpy(), "reference['survival']").astype(float)
    if np.any(np.diff(week) <= 0):
        i = int(np.flatnonzero(np.diff(week) <= 0)[0]) + 1
        raise ValueError(
            f"reference['week'] must be strictly increasing, but position {i} is {week[i]!r}"
        )
    bad = (surv <= 0) | (surv > 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"reference['survival'] must lie in (0, 1], but position {i} is {surv[i]!r}"
        )
    if np.any(np.diff(surv) > 0):
        i = int(np.flatnonzero(np.diff(surv) > 0)[0]) + 1
        raise ValueError(
            f"reference['survival'] must not increase, but position {i} is {surv[i]!r}"
        )
    return week, -np.log(surv)


def logrank_one_sample(
    durations: Any,
    events: Any,
    reference: pd.DataFrame,
    alpha: float = 0.05,
    *,
    entry: Any = None,
) -> OneSampleResult:
    """One-sample log-rank test of a project's spells against an external curve.

    Each person's expected number of events is the reference cumulative hazard
    ``H(t_i) = -log S_ref(t_i)`` at their own time, with ``S_ref`` the step function
    given by ``reference`` (value at the largest ``week <= t``, 1 before the first week).
    With delayed entry it is the hazard over the time at risk, ``H(t_i) - H(e_i)``.

    Parameters
    ----------
    durations, events : array_like, shape (n,)
        The project's spells (weeks since start) and event indicators.
    reference : DataFrame
        Columns ``week`` (strictly increasing) and ``survival`` (in (0, 1], not
        increasing), e.g. the national curve (landstal).
    alpha : float
        1 - level of the exact Poisson interval for O/E.
    entry : array_like, shape (n,), optional
        Delayed-entry times (left truncation, R ``Surv(entry, durations, events)``): row
        ``i`` is at risk on ``(entry_i, durations_i]``.

    Returns
    -------
    OneSampleResult

    Raises
    ------
    ValueError, TypeError
        For invalid spells or an invalid reference table.

    References
    ----------
    R ``survival::survdiff(Surv(t, d) ~ offset(S_ref(t)))`` (one-sample test; with
    entry the offset is the conditional survival ``S_ref(t) / S_ref(e)``);
    Breslow (1975), Int. Stat. Rev. 43, 45-57.

    Examples
    --------
    >>> ref = pd.DataFrame({"week": [0, 10, 20], "survival": [1.0, 0.6, 0.3]})
    >>> round(logrank_one_sample([5, 12, 25], [1, 1, 0], ref).expected, 4)
    1.7148
    """
    alpha = check_alpha(alpha)
    t, d, _ = _prepare(durations, events)
    week, cumhaz = _reference_cumhaz(reference)

    def cum(x: np.ndarray) -> np.ndarray:
        i = np.searchsorted(week, x, side="right") - 1
        return np.where(i >= 0, cumhaz[np.clip(i, 0, None)], 0.0)

    h = cum(t)
    if entry is not None:
        h = h - cum(_entry(entry, t))
    expected = float(h.sum())
    observed = float(d.sum())
    stat = (observed - expected) ** 2 / expected if expected > 0 else math.nan
    lo = chi2.ppf(alpha / 2, 2 * observed) / 2 / expected if observed > 0 else 0.0
    hi = chi2.isf(alpha / 2, 2 * observed + 2) / 2 / expected
    return OneSampleResult(
        observed=observed,
        expected=expected,
        ratio=observed / expected if expected > 0 else math.nan,
        ratio_lower=float(lo),
        ratio_upper=float(hi),
        statistic=float(stat),
        p_value=float(chi2.sf(stat, 1)),
        n=int(t.size),
        alpha=alpha,
    )
