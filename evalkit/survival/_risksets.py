"""Risk sets of the Cox partial likelihood as cumulative sums (private; see :mod:`._coxfit`).

How it is fast (no loop over persons or times). Event times are grouped into *cells*,
one per distinct (stratum, event time). Every row is mapped once to the last cell at or
before its stop time and the last cell at or before its start time; the risk-set sums
``S0 = sum r``, ``S1 = sum r x`` (``r = w exp(eta)``) at every cell are then one
``np.add.reduceat`` over the rows sorted by cell and a reverse cumulative sum over the
cells of each stratum (minus the same over start times for counting-process data).
Efron's tie correction needs, per cell with ``m`` tied events, sums over ``l = 0..m-1``
of ``1/D_l``, ``f_l/D_l``, ``1/D_l^2``, ... with ``D_l = S0 - f_l e0`` and ``f_l = l/m``:
scalars, summed with ``np.bincount``. The second-moment sums never form an ``n x p x p``
array: ``sum_cells alpha_g S2_g`` equals ``X' diag(v) X`` with
``v_i = r_i sum_{cells at which i is at risk} alpha_g``, one weighted Gram matrix. One
iteration is therefore O(n p^2) arithmetic in a few BLAS / ufunc calls.

References
----------
Therneau TM, Grambsch PM (2000). *Modeling Survival Data*, chapter 3. R ``survival``
3.5-3: ``src/coxfit6.c``, ``src/agfit4.c``, ``src/coxscore2.c``, ``src/agscore2.c``,
``R/aeqSurv.R``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RiskSetModel", "build_structure", "in_values", "seg_revcumsum", "timefix"]


def _snap(sorted_vals: np.ndarray) -> np.ndarray | None:
    """R ``aeqSurv`` on sorted values: the snapped values, or None if nothing changes."""
    if sorted_vals.dtype.kind in "iub" or sorted_vals.size < 2:
        return None
    fin = np.isfinite(sorted_vals)
    y = sorted_vals[fin]
    dy = np.diff(y)
    distinct = np.r_[True, dy != 0]
    udy = dy[dy != 0]
    if udy.size == 0:
        return None
    tol = np.sqrt(np.finfo(float).eps)
    near = (udy <= tol) | (udy / np.mean(np.abs(y[distinct])) <= tol)
    if not near.any():
        return None
    keep = np.r_[True, ~near]  # per distinct value: does it start a new cut?
    cut_id = np.cumsum(keep) - 1
    cuts = y[distinct][keep]
    out = sorted_vals.copy()
    out[fin] = cuts[cut_id[np.cumsum(distinct) - 1]]
    return out


def timefix(*arrays: np.ndarray) -> list[np.ndarray]:
    """Treat nearly equal times as tied, as R ``aeqSurv`` (``coxph(timefix = TRUE)``).

    Distinct values within ``sqrt(eps)`` (absolutely, or relative to the mean absolute
    distinct value) of the previous one join its group and take the group's first value;
    the arrays are treated as one pool (start and stop times together). Integer arrays
    come back unchanged.
    """
    arrays = [np.asarray(a) for a in arrays]
    if all(_whole(a) for a in arrays):
        return arrays
    pool = np.concatenate([a.astype(float, copy=False) for a in arrays])
    order = np.argsort(pool, kind="stable")
    snapped = _snap(pool[order])
    if snapped is None:
        return arrays
    out = np.empty_like(pool)
    out[order] = snapped
    bounds = np.cumsum([0] + [a.size for a in arrays])
    return [out[bounds[i] : bounds[i + 1]] for i in range(len(arrays))]


def _whole(a: np.ndarray) -> bool:
    """Integer values below 1 / sqrt(eps): aeqSurv can never merge two of them."""
    if a.dtype.kind in "iub":
        return True
    return bool(a.size == 0 or (np.abs(a).max() < 6e7 and np.array_equal(a, np.floor(a))))


def _sort_key(t: np.ndarray) -> tuple[np.ndarray, bool]:
    """A key with the order of ``t`` (small whole-number ranges as uint16, for a radix
    sort), and whether all values are whole numbers that R's timefix cannot merge."""
    if t.size and t.dtype.kind in "iuf":
        lo, hi = t.min(), t.max()
        whole = t.dtype.kind in "iu" or (
            max(abs(lo), abs(hi)) < 6e7 and np.array_equal(t, np.floor(t))
        )
        if whole and hi - lo < 65535:
            return (t - lo).astype(np.uint16), True
        return t, whole
    return t, t.dtype.kind in "iub"


