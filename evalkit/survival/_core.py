"""Shared input preparation and counting for the survival estimators (private).

Everything here works on whole arrays: one pass of ``np.bincount`` over integer times
(the common case of weekly spells), or ``np.unique(return_inverse=True)`` followed by
``np.bincount`` for continuous times. Nothing loops over persons or times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evalkit._checks import (
    check_1d,
    check_binary,
    check_finite,
    check_nonnegative,
    check_same_length,
)

__all__: list[str] = []

# Integer durations up to this bound (or 4 n, whichever is larger) use the counting path.
_COUNTING_MAX = 1_000_000


def _numeric_1d(values: Any, name: str) -> np.ndarray:
    """One-dimensional numeric array (integer dtypes kept, so no float copy is made)."""
    arr = check_1d(values, name, dtype=None)
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int8)
    if arr.dtype.kind not in "iuf":
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} must be numeric, but had values such as {arr[:3].tolist()!r}"
            ) from None
    if arr.dtype.kind == "f":
        check_finite(arr, name)
    return arr


def _durations(values: Any, name: str = "durations") -> np.ndarray:
    arr = _numeric_1d(values, name)
    check_nonnegative(arr, name)
    return arr


def _events(values: Any, name: str = "events") -> np.ndarray:
    arr = _numeric_1d(values, name)
    if arr.dtype.kind in "iu" and arr.size and arr.min() >= 0 and arr.max() <= 1:
        # fast path for valid integer indicators; errors go through check_binary
        return arr.view(bool) if arr.dtype.itemsize == 1 else arr.astype(bool)
    return check_binary(arr, name)


def _codes(values: Any, name: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted levels of a label array and each row's small-integer code.

    Integer labels with a small range are coded by counting (no sort); other labels
    through ``pandas.factorize(sort=True)``. Missing labels raise ``ValueError``.
    """
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, but had shape {arr.shape}")
    check_same_length(durations=np.empty(n), **{name: arr})
    if arr.dtype.kind == "b":
        arr = arr.view(np.uint8)
    if arr.dtype.kind in "iu" and arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo < 64:
            # few labels (the usual two groups): one comparison pass per label value
            shifted = arr - arr.dtype.type(lo) if lo != 0 else arr
            present = np.array([(shifted == v).any() for v in range(hi - lo + 1)])
            levels = np.flatnonzero(present) + lo
            if present.all():
                return levels, shifted
            lookup = (np.cumsum(present) - 1).astype(np.min_scalar_type(levels.size))
            return levels, lookup[shifted]
        if hi - lo < 1_000_000:
            shifted = arr - arr.dtype.type(lo) if lo != 0 else arr
            present = np.bincount(shifted) > 0
            levels = np.flatnonzero(present) + lo
            lookup = (np.cumsum(present) - 1).astype(np.min_scalar_type(levels.size))
            return levels, lookup[shifted]
    isnull = pd.isna(arr)
    if isnull.any():
        i = int(np.flatnonzero(isnull)[0])
        raise ValueError(f"{name} must not be missing, but position {i} is {arr[i]!r}")
    codes, levels = pd.factorize(arr, sort=True)
    return np.asarray(levels), codes


def _weights(values: Any, n: int, name: str = "weights") -> np.ndarray | None:
    if values is None:
        return None
    arr = _numeric_1d(values, name).astype(float, copy=False)
    check_nonnegative(arr, name)
    check_same_length(durations=np.empty(n), **{name: arr})
    if not (arr > 0).any():
        raise ValueError(f"{name} must not all be zero, but all {arr.size} are 0")
    return arr


def _prepare(durations: Any, events: Any, weights: Any = None):
    """Validate ``durations``, ``events`` and optional ``weights``."""
    t = _durations(durations)
    d = _events(events)
    check_same_length(durations=t, events=d)
    w = _weights(weights, t.size)
    return t, d, w


def _integer_times(t: np.ndarray) -> np.ndarray | None:
    """``t`` as int64 when every value is a whole number within the counting bound."""
    if t.size == 0:
        return None
    tmax = t.max()
    if tmax > max(_COUNTING_MAX, 4 * t.size):
        return None
    if t.dtype.kind in "iu":
        return t.astype(np.int64, copy=False)
    if np.array_equal(t, np.floor(t)):
        return t.astype(np.int64)
    return None


