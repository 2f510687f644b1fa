"""Small-cell suppression (diskretionering): the one place where counts are hidden.

Primary suppression hides counts ``0 < n < threshold`` (zeros are shown: a known zero
reveals nobody). Secondary suppression then protects the totals: whenever a row or a
column (its margin total included) holds exactly one hidden cell, or its hidden cells
together hold fewer than ``threshold`` persons, or their sum pins a small cell (three
``<5`` summing to 3 are 1 each), the smallest non-zero visible cell of that line is hidden
too, until every line is safe. Sums published elsewhere (``sums``) are lines as well. Row and
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
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

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
    "unpublishable_share",
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


Relation = tuple[np.ndarray, "int | None", float]


def _relations(counts: np.ndarray, sums: list[tuple[int, np.ndarray, float]]) -> list:
    """The published sums of a table with margins: ``(parts, total cell or None, total)``.

    Every row and column of the table with its margin cell (flat indices), and each extra
    published sum ``(row, columns, value)`` with the rest of its row (its value is the row
    total minus the sum: both are taken as known).
    """
    shape = counts.shape
    rows, cols = shape
    idx = np.arange(rows * cols).reshape(shape)
    out: list[Relation] = []
    for r in range(rows):
        out.append((idx[r, :-1], int(idx[r, -1]), math.nan))
    for c in range(cols):
        out.append((idx[:-1, c], int(idx[-1, c]), math.nan))
    for r, group, value in sums:
        rest = np.setdiff1d(np.arange(cols - 1), group)
        out.append((idx[r, group], None, value))
        out.append((idx[r, rest], None, float(counts[r, -1]) - value))
    return out


def _unsafe(
    parts: np.ndarray, total: int | None, counts: np.ndarray, hidden: np.ndarray,
    primary: np.ndarray, threshold: int,
) -> bool:  # fmt: skip
    """Whether one published sum lets a reader recover a small count.

    Unsafe when exactly one of its cells (the total included) is hidden, or, with the
    total known, when the hidden parts together hold ``1..threshold-1`` persons (a small
    group, e.g. everyone who answered 1-3) or their sum pins a small cell: each small
    cell lies in ``1..threshold-1`` and each ``x`` is at least ``threshold``.
    """
    hid = hidden[parts]
    n_hidden = int(hid.sum()) + (total is not None and bool(hidden[total]))
    if n_hidden == 0:
        return False
    if n_hidden == 1:
        return True
    if total is not None and hidden[total]:
        return False
    hp = parts[hid]
    s_sum = float(counts[hp].sum())
    if 0 < s_sum < threshold:
        return True
    p = int(primary[hp].sum())
    if p == 0:
        return False
    s = len(hp) - p
    if s == 0:
        lo = max(1.0, s_sum - (p - 1) * (threshold - 1))
        hi = min(threshold - 1.0, s_sum - (p - 1))
        return lo >= hi
    return min(threshold - 1.0, s_sum - (p - 1) - s * threshold) <= 1


def _secondary(
    counts: np.ndarray,
    hidden: np.ndarray,
    threshold: int = 5,
    sums: list[tuple[int, np.ndarray, float]] | None = None,
    protect: list[tuple[int, np.ndarray]] | None = None,
    keep: np.ndarray | None = None,
) -> np.ndarray:
    """Extend ``hidden`` until no published sum reveals a small count.

    ``counts`` includes the margins (last row and column) so totals take part; ``sums``
    are further published sums ``(row, column indices, value)``; ``protect`` are sums
    ``(row, column indices)`` that are not published and must not be recoverable as a
    small count either; ``keep`` marks cells published elsewhere (never hidden). First
    every line on its own (:func:`_unsafe`), then all of them together
    (:func:`_audit`): the smallest non-zero visible cell of a sum through the leak is
    hidden, until nothing leaks or nothing is left to hide.
    """
    primary = hidden.ravel().copy()
    flat = counts.ravel()
    hid = hidden.ravel().copy()
    fixed = np.zeros(flat.size, dtype=bool) if keep is None else keep.ravel() & ~primary
    relations = _relations(counts, sums or [])
    idx = np.arange(flat.size).reshape(counts.shape)
    targets = []
    for r, group in protect or []:
        rest = np.setdiff1d(np.arange(counts.shape[1] - 1), group)
        targets += [idx[r, group], idx[r, rest]]
    while True:
        changed = True
        while changed:
            changed = False
            for parts, total, _value in relations:
                while _unsafe(parts, total, flat, hid, primary, threshold):
                    if not _hide_one(_cells(parts, total), flat, hid, fixed):
                        break  # only zeros left: nothing more can be hidden here
                    changed = True
        # every line is safe on its own; now all of them together (a reader combines them)
        leak = _audit(flat, hid, primary, threshold, relations, targets)
        if leak is None:
            break
        near = [_cells(p, t) for p, t, _ in relations if hid[_cells(p, t)].any()
                and np.isin(_cells(p, t), leak[hid[leak]]).any()]  # fmt: skip
        around = [_cells(p, t) for p, t, _ in relations if hid[_cells(p, t)].any()]
        if not any(_hide_one(c, flat, hid, fixed) for c in [leak, *near, *around]):
            break  # nothing visible is left to hide: the leak is left to the audit tests
    return hid.reshape(counts.shape)


def _cells(parts: np.ndarray, total: int | None) -> np.ndarray:
    return parts if total is None else np.append(parts, total)


def _hide_one(cells: np.ndarray, flat: np.ndarray, hid: np.ndarray, fixed: np.ndarray) -> bool:
    """Hide the smallest non-zero visible cell among ``cells``; False when there is none."""
    candidates = cells[~hid[cells] & ~fixed[cells] & (flat[cells] > 0)]
    if candidates.size == 0:
        return False
    hid[candidates[np.argmin(flat[candidates])]] = True
    return True


def _audit(
    flat: np.ndarray,
    hid: np.ndarray,
    primary: np.ndarray,
    threshold: int,
    relations: list,
    targets: list[np.ndarray],
) -> np.ndarray | None:
    """The cells of a small count that all published sums together pin, or None.

    The hidden cells are integer unknowns (a small cell in ``1..threshold-1``, an ``x`` at
    least ``threshold``) tied by every published sum. For each small cell, for the hidden
    part of each sum with a known total and for each protected sum (``targets``), the
    smallest and largest value consistent with everything published are found
    (``scipy.optimize.milp``); one possible value between 1 and ``threshold - 1`` is a leak.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    unknown = np.flatnonzero(hid)
    if unknown.size == 0:
        return None
    pos = np.full(flat.size, -1)
    pos[unknown] = np.arange(unknown.size)
    rows, rhs = [], []
    candidates: list[tuple[np.ndarray, float, np.ndarray]] = [
        (np.array([pos[c]]), 0.0, np.array([c])) for c in unknown if primary[c]
    ]
    for parts, total, value in relations:
        row = np.zeros(unknown.size)
        hp = parts[hid[parts]]
        np.add.at(row, pos[hp], 1.0)
        b = -float(flat[parts[~hid[parts]]].sum())
        if total is None:
            b += value
        elif hid[total]:
            row[pos[total]] -= 1.0
        else:
            b += flat[total]
        rows.append(row)
        rhs.append(b)
        if hp.size and (total is None or not hid[total]):
            candidates.append((pos[hp], 0.0, hp))
    for cells in targets:
        hp = cells[hid[cells]]
        if hp.size:
            candidates.append((pos[hp], float(flat[cells[~hid[cells]]].sum()), cells))
    cons = LinearConstraint(np.array(rows), np.array(rhs), np.array(rhs))
    big = float(flat.max()) + 1.0
    bounds = Bounds(
        np.where(primary[unknown], 1.0, float(threshold)),
        np.where(primary[unknown], threshold - 1.0, big),
    )
    integrality = np.ones(unknown.size)
    for where, offset, cells in candidates:
        obj = np.zeros(unknown.size)
        obj[where] = 1.0
        ends = []
        for sign in (1.0, -1.0):
            res = milp(sign * obj, constraints=cons, integrality=integrality, bounds=bounds)
            if res.status != 0:
                break
            ends.append(round(sign * res.fun) + offset)
        if len(ends) == 2 and ends[0] == ends[1] and 0 < ends[0] < threshold:
            return cells
    return None


