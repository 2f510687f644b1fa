"""The spell rules on a block of persons: int8 status matrix in calendar weeks -> spells.

:func:`spells_block` states the rules of ``docs/spells.md`` on a dense int8 matrix of
status codes (persons x calendar weeks, codes index :data:`evalkit.schemas.STATUS_CATEGORIES`,
-1 where a person has no row) without aligning the matrix to each person's start:
a run of ``k`` self-supporting weeks is found with a cumulative sum along the calendar
weeks, and the first run (or competing exit) inside each person's follow-up window is
the first true cell of a masked matrix. Everything is vectorised over the block;
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
    """First column ``c`` with ``lo <= c <= hi`` and ``mask[:, c]``, -1 when none."""
    c = np.arange(mask.shape[1], dtype=np.int32)
    m = mask & (c >= lo[:, None]) & (c <= hi[:, None])
    first = m.argmax(axis=1)
    return np.where(m[np.arange(len(first)), first], first, -1)


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
    """
    n, w = codes.shape
    start = np.asarray(start_col, dtype=np.int64)
    rows = np.arange(n)
    if w == 0:  # the data end before the first week: nothing is observed
        codes = np.full((n, 1), -1, np.int8)
        hours = None
        w = 1
    if last_col is None:
        has_row = codes >= 0
        last_col = np.where(has_row.any(axis=1), w - 1 - has_row[:, ::-1].argmax(axis=1), -1)
    last_t = np.asarray(last_col, dtype=np.int64) - start
    followup_end = np.maximum(last_t - k + 1, 0)
    lo = np.maximum(start, 0)
    hi = start + followup_end

    is_self = codes == SELF_CODE
    csum = np.zeros((n, w + 1), np.int16 if w < 32767 else np.int32)
    np.cumsum(is_self, axis=1, out=csum[:, 1:])
    if w >= k:
        run = (csum[:, k:] - csum[:, : w - k + 1]) == k  # run of k self weeks from column c
        ev_col = _first_in_window(run, lo, hi)
    else:
        ev_col = np.full(n, -1, np.int64)
    lut = np.zeros(256, bool)
    lut[comp_codes.astype(np.uint8)] = True
    comp_col = _first_in_window(lut[codes.view(np.uint8)], lo, hi)
    has_event, has_comp = ev_col >= 0, comp_col >= 0
    event = has_event & (~has_comp | (ev_col < comp_col))
    comp = has_comp & ~event
    duration = np.where(event, ev_col - start, np.where(comp, comp_col - start, followup_end))
    cause_of_code = np.zeros(256, np.int64)
    cause_of_code[comp_codes.astype(np.uint8)] = 2 + np.arange(len(comp_codes))
    comp_code = codes[rows, np.clip(comp_col, 0, w - 1)].view(np.uint8)
    cause = np.where(event, 1, np.where(comp, cause_of_code[comp_code], 0))

    out: dict[str, np.ndarray] = {
        "duration": duration.astype(np.int64),
        "event": event.astype(np.int64),
        "cause": cause.astype(np.int64),
        "followup_end": followup_end.astype(np.int64),
        "exit_col": np.where(event | comp, start + duration, -1).astype(np.int64),
    }
    for lag in (13, 26):
        tt = duration + lag
        col = start + tt
        code = codes[rows, np.clip(col, 0, w - 1)]
        ok = event & (tt <= last_t) & (col >= 0) & (col < w) & (code >= 0)
        out[f"status_{lag}"] = np.where(ok, code, -1).astype(np.int8)
    c26 = start + 26
    code26 = codes[rows, np.clip(c26, 0, w - 1)]
    ok26 = (26 <= last_t) & (c26 >= 0) & (c26 < w) & (code26 >= 0)
    if hours is None:
        emp = code26 == SELF_CODE
        wsum = csum
    else:
        working = is_self | (hours > 0)
        emp = working[rows, np.clip(c26, 0, w - 1)]
        wsum = np.zeros((n, w + 1), np.int32)
        np.cumsum(working, axis=1, out=wsum[:, 1:])
    a, b = np.clip(lo, 0, w), np.clip(c26 + 1, 0, w)
    reached = (wsum[rows, b] - wsum[rows, a]) > 0
    out["employed_26"] = np.where(ok26, emp.astype(float), np.nan)
    out["employed_by_26"] = np.where(ok26, reached.astype(float), np.nan)
    out["entry"] = np.where(start < 0, -start, -1).astype(np.int64)
    return out
