"""The Cox partial-likelihood engine (private; shared by :func:`evalkit.survival.cox`).

:func:`coxfit` fits ``h(t | x) = h_s(t) exp(x'beta + offset)`` to right-censored or
counting-process ``(start, stop]`` data with case weights, strata and Breslow or Efron
ties, exactly as R ``coxph`` (``coxph.fit`` / ``agreg.fit`` with the C routines
``coxfit6`` / ``agfit4``): the same centring and scaling of the covariates, the same
Newton-Raphson iteration with step halving and convergence rule
(``|1 - loglik_old / loglik_new| <= eps``), and the same generalised Cholesky
(:mod:`._cholesky`) to decide which coefficients cannot be estimated (reported as NA).

Use from other estimators (e.g. Fine-Gray regression, which is a weighted Cox model on
counting-process data with time-dependent weights, R ``finegray`` + ``coxph``)::

    from evalkit.survival._coxfit import coxfit
    fit = coxfit(stop, event, x, start=start, weights=w, strata=codes, offset=None,
                 ties="breslow")
    fit.coef, fit.var, fit.loglik, fit.score_residuals(), fit.robust_var(cluster)

All inputs are plain numpy arrays (validated by the caller): ``stop`` (n,) float,
``event`` (n,) bool, ``x`` (n, p) float, optional ``start`` (n,) with ``start < stop``,
``weights`` (n,) > 0, ``strata`` (n,) integer codes, ``offset`` (n,). A row is at risk
at an event time ``t`` of its stratum when ``start < t <= stop`` (``start`` = -inf
without counting-process input).

The risk-set arithmetic (one sort, cumulative sums over cells, no loop over persons
or times) is in :mod:`._risksets`.

References
----------
Therneau TM, Grambsch PM (2000). *Modeling Survival Data: Extending the Cox Model*,
chapters 3 (ties, strata), 7 (weights, robust variance). Therneau T (2023). *survival*
3.5-3: ``R/coxph.fit.R``, ``R/agreg.fit.R``, ``src/coxfit6.c``, ``src/agfit4.c``,
``src/coxscore2.c``, ``src/agscore2.c``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evalkit.survival._cholesky import TOLER_CHOL, chinv2, cholesky2, chsolve2
from evalkit.survival._risksets import RiskSetModel, build_structure, timefix

__all__ = ["CoxFit", "coxfit", "timefix"]

TIES = ("efron", "breslow")
EPS = 1e-9  # R coxph.control()$eps
MAX_ITER = 20  # R coxph.control()$iter.max


@dataclass(frozen=True, eq=False)
class CoxFit:
    """Result of :func:`coxfit` (original covariate scale).

    Attributes
    ----------
    coef : (p,) array
        Estimates; NaN for a column that cannot be estimated (R's NA).
    var : (p, p) array
        Inverse information (model-based variance), zero rows/columns for NA columns.
    loglik, loglik_init : float
        Log partial likelihood at the estimate and at ``init`` (R ``fit$loglik``).
    score_test : float
        Score test at ``init`` (R ``fit$score``).
    u : (p,) array
        Score at the estimate.
    iterations : int
    converged : bool
    rank : int
        Rank of the information matrix at the last iteration.
    infinite : (p,) bool
        R's "Loglik converged before variable ...; coefficient may be infinite" flags.
    """

    coef: np.ndarray
    var: np.ndarray
    loglik: float
    loglik_init: float
    score_test: float
    u: np.ndarray
    iterations: int
    converged: bool
    rank: int
    infinite: np.ndarray
    ties: str
    n: int
    stop: np.ndarray  # the times used (after R's timefix)
    start: np.ndarray | None
    _model: RiskSetModel = field(repr=False)
    _beta_s: np.ndarray = field(repr=False)
    _scale: np.ndarray = field(repr=False)

    @property
    def aliased(self) -> np.ndarray:
        """Columns whose coefficient is NA."""
        return np.isnan(self.coef)

    def _beta_scaled(self, coef: np.ndarray | None) -> np.ndarray:
        if coef is None:
            return self._beta_s
        return np.nan_to_num(np.asarray(coef, dtype=float)) / self._scale

    def score_residuals(self, coef: np.ndarray | None = None, offset: bool = True) -> np.ndarray:
        """Unweighted score residuals per data row (n, p), at ``coef`` or the estimate.

        Rows that are never at risk at an event time have zero residuals. ``offset=False``
        leaves the offset out of the linear predictor.
        """
        model = self._model
        res_s = model.score_residuals(self._beta_scaled(coef), offset=offset)
        out = np.zeros((self.n, res_s.shape[0]))
        out[model.st.order] = (res_s / self._scale[:, None]).T  # original covariate scale
        return out

    def dfbeta(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Weighted dfbeta residuals ``w_i U_i V`` (R ``residuals(fit, "dfbeta")``)."""
        res = self.score_residuals()
        if weights is not None:
            res = res * weights[:, None]
        return res @ self.var

    def robust_var(self, weights: np.ndarray | None, cluster: np.ndarray | None = None):
        """R's robust variance ``D'D`` with ``D`` the dfbetas summed within clusters."""
        d = self.dfbeta(weights)
        if cluster is not None:
            d = _rowsum(d, cluster)
        return d.T @ d

    def robust_score_test(
        self, weights: np.ndarray | None, cluster: np.ndarray | None = None
    ) -> float:
        """R's robust score test (``fit$rscore``): score residuals at beta = 0.

        As R (``coxph`` sets the linear predictor to 0 for it), the offset is left out.
        """
        res = self.score_residuals(np.zeros_like(self.coef), offset=False)
        if weights is not None:
            res = res * weights[:, None]
        if cluster is not None:
            res = _rowsum(res, cluster)
        u = res.sum(axis=0)
        factor, _ = cholesky2(res.T @ res, TOLER_CHOL)
        return float(u @ chsolve2(factor, u))


def _rowsum(a: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Sum the rows of ``a`` within integer ``codes`` (R ``rowsum``)."""
    k = int(codes.max()) + 1 if codes.size else 0
    out = np.zeros((k, a.shape[1]))
    for j in range(a.shape[1]):
        out[:, j] = np.bincount(codes, weights=a[:, j], minlength=k)
    return out


def coxfit(
    stop: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    *,
    start: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    offset: np.ndarray | None = None,
    ties: str = "efron",
    init: np.ndarray | None = None,
    max_iter: int = MAX_ITER,
    eps: float = EPS,
    toler_chol: float = TOLER_CHOL,
    toler_inf: float | None = None,
    nocenter: tuple[float, ...] = (-1.0, 0.0, 1.0),
    fix_times: bool = True,
) -> CoxFit:
    """Fit a Cox model to validated arrays (see the module docstring for the inputs).

    Returns a :class:`CoxFit`. Coefficients that cannot be estimated (R: "X matrix
    deemed to be singular") are NaN; the caller warns. No events at all raises
    ``ValueError``.
    """
    stop = np.asarray(stop)
    event = np.asarray(event, dtype=bool)
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    n, p = x.shape
    w = None if weights is None else np.asarray(weights, dtype=float)
    codes = np.zeros(n, dtype=np.intp) if strata is None else np.asarray(strata, dtype=np.intp)
    off = None if offset is None else np.asarray(offset, dtype=float)
    if not event.any():
        raise ValueError("a Cox model needs at least one event, but there are none")
    nstrat = int(codes.max()) + 1 if n else 1
    if fix_times and start is not None:
        stop, start = timefix(stop, np.asarray(start))
    st = build_structure(stop, event, start, w, codes, nstrat, ties, fix_times)
    if st.near_ties:  # several strata and nearly equal times: R's timefix, then again
        (stop,) = timefix(stop)
        st = build_structure(stop, event, start, w, codes, nstrat, ties, False)
    stop = st.stop_used
    model = RiskSetModel(st, x, off, codes, nocenter)
    scale = model.scale
    beta0 = np.zeros(p) if init is None else np.asarray(init, dtype=float) / scale
    beta, ll0, ll, sctest, var_s, u_s, it, conv, rank = _newton(
        model, beta0, max_iter, eps, toler_chol, counting=start is not None
    )
    coef = beta * scale
    var = var_s * np.outer(scale, scale)
    u = u_s / scale
    sing = np.diag(var) == 0 if rank < p else np.zeros(p, dtype=bool)
    tinf = np.sqrt(eps) if toler_inf is None else toler_inf
    with np.errstate(invalid="ignore"):
        infs = np.abs(u @ var)
        if start is None:
            infinite = ~np.isfinite(u) | ((infs > eps) & (infs > tinf * np.abs(coef)))
        else:
            infinite = ~np.isfinite(u) | (infs > tinf * (1 + np.abs(coef)))
    if max_iter <= 1 or not conv:
        infinite = np.zeros(p, dtype=bool)
    coef_out = coef.copy()
    if max_iter > 0:
        coef_out[sing] = np.nan
    return CoxFit(
        coef=coef_out,
        var=var,
        loglik=ll,
        loglik_init=ll0,
        score_test=sctest,
        u=u,
        iterations=it,
        converged=conv,
        rank=rank,
        infinite=infinite & ~sing,
        ties=ties,
        n=n,
        stop=stop,
        start=start,
        _model=model,
        _beta_s=np.where(sing, 0.0, beta),
        _scale=scale,
    )


def _newton(
    model: RiskSetModel, beta: np.ndarray, max_iter: int, eps: float, toler: float, counting
):
    """R's Newton-Raphson (``coxfit6``; ``agfit4`` when ``counting``) in scaled units.

    Returns beta, loglik at init, final loglik, score test, variance, score,
    iterations, converged, rank.
    """
    q = model.evaluate(beta)
    ll0 = q.loglik
    factor, rank = cholesky2(q.imat, toler)
    step = chsolve2(factor, q.u)
    sctest = float(q.u @ step)
    if max_iter == 0 or not np.isfinite(ll0):
        return beta, ll0, ll0, sctest, chinv2(factor), q.u, 0, max_iter == 0, rank
    best = ll0
    old = beta.copy()
    new = beta + step
    halving = 0
    for it in range(1, max_iter + 1):
        q = model.evaluate(new)
        factor, rank2 = cholesky2(q.imat, toler)
        bad = (
            not np.all(np.isfinite(q.u))
            or not np.all(np.isfinite(q.imat))
            or not np.isfinite(q.loglik)
        )
        if counting:
            bad = bad or rank2 != rank
        done = not bad and abs(1 - best / q.loglik) <= eps
        if counting:
            done = done and halving == 0
        if done:
            return new, ll0, q.loglik, sctest, chinv2(factor), q.u, it, True, rank2
        if counting and it == max_iter and (q.loglik - best) / abs(best) >= -eps:
            # agfit4 keeps the last value when it is not worse than the best one
            return new, ll0, q.loglik, sctest, chinv2(factor), q.u, it, False, rank2
        if bad or q.loglik < best:
            halving += 1
            new = (new + halving * old) / (halving + 1.0)
        else:
            halving = 0
            best = q.loglik
            step = chsolve2(factor, q.u)
            old = new
            new = new + step
    # out of iterations: report the last good value (as R does)
    q = model.evaluate(old)
    factor, rank2 = cholesky2(q.imat, toler)
    return old, ll0, q.loglik, sctest, chinv2(factor), q.u, max_iter, False, rank2