def suppress(
    table: pd.DataFrame,
    threshold: int = 5,
    margins: bool = True,
    sums: Sequence[tuple[Hashable, Sequence[Hashable]]] = (),
    protect: Sequence[tuple[Hashable, Sequence[Hashable]]] = (),
    row_totals_shown: bool = False,
) -> SuppressedTable:
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
    sums : sequence of (row, columns), optional
        Further sums published beside the table, each the sum of some columns of one row
        (the survey's ``Svar 4-5`` shown in the share table): they, and the rest of their
        row, are protected like the margins.
    protect : sequence of (row, columns), optional
        Sums of some columns of one row that are not published but must not be
        recoverable as a count ``1..threshold-1`` (a ``Svar 4-5`` hidden beside the table
        because fewer than ``threshold`` answered 1-3), nor the rest of their row.
    row_totals_shown : bool, default False
        The row totals are published elsewhere (``Svar (n)``): never hidden here.

    Every small cell, the hidden part of every published sum and every protected sum is
    then checked against all published sums together (an integer program per cell); more
    cells are hidden until none of them has a single possible value below the threshold.

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
    extra, guard = [], []
    for row, group in sums:
        r = table.index.get_loc(row)
        cols = np.array([table.columns.get_loc(c) for c in group], dtype=int)
        extra.append((int(r), cols, float(counts[r, cols].sum())))
    for row, group in protect:
        cols = np.array([table.columns.get_loc(c) for c in group], dtype=int)
        guard.append((int(table.index.get_loc(row)), cols))
    keep = np.zeros(full.shape, dtype=bool)
    if row_totals_shown:
        keep[:-1, -1] = True
    hidden = _secondary(full, primary, threshold, extra, guard, keep)
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


def unpublishable_share(x: ArrayLike, n: ArrayLike, threshold: int = 5) -> np.ndarray:
    """Where a share ``x / n`` may not be shown: the rule of :func:`suppress_share`, vectorised.

    True where the denominator, the numerator or the complement ``n - x`` is between 0
    and the threshold. A figure draws a share, and its band, only where this is False,
    so it shows exactly what the table beside it shows.

    >>> unpublishable_share([0, 2, 10, 27, 5], [28, 28, 28, 28, 3]).tolist()
    [False, True, False, True, True]
    """
    threshold = check_positive_int(threshold, "threshold")
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)

    def small(v: np.ndarray) -> np.ndarray:
        return (v > 0) & (v < threshold)

    return small(n) | small(x) | small(n - x)