def _sort_rows(
    t: np.ndarray, event: np.ndarray, strata: np.ndarray, nstrat: int
) -> tuple[np.ndarray, bool]:
    """Permutation by (stratum, time), events before censorings at equal times; and
    whether the times are whole numbers (see :func:`_sort_key`)."""
    perm = np.concatenate([np.flatnonzero(event), np.flatnonzero(~event)])
    key, whole = _sort_key(t[perm])
    perm = perm[np.argsort(key, kind="stable")]
    if nstrat > 1:
        key = strata[perm].astype(np.uint16) if nstrat < 65536 else strata[perm]
        perm = perm[np.argsort(key, kind="stable")]
    return perm, whole


def seg_revcumsum(vals: np.ndarray, seg: np.ndarray, nseg: int) -> np.ndarray:
    """Reverse cumulative sums of ``vals`` (k, G) along the cells, within strata ``seg``.

    ``seg`` (G,) holds the sorted stratum of each cell. Exact per stratum (no subtraction
    of other strata's totals) when the strata fit a padded array; otherwise a global
    cumulative sum minus each stratum's tail, which loses about
    ``eps * (later strata's total) / (risk-set sum)`` in relative precision.
    """
    k, g = vals.shape
    if g == 0 or nseg <= 1:
        return np.cumsum(vals[:, ::-1], axis=1)[:, ::-1]
    starts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
    lens = np.diff(np.r_[starts, g])
    width = int(lens.max())
    nst = starts.size
    pos = np.arange(g) - np.repeat(starts, lens)
    rows = np.repeat(np.arange(nst), lens)
    if nst * width <= 4 * g + 1024:
        pad = np.zeros((k, nst, width))
        pad[:, rows, pos] = vals
        cum = np.cumsum(pad[:, :, ::-1], axis=2)[:, :, ::-1]
        return cum[:, rows, pos]
    tot = np.cumsum(vals[:, ::-1], axis=1)[:, ::-1]
    ends = np.r_[starts[1:], g]
    after = np.hstack([tot, np.zeros((k, 1))])[:, ends]
    return tot - np.repeat(after, lens, axis=1)


@dataclass(frozen=True, eq=False)
class _Structure:
    """Risk-set structure of the data: depends on times, events, strata, weights only."""

    n: int
    order: np.ndarray  # used rows sorted by (stop cell, events first)
    cell_stratum: np.ndarray  # (G,)
    cell_time: np.ndarray  # (G,)
    cell_m: np.ndarray  # events per cell
    cell_dw: np.ndarray  # event weight per cell
    cstart: np.ndarray  # first ordered row of each cell (its events come first)
    hi: np.ndarray  # per ordered row: its stop cell
    lo: np.ndarray  # per ordered row: cell before its first at-risk cell (index into padded)
    event_o: np.ndarray  # per ordered row: event indicator
    w_o: np.ndarray  # per ordered row: weight
    start_order: np.ndarray | None  # ordered-row positions sorted by start cell
    start_idx: np.ndarray | None  # reduceat indices over start_order
    start_cells: np.ndarray | None  # the start cell of each reduceat group
    pair_cell: np.ndarray  # Efron: one pair per event in a cell with >= 2 events
    pair_f: np.ndarray
    near_ties: bool  # (strata) distinct stop times that R's timefix might merge
    stop_used: np.ndarray  # the stop times after R's timefix (stratum-free case)


