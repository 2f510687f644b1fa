"""Cox regression with case weights and robust variance, as R ``coxph(..., weights = w)``.

statsmodels ``PHReg`` has no case weights, so :func:`evalkit.survival.cox` calls
:func:`_fit` here when weights are given or a robust variance is asked for. The weighted
log partial likelihood (Breslow or Efron ties, strata) is maximised by Newton-Raphson
with step halving; everything per iteration is vectorised over observations and tied
events (cumulative sums over the time-sorted data, no loop over persons or times).

Weighted Efron, as R ``coxfit6``: at a time with ``m`` tied events of total weight
``W``, the ``j``-th (``j = 0..m-1``) term uses the risk-set sum minus ``j/m`` of the
events' own sum, and every term carries the mean event weight ``W/m``.

The robust variance is R's: ``D'D`` with ``D`` the weighted dfbeta residuals (each
observation's weighted score residual times the model-based variance), the default in R
when some weight is not a whole number. References: Therneau TM, Grambsch PM (2000).
*Modeling Survival Data*, sections 3.3 (ties), 7.2 (weights) and 7.3 (robust variance);
R ``survival`` ``coxfit6.c`` and ``coxscore2.c``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__: list[str] = []

_MAX_ITER = 50
_TOL = 1e-11


@dataclass(frozen=True)
class _Fit:
    coef: np.ndarray
    var_model: np.ndarray
    var_robust: np.ndarray
    loglik: float
    loglik0: float
    iterations: int


@dataclass(frozen=True)
class _Stratum:
    """Time-sorted data of one stratum and its tied-event structure."""

    x: np.ndarray  # (n, p), centred
    w: np.ndarray  # (n,)
    d: np.ndarray  # (n,) bool
    first: np.ndarray  # index of the first row of each row's time (n,)
    ev_rows: np.ndarray  # rows of events, grouped by time (E,)
    ev_group: np.ndarray  # event -> index of its time among event times (E,)
    g_first: np.ndarray  # first row of each event time (G,)
    g_m: np.ndarray  # number of events at each event time (G,)
    g_w: np.ndarray  # total event weight at each event time (G,)
    frac: np.ndarray  # j/m for each (time, j) pair; one pair per event (E,)
    pair_group: np.ndarray  # (E,)
    pair_wt: np.ndarray  # weight of each pair's log-denominator term (E,)
    last_group: np.ndarray  # per row: last event time <= the row's time (-1 if none)


def _stratum(x: np.ndarray, w: np.ndarray, t: np.ndarray, d: np.ndarray, ties: str) -> _Stratum:
    order = np.lexsort((~d, t))  # by time, events before censorings within a time
    x, w, t, d = x[order], w[order], t[order], d[order]
    n = t.size
    new = np.ones(n, dtype=bool)
    new[1:] = t[1:] != t[:-1]
    first = np.maximum.accumulate(np.where(new, np.arange(n), 0))
    ev_rows = np.flatnonzero(d)
    g_first, ev_group, g_m = np.unique(first[ev_rows], return_inverse=True, return_counts=True)
    g_w = np.bincount(ev_group, weights=w[ev_rows], minlength=g_first.size)
    if ties == "efron":
        start = np.concatenate(([0], np.cumsum(g_m)[:-1]))
        j = np.arange(ev_rows.size) - np.repeat(start, g_m)
        frac = j / np.repeat(g_m, g_m)
        pair_wt = np.repeat(g_w / g_m, g_m)
        pair_group = ev_group
    else:  # breslow: one term per event time
        frac = np.zeros(g_first.size)
        pair_wt = g_w
        pair_group = np.arange(g_first.size)
    last_group = np.searchsorted(g_first, first, side="right") - 1
    return _Stratum(
        x, w, d, first, ev_rows, ev_group, g_first, g_m, g_w, frac, pair_group, pair_wt,
        last_group,
    )  # fmt: skip


def _pairs(s: _Stratum, beta: np.ndarray, second: bool):
    """Risk-set sums at event times and the Efron/Breslow terms, one per pair."""
    eta = s.x @ beta
    r = s.w * np.exp(eta)
    rx = r[:, None] * s.x
    s0 = np.cumsum(r[::-1])[::-1][s.g_first]
    s1 = np.cumsum(rx[::-1], axis=0)[::-1][s.g_first]
    e0 = np.bincount(s.ev_group, weights=r[s.ev_rows], minlength=s.g_first.size)
    p = s.x.shape[1]
    e1 = np.zeros((s.g_first.size, p))
    np.add.at(e1, s.ev_group, rx[s.ev_rows])
    g, f = s.pair_group, s.frac
    denom = s0[g] - f * e0[g]
    mean = (s1[g] - f[:, None] * e1[g]) / denom[:, None]
    out = {"eta": eta, "r": r, "denom": denom, "mean": mean}
    if second:
        rxx = rx[:, :, None] * s.x[:, None, :]
        s2 = np.cumsum(rxx[::-1], axis=0)[::-1][s.g_first]
        e2 = np.zeros((s.g_first.size, p, p))
        np.add.at(e2, s.ev_group, rxx[s.ev_rows])
        out["m2"] = (s2[g] - f[:, None, None] * e2[g]) / denom[:, None, None]
    return out


def _loglik_score_info(strata: list[_Stratum], beta: np.ndarray, second: bool = True):
    p = beta.size
    ll, u, info = 0.0, np.zeros(p), np.zeros((p, p))
    for s in strata:
        q = _pairs(s, beta, second)
        ev = s.ev_rows
        ll += float(np.sum(s.w[ev] * q["eta"][ev]) - np.sum(s.pair_wt * np.log(q["denom"])))
        u += s.w[ev] @ s.x[ev] - s.pair_wt @ q["mean"]
        if second:
            outer = q["mean"][:, :, None] * q["mean"][:, None, :]
            info += np.einsum("k,kij->ij", s.pair_wt, q["m2"] - outer)
    return ll, u, info


def _score_residuals(s: _Stratum, beta: np.ndarray) -> np.ndarray:
    """Unweighted score residuals of each (sorted) row, as R ``coxscore2``."""
    q = _pairs(s, beta, second=False)
    n_groups = s.g_first.size
    h = s.pair_wt / q["denom"]  # hazard increment of each pair
    hm = h[:, None] * q["mean"]
    g = s.pair_group
    h_g = np.bincount(g, weights=h, minlength=n_groups)
    hm_g = np.zeros((n_groups, s.x.shape[1]))
    np.add.at(hm_g, g, hm)
    cum_h = np.append(np.cumsum(h_g), 0.0)  # index -1 reads 0
    cum_hm = np.vstack([np.cumsum(hm_g, axis=0), np.zeros(s.x.shape[1])])
    risk = np.exp(q["eta"])
    lg = s.last_group
    resid = -risk[:, None] * (s.x * cum_h[lg][:, None] - cum_hm[lg])
    # events: their own time's terms count (1 - j/m), plus x minus the mean of the means
    hf_g = np.bincount(g, weights=h * s.frac, minlength=n_groups)
    hfm_g = np.zeros_like(hm_g)
    np.add.at(hfm_g, g, hm * s.frac[:, None])
    n_pairs = np.bincount(g, minlength=n_groups)
    mean_g = np.zeros_like(hm_g)
    np.add.at(mean_g, g, q["mean"])
    mean_g /= n_pairs[:, None]
    ev, eg = s.ev_rows, s.ev_group
    xe = s.x[ev]
    resid[ev] += risk[ev][:, None] * (xe * hf_g[eg][:, None] - hfm_g[eg]) + xe - mean_g[eg]
    return resid


def _solve(info: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve with the information matrix; singular (scale-free check) raises ValueError."""
    dg = np.sqrt(np.diag(info))
    out = None
    if np.all(np.isfinite(dg)) and np.all(dg > 0):
        scaled = info / np.outer(dg, dg)  # a correlation-type matrix: units do not matter
        if np.linalg.cond(scaled) < 1e12:
            out = np.linalg.solve(info, rhs)
    if out is None or not np.all(np.isfinite(out)):
        raise ValueError(
            "the weighted Cox model cannot be fitted: the information matrix is singular (a "
            "covariate is constant or collinear, or separates the events so that its hazard "
            "ratio is infinite)"
        )
    return out


