"""Small-cell suppression (diskretionering): the one place where counts are hidden.

Primary suppression hides counts ``0 < n < threshold`` (zeros are shown: a known zero
reveals nobody). Secondary suppression then protects the totals: whenever a row or a
column (its margin total included) holds exactly one hidden cell, the smallest non-zero
visible cell of that line is hidden too, until no line has a single hidden cell. Row and
column totals are assumed known (published or derivable) even with ``margins=False``,
so the protection never depends on whether the margins are shown.

Danmarks Statistik requires at least 3 persons behind a cell; Danish analyses commonly
show counts under 5 as ``<5``, which is our default.

References
----------
Hundepool, A. et al. (2012). *Statistical Disclosure Control*, ch. 4 (cell suppression).
Wiley.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalkit._checks import check_positive_int
from evalkit.formatting import fmt_count, fmt_number, fmt_percent

__all__ = [
    "SECONDARY_MARK",
    "TOTAL_LABEL",
    "SuppressedShare",
    "SuppressedTable",
    "suppress",
    "suppress_count",
    "suppress_share",
]

TOTAL_LABEL = "I alt"
SECONDARY_MARK = "x"
_DASH = "–"


@dataclass(frozen=True)
class SuppressedTable:
    """A count table after suppression.

    Attributes
    ----------
    values : DataFrame
        The counts (with an ``I alt`` row and column when ``margins``); hidden cells NaN.
    mask : DataFrame of bool
        True where a cell is hidden (primary or secondary).
    primary : DataFrame of bool
        True where a cell is hidden because it is small; the rest of ``mask`` protects them.
    threshold : int
        Counts ``0 < n < threshold`` were hidden.
    """

    values: pd.DataFrame
    mask: pd.DataFrame
    primary: pd.DataFrame
    threshold: int

    def display(self) -> pd.DataFrame:
        """Strings for a report: Danish numbers, ``<5`` for small cells, ``x`` for the others.

        Returns
        -------
        DataFrame of str
        """
        vals = self.values.to_numpy(dtype=float)
        prim = self.primary.to_numpy()
        sec = self.mask.to_numpy() & ~prim
        out = np.empty(vals.shape, dtype=object)
        for (i, j), v in np.ndenumerate(vals):
            if prim[i, j]:
                out[i, j] = f"<{self.threshold}"
            elif sec[i, j]:
                out[i, j] = SECONDARY_MARK
            elif math.isnan(v):
                out[i, j] = _DASH
            elif float(v).is_integer():
                out[i, j] = fmt_count(int(v))
            else:
                out[i, j] = fmt_number(v, 1)
        return pd.DataFrame(out, index=self.values.index, columns=self.values.columns)

    @property
    def n_suppressed(self) -> int:
        """Number of hidden cells."""
        return int(self.mask.to_numpy().sum())

    def to_frame(self) -> pd.DataFrame:
        """The displayed table (same as :meth:`display`)."""
        return self.display()

    def _repr_html_(self) -> str:
        return self.display().to_html()


def _secondary(counts: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Extend ``hidden`` until no row or column has exactly one hidden cell.

    ``counts`` includes the margins (last row and column) so totals take part.
    """
    hidden = hidden.copy()
    changed = True
    while changed:
        changed = False
        for axis in (1, 0):
            n_hidden = hidden.sum(axis=axis)
            for k in np.flatnonzero(n_hidden == 1):
                line = counts[k, :] if axis == 1 else counts[:, k]
                hid = hidden[k, :] if axis == 1 else hidden[:, k]
                candidates = np.flatnonzero(~hid & (line > 0))
                if candidates.size == 0:
                    continue  # only zeros left: nothing more can be hidden here
                pick = candidates[np.argmin(line[candidates])]
                if axis == 1:
                    hidden[k, pick] = True
                else:
                    hidden[pick, k] = True
                changed = True
    return hidden