def build_structure(
    stop: np.ndarray,
    event: np.ndarray,
    start: np.ndarray | None,
    w: np.ndarray | None,
    strata: np.ndarray,
    nstrat: int,
    ties: str,
    fix_times: bool = True,
) -> _Structure:
    """Cells and each row's at-risk range from one sort by (stratum, stop).

    With ``fix_times`` and right-censored data, R's timefix is applied on the way (one
    stratum: on the sorted times; several: ``near_ties`` asks the caller for it).
    """
    n = stop.size
    perm, whole = _sort_rows(stop, event, strata, nstrat)
    ts, es = stop[perm], event[perm]
    stop_used = stop
    if fix_times and not whole and start is None and nstrat <= 1:
        # R's timefix on the (globally) sorted times: no second sort of all values
        snapped = _snap(ts.astype(float, copy=False))
        if snapped is not None:
            ts = snapped
            rank = np.cumsum(np.r_[True, ts[1:] != ts[:-1]])
            o = np.argsort(rank * 2 + ~es, kind="stable")  # events first again
            perm, ts, es = perm[o], ts[o], es[o]
            stop_used = np.empty(n)
            stop_used[perm] = ts
    newrun = np.empty(n, dtype=bool)
    newrun[0] = True
    np.not_equal(ts[1:], ts[:-1], out=newrun[1:])
    if nstrat > 1:
        ss = strata[perm]
        snew = np.r_[True, ss[1:] != ss[:-1]]
        newrun |= snew
    near_ties = False
    if fix_times and not whole and n > 1 and nstrat > 1 and start is None:
        dy = np.diff(ts)
        pos = (dy > 0) & ~snew[1:]
        if pos.any():
            tol = 2 * np.sqrt(np.finfo(float).eps)  # generous: a trigger for the exact rule
            scale = np.mean(np.abs(ts[newrun]))
            near_ties = bool(np.any(pos & ((dy <= tol) | (dy <= tol * scale))))
    evstart = newrun & es  # events come first, so an event run starts with an event
    cum = np.cumsum(evstart, dtype=np.intp)
    hi_raw = cum - 1
    cell_pos = np.flatnonzero(evstart)
    g = cell_pos.size
    cell_time = ts[cell_pos]
    if nstrat > 1:
        sbeg = np.flatnonzero(snew)
        slen = np.diff(np.r_[sbeg, n])
        base = np.repeat((cum - evstart)[sbeg], slen)  # cells before the row's stratum
        cell_stratum = ss[cell_pos]
    else:
        base = np.zeros(n, dtype=np.intp)
        cell_stratum = np.zeros(g, dtype=np.intp)
    if start is None:
        lo_raw = base - 1
    else:
        lo_raw = _start_cells(start[perm], base, cell_time, cell_stratum, strata, perm, nstrat)
    if start is None and nstrat <= 1:
        # rows before the first event time are never at risk; the rest all are
        first = int(cell_pos[0]) if g else n
        order, hi_o, ev_o, lo_o, base_o = (
            perm[first:],
            hi_raw[first:],
            es[first:],
            lo_raw[first:],
            base[first:],
        )
        cstart = cell_pos - first
    else:
        used = (hi_raw >= base) & (hi_raw > lo_raw)
        order, hi_o, ev_o, lo_o, base_o = (
            perm[used],
            hi_raw[used],
            es[used],
            lo_raw[used],
            base[used],
        )
        cstart = np.flatnonzero(evstart[used])
    w_o = np.ones(order.size) if w is None else w[order]
    if g:
        # the events of a cell come first in its rows
        cell_m = np.add.reduceat(ev_o, cstart, dtype=np.int64)
        cell_dw = cell_m.astype(float) if w is None else np.add.reduceat(w_o * ev_o, cstart)
    else:
        cell_m = np.zeros(0, dtype=np.int64)
        cell_dw = np.zeros(0)
    start_order = start_idx = start_cells = None
    if start is not None:
        # rows subtracted at the cells up to their start cell (start >= cell time)
        sub = np.flatnonzero(lo_o >= base_o)
        if sub.size:
            start_order = sub[np.argsort(lo_o[sub], kind="stable")]
            sc = lo_o[start_order]
            start_idx = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]])
            start_cells = sc[start_idx]
    if ties == "efron":
        multi = np.flatnonzero(cell_m >= 2)
        m = cell_m[multi]
        pair_cell = np.repeat(multi, m)
        offs = np.arange(pair_cell.size) - np.repeat(np.cumsum(m) - m, m)
        pair_f = offs / np.repeat(m, m)
    else:
        pair_cell = np.zeros(0, dtype=np.intp)
        pair_f = np.zeros(0)
    return _Structure(
        n=n,
        order=order,
        cell_stratum=cell_stratum,
        cell_time=cell_time,
        cell_m=cell_m,
        cell_dw=cell_dw,
        cstart=cstart,
        hi=hi_o + 1,
        lo=lo_o + 1,
        event_o=ev_o,
        w_o=w_o,
        start_order=start_order,
        start_idx=start_idx,
        start_cells=start_cells,
        pair_cell=pair_cell,
        pair_f=pair_f,
        near_ties=near_ties,
        stop_used=stop_used,
    )


