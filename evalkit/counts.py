"""Counts against targets: exact Poisson intervals for a count and for a ratio of counts.

A count of activities (company visits, courses bought) or of persons in a register is
reported with the exact (Garwood) Poisson interval, which is what R's ``poisson.test``
returns; the ratio of two counts (e.g. the number of jobparate at the end vs the start)
uses the conditional binomial interval of ``poisson.test(c(x1, x0))``.

References
----------
Garwood F (1936). Fiducial limits for the Poisson distribution. Biometrika 28:437-442.
R Core Team. ``stats::poisson.test``.
"""

from __future__ import annotations

import math

from scipy import stats

from evalkit._checks import check_alpha
from evalkit.results import Estimate

__all__ = ["count_ratio", "poisson_count"]


def _check_count(x: int, name: str) -> int:
    if isinstance(x, bool) or not float(x).is_integer() or x < 0:
        raise ValueError(f"{name} must be a whole number >= 0, but was {x!r}")
    return int(x)


def poisson_count(x: int, alpha: float = 0.05) -> Estimate:
    """A count with its exact Poisson (Garwood) confidence interval.

    Parameters
    ----------
    x : int
        The observed count (>= 0).
    alpha : float
        1 - confidence level.

    Returns
    -------
    Estimate
        ``estimate = x``, limits ``chi2.ppf(alpha/2, 2x)/2`` and
        ``chi2.ppf(1-alpha/2, 2x+2)/2`` (lower 0 when x = 0); ``n = x``.

    Examples
    --------
    >>> round(poisson_count(10).upper, 4)
    18.3904
    """
    x = _check_count(x, "x")
    alpha = check_alpha(alpha)
    lower = 0.0 if x == 0 else float(stats.chi2.ppf(alpha / 2, 2 * x) / 2)
    upper = float(stats.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2)
    return Estimate(float(x), lower, upper, n=x, method="poisson-exact", alpha=alpha)


def count_ratio(x1: int, x0: int, alpha: float = 0.05) -> Estimate:
    """Ratio ``x1 / x0`` of two Poisson counts with the exact conditional interval.

    Conditional on ``x1 + x0``, ``x1`` is binomial with ``p = r / (1 + r)``; the
    Clopper-Pearson limits of ``p`` give the limits of ``r`` (R ``poisson.test(c(x1,
    x0))``). The p-value is the exact binomial test of ``r = 1``.

    Returns
    -------
    Estimate
        ``estimate = x1 / x0``; ``n = x1 + x0``.
    """
    x1 = _check_count(x1, "x1")
    x0 = _check_count(x0, "x0")
    alpha = check_alpha(alpha)
    total = x1 + x0
    if total == 0:
        raise ValueError("x1 + x0 must be positive to form a ratio, but both were 0")
    p_lo = 0.0 if x1 == 0 else float(stats.beta.ppf(alpha / 2, x1, x0 + 1))
    p_hi = 1.0 if x0 == 0 else float(stats.beta.ppf(1 - alpha / 2, x1 + 1, x0))
    lower = p_lo / (1 - p_lo)
    upper = math.inf if p_hi >= 1 else p_hi / (1 - p_hi)
    est = math.inf if x0 == 0 else x1 / x0
    p_value = float(stats.binomtest(x1, total, 0.5).pvalue)
    return Estimate(
        est, lower, upper, n=total, method="poisson-conditional", alpha=alpha, p_value=p_value
    )
