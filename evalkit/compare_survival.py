"""Survival of participants against a reweighted comparison group from the kommune.

:func:`adjusted_survival` does the whole comparison in one call: a propensity model of
participation on baseline covariates (:func:`evalkit.compare.propensity_score`), ATT
weights for the comparison pool (:func:`evalkit.compare.att_weights`), a balance table
before and after weighting, Kaplan-Meier curves of the participants, the unadjusted and the
weighted comparison group (robust variance for the weighted one, as R ``survfit``), the
difference in S(t) at chosen weeks with a confidence interval that includes the
uncertainty of the estimated propensity score, and a Cox model of the project arm
adjusted for the same covariates.

The formulas are written out in ``docs/comparison-group.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from evalkit._checks import check_alpha, check_dataframe, check_nonnegative, check_option
from evalkit._propensity import _fit_propensity, _prepare
from evalkit.compare import _att_weights, balance_table
from evalkit.results import Estimate
from evalkit.survival import CoxResult, KaplanMeierResult, cox, kaplan_meier
from evalkit.survival._core import _counts, _numeric_1d
from evalkit.survival._core import _prepare as _prepare_spells

__all__ = ["CURVES", "HR_MODELS", "SE_METHODS", "AdjustedSurvivalResult", "adjusted_survival"]

CURVES = ("treated", "control", "control_weighted")
SE_METHODS = ("m-estimation", "fixed-weights")
HR_MODELS = ("adjusted", "weighted", "unadjusted")
_WEIGHT_COLUMN = "__att_weight__"


@dataclass(frozen=True, eq=False)
class AdjustedSurvivalResult:
    """Participants against the unadjusted and the ATT-weighted comparison group.

    Attributes
    ----------
    curves : dict of str -> KaplanMeierResult
        ``"treated"`` (participants, Greenwood), ``"control"`` (comparison pool,
        unweighted, Greenwood) and ``"control_weighted"`` (ATT weights, robust
        infinitesimal-jackknife variance, as R ``survfit(..., weights = w)``).
    survival : DataFrame
        One row per curve and time: ``curve, time, survival, lower, upper, std_err,
        at_risk`` (persons still at risk, unweighted), ``at_risk_weighted`` (sum of the
        weights at risk), ``n`` (persons in the group).
    difference : DataFrame
        One row per time: ``time, estimate`` (S_treated - S_control_weighted), ``se``,
        ``lower``, ``upper``, ``p_value`` (normal; the SE chosen by ``se_method``),
        ``se_m_estimation``, ``se_fixed_weights``. NaN where nobody is at risk in a group.
    cox, cox_unadjusted : CoxResult
        Cox models of the treatment with and without the covariates.
    cox_weighted : CoxResult
        Cox model of the treatment alone with the ATT weights and the robust variance
        (R ``coxph(Surv(t, d) ~ treatment, weights = w)``): the marginal hazard ratio of
        the participants against the weighted comparison group.
    balance : DataFrame
        :func:`evalkit.compare.balance_table` with the ATT weights.
    propensity, weights : Series
        Propensity scores and ATT weights, indexed like the data.
    treatment : str
        The 0/1 treatment column (its row in the Cox summaries).
    covariates : tuple of str
    n_treated, n_control : int
    ess_control : float
        Kish's effective sample size of the weighted comparison group.
    alpha : float
    se_method : str
    """

    curves: dict[str, KaplanMeierResult] = field(repr=False)
    survival: pd.DataFrame = field(repr=False)
    difference: pd.DataFrame = field(repr=False)
    cox: CoxResult = field(repr=False)
    cox_unadjusted: CoxResult = field(repr=False)
    cox_weighted: CoxResult = field(repr=False)
    balance: pd.DataFrame = field(repr=False)
    propensity: pd.Series = field(repr=False)
    weights: pd.Series = field(repr=False)
    treatment: str
    covariates: tuple[str, ...]
    n_treated: int
    n_control: int
    ess_control: float
    alpha: float
    se_method: str

    def hazard_ratio(self, model: str = "adjusted") -> Estimate:
        """The Cox hazard ratio of the treatment.

        ``model``: ``"adjusted"`` (covariates in the model), ``"weighted"`` (ATT weights,
        robust variance) or ``"unadjusted"``. ``details`` holds ``coef``, ``n_events``,
        ``ties`` and ``variance``.
        """
        check_option("model", model, HR_MODELS)
        fit = {"adjusted": self.cox, "weighted": self.cox_weighted}.get(model, self.cox_unadjusted)
        row = fit.summary.loc[self.treatment]
        return Estimate(
            estimate=float(row["hazard_ratio"]),
            lower=float(row["lower"]),
            upper=float(row["upper"]),
            n=fit.n,
            method=f"cox-{model}",
            alpha=fit.alpha,
            se=float(row["se"]),
            p_value=float(row["p_value"]),
            details={
                "coef": float(row["coef"]),
                "n_events": fit.n_events,
                "ties": fit.ties,
                "variance": fit.variance,
            },
        )

    def to_frame(self) -> pd.DataFrame:
        """The S(t) table of the three curves (a copy)."""
        return self.survival.copy()

    def plot(self, ax: Any = None, *, weighted_only: bool = False, **kwargs: Any) -> Any:
        """The participants' and the comparison group's curves; returns the Figure.

        Draws "Deltagere", "Sammenligningsgruppe (ujusteret)" (left out with
        ``weighted_only=True``) and "Sammenligningsgruppe (vægtet)" with
        :func:`evalkit.plots.plot_survival`; the weighted curve's risk table counts
        persons (``risk_counts="weighted"`` shows the sums of weights, labelled "vægtet").
        Other keyword arguments go to ``plot_survival`` (``threshold`` defaults to 1
        here: this is the analyst's view, not a publication).
        """
        from evalkit.plots import plot_survival

        names = {
            "treated": "Deltagere",
            "control": "Sammenligningsgruppe (ujusteret)",
            "control_weighted": "Sammenligningsgruppe (vægtet)",
        }
        keys = [k for k in CURVES if not (weighted_only and k == "control")]
        kwargs.setdefault("threshold", 1)
        return plot_survival({names[k]: self.curves[k] for k in keys}, ax=ax, **kwargs)

    def _repr_html_(self) -> str:
        hr = self.hazard_ratio()
        return (
            f"<p>Participants n = {self.n_treated}, comparison pool n = {self.n_control} "
            f"(effective n after weighting {self.ess_control:.0f}); adjusted hazard ratio "
            f"{hr.estimate:.3f} ({hr.lower:.3f}; {hr.upper:.3f})</p>"
            + self.survival.to_html(index=False)
            + self.difference.to_html(index=False)
        )


def _km_influence(
    t: np.ndarray, d: np.ndarray, w: np.ndarray | None, times: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier S at ``times`` and each person's infinitesimal-jackknife influence.

    For person i with time ``T_i`` and event ``d_i`` the derivative of ``-log S(t)`` with
    respect to the person's weight is ``A_i(t) = d_i 1{T_i <= t} g(T_i) - C(min(t, T_i))``
    with ``g = 1 / (Y - D)`` and ``C`` the cumulative sum of ``D / Y * g`` over the
    distinct times (Y, D weighted numbers at risk and events). The influence is
    ``w_i dS(t)/dw_i = -w_i S(t) A_i(t)``; the sum of its squares is R's robust variance.

    Returns
    -------
    surv : ndarray, shape (k,)
    influence : ndarray, shape (n, k)
    """
    c = _counts(t, d, w)
    y, ev = c.n_risk, c.n_event
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(ev > 0, ev / y, 0.0)
        surv = np.cumprod(1.0 - h)
        g = 1.0 / (y - ev)
        cum = np.cumsum(np.where(ev > 0, h * g, 0.0))
    pos = np.searchsorted(c.time, t)
    idx = np.searchsorted(c.time, times, side="right") - 1
    s_at = np.where(idx >= 0, surv[np.maximum(idx, 0)], 1.0)
    cum0 = np.append(cum, 0.0)  # position -1 (before the first time) reads 0
    m = np.minimum(pos[:, None], idx[None, :])
    hit = d[:, None] & (pos[:, None] <= idx[None, :])
    with np.errstate(invalid="ignore"):
        a = np.where(hit, g[pos][:, None], 0.0) - cum0[m]
        infl = np.where(s_at[None, :] > 0, -s_at[None, :] * a, 0.0)
    if w is not None:
        infl = infl * w[:, None]
    return s_at, infl


def _times(times: Any) -> np.ndarray:
    arr = _numeric_1d(times, "times").astype(float)
    if arr.size == 0:
        raise ValueError("times must hold at least one time")
    check_nonnegative(arr, "times")
    return arr


def adjusted_survival(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str],
    *,
    duration: str = "duration",
    event: str = "event",
    times: Sequence[float] = (13, 26, 52),
    alpha: float = 0.05,
    conf_type: str = "log-log",
    se_method: str = "m-estimation",
) -> AdjustedSurvivalResult:
    """Survival of the treated against an ATT-weighted comparison group, and an adjusted Cox.

    Steps:

    1. propensity score ``e(x)`` by logistic regression of ``treatment`` on
       ``covariates`` (:func:`evalkit.compare.propensity_score`);
    2. ATT weights: participants 1, comparison persons ``e/(1 - e)`` rescaled to sum to
       the number of participants (:func:`evalkit.compare.att_weights`);
    3. balance table before and after weighting (:func:`evalkit.compare.balance_table`);
    4. Kaplan-Meier curves of the participants, of the comparison pool, and of the
       weighted comparison pool; the weighted curve's pointwise interval uses the robust
       (infinitesimal-jackknife) variance, as R ``survfit`` does for non-integer weights;
    5. the difference ``S_treated(t) - S_weighted(t)`` at ``times`` with a normal
       interval. Its default standard error (``"m-estimation"``) is the
       infinitesimal-jackknife variance of the whole procedure, i.e. each person's
       influence on both curves *plus* their influence through the estimated propensity
       score, ``(dS_w/dbeta)' (X'VX)^-1 x_j (T_j - e_j)``. ``"fixed-weights"`` treats the
       weights as known: Greenwood variance of the treated curve plus the robust variance
       of the weighted curve (what two R ``survfit`` calls give);
    6. Cox models of the treatment with and without the covariates, and of the treatment
       alone with the ATT weights and robust variance (:func:`evalkit.survival.cox`,
       Efron ties).

    Parameters
    ----------
    data : DataFrame
        One row per person (e.g. the spells of participants and comparison pool).
    treatment : str
        0/1 column, 1 for project participants.
    covariates : list of str
        Baseline covariates for the propensity model and the Cox model; categorical
        columns are one-hot encoded with the first level as reference.
    duration, event : str, default "duration", "event"
        Spell columns (weeks to self-support, 0/1 event).
    times : sequence of float, default (13, 26, 52)
        Weeks at which S(t) and the difference are reported.
    alpha : float, default 0.05
        1 - confidence level.
    conf_type : {"log-log", "log", "plain"}
        Transform of the pointwise Kaplan-Meier intervals.
    se_method : {"m-estimation", "fixed-weights"}
        Which standard error the difference's interval uses; both are returned.

    Returns
    -------
    AdjustedSurvivalResult

    Raises
    ------
    ValueError
        Missing columns or values, a treatment not 0/1 or with one group only, a rank
        deficient design or perfect separation, invalid spells, negative times or an
        unknown option.

    References
    ----------
    Austin PC (2014). The use of propensity score methods with survival or time-to-event
    outcomes: reporting measures of effect similar to those used in randomized
    experiments. Stat Med 33:1242-1258. Xie J, Liu C (2005). Adjusted Kaplan-Meier
    estimator and log-rank test with inverse probability of treatment weighting for
    survival data. Stat Med 24:3089-3110. R ``survival::survfit(..., weights = w)``
    (robust variance) and ``coxph``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"t": np.repeat([1, 0], 60), "age": rng.normal(40, 10, 120)})
    >>> df["duration"] = rng.integers(1, 40, 120)
    >>> df["event"] = rng.integers(0, 2, 120)
    >>> res = adjusted_survival(df, "t", ["age"], times=[10, 20])
    >>> res.difference["time"].tolist()
    [10.0, 20.0]
    """
    check_option("se_method", se_method, SE_METHODS)
    alpha = check_alpha(alpha)
    tr, covs = _prepare(data, treatment, covariates)
    check_dataframe(data, {"duration": duration, "event": event})
    dur, ev, _ = _prepare_spells(data[duration].to_numpy(), data[event].to_numpy())
    tt = _times(times)
    fit, x = _fit_propensity(data, tr, covs)
    ps = np.asarray(fit.fittedvalues, dtype=float)
    w = _att_weights(tr, ps)
    wc = w[~tr]
    balance = balance_table(data, treatment, covs, weights=w)

    kw = {"conf_type": conf_type, "alpha": alpha}
    curves = {
        "treated": kaplan_meier(dur[tr], ev[tr], **kw),
        "control": kaplan_meier(dur[~tr], ev[~tr], **kw),
        "control_weighted": kaplan_meier(dur[~tr], ev[~tr], weights=wc, **kw),
    }
    groups = {
        "treated": (dur[tr], None),
        "control": (dur[~tr], None),
        "control_weighted": (dur[~tr], wc),
    }
    rows = []
    for name, km in curves.items():
        at = km.survival_at(tt)
        d_g, w_g = groups[name]
        persons = (d_g[None, :] >= tt[:, None]).sum(axis=1)
        weighted = persons if w_g is None else ((d_g[None, :] >= tt[:, None]) * w_g).sum(axis=1)
        rows.append(
            pd.DataFrame(
                {
                    "curve": name,
                    "time": tt,
                    "survival": at["survival"].to_numpy(),
                    "lower": at["lower"].to_numpy(),
                    "upper": at["upper"].to_numpy(),
                    "std_err": _std_err_at(km, tt),
                    "at_risk": persons.astype(int),
                    "at_risk_weighted": weighted.astype(float),
                    "n": km.n,
                }
            )
        )
    survival = pd.concat(rows, ignore_index=True)

    # influences on S_treated(t) and S_weighted(t), then through the propensity score
    s1, if1 = _km_influence(dur[tr], ev[tr], None, tt)
    s0, if0 = _km_influence(dur[~tr], ev[~tr], wc, tt)
    grad = x[~tr].T @ if0  # dS_w/dbeta: sum_i (dS/dw_i) w_i x_i, shape (p, k)
    info = (x * (ps * (1.0 - ps))[:, None]).T @ x
    if_beta = np.linalg.solve(info, (x * (tr - ps)[:, None]).T).T  # (n, p)
    total = -(if_beta @ grad)
    total[tr] += if1
    total[~tr] -= if0
    se_m = np.sqrt(np.sum(total**2, axis=0))
    se1 = survival.loc[survival["curve"] == "treated", "std_err"].to_numpy()
    se0 = survival.loc[survival["curve"] == "control_weighted", "std_err"].to_numpy()
    se_f = np.sqrt(se1**2 + se0**2)
    est = s1 - s0
    observed = (
        survival.loc[survival["curve"] == "treated", "at_risk"].to_numpy()
        * survival.loc[survival["curve"] == "control", "at_risk"].to_numpy()
    ) > 0
    se = se_m if se_method == "m-estimation" else se_f
    z = float(norm.isf(alpha / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(se > 0, 2 * norm.sf(np.abs(est) / se), np.nan)
    nan = np.full(tt.size, np.nan)
    difference = pd.DataFrame(
        {
            "time": tt,
            "estimate": np.where(observed, est, nan),
            "se": np.where(observed, se, nan),
            "lower": np.where(observed, est - z * se, nan),
            "upper": np.where(observed, est + z * se, nan),
            "p_value": np.where(observed, p, nan),
            "se_m_estimation": np.where(observed, se_m, nan),
            "se_fixed_weights": np.where(observed, se_f, nan),
        }
    )
    treat_name = str(treatment)
    return AdjustedSurvivalResult(
        curves=curves,
        survival=survival,
        difference=difference,
        cox=cox(data, duration, event, [treat_name, *covs], alpha=alpha),
        cox_unadjusted=cox(data, duration, event, [treat_name], alpha=alpha),
        cox_weighted=cox(
            data[[duration, event, treat_name]].assign(**{_WEIGHT_COLUMN: w}),
            duration,
            event,
            [treat_name],
            weights=_WEIGHT_COLUMN,
            robust=True,
            alpha=alpha,
        ),
        balance=balance,
        propensity=pd.Series(ps, index=data.index, name="propensity_score"),
        weights=pd.Series(w, index=data.index, name="att_weight"),
        treatment=treat_name,
        covariates=tuple(covs),
        n_treated=int(tr.sum()),
        n_control=int((~tr).sum()),
        ess_control=float(wc.sum() ** 2 / np.sum(wc**2)),
        alpha=alpha,
        se_method=se_method,
    )


def _std_err_at(km: KaplanMeierResult, times: np.ndarray) -> np.ndarray:
    """Standard error of S at ``times`` (right-continuous step; 0 before the first time)."""
    tab = km.table
    i = np.searchsorted(tab["time"].to_numpy(), times, side="right") - 1
    se = tab["std_err"].to_numpy()
    return np.where(i >= 0, se[np.maximum(i, 0)], 0.0)
