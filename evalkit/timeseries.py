"""Interrupted time series: did a monthly series change level or slope at a date?

:func:`interrupted_time_series` fits a segmented regression with Newey-West (HAC)
standard errors, as R ``lm`` + ``sandwich::NeweyWest`` + ``lmtest::coeftest``. The
formulas are written out in ``docs/estimators-baseline.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from evalkit._checks import check_1d, check_alpha, check_finite
from evalkit.results import Estimate

__all__ = ["ITSResult", "interrupted_time_series"]


@dataclass(frozen=True)
class ITSResult:
    """Result of :func:`interrupted_time_series`.

    Attributes
    ----------
    level_change : Estimate
        Immediate change in level at the interruption (``b2``).
    slope_change : Estimate
        Change in slope per period after the interruption (``b3``).
    fitted : Series
        Fitted values of the segmented regression, indexed like the input.
    counterfactual : Series
        The pre-period line ``b0 + b1 t`` continued over the whole series.
    maxlags : int
        Number of lags in the Newey-West estimator.
    n : int
        Number of periods.
    details : dict
        ``coefficients``, ``se``, ``df`` and the ``interruption`` label.
    """

    level_change: Estimate
    slope_change: Estimate
    fitted: pd.Series
    counterfactual: pd.Series
    maxlags: int
    n: int
    details: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """Two-row DataFrame: level change and slope change."""
        frame = pd.concat([self.level_change.to_frame(), self.slope_change.to_frame()])
        frame.insert(0, "term", ["level_change", "slope_change"])
        return frame.reset_index(drop=True)

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)


def _default_maxlags(n: int) -> int:
    """Newey & West (1994) rule of thumb ``floor(4 (T/100)^(2/9))``."""
    return math.floor(4 * (n / 100.0) ** (2.0 / 9.0))


def interrupted_time_series(
    series: pd.Series | Sequence[float],
    interruption: Any,
    alpha: float = 0.05,
    maxlags: int | None = None,
) -> ITSResult:
    """Segmented regression of an equally spaced series with Newey-West standard errors.

    Fits ``y_t = b0 + b1 t + b2 post_t + b3 (t - t0) post_t`` by OLS with
    ``t = 0, 1, ..., T-1``, ``t0`` the position of the first period after the
    interruption and ``post_t = 1`` for ``t >= t0``. ``b2`` is the level change at
    ``t0`` and ``b3`` the slope change.

    Standard errors are Newey-West (HAC) with the Bartlett kernel, weights
    ``1 - j/(L+1)`` for lags ``j = 1..L``, no prewhitening, and the small-sample factor
    ``T/(T-K)``: statsmodels ``cov_type="HAC"`` with ``use_correction=True``, identical to
    R ``sandwich::NeweyWest(fit, lag=L, prewhite=FALSE, adjust=TRUE)``. Intervals and
    p-values use the t distribution with ``T - 4`` degrees of freedom
    (as ``lmtest::coeftest``).

    Parameters
    ----------
    series : Series or array-like of float
        One value per period (e.g. a monthly share), in time order, no gaps or NaN.
    interruption : label or int
        Index label of the first period after the interruption (for an array: its position).
    alpha : float, default 0.05
        Significance level.
    maxlags : int, optional
        Lag truncation ``L`` (0 gives HC0-type errors times the correction). Default the
        Newey & West (1994) rule ``floor(4 (T/100)^(2/9))``.

    Returns
    -------
    ITSResult
        Level and slope change as :class:`Estimate` (``n`` = T), fitted and counterfactual
        values.

    Raises
    ------
    ValueError
        NaN in the series, an interruption not in the index, fewer than 2 periods on a
        side, fewer than 6 periods, or a ``maxlags`` outside ``0..T-1``.

    References
    ----------
    Wagner AK, Soumerai SB, Zhang F, Ross-Degnan D (2002). Segmented regression analysis
    of interrupted time series studies. J Clin Pharm Ther 27:299-309. Newey WK, West KD
    (1987, Econometrica 55:703-708; 1994, Rev Econ Stud 61:631-653).

    Examples
    --------
    >>> s = pd.Series([10, 11, 12, 13, 14, 20, 22, 24, 26, 28.0])
    >>> res = interrupted_time_series(s, 5, maxlags=1)
    >>> round(res.level_change.estimate, 6), round(res.slope_change.estimate, 6)
    (5.0, 1.0)
    """

    alpha = check_alpha(alpha)
    if isinstance(series, pd.Series):
        values = check_finite(check_1d(series.to_numpy(dtype=float), "series"), "series")
        index = series.index
    else:
        values = check_finite(check_1d(series, "series"), "series")
        index = pd.RangeIndex(values.size)
    n = values.size
    if interruption not in index:
        raise ValueError(
            f"interruption must be a label in the series index, but was {interruption!r}"
        )
    t0 = index.get_loc(interruption)
    if not isinstance(t0, (int, np.integer)):
        raise ValueError(f"interruption label {interruption!r} is not unique in the index")
    t0 = int(t0)
    if t0 < 2 or n - t0 < 2:
        raise ValueError(
            f"at least 2 periods are needed before and after the interruption, "
            f"but there were {t0} before and {n - t0} from it"
        )
    if n < 6:
        raise ValueError(f"series must hold at least 6 periods, but had {n}")
    if maxlags is None:
        lags = _default_maxlags(n)
    else:
        if isinstance(maxlags, bool) or not isinstance(maxlags, (int, np.integer)):
            raise TypeError(f"maxlags must be a whole number or None, but was {maxlags!r}")
        if not 0 <= maxlags < n:
            raise ValueError(f"maxlags must lie in 0..{n - 1}, but was {maxlags!r}")
        lags = int(maxlags)
    import statsmodels.api as sm

    t = np.arange(n, dtype=float)
    post = (t >= t0).astype(float)
    x = np.column_stack([np.ones(n), t, post, (t - t0) * post])
    fit = sm.OLS(values, x).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags, "kernel": "bartlett", "use_correction": True}
    )
    params, bse = np.asarray(fit.params), np.asarray(fit.bse)
    df_t = n - 4
    q = float(stats.t.isf(alpha / 2, df_t))

    def _est(i: int, name: str) -> Estimate:
        b, s = float(params[i]), float(bse[i])
        return Estimate(
            estimate=b,
            lower=b - q * s,
            upper=b + q * s,
            n=n,
            method=f"its-{name}-newey-west",
            alpha=alpha,
            se=s,
            p_value=float(2 * stats.t.sf(abs(b / s), df_t)) if s > 0 else math.nan,
            details={"maxlags": lags, "df": df_t},
        )

    return ITSResult(
        level_change=_est(2, "level"),
        slope_change=_est(3, "slope"),
        fitted=pd.Series(x @ params, index=index, name="fitted"),
        counterfactual=pd.Series(params[0] + params[1] * t, index=index, name="counterfactual"),
        maxlags=lags,
        n=n,
        details={
            "coefficients": dict(zip(["b0", "b1", "b2", "b3"], map(float, params), strict=True)),
            "se": dict(zip(["b0", "b1", "b2", "b3"], map(float, bse), strict=True)),
            "df": df_t,
            "interruption": interruption,
        },
    )
