"""Shares whose units cluster within persons, with a person-level (cluster-robust) variance.

Two situations in the seed projects count the same person more than once:

* monthly shares of a stock (seed 001, STV): a person is in the stock of several months,
  so the shares of two months are correlated; :func:`clustered_share_contrast` gives a
  weighted sum of monthly shares (an average level, a change from a baseline month)
  with the variance of the month-dummy regression clustered by person, equal to R's
  ``sandwich::vcovCL(lm(y ~ 0 + factor(month)), cluster = ~id, type = "HC0")``;
* a share of events (seed 002: the share of conversations that were self-booked): a
  person has several conversations; :func:`clustered_proportion` gives the ratio of sums
  with the person-clustered variance and a Wilson interval on the effective sample size
  (the design-effect Wilson interval of Korn & Graubard).

References
----------
Liang KY, Zeger SL (1986). Longitudinal data analysis using generalized linear models.
Biometrika 73(1):13-22.
Zeileis A, Köll S, Graham N (2020). Various versatile variances: an object-oriented
implementation of clustered covariances in R. Journal of Statistical Software 95(1):1-36.
Korn EL, Graubard BI (1998). Confidence intervals for proportions with small expected
number of positive counts estimated from survey data. Survey Methodology 24(2):193-201.
Dean N, Pagano M (2015). Evaluating confidence interval methods for binomial proportions
in clustered surveys. Journal of Survey Statistics and Methodology 3(4):484-503.

Example
-------
>>> y = np.array([[1, 1], [0, 1], [0, 0], [1, 0]], bool)
>>> s = np.array([[1, 1], [1, 1], [1, 0], [0, 1]], bool)
>>> c = clustered_share_contrast(y, s, [-1.0, 1.0])
>>> round(c.estimate, 4), c.n_persons
(0.3333, 4)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from evalkit._checks import check_1d, check_alpha
from evalkit.results import Estimate

__all__ = ["ShareContrast", "clustered_proportion", "clustered_share_contrast"]


@dataclass(frozen=True)
class ShareContrast:
    """A weighted sum of monthly shares of a stock, with its cluster-robust variance.

    Attributes
    ----------
    estimate, se, lower, upper : float
        ``sum_k w_k p_k``, its standard error and Wald limits at level ``1 - alpha``.
    p_value : float
        Two-sided Wald test of ``estimate = 0``.
    n_persons : int
        Persons in the stock of at least one weighted month (the clusters, G).
    x, n, shares : ndarray
        Per month: persons in the stock with the outcome, persons in the stock, share.
    weights : ndarray
        The contrast weights per month.
    covariance : ndarray
        The cluster-robust covariance matrix of the monthly shares (months x months).
    alpha : float
    method : str
    """

    estimate: float
    se: float
    lower: float
    upper: float
    p_value: float
    n_persons: int
    x: np.ndarray = field(repr=False)
    n: np.ndarray = field(repr=False)
    shares: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    covariance: np.ndarray = field(repr=False)
    alpha: float = 0.05
    method: str = "cluster-robust (person) Wald, HC0 with G/(G-1)"

    def to_estimate(self, **details: Any) -> Estimate:
        """The contrast as an :class:`~evalkit.results.Estimate` (``n`` = persons)."""
        return Estimate(
            self.estimate, self.lower, self.upper, n=self.n_persons, method=self.method,
            alpha=self.alpha, se=self.se, p_value=self.p_value, details=details,
        )  # fmt: skip

    def to_frame(self) -> pd.DataFrame:
        """One row per month: weight, x, n, share."""
        return pd.DataFrame(
            {"weight": self.weights, "x": self.x, "n": self.n, "share": self.shares}
        )

    def summary(self) -> str:
        return (
            f"contrast {self.estimate:.4f} (se {self.se:.4f}, "
            f"{100 * (1 - self.alpha):.0f} % CI {self.lower:.4f} to {self.upper:.4f}), "
            f"{self.n_persons} persons"
        )

    def _repr_html_(self) -> str:
        return f"<p>{self.summary()}</p>" + self.to_frame().to_html(index=False)


def clustered_share_contrast(
    indicator: np.ndarray,
    stock: np.ndarray,
    weights: Sequence[float],
    alpha: float = 0.05,
) -> ShareContrast:
    """A weighted sum of monthly shares of a stock with a person-clustered variance.

    The share of month ``k`` is ``p_k = sum_i s_ik y_ik / n_k`` with ``n_k = sum_i s_ik``
    (persons in the month's stock). For the contrast ``theta = sum_k w_k p_k`` each
    person's influence is ``u_i = sum_k w_k s_ik (y_ik - p_k) / n_k``, summed over the
    months the person is in, so a person counted in several months adds the covariance
    of their months. The variance is

        ``Var(theta) = G / (G - 1) * sum_i u_i**2``,

    with ``G`` the persons in at least one weighted month. This is the cluster-robust
    (sandwich) variance of the least-squares fit of ``y`` on month dummies over the
    person-months in the stock, clustered by person: R's
    ``sandwich::vcovCL(fit, cluster = ~id, type = "HC0", cadjust = TRUE)``. The interval
    is Wald, ``theta +/- z * se``.

    Parameters
    ----------
    indicator : array of bool, shape (persons, months)
        The outcome (e.g. in company-based activity or with ordinary hours).
    stock : array of bool, same shape
        Whether the person is in the month's stock.
    weights : sequence of float, one per month
        E.g. ``[-1, 1/3, 1/3, 1/3]``: the average of three end months minus a baseline
        month. Months with weight 0 are ignored.
    alpha : float, default 0.05

    Returns
    -------
    ShareContrast

    Raises
    ------
    ValueError
        For shapes that do not match, no non-zero weight, a weighted month with an
        empty stock, or fewer than two persons.

    References
    ----------
    Liang & Zeger (1986); Zeileis, Köll & Graham (2020), R package ``sandwich``.

    Examples
    --------
    >>> y = np.array([[1, 0], [1, 1], [0, 1]], bool)
    >>> c = clustered_share_contrast(y, np.ones((3, 2), bool), [0.5, 0.5])
    >>> round(c.estimate, 4), round(c.se, 4)
    (0.6667, 0.1667)
    """
    alpha = check_alpha(alpha)
    y = np.asarray(indicator, dtype=bool)
    s = np.asarray(stock, dtype=bool)
    w = np.asarray(weights, dtype=float)
    if y.ndim != 2 or y.shape != s.shape:
        raise ValueError(
            f"indicator and stock must be 2-d of the same shape, but were {y.shape} and {s.shape}"
        )
    if w.shape != (y.shape[1],):
        raise ValueError(f"weights must have one value per month ({y.shape[1]}), but had {w.shape}")
    if not np.isfinite(w).all() or not (w != 0).any():
        raise ValueError(f"weights must be finite with at least one non-zero, but were {list(w)}")
    used = w != 0
    n = s.sum(axis=0)
    if (n[used] == 0).any():
        empty = np.flatnonzero(used & (n == 0)).tolist()
        raise ValueError(f"the stock is empty in weighted month(s) {empty}")
    ys = y & s
    x = ys.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, x / np.maximum(n, 1), np.nan)
    in_any = (s[:, used]).any(axis=1)
    g = int(in_any.sum())
    if g < 2:
        raise ValueError(f"at least two persons are needed in the weighted months, but were {g}")
    # residual contributions per person and month (zero outside the stock)
    resid = np.where(s, ys - np.nan_to_num(p)[None, :], 0.0)[in_any]
    scaled = resid[:, used] / n[used][None, :]
    adj = g / (g - 1)
    cov = np.full((len(w), len(w)), np.nan)
    cov[np.ix_(used, used)] = adj * (scaled.T @ scaled)
    u = scaled @ w[used]
    var = adj * float(u @ u)
    est = float(w[used] @ p[used])
    se = math.sqrt(var)
    z = stats.norm.isf(alpha / 2)
    pv = float(2 * stats.norm.sf(abs(est) / se)) if se > 0 else math.nan
    return ShareContrast(
        estimate=est, se=se, lower=est - z * se, upper=est + z * se, p_value=pv,
        n_persons=g, x=x, n=n, shares=p, weights=w, covariance=cov, alpha=alpha,
    )  # fmt: skip


def clustered_proportion(
    successes: Sequence[float], trials: Sequence[float], alpha: float = 0.05
) -> Estimate:
    """Share of events with an outcome when each person has several events.

    With person ``i`` having ``n_i`` events of which ``x_i`` have the outcome, the share
    is ``p = sum x_i / sum n_i``. Its person-clustered variance is

        ``V = G / (G - 1) * sum_i (x_i - p n_i)**2 / (sum n_i)**2``

    (``G`` persons with at least one event), the variance of the intercept-only
    regression on the events clustered by person (R ``vcovCL(..., type = "HC0")``). The
    interval is Wilson's score interval on the effective sample size
    ``n_eff = p (1 - p) / V`` (at most the number of events, so the design effect is
    never taken below 1; when ``p`` is 0 or 1, ``n_eff`` is the number of events).

    Parameters
    ----------
    successes, trials : sequence of float, one per person
        ``x_i`` and ``n_i``; persons with ``n_i = 0`` are dropped.
    alpha : float, default 0.05

    Returns
    -------
    Estimate
        ``estimate`` = p, Wilson limits on ``n_eff``, ``n`` = number of events, ``se`` =
        ``sqrt(V)``; ``details``: ``x`` (events with the outcome), ``persons`` (G),
        ``n_eff`` and ``design_effect``.

    Raises
    ------
    ValueError
        For lengths that differ, negative counts, ``x_i > n_i``, or no events.

    References
    ----------
    Korn & Graubard (1998); Dean & Pagano (2015); Zeileis, Köll & Graham (2020).

    Examples
    --------
    >>> e = clustered_proportion([2, 0, 1], [2, 2, 2])
    >>> round(e.estimate, 4), e.n, e.details["persons"]
    (0.5, 6, 3)
    """
    alpha = check_alpha(alpha)
    x = check_1d(successes, "successes")
    n = check_1d(trials, "trials")
    if x.shape != n.shape:
        raise ValueError(
            f"successes and trials must have the same length, but had {x.size} and {n.size}"
        )
    if (x < 0).any() or (n < 0).any() or (x > n).any():
        raise ValueError("successes and trials must be counts >= 0 with successes <= trials")
    keep = n > 0
    x, n = x[keep], n[keep]
    total = float(n.sum())
    if total == 0:
        raise ValueError("there are no events (all trials are 0)")
    g = int(keep.sum())
    p = float(x.sum()) / total
    var = (g / (g - 1)) * float(((x - p * n) ** 2).sum()) / total**2 if g > 1 else math.nan
    n_eff = min(total, p * (1 - p) / var) if var > 0 else total
    z = stats.norm.isf(alpha / 2)
    z2 = z * z
    centre = (p + z2 / (2 * n_eff)) / (1 + z2 / n_eff)
    half = z / (1 + z2 / n_eff) * math.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff**2))
    return Estimate(
        p, max(0.0, centre - half), min(1.0, centre + half), n=int(total),
        method="wilson, effective n (person-clustered)", alpha=alpha,
        se=math.sqrt(var) if math.isfinite(var) else math.nan,
        details={"x": round(float(x.sum())), "persons": g, "n_eff": n_eff,
                 "design_effect": total / n_eff},
    )  # fmt: skip
