"""Difference from a baseline: shares, changes, difference in differences.

The functions answer the questions a project application asks of its numbers: what share
reached the goal (:func:`wilson`), how much did a share change from the baseline period
(:func:`share_difference`), how does it compare with the national figure
(:func:`share_vs_reference`), by what factor did a share or a mean change
(:func:`relative_change`, :func:`relative_change_mean`,
:func:`relative_change_mean_summary`), how did the change compare with a comparison group
or the national trend (:func:`did`, :func:`did_aggregate`). The interrupted time series
(:func:`interrupted_time_series`, :class:`ITSResult`) lives in :mod:`evalkit.timeseries`
and is re-exported here for compatibility.

Every point estimate comes back as an :class:`evalkit.results.Estimate`. The formulas and
conventions are written out in ``docs/estimators-baseline.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from evalkit._checks import check_1d, check_alpha, check_binary, check_finite
from evalkit.results import Estimate
from evalkit.timeseries import ITSResult, interrupted_time_series

__all__ = [
    "ITSResult",
    "did",
    "did_aggregate",
    "interrupted_time_series",
    "relative_change",
    "relative_change_mean",
    "relative_change_mean_summary",
    "share_difference",
    "share_vs_reference",
    "wilson",
]


# ---------------------------------------------------------------------------
# argument helpers
# ---------------------------------------------------------------------------


def _count(value: Any, name: str, minimum: int = 0) -> int:
    """Return a whole number >= ``minimum`` (floats with an integral value are accepted)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer, float, np.floating)):
        raise TypeError(f"{name} must be a whole number, but was {value!r}")
    if not math.isfinite(value) or float(value) != int(value):
        raise ValueError(f"{name} must be a whole number, but was {value!r}")
    if value < minimum:
        word = "non-negative" if minimum == 0 else f"at least {minimum}"
        raise ValueError(f"{name} must be {word}, but was {value!r}")
    return int(value)


def _counts(x: Any, n: Any, xname: str, nname: str) -> tuple[int, int]:
    n = _count(n, nname, minimum=1)
    x = _count(x, xname)
    if x > n:
        raise ValueError(f"{xname} must not exceed {nname} ({n}), but was {x!r}")
    return x, n


