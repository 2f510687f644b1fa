"""Counting-process input ``(entry, stop]`` and clustered robust variances (private).

A row is at risk at time ``t`` when ``entry < t <= stop``, as R ``Surv(start, stop,
event)``. The table times are the distinct stop times (R ``survfitkm``); the number at
risk is the reverse cumulative sum of rows by stop time minus the same sum by entry time.

The infinitesimal-jackknife (IJ) variance with clusters (R ``survfit(..., id=,
cluster=)``) is computed without a loop over clusters or times: each cluster's influence
on a cumulative sum ``Phi(t) = sum_{t_j <= t} g_j (dN_i(t_j) - Y_i(t_j) h_j)`` is
``a_c(t) + b_c(t) C(t)`` with ``C`` the cumulative sum of ``h g`` and ``a_c``, ``b_c``
step functions that change only where a row of the cluster enters or leaves. Summing
``(a_c + b_c C)^2`` over clusters needs only the running sums of ``a_c^2``, ``a_c b_c`` and
``b_c^2``, which change by known amounts at those events (one sort, one segmented
cumulative sum, three ``bincount``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evalkit._checks import check_option, check_same_length
from evalkit.survival._core import _numeric_1d, _prepare, _time_index

__all__: list[str] = []

VARIANCES = (None, "greenwood", "robust")


def _entry(values: Any, t: np.ndarray, name: str = "entry") -> np.ndarray:
    """Entry (delayed-entry, left-truncation) times: finite and below ``t``.

    Negative entries are allowed, as in R (``Surv(-1, t, d)`` gives the same curve as
    ``Surv(t, d)``, also at time 0).
    """
    e = _numeric_1d(values, name).astype(float, copy=False)
    check_same_length(durations=t, **{name: e})
    bad = e >= t
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} must be below durations in every row (R Surv(start, stop): start < "
            f"stop), but {int(bad.sum())} row(s) are not (first at position {i}: "
            f"{name} {float(e[i]):g}, durations {float(t[i]):g})"
        )
    return e


def _cluster_codes(values: Any, n: int, name: str) -> tuple[np.ndarray, int]:
    """Integer codes 0..k-1 of a cluster/id label array (missing labels refused)."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, but had shape {arr.shape}")
    check_same_length(durations=np.empty(n), **{name: arr})
    isnull = pd.isna(arr)
    if isnull.any():
        i = int(np.flatnonzero(isnull)[0])
        raise ValueError(f"{name} must not be missing, but position {i} is missing")
    codes, levels = pd.factorize(arr, sort=True)
    return codes.astype(np.int64), len(levels)