def suppress(table: pd.DataFrame, threshold: int = 5, margins: bool = True) -> SuppressedTable:
    """Hide small counts in a table, and enough others that totals cannot reveal them.

    Parameters
    ----------
    table : DataFrame
        Non-negative whole counts (rows x columns), without totals.
    threshold : int, default 5
        Counts ``0 < n < threshold`` are hidden (primary suppression).
    margins : bool, default True
        Add an ``I alt`` row and column (themselves subject to suppression). Without them
        the totals are still assumed known when choosing secondary cells.

    Returns
    -------
    SuppressedTable

    Raises
    ------
    ValueError
        When a cell is negative, not whole or missing.

    Examples
    --------
    >>> t = pd.DataFrame({"ja": [3, 10], "nej": [12, 20]}, index=["A", "B"])
    >>> suppress(t).display()
           ja nej I alt
    A      <5   x    15
    B       x   x    30
    I alt  13  32    45
    """
    threshold = check_positive_int(threshold, "threshold")
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a DataFrame, but was {type(table).__name__}")
    try:
        counts = table.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ValueError("table must hold numbers (counts)") from None
    if np.isnan(counts).any() or (counts < 0).any() or (counts % 1 != 0).any():
        raise ValueError("table must hold non-negative whole counts without missing cells")
    full = np.zeros((counts.shape[0] + 1, counts.shape[1] + 1))
    full[:-1, :-1] = counts
    full[-1, :-1] = counts.sum(axis=0)
    full[:-1, -1] = counts.sum(axis=1)
    full[-1, -1] = counts.sum()
    primary = (full > 0) & (full < threshold)
    hidden = _secondary(full, primary)
    if not margins:
        full, primary, hidden = full[:-1, :-1], primary[:-1, :-1], hidden[:-1, :-1]
        index, columns = table.index, table.columns
    else:
        index = [*table.index, TOTAL_LABEL]
        columns = [*table.columns, TOTAL_LABEL]
    values = pd.DataFrame(np.where(hidden, np.nan, full), index=index, columns=columns)
    return SuppressedTable(
        values=values,
        mask=pd.DataFrame(hidden, index=index, columns=columns),
        primary=pd.DataFrame(primary, index=index, columns=columns),
        threshold=threshold,
    )


def suppress_count(n: int, threshold: int = 5) -> str | int:
    """A single count: the count itself, or ``"<5"`` when ``0 < n < threshold``.

    >>> suppress_count(3), suppress_count(0), suppress_count(12)
    ('<5', 0, 12)
    """
    threshold = check_positive_int(threshold, "threshold")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative whole count, but was {n!r}")
    return f"<{threshold}" if 0 < n < threshold else int(n)


@dataclass(frozen=True)
class SuppressedShare:
    """A share that may be hidden.

    Attributes
    ----------
    share : float
        ``x / n``, NaN when hidden or ``n == 0``.
    shown : str
        Danish percentage (``12,5 %``) or ``–`` when hidden.
    suppressed : bool
    reason : str
        Why it is hidden (empty when shown), e.g. ``"færre end 5 i tælleren"``.
    """

    share: float
    shown: str
    suppressed: bool
    reason: str = ""

    def __str__(self) -> str:
        return self.shown


def suppress_share(x: int, n: int, threshold: int = 5, decimals: int = 1) -> SuppressedShare:
    """A share ``x / n`` that is hidden when it would reveal a small group.

    Hidden when the denominator, the numerator or the complement ``n - x`` is between 0
    and the threshold (exclusive): 2 of 40 would identify two persons, and so would 38 of
    40. A numerator of 0 (0 %) or a complement of 0 (100 %) is shown.

    Parameters
    ----------
    x, n : int
        Numerator and denominator (counts), ``0 <= x <= n``.
    threshold : int, default 5
    decimals : int, default 1
        Decimals of the percentage.

    Returns
    -------
    SuppressedShare

    Examples
    --------
    >>> suppress_share(10, 40).shown
    '25,0\\xa0%'
    >>> s = suppress_share(38, 40)
    >>> s.shown, s.reason
    ('–', 'færre end 5 uden for andelen')
    """
    threshold = check_positive_int(threshold, "threshold")
    for name, v in (("x", x), ("n", n)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name} must be a non-negative whole count, but was {v!r}")
    if x > n:
        raise ValueError(f"x must not exceed n, but x={x!r} and n={n!r}")
    if n == 0:
        return SuppressedShare(math.nan, _DASH, True, "ingen i nævneren")
    if 0 < n < threshold:
        return SuppressedShare(math.nan, _DASH, True, f"færre end {threshold} i nævneren")
    if 0 < x < threshold:
        return SuppressedShare(math.nan, _DASH, True, f"færre end {threshold} i tælleren")
    if 0 < n - x < threshold:
        # The reason never repeats the small count itself.
        reason = f"færre end {threshold} uden for andelen"
        return SuppressedShare(math.nan, _DASH, True, reason)
    share = x / n
    return SuppressedShare(share, fmt_percent(share, decimals), False, "")
