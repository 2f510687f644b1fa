"""Cox proportional hazards regression laid out like R ``coxph``.

Unweighted models are fitted with statsmodels ``PHReg``; models with case weights or a
robust variance with our own weighted partial likelihood (:mod:`.cox_weighted`), because
``PHReg`` has no case weights. Categorical covariates (object, category, string columns)
are one-hot encoded with the first level as reference and columns named as R names them
(``sexM``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.duration.hazard_regression import PHReg

from evalkit._checks import check_alpha, check_option
from evalkit.survival._core import _prepare
from evalkit.survival.cox_weighted import _fit as _fit_weighted

__all__ = ["TIES", "CoxResult", "cox"]

TIES = ("efron", "breslow")


@dataclass(frozen=True, eq=False)
class CoxResult:
    """Fitted Cox model.

    Attributes
    ----------
    summary : DataFrame
        Indexed by covariate (R naming): ``coef, se, hazard_ratio, lower, upper,
        p_value`` (Wald; limits are for the hazard ratio at level 1 - alpha).
    loglik : float
        Log partial likelihood at the estimate.
    n, n_events : int
        Observations and events used.
    ties : str
        ``"efron"`` or ``"breslow"``.
    alpha : float
    strata : str or None
    variance : str
        ``"model"`` (inverse information) or ``"robust"`` (R's dfbeta sandwich); ``se``,
        the limits and the p-values use it.
    weights : str or None
        The weight column, if any.
    """

    summary: pd.DataFrame = field(repr=False)
    loglik: float
    n: int
    n_events: int
    ties: str
    alpha: float = 0.05
    strata: str | None = None
    variance: str = "model"
    weights: str | None = None

    def to_frame(self) -> pd.DataFrame:
        """The summary table (a copy)."""
        return self.summary.copy()

    def _repr_html_(self) -> str:
        return (
            f"<p>Cox regression ({self.ties} ties, {self.variance} variance), n = {self.n}, "
            f"events = {self.n_events}</p>" + self.summary.to_html()
        )


def _design(data: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    parts = []
    for name in covariates:
        if name not in data.columns:
            raise ValueError(f"covariates must be columns of data, but {name!r} is not")
        col = data[name]
        if col.isna().any():
            i = int(np.flatnonzero(col.isna().to_numpy())[0])
            raise ValueError(f"covariate {name!r} has missing values (first at row {i})")
        if isinstance(col.dtype, pd.CategoricalDtype):
            levels = list(col.cat.categories)
        elif col.dtype == object or pd.api.types.is_string_dtype(col):
            levels = sorted(col.unique())
        else:
            parts.append(col.astype(float).rename(name))
            continue
        if len(levels) < 2:
            raise ValueError(f"covariate {name!r} has a single level {levels!r}")
        for lev in levels[1:]:
            parts.append((col == lev).astype(float).rename(f"{name}{lev}"))
    return pd.concat(parts, axis=1)


def cox(
    data: pd.DataFrame,
    duration: str,
    event: str,
    covariates: list[str],
    ties: str = "efron",
    strata: str | None = None,
    weights: str | None = None,
    alpha: float = 0.05,
    robust: bool | None = None,
) -> CoxResult:
    """Fit a Cox proportional hazards model.

    Parameters
    ----------
    data : DataFrame
        One row per person.
    duration, event : str
        Column names of the time and the 0/1 event indicator.
    covariates : list of str
        Column names; categorical ones are one-hot encoded (first level = reference).
    ties : {"efron", "breslow"}
        Handling of tied event times (R's default is ``"efron"``).
    strata : str, optional
        Column whose levels get separate baseline hazards (R ``strata()``).
    weights : str, optional
        Column of positive case weights (e.g. inverse probability weights), as R
        ``coxph(..., weights = w)``: the weighted partial likelihood is maximised with
        our own Newton-Raphson (:mod:`.cox_weighted`). Drop rows with weight 0 first.
    alpha : float
        1 - level of the hazard-ratio interval.
    robust : bool, optional
        Use the robust (dfbeta sandwich) variance. ``None`` follows R: robust when some
        weight is not a whole number, else the model-based variance (whole-number
        weights then act as frequencies).

    Returns
    -------
    CoxResult

    Raises
    ------
    ValueError
        For unknown columns or options, missing covariate values, invalid spells,
        weights that are missing, not finite or not positive, or a weighted fit that does
        not converge.
    TypeError
        If ``robust`` is not True, False or None.

    References
    ----------
    R ``survival::coxph(Surv(t, d) ~ x + strata(s), ties = ..., weights = w, robust =
    ...)``; statsmodels ``PHReg``; Efron (1977), JASA 72, 557-565; Therneau & Grambsch
    (2000), Modeling Survival Data, sections 7.2-7.3.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "d": [1, 1, 0, 1, 1, 1],
    ...                    "x": [0.5, 1.0, 0.1, 2.0, 0.3, 1.2]})
    >>> list(cox(df, "t", "d", ["x"]).summary.columns)
    ['coef', 'se', 'hazard_ratio', 'lower', 'upper', 'p_value']
    """
    check_option("ties", ties, TIES)
    alpha = check_alpha(alpha)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a DataFrame, but was {type(data).__name__}")
    if robust is not None and not isinstance(robust, (bool, np.bool_)):
        raise TypeError(f"robust must be True, False or None, but was {robust!r}")
    if isinstance(covariates, str) or not covariates:
        raise ValueError(f"covariates must be a non-empty list of columns, but was {covariates!r}")
    for name, col in (
        ("duration", duration),
        ("event", event),
        ("strata", strata),
        ("weights", weights),
    ):
        if col is not None and col not in data.columns:
            raise ValueError(f"{name} must be a column of data, but {col!r} is not")
    t, d, _ = _prepare(data[duration].to_numpy(), data[event].to_numpy())
    x = _design(data, list(covariates))
    st = None
    if strata is not None:
        if data[strata].isna().any():
            raise ValueError(f"strata column {strata!r} has missing values")
        st = pd.factorize(data[strata], sort=True)[0]
    w = None if weights is None else _case_weights(data[weights], weights)
    if robust is None:
        robust = w is not None and bool(np.any(w != np.floor(w)))
    if w is None and not robust:
        model = PHReg(t, x.to_numpy(), status=d.astype(float), strata=st, ties=ties)
        fit = model.fit(disp=False, tol=1e-12)
        coef = np.asarray(fit.params)
        se = np.asarray(fit.bse)
        loglik = float(fit.llf)
    else:
        wf = _fit_weighted(
            t.astype(float),
            d.astype(bool),
            x.to_numpy(dtype=float),
            np.ones(t.size) if w is None else w,
            st,
            ties,
        )
        coef = wf.coef
        se = np.sqrt(np.diag(wf.var_robust if robust else wf.var_model))
        loglik = wf.loglik
    z = float(norm.isf(alpha / 2))
    summary = pd.DataFrame(
        {
            "coef": coef,
            "se": se,
            "hazard_ratio": np.exp(coef),
            "lower": np.exp(coef - z * se),
            "upper": np.exp(coef + z * se),
            "p_value": 2 * norm.sf(np.abs(coef / se)),
        },
        index=pd.Index(x.columns, name="covariate"),
    )
    return CoxResult(
        summary=summary,
        loglik=loglik,
        n=int(t.size),
        n_events=int(d.sum()),
        ties=ties,
        alpha=alpha,
        strata=strata,
        variance="robust" if robust else "model",
        weights=weights,
    )


def _case_weights(col: pd.Series, name: str) -> np.ndarray:
    """Positive finite case weights (R ``coxph`` rejects weights <= 0)."""
    if not pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
        raise ValueError(f"weights column {name!r} must be numeric, but has dtype {col.dtype}")
    w = col.to_numpy(dtype=float)
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"weights must be finite and positive (as R coxph; drop rows with weight 0), "
            f"but row {i} of {name!r} is {float(w[i])!r}"
        )
    return w
