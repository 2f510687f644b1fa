"""Small-cell suppression (diskretionering): the one place where counts are hidden.

Primary suppression hides counts ``0 < n < threshold`` (zeros are shown: a known zero
reveals nobody). Secondary suppression then protects them from the published sums: no
row or column (its margin total included) and no sum published elsewhere (``sums``) may
hold exactly one hidden cell, hide fewer than ``threshold`` persons together or pin a
small cell (three ``<5`` summing to 3 are 1 each), and no combination of them may pin a
small cell or a protected sum (``protect``) below the threshold. By default the fewest
secondary cells that meet this are chosen by a mixed-integer program (:func:`_optimal`,
as tau-argus and sdcTable do); large tables use the greedy rule (the smallest non-zero
visible cell of an unsafe line is hidden, until every line is safe). Every pattern is
audited with all sums together before it is returned (:func:`_audit`). Row and column
totals are assumed known (published or derivable) even with ``margins=False``, so the
protection never depends on whether the margins are shown.

Danmarks Statistik requires at least 3 persons behind a cell; Danish analyses commonly
show counts under 5 as ``<5``, which is our default.

References
----------
Hundepool, A. et al. (2012). *Statistical Disclosure Control*, ch. 4 (cell suppression).
Wiley.
Fischetti, M. and Salazar-González, J.-J. (2001). Solving the cell suppression problem
on tabular data with linear constraints. *Management Science* 47(7), 1008-1027.
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
    "UnprotectableTable",
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
    method: str = "optimal",
    forced: np.ndarray | None = None,
) -> np.ndarray:
    """Extend ``hidden`` until no published sum reveals a small count.

    ``counts`` includes the margins (last row and column) so totals take part; ``sums``
    are further published sums ``(row, column indices, value)``; ``protect`` are sums
    ``(row, column indices)`` that are not published and must not be recoverable as a
    small count either; ``keep`` marks cells published elsewhere (never hidden).

    ``method="optimal"`` chooses the fewest cells (:func:`_optimal`); when that is not
    possible (more than :data:`OPTIMAL_MAX_CELLS` cells could be hidden, or no pattern was
    found within :data:`OPTIMAL_MAX_ROUNDS` rounds) the greedy rule (:func:`_greedy`)
    is used from there. Either way the pattern returned has passed :func:`_audit`.
    ``forced`` marks further cells to hide that are not small (hidden for another
    report's sake, ``suppress(hide=...)``): the optimal rule keeps them hidden (and
    gives each line through them a second hidden cell, as any hidden cell), the greedy
    rule starts from them.

    Raises
    ------
    UnprotectableTable
        When no pattern passes the audit (only zeros and cells published elsewhere are
        left to hide): such a table must not be published.
    """
    if method not in ("optimal", "greedy"):
        raise ValueError(f"method must be 'optimal' or 'greedy', but was {method!r}")
    primary = hidden.ravel().copy()
    flat = counts.ravel()
    fixed = np.zeros(flat.size, dtype=bool) if keep is None else keep.ravel() & ~primary
    relations = _relations(counts, sums or [])
    idx = np.arange(flat.size).reshape(counts.shape)
    targets, beside = [], []
    for r, group in protect or []:
        rest = np.setdiff1d(np.arange(counts.shape[1] - 1), group)
        targets += [idx[r, group], idx[r, rest]]
        beside.append(idx[r, group])
    start = None if forced is None or not (forced.ravel() & ~primary).any() else forced.ravel()
    hid = None
    if method == "optimal":
        hid = _optimal(
            flat, primary, threshold, relations, (targets, beside), fixed, counts.shape, start
        )
    if hid is None:
        hid, safe = _greedy(
            flat, primary, threshold, relations, (targets, beside), fixed, hid=start
        )
        if not safe:
            raise _unprotectable(threshold)
    return hid.reshape(counts.shape)


class UnprotectableTable(ValueError):
    """No suppression pattern protects every small count of a table: do not publish it."""


def _unprotectable(threshold: int) -> UnprotectableTable:
    return UnprotectableTable(
        f"no suppression pattern protects every count below {threshold} in this table "
        "(even with every other non-zero count hidden, the totals shown and the small "
        "cells' bounds give one away); it must not be published"
    )


def _greedy(
    flat: np.ndarray,
    primary: np.ndarray,
    threshold: int,
    relations: list,
    protected: tuple[list[np.ndarray], list[np.ndarray]],
    fixed: np.ndarray,
    hid: np.ndarray | None = None,
) -> tuple[np.ndarray, bool]:
    """The greedy rule: hide the smallest non-zero visible cell of an unsafe line.

    First every line on its own (:func:`_unsafe`), then all of them together
    (:func:`_audit`): the smallest non-zero visible cell of a sum through the leak is
    hidden, until nothing leaks or nothing is left to hide. Starts from ``hid`` (default
    the primary cells). Returns the pattern and whether it passed the audit.
    """
    hid = primary.copy() if hid is None else hid.copy()
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
        leak = _audit(flat, hid, primary, threshold, relations, *protected)
        if leak is None:
            return hid, True
        near = [_cells(p, t) for p, t, _ in relations if hid[_cells(p, t)].any()
                and np.isin(_cells(p, t), leak[hid[leak]]).any()]  # fmt: skip
        around = [_cells(p, t) for p, t, _ in relations if hid[_cells(p, t)].any()]
        if not any(_hide_one(c, flat, hid, fixed) for c in [leak, *near, *around]):
            return hid, False  # nothing visible is left to hide


OPTIMAL_MAX_CELLS = 300
"""Above this many cells that could be hidden, secondary suppression is greedy."""
OPTIMAL_MAX_ROUNDS = 40
"""Rounds of the optimal search (one integer program and one audit each) before greedy."""


def _optimal(
    flat: np.ndarray,
    primary: np.ndarray,
    threshold: int,
    relations: list,
    protected: tuple[list[np.ndarray], list[np.ndarray]],
    fixed: np.ndarray,
    shape: tuple[int, ...],
    forced: np.ndarray | None = None,
) -> np.ndarray | None:
    """The fewest secondary cells that protect every small count; None when not found.

    A mixed-integer program (``scipy.optimize.milp``) over one 0/1 unknown ``h`` per cell
    (1: hidden; primary cells 1, zeros and ``fixed`` cells 0). Its constraints are the
    protection requirements of each published sum on its own (each is necessary):

    * no line holds exactly one hidden cell (it would equal the total minus the rest);
    * a line with a small cell and a known total hides at least ``threshold`` persons
      (the hidden part of a line is a group too);
    * no small cell is pinned by its line: with ``p`` small cells summing to ``P`` and
      secondary cells (each read as "at least the threshold") the hidden part minus
      ``threshold`` per secondary cell is at least ``p + 1``, and ``p`` small cells all
      ``threshold - 1`` need a secondary cell beside them;
    * a protected sum below the threshold has a hidden cell in the rest of its row.

    The cost of hiding a cell is lexicographic: first the number of hidden cells, then
    their total (small cells are cheaper to hide than large ones), then position (the
    first in row-major order is hidden on a tie), so the result is deterministic. The
    optimum is then audited with all sums together (:func:`_audit`); a leak adds cuts and
    the program is solved again: a Benders cut from the reader's linear program when a
    small cell or a protected sum is pinned (:func:`_lp_cut`), and always a cut on the
    leaking group of hidden cells (some secondary cell of it must be shown instead, or a
    cell on one of its lines hidden; no other change can close it, :func:`_cut`). Every
    cut removes only unsafe patterns, so the first pattern the audit passes is optimal. Gives up (None) above :data:`OPTIMAL_MAX_CELLS` hideable cells, after
    :data:`OPTIMAL_MAX_ROUNDS` rounds or when the program has no solution.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    t = float(threshold)
    free = ~primary & ~fixed & (flat > 0)
    cand = np.flatnonzero(free)
    must = primary if forced is None else primary | (forced & free)
    if not must.any():
        return must.copy()
    if cand.size > OPTIMAL_MAX_CELLS:
        return None
    n = flat.size
    lb, ub = must.astype(float), (primary | free).astype(float)
    rows: list[np.ndarray] = []
    rhs: list[float] = []

    def need(coef: dict[int, float], bound: float) -> None:
        row = np.zeros(n)
        for c, a in coef.items():
            row[c] += a
        rows.append(row)
        rhs.append(bound)

    for parts, total, _value in relations:
        cells = _cells(parts, total)
        live = cells[ub[cells] > 0]
        for d in live:  # one hidden cell alone is pinned
            need({**{int(c): 1.0 for c in live}, int(d): -1.0}, 0.0)
        small = parts[primary[parts]]
        if small.size == 0:
            continue
        tot = {} if total is None else {int(total): 1.0}
        sec = parts[free[parts]]
        # the hidden part of the line is at least the threshold (or the total is hidden)
        need({**{int(c): float(flat[c]) for c in parts[ub[parts] > 0]},
              **{k: t for k in tot}}, t)  # fmt: skip
        lack = small.size + 1 - float(flat[small].sum())
        if lack > 0:  # the small cells would all be 1
            need({**{int(c): float(flat[c]) - t for c in sec}, **{k: lack for k in tot}}, lack)
        if float(flat[small].sum()) >= small.size * (t - 1):  # all threshold - 1
            need({**{int(c): 1.0 for c in sec}, **tot}, 1.0)
    cols = shape[1]
    for cells in protected[0]:
        if 0 < flat[cells].sum() < t:  # a small protected sum: the rest of its row
            r = int(cells[0]) // cols
            row_cells = np.arange(r * cols, (r + 1) * cols)
            rest = np.setdiff1d(row_cells, cells)
            need({int(c): 1.0 for c in rest[ub[rest] > 0]}, 1.0)
    # lexicographic cost: count, then value, then position
    rank = np.zeros(n)
    rank[cand] = np.arange(cand.size)
    value_sum = float(flat[cand].sum())
    step = cand.size * (cand.size + 1) / 2 + 1.0
    if (value_sum + 1.0) * 2 * step * max(cand.size, 1) > 2.0**50:
        step, rank[:] = 1.0, 0.0  # too large for exact ties by position: count and value
    cost = np.where(free, ((value_sum + 1.0) + flat) * step + rank, 0.0)
    integrality = np.ones(n)
    for _round in range(OPTIMAL_MAX_ROUNDS):
        cons = [LinearConstraint(np.array(rows), np.array(rhs), np.inf)] if rows else []
        res = milp(
            cost, constraints=cons, integrality=integrality, bounds=Bounds(lb, ub),
            options={"mip_rel_gap": 0.0},
        )  # fmt: skip
        if res.status != 0 or res.x is None:
            return None
        hid = res.x > 0.5
        leak = _audit(flat, hid, primary, threshold, relations, *protected)
        if leak is None:
            return hid
        pinned = (leak.size == 1 and primary[leak[0]]) or any(
            np.array_equal(leak, c) for c in protected[0]
        )
        lp = _lp_cut(leak, hid, flat, primary, free, threshold, relations, protected[1])
        if pinned and lp is not None:
            need(*lp)
        coef, bound = _cut(leak, hid, free, relations)
        if not coef:
            return None
        need(coef, bound)
    return None