def _share(value: Any, name: str, open_interval: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a share between 0 and 1, but was {value!r}")
    v = float(value)
    ok = (0.0 < v < 1.0) if open_interval else (0.0 <= v <= 1.0)
    if not ok:
        where = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        hint = " (give shares as fractions, not percent)" if 1.0 < v <= 100.0 else ""
        raise ValueError(f"{name} must be a share {where}{hint}, but was {value!r}")
    return v


def _positive(value: Any, name: str, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, but was {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        word = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be finite and {word}, but was {value!r}")
    return v


def _z(alpha: float) -> float:
    return float(stats.norm.isf(alpha / 2.0))


# ---------------------------------------------------------------------------
# vectorised cores (arrays in, arrays out; no checks)
# ---------------------------------------------------------------------------


def _wilson_core(
    x: np.ndarray, n: np.ndarray, z: float, correction: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits for arrays of counts ``x`` out of ``n`` (Newcombe methods 3/4)."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    p = x / n
    z2 = z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        if not correction:
            centre = 2 * n * p + z2
            half = z * np.sqrt(z2 + 4 * n * p * (1 - p))
            denom = 2 * (n + z2)
            lower = (centre - half) / denom
            upper = (centre + half) / denom
        else:
            q = 1 - p
            denom = 2 * (n + z2)
            lower = (2 * n * p + z2 - 1 - z * np.sqrt(z2 - 2 - 1 / n + 4 * p * (n * q + 1))) / denom
            upper = (2 * n * p + z2 + 1 + z * np.sqrt(z2 + 2 - 1 / n + 4 * p * (n * q - 1))) / denom
            lower = np.where(x == 0, 0.0, lower)
            upper = np.where(x == n, 1.0, upper)
    return np.clip(lower, 0.0, 1.0), np.clip(upper, 0.0, 1.0)


def _newcombe_core(
    x1: np.ndarray,
    n1: np.ndarray,
    x0: np.ndarray,
    n0: np.ndarray,
    z: float,
    correction: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval for p1 - p0 (method 10, or 11 when corrected)."""
    p1 = np.asarray(x1, dtype=float) / np.asarray(n1, dtype=float)
    p0 = np.asarray(x0, dtype=float) / np.asarray(n0, dtype=float)
    l1, u1 = _wilson_core(x1, n1, z, correction)
    l0, u0 = _wilson_core(x0, n0, z, correction)
    d = p1 - p0
    lower = d - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    upper = d + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return d, lower, upper


# ---------------------------------------------------------------------------
# one share, two shares, share against a reference
# ---------------------------------------------------------------------------


def wilson(x: int, n: int, alpha: float = 0.05, correction: bool = False) -> Estimate:
    """Wilson score confidence interval for one share ``x / n``.

    Parameters
    ----------
    x : int
        Number of persons with the outcome, ``0 <= x <= n``.
    n : int
        Number of persons, at least 1.
    alpha : float, default 0.05
        Significance level; the interval has coverage ``1 - alpha``.
    correction : bool, default False
        Apply the continuity correction (Newcombe 1998, method 4) instead of the plain
        score interval (method 3).

    Returns
    -------
    Estimate
        ``estimate`` = x / n with the Wilson limits; ``se`` is the plug-in
        ``sqrt(p (1 - p) / n)``; ``details`` holds ``x``.

    Raises
    ------
    ValueError
        If a count is negative or not whole, ``n`` is 0, ``x > n`` or ``alpha`` is not in (0, 1).
    TypeError
        If an argument is not a number or ``correction`` is not a bool.

    References
    ----------
    Wilson EB (1927). Probable inference, the law of succession, and statistical
    inference. JASA 22:209-212. Newcombe RG (1998). Two-sided confidence intervals for the
    single proportion: comparison of seven methods. Stat Med 17:857-872 (methods 3, 4).
    R: ``prop.test(x, n, correct=FALSE)$conf.int`` (``correct=TRUE`` for the corrected one).

    Examples
    --------
    >>> est = wilson(81, 263)
    >>> round(est.lower, 4), round(est.upper, 4)
    (0.2553, 0.3662)
    """
    x, n = _counts(x, n, "x", "n")
    alpha = check_alpha(alpha)
    _check_bool(correction, "correction")
    lo, hi = _wilson_core(np.array([x]), np.array([n]), _z(alpha), correction)
    p = x / n
    return Estimate(
        estimate=p,
        lower=float(lo[0]),
        upper=float(hi[0]),
        n=n,
        method="wilson-cc" if correction else "wilson",
        alpha=alpha,
        se=math.sqrt(p * (1 - p) / n),
        details={"x": x},
    )


def _check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, but was {value!r}")
    return bool(value)


def share_difference(
    x1: int, n1: int, x0: int, n0: int, alpha: float = 0.05, correction: bool = False
) -> Estimate:
    """Difference of two independent shares ``x1/n1 - x0/n0`` with Newcombe's interval.

    The hybrid score interval (Newcombe 1998, method 10) combines the Wilson limits of the
    two shares; it stays inside [-1, 1] and behaves well at 0 and 1 and for small n.

    Parameters
    ----------
    x1, n1 : int
        Count and size of the project (or later) group.
    x0, n0 : int
        Count and size of the baseline (or comparison) group.
    alpha : float, default 0.05
        Significance level.
    correction : bool, default False
        Use continuity-corrected Wilson limits (Newcombe's method 11).

    Returns
    -------
    Estimate
        ``estimate`` = p1 - p0, ``n`` = n1 + n0, ``se`` the unpooled Wald standard error,
        ``p_value`` from the pooled two-sample z test (R ``prop.test(correct=FALSE)``);
        ``details`` holds ``p1``, ``p0`` and their Wilson limits
        (``p1_lower``, ``p1_upper``, ``p0_lower``, ``p0_upper``).

    Raises
    ------
    ValueError
        For invalid counts (negative, not whole, ``x > n``, ``n = 0``) or ``alpha``.

    References
    ----------
    Newcombe RG (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Stat Med 17:873-890 (methods 10 and 11).

    Examples
    --------
    >>> est = share_difference(56, 70, 48, 80)
    >>> round(est.lower, 4), round(est.upper, 4)
    (0.0524, 0.3339)
    """
    x1, n1 = _counts(x1, n1, "x1", "n1")
    x0, n0 = _counts(x0, n0, "x0", "n0")
    alpha = check_alpha(alpha)
    _check_bool(correction, "correction")
    z = _z(alpha)
    d, lo, hi = _newcombe_core(
        np.array([x1]), np.array([n1]), np.array([x0]), np.array([n0]), z, correction
    )
    l1, u1 = _wilson_core(np.array([x1]), np.array([n1]), z, correction)
    l0, u0 = _wilson_core(np.array([x0]), np.array([n0]), z, correction)
    p1, p0 = x1 / n1, x0 / n0
    pooled = (x1 + x0) / (n1 + n0)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    p_value = 1.0 if se_pooled == 0 else float(2 * stats.norm.sf(abs(p1 - p0) / se_pooled))
    return Estimate(
        estimate=float(d[0]),
        lower=float(lo[0]),
        upper=float(hi[0]),
        n=n1 + n0,
        method="newcombe-hybrid-score-cc" if correction else "newcombe-hybrid-score",
        alpha=alpha,
        se=math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0),
        p_value=p_value,
        details={
            "p1": p1,
            "p1_lower": float(l1[0]),
            "p1_upper": float(u1[0]),
            "p0": p0,
            "p0_lower": float(l0[0]),
            "p0_upper": float(u0[0]),
        },
    )


def share_vs_reference(x: int, n: int, reference: float, alpha: float = 0.05) -> Estimate:
    """A project share ``x / n`` against a fixed reference share (e.g. the national figure).

    The reference is treated as known without error. The interval for the difference is
    the Wilson interval of the share shifted by the reference; the p-value is from the
    score test of ``p = reference``, which is the test the Wilson interval inverts, so the
    two always agree (p < alpha exactly when the interval excludes 0).

    Parameters
    ----------
    x, n : int
        Count and number of persons in the project.
    reference : float
        Reference share as a fraction strictly between 0 and 1 (13 % is 0.13).
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    Estimate
        ``estimate`` = x/n - reference; ``se`` = sqrt(ref (1 - ref) / n) (under the null);
        ``p_value`` from the score test (R ``prop.test(x, n, p=reference, correct=FALSE)``);
        ``details`` holds ``p``, ``reference``, the Wilson limits of ``p`` and
        ``p_value_exact``, the two-sided exact binomial p-value (R ``binom.test``).

    Raises
    ------
    ValueError
        For invalid counts, a reference outside (0, 1) or an invalid ``alpha``.

    References
    ----------
    Wilson (1927); Newcombe (1998, Stat Med 17:857-872); Clopper & Pearson for the exact
    test as in R ``binom.test``.

    Examples
    --------
    >>> est = share_vs_reference(45, 197, 0.13)
    >>> round(est.estimate, 4)
    0.0984
    """
    x, n = _counts(x, n, "x", "n")
    reference = _share(reference, "reference", open_interval=True)
    alpha = check_alpha(alpha)
    lo, hi = _wilson_core(np.array([x]), np.array([n]), _z(alpha))
    p = x / n
    se0 = math.sqrt(reference * (1 - reference) / n)
    p_value = float(2 * stats.norm.sf(abs(p - reference) / se0))
    exact = float(stats.binomtest(x, n, reference).pvalue)
    return Estimate(
        estimate=p - reference,
        lower=float(lo[0]) - reference,
        upper=float(hi[0]) - reference,
        n=n,
        method="wilson-vs-reference",
        alpha=alpha,
        se=se0,
        p_value=p_value,
        details={
            "p": p,
            "reference": reference,
            "p_lower": float(lo[0]),
            "p_upper": float(hi[0]),
            "p_value_exact": exact,
        },
    )


# ---------------------------------------------------------------------------
# relative change
# ---------------------------------------------------------------------------


def _ratio_estimate(
    log_ratio: float, se: float, n: int, method: str, alpha: float, details: dict[str, Any]
) -> Estimate:
    z = _z(alpha)
    ratio = math.exp(log_ratio)
    lo, hi = math.exp(log_ratio - z * se), math.exp(log_ratio + z * se)
    p_value = float(2 * stats.norm.sf(abs(log_ratio) / se)) if se > 0 else math.nan
    details = {**details, "ratio": ratio, "ratio_lower": lo, "ratio_upper": hi, "se_log": se}
    return Estimate(
        estimate=ratio - 1.0,
        lower=lo - 1.0,
        upper=hi - 1.0,
        n=n,
        method=method,
        alpha=alpha,
        se=ratio * se,
        p_value=p_value,
        details=details,
    )


def relative_change(x1: int, n1: int, x0: int, n0: int, alpha: float = 0.05) -> Estimate:
    """Relative change of a share, ``(x1/n1) / (x0/n0) - 1``, with Katz's log interval.

    Parameters
    ----------
    x1, n1 : int
        Count and size in the project (later) period.
    x0, n0 : int
        Count and size in the baseline period; ``x0`` must be at least 1.
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    Estimate
        ``estimate`` = ratio - 1 (0.5 means +50 %), limits = Katz limits of the ratio
        minus 1; ``se`` by the delta method on the ratio scale; ``p_value`` of ratio = 1
        from the Wald test on the log scale; ``details`` holds ``ratio``, its limits,
        ``se_log``, ``p1`` and ``p0``.

    Raises
    ------
    ValueError
        For invalid counts, or ``x1 = 0`` or ``x0 = 0`` (the log ratio is then undefined;
        report the share difference instead).

    References
    ----------
    Katz D, Baptista J, Azen SP, Pike MC (1978). Obtaining confidence intervals for the
    risk ratio in cohort studies. Biometrics 34:469-474. R: ``epitools::riskratio.wald``.

    Examples
    --------
    >>> est = relative_change(40, 100, 20, 100)
    >>> round(est.estimate, 2)
    1.0
    """
    x1, n1 = _counts(x1, n1, "x1", "n1")
    x0, n0 = _counts(x0, n0, "x0", "n0")
    alpha = check_alpha(alpha)
    for name, value in (("x1", x1), ("x0", x0)):
        if value == 0:
            raise ValueError(
                f"{name} must be at least 1 for a ratio of shares (log of 0), but was 0; "
                "use share_difference instead"
            )
    se = math.sqrt(1 / x1 - 1 / n1 + 1 / x0 - 1 / n0)
    return _ratio_estimate(
        math.log((x1 / n1) / (x0 / n0)),
        se,
        n1 + n0,
        "katz-log",
        alpha,
        {"p1": x1 / n1, "p0": x0 / n0},
    )


def relative_change_mean_summary(
    mean1: float,
    sd1: float,
    n1: int,
    mean0: float,
    sd0: float,
    n0: int,
    alpha: float = 0.05,
) -> Estimate:
    """Relative change of a mean, ``mean1 / mean0 - 1``, from summary figures.

    The interval is the delta-method interval for the log of the ratio of two means of
    independent samples (e.g. jobs applied for per person before and during a project),
    ``var(log r) = sd1^2 / (n1 mean1^2) + sd0^2 / (n0 mean0^2)``, back-transformed.

    Parameters
    ----------
    mean1, sd1, n1 : float, float, int
        Mean, standard deviation (n - 1 denominator) and number of persons, later period.
    mean0, sd0, n0 : float, float, int
        The same for the baseline period.
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    Estimate
        ``estimate`` = ratio - 1 with the back-transformed limits minus 1; ``details``
        holds ``ratio``, its limits, ``se_log``, ``mean1`` and ``mean0``.

    Raises
    ------
    ValueError
        If a mean is not positive, an sd is negative, or an n is below 2.

    References
    ----------
    Delta method for the log ratio of means, e.g. Hedges LV, Gurevitch J, Curtis PS (1999).
    The meta-analysis of response ratios in experimental ecology. Ecology 80:1150-1156.

    Examples
    --------
    >>> est = relative_change_mean_summary(6.0, 3.0, 50, 4.0, 2.0, 50)
    >>> round(est.estimate, 2)
    0.5
    """
    alpha = check_alpha(alpha)
    m1, m0 = _positive(mean1, "mean1"), _positive(mean0, "mean0")
    s1, s0 = _positive(sd1, "sd1", allow_zero=True), _positive(sd0, "sd0", allow_zero=True)
    n1, n0 = _count(n1, "n1", minimum=2), _count(n0, "n0", minimum=2)
    se = math.sqrt(s1**2 / (n1 * m1**2) + s0**2 / (n0 * m0**2))
    return _ratio_estimate(
        math.log(m1 / m0),
        se,
        n1 + n0,
        "delta-log-ratio-of-means",
        alpha,
        {"mean1": m1, "mean0": m0},
    )


def relative_change_mean(y1: Sequence[float], y0: Sequence[float], alpha: float = 0.05) -> Estimate:
    """Relative change of a mean, ``mean(y1) / mean(y0) - 1``, from per-person values.

    Computes the means, the standard deviations (n - 1 denominator) and the counts and
    calls :func:`relative_change_mean_summary`. The two samples are taken as independent.

    Parameters
    ----------
    y1, y0 : array-like of float
        Per-person values in the later and the baseline period (finite, at least 2 each).
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    Estimate
        As :func:`relative_change_mean_summary`.

    Raises
    ------
    ValueError
        If an input is empty, not one-dimensional, holds NaN, or has a non-positive mean.

    References
    ----------
    See :func:`relative_change_mean_summary`.

    Examples
    --------
    >>> round(relative_change_mean([3, 5, 4], [2, 2, 2]).estimate, 2)
    1.0
    """

    a1 = check_finite(check_1d(y1, "y1"), "y1")
    a0 = check_finite(check_1d(y0, "y0"), "y0")
    for name, arr in (("y1", a1), ("y0", a0)):
        if arr.size < 2:
            raise ValueError(f"{name} must hold at least 2 values, but had {arr.size}")
    return relative_change_mean_summary(
        float(a1.mean()),
        float(a1.std(ddof=1)),
        a1.size,
        float(a0.mean()),
        float(a0.std(ddof=1)),
        a0.size,
        alpha=alpha,
    )


# ---------------------------------------------------------------------------
# data-frame helpers (shared with evalkit.compare)
# ---------------------------------------------------------------------------


def _check_frame(data: Any, columns: dict[str, Any]) -> pd.DataFrame:
    """Check ``data`` is a DataFrame holding every named column; return it."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, but was {type(data).__name__}")
    for arg, cols in columns.items():
        if cols is None:
            continue
        for col in [cols] if isinstance(cols, str) else cols:
            if col not in data.columns:
                raise ValueError(f"{arg}: column {col!r} is not in data")
    return data


def _covariate_list(covariates: Any, name: str = "covariates") -> list[str]:
    if covariates is None:
        return []
    if isinstance(covariates, str):
        return [covariates]
    if not isinstance(covariates, (list, tuple)) or not all(isinstance(c, str) for c in covariates):
        raise TypeError(f"{name} must be a column name or a list of names, but was {covariates!r}")
    if len(set(covariates)) != len(covariates):
        raise ValueError(f"{name} must not repeat a column, but was {covariates!r}")
    return list(covariates)


def _is_categorical(s: pd.Series) -> bool:
    return bool(
        isinstance(s.dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(s.dtype)
        or pd.api.types.is_string_dtype(s.dtype)
    )


def _covariate_design(data: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """Numeric design columns for ``covariates``: categorical ones one-hot, first level dropped.

    Levels are ordered as the categories of a categorical column, else sorted, so the
    dropped (reference) level is the same as R's ``factor()`` default.
    """
    parts = []
    for col in covariates:
        s = data[col]
        if _is_categorical(s):
            cat = s.astype("category") if not isinstance(s.dtype, pd.CategoricalDtype) else s
            levels = list(cat.cat.categories)
            for level in levels[1:]:
                parts.append(pd.Series((cat == level).astype(float), name=f"{col}[{level}]"))
        elif pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
            parts.append(s.astype(float).rename(col))
        else:
            raise TypeError(f"covariates: column {col!r} has unsupported dtype {s.dtype}")
    if not parts:
        return pd.DataFrame(index=data.index)
    return pd.concat(parts, axis=1)


def _binary_column(s: pd.Series, name: str) -> np.ndarray:
    if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)):
        raise ValueError(
            f"{name}: column {s.name!r} must hold only 0 and 1, but has dtype {s.dtype}"
        )
    return check_binary(s.to_numpy(dtype=float), f"{name} ({s.name!r})")


# ---------------------------------------------------------------------------
# difference in differences
# ---------------------------------------------------------------------------


def _did_core(
    y: np.ndarray, treated: np.ndarray, post: np.ndarray, groups: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """DiD coefficient and its CR1 (or HC1) standard error for many outcome columns at once.

    ``y`` has shape (N, R): R replications sharing one design without covariates.
    Returns arrays of shape (R,). Same numbers as :func:`did` (checked in the tests).
    """
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    t = np.asarray(treated, dtype=float)
    p = np.asarray(post, dtype=float)
    x = np.column_stack([np.ones_like(t), t, p, t * p])
    n, k = x.shape
    xtx_inv = np.linalg.inv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    resid = y - x @ beta
    row = xtx_inv[3]
    a = x @ row  # influence weight of each observation on the DiD coefficient
    if groups is None:
        var = (a[:, None] ** 2 * resid**2).sum(axis=0) * n / (n - k)
    else:
        codes, g_count = pd.factorize(groups)[0], len(pd.unique(groups))
        sums = np.zeros((g_count, y.shape[1]))
        np.add.at(sums, codes, a[:, None] * resid)
        factor = g_count / (g_count - 1) * (n - 1) / (n - k)
        var = factor * (sums**2).sum(axis=0)
    return beta[3], np.sqrt(var)


def did(
    data: pd.DataFrame,
    outcome: str,
    treated: str,
    post: str,
    cluster: str | None = None,
    covariates: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> Estimate:
    """Difference in differences on person-level data by OLS.

    Fits ``outcome ~ 1 + treated + post + treated:post + covariates`` by ordinary least
    squares (a linear probability model when the outcome is 0/1) and reports the
    interaction coefficient.

    Standard errors: with ``cluster`` the cluster-robust sandwich with the CR1 small-sample
    factor ``G/(G-1) * (N-1)/(N-K)`` (statsmodels ``cov_type="cluster"``; identical to R
    ``sandwich::vcovCL(fit, cluster=~g, type="HC1")``), and the interval and p-value from
    the t distribution with ``G - 1`` degrees of freedom (as Stata; Cameron & Miller 2015).
    Without ``cluster`` the HC1 sandwich (R ``vcovHC(fit, type="HC1")``) with ``N - K``
    degrees of freedom (as ``lmtest::coeftest``).

    Parameters
    ----------
    data : DataFrame
        One row per person and period.
    outcome : str
        Numeric outcome column (0/1 for a share).
    treated, post : str
        0/1 columns: project (or kommune) group, and the period after the start.
    cluster : str, optional
        Column of cluster ids (e.g. kommune, caseworker or person for a panel).
    covariates : list of str, optional
        Extra adjustment columns; object/category columns are one-hot encoded with the
        first level (sorted) dropped.
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    Estimate
        ``estimate`` the DiD coefficient, ``n`` the rows used (rows with a missing value in
        a used column are dropped, as R ``lm``); ``details`` holds ``df``, ``n_clusters``,
        ``n_dropped``, ``cov_type``, ``coefficients`` and the four ``cell_means``.

    Raises
    ------
    ValueError
        Missing columns, a non-binary ``treated`` or ``post``, an empty treated/post cell,
        fewer than 2 clusters, or too few rows.

    References
    ----------
    Angrist JD, Pischke J-S (2009). Mostly Harmless Econometrics, ch. 5. Cameron AC,
    Miller DL (2015). A practitioner's guide to cluster-robust inference. J Hum Resour
    50:317-372. Zeileis A, Köll S, Graham N (2020). Various versatile variances.
    J Stat Softw 95(1) (R ``sandwich::vcovCL``).

    Examples
    --------
    >>> df = pd.DataFrame({"y": [0, 1, 0, 1, 1, 1, 0, 0], "t": [1, 1, 1, 1, 0, 0, 0, 0],
    ...                    "post": [0, 0, 1, 1, 0, 0, 1, 1]})
    >>> round(did(df, "y", "t", "post").estimate, 6)
    1.0
    """
    covs = _covariate_list(covariates)
    _check_frame(
        data,
        {
            "outcome": outcome,
            "treated": treated,
            "post": post,
            "cluster": cluster,
            "covariates": covs,
        },
    )
    alpha = check_alpha(alpha)
    used = [outcome, treated, post, *covs] + ([cluster] if cluster is not None else [])
    frame = data[used].dropna()
    n_dropped = len(data) - len(frame)
    if len(frame) == 0:
        raise ValueError("data has no complete rows in the used columns")
    if not pd.api.types.is_numeric_dtype(frame[outcome].dtype):
        raise ValueError(
            f"outcome: column {outcome!r} must be numeric, but has dtype {frame[outcome].dtype}"
        )
    t = _binary_column(frame[treated], "treated").astype(float)
    p = _binary_column(frame[post], "post").astype(float)
    cells = {}
    for tv in (1, 0):
        for pv in (1, 0):
            mask = (t == tv) & (p == pv)
            if not mask.any():
                raise ValueError(
                    f"no rows with {treated}={tv} and {post}={pv}; all four cells "
                    "are needed for a difference in differences"
                )
            cells[f"treated={tv},post={pv}"] = float(frame[outcome].to_numpy()[mask].mean())
    design = pd.concat(
        [
            pd.DataFrame({"const": 1.0, "treated": t, "post": p, "did": t * p}, index=frame.index),
            _covariate_design(frame, covs),
        ],
        axis=1,
    )
    n, k = design.shape
    if np.linalg.matrix_rank(design.to_numpy()) < k:
        raise ValueError(
            "the design matrix is rank deficient (a covariate is constant or "
            "collinear with treated/post)"
        )
    if n - k < 1:
        raise ValueError(f"too few rows ({n}) for {k} coefficients")
    import statsmodels.api as sm

    model = sm.OLS(frame[outcome].to_numpy(dtype=float), design)
    if cluster is not None:
        groups = pd.factorize(frame[cluster])[0]
        g_count = int(groups.max()) + 1
        if g_count < 2:
            raise ValueError(
                f"cluster: column {cluster!r} must hold at least 2 clusters, but had {g_count}"
            )
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": True})
        df_t, cov_type = g_count - 1, "cluster-CR1"
    else:
        g_count = None
        fit = model.fit(cov_type="HC1")
        df_t, cov_type = n - k, "HC1"
    est, se = float(fit.params["did"]), float(fit.bse["did"])
    q = float(stats.t.isf(alpha / 2, df_t))
    return Estimate(
        estimate=est,
        lower=est - q * se,
        upper=est + q * se,
        n=int(n),
        method=f"did-ols-{cov_type.lower()}",
        alpha=alpha,
        se=se,
        p_value=float(2 * stats.t.sf(abs(est / se), df_t)) if se > 0 else math.nan,
        details={
            "df": df_t,
            "n_clusters": g_count,
            "n_dropped": int(n_dropped),
            "cov_type": cov_type,
            "coefficients": {k_: float(v) for k_, v in fit.params.items()},
            "cell_means": cells,
        },
    )


def did_aggregate(
    p_treat_pre: float,
    n_treat_pre: int | None,
    p_treat_post: float,
    n_treat_post: int | None,
    p_ctrl_pre: float,
    n_ctrl_pre: int | None,
    p_ctrl_post: float,
    n_ctrl_post: int | None,
    alpha: float = 0.05,
) -> Estimate:
    """Difference in differences of four shares when only aggregate figures are known.

    ``(p_treat_post - p_treat_pre) - (p_ctrl_post - p_ctrl_pre)`` with the Wald interval
    ``var = sum p (1 - p) / n`` over the four shares, treated as independent samples. A
    share given with ``n=None`` is taken as known without error (e.g. the national figure
    from Jobindsats); a huge n contributes almost nothing.

    Parameters
    ----------
    p_treat_pre, p_treat_post, p_ctrl_pre, p_ctrl_post : float
        Shares as fractions in [0, 1].
    n_treat_pre, n_treat_post, n_ctrl_pre, n_ctrl_post : int or None
        Number of persons behind each share, or ``None`` for a share known exactly.
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    Estimate
        ``n`` is the sum of the given n's; ``details`` holds the two changes.

    Raises
    ------
    ValueError
        A share outside [0, 1], an n below 1, or all four n's ``None``.

    References
    ----------
    Wald interval for a linear combination of independent binomial proportions; see e.g.
    Fleiss JL, Levin B, Paik MC (2003). Statistical Methods for Rates and Proportions.
    If the same persons are counted in both periods the periods are positively correlated
    and this interval is conservative; use :func:`did` on person-level data instead.

    Examples
    --------
    >>> est = did_aggregate(0.146, 350, 0.40, 350, 0.13, None, 0.15, None)
    >>> round(est.estimate, 3)
    0.234
    """
    alpha = check_alpha(alpha)
    shares = {
        "p_treat_pre": (p_treat_pre, n_treat_pre, "n_treat_pre"),
        "p_treat_post": (p_treat_post, n_treat_post, "n_treat_post"),
        "p_ctrl_pre": (p_ctrl_pre, n_ctrl_pre, "n_ctrl_pre"),
        "p_ctrl_post": (p_ctrl_post, n_ctrl_post, "n_ctrl_post"),
    }
    var, n_total, ps = 0.0, 0, {}
    for pname, (pv, nv, nname) in shares.items():
        pv = _share(pv, pname)
        ps[pname] = pv
        if nv is not None:
            nv = _count(nv, nname, minimum=1)
            var += pv * (1 - pv) / nv
            n_total += nv
    if all(v[1] is None for v in shares.values()):
        raise ValueError("at least one of the n's must be given; all four were None")
    change_t = ps["p_treat_post"] - ps["p_treat_pre"]
    change_c = ps["p_ctrl_post"] - ps["p_ctrl_pre"]
    est, se = change_t - change_c, math.sqrt(var)
    z = _z(alpha)
    return Estimate(
        estimate=est,
        lower=est - z * se,
        upper=est + z * se,
        n=n_total,
        method="did-aggregate-wald",
        alpha=alpha,
        se=se,
        p_value=float(2 * stats.norm.sf(abs(est) / se)) if se > 0 else math.nan,
        details={"change_treated": change_t, "change_control": change_c},
    )
