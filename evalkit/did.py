"""Difference in differences: did an outcome change more in the project than elsewhere?

:func:`did` fits the regression ``outcome ~ treated + post + treated:post`` on
person-level rows with cluster-robust (CR1) or HC1 standard errors, as R ``lm`` +
``sandwich``; :func:`did_aggregate` compares four shares when only aggregate figures
are known (e.g. the national trend from Jobindsats). Both are re-exported by
:mod:`evalkit.baseline`. The formulas are written out in ``docs/estimators-baseline.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from evalkit._checks import (
    check_alpha,
    check_binary_column,
    check_count,
    check_covariates,
    check_dataframe,
    check_share,
)
from evalkit._design import _covariate_design
from evalkit.results import Estimate

__all__ = ["did", "did_aggregate"]


def _did_core(
    y: np.ndarray, treated: np.ndarray, post: np.ndarray, groups: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """DiD coefficient and its CR1 (or HC1) standard error for many outcome columns at once.

    ``y`` has shape (N, R): R replications sharing one design without covariates.
    Returns arrays of shape (R,). Same numbers as :func:`did` (checked in the tests).
    """
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    t = np.asarray(treated, dtype=float)
    p = np.asarray(post, dtype=float)
    x = np.column_stack([np.ones_like(t), t, p, t * p])
    n, k = x.shape
    xtx_inv = np.linalg.inv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    resid = y - x @ beta
    row = xtx_inv[3]
    a = x @ row  # influence weight of each observation on the DiD coefficient
    if groups is None:
        var = (a[:, None] ** 2 * resid**2).sum(axis=0) * n / (n - k)
    else:
        codes, g_count = pd.factorize(groups)[0], len(pd.unique(groups))
        sums = np.zeros((g_count, y.shape[1]))
        np.add.at(sums, codes, a[:, None] * resid)
        factor = g_count / (g_count - 1) * (n - 1) / (n - k)
        var = factor * (sums**2).sum(axis=0)
    return beta[3], np.sqrt(var)


def did(
    data: pd.DataFrame,
    outcome: str,
    treated: str,
    post: str,
    cluster: str | None = None,
    covariates: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> Estimate:
    """Difference in differences on person-level data by OLS.

    Fits ``outcome ~ 1 + treated + post + treated:post + covariates`` by ordinary least
    squares (a linear probability model when the outcome is 0/1) and reports the
    interaction coefficient.

    Standard errors: with ``cluster`` the cluster-robust sandwich with the CR1 small-sample
    factor ``G/(G-1) * (N-1)/(N-K)`` (statsmodels ``cov_type="cluster"``; identical to R
    ``sandwich::vcovCL(fit, cluster=~g, type="HC1")``), and the interval and p-value from
    the t distribution with ``G - 1`` degrees of freedom (as Stata; Cameron & Miller 2015).
    Without ``cluster`` the HC1 sandwich (R ``vcovHC(fit, type="HC1")``) with ``N - K``
    degrees of freedom (as ``lmtest::coeftest``).

    Parameters
    ----------
    data : DataFrame
        One row per person and period.
    outcome : str
        Numeric outcome column (0/1 for a share).
    treated, post : str
        0/1 columns: project (or kommune) group, and the period after the start.
    cluster : str, optional
        Column of cluster ids (e.g. kommune, caseworker or person for a panel).
    covariates : list of str, optional
        Extra adjustment columns; object/category columns are one-hot encoded with the
        first level (sorted) dropped.
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    Estimate
        ``estimate`` the DiD coefficient, ``n`` the rows used (rows with a missing value in
        a used column are dropped, as R ``lm``); ``details`` holds ``df``, ``n_clusters``,
        ``n_dropped``, ``cov_type``, ``coefficients`` and the four ``cell_means``.

    Raises
    ------
    ValueError
        Missing columns, a non-binary ``treated`` or ``post``, an empty treated/post cell,
        fewer than 2 clusters, or too few rows.

    References
    ----------
    Angrist JD, Pischke J-S (2009). Mostly Harmless Econometrics, ch. 5. Cameron AC,
    Miller DL (2015). A practitioner's guide to cluster-robust inference. J Hum Resour
    50:317-372. Zeileis A, Köll S, Graham N (2020). Various versatile variances.
    J Stat Softw 95(1) (R ``sandwich::vcovCL``).

    Examples
    --------
    >>> df = pd.DataFrame({"y": [0, 1, 0, 1, 1, 1, 0, 0], "t": [1, 1, 1, 1, 0, 0, 0, 0],
    ...                    "post": [0, 0, 1, 1, 0, 0, 1, 1]})
    >>> round(did(df, "y", "t", "post").estimate, 6)
    1.0
    """
    covs = check_covariates(covariates)
    check_dataframe(
        data,
        {
            "outcome": outcome,
            "treated": treated,
            "post": post,
            "cluster": cluster,
            "covariates": covs,
        },
    )
    alpha = check_alpha(alpha)
    used = [outcome, treated, post, *covs] + ([cluster] if cluster is not None else [])
    frame = data[used].dropna()
    n_dropped = len(data) - len(frame)
    if len(frame) == 0:
        raise ValueError("data has no complete rows in the used columns")
    if not pd.api.types.is_numeric_dtype(frame[outcome].dtype):
        raise ValueError(
            f"outcome: column {outcome!r} must be numeric, but has dtype {frame[outcome].dtype}"
        )
    t = check_binary_column(frame[treated], "treated").astype(float)
    p = check_binary_column(frame[post], "post").astype(float)
    cells = {}
    for tv in (1, 0):
        for pv in (1, 0):
            mask = (t == tv) & (p == pv)
            if not mask.any():
                raise ValueError(
                    f"no rows with {treated}={tv} and {post}={pv}; all four cells "
                    "are needed for a difference in differences"
                )
            cells[f"treated={tv},post={pv}"] = float(frame[outcome].to_numpy()[mask].mean())
    design = pd.concat(
        [
            pd.DataFrame({"const": 1.0, "treated": t, "post": p, "did": t * p}, index=frame.index),
            _covariate_design(frame, covs),
        ],
        axis=1,
    )
    n, k = design.shape
    if np.linalg.matrix_rank(design.to_numpy()) < k:
        raise ValueError(
            "the design matrix is rank deficient (a covariate is constant or "
            "collinear with treated/post)"
        )
    if n - k < 1:
        raise ValueError(f"too few rows ({n}) for {k} coefficients")
    import statsmodels.api as sm

    model = sm.OLS(frame[outcome].to_numpy(dtype=float), design)
    if cluster is not None:
        groups = pd.factorize(frame[cluster])[0]
        g_count = int(groups.max()) + 1
        if g_count < 2:
            raise ValueError(
                f"cluster: column {cluster!r} must hold at least 2 clusters, but had {g_count}"
            )
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": True})
        df_t, cov_type = g_count - 1, "cluster-CR1"
    else:
        g_count = None
        fit = model.fit(cov_type="HC1")
        df_t, cov_type = n - k, "HC1"
    est, se = float(fit.params["did"]), float(fit.bse["did"])
    q = float(stats.t.isf(alpha / 2, df_t))
    return Estimate(
        estimate=est,
        lower=est - q * se,
        upper=est + q * se,
        n=int(n),
        method=f"did-ols-{cov_type.lower()}",
        alpha=alpha,
        se=se,
        p_value=float(2 * stats.t.sf(abs(est / se), df_t)) if se > 0 else math.nan,
        details={
            "df": df_t,
            "n_clusters": g_count,
            "n_dropped": int(n_dropped),
            "cov_type": cov_type,
            "coefficients": {k_: float(v) for k_, v in fit.params.items()},
            "cell_means": cells,
        },
    )


def did_aggregate(
    p_treat_pre: float,
    n_treat_pre: int | None,
    p_treat_post: float,
    n_treat_post: int | None,
    p_ctrl_pre: float,
    n_ctrl_pre: int | None,
    p_ctrl_post: float,
    n_ctrl_post: int | None,
    alpha: float = 0.05,
) -> Estimate:
    """Difference in differences of four shares when only aggregate figures are known.

    ``(p_treat_post - p_treat_pre) - (p_ctrl_post - p_ctrl_pre)`` with the Wald interval
    ``var = sum p (1 - p) / n`` over the four shares, treated as independent samples. A
    share given with ``n=None`` is taken as known without error (e.g. the national figure
    from Jobindsats); a huge n contributes almost nothing.

    Parameters
    ----------
    p_treat_pre, p_treat_post, p_ctrl_pre, p_ctrl_post : float
        Shares as fractions in [0, 1].
    n_treat_pre, n_treat_post, n_ctrl_pre, n_ctrl_post : int or None
        Number of persons behind each share, or ``None`` for a share known exactly.
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    Estimate
        ``n`` is the sum of the given n's; ``details`` holds the two changes.

    Raises
    ------
    ValueError
        A share outside [0, 1], an n below 1, or all four n's ``None``.

    References
    ----------
    Wald interval for a linear combination of independent binomial proportions; see e.g.
    Fleiss JL, Levin B, Paik MC (2003). Statistical Methods for Rates and Proportions.
    If the same persons are counted in both periods the periods are positively correlated
    and this interval is conservative; use :func:`did` on person-level data instead.

    Examples
    --------
    >>> est = did_aggregate(0.146, 350, 0.40, 350, 0.13, None, 0.15, None)
    >>> round(est.estimate, 3)
    0.234
    """
    alpha = check_alpha(alpha)
    shares = {
        "p_treat_pre": (p_treat_pre, n_treat_pre, "n_treat_pre"),
        "p_treat_post": (p_treat_post, n_treat_post, "n_treat_post"),
        "p_ctrl_pre": (p_ctrl_pre, n_ctrl_pre, "n_ctrl_pre"),
        "p_ctrl_post": (p_ctrl_post, n_ctrl_post, "n_ctrl_post"),
    }
    var, n_total, ps = 0.0, 0, {}
    for pname, (pv, nv, nname) in shares.items():
        pv = check_share(pv, pname)
        ps[pname] = pv
        if nv is not None:
            nv = check_count(nv, nname, minimum=1)
            var += pv * (1 - pv) / nv
            n_total += nv
    if all(v[1] is None for v in shares.values()):
        raise ValueError("at least one of the n's must be given; all four were None")
    change_t = ps["p_treat_post"] - ps["p_treat_pre"]
    change_c = ps["p_ctrl_post"] - ps["p_ctrl_pre"]
    est, se = change_t - change_c, math.sqrt(var)
    z = float(stats.norm.isf(alpha / 2.0))
    return Estimate(
        estimate=est,
        lower=est - z * se,
        upper=est + z * se,
        n=n_total,
        method="did-aggregate-wald",
        alpha=alpha,
        se=se,
        p_value=float(2 * stats.norm.sf(abs(est) / se)) if se > 0 else math.nan,
        details={"change_treated": change_t, "change_control": change_c},
    )
