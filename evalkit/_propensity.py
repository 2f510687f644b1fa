"""The propensity model shared by weighting, matching and balance (private).

:func:`_prepare` checks the data-frame arguments (columns present, no missing values, a
0/1 treatment holding both groups); :func:`_fit_propensity` fits the logistic regression
of treatment on the covariates (statsmodels GLM, binomial, logit link) and refuses
perfect separation. Used by :mod:`evalkit.compare`, :mod:`evalkit.matching` and
:mod:`evalkit.compare_survival`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from evalkit._checks import check_binary_column, check_covariates, check_dataframe
from evalkit._design import _covariate_design

__all__: list[str] = []


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