def _start_cells(start_s, base, cell_time, cell_stratum, strata, perm, nstrat):
    """Per row (sorted order): the last cell of its stratum with time <= start, else base-1."""
    if nstrat <= 1:
        return np.searchsorted(cell_time, start_s, side="right") - 1
    out = base - 1
    ss = strata[perm]
    sbeg = np.flatnonzero(np.r_[True, ss[1:] != ss[:-1]])
    send = np.r_[sbeg[1:], ss.size]
    cbounds = np.searchsorted(cell_stratum, np.arange(nstrat + 1))
    for b, e in zip(sbeg, send, strict=True):
        s = ss[b]
        c0, c1 = cbounds[s], cbounds[s + 1]
        if c1 > c0:
            out[b:e] = c0 + np.searchsorted(cell_time[c0:c1], start_s[b:e], side="right") - 1
    return out


@dataclass(frozen=True, eq=False)
class _Eval:
    """Everything one evaluation at ``beta`` gives (centred, scaled covariates)."""

    loglik: float
    u: np.ndarray
    imat: np.ndarray | None
    r: np.ndarray  # per ordered row, w exp(eta - c)
    c: float
    s0: np.ndarray
    s1: np.ndarray
    e0: np.ndarray
    e1: np.ndarray
    sig1: np.ndarray  # sum_l wbar / D_l  (hazard increment)
    sigf: np.ndarray  # sum_l wbar f_l / D_l
    tau1: np.ndarray  # sum_l wbar / D_l^2
    tauf: np.ndarray
    tauff: np.ndarray