def _time_index(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct times and each observation's index into them (both paths)."""
    ti = _integer_times(t)
    if ti is not None:
        present = np.bincount(ti) > 0
        times = np.flatnonzero(present)
        # map time value -> position among present times
        pos = np.cumsum(present) - 1
        return times.astype(float), pos[ti]
    times, inv = np.unique(t, return_inverse=True)
    return times.astype(float), inv.reshape(-1)


@dataclass(frozen=True, eq=False)
class _Counts:
    """Counts per distinct time (weighted where weights are given)."""

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    w2_event: np.ndarray | None = None
    w2_censor: np.ndarray | None = None
    w2_risk: np.ndarray | None = None


def _counts(t: np.ndarray, d: np.ndarray, w: np.ndarray | None, squares: bool = False) -> _Counts:
    """Numbers at risk, events and censorings at every distinct time.

    With ``squares`` the sums of squared weights (events, censorings, at risk) are
    returned as well, for the infinitesimal-jackknife variance.
    """
    ti = _integer_times(t)
    if ti is not None:
        if w is None:
            # one pass: cell 2 * time + event counts both totals and events
            m = int(ti.max()) + 1 if ti.size else 1
            both = np.bincount(ti * 2 + d, minlength=2 * m)
            n_all = both[0::2] + both[1::2]
            present = n_all > 0
            tot = n_all.astype(float)
            ev = both[1::2].astype(float)
        else:
            n_all = np.bincount(ti)
            present = n_all > 0
            m = n_all.size
            tot = np.bincount(ti, weights=w, minlength=m)
            ev = np.bincount(ti[d], weights=w[d], minlength=m)
        time = np.flatnonzero(present).astype(float)
        tot, ev = tot[present], ev[present]
        if squares:
            w2 = np.ones(t.size) if w is None else w * w
            w2tot = np.bincount(ti, weights=w2, minlength=m)[present]
            w2ev = np.bincount(ti[d], weights=w2[d], minlength=m)[present]
    else:
        time, inv = np.unique(t, return_inverse=True)
        inv = inv.reshape(-1)
        m = time.size
        time = time.astype(float)
        tot = np.bincount(inv, weights=w, minlength=m).astype(float)
        ev = np.bincount(inv[d], weights=None if w is None else w[d], minlength=m).astype(float)
        if squares:
            w2 = np.ones(t.size) if w is None else w * w
            w2tot = np.bincount(inv, weights=w2, minlength=m)
            w2ev = np.bincount(inv[d], weights=w2[d], minlength=m)
    n_risk = np.cumsum(tot[::-1])[::-1]
    cens = tot - ev
    if not squares:
        return _Counts(time, n_risk, ev, cens)
    return _Counts(
        time,
        n_risk,
        ev,
        cens,
        w2_event=w2ev,
        w2_censor=w2tot - w2ev,
        w2_risk=np.cumsum(w2tot[::-1])[::-1],
    )


def _ij_variance(c: _Counts, g: np.ndarray, h_over: np.ndarray) -> np.ndarray:
    """Infinitesimal-jackknife variance of ``sum_{s<=t} (dN_i(s) - Y_i(s) h(s)) g(s)``.

    For person i with time T_i the influence is
    ``A_i(t) = delta_i 1{T_i <= t} g(T_i) - C(min(t, T_i))`` with ``C`` the cumulative
    sum of ``h * g``. Summing ``w_i^2 A_i(t)^2`` splits into those still at risk after
    ``t`` (all ``-C(t)``) and those whose time has come (a constant from then on).
    ``h_over`` is ``h * g`` per time.
    """
    cum = np.cumsum(h_over)
    with np.errstate(invalid="ignore"):
        gone = (g - cum) ** 2 * c.w2_event + cum**2 * c.w2_censor
        gone = np.where(c.w2_event > 0, gone, cum**2 * c.w2_censor)
    after = c.w2_risk - (c.w2_event + c.w2_censor)
    return np.cumsum(gone) + cum**2 * after
