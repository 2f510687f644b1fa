"""Fine-Gray regression of the subdistribution hazard, equal to R ``cmprsk::crr``.

For a cause of interest (e.g. exit to work) with competing exits (education, pension),
the Fine-Gray model is a proportional-hazards model for the hazard of the cumulative
incidence function. Persons who had a competing exit stay in the risk set after it with a
weight ``G(t-)/G(T_i-)``, ``G`` the Kaplan-Meier estimate of the censoring distribution
(Fine and Gray 1999). The estimate, its sandwich variance (with the term for the
estimated censoring distribution), the Newton iteration and its stopping rule, the
baseline jumps and the predicted cumulative incidence follow Gray's Fortran in cmprsk
2.2-11 (``crrfsv``, ``crrf``, ``crrvv``, ``crrfit``) and ``predict.crr`` exactly, written
as cumulative sums over the time-sorted data instead of loops (O(n p^2) per iteration).

Not covered: ``cov2``/``tf`` (covariates multiplied by functions of time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from evalkit._checks import check_alpha
from evalkit.survival._core import _durations, _numeric_1d
from evalkit.survival._cox_design import column_design
from evalkit.survival._display import Summary, SummaryTable, html_para, html_table, text_table
from evalkit.survival.km import kaplan_meier

__all__ = ["FineGrayResult", "fine_gray"]

_EPS = float(np.finfo(float).eps)


# -- the data, sorted as crr sorts them ---------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Data:
    t: np.ndarray  # (n,) sorted times
    ici: np.ndarray  # 1 cause of interest, 2 competing, 0 censored
    x: np.ndarray  # (n, p) centred covariates
    xmean: np.ndarray  # (p,) the centring
    cg: np.ndarray  # (n,) censoring group 0..ncg-1
    wt: np.ndarray  # (ncg, n) censoring KM of each group at every t_i-
    first: np.ndarray  # (n,) first row with the same time
    last: np.ndarray  # (n,) last row with the same time
    uft: np.ndarray  # (ndf,) distinct times of the cause of interest
    fail_first: np.ndarray  # (ndf,) first row at each of them
    d: np.ndarray  # (ndf,) events of interest at each


def _censoring_km(t: np.ndarray, cens: np.ndarray, cg: np.ndarray, ncg: int) -> np.ndarray:
    """crr's ``uuu``: each group's censoring Kaplan-Meier at every ``t_i-``.

    As crr: ``approx(c(min(0, time) - 10 eps, time, max(time) (1 + 10 eps)), c(1, surv,
    0), xout = ftime (1 - 100 eps), method = "constant", f = 0, rule = 2)`` with ``time``,
    ``surv`` from ``survfit(Surv(ftime, cenind) ~ 1)`` in the group.
    """
    xout = t * (1 - 100 * _EPS)
    out = np.empty((ncg, t.size))
    for k in range(ncg):  # one pass per censoring group (usually one)
        sel = cg == k
        km = kaplan_meier(t[sel], cens[sel], conf_type="plain").table
        time, surv = km["time"].to_numpy(), km["survival"].to_numpy()
        knots = np.concatenate(
            ([min(0.0, time[0]) - 10 * _EPS], time, [time[-1] * (1 + 10 * _EPS)])
        )
        vals = np.concatenate(([1.0], surv, [0.0]))
        i = np.searchsorted(knots, xout, side="right") - 1
        out[k] = np.where(i < 0, vals[0], vals[np.clip(i, 0, None)])
    return out


def _data(
    t: np.ndarray, status: np.ndarray, x: np.ndarray, cg: np.ndarray, failcode: Any, cencode: Any
) -> _Data:
    order = np.argsort(t, kind="stable")  # R order(): ties keep their order
    t, status, x, cg = t[order], status[order], x[order], cg[order]
    cens = status == cencode
    ici = np.where(status == failcode, 1, np.where(cens, 0, 2))
    ncg = int(cg.max()) + 1 if cg.size else 1
    wt = _censoring_km(t, cens.astype(np.int8), cg, ncg)
    first = np.searchsorted(t, t, side="left")
    last = np.searchsorted(t, t, side="right") - 1
    uft, fail_first, d = np.unique(t[ici == 1], return_index=True, return_counts=True)
    fail_first = np.searchsorted(t, uft, side="left")
    xmean = x.mean(axis=0) if x.size else np.zeros(x.shape[1])
    return _Data(t, ici, x - xmean, xmean, cg, wt, first, last, uft, fail_first, d)


# -- risk-set sums ------------------------------------------------------------------------


def _risk_sums(dat: _Data, b: np.ndarray, second: bool) -> tuple[np.ndarray, ...]:
    """S0, S1 (and S2) of the weighted risk set at every distinct failure time.

    At failure time ``u`` the risk set holds every row with ``t >= u`` (weight
    ``exp(x b)``) and every competing exit with ``t < u`` (weight
    ``exp(x b) G(u-)/G(t-)``, ``G`` of the row's censoring group).
    """
    x, k = dat.x, dat.fail_first
    e = np.exp(x @ b)
    p = x.shape[1]

    def suffix(v: np.ndarray) -> np.ndarray:
        return np.cumsum(v[::-1], axis=0)[::-1]

    def prefix(v: np.ndarray) -> np.ndarray:  # exclusive: sums over rows before each row
        out = np.zeros((v.shape[0] + 1, *v.shape[1:]))
        np.cumsum(v, axis=0, out=out[1:])
        return out[:-1]

    ex = e[:, None] * x
    s0 = suffix(e)[k]
    s1 = suffix(ex)[k]
    s2 = None
    if second:
        exx = (ex[:, :, None] * x[:, None, :]).reshape(-1, p * p)
        s2 = suffix(exx)[k]
    comp = dat.ici == 2
    for g in range(dat.wt.shape[0]):
        sel = comp & (dat.cg == g)
        if not sel.any():
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(sel, e / dat.wt[g], 0.0)
        gu = dat.wt[g][k]  # G_g(u-)
        s0 = s0 + gu * prefix(c)[k]
        s1 = s1 + gu[:, None] * prefix(c[:, None] * x)[k]
        if second:
            cxx = ((c[:, None] * x)[:, :, None] * x[:, None, :]).reshape(-1, p * p)
            s2 = s2 + gu[:, None] * prefix(cxx)[k]
    if second:
        return s0, s1, s2.reshape(-1, p, p)
    return s0, s1


def _objective(dat: _Data, b: np.ndarray, derivatives: bool):
    """crr's minimised function: minus the log pseudo-likelihood (and its derivatives)."""
    fail = dat.ici == 1
    sums = _risk_sums(dat, b, second=derivatives)
    s0, s1 = sums[0], sums[1]
    lik = -float(dat.x[fail].sum(axis=0) @ b) + float(np.sum(dat.d * np.log(s0)))
    if not derivatives:
        return lik
    xbar = s1 / s0[:, None]
    score = -dat.x[fail].sum(axis=0) + (dat.d[:, None] * xbar).sum(axis=0)
    info = np.einsum("k,kij->ij", dat.d / s0, sums[2]) - np.einsum("k,ki,kj->ij", dat.d, xbar, xbar)
    return lik, score, info


def _newton(dat: _Data, init: np.ndarray, gtol: float, maxiter: int):
    """crr's Newton-Raphson with backtracking and its stopping rule, step for step."""
    b = init.copy()
    converged = False
    for ll in range(maxiter + 1):
        lik, score, info = _objective(dat, b, True)
        if np.max(np.abs(score) * np.maximum(np.abs(b), 1.0)) < max(abs(lik), 1.0) * gtol:
            converged = True
            break
        if ll == maxiter:
            break
        sc = -np.linalg.solve(info, score)
        bn = b + sc
        fbn = _objective(dat, bn, False)
        i = 0
        while not np.isfinite(fbn) or fbn > lik + 1e-4 * float(sc @ score):
            i += 1
            sc = sc * 0.5
            bn = b + sc
            fbn = _objective(dat, bn, False)
            if i > 20:
                break
        if i > 20:
            break
        b = bn
    return b, lik, score, info, converged, ll


def _variance(dat: _Data, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """crr's ``crrvv``: the information and the middle of the sandwich (eta + psi)."""
    t, ici, x, cg, wt = dat.t, dat.ici, dat.x, dat.cg, dat.wt
    n, p = x.shape
    s0, s1, s2 = _risk_sums(dat, b, second=True)
    xbar = s1 / s0[:, None]
    info = np.einsum("k,kij->ij", dat.d / s0, s2) - np.einsum("k,ki,kj->ij", dat.d, xbar, xbar)
    e = np.exp(x @ b)
    fail = ici == 1
    # per row: index of its time among the failure times (-1 if none), failures <= t_i
    k_row = np.searchsorted(dat.uft, t, side="right")  # number of failure times <= t_i
    at_fail = np.zeros(n, dtype=np.int64)
    at_fail[fail] = np.searchsorted(dat.uft, t[fail])
    # eta: score residual, dN part minus the d Lambda part
    eta = np.zeros((n, p))
    eta[fail] = x[fail] - xbar[at_fail[fail]]
    a0 = np.concatenate(([0.0], np.cumsum(dat.d / s0)))
    a1 = np.vstack((np.zeros(p), np.cumsum(dat.d[:, None] * xbar / s0[:, None], axis=0)))
    eta -= e[:, None] * (x * a0[k_row][:, None] - a1[k_row])
    comp = ici == 2
    censored = ici == 0
    psi = np.zeros((n, p))
    s0_row = np.where(fail, s0[at_fail], 1.0)
    xbar_row = np.where(fail[:, None], xbar[at_fail], 0.0)
    for g in range(wt.shape[0]):  # one pass per censoring group (usually one)
        gu = wt[g][dat.fail_first]  # G_g(u_k-)
        # competing exits of group g after their own time
        b0 = np.concatenate((np.cumsum((dat.d * gu / s0)[::-1])[::-1], [0.0]))
        b1 = np.vstack(
            (np.cumsum((dat.d[:, None] * gu[:, None] * xbar / s0[:, None])[::-1], axis=0)[::-1],
             np.zeros(p))
        )  # fmt: skip
        sel = comp & (cg == g)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(sel, e / wt[g], 0.0)
        eta -= r[:, None] * (x * b0[k_row][:, None] - b1[k_row])
        # psi: the censoring martingale part, q_g at each censored row of group g
        in_g = cg == g
        c0 = r  # e / G_g(t-) of the competing exits of group g
        pre0 = np.concatenate(([0.0], np.cumsum(c0)))  # sums over rows before index
        pre1 = np.vstack((np.zeros(p), np.cumsum(c0[:, None] * x, axis=0)))
        fg = fail & in_g
        f0 = np.where(fg, wt[g] / s0_row, 0.0)
        f1 = f0[:, None] * xbar_row
        suf0 = np.concatenate((np.cumsum(f0[::-1])[::-1], [0.0]))  # sums from index on
        suf1 = np.vstack((np.cumsum(f1[::-1], axis=0)[::-1], np.zeros(p)))
        fi = dat.first
        q = pre1[fi] * suf0[fi][:, None] - pre0[fi][:, None] * suf1[fi]  # (n, p)
        y_g = np.concatenate((np.cumsum(in_g[::-1])[::-1], [0]))[fi].astype(float)
        cen_g = censored & in_g
        with np.errstate(divide="ignore", invalid="ignore"):
            inc = np.where(cen_g[:, None], -q / (y_g**2)[:, None], 0.0)
        ss2 = np.cumsum(inc, axis=0)[dat.last]  # through every row at the same time
        psi[in_g] = ss2[in_g]
        with np.errstate(divide="ignore", invalid="ignore"):
            psi[cen_g] += q[cen_g] / y_g[cen_g][:, None]
    u = eta + psi
    return info, u.T @ u


# -- the result ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class FineGrayResult:
    """Fitted Fine-Gray model (R ``crr``).

    Attributes
    ----------
    summary : DataFrame
        Indexed by covariate (R names, e.g. ``sexM``): ``coef, hazard_ratio, se, z,
        p_value, lower, upper`` (subdistribution hazard ratio ``exp(coef)`` with limits
        at level 1 - alpha). Call it, ``fit.summary()``, for R's ``summary.crr``
        printout.
    variance : DataFrame
        The sandwich variance of the coefficients (R ``crr()$var``).
    loglik, loglik_null : float
        Log pseudo-likelihood at the estimate and at 0.
    converged : bool
        R's ``converged`` (its gradient rule within ``maxiter`` Newton steps).
    n, n_events, n_competing : int
        Rows used, events of interest, competing exits.
    failcode : label
    times : ndarray
        Distinct event times of the cause of interest (R ``uftime``).
    baseline_jumps : ndarray
        Jumps of the baseline cumulative subdistribution hazard there (R ``bfitj``).
    alpha : float
    """

    summary: SummaryTable = field(repr=False)
    variance: pd.DataFrame = field(repr=False)
    loglik: float
    loglik_null: float
    converged: bool
    n: int
    n_events: int
    n_competing: int
    failcode: Any
    times: np.ndarray = field(repr=False)
    baseline_jumps: np.ndarray = field(repr=False)
    alpha: float = 0.05
    iterations: int = 0
    information: np.ndarray | None = field(default=None, repr=False)
    _design: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        table = SummaryTable(self.summary)
        object.__setattr__(table, "_summarise", self._printout)
        object.__setattr__(self, "summary", table)

    @property
    def coef(self) -> pd.Series:
        """The coefficients (log subdistribution hazard ratios)."""
        return self.summary["coef"]

    @property
    def lr_test(self) -> tuple[float, int, float]:
        """Pseudo likelihood-ratio test: statistic, df, p (R ``summary.crr``'s logtest)."""
        stat = -2 * (self.loglik_null - self.loglik)
        df = len(self.summary)
        return stat, df, float(chi2.sf(stat, df))

    def predict(self, newdata: pd.DataFrame, times: Any = None) -> pd.DataFrame:
        """Predicted cumulative incidence for covariate profiles, as R ``predict.crr``.

        Parameters
        ----------
        newdata : DataFrame
            One row per profile, with the model's covariate columns (categorical ones
            with levels the model knows).
        times : array_like, optional
            Evaluate the (right-continuous, 0 before the first event) step functions at
            these times instead of at every event time of the cause (R's rows).

        Returns
        -------
        DataFrame
            ``time`` and one column per profile (``newdata``'s index):
            ``1 - exp(-exp(z b) sum_{u <= t} dLambda_0(u))``.
        """
        if not isinstance(newdata, pd.DataFrame):
            raise TypeError(f"newdata must be a DataFrame, but was {type(newdata).__name__}")
        z = np.ascontiguousarray(self._design.build(newdata))
        lp = z @ self.summary["coef"].to_numpy()
        cumhaz = np.cumsum(self.baseline_jumps)
        time = self.times
        if times is not None:
            time = _numeric_1d(times, "times").astype(float)
            i = np.searchsorted(self.times, time, side="right") - 1
            cumhaz = np.where(i >= 0, cumhaz[np.clip(i, 0, None)], 0.0)
        cif = 1 - np.exp(-np.exp(lp)[None, :] * cumhaz[:, None])
        out = pd.DataFrame(cif, columns=list(newdata.index))
        out.insert(0, "time", time)
        return out

    def plot(
        self,
        newdata: pd.DataFrame,
        ax: Any = None,
        *,
        title: str | None = None,
        xlabel: str = "Uger siden start",
        ylabel: str = "Kumuleret andel",
    ) -> Any:
        """Predicted cumulative incidence per profile as step curves (R ``plot.predict.crr``).

        One curve per row of ``newdata`` (labelled by its index), from 0 at time 0 through
        every event time of the cause (:meth:`predict`). Returns the Figure of ``ax``, or a
        new one not registered with pyplot (a notebook shows it once).
        """
        from evalkit.plots import _finish_share_axes

        pred = self.predict(newdata)
        if ax is None:
            from evalkit._figure import NotebookFigure

            ax = NotebookFigure(figsize=(7.5, 4.5)).subplots()
        x = np.r_[0.0, pred["time"].to_numpy()]
        for label in pred.columns[1:]:
            ax.step(x, np.r_[0.0, pred[label].to_numpy()], where="post", label=str(label))
        ax.set_ylim(0, 1)
        ax.set_xlim(left=0)
        _finish_share_axes(ax, xlabel, ylabel, title)
        return ax.figure

    def to_frame(self) -> pd.DataFrame:
        """The summary table (a plain DataFrame)."""
        return pd.DataFrame(self.summary).copy()

    def _tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        s = self.summary
        coef = pd.DataFrame(
            {
                "coef": s["coef"],
                "exp(coef)": s["hazard_ratio"],
                "se(coef)": s["se"],
                "z": s["z"],
                "p-value": s["p_value"],
            }
        )
        a = self.alpha / 2
        lo, hi = f"{100 * a:g}%", f"{100 * (1 - a):g}%"
        ci = pd.DataFrame(
            {
                "exp(coef)": s["hazard_ratio"],
                "exp(-coef)": 1 / s["hazard_ratio"],
                lo: s["lower"],
                hi: s["upper"],
            }
        )
        return coef, ci

    def _foot(self) -> list[str]:
        stat, df, _ = self.lr_test
        return [
            f"Num. cases = {self.n} (events of interest {self.n_events}, "
            f"competing {self.n_competing})",
            f"Pseudo Log-likelihood = {self.loglik:.7g}",
            f"Pseudo likelihood ratio test = {stat:.2f}  on {df} df,",
        ]

    def __repr__(self) -> str:
        coef, ci = self._tables()
        head = "Competing Risks Regression (Fine-Gray)"
        if not self.converged:
            head += "\ncrr converged: False"
        return "\n".join(
            [head, "", text_table(coef, pvalues=["p-value"]), "", text_table(ci), "",
             *self._foot()]
        )  # fmt: skip

    def _printout(self) -> Summary:
        """The printout of R ``summary(crr(...))`` as text and HTML."""
        coef, ci = self._tables()
        html = (
            html_para("Competing risks regression (Fine-Gray)")
            + html_table(coef, pvalues=["p-value"])
            + html_table(ci)
            + "".join(html_para(line) for line in self._foot())
        )
        return Summary(repr(self), html)

    def _repr_html_(self) -> str:
        return self._printout().html


def fine_gray(
    data: pd.DataFrame,
    duration: str,
    cause: str,
    covariates: list[str],
    *,
    failcode: Any = 1,
    cencode: Any = 0,
    cengroup: str | None = None,
    alpha: float = 0.05,
    gtol: float = 1e-6,
    maxiter: int = 10,
) -> FineGrayResult:
    """Fine-Gray regression of the subdistribution hazard of one cause, as ``cmprsk::crr``.

    Parameters
    ----------
    data : DataFrame
        One row per person.
    duration : str
        Column of the time to the first exit or censoring.
    cause : str
        Column of the kind of exit: ``failcode`` for the cause of interest, ``cencode``
        for censored, anything else for a competing exit.
    covariates : list of str
        Columns; categorical ones are dummy coded with the first level as reference and
        named as R's ``model.matrix`` (``sexM``), as they would be passed to ``crr``'s
        ``cov1``.
    failcode, cencode : label
        The codes of the cause of interest and of censoring (R's defaults 1 and 0).
    cengroup : str, optional
        Column of groups with separate censoring distributions (R ``cengroup``).
    alpha : float
        1 - confidence level of the hazard-ratio limits.
    gtol, maxiter : float, int
        crr's stopping rule: stop when ``max(|score| max(|b|, 1)) < max(|loglik|, 1) gtol``
        or after ``maxiter`` Newton steps (R's defaults 1e-6 and 10).

    Returns
    -------
    FineGrayResult

    Raises
    ------
    ValueError, TypeError
        For a missing column, missing values, negative or non-finite times, a constant
        or single-level covariate, no events of the cause of interest, or bad options.

    References
    ----------
    Fine JP, Gray RJ (1999). A proportional hazards model for the subdistribution of a
    competing risk. *JASA* 94, 496-509. Gray RJ, *cmprsk* R package 2.2-11 (``crr``,
    ``predict.crr``; Fortran ``crrfsv``, ``crrf``, ``crrvv``, ``crrfit``).

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "c": [1, 2, 1, 0, 1, 2, 0, 1],
    ...                    "x": [0.5, 1.0, 0.1, 0.7, 0.2, 0.9, 0.4, 0.3]})
    >>> fit = fine_gray(df, "t", "c", ["x"])
    >>> fit.summary.index.tolist(), fit.n_events
    (['x'], 4)
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a DataFrame, but was {type(data).__name__}")
    alpha = check_alpha(alpha)
    if not isinstance(covariates, (list, tuple)) or not covariates:
        raise ValueError(f"covariates must be a non-empty list of columns, but was {covariates!r}")
    for col, arg in ((duration, "duration"), (cause, "cause")):
        if col not in data.columns:
            raise ValueError(f"{arg} must be a column of data, but {col!r} is not")
    if not isinstance(maxiter, int) or isinstance(maxiter, bool) or maxiter < 0:
        raise ValueError(f"maxiter must be a whole number >= 0, but was {maxiter!r}")
    gtol = float(_numeric_1d(gtol, "gtol")[0])
    if not gtol > 0:
        raise ValueError(f"gtol must be positive, but was {gtol!r}")
    t = _durations(data[duration].to_numpy(), duration).astype(float)
    status = data[cause].to_numpy()
    if pd.isna(status).any():
        i = int(np.flatnonzero(pd.isna(status))[0])
        raise ValueError(f"cause {cause!r} has missing values (first at row {i})")
    if not (status == failcode).any():
        raise ValueError(f"cause {cause!r} has no rows with failcode {failcode!r}")
    x, design = column_design(data, list(covariates))
    x = np.ascontiguousarray(x, dtype=float)
    if cengroup is None:
        cg = np.zeros(t.size, dtype=np.int64)
    else:
        if cengroup not in data.columns:
            raise ValueError(f"cengroup must be a column of data, but {cengroup!r} is not")
        col = data[cengroup]
        if col.isna().any():
            raise ValueError(f"cengroup {cengroup!r} has missing values")
        cg = pd.factorize(col, sort=True)[0].astype(np.int64)
    dat = _data(t, status, x, cg, failcode, cencode)
    p = x.shape[1]
    b, lik, _, _, converged, iters = _newton(dat, np.zeros(p), gtol, maxiter)
    info, middle = _variance(dat, b)
    inv = np.linalg.inv(info)
    var = inv @ middle @ inv.T
    se = np.sqrt(np.diag(var))
    z = norm.isf(alpha / 2)
    names = list(design.names)
    with np.errstate(divide="ignore", invalid="ignore"):
        zval = b / se
    summary = pd.DataFrame(
        {
            "coef": b,
            "hazard_ratio": np.exp(b),
            "se": se,
            "z": zval,
            "p_value": 2 * norm.sf(np.abs(zval)),
            "lower": np.exp(b - z * se),
            "upper": np.exp(b + z * se),
        },
        index=pd.Index(names, name="covariate"),
    )
    s0 = _risk_sums(dat, b, second=False)[0]
    # baseline jumps on R's scale (uncentred covariates): d / S0 with S0 = sum exp(x b)
    jumps = dat.d / s0 * math.exp(-float(dat.xmean @ b))
    return FineGrayResult(
        summary=summary,
        variance=pd.DataFrame(var, index=names, columns=names),
        loglik=-lik,
        loglik_null=-_objective(dat, np.zeros(p), False),
        converged=converged,
        n=int(t.size),
        n_events=int((dat.ici == 1).sum()),
        n_competing=int((dat.ici == 2).sum()),
        failcode=failcode,
        times=dat.uft,
        baseline_jumps=jumps,
        alpha=alpha,
        iterations=iters,
        information=info,
        _design=design,
    )
