"""The spell rules on a block of persons: int8 status matrix in calendar weeks -> spells.

:func:`spells_block` states the rules of ``docs/spells.md`` on a dense int8 matrix of
status codes (persons x calendar weeks, codes index :data:`evalkit.schemas.STATUS_CATEGORIES`,
-1 where a person has no row) without aligning the matrix to each person's start:
a run of ``k`` self-supporting weeks is found with ``k - 1`` shifted ANDs along the
calendar weeks (a moving window, as a cumulative-sum difference would, but in bytes), and
the first run or competing exit inside each person's follow-up window is the first true
cell of a masked matrix; the few cells per person read afterwards (week 26, the exit
week + 13 and + 26, weeks 0-26 after start) are gathered by flat index. Everything is vectorised over the block;
callers loop over blocks of a few thousand persons (:func:`evalkit.spells.build_spells`,
:mod:`evalkit.columnar`), so memory is a few times the block's int8 matrix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from evalkit.schemas import STATUS_CATEGORIES

__all__ = ["BLOCK", "SELF_CODE", "competing_codes", "spells_block"]

SELF_CODE = STATUS_CATEGORIES.index("selvforsoergende")
BLOCK = 4096  # persons per block: the block's temporaries stay in the CPU caches' range


def competing_codes(competing: Sequence[str]) -> np.ndarray:
    """Codes of the competing categories, in the order given (cause 2, 3, ...).

    Raises
    ------
    ValueError
        For a category that is unknown or is ``selvforsoergende``.
    """
    out = []
    for c in competing:
        if c not in STATUS_CATEGORIES or c == STATUS_CATEGORIES[SELF_CODE]:
            raise ValueError(
                f"competing must hold status categories other than "
                f"{STATUS_CATEGORIES[SELF_CODE]!r}, but had {c!r}"
            )
        out.append(STATUS_CATEGORIES.index(c))
    return np.array(out, np.int8)


def _first_in_window(mask: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """First column ``c`` with ``lo <= c <= hi`` and ``mask[:, c]``, -1 when none.

    Only ``c >= lo`` is masked (one compare in the narrowest integer type); the first
    such column beyond ``hi`` means none in the window.
    """
    w = mask.shape[1]
    dtype = np.int16 if w < 32_000 else np.int32
    c = np.arange(w, dtype=dtype)
    m = mask & (c >= np.minimum(lo, w).astype(dtype)[:, None])
    first = m.argmax(axis=1)
    hit = m.ravel().take(np.arange(len(first)) * w + first) & (first <= hi)
    return np.where(hit, first, -1)


def _runs(is_self: np.ndarray, k: int) -> np.ndarray:
    """``r[:, c]``: weeks ``c .. c + k - 1`` are all self-supporting (shape (n, W - k + 1))."""
    w = is_self.shape[1] - k + 1
    r = is_self[:, :w].copy()
    for j in range(1, k):  # k - 1 shifted ANDs (k is the rule's small constant)
        r &= is_self[:, j : j + w]
    return r


def spells_block(
    codes: np.ndarray,
    start_col: np.ndarray,
    k: int,
    comp_codes: np.ndarray,
    *,
    hours: np.ndarray | None = None,
    last_col: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Spells of one block of persons (the rules of ``docs/spells.md``).

    Parameters
    ----------
    codes : ndarray of int8, shape (n, W)
        Status codes by calendar week, -1 where there is no row; the last column is the
        end of the data (cut at ``as_of`` by the caller).
    start_col : ndarray of int, shape (n,)
        Calendar column of each person's start week (negative: before the first column).
    k : int
        Consecutive self-supporting weeks that make an exit to self-support.
    comp_codes : ndarray of int8
        Codes of the competing categories (:func:`competing_codes`).
    hours : ndarray, shape (n, W), optional
        Ordinary hours (for ``employed_26``/``employed_by_26``); none means 0.
    last_col : ndarray of int, shape (n,), optional
        Each person's last observed column (at most ``W - 1``); default: their last
        column with a row (-1 when none).

    Returns
    -------
    dict of str to ndarray, each shape (n,)
        ``duration``, ``event`` (0/1), ``cause`` (0 censored, 1 self-support, 2, ...
        competing in the order of ``comp_codes``), ``followup_end``, ``exit_col``
        (calendar column of the exit, -1 when censored), ``status_13``/``status_26``
        (int8 codes, -1 when not observed), ``employed_26``/``employed_by_26`` (float,
        NaN when week 26 is not observed) and ``entry``.

    Notes
    -----
    The first week that ends the spell is the first column in the person's follow-up
    window ``[max(start, 0), start + followup_end]`` that begins a run of ``k``
    self-supporting weeks or has a competing status; a column cannot be both (a run
    begins with a self-supporting week), so that column's status says which it is.
    """
    n, w = codes.shape
    start = np.asarray(start_col, dtype=np.int64)
    rows = np.arange(n)
    if w == 0:  # the data end before the first week: nothing is observed
        codes = np.full((n, 1), -1, np.int8)
        hours = None
        w = 1
    codes = np.ascontiguousarray(codes)
    flat = codes.ravel()
    base = rows * w  # flat index of each person's column 0
    if last_col is None:
        has_row = codes >= 0
        last_col = np.where(has_row.any(axis=1), w - 1 - has_row[:, ::-1].argmax(axis=1), -1)
        del has_row
    last_t = np.asarray(last_col, dtype=np.int64) - start
    followup_end = np.maximum(last_t - k + 1, 0)
    lo = np.maximum(start, 0)
    hi = start + followup_end

    stop = np.zeros(codes.shape, bool)  # a competing exit in this week ...
    for code in comp_codes:  # (a loop over the few competing categories)
        stop |= codes == code
    if w >= k:
        stop[:, : w - k + 1] |= _runs(codes == SELF_CODE, k)  # or a run of k begins here
    first = _first_in_window(stop, lo, hi)
    del stop
    found = first >= 0
    first_code = flat.take(base + np.clip(first, 0, w - 1))
    event = found & (first_code == SELF_CODE)
    comp = found & ~event
    duration = np.where(found, first - start, followup_end)
    cause_of_code = np.zeros(256, np.int64)
    cause_of_code[comp_codes.astype(np.uint8)] = 2 + np.arange(len(comp_codes))
    cause = np.where(event, 1, np.where(comp, cause_of_code[first_code.view(np.uint8)], 0))

    out: dict[str, np.ndarray] = {
        "duration": duration.astype(np.int64),
        "event": event.astype(np.int64),
        "cause": cause.astype(np.int64),
        "followup_end": followup_end.astype(np.int64),
        "exit_col": np.where(found, first, -1).astype(np.int64),
    }
    for lag in (13, 26):
        tt = duration + lag
        col = start + tt
        code = flat.take(base + np.clip(col, 0, w - 1))
        ok = event & (tt <= last_t) & (col >= 0) & (col < w) & (code >= 0)
        out[f"status_{lag}"] = np.where(ok, code, -1).astype(np.int8)
    # week 26 after start, and weeks max(start, 0) .. start + 26 (gathered: 27 per person)
    c26 = start + 26
    window = lo[:, None] + np.arange(27)[None, :]
    inside = window <= c26[:, None]
    safe = base[:, None] + np.clip(window, 0, w - 1)
    wcodes = flat.take(safe)
    working = wcodes == SELF_CODE
    if hours is not None:
        working |= np.ascontiguousarray(hours).ravel().take(safe) > 0
    working &= inside
    at26 = np.clip(c26 - lo, 0, 26)
    code26 = wcodes.ravel().take(rows * 27 + at26)
    ok26 = (26 <= last_t) & (c26 >= 0) & (c26 < w) & (code26 >= 0)
    emp = working.ravel().take(rows * 27 + at26)
    reached = working.any(axis=1)
    out["employed_26"] = np.where(ok26, emp.astype(float), np.nan)
    out["employed_by_26"] = np.where(ok26, reached.astype(float), np.nan)
    out["entry"] = np.where(start < 0, -start, -1).astype(np.int64)
    return out
