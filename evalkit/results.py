"""Small frozen result objects shared by the estimators.

An :class:`Estimate` is what every point estimate with a confidence interval returns:
the estimate, its interval, the number of observations behind it and the method. It
shows itself as a one-row table in a notebook (``_repr_html_``) and converts with
``to_frame()``. An option never changes the return type of a function.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

__all__ = ["Estimate"]


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a confidence interval.

    Attributes
    ----------
    estimate : float
        The point estimate (a share as a fraction, a difference, a ratio, ...).
    lower, upper : float
        Confidence limits at level ``1 - alpha``.
    n : int
        Number of observations (persons) behind the estimate; for a two-sample
        estimate the total of both samples.
    method : str
        Short name of the method, e.g. ``"wilson"`` or ``"newcombe-hybrid-score"``.
    alpha : float
        The significance level the interval was computed at.
    se : float
        Standard error where the method has one, else NaN.
    p_value : float
        Two-sided p-value of the null of no effect where the method has one, else NaN.
    details : dict
        Method-specific extras (e.g. the two shares of a difference).
    """

    estimate: float
    lower: float
    upper: float
    n: int
    method: str
    alpha: float = 0.05
    se: float = math.nan
    p_value: float = math.nan
    details: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """One-row DataFrame with the estimate, interval, n, se, p-value and method."""
        row = {k: v for k, v in asdict(self).items() if k != "details"}
        return pd.DataFrame([row])

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)

    def covers(self, value: float) -> bool:
        """True when ``value`` lies inside the closed interval ``[lower, upper]``."""
        return bool(self.lower <= value <= self.upper)