def _lp_cut(
    target: np.ndarray,
    hid: np.ndarray,
    flat: np.ndarray,
    primary: np.ndarray,
    free: np.ndarray,
    threshold: int,
    relations: list,
    beside: list[np.ndarray],
) -> tuple[dict[int, float], float] | None:
    """A Benders cut from the reader's linear program (Fischetti and Salazar, 2001).

    ``target`` (a small cell or a protected sum) has one possible value under ``hid``.
    The reader's largest value of it minus the true one, in the linear relaxation, is at
    most ``K + sum(coef[c] * h[c])`` for every pattern ``h`` (weak duality with the
    duals of this pattern: a cell's bounds widen from its true value to ``threshold ..
    big`` when it is hidden), and so is the true one minus the smallest. A safe pattern
    moves the target at least 1 way or the other, so ``sum(coef_up + coef_down) * h >= 1
    - K_up - K_down``. None when the relaxation already moves it (the cut would not
    remove this pattern) or the program fails.
    """
    from scipy.optimize import linprog

    t = float(threshold)
    n = flat.size
    a = flat.astype(float)
    big = float(flat.max()) + 1.0
    a_eq, b_eq = [], []
    for parts, total, value in relations:
        row = np.zeros(n)
        row[parts] = 1.0
        if total is None:
            b_eq.append(value)
        else:
            row[total] = -1.0
            b_eq.append(0.0)
        a_eq.append(row)
    a_ub, b_ub = [], []
    for cells in beside:
        v = float(flat[cells].sum())
        small = 0 < v < t
        row = np.zeros(n)
        row[cells] = 1.0
        if small:
            a_ub += [row, -row]
            b_ub += [t - 1.0, -1.0]
        elif v > 0:
            a_ub.append(-row)
            b_ub.append(-t)
    lo = np.where(hid, np.where(primary, 1.0, t), a)
    hi = np.where(hid, np.where(primary, t - 1.0, big), a)
    lb_dev = np.where(primary, a - 1.0, np.where(free, a - t, 0.0))  # when hidden
    ub_dev = np.where(primary, t - 1.0 - a, np.where(free, big - a, 0.0))
    obj = np.zeros(n)
    obj[target] = 1.0
    coef = np.zeros(n)
    const = 0.0
    spread = 0.0
    for sign in (-1.0, 1.0):  # largest, then smallest
        res = linprog(
            sign * obj,
            A_ub=np.array(a_ub) if a_ub else None,
            b_ub=np.array(b_ub) if b_ub else None,
            A_eq=np.array(a_eq),
            b_eq=np.array(b_eq),
            bounds=np.column_stack([lo, hi]),
            method="highs",
        )
        if res.status != 0:
            return None
        spread += abs(res.fun - sign * float(a[target].sum()))
        # reduced costs from the row duals (a shown cell's bounds meet: split by sign)
        d = sign * obj - np.array(a_eq).T @ res.eqlin.marginals
        if a_ub:
            d -= np.array(a_ub).T @ res.ineqlin.marginals
        c = ub_dev * np.maximum(-d, 0.0) + lb_dev * np.maximum(d, 0.0)
        coef += c
        const += float(c[primary].sum())
        if a_ub:
            slack = np.array(b_ub) - np.array(a_ub) @ a
            const += float(np.maximum(-res.ineqlin.marginals, 0.0) @ slack)
    if spread >= 1.0 - 1e-6:
        return None
    use = {int(c): float(coef[c]) for c in np.flatnonzero(free & (coef > 1e-9))}
    return use, 1.0 - const


