"""Restricted mean survival time (RMST) of two groups and their contrasts, as ``survRM2``.

The RMST up to ``tau`` is the area under the Kaplan-Meier curve from 0 to ``tau``: the
mean number of weeks on benefit within the first ``tau`` weeks. Per group it equals R
``print(survfit(...), rmean = tau)``; the difference, the ratio and the ratio of the
restricted mean time lost (RMTL, ``tau - RMST``) between two groups follow
``survRM2::rmst2`` (unadjusted analysis). See ``docs/estimators-survival.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from evalkit._checks import check_alpha, check_finite
from evalkit.results import Estimate
from evalkit.survival._core import _codes, _numeric_1d, _prepare
from evalkit.survival._display import Summary, html_para, html_table, text_table
from evalkit.survival.km import kaplan_meier

__all__ = ["RMSTResult", "rmst_difference"]


@dataclass(frozen=True, eq=False)
class RMSTResult:
    """RMST per group and the contrasts between two groups (``survRM2::rmst2``).

    Attributes
    ----------
    tau : float
        The truncation time.
    tau_rule : str
        ``"given"``, or the default rule of ``survRM2`` that chose ``tau``.
    groups : DataFrame
        Indexed by group (the compared group first, then the reference): ``n, rmst, se,
        lower, upper, rmtl, rmtl_lower, rmtl_upper``.
    contrasts : DataFrame
        Indexed by ``"RMST difference"``, ``"RMST ratio"``, ``"RMTL ratio"`` (compared
        group vs reference): ``estimate, lower, upper, p_value``.
    group, reference : str
        The compared group (survRM2's arm 1) and the reference (arm 0).
    alpha : float
    """

    tau: float
    tau_rule: str
    groups: pd.DataFrame = field(repr=False)
    contrasts: pd.DataFrame = field(repr=False)
    group: str
    reference: str
    alpha: float = 0.05

    @property
    def difference(self) -> Estimate:
        """The RMST difference (compared minus reference) as an :class:`Estimate`."""
        row = self.contrasts.loc["RMST difference"]
        se = float(np.sqrt((self.groups["se"] ** 2).sum()))
        return Estimate(
            estimate=float(row["estimate"]),
            lower=float(row["lower"]),
            upper=float(row["upper"]),
            n=int(self.groups["n"].sum()),
            method="rmst-difference",
            alpha=self.alpha,
            se=se,
            p_value=float(row["p_value"]),
            details={"tau": self.tau, "group": self.group, "reference": self.reference},
        )

    def to_frame(self) -> pd.DataFrame:
        """The contrasts table (a copy), with ``tau`` as a column."""
        return self.contrasts.assign(tau=self.tau).reset_index(names="contrast")

    def _tables(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        level = f"{round(100 * (1 - self.alpha))}"
        lo, hi = f"lower .{level}", f"upper .{level}"
        rm = self.groups[["rmst", "se", "lower", "upper"]].set_axis(["Est.", "se", lo, hi], axis=1)
        rm.index = [f"RMST ({g})" for g in self.groups.index]
        tl = self.groups[["rmtl", "se", "rmtl_lower", "rmtl_upper"]].set_axis(
            ["Est.", "se", lo, hi], axis=1
        )
        tl.index = [f"RMTL ({g})" for g in self.groups.index]
        ct = self.contrasts.set_axis(["Est.", lo, hi, "p"], axis=1)
        g, r = self.group, self.reference
        ct.index = [f"RMST ({g})-({r})", f"RMST ({g})/({r})", f"RMTL ({g})/({r})"]
        return rm, tl, ct

    def _head(self) -> str:
        how = "was specified" if self.tau_rule == "given" else f"by default ({self.tau_rule})"
        return f"The truncation time: tau = {self.tau:g} {how}."

    def __repr__(self) -> str:
        rm, tl, ct = self._tables()
        return "\n".join(
            [
                self._head(),
                "",
                "Restricted Mean Survival Time (RMST) by group",
                text_table(rm),
                "",
                "Restricted Mean Time Lost (RMTL) by group",
                text_table(tl),
                "",
                "Between-group contrast",
                text_table(ct, pvalues=["p"]),
            ]
        )

    def summary(self) -> Summary:
        """The printout of R ``print(rmst2(...))`` as text and HTML."""
        rm, tl, ct = self._tables()
        html = (
            html_para(self._head())
            + html_table(rm, caption="Restricted mean survival time (RMST)")
            + html_table(tl, caption="Restricted mean time lost (RMTL)")
            + html_table(ct, caption="Between-group contrast", pvalues=["p"])
        )
        return Summary(repr(self), html)

    def _repr_html_(self) -> str:
        return self.summary().html


def _default_tau(t: np.ndarray, d: np.ndarray, in1: np.ndarray) -> tuple[float, str]:
    """survRM2's default tau from the last observation (and its status) of each group."""

    def last(mask: np.ndarray) -> tuple[float, bool]:
        tt, dd = t[mask], d[mask]
        tmax = float(tt.max())
        return tmax, bool(dd[tt == tmax].all())  # an event only if no censoring there

    t1, e1 = last(in1)
    t0, e0 = last(~in1)
    tmax, tmin = max(t0, t1), min(t0, t1)
    if e0 and e1:
        return tmax, "both groups end with an event: the larger last time"
    long_event, short_event = (e1, e0) if t1 > t0 else (e0, e1)
    if short_event and not long_event:
        return tmax, "the group that ends first ends with an event: the larger last time"
    return tmin, "the smaller of the two groups' last times"


def _check_tau(tau: float, t: np.ndarray, d: np.ndarray, in1: np.ndarray) -> None:
    """survRM2's check: tau no later than its default limit for these data."""
    limit, _ = _default_tau(t, d, in1)
    if tau > limit:
        raise ValueError(
            f"tau must be at most {limit:g} for these data (survRM2: no later than the "
            "smaller of the two groups' last times, unless the group that ends first "
            f"ends with an event), but was {tau:g}"
        )


def rmst_difference(
    durations: Any,
    events: Any,
    groups: Any,
    tau: float | None = None,
    alpha: float = 0.05,
    *,
    reference: Any = None,
) -> RMSTResult:
    """RMST of two groups up to ``tau``, their difference, ratio and RMTL ratio.

    Parameters
    ----------
    durations, events : array_like, shape (n,)
        Times and event indicators (1 = event, 0 = censored).
    groups : array_like, shape (n,)
        Exactly two group labels.
    tau : float, optional
        Truncation time. By default survRM2's rule: the smaller of the two groups'
        last observed times, or the larger one when the group that ends first ends with
        an event. A given ``tau`` must not exceed that limit (as survRM2).
    alpha : float
        1 - confidence level.
    reference : label, optional
        The reference group (survRM2's ``arm = 0``); by default the first in sorted
        order (0 of a 0/1 indicator). Contrasts are the other group vs the reference.

    Returns
    -------
    RMSTResult

    Raises
    ------
    ValueError
        For invalid spells, not exactly two groups, an unknown reference, or a ``tau``
        that is not positive or beyond the limit.

    References
    ----------
    Royston P, Parmar MKB (2013). Restricted mean survival time: an alternative to the
    hazard ratio for the design and analysis of randomized trials with a time-to-event
    outcome. *BMC Med Res Methodol* 13:152. Uno H et al. (2014). Moving beyond the hazard
    ratio in quantifying the between-group difference in survival analysis. *J Clin
    Oncol* 32:2380-2385. Uno H, Tian L, Horiguchi M, Cronin A, Battioui C, Bell J (2022).
    *survRM2: Comparing Restricted Mean Survival Time*, R package 1.0-4 (``rmst2``).
    R ``survival::print.survfit(rmean = tau)`` for the per-group RMST and its standard
    error.

    Examples
    --------
    >>> res = rmst_difference([2, 4, 6, 8, 3, 5, 9, 12], [1, 1, 0, 1, 1, 0, 1, 1],
    ...                       ["a"] * 4 + ["b"] * 4, tau=8)
    >>> round(res.difference.estimate, 4)
    1.25
    """
    alpha = check_alpha(alpha)
    t, d, _ = _prepare(durations, events)
    levels, codes = _codes(groups, "groups", t.size)
    if levels.size != 2:
        raise ValueError(f"groups must hold exactly two levels, but had {levels.tolist()!r}")
    ref = 0
    if reference is not None:
        matches = [i for i, lev in enumerate(levels) if lev == reference]
        if not matches:
            raise ValueError(f"reference must be one of {levels.tolist()!r}, but was {reference!r}")
        ref = matches[0]
    in1 = codes != ref
    if tau is None:
        tau_value, rule = _default_tau(t, d, in1)
    else:
        tau_value = float(check_finite(_numeric_1d(tau, "tau"), "tau")[0])
        if tau_value <= 0:
            raise ValueError(f"tau must be positive, but was {tau_value!r}")
        _check_tau(tau_value, t, d, in1)
        rule = "given"
    z = float(norm.isf(alpha / 2))
    rows = {}
    for label, mask in ((str(levels[1 - ref]), in1), (str(levels[ref]), ~in1)):
        est, se = kaplan_meier(t[mask], d[mask]).rmst(tau_value)
        rmtl = tau_value - est
        rows[label] = {
            "n": int(mask.sum()),
            "rmst": est,
            "se": se,
            "lower": est - z * se,
            "upper": est + z * se,
            "rmtl": rmtl,
            "rmtl_lower": rmtl - z * se,
            "rmtl_upper": rmtl + z * se,
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "group"
    (m1, m0), (s1, s0) = table["rmst"].to_numpy(), table["se"].to_numpy()
    l1, l0 = tau_value - m1, tau_value - m0

    def contrast(est: float, se: float, log: bool) -> dict[str, float]:
        with np.errstate(divide="ignore", invalid="ignore"):
            p = float(2 * norm.sf(abs(est) / se)) if se > 0 else math.nan
        lo, hi = est - z * se, est + z * se
        if log:
            est, lo, hi = math.exp(est), math.exp(lo), math.exp(hi)
        return {"estimate": est, "lower": lo, "upper": hi, "p_value": p}

    with np.errstate(divide="ignore", invalid="ignore"):
        contrasts = pd.DataFrame.from_dict(
            {
                "RMST difference": contrast(m1 - m0, math.sqrt(s1**2 + s0**2), log=False),
                "RMST ratio": contrast(
                    math.log(m1 / m0), math.sqrt(s1**2 / m1**2 + s0**2 / m0**2), log=True
                ),
                "RMTL ratio": contrast(
                    math.log(l1 / l0) if l1 > 0 and l0 > 0 else math.nan,
                    math.sqrt(s1**2 / l1**2 + s0**2 / l0**2) if l1 > 0 and l0 > 0 else math.nan,
                    log=True,
                ),
            },
            orient="index",
        )
    return RMSTResult(
        tau=tau_value,
        tau_rule=rule,
        groups=table,
        contrasts=contrasts,
        group=str(levels[1 - ref]),
        reference=str(levels[ref]),
        alpha=alpha,
    )
