"""Test of proportional hazards for a Cox model, as R ``cox.zph`` (survival >= 3.0).

The score test of Grambsch and Therneau (1994) in R's current form: add to the fitted
model the time-varying terms ``x_j g(t)``, with ``g`` a centred transform of time, and
test their coefficients by a score test at the fitted ``beta`` (the added coefficients
at 0). With ``U_g = sum_events w_i g(t_i) (x_i - a(t_i))`` (Efron or Breslow means
``a``, as the fit) and the ``2p x 2p`` information built from the per-event-time
information matrices ``I(t)``::

    [ sum I(t)        sum g I(t)   ]
    [ sum g I(t)      sum g^2 I(t) ]

the test for a term with columns ``J`` is ``u' M^{-1} u`` where ``u = (0, U_g[J])`` and
``M`` the information restricted to all ``p`` coefficients and the added ``J``; the
global test uses all of them. ``g`` is ``1 - KM(t-)`` (``transform="km"``, the
unweighted Kaplan-Meier of all rows, left-continuous), the time itself
(``"identity"``), the rank of the time among all rows (``"rank"``) or ``log(t)``,
centred by its mean over the events.

References
----------
Grambsch PM, Therneau TM (1994). Proportional hazards tests and diagnostics based on
weighted residuals. *Biometrika* 81, 515-526. Therneau TM, Grambsch PM (2000),
section 6.2. R ``survival::cox.zph`` (3.5-3), ``src/zph1.c``, ``src/zph2.c``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2, rankdata

from evalkit._checks import check_option

__all__ = ["TRANSFORMS", "CoxZphResult", "cox_zph"]

TRANSFORMS = ("km", "identity", "rank", "log")


@dataclass(frozen=True, eq=False)
class CoxZphResult:
    """Proportional-hazards tests (R ``cox.zph(fit)$table``).

    Attributes
    ----------
    table : DataFrame
        One row per term and ``GLOBAL``: ``chisq, df, p``.
    transform : str
    """

    table: pd.DataFrame
    transform: str

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def __repr__(self) -> str:
        t = self.table
        lines = [f"{'':<{max(len(i) for i in t.index)}}  {'chisq':>8} {'df':>3} {'p':>8}"]
        for name, row in t.iterrows():
            lines.append(
                f"{name:<{max(len(i) for i in t.index)}}  {row.chisq:8.3f} {int(row.df):3d} "
                f"{row.p:8.4g}"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.table.to_html(float_format=lambda v: f"{v:.4g}")


def _km_left(time: np.ndarray, event: np.ndarray, start: np.ndarray | None) -> np.ndarray:
    """1 - KM(t-) at each row's time (unweighted, all rows; delayed entry with start)."""
    ut, inv = np.unique(time, return_inverse=True)
    inv = inv.reshape(-1)
    d = np.bincount(inv[event], minlength=ut.size).astype(float)
    out_at = np.bincount(inv, minlength=ut.size)
    at_risk = np.cumsum(out_at[::-1])[::-1].astype(float)
    if start is not None:
        # those not yet entered at t: start >= t
        entered = np.searchsorted(np.sort(start), ut, side="left")  # rows with start < t
        at_risk = at_risk - (start.size - entered)
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(np.where(at_risk > 0, 1 - d / at_risk, 1.0))
    before = np.r_[1.0, surv[:-1]]  # S(t-) at each distinct time
    return 1.0 - before[inv]


def cox_zph(fit: Any, transform: str = "km", terms: bool = True) -> CoxZphResult:
    """Score tests of proportional hazards per term and globally (R ``cox.zph``).

    Parameters
    ----------
    fit : CoxResult
    transform : {"km", "identity", "rank", "log"}
        The function of time the hazard ratio may vary along (R's default ``"km"``).
    terms : bool
        One test per model term (a factor's dummy columns together, as R); False gives
        one per coefficient.

    Returns
    -------
    CoxZphResult

    Raises
    ------
    ValueError
        For an unknown transform, or ``"log"`` with a time <= 0.

    References
    ----------
    Grambsch & Therneau (1994); R ``survival::cox.zph`` (3.5-3).

    Examples
    --------
    >>> from evalkit.survival import cox
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "d": [1, 1, 0, 1, 1, 1, 0, 1],
    ...                    "x": [0.5, 1.0, 0.1, 2.0, 0.3, 1.2, 0.7, 0.2]})
    >>> list(cox(df, "t", "d", ["x"]).cox_zph().table.index)
    ['x', 'GLOBAL']
    """
    check_option("transform", transform, TRANSFORMS)
    data = getattr(fit, "_data", None)
    if data is None:
        raise TypeError(
            f"fit must be a CoxResult from evalkit.survival.cox, but was {type(fit).__name__}"
        )
    engine = data.fit
    model = engine._model
    times = data.stop
    event = data.event
    if transform == "identity":
        tt = times.astype(float)
    elif transform == "rank":
        tt = rankdata(times)
    elif transform == "log":
        if np.any(times <= 0):
            raise ValueError("transform 'log' needs times > 0, but some time is <= 0")
        tt = np.log(times.astype(float))
    else:
        tt = _km_left(times, event, data.start)
    gtime = tt - tt[event].mean()
    # the transform is a function of time: one value per cell (stratum, event time)
    st = model.st
    cell_of_event = np.full(engine.n, -1)
    cell_of_event[st.order[st.event_o]] = st.hi[st.event_o] - 1
    gcell = np.zeros(st.cell_m.size)
    ev_rows = np.flatnonzero(event)
    gcell[cell_of_event[ev_rows]] = gtime[ev_rows]
    u_g, i0, i1, i2 = model.zph(engine._beta_s, gcell)
    scale = engine._scale
    outer = np.outer(scale, scale)
    i0, i1, i2 = i0 / outer, i1 / outer, i2 / outer
    u_g = u_g / scale
    keep = ~np.isnan(engine.coef)
    k = np.flatnonzero(keep)
    i0, i1, i2, u_g = i0[np.ix_(k, k)], i1[np.ix_(k, k)], i2[np.ix_(k, k)], u_g[k]
    nv = k.size
    imat = np.block([[i0, i1], [i1.T, i2]])
    u = np.r_[np.zeros(nv), u_g]
    pos = {int(c): j for j, c in enumerate(k)}
    names = list(fit.summary.index)
    if terms:
        groups = [(label, [pos[c] for c in cols if c in pos]) for label, cols in data.design.terms]
    else:
        groups = [(names[c], [pos[c]]) for c in k]
    groups = [(label, cols) for label, cols in groups if cols]
    rows = []
    for label, cols in groups:
        kk = np.r_[np.arange(nv), nv + np.asarray(cols)]
        stat = float(u[kk] @ np.linalg.solve(imat[np.ix_(kk, kk)], u[kk]))
        rows.append((label, stat, len(cols)))
    rows.append(("GLOBAL", float(u @ np.linalg.solve(imat, u)), nv))
    table = pd.DataFrame(rows, columns=["term", "chisq", "df"]).set_index("term")
    table["p"] = chi2.sf(table["chisq"], table["df"])
    table.index.name = None
    return CoxZphResult(table=table, transform=transform)