def _fit(
    t: np.ndarray,
    d: np.ndarray,
    x: np.ndarray,
    w: np.ndarray,
    strata: np.ndarray | None,
    ties: str,
) -> _Fit:
    """Weighted Cox fit; ``x`` (n, p) float, ``w`` positive, ``strata`` integer codes."""
    x = x - x.mean(axis=0)  # centring changes neither coefficients nor likelihood
    codes = np.zeros(t.size, dtype=int) if strata is None else strata
    parts = []
    rows = []
    for k in np.unique(codes):
        idx = np.flatnonzero(codes == k)
        st = _stratum(x[idx], w[idx], t[idx], d[idx], ties)
        order = np.lexsort((~d[idx], t[idx]))
        parts.append(st)
        rows.append(idx[order])
    beta = np.zeros(x.shape[1])
    ll, u, info = _loglik_score_info(parts, beta)
    ll0 = ll
    it = 0
    for it in range(1, _MAX_ITER + 1):  # noqa: B007 - the count is returned
        step = _solve(info, u)
        new = beta + step
        ll_new, u_new, info_new = _loglik_score_info(parts, new)
        halvings = 0
        while not ll_new >= ll - 1e-12 * abs(ll) and halvings < 30:
            step = step / 2
            new = beta + step
            ll_new, u_new, info_new = _loglik_score_info(parts, new)
            halvings += 1
        converged = abs(ll_new - ll) <= _TOL * max(1.0, abs(ll)) and np.max(np.abs(step)) < 1e-8
        beta, ll, u, info = new, ll_new, u_new, info_new
        if converged:
            break
    else:
        raise ValueError(
            f"the weighted Cox model did not converge in {_MAX_ITER} iterations (a covariate "
            "may separate the events perfectly)"
        )
    var_model = _solve(info, np.eye(info.shape[0]))
    resid = np.zeros_like(x)
    for st, r in zip(parts, rows, strict=True):
        resid[r] = st.w[:, None] * _score_residuals(st, beta)
    dfbeta = resid @ var_model
    return _Fit(
        coef=beta,
        var_model=var_model,
        var_robust=dfbeta.T @ dfbeta,
        loglik=ll,
        loglik0=ll0,
        iterations=it,
    )