class RiskSetModel:
    """Data in the engine's order with its risk-set structure; evaluates at any beta.

    Covariates are stored transposed, ``xt`` (p, nu), centred and scaled, so that every
    per-covariate pass (reductions, cumulative sums) runs over contiguous memory.
    """

    def __init__(
        self,
        st: _Structure,
        x: np.ndarray,
        offset: np.ndarray | None,
        strata: np.ndarray,
        nocenter: tuple[float, ...],
    ) -> None:
        self.st = st
        o = st.order
        xt = x.T if x.T.flags.c_contiguous else np.ascontiguousarray(x.T)
        # np.take keeps the rows contiguous (xt[:, o] would give a column-major copy,
        # which makes every later per-covariate pass strided and several times slower)
        self.xt, self.scale = _center_scale(np.take(xt, o, axis=1), st.w_o, strata[o], nocenter)
        self.off = None if offset is None else offset[o]
        wev = st.w_o * st.event_o
        self.wx_ev = self.xt @ wev
        self.woff_ev = 0.0 if self.off is None else float(wev @ self.off)
        self.nstrat = int(st.cell_stratum.max()) + 1 if st.cell_stratum.size else 1
        self.hi_ev = 2 * st.hi + st.event_o  # index into a (cells + 1, 2) table
        # many cells (continuous times) in one stratum: cumulative sums over the rows
        # are cheaper than a reduceat with a segment per cell
        self.rowcum = self.nstrat <= 1 and st.cell_m.size * 8 > st.order.size
        self.weighted = bool(np.any(st.w_o != 1.0))
        self.multi = np.flatnonzero(st.cell_m >= 2) if st.pair_cell.size else st.pair_cell
        # pairs are sorted by cell: each multi cell's first pair, for np.add.reduceat
        self.pair_start = np.r_[0, np.cumsum(st.cell_m[self.multi])[:-1]].astype(np.intp)
        m = np.maximum(st.cell_m, 1)
        self.pair_wbar = (st.cell_dw / m)[st.pair_cell]
        p, nu = self.xt.shape
        self.rx = np.empty((p + 1, nu + 1))  # work array for the cell sums
        self.rx[:, nu] = 0.0
        # reduceat boundaries: each cell's start, and for cells with tied events
        # (Efron) also the end of its events, which come first within the cell
        cstart = st.cstart
        if self.multi.size:
            # an empty censored part may share its index with the next cell's start:
            # it must come first, so that the next cell's own segment is summed (its
            # output is then junk, masked by second_ok)
            ends = cstart[self.multi] + st.cell_m[self.multi]
            idx = np.concatenate([ends, cstart])
            srt = np.argsort(idx, kind="stable")
            self.red = idx[srt]
            pos = np.empty_like(srt)
            pos[srt] = np.arange(srt.size)
            self.second_out = pos[: self.multi.size]  # a multi cell's censored part
            self.first_out = pos[self.multi.size :]  # each cell's first (or only) part
            nxt = np.r_[cstart[1:], nu]
            self.second_ok = nxt[self.multi] > cstart[self.multi] + st.cell_m[self.multi]
        else:
            self.red = cstart
        if st.start_order is not None:
            self.xt_start = np.concatenate(
                [np.ones((1, st.start_order.size)), self.xt[:, st.start_order]]
            )

    def _cellsums(self, r: np.ndarray):
        st = self.st
        p, nu = self.xt.shape
        g = st.cell_m.size
        rx = self.rx
        rx[0, :nu] = r
        np.multiply(r, self.xt, out=rx[1:, :nu])
        if g == 0:
            z = np.zeros((p + 1, 0))
            return z[0], z[1:], z[0], z[1:]
        if self.rowcum:
            # many cells, one stratum: reverse cumulative sums over the rows, read at
            # each cell's first row (rx has a zero column at nu)
            rc = np.cumsum(rx[:, ::-1], axis=1)[:, ::-1]
            cstart = st.cstart
            tot = rc[:, cstart]
            ev = None
            if self.multi.size:
                ev = np.zeros((p + 1, g))
                cm = cstart[self.multi]
                ev[:, self.multi] = rc[:, cm] - rc[:, cm + st.cell_m[self.multi]]
        else:
            tot, ev = self._reduce_cells(rx, g)
        if st.start_order is not None:
            part = np.add.reduceat(self.xt_start * r[st.start_order], st.start_idx, axis=1)
            sub = np.zeros((p + 1, g))
            sub[:, st.start_cells] = part
            tot = tot - seg_revcumsum(sub, st.cell_stratum, self.nstrat)
        if ev is None:
            return tot[0], tot[1:], None, None
        return tot[0], tot[1:], ev[0], ev[1:]

    def _reduce_cells(self, rx: np.ndarray, g: int):
        """Cell totals (reduceat over rows, reverse cumsum over cells) and event sums."""
        red = np.add.reduceat(rx, self.red, axis=1)
        ev = None
        if self.multi.size:
            first = red[:, self.first_out]
            second = red[:, self.second_out]
            second[:, ~self.second_ok] = 0.0
            ev = np.zeros((rx.shape[0], g))
            ev[:, self.multi] = first[:, self.multi]
            tot = first
            tot[:, self.multi] += second
        else:
            tot = red
        return seg_revcumsum(tot, self.st.cell_stratum, self.nstrat), ev

    def evaluate(self, beta: np.ndarray, info: bool = True, offset: bool = True) -> _Eval:
        st = self.st
        eta = beta @ self.xt
        if offset and self.off is not None:
            eta += self.off
        c = float(eta.max()) if eta.size else 0.0
        eta -= c
        r = np.exp(eta, out=eta)
        if self.weighted:
            r *= st.w_o
        s0, s1, e0, e1 = self._cellsums(r)
        dw = st.cell_dw
        g = s0.size
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = 1.0 / s0
            sig1 = dw * inv
            tau1 = sig1 * inv
            logd = dw * np.log(s0)
            sigf = tauf = tauff = None
            if self.multi.size:
                pc, f = st.pair_cell, st.pair_f
                multi = self.multi
                d = s0[pc] - f * e0[pc]
                dinv = 1.0 / d
                stack = np.empty((6, d.size))
                wd = np.multiply(self.pair_wbar, dinv, out=stack[0])
                np.multiply(f, wd, out=stack[1])
                np.multiply(wd, dinv, out=stack[2])
                np.multiply(stack[1], dinv, out=stack[3])
                np.multiply(stack[3], f, out=stack[4])
                np.log(d, out=stack[5])
                stack[5] *= self.pair_wbar
                sums = np.add.reduceat(stack, self.pair_start, axis=1)
                sigf = np.zeros(g)
                tauf = np.zeros(g)
                tauff = np.zeros(g)
                sig1[multi], sigf[multi], tau1[multi] = sums[0], sums[1], sums[2]
                tauf[multi], tauff[multi], logd[multi] = sums[3], sums[4], sums[5]
        total_dw = float(dw.sum())
        loglik = float(self.wx_ev @ beta + self.woff_ev - logd.sum() - c * total_dw)
        u = self.wx_ev - s1 @ sig1
        if sigf is not None:
            u += e1[:, self.multi] @ sigf[self.multi]
        imat = self.information(r, s1, e1, sig1, sigf, tau1, tauf, tauff) if info else None
        zero = np.zeros(g)
        return _Eval(
            loglik,
            u,
            imat,
            r,
            c,
            s0,
            s1,
            np.zeros(g) if e0 is None else e0,
            np.zeros_like(s1) if e1 is None else e1,
            sig1,
            zero if sigf is None else sigf,
            tau1,
            zero if tauf is None else tauf,
            zero if tauff is None else tauff,
        )

    def information(self, r, s1, e1, sig1, sigf, tau1, tauf, tauff, gamma=None) -> np.ndarray:
        """``sum_cells gamma_c I_c``: the information, or a cell-weighted version of it.

        ``I_c = sum_l wbar (C_l / D_l - a_l a_l')`` with ``C_l = S2 - f_l e2``; its
        ``S2`` and ``e2`` parts are one Gram matrix ``X' diag(v) X`` (module docstring).
        """
        st = self.st
        if gamma is not None:
            sig1, tau1 = gamma * sig1, gamma * tau1
            if sigf is not None:
                sigf, tauf, tauff = gamma * sigf, gamma * tauf, gamma * tauff
        # per row: the sum of alpha over its at-risk cells, less (events, Efron) its own
        # cell's beta; one gather from a (cells, event) table
        acum = np.concatenate(([0.0], np.cumsum(sig1)))
        if sigf is None:
            v = acum[st.hi]
        else:
            table = np.empty((acum.size, 2))
            table[:, 0] = acum
            table[0, 1] = 0.0
            table[1:, 1] = acum[1:] - sigf
            v = table.ravel()[self.hi_ev]
        if self.nstrat > 1 or st.start_order is not None:
            v -= acum[st.lo]
        v *= r
        xt = self.xt
        imat = _gram(xt * v, xt)
        imat -= (s1 * tau1) @ s1.T
        if sigf is not None:  # Efron: only cells with tied events have these terms
            mu = self.multi
            s1m, e1m = s1[:, mu], e1[:, mu]
            cross = (s1m * tauf[mu]) @ e1m.T
            imat += cross + cross.T
            imat -= (e1m * tauff[mu]) @ e1m.T
        return (imat + imat.T) / 2

    def zph(self, beta: np.ndarray, gcell: np.ndarray):
        """Score and 2p x 2p information for R's ``cox.zph`` with cell weights ``g``.

        Returns ``u_g = sum_c g_c U_c`` (p,) and the blocks ``I, I_g, I_gg`` (scaled
        covariates), ``U_c`` being a cell's score contribution.
        """
        st = self.st
        q = self.evaluate(beta, info=False)
        ev = st.event_o
        cell = st.hi[ev] - 1
        g = st.cell_m.size
        wxe = self.xt[:, ev] * st.w_o[ev]
        ex = np.vstack([np.bincount(cell, weights=row, minlength=g) for row in wxe])
        ucell = ex - q.s1 * q.sig1 + q.e1 * q.sigf
        u_g = ucell @ gcell
        multi = self.multi.size > 0
        args = (q.r, q.s1, q.e1, q.sig1, q.sigf if multi else None, q.tau1, q.tauf, q.tauff)
        i0 = self.information(*args)
        i1 = self.information(*args, gamma=gcell)
        i2 = self.information(*args, gamma=gcell * gcell)
        return u_g, i0, i1, i2

    def score_residuals(self, beta: np.ndarray, offset: bool = True) -> np.ndarray:
        """Unweighted score residuals per ordered row, (p, nu) (R ``coxscore2``/``agscore2``)."""
        st = self.st
        q = self.evaluate(beta, info=False, offset=offset)
        xt = self.xt
        risk = q.r / st.w_o  # exp(eta - c), unweighted
        ha = q.s1 * q.tau1 - q.e1 * q.tauf  # sum_l h_l a_l, (p, G)
        # cumulative over all cells: a row's cells (lo, hi] lie in its own stratum
        hcum = np.concatenate(([0.0], np.cumsum(q.sig1)))
        p = xt.shape[0]
        hacum = np.hstack([np.zeros((p, 1)), np.cumsum(ha, axis=1)])
        res = -risk * (xt * (hcum[st.hi] - hcum[st.lo]) - (hacum[:, st.hi] - hacum[:, st.lo]))
        ev = st.event_o
        cell = st.hi[ev] - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            abar = (q.s1 * q.sig1 - q.e1 * q.sigf) / st.cell_dw
        hfa = q.s1 * q.tauf - q.e1 * q.tauff
        xe = xt[:, ev]
        res[:, ev] += xe - abar[:, cell] + risk[ev] * (xe * q.sigf[cell] - hfa[:, cell])
        return res