def _real_censor(e: np.ndarray, t: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Rows that end a string ``(a,b](b,c]..`` of one id (R ``survflag(y, id) & 2``).

    Only those count as censored in R's ``n.censor`` when an ``id`` is given.
    """
    order = np.lexsort((t, ids))
    i2, t2, e2 = ids[order], t[order], e[order]
    last = np.ones(t.size, dtype=bool)
    last[:-1] = (i2[:-1] != i2[1:]) | (t2[:-1] < e2[1:])
    out = np.empty_like(last)
    out[order] = last
    return out


@dataclass(frozen=True, eq=False)
class _RiskTable:
    """Counts per distinct stop time, and each row's place on that grid."""

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    n_rows: np.ndarray  # rows at risk (unweighted), e.g. persons at risk
    enter_at: np.ndarray  # per row: first grid index with time > entry (0 without entry)
    stop_at: np.ndarray  # per row: grid index of its stop time


def _risk_table(
    e: np.ndarray | None,
    t: np.ndarray,
    d: np.ndarray,
    w: np.ndarray | None,
    censor_rows: np.ndarray | None = None,
) -> _RiskTable:
    """Numbers at risk, events and censorings at every distinct stop time.

    ``censor_rows`` marks the rows that count as censored when they carry no event (all
    rows by default).
    """
    time, stop_at = _time_index(t)
    stop_at = stop_at.astype(np.int64)
    m = time.size
    ww = np.ones(t.size) if w is None else w
    tot = np.bincount(stop_at, weights=ww, minlength=m)
    ev = np.bincount(stop_at[d], weights=ww[d], minlength=m)
    rows = np.bincount(stop_at, minlength=m).astype(float)
    cens_mask = ~d if censor_rows is None else (~d & censor_rows)
    cens = np.bincount(stop_at[cens_mask], weights=ww[cens_mask], minlength=m)
    n_risk = np.cumsum(tot[::-1])[::-1]
    n_rows = np.cumsum(rows[::-1])[::-1]
    if e is None:
        enter_at = np.zeros(t.size, dtype=np.int64)
    else:
        enter_at = np.searchsorted(time, e, side="right").astype(np.int64)
        # rows whose entry is at or after grid time j are not at risk there: subtract
        # them for every j < enter_at
        gone = enter_at > 0
        k = enter_at[gone] - 1
        left = np.bincount(k, weights=ww[gone], minlength=m)
        n_risk = n_risk - np.cumsum(left[::-1])[::-1]
        n_rows = n_rows - np.cumsum(np.bincount(k, minlength=m)[::-1])[::-1]
    return _RiskTable(
        time=time.astype(float),
        n_risk=n_risk,
        n_event=ev,
        n_censor=cens,
        n_rows=n_rows,
        enter_at=enter_at,
        stop_at=stop_at,
    )


def _ij_cluster_variance(
    rt: _RiskTable,
    d: np.ndarray,
    w: np.ndarray | None,
    clusters: np.ndarray,
    g: np.ndarray,
    hg: np.ndarray,
) -> np.ndarray:
    """IJ variance ``sum_c (sum_{i in c} w_i Phi_i(t))^2`` at every grid time.

    ``Phi_i(t) = sum_{t_j <= t} g_j (dN_i(t_j) - Y_i(t_j) h_j)``; ``hg`` is ``h g`` per
    grid time (0 where there is no event), ``g`` is used only at event rows.
    Row ``i`` enters at grid index ``enter_at`` (first time after its entry) with
    ``(da, db) = (w C(entry), -w)`` and leaves at ``stop_at`` with
    ``(da, db) = (w (d g - C(stop)), +w)``, so that its influence is
    ``w (C(entry) - C(t))`` while at risk and ``w (d g(stop) - C(stop) + C(entry))`` after.
    """
    m = rt.time.size
    n = d.size
    ww = np.ones(n) if w is None else w
    # an infinite g (Kaplan-Meier when everyone at risk has the event) only occurs where
    # S = 0 from then on, and there the standard error is 0 anyway (R); keep it finite so
    # that it cannot spoil the sums of other clusters
    g = np.where(np.isfinite(g), g, 0.0)
    hg = np.where(np.isfinite(hg), hg, 0.0)
    cum = np.cumsum(hg)
    c_entry = np.where(rt.enter_at > 0, cum[np.maximum(rt.enter_at - 1, 0)], 0.0)
    with np.errstate(invalid="ignore"):
        g_stop = np.where(d, g[rt.stop_at], 0.0)
    idx = np.concatenate((rt.enter_at, rt.stop_at))
    da = np.concatenate((ww * c_entry, ww * (g_stop - cum[rt.stop_at])))
    db = np.concatenate((-ww, ww))
    cl = np.concatenate((clusters, clusters))
    order = np.lexsort((idx, cl))
    idx, da, db, cl = idx[order], da[order], db[order], cl[order]
    first = np.ones(idx.size, dtype=bool)
    first[1:] = cl[1:] != cl[:-1]
    # segmented cumulative sums: the running (a, b) of each cluster after each event
    start = np.flatnonzero(first)
    seg = np.cumsum(first) - 1
    ca, cb = np.cumsum(da), np.cumsum(db)
    base_a = np.where(start > 0, ca[np.maximum(start - 1, 0)], 0.0)
    base_b = np.where(start > 0, cb[np.maximum(start - 1, 0)], 0.0)
    a = ca - base_a[seg]
    b = cb - base_b[seg]
    a_prev = np.where(first, 0.0, np.concatenate(([0.0], a[:-1])))
    b_prev = np.where(first, 0.0, np.concatenate(([0.0], b[:-1])))
    p = np.cumsum(np.bincount(idx, weights=a * a - a_prev * a_prev, minlength=m + 1)[:m])
    q = np.cumsum(np.bincount(idx, weights=a * b - a_prev * b_prev, minlength=m + 1)[:m])
    r = np.cumsum(np.bincount(idx, weights=b * b - b_prev * b_prev, minlength=m + 1)[:m])
    return np.maximum(p + 2 * cum * q + cum * cum * r, 0.0)


_TIMEFIX_TOL = float(np.sqrt(np.finfo(float).eps))


def _timefix(t: np.ndarray, e: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Merge times that differ only by rounding, as R ``aeqSurv`` (``timefix = TRUE``).

    Distinct values (of durations and entries together) closer than ``sqrt(eps)``,
    absolutely or relative to their mean, are replaced by the smallest of their run, so
    that e.g. ``70 + 5/12`` and ``69 + 17/12`` are one time, as in R's ``survfit``,
    ``survdiff`` and ``coxph``. Whole-number times (weeks) never need it.
    """
    both = t if e is None else np.concatenate((t, e))
    if both.dtype.kind in "iu" or (
        both.size and np.abs(both).max() < 1e7 and np.array_equal(both, np.round(both))
    ):
        return t, e
    vals = np.unique(both)
    if vals.size < 2:
        return t, e
    dy = np.diff(vals)
    tied = (dy <= _TIMEFIX_TOL) | (dy / np.mean(np.abs(vals)) <= _TIMEFIX_TOL)
    if not tied.any():
        return t, e
    cuts = vals[np.concatenate(([True], ~tied))]
    t2 = cuts[np.searchsorted(cuts, t, side="right") - 1]
    if e is None:
        return t2, None
    e2 = cuts[np.searchsorted(cuts, e, side="right") - 1]
    bad = e2 >= t2
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            "entry and durations are equal once times that differ only by rounding are "
            f"merged (R aeqSurv), first at position {i}: {float(e[i])!r} and {float(t[i])!r}"
        )
    return t2, e2


@dataclass(frozen=True, eq=False)
class _Input:
    """Validated input of one fit (all groups)."""

    t: np.ndarray
    d: np.ndarray
    w: np.ndarray | None
    e: np.ndarray | None
    clusters: np.ndarray | None  # None: each row its own cluster (or no robust variance)
    n_clusters: int | None
    censor_rows: np.ndarray | None
    robust: bool

    def subset(self, mask: np.ndarray) -> _Input:
        def pick(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[mask]

        return _Input(
            self.t[mask],
            self.d[mask],
            pick(self.w),
            pick(self.e),
            pick(self.clusters),
            self.n_clusters,
            pick(self.censor_rows),
            self.robust,
        )


def _input(
    durations: Any,
    events: Any,
    weights: Any,
    variance: str | None,
    entry: Any,
    id: Any,  # R's argument name
    cluster: Any,
) -> _Input:
    check_option("variance", variance, VARIANCES)
    t, d, w = _prepare(durations, events, weights)
    e = None if entry is None else _entry(entry, t)
    t, e = _timefix(t, e)
    ids = None if id is None else _cluster_codes(id, t.size, "id")[0]
    cl = None if cluster is None else _cluster_codes(cluster, t.size, "cluster")
    has_rwt = w is not None and bool(np.any(w != np.floor(w)))
    if variance is None:
        dup_event_ids = ids is not None and np.unique(ids[d]).size < int(d.sum())
        robust = cl is not None or has_rwt or bool(dup_event_ids)
    else:
        robust = variance == "robust"
    clusters, n_clusters = None, None
    if cl is not None:
        if not robust:
            raise ValueError(
                "cluster needs the robust variance, but variance was 'greenwood' "
                "(R ignores the cluster with robust = FALSE)"
            )
        clusters, n_clusters = cl
    elif robust and ids is not None:
        clusters, n_clusters = ids, int(ids.max()) + 1
    elif robust and e is not None and variance == "robust":
        raise ValueError(
            "variance='robust' with entry (counting-process data) needs id or cluster: "
            "rows are not persons (R: 'id or cluster option required')"
        )
    censor_rows = None
    if ids is not None and e is not None:
        censor_rows = _real_censor(e, t, ids)
    return _Input(t, d, w, e, clusters, n_clusters, censor_rows, robust)


def _general(x: _Input) -> bool:
    return x.e is not None or x.clusters is not None or x.censor_rows is not None
