"""Comparing many units (kommuner) without ranking them: funnel plots and caterpillar plots.

A funnel plot draws each unit's share (or O/E) against its size, with control limits
around the national value that narrow as the size grows: a unit outside the 95 % limits
is unusual, outside the 99,8 % limits very unusual, and units inside cannot be told apart
from the national value by their own data (Spiegelhalter 2005). A caterpillar plot draws
the same estimates sorted, each with its confidence interval. Optionally the estimates
are shrunk towards the national value (empirical Bayes), which tempers the extremes of
small units; shrunken values are labelled as such wherever they are shown.

Control limits are exact, with Spiegelhalter's interpolation (Appendix A.1.1 of the
paper): for a probability p, let ``r_p`` be the p-quantile of the count (Binomial(n,
theta0) for a share of n persons, Poisson(E theta0) for O/E with E expected events), i.e.
the smallest r with ``P(R <= r) >= p`` (R ``qbinom``/``qpois``); then

    alpha = (P(R <= r_p) - p) / (P(R <= r_p) - P(R <= r_p - 1))
    limit = (r_p - alpha) / n     (share)   or   (r_p - alpha) / E   (O/E)

with p = 0.025, 0.975 (95 %) and 0.001, 0.999 (99,8 %).

Shrinkage (optional): a normal random-effects model on the estimate's scale, the
between-unit variance tau^2 by DerSimonian and Laird (1986) with within-unit variances
``theta0 (1 - theta0) / n`` (shares) or ``theta0 / E`` (O/E), and each estimate moved
towards theta0 by the factor ``tau^2 / (tau^2 + v_i)``.

References
----------
Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. Stat Med
24:1185-1202 (exact limits: Appendix A.1.1; over-dispersion: section 5).
DerSimonian R, Laird N (1986). Meta-analysis in clinical trials. Control Clin Trials
7:177-188.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["KINDS", "LEVELS", "Funnel", "dersimonian_laird", "funnel", "funnel_limits"]

KINDS = ("share", "ratio")
"""``share``: x of n persons (binomial); ``ratio``: O/E with E expected events (Poisson)."""

LEVELS = (0.95, 0.998)
"""The control limits Spiegelhalter recommends: 95 % and 99,8 %."""


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"kind must be 'share' or 'ratio', but was {kind!r}")
    return kind


def _check_levels(levels: Sequence[float]) -> tuple[float, ...]:
    out = tuple(float(level) for level in levels)
    if not out or any(not 0 < level < 1 for level in out):
        raise ValueError(f"levels must be probabilities in (0, 1), but was {levels!r}")
    return out


def _interpolated(p: float, size: np.ndarray, centre: float, kind: str) -> np.ndarray:
    """Spiegelhalter's interpolated p-quantile of the estimate at each size."""
    if kind == "share":
        dist = stats.binom(size.astype(np.int64), centre)
    else:
        dist = stats.poisson(size * centre)
    r = dist.ppf(p)
    f_r = dist.cdf(r)
    f_r1 = np.where(r > 0, dist.cdf(r - 1), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(f_r > f_r1, (f_r - p) / (f_r - f_r1), 0.0)
        return (r - a) / size


def funnel_limits(
    size: Sequence[float] | np.ndarray,
    centre: float,
    kind: str = "share",
    levels: Sequence[float] = LEVELS,
) -> pd.DataFrame:
    """Exact control limits of a funnel plot at the given sizes.

    Parameters
    ----------
    size : array-like
        Persons n (``kind="share"``, whole numbers >= 1) or expected events E
        (``kind="ratio"``, > 0).
    centre : float
        The national value theta0: a share in (0, 1), or a ratio > 0 (1 for O/E against
        the national curve).
    kind : {"share", "ratio"}
    levels : sequence of float, default (0.95, 0.998)

    Returns
    -------
    DataFrame
        ``size`` and, per level L (as in ``0.95``), ``lower_L`` and ``upper_L``.

    Raises
    ------
    ValueError
        For an unknown kind, a centre outside its range, sizes that are not positive (or
        not whole for shares), or levels outside (0, 1).

    References
    ----------
    Spiegelhalter (2005), Appendix A.1.1; R: ``qbinom``, ``pbinom``, ``qpois``, ``ppois``.

    Examples
    --------
    >>> lim = funnel_limits([40], 0.6)
    >>> round(float(lim["lower_0.95"][0]), 4), round(float(lim["upper_0.95"][0]), 4)
    (0.4325, 0.738)
    """
    kind = _check_kind(kind)
    levels = _check_levels(levels)
    size = np.asarray(size, dtype=float)
    if size.ndim != 1 or size.size == 0 or not np.all(np.isfinite(size)) or np.any(size <= 0):
        raise ValueError(f"size must hold positive numbers, but was {size!r}")
    if kind == "share":
        if np.any(size % 1 != 0):
            raise ValueError("size must hold whole numbers of persons for kind='share'")
        if not 0 < centre < 1:
            raise ValueError(f"centre must be a share in (0, 1), but was {centre!r}")
    elif not (math.isfinite(centre) and centre > 0):
        raise ValueError(f"centre must be a positive ratio, but was {centre!r}")
    out = {"size": size}
    for level in levels:
        tail = (1 - level) / 2
        out[f"lower_{level:g}"] = _interpolated(tail, size, centre, kind)
        out[f"upper_{level:g}"] = _interpolated(1 - tail, size, centre, kind)
    return pd.DataFrame(out)


def dersimonian_laird(estimate: np.ndarray, variance: np.ndarray) -> float:
    """DerSimonian-Laird between-unit variance tau^2 (>= 0).

    ``Q = sum w (y - ybar_w)^2`` with ``w = 1 / v``; ``tau^2 = max(0, (Q - (k - 1)) /
    (sum w - sum w^2 / sum w))``.

    Examples
    --------
    >>> round(dersimonian_laird(np.array([0.2, 0.5, 0.8]), np.array([0.01, 0.01, 0.01])), 4)
    0.08
    """
    y = np.asarray(estimate, dtype=float)
    v = np.asarray(variance, dtype=float)
    if y.shape != v.shape or y.size < 2 or np.any(v <= 0):
        raise ValueError("estimate and variance must have the same length >= 2, variance > 0")
    w = 1 / v
    ybar = np.sum(w * y) / np.sum(w)
    q = float(np.sum(w * (y - ybar) ** 2))
    denom = float(np.sum(w) - np.sum(w**2) / np.sum(w))
    return max(0.0, (q - (y.size - 1)) / denom)


def _band(est: np.ndarray, lim: pd.DataFrame, levels: tuple[float, ...]) -> list[str]:
    """'inden for', or 'over'/'under' the widest level it is outside of, e.g. 'over 99,8 %'."""
    out = []
    for i, e in enumerate(est):
        word = "inden for"
        for level in sorted(levels):
            lo, hi = lim[f"lower_{level:g}"].iloc[i], lim[f"upper_{level:g}"].iloc[i]
            if e > hi:
                word = f"over {level:g}"
            elif e < lo:
                word = f"under {level:g}"
        out.append(word)
    return out


@dataclass(frozen=True)
class Funnel:
    """A funnel comparison of many units.

    Attributes
    ----------
    kind : str
        ``"share"`` or ``"ratio"``.
    centre : float
        The national value the limits are drawn around.
    points : DataFrame
        One row per unit, sorted by estimate: ``unit``, ``x`` (persons with the outcome
        or observed events), ``size`` (n or E), ``estimate``, ``lower``, ``upper`` (its
        own 95 % interval: Wilson, or exact Poisson for O/E), ``band`` (``"inden for"``,
        ``"over 0.95"``, ``"under 0.998"``, ...), ``shrunken`` (empirical Bayes).
    limits : DataFrame
        The control limits on a grid of sizes (for drawing), see :func:`funnel_limits`.
    levels : tuple of float
    tau2 : float
        The DerSimonian-Laird between-unit variance used for ``shrunken``.
    """

    kind: str
    centre: float
    points: pd.DataFrame
    limits: pd.DataFrame
    levels: tuple[float, ...] = LEVELS
    tau2: float = math.nan
    details: dict = field(default_factory=dict, compare=False)

    def outside(self, level: float | None = None) -> pd.DataFrame:
        """The units outside the limits at ``level`` (default: the narrowest, 95 %)."""
        level = min(self.levels) if level is None else level
        wider = [lv for lv in self.levels if lv >= level]
        words = {f"{side} {lv:g}" for lv in wider for side in ("over", "under")}
        return self.points[self.points["band"].isin(words)]

    def to_frame(self) -> pd.DataFrame:
        """The points (one row per unit)."""
        return self.points.copy()

    def summary(self) -> str:
        """One line per level: how many units lie outside, and which."""
        lines = [f"Funnel ({self.kind}), centre {self.centre:.4g}, {len(self.points)} units"]
        for level in self.levels:
            out = self.outside(level)
            names = ", ".join(map(str, out["unit"]))
            lines.append(f"outside {level:.1%}: {len(out)}" + (f" ({names})" if names else ""))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return f"<pre>{self.summary()}</pre>" + self.points.to_html(index=False)


def funnel(
    units: Sequence[str],
    x: Sequence[float],
    size: Sequence[float],
    kind: str = "share",
    centre: float | None = None,
    levels: Sequence[float] = LEVELS,
    alpha: float = 0.05,
) -> Funnel:
    """Compare units by a funnel plot's limits, with their own intervals and shrunken values.

    Parameters
    ----------
    units : sequence of str
        Unit names (kommuner).
    x : sequence of float
        Persons with the outcome (``share``) or observed events O (``ratio``).
    size : sequence of float
        Persons n (``share``) or expected events E (``ratio``).
    kind : {"share", "ratio"}
    centre : float, optional
        The national value. Default: the pooled share ``sum(x) / sum(size)`` for shares,
        1 for O/E (the expected events come from the national curve).
    levels : sequence of float, default (0.95, 0.998)
    alpha : float, default 0.05
        1 - the level of each unit's own interval (caterpillar plot).

    Returns
    -------
    Funnel

    Raises
    ------
    ValueError
        For fewer than two units, lengths that differ, counts outside ``0..size``, or
        the errors of :func:`funnel_limits`.
    """
    kind = _check_kind(kind)
    levels = _check_levels(levels)
    names = [str(u) for u in units]
    xs = np.asarray(x, dtype=float)
    ns = np.asarray(size, dtype=float)
    if not len(names) == xs.size == ns.size or xs.size < 2:
        raise ValueError(
            f"units, x and size must have the same length >= 2, but had {len(names)}, "
            f"{xs.size} and {ns.size}"
        )
    if np.any(xs < 0) or np.any(ns <= 0) or (kind == "share" and np.any(xs > ns)):
        raise ValueError("x must be >= 0 and size > 0 (and x <= size for shares)")
    if centre is None:
        centre = float(xs.sum() / ns.sum()) if kind == "share" else 1.0
    est = xs / ns
    own = funnel_limits(ns, centre, kind, levels)
    z = float(stats.norm.isf(alpha / 2))
    if kind == "share":
        centre_w = (est + z * z / (2 * ns)) / (1 + z * z / ns)
        half = z * np.sqrt(est * (1 - est) / ns + z * z / (4 * ns * ns)) / (1 + z * z / ns)
        lower, upper = centre_w - half, centre_w + half
        within = centre * (1 - centre) / ns
    else:
        lower = np.where(xs > 0, stats.chi2.ppf(alpha / 2, 2 * xs) / 2 / ns, 0.0)
        upper = stats.chi2.isf(alpha / 2, 2 * xs + 2) / 2 / ns
        within = centre / ns
    tau2 = dersimonian_laird(est, within)
    shrunk = centre + tau2 / (tau2 + within) * (est - centre)
    points = pd.DataFrame(
        {
            "unit": names,
            "x": xs,
            "size": ns,
            "estimate": est,
            "lower": lower,
            "upper": upper,
            "band": _band(est, own, levels),
            "shrunken": shrunk,
        }
    ).sort_values(["estimate", "unit"], kind="stable", ignore_index=True)
    lo_size, hi_size = float(ns.min()), float(ns.max())
    if kind == "share":
        grid = np.unique(np.round(np.geomspace(max(1.0, lo_size * 0.8), hi_size * 1.2, 200)))
    else:
        grid = np.geomspace(lo_size * 0.8, hi_size * 1.2, 200)
    return Funnel(
        kind=kind,
        centre=float(centre),
        points=points,
        limits=funnel_limits(grid, centre, kind, levels),
        levels=levels,
        tau2=tau2,
    )