def _cut(
    leak: np.ndarray, hid: np.ndarray, free: np.ndarray, relations: list
) -> tuple[dict[int, float], float]:
    """A constraint that every safe pattern meets and the leaking one does not.

    The hidden cells linked to the leak through published sums (its component) and the
    sums through them: as long as all secondary cells of the component stay hidden and
    no visible cell of those sums is hidden, the reader has the same equations and the
    same leak. So ``sum(h[visible cells of those sums]) - sum(h[secondary cells of the
    component]) >= 1 - (number of those secondary cells)``.
    """
    lines = [c[hid[c]] for c in (_cells(p, t) for p, t, _ in relations)]
    comp = set(int(c) for c in leak[hid[leak]])
    grown = True
    while grown:
        grown = False
        for line in lines:
            if (
                line.size
                and comp.intersection(line.tolist())
                and not comp.issuperset(line.tolist())
            ):
                comp.update(int(c) for c in line)
                grown = True
    touching = [_cells(p, t) for p, t, _ in relations if comp.intersection(_cells(p, t).tolist())]
    visible = {int(c) for cells in touching for c in cells if free[c] and not hid[c]}
    secondary = [c for c in sorted(comp) if free[c]]
    coef = {c: 1.0 for c in visible}
    coef.update({c: -1.0 for c in secondary})
    return coef, 1.0 - len(secondary)


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
    targets: list[np.ndarray] | tuple = (),
    beside: list[np.ndarray] | tuple = (),
) -> np.ndarray | None:
    """The cells of a small count that all published sums together pin, or None.

    The hidden cells are integer unknowns (a small cell in ``1..threshold-1``, an ``x`` at
    least ``threshold``) tied by every published sum. The smallest and largest value of
    each hidden cell consistent with everything published are found
    (``scipy.optimize.milp``): a small cell with one possible value is a leak, and an
    ``x`` with one possible value is as good as shown. Then the hidden part of each sum
    whose total is known (shown or pinned), less its pinned cells, has one value: between
    1 and ``threshold - 1`` it is a leak (a small group, e.g. everyone who answered 1-3).
    Last each protected sum (``targets``): one possible value between 1 and ``threshold -
    1`` is a leak. Returns the cells of the first leak (for a sum: all its cells).

    The protected sums in ``beside`` are shown beside the table as a survey's hidden
    ``Svar 4-5`` is: ``0``, ``<5`` when small, else ``x`` (at least the threshold); the
    reader knows that much of them.

    The true counts are one consistent solution, and every solution an integer program
    finds is kept: a quantity that differs between two of them has more than one possible
    value and needs no program of its own.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    unknown = np.flatnonzero(hid)
    if unknown.size == 0:
        return None
    pos = np.full(flat.size, -1)
    pos[unknown] = np.arange(unknown.size)
    rows, rhs = [], []
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
    lows, highs = list(rhs), list(rhs)
    for cells in beside:
        hp = cells[hid[cells]]
        if hp.size == 0:
            continue
        row = np.zeros(unknown.size)
        row[pos[hp]] = 1.0
        v, shown = float(flat[cells].sum()), float(flat[cells[~hid[cells]]].sum())
        small = 0 < v < threshold
        rows.append(row)
        lows.append((1.0 if small else float(threshold)) - shown)
        highs.append((threshold - 1.0 if small else np.inf) - shown)
    cons = LinearConstraint(np.array(rows), np.array(lows), np.array(highs))
    big = float(flat.max()) + 1.0
    bounds = Bounds(
        np.where(primary[unknown], 1.0, float(threshold)),
        np.where(primary[unknown], threshold - 1.0, big),
    )
    integrality = np.ones(unknown.size)
    truth = flat[unknown].astype(float)
    found = [truth]  # consistent solutions: the true counts and those found below
    low = bounds.lb

    def solve(obj: np.ndarray) -> np.ndarray | None:
        res = milp(obj, constraints=cons, integrality=integrality, bounds=bounds)
        return None if res.status != 0 or res.x is None else np.round(res.x)

    if unknown.size > 2:  # one solution as far from the truth as may be: most cells move
        away = solve(np.where(truth <= low, -1.0, 1.0))
        if away is not None:
            found.append(away)

    def pinned(where: np.ndarray) -> bool:
        value = float(truth[where].sum())
        if any(abs(sol[where].sum() - value) > 0.5 for sol in found):
            return False  # two consistent values already
        obj = np.zeros(unknown.size)
        obj[where] = 1.0
        # at its lower bound a quantity can only go up: look there first
        for sign in (-1.0, 1.0) if np.all(truth[where] <= low[where]) else (1.0, -1.0):
            sol = solve(sign * obj)
            if sol is None:
                return False  # as before: no answer is no leak (the truth is consistent)
            if abs(sol[where].sum() - value) > 0.5:
                found.append(sol)
                return False
        return True

    known = np.zeros(flat.size, dtype=bool)  # hidden, but with one possible value
    for order in (primary[unknown], ~primary[unknown]):  # small cells first
        for k in np.flatnonzero(order):
            if pinned(np.array([k])):
                if primary[unknown[k]]:
                    return np.array([unknown[k]])
                known[unknown[k]] = True
    for parts, total, _value in relations:
        if total is not None and hid[total] and not known[total]:
            continue
        rest = parts[hid[parts] & ~known[parts]]
        if 0 < flat[rest].sum() < threshold:
            return _cells(parts, total)
    for cells in targets:
        hp = cells[hid[cells]]
        if hp.size and pinned(pos[hp]) and 0 < flat[cells].sum() < threshold:
            return cells
    return None


def suppress(
    table: pd.DataFrame,
    threshold: int = 5,
    margins: bool = True,
    sums: Sequence[tuple[Hashable, Sequence[Hashable]]] = (),
    protect: Sequence[tuple[Hashable, Sequence[Hashable]]] = (),
    row_totals_shown: bool = False,
    method: str = "optimal",
    hide: Sequence[tuple[Hashable, Hashable]] = (),
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
    method : {"optimal", "greedy"}, default "optimal"
        How the secondary cells are chosen. ``"optimal"``: the fewest cells (then the
        smallest total, then the first in row-major order) that meet the protection
        requirements, found by a mixed-integer program (:func:`_optimal`); a table with
        more than :data:`OPTIMAL_MAX_CELLS` cells that could be hidden, or one where no
        pattern is found within :data:`OPTIMAL_MAX_ROUNDS` rounds, falls back to the
        greedy rule. ``"greedy"``: the smallest visible cell of each unsafe line, line by
        line (hides more).
    hide : sequence of (row, column), optional
        Cells to hide although they are not small (shown as ``x``), e.g. because the
        same cell of another report published together must not be recoverable
        (:mod:`evalkit.disclosure.coordinate`); ``I alt`` names a margin. They are then
        protected like any hidden cell (no line holds one hidden cell alone): the
        optimal rule adds the fewest cells around them, the greedy rule starts from them.
        Unknown labels and zeros are ignored (a known zero reveals nobody; another
        report's table may lack the row).

    Every small cell, the hidden part of every published sum and every protected sum is
    then checked against all published sums together (an integer program per cell, the
    audit): no pattern is returned unless none of them has a single possible value
    below the threshold.

    Returns
    -------
    SuppressedTable

    Raises
    ------
    ValueError
        When a cell is negative, not whole or missing.
    UnprotectableTable
        (a ``ValueError``) When no pattern passes the audit, not even hiding every other
        non-zero cell (the small cells lie among zeros and counts published elsewhere):
        the table must not be published.

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
    forced = primary.copy()
    rows = {r: i for i, r in enumerate([*table.index, TOTAL_LABEL])}
    cols = {c: j for j, c in enumerate([*table.columns, TOTAL_LABEL])}
    for row, col in hide:
        i, j = rows.get(row), cols.get(col)
        if i is not None and j is not None and full[i, j] > 0 and not keep[i, j]:
            forced[i, j] = True
    hidden = _secondary(full, primary, threshold, extra, guard, keep, method, forced)
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