def _gram(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b.T`` for (p, n) arrays with ``a b'`` symmetric (``a = b diag(v)``).

    With few covariates and many rows, one single-threaded ``einsum`` per pair of rows
    is about twice as fast as a (p, n) x (n, p) BLAS product, and unlike BLAS ``dot``
    (threaded above a size) it does not spin on a loaded machine.
    """
    p = a.shape[0]
    if p > 16:
        return a @ b.T
    out = np.empty((p, p))
    for i in range(p):
        for j in range(i, p):
            out[i, j] = out[j, i] = np.einsum("n,n->", a[i], b[j])
    return out


def in_values(col: np.ndarray, values: tuple[float, ...]) -> bool:
    """Whether every element of ``col`` is one of ``values`` (cheap exit on the range)."""
    if col.size == 0:
        return True
    if col.min() < min(values) or col.max() > max(values):
        return False
    return bool(np.logical_or.reduce([col == v for v in values]).all())


def _center_scale(
    xt: np.ndarray, w: np.ndarray, strata: np.ndarray, nocenter: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Centre within strata (weighted means), scale as R ``agfit4`` (1 / mean |x - mean|).

    ``xt`` is (p, n). Neither step changes the estimates; centring keeps ``exp()`` and
    the second moments accurate, and the scale makes the Cholesky tolerance unit-free,
    as in R. Columns whose values all lie in ``nocenter`` are not scaled (R's rule).
    """
    p, n = xt.shape
    k = int(strata.max()) + 1 if n else 1
    tot = w.sum()
    zero_one = np.array([in_values(xt[j], nocenter) for j in range(p)], dtype=bool)
    tiny = 16 * np.finfo(float).eps * np.abs(xt).max(axis=1, initial=0.0)
    if k == 1:
        xc = xt  # a fresh copy (gathered by the caller): centred in place
        xc -= ((xt @ w) / tot)[:, None]
    else:
        sw = np.bincount(strata, weights=w, minlength=k)
        xc = np.empty((p, n))
        for j in range(p):
            mean = np.bincount(strata, weights=w * xt[j], minlength=k)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.where(sw > 0, mean / sw, 0.0)
            xc[j] = xt[j] - mean[strata]
    # a column constant overall or within every stratum is centred to exactly 0 (as R's
    # own sums give), so that its information is exactly 0 and R's rule flags it
    flat = np.abs(xc).max(axis=1, initial=0.0) <= tiny
    xc[flat] = 0.0
    absdev = np.abs(xc) @ w
    scale = np.where(absdev > 0, tot / np.where(absdev > 0, absdev, 1.0), 1.0)
    scale[zero_one] = 1.0
    xc *= scale[:, None]
    return np.ascontiguousarray(xc), scale
