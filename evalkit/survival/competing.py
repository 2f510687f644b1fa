"""Cumulative incidence with competing exits (Aalen-Johansen), as R ``cmprsk::cuminc``.

The estimate, its delta-method variance and Gray's k-sample test follow Gray's Fortran
(``cinc`` and ``crstm`` in cmprsk) step for step, written as cumulative sums over the
distinct event times instead of a loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from evalkit._checks import check_alpha, check_same_length
from evalkit.survival._core import _durations, _numeric_1d, _time_index
from evalkit.survival._display import Summary, html_para, html_table, text_table

__all__ = ["CumulativeIncidenceResult", "cumulative_incidence"]


@dataclass(frozen=True, eq=False)
class CumulativeIncidenceResult:
    """Cumulative incidence curves per cause (and group).

    Attributes
    ----------
    table : DataFrame
        Columns ``time, cause, incidence, variance, lower, upper`` (and ``group`` first
        when groups were given), one row per distinct event time of that cause (in that
        group), as the jump points of ``cmprsk::cuminc``.
    tests : DataFrame
        Gray's test per cause (``cause, statistic, df, p_value``); empty without groups.
    n : int
        Number of observations.
    alpha : float
        1 - confidence level.
    """

    table: pd.DataFrame = field(repr=False)
    tests: pd.DataFrame = field(repr=False)
    n: int
    alpha: float = 0.05
    causes: tuple[int, ...] = ()
    followup: dict[Any, float] = field(default_factory=dict, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self.table.copy()

    def incidence_at(self, times: Any) -> pd.DataFrame:
        """Step-function values of every curve at ``times``, as ``cmprsk::timepoints``.

        One block of rows per cause (and group), in the order of ``cuminc``: causes in
        increasing order, groups in sorted order within a cause. Columns ``group`` (with
        groups), ``cause``, ``time``, ``incidence``, ``variance``, ``lower``, ``upper``.

        As ``timepoints``: past a group's largest follow-up time (any status), and before
        time 0, every value is NaN (R ``NA``); a cause with no events in a group has
        incidence and variance 0 up to that group's follow-up; before the first event of
        the cause the values are 0.
        """
        t = _numeric_1d(times, "times").astype(float)
        grouped = "group" in self.table
        frames = []
        by = dict(
            tuple(self.table.groupby(["group", "cause"] if grouped else ["cause"], sort=False))
        )
        for cause in self.causes:
            for group, end in self.followup.items():
                key = (group, cause) if grouped else (cause,)
                sub = by.get(key)
                if sub is None:
                    sub = self.table.iloc[:0]
                i = np.searchsorted(sub["time"].to_numpy(), t, side="right") - 1
                j = np.clip(i, 0, None)
                outside = (t > end) | (t < 0)
                part: dict[str, Any] = {}
                if grouped:
                    part["group"] = np.full(t.size, group, dtype=object)
                part["cause"] = np.full(t.size, cause, dtype=np.int64)
                part["time"] = t
                for col in ("incidence", "variance", "lower", "upper"):
                    vals = sub[col].to_numpy()
                    got = vals[j] if vals.size else np.zeros(t.size)
                    part[col] = np.where(outside, np.nan, np.where(i < 0, 0.0, got))
                frames.append(pd.DataFrame(part))
        cols = (["group"] if grouped else []) + [
            "cause",
            "time",
            "incidence",
            "variance",
            "lower",
            "upper",
        ]
        if not frames:
            return pd.DataFrame(columns=cols)
        return pd.concat(frames, ignore_index=True)

    def _print_times(self, times: Any = None) -> np.ndarray:
        """``print.cuminc``'s time points: round numbers inside (0, largest time)."""
        if times is not None:
            return _numeric_1d(times, "times").astype(float)
        end = max(self.followup.values(), default=0.0)
        if end <= 0:
            return np.array([0.0])
        ticks = _pretty(end, 5)
        return ticks[1:-1]

    def _estimates(self, times: Any = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        at = self.incidence_at(self._print_times(times))
        keys = ["group", "cause"] if "group" in at else ["cause"]
        at["curve"] = at[keys].astype(str).agg(" ".join, axis=1)
        est = at.pivot(index="curve", columns="time", values="incidence")
        var = at.pivot(index="curve", columns="time", values="variance")
        order = list(dict.fromkeys(at["curve"]))
        est, var = est.loc[order], var.loc[order]
        for frame in (est, var):
            frame.index.name = None
            frame.columns = [f"{c:g}" for c in frame.columns]
        return est, var

    def _tests_frame(self) -> pd.DataFrame:
        tests = self.tests.set_index("cause")[["statistic", "p_value", "df"]]
        tests.index = [str(c) for c in tests.index]
        return tests.set_axis(["stat", "pv", "df"], axis=1)

    def __repr__(self) -> str:
        return str(self.summary())

    def summary(self, times: Any = None) -> Summary:
        """R ``print(cuminc(...))``: Gray's tests, then estimates and variances at times.

        Without ``times`` the times are round numbers inside the follow-up, like
        ``print.cuminc``'s ``pretty`` points (they need not be the same points).
        """
        est, var = self._estimates(times)
        text = [f"Cumulative incidence (Aalen-Johansen), n = {self.n}"]
        html = html_para(text[0])
        if len(self.tests):
            text += ["Tests:", text_table(self._tests_frame(), pvalues=["pv"])]
            html += html_table(self._tests_frame(), pvalues=["pv"], caption="Gray's test")
        text += ["Estimates and Variances:", "$est", text_table(est), "", "$var", text_table(var)]
        html += html_table(est, caption="Estimates") + html_table(var, caption="Variances")
        return Summary("\n".join(text), html)

    def _repr_html_(self) -> str:
        return self.summary().html

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Step curves per cause (and group): :func:`evalkit.plots.plot_cumulative_incidence`.

        Returns the Figure (not registered with pyplot, so a notebook shows it once).
        """
        from evalkit.plots import plot_cumulative_incidence

        return plot_cumulative_incidence(self, ax=ax, **kwargs)


def _pretty(up: float, n: int) -> np.ndarray:
    """R ``pretty(c(0, up), n)`` for ``up > 0``: round steps of 1, 2, 5 or 10 x 10^k."""
    cell = up / n
    base = 10.0 ** math.floor(math.log10(cell))
    unit = base
    if 2 * base - cell < 1.5 * (cell - unit):
        unit = 2 * base
        if 5 * base - cell < 2.75 * (cell - unit):
            unit = 5 * base
            if 10 * base - cell < 1.5 * (cell - unit):
                unit = 10 * base
    nu = math.ceil(up / unit - 1e-7)
    while nu * unit < up - 1e-10 * unit:
        nu += 1
    return np.arange(nu + 1) * unit


def _cinc(
    ti: np.ndarray, cause: np.ndarray, k: int, m: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimate and variance for cause ``k`` in one group (cmprsk ``cinc``).

    ``ti`` indexes ``m`` distinct times. Returns the time indices of the jumps, the
    estimate and the variance there.
    """
    tot = np.bincount(ti, minlength=m).astype(float)
    nd1 = np.bincount(ti[cause == k], minlength=m).astype(float)
    nd = np.bincount(ti[cause > 0], minlength=m).astype(float)
    nd2 = nd - nd1
    rs = np.cumsum(tot[::-1])[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(rs > 0, (rs - nd) / rs, 1.0)
        fkn = np.cumprod(frac)
        fk = np.concatenate(([1.0], fkn[:-1]))
        f = np.cumsum(np.where(nd1 > 0, fk * nd1 / rs, 0.0))
        # other causes (only where fkn > 0)
        use2 = (nd2 > 0) & (fkn > 0)
        t5 = np.where(nd2 > 1, 1 - (nd2 - 1.0) / (rs - 1.0), 1.0)
        t6 = np.where(use2, fk * fk * t5 * nd2 / (rs * rs), 0.0)
        t3 = np.where(fkn > 0, 1.0 / fkn, 0.0)
        t4 = f * t3
        v1 = t4 * t4 * t6
        v2 = t3 * t4 * t6
        v3 = t3 * t3 * t6
        # the cause of interest
        use1 = nd1 > 0
        t5 = np.where(nd1 > 1, 1 - (nd1 - 1.0) / (rs - 1.0), 1.0)
        t6 = np.where(use1, fk * fk * t5 * nd1 / (rs * rs), 0.0)
        t4 = 1 + t3 * f
        v1 = np.cumsum(v1 + t4 * t4 * t6)
        v2 = np.cumsum(v2 + t3 * t4 * t6)
        v3 = np.cumsum(v3 + t3 * t3 * t6)
    var = v1 + f * f * v3 - 2 * f * v2
    at = np.flatnonzero(use1)
    return at, f[at], var[at]


def _gray_test(ti: np.ndarray, m: np.ndarray, g: np.ndarray, ng: int, n_t: int, rho: float):
    """Gray's score statistic for one cause (cmprsk ``crst``, one stratum).

    ``m`` is 0 censored, 1 the cause of interest, 2 another cause.
    """
    size = n_t * ng
    idx = ti * ng + g
    tot = np.bincount(idx, minlength=size).reshape(n_t, ng).astype(float)
    d1 = np.bincount(idx[m == 1], minlength=size).reshape(n_t, ng).astype(float)
    d2 = np.bincount(idx[m == 2], minlength=size).reshape(n_t, ng).astype(float)
    rs = np.cumsum(tot[::-1], axis=0)[::-1]
    nd1, nd2 = d1.sum(axis=1), d2.sum(axis=1)
    ev = (nd1 + nd2) > 0
    rs, d1, d2, nd1, nd2 = rs[ev], d1[ev], d2[ev], nd1[ev], nd2[ev]
    live = rs > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(live, (rs - d1 - d2) / rs, 1.0)
        skm = np.cumprod(frac, axis=0)
        skmm = np.vstack((np.ones((1, ng)), skm[:-1]))
        f1 = np.cumsum(np.where(live, skmm * d1 / rs, 0.0), axis=0)
        f1m = np.vstack((np.zeros((1, ng)), f1[:-1]))
        t1 = np.where(live, rs / skmm, 0.0)
        tr = t1.sum(axis=1)
        tq = np.where(live, rs * (1 - f1m) / skmm, 0.0).sum(axis=1)
        f = np.cumsum(nd1 / tr)
        fm = np.concatenate(([0.0], f[:-1]))
        fb = (1 - fm) ** rho
        a = fb[:, None, None] * (
            np.einsum("ti,ij->tij", t1, np.eye(ng))
            - t1[:, :, None] * t1[:, None, :] / tr[:, None, None]
        )
        c = np.cumsum(a * (nd1 / (tr * (1 - fm)))[:, None, None], axis=0)
        s = (
            fb[:, None]
            * np.where(live, d1 - nd1[:, None] * rs * (1 - f1m) / (skmm * tq[:, None]), 0.0)
        ).sum(axis=0)
        # cause-of-interest part
        on1 = live & (nd1[:, None] > 0)
        t4 = np.where(skm > 0, 1 - (1 - f[:, None]) / skm, 1.0)
        t5 = np.where(nd1[:, None] > 1, 1 - (nd1[:, None] - 1) / (tr[:, None] * skmm - 1), 1.0)
        t3 = np.where(on1, t5 * skmm * nd1[:, None] / (tr[:, None] * rs), 0.0)
        t4 = np.where(on1, t4, 0.0)
        big1 = a - t4[:, None, :] * c
        v = np.einsum("tik,tjk,tk->ij", big1, big1, t3)
        v2 = np.einsum("tik,tk->ik", big1, t4 * t3)
        v3 = (t4 * t4 * t3).sum(axis=0)
        # other causes
        on2 = (skm > 0) & (d2 > 0)
        u4 = np.where(on2, (1 - f[:, None]) / skm, 0.0)
        u5 = np.where(d2 > 1, 1 - (d2 - 1.0) / (rs - 1.0), 1.0)
        u3 = np.where(on2, u5 * skmm**2 * d2 / rs**2, 0.0)
        big2 = u4[:, None, :] * c
        v += np.einsum("tik,tjk,tk->ij", big2, big2, u3)
        v2 -= np.einsum("tik,tk->ik", big2, u4 * u3)
        v3 += (u4 * u4 * u3).sum(axis=0)
    cend = c[-1]
    v += cend @ np.diag(v3) @ cend.T + cend @ v2.T + v2 @ cend.T
    k = ng - 1
    s, v = s[:k], v[:k, :k]
    try:
        stat = float(s @ np.linalg.solve(v, s))
    except np.linalg.LinAlgError:
        stat = float("nan")
    return stat


def cumulative_incidence(
    durations: Any, causes: Any, groups: Any = None, alpha: float = 0.05
) -> CumulativeIncidenceResult:
    """Aalen-Johansen cumulative incidence of each cause, with Gray's test by group.

    Parameters
    ----------
    durations : array_like, shape (n,)
        Times to the first exit or censoring.
    causes : array_like of int, shape (n,)
        0 = censored, 1, 2, ... = the kind of exit (e.g. job, education, pension).
    groups : array_like, shape (n,), optional
        Group labels; curves per group and Gray's test per cause.
    alpha : float
        1 - level of the pointwise interval
        ``F^exp(+-z sqrt(var) / (F log F))`` (log(-log) transform).

    Returns
    -------
    CumulativeIncidenceResult

    Raises
    ------
    ValueError
        For invalid durations, causes that are negative or not whole numbers, length
        mismatch, missing groups, empty input.

    References
    ----------
    R ``cmprsk::cuminc`` (estimates ``est``, variances ``var``, ``$Tests``);
    Gray (1988), Ann. Statist. 16, 1141-1154; Kalbfleisch and Prentice (1980), 8.2.

    Examples
    --------
    >>> res = cumulative_incidence([1, 2, 2, 3, 4], [1, 2, 1, 0, 1])
    >>> res.table["incidence"].round(3).tolist()
    [0.2, 0.4, 0.8, 0.2]
    """
    alpha = check_alpha(alpha)
    t = _durations(durations)
    cause = _numeric_1d(causes, "causes")
    check_same_length(durations=t, causes=cause)
    bad = (cause < 0) | (cause != np.floor(cause))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"causes must be whole numbers >= 0 (0 = censored), but position {i} is {cause[i]!r}"
        )
    cause = cause.astype(np.int64)
    if groups is None:
        glev, g = np.array(["all"], dtype=object), np.zeros(t.size, dtype=np.intp)
    else:
        arr = np.asarray(groups)
        check_same_length(durations=t, groups=arr)
        isnull = pd.isna(arr)
        if isnull.any():
            i = int(np.flatnonzero(isnull)[0])
            raise ValueError(f"groups must not be missing, but position {i} is {arr[i]!r}")
        glev, g = np.unique(arr, return_inverse=True)
        g = g.reshape(-1)
    causes_seen = np.unique(cause[cause > 0])
    times, ti = _time_index(t)
    z = float(norm.isf(alpha / 2))
    frames = []
    for k in causes_seen:
        for j, lev in enumerate(glev):
            sel = g == j
            sub_times, sub_ti = _time_index(t[sel])
            at, est, var = _cinc(sub_ti, cause[sel], int(k), sub_times.size)
            with np.errstate(divide="ignore", invalid="ignore"):
                e = np.exp(z * np.sqrt(var) / (est * np.log(est)))
                lower, upper = est ** (1 / e), est**e  # log(F) < 0, so e < 1
            frame = pd.DataFrame(
                {
                    "time": sub_times[at],
                    "cause": int(k),
                    "incidence": est,
                    "variance": var,
                    "lower": lower,
                    "upper": upper,
                }
            )
            if groups is not None:
                frame.insert(0, "group", lev)
            frames.append(frame)
    cols = (["group"] if groups is not None else []) + [
        "time",
        "cause",
        "incidence",
        "variance",
        "lower",
        "upper",
    ]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    tests = pd.DataFrame(columns=["cause", "statistic", "df", "p_value"])
    if groups is not None and glev.size > 1 and causes_seen.size:
        rows = []
        for k in causes_seen:
            m = np.where(cause == k, 1, np.where(cause > 0, 2, 0))
            stat = _gray_test(ti, m, g, glev.size, times.size, 0.0)
            df = glev.size - 1
            rows.append(
                {"cause": int(k), "statistic": stat, "df": df, "p_value": float(chi2.sf(stat, df))}
            )
        tests = pd.DataFrame(rows)
    followup = {
        (lev if groups is not None else None): float(t[g == j].max()) for j, lev in enumerate(glev)
    }
    return CumulativeIncidenceResult(
        table=table,
        tests=tests,
        n=int(t.size),
        alpha=alpha,
        causes=tuple(int(k) for k in causes_seen),
        followup=followup,
    )
