"""A comparison group from the kommune's own non-participants.

Propensity scores by logistic regression (:func:`propensity_score`), inverse probability
weights for the effect on the treated (:func:`att_weights`, :func:`ipw_att`), greedy
nearest-neighbour matching on the logit of the propensity score (:func:`match_nearest`,
:func:`matched_weights`; in :mod:`evalkit.matching`, re-exported here), and balance
diagnostics (:func:`balance_table`, :func:`love_plot`, :func:`alt_text_love_plot`).

Conventions are written out in ``docs/estimators-baseline.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from evalkit._checks import (
    check_alpha,
    check_dataframe,
    check_option,
)
from evalkit._design import _is_categorical
from evalkit._propensity import _fit_propensity, _prepare
from evalkit.formatting import fmt_number
from evalkit.matching import match_nearest, matched_weights
from evalkit.results import Estimate

__all__ = [
    "alt_text_love_plot",
    "att_weights",
    "balance_table",
    "ipw_att",
    "love_plot",
    "match_nearest",
    "matched_weights",
    "propensity_score",
]

_SE_METHODS = ("m-estimation", "wls-hc0")


def propensity_score(data: pd.DataFrame, treatment: str, covariates: Sequence[str]) -> pd.Series:
    """Propensity scores from a logistic regression of treatment on covariates.

    Parameters
    ----------
    data : DataFrame
        One row per person, no missing values in the used columns.
    treatment : str
        0/1 column, 1 for project participants.
    covariates : list of str
        Baseline covariates. Object/category columns are one-hot encoded with the first
        level (category order, else sorted) dropped, as R ``factor()`` does.

    Returns
    -------
    Series
        Fitted probabilities, indexed like ``data``, named ``"propensity_score"``.

    Raises
    ------
    ValueError
        Missing columns or values, a treatment not 0/1 or with one group only, a rank
        deficient design, or perfect separation.

    References
    ----------
    Rosenbaum PR, Rubin DB (1983). The central role of the propensity score in
    observational studies for causal effects. Biometrika 70:41-55. R:
    ``fitted(glm(treatment ~ ..., family = binomial))``.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 0, 1, 0, 0, 1], "age": [30, 40, 50, 35, 45, 38]})
    >>> propensity_score(df, "t", ["age"]).round(3).tolist()[:2]
    [0.538, 0.499]
    """
    t, covs = _prepare(data, treatment, covariates)
    fit, _ = _fit_propensity(data, t, covs)
    return pd.Series(np.asarray(fit.fittedvalues), index=data.index, name="propensity_score")


def _att_weights(t: np.ndarray, ps: np.ndarray) -> np.ndarray:
    w = np.where(t, 1.0, ps / (1.0 - ps))
    w[~t] *= t.sum() / w[~t].sum()
    return w


def att_weights(data: pd.DataFrame, treatment: str, covariates: Sequence[str]) -> pd.Series:
    """Inverse probability weights for the average effect on the treated (ATT).

    Treated persons get weight 1, controls the odds ``p / (1 - p)`` of their propensity
    score, rescaled so that the control weights sum to the number of treated.

    Parameters
    ----------
    data, treatment, covariates
        As :func:`propensity_score`.

    Returns
    -------
    Series
        Weights indexed like ``data``, named ``"att_weight"``.

    Raises
    ------
    ValueError
        As :func:`propensity_score`.

    References
    ----------
    Hirano K, Imbens GW, Ridder G (2003). Econometrica 71:1161-1189. Austin PC, Stuart EA
    (2015). Moving towards best practice when using inverse probability of treatment
    weighting. Stat Med 34:3661-3679.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 0, 1, 0, 0, 1], "age": [30, 40, 50, 35, 45, 38]})
    >>> float(att_weights(df, "t", ["age"])[df.t == 0].sum())
    3.0
    """
    t, covs = _prepare(data, treatment, covariates)
    fit, _ = _fit_propensity(data, t, covs)
    w = _att_weights(t, np.asarray(fit.fittedvalues))
    return pd.Series(w, index=data.index, name="att_weight")


def ipw_att(
    data: pd.DataFrame,
    treatment: str,
    outcome: str,
    covariates: Sequence[str],
    alpha: float = 0.05,
    se_method: str = "m-estimation",
) -> Estimate:
    """Average effect on the treated by inverse probability weighting.

    ``ATT = mean(y | treated) - sum_c w_c y_c / sum_c w_c`` with the odds weights of
    :func:`att_weights` (the normalised, Hajek form).

    Standard errors:

    * ``"m-estimation"`` (default): the sandwich of the stacked estimating equations of the
      logistic regression and the two weighted means, so the uncertainty of the estimated
      propensity score is included (Lunceford & Davidian 2004; Reifeis & Hudgens 2022).
      Reproduced in R with ``sandwich::estfun`` of the ``glm`` and the stacked bread.
    * ``"wls-hc0"``: the robust (HC0) sandwich of weighted least squares of the outcome on
      the treatment with the ATT weights, treating the weights as known; R
      ``sqrt(vcovHC(lm(y ~ t, weights = w), type = "HC0")[2, 2])``.

    The interval and p-value use the normal distribution.

    Parameters
    ----------
    data, treatment, covariates
        As :func:`propensity_score`.
    outcome : str
        Numeric outcome column (0/1 for a share).
    alpha : float, default 0.05
        Significance level.
    se_method : {"m-estimation", "wls-hc0"}
        Which standard error to report; ``details`` holds both.

    Returns
    -------
    Estimate
        ``n`` = all rows; ``details``: ``mean_treated``, ``mean_control_weighted``,
        ``se_m_estimation``, ``se_wls_hc0``, ``n_treated``, ``n_control``,
        ``ess_control`` (Kish's effective sample size of the weighted controls).

    Raises
    ------
    ValueError
        As :func:`propensity_score`, a non-numeric outcome, or an unknown ``se_method``.

    References
    ----------
    Lunceford JK, Davidian M (2004). Stratification and weighting via the propensity
    score in estimation of causal treatment effects. Stat Med 23:2937-2960. Reifeis SA,
    Hudgens MG (2022). On variance of the treatment effect in the treated when estimated
    by inverse probability weighting. Am J Epidemiol 191:1092-1097.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 0, 1, 0, 0, 1, 0, 1], "y": [1, 0, 1, 1, 0, 0, 0, 1],
    ...                    "age": [30, 40, 50, 35, 45, 38, 33, 41]})
    >>> ipw_att(df, "t", "y", ["age"]).method
    'ipw-att-m-estimation'
    """
    check_option("se_method", se_method, _SE_METHODS)
    alpha = check_alpha(alpha)
    t, covs = _prepare(data, treatment, covariates, outcome=outcome)
    if not pd.api.types.is_numeric_dtype(data[outcome].dtype):
        raise ValueError(
            f"outcome: column {outcome!r} must be numeric, but has dtype {data[outcome].dtype}"
        )
    y = data[outcome].to_numpy(dtype=float)
    fit, x = _fit_propensity(data, t, covs)
    ps = np.asarray(fit.fittedvalues)
    w = _att_weights(t, ps)
    mu1 = float(y[t].mean())
    mu0 = float(np.sum(w[~t] * y[~t]) / np.sum(w[~t]))
    att = mu1 - mu0
    se_mest = _se_m_estimation(x, t, y, ps, mu1, mu0)
    se_wls = _se_wls_hc0(t, y, w)
    se = se_mest if se_method == "m-estimation" else se_wls
    z = float(stats.norm.isf(alpha / 2))
    wc = w[~t]
    return Estimate(
        estimate=att,
        lower=att - z * se,
        upper=att + z * se,
        n=len(data),
        method=f"ipw-att-{se_method}",
        alpha=alpha,
        se=se,
        p_value=float(2 * stats.norm.sf(abs(att) / se)) if se > 0 else math.nan,
        details={
            "mean_treated": mu1,
            "mean_control_weighted": mu0,
            "se_m_estimation": se_mest,
            "se_wls_hc0": se_wls,
            "n_treated": int(t.sum()),
            "n_control": int((~t).sum()),
            "ess_control": float(wc.sum() ** 2 / np.sum(wc**2)),
        },
    )


def _se_m_estimation(
    x: np.ndarray, t: np.ndarray, y: np.ndarray, ps: np.ndarray, mu1: float, mu0: float
) -> float:
    """Stacked sandwich for theta = (beta, mu1, mu0); returns the SE of mu1 - mu0."""
    n, k = x.shape
    tf = t.astype(float)
    odds = ps / (1 - ps)
    c = (1 - tf) * odds
    psi = np.column_stack([x * (tf - ps)[:, None], tf * (y - mu1), c * (y - mu0)])
    a = np.zeros((k + 2, k + 2))
    a[:k, :k] = (x * (ps * (1 - ps))[:, None]).T @ x / n
    a[k, k] = tf.mean()
    a[k + 1, :k] = -(x * (c * (y - mu0))[:, None]).mean(axis=0)
    a[k + 1, k + 1] = c.mean()
    b = psi.T @ psi / n
    a_inv = np.linalg.inv(a)
    v = a_inv @ b @ a_inv.T / n
    g = np.zeros(k + 2)
    g[k], g[k + 1] = 1.0, -1.0
    return float(np.sqrt(g @ v @ g))


def _se_wls_hc0(t: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    x = np.column_stack([np.ones_like(y), t.astype(float)])
    xw = x * w[:, None]
    bread = np.linalg.inv(x.T @ xw)
    beta = bread @ (xw.T @ y)
    u = xw * (y - x @ beta)[:, None]
    v = bread @ (u.T @ u) @ bread
    return float(np.sqrt(v[1, 1]))


# ---------------------------------------------------------------------------
# balance
# ---------------------------------------------------------------------------

_BALANCE_COLUMNS = [
    "covariate",
    "level",
    "type",
    "mean_treated",
    "mean_control",
    "smd_before",
    "variance_ratio_before",
    "mean_treated_weighted",
    "mean_control_weighted",
    "smd_after",
    "variance_ratio_after",
]


def _wvar(x: np.ndarray, w: np.ndarray) -> float:
    """Unbiased weighted variance ``sum w (x - m)^2 * W / (W^2 - sum w^2)`` (as cobalt)."""
    m = np.sum(w * x) / np.sum(w)
    big_w = np.sum(w)
    return float(np.sum(w * (x - m) ** 2) * big_w / (big_w**2 - np.sum(w**2)))


def _balance_weights(data: pd.DataFrame, weights: Any) -> np.ndarray | None:
    if weights is None:
        return None
    if isinstance(weights, str):
        check_dataframe(data, {"weights": weights})
        weights = data[weights]
    try:
        w = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("weights must be numeric") from None
    if w.ndim != 1 or len(w) != len(data):
        raise ValueError(f"weights must have one value per row ({len(data)}), but had {w.size}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and non-negative")
    return w


def balance_table(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str],
    weights: str | Sequence[float] | pd.Series | None = None,
) -> pd.DataFrame:
    """Standardised mean differences and variance ratios before and after weighting.

    ``SMD = (mean_treated - mean_control) / sqrt((s2_treated + s2_control) / 2)``, where
    the denominator is always the pooled SD of the *unweighted* groups, so that before and
    after differ only through the means (Austin 2009; tableone; cobalt with
    ``s.d.denom = "pooled"``; note cobalt's ATT default is the treated SD). Continuous
    variables use the sample variance (n - 1), 0/1 variables and each level of a
    categorical variable ``p (1 - p)``. Variance ratios ``s2_treated / s2_control`` are
    given for continuous variables only; weighted variances use the unbiased weighted
    formula of cobalt.

    Parameters
    ----------
    data, treatment, covariates
        As :func:`propensity_score`; every level of a categorical covariate gets a row.
    weights : str, array-like or None
        Column name or one weight per row (e.g. :func:`att_weights` or
        :func:`matched_weights`). ``None`` leaves the "after" columns NaN.

    Returns
    -------
    DataFrame
        Columns ``covariate``, ``level`` ("" for numeric), ``type`` ("continuous" or
        "binary"), ``mean_treated``, ``mean_control``, ``smd_before``,
        ``variance_ratio_before``, ``mean_treated_weighted``, ``mean_control_weighted``,
        ``smd_after``, ``variance_ratio_after``.

    Raises
    ------
    ValueError
        As :func:`propensity_score`, or invalid weights (wrong length, negative, NaN,
        zero total in a group).

    References
    ----------
    Austin PC (2009). Balance diagnostics for comparing the distribution of baseline
    covariates between treatment groups in propensity-score matched samples. Stat Med
    28:3083-3107. R: ``cobalt::bal.tab(..., s.d.denom = "pooled", binary = "std")``.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 0, 1, 0], "age": [30.0, 40, 50, 60]})
    >>> float(balance_table(df, "t", ["age"])["smd_before"].iloc[0])
    -0.707...
    """
    t, covs = _prepare(data, treatment, covariates)
    w = _balance_weights(data, weights)
    if w is not None and (w[t].sum() <= 0 or w[~t].sum() <= 0):
        raise ValueError("weights must have a positive total in both groups")
    rows = []
    for col in covs:
        s = data[col]
        if _is_categorical(s):
            cat = s.astype("category") if not isinstance(s.dtype, pd.CategoricalDtype) else s
            items = [
                (str(lv), (cat == lv).to_numpy(dtype=float), True) for lv in cat.cat.categories
            ]
        else:
            x = s.to_numpy(dtype=float)
            binary = bool(np.isin(x, (0.0, 1.0)).all())
            items = [("", x, binary)]
        for level, x, binary in items:
            x1, x0 = x[t], x[~t]

            def var(z: np.ndarray, is_binary: bool = binary) -> float:
                return float(z.mean() * (1 - z.mean())) if is_binary else float(np.var(z, ddof=1))

            sd = math.sqrt((var(x1) + var(x0)) / 2)
            with np.errstate(divide="ignore", invalid="ignore"):
                smd_b = (x1.mean() - x0.mean()) / sd if sd > 0 else math.nan
                vr_b = math.nan if binary else var(x1) / var(x0)
                m1w = m0w = smd_a = vr_a = math.nan
                if w is not None:
                    m1w = float(np.average(x1, weights=w[t]))
                    m0w = float(np.average(x0, weights=w[~t]))
                    smd_a = (m1w - m0w) / sd if sd > 0 else math.nan
                    if not binary:
                        vr_a = _wvar(x1, w[t]) / _wvar(x0, w[~t])
            rows.append(
                [
                    col,
                    level,
                    "binary" if binary else "continuous",
                    float(x1.mean()),
                    float(x0.mean()),
                    smd_b,
                    vr_b,
                    m1w,
                    m0w,
                    smd_a,
                    vr_a,
                ]
            )
    return pd.DataFrame(rows, columns=_BALANCE_COLUMNS)


def _balance_labels(balance: pd.DataFrame) -> list[str]:
    return [
        f"{c}: {lv}" if lv else str(c)
        for c, lv in zip(balance["covariate"], balance["level"], strict=True)
    ]


def _check_balance(balance: Any) -> pd.DataFrame:
    if not isinstance(balance, pd.DataFrame):
        raise TypeError(
            f"balance must be a DataFrame from balance_table, but was {type(balance).__name__}"
        )
    missing = [
        c for c in ("covariate", "level", "smd_before", "smd_after") if c not in balance.columns
    ]
    if missing:
        raise ValueError(f"balance must come from balance_table; it lacks columns {missing!r}")
    if len(balance) == 0:
        raise ValueError("balance is empty")
    return balance


def love_plot(balance: pd.DataFrame, ax: Any = None) -> Any:
    """Love plot of absolute standardised mean differences before and after weighting.

    Parameters
    ----------
    balance : DataFrame
        Result of :func:`balance_table`.
    ax : matplotlib Axes, optional
        Axes to draw on; by default a new figure (not registered with pyplot).

    Returns
    -------
    matplotlib.figure.Figure
        The figure, with Danish labels and a dashed line at 0.1.

    Raises
    ------
    ValueError
        If ``balance`` is empty or lacks the SMD columns.

    References
    ----------
    Ahmed A et al. (2006); the "Love plot" of Thomas E. Love; R ``cobalt::love.plot``.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 0, 1, 0], "age": [30.0, 40, 50, 60]})
    >>> fig = love_plot(balance_table(df, "t", ["age"]))
    """
    from matplotlib.ticker import FuncFormatter

    from evalkit._figure import NotebookFigure

    balance = _check_balance(balance)
    if ax is None:
        fig = NotebookFigure(figsize=(6.5, 1.2 + 0.35 * len(balance)), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    labels = _balance_labels(balance)
    ypos = np.arange(len(balance))[::-1]
    before = balance["smd_before"].abs().to_numpy(dtype=float)
    after = balance["smd_after"].abs().to_numpy(dtype=float)
    ax.scatter(
        before,
        ypos,
        marker="o",
        facecolors="none",
        edgecolors="#0072B2",
        s=40,
        label="Før vægtning",
    )
    if np.isfinite(after).any():
        ax.scatter(after, ypos, marker="o", color="#D55E00", s=40, label="Efter vægtning")
    ax.axvline(0.1, linestyle="--", color="0.4", linewidth=1)
    ax.axvline(0.0, color="0.8", linewidth=0.8)
    ax.set_yticks(ypos, labels)
    ax.set_xlabel("Standardiseret middelværdiforskel (absolut)")
    ax.set_xlim(left=0)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.2f}".replace(".", ",")))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False)
    return fig


def alt_text_love_plot(balance: pd.DataFrame) -> str:
    """Danish alternative text for :func:`love_plot`, stating the largest SMD before and after.

    Parameters
    ----------
    balance : DataFrame
        Result of :func:`balance_table`.

    Returns
    -------
    str
        One or two Danish sentences with numbers in Danish format.

    Raises
    ------
    ValueError
        If ``balance`` is empty or lacks the SMD columns.

    References
    ----------
    W3C WAI, "Complex images" tutorial (alternative text for charts).

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 0, 1, 0], "age": [30.0, 40, 50, 60]})
    >>> alt_text_love_plot(balance_table(df, "t", ["age"]))[:30]
    'Love plot af standardiserede m'
    """
    balance = _check_balance(balance)
    labels = _balance_labels(balance)
    before = balance["smd_before"].abs().to_numpy(dtype=float)
    after = balance["smd_after"].abs().to_numpy(dtype=float)
    i = int(np.nanargmax(before))
    text = (
        f"Love plot af standardiserede middelværdiforskelle for {len(balance)} variable. "
        f"Største absolutte forskel før vægtning: {fmt_number(before[i], 2)} ({labels[i]})"
    )
    if np.isfinite(after).any():
        j = int(np.nanargmax(after))
        text += f"; efter vægtning: {fmt_number(after[j], 2)} ({labels[j]})"
        n_over = int(np.sum(after > 0.1))
        text += f". {n_over} variable ligger over grænsen 0,1 efter vægtning."
    else:
        text += ". Der er ingen vægtning."
    return text
