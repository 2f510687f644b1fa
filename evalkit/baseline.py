"""Difference from a baseline: shares, changes, difference in differences.

The functions answer the questions a project application asks of its numbers: what share
reached the goal (:func:`wilson`), how much did a share change from the baseline period
(:func:`share_difference`), how does it compare with the national figure
(:func:`share_vs_reference`), by what factor did a share or a mean change
(:func:`relative_change`, :func:`relative_change_mean`,
:func:`relative_change_mean_summary`), how did the change compare with a comparison group
or the national trend (:func:`did`, :func:`did_aggregate`). Difference in differences
lives in :mod:`evalkit.did` and the interrupted time series (:func:`interrupted_time_series`,
:class:`ITSResult`) in :mod:`evalkit.timeseries`; both are re-exported here for
compatibility.

Every point estimate comes back as an :class:`evalkit.results.Estimate`. The formulas and
conventions are written out in ``docs/estimators-baseline.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from evalkit._checks import check_1d, check_alpha, check_count, check_finite, check_share
from evalkit.did import did, did_aggregate
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


def _counts(x: Any, n: Any, xname: str, nname: str) -> tuple[int, int]:
    n = check_count(n, nname, minimum=1)
    x = check_count(x, xname)
    if x > n:
        raise ValueError(f"{xname} must not exceed {nname} ({n}), but was {x!r}")
    return x, n


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
        ``p_value`` from the pooled two-sample z test (R ``prop.test(correct=FALSE)``),
        NaN when the pooled share is 0 or 1 (no test is possible; R gives ``NaN``);
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
    # pooled share 0 or 1: the test statistic is 0/0, and R's prop.test gives NaN
    p_value = math.nan if se_pooled == 0 else float(2 * stats.norm.sf(abs(p1 - p0) / se_pooled))
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
    reference = check_share(reference, "reference", open_interval=True)
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
    n1, n0 = check_count(n1, "n1", minimum=2), check_count(n0, "n0", minimum=2)
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
