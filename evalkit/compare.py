"""A comparison group from the kommune's own non-participants.

Propensity scores by logistic regression (:func:`propensity_score`), inverse probability
weights for the effect on the treated (:func:`att_weights`, :func:`ipw_att`), greedy
nearest-neighbour matching on the logit of the propensity score (:func:`match_nearest`,
:func:`matched_weights`), and balance diagnostics (:func:`balance_table`,
:func:`love_plot`, :func:`alt_text_love_plot`).

Conventions are written out in ``docs/estimators-baseline.md``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from evalkit._checks import (
    check_alpha,
    check_binary_column,
    check_covariates,
    check_dataframe,
    check_option,
    check_positive_int,
)
from evalkit._design import _covariate_design, _is_categorical
from evalkit.formatting import fmt_number
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


def _prepare(
    data: Any, treatment: str, covariates: Any, outcome: str | None = None
) -> tuple[np.ndarray, list[str]]:
    """Check columns, missing values and the treatment; return the treatment as bool."""
    covs = check_covariates(covariates)
    check_dataframe(data, {"treatment": treatment, "outcome": outcome, "covariates": covs})
    used = [treatment, *covs] + ([outcome] if outcome is not None else [])
    missing = data[used].isna().sum()
    if missing.any():
        col = missing.index[missing.to_numpy() > 0][0]
        raise ValueError(
            f"column {col!r} has {int(missing[col])} missing value(s); remove or impute them "
            "before estimating propensity scores"
        )
    t = check_binary_column(data[treatment], "treatment")
    if t.all() or not t.any():
        raise ValueError(
            f"treatment: column {treatment!r} must hold both 0 and 1, but had only {int(t[0])}"
        )
    return t, covs


def _fit_propensity(data: pd.DataFrame, t: np.ndarray, covs: list[str]) -> tuple[Any, np.ndarray]:
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    design = _covariate_design(data, covs)
    x = np.column_stack([np.ones(len(data)), design.to_numpy(dtype=float)])
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise ValueError(
            "covariates: the design matrix is rank deficient (a covariate is constant or "
            f"collinear), columns {list(design.columns)!r}"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        try:
            fit = sm.GLM(t.astype(float), x, family=sm.families.Binomial()).fit()
        except PerfectSeparationWarning:
            raise ValueError(
                "covariates separate the groups perfectly; propensity scores of 0 or 1 "
                "cannot be weighted or matched"
            ) from None
    ps = np.asarray(fit.fittedvalues, dtype=float)
    if np.any(ps <= 1e-10) or np.any(ps >= 1 - 1e-10):
        raise ValueError("some propensity scores are 0 or 1 (near perfect separation)")
    return fit, x


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
# matching
# ---------------------------------------------------------------------------


def _find(parent: list[int], i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        parent[i], i = root, parent[i]
    return root


def _greedy_match(
    lt: np.ndarray, lc: np.ndarray, width: float, ratio: int, replace: bool
) -> list[tuple[int, int, int]]:
    """Greedy nearest-neighbour matching on sorted unique control values.

    Returns (treated position, control position, round) triples. Treated units are
    processed by decreasing score (ties: row order); a treated unit without a control
    within ``width`` in round 1 stays unmatched. Equal distances go to the smaller
    control value, equal control values to the earlier row.
    """
    uniq, inverse = np.unique(lc, return_inverse=True)
    n_u = len(uniq)
    queues: list[list[int]] = [[] for _ in range(n_u)]
    for pos in np.argsort(inverse, kind="stable"):
        queues[inverse[pos]].append(int(pos))
    heads = [0] * n_u
    u = uniq.tolist()
    ins_all = np.searchsorted(uniq, lt, side="left").tolist()
    order = np.argsort(-lt, kind="stable").tolist()
    out: list[tuple[int, int, int]] = []
    if replace:
        for i in order:
            x, lo, hi, taken = lt[i], ins_all[i] - 1, ins_all[i], 0
            head_lo = head_hi = 0
            while taken < ratio and (lo >= 0 or hi < n_u):
                d_lo = x - u[lo] if lo >= 0 else math.inf
                d_hi = u[hi] - x if hi < n_u else math.inf
                j, d = (lo, d_lo) if d_lo <= d_hi else (hi, d_hi)
                if d > width:
                    break
                head = head_lo if j == lo else head_hi
                out.append((i, queues[j][head], taken + 1))
                taken += 1
                if j == lo:
                    head_lo += 1
                    if head_lo == len(queues[lo]):
                        lo, head_lo = lo - 1, 0
                else:
                    head_hi += 1
                    if head_hi == len(queues[hi]):
                        hi, head_hi = hi + 1, 0
        return out
    left = list(range(n_u + 1))  # position j + 1 stands for unique j; 0 means none left
    right = list(range(n_u + 1))  # position n_u means none right
    active = order
    for rnd in range(1, ratio + 1):
        still = []
        for i in active:
            x, ins = lt[i], ins_all[i]
            lo = _find(left, ins) - 1
            hi = _find(right, ins)
            if lo < 0 and hi >= n_u:
                break  # no control left
            d_lo = x - u[lo] if lo >= 0 else math.inf
            d_hi = u[hi] - x if hi < n_u else math.inf
            j, d = (lo, d_lo) if d_lo <= d_hi else (hi, d_hi)
            if d > width:
                continue
            out.append((i, queues[j][heads[j]], rnd))
            heads[j] += 1
            if heads[j] == len(queues[j]):
                left[j + 1], right[j] = j, j + 1
            still.append(i)
        active = still
    return out


def match_nearest(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str],
    caliper: float | None = 0.2,
    ratio: int = 1,
    replace: bool = False,
) -> pd.DataFrame:
    """Greedy nearest-neighbour matching on the logit of the propensity score.

    Each treated person (in order of decreasing propensity score, ties by row order, as
    R ``MatchIt`` ``m.order = "largest"``) gets the nearest control on the logit scale.
    With ``ratio = k`` the matching runs in k rounds, each treated person taking one more
    control per round. Without replacement a control is used once. Ties in distance go to
    the control with the smaller logit, then to the earlier row, so the result is fully
    deterministic. A treated person whose nearest available control is further away than
    the caliper stays unmatched.

    Parameters
    ----------
    data, treatment, covariates
        As :func:`propensity_score`.
    caliper : float or None, default 0.2
        Maximum distance in standard deviations of the logit of the propensity score
        over the whole sample (MatchIt's ``std.caliper = TRUE``; Austin 2011 recommends
        0.2). ``None`` for no caliper.
    ratio : int, default 1
        Controls per treated person.
    replace : bool, default False
        Allow a control to be matched to more than one treated person.

    Returns
    -------
    DataFrame
        One row per matched pair: ``treated`` and ``control`` (index labels of
        ``data``), ``round``, ``logit_treated``, ``logit_control``, ``distance``
        (absolute difference of the logits). ``attrs`` holds ``caliper_width``,
        ``n_treated`` and ``n_matched_treated``. Use :func:`matched_weights` for weights.

    Raises
    ------
    ValueError
        As :func:`propensity_score`, a negative caliper, or ``ratio < 1``.

    References
    ----------
    Austin PC (2011). Optimal caliper widths for propensity-score matching when estimating
    differences in means and differences in proportions in observational studies. Pharm
    Stat 10:150-161. Ho D, Imai K, King G, Stuart EA (2011). MatchIt. J Stat Softw 42(8).

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 0, 1, 0, 0, 1, 0, 0], "age": [30, 40, 50, 35, 45, 38, 33, 41]})
    >>> len(match_nearest(df, "t", ["age"], caliper=None))
    3
    """
    ratio = check_positive_int(ratio, "ratio")
    if not isinstance(replace, (bool, np.bool_)):
        raise TypeError(f"replace must be True or False, but was {replace!r}")
    if caliper is not None:
        if isinstance(caliper, bool) or not isinstance(caliper, (int, float, np.number)):
            raise TypeError(f"caliper must be a number or None, but was {caliper!r}")
        if not (caliper > 0 and math.isfinite(caliper)):
            raise ValueError(f"caliper must be positive and finite, but was {caliper!r}")
    t, covs = _prepare(data, treatment, covariates)
    fit, _ = _fit_propensity(data, t, covs)
    ps = np.asarray(fit.fittedvalues)
    logit = np.log(ps / (1 - ps))
    width = math.inf if caliper is None else float(caliper) * float(np.std(logit, ddof=1))
    pos_t, pos_c = np.flatnonzero(t), np.flatnonzero(~t)
    pairs = _greedy_match(logit[pos_t], logit[pos_c], width, ratio, bool(replace))
    pairs.sort(key=lambda p: (p[0], p[2]))
    ti = pos_t[[p[0] for p in pairs]] if pairs else np.array([], dtype=int)
    ci = pos_c[[p[1] for p in pairs]] if pairs else np.array([], dtype=int)
    out = pd.DataFrame(
        {
            "treated": data.index[ti],
            "control": data.index[ci],
            "round": np.array([p[2] for p in pairs], dtype=int),
            "logit_treated": logit[ti],
            "logit_control": logit[ci],
        }
    )
    out["distance"] = (out["logit_treated"] - out["logit_control"]).abs()
    out.attrs = {
        "caliper_width": width,
        "n_treated": int(t.sum()),
        "n_matched_treated": int(out["treated"].nunique()),
    }
    return out


def matched_weights(data: pd.DataFrame, pairs: pd.DataFrame) -> pd.Series:
    """Weights that turn a matching into a weighted sample (as R ``MatchIt``, ATT).

    Matched treated persons get 1, unmatched persons 0, and a control the sum over its
    treated partners of ``1 / (number of controls matched to that treated person)``; the
    control weights then sum to the number of matched treated persons.

    Parameters
    ----------
    data : DataFrame
        The data given to :func:`match_nearest`.
    pairs : DataFrame
        Its result.

    Returns
    -------
    Series
        Weights indexed like ``data``, named ``"match_weight"``.

    Raises
    ------
    ValueError
        If ``pairs`` lacks the ``treated``/``control`` columns or names rows not in ``data``.

    References
    ----------
    Ho, Imai, King, Stuart (2011), MatchIt, J Stat Softw 42(8), section on weights.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 0, 1, 0, 0, 1, 0, 0], "age": [30, 40, 50, 35, 45, 38, 33, 41]})
    >>> float(matched_weights(df, match_nearest(df, "t", ["age"], caliper=None)).sum())
    6.0
    """
    check_dataframe(data, {})
    for col in ("treated", "control"):
        if not isinstance(pairs, pd.DataFrame) or col not in pairs.columns:
            raise ValueError(f"pairs must be the result of match_nearest, with column {col!r}")
    labels = pd.Index(pairs["treated"]).append(pd.Index(pairs["control"]))
    if not labels.isin(data.index).all():
        raise ValueError("pairs names rows that are not in data")
    w = pd.Series(0.0, index=data.index, name="match_weight")
    if len(pairs) == 0:
        return w
    k = pairs.groupby("treated")["control"].transform("size")
    contrib = (1.0 / k).groupby(pairs["control"].to_numpy()).sum()
    w.loc[pairs["treated"].unique()] = 1.0
    w.loc[contrib.index] += contrib.to_numpy()
    return w


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
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    balance = _check_balance(balance)
    if ax is None:
        fig = Figure(figsize=(6.5, 1.2 + 0.35 * len(balance)), layout="constrained")
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
