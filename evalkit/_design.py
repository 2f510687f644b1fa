"""Covariate design matrices for the regression estimators (private).

Shared by difference in differences (:mod:`evalkit.did`), the propensity model
(:mod:`evalkit._propensity`) and the balance table (:mod:`evalkit.compare`): numeric and
bool columns as they are, object, string and category columns one-hot with the first
level dropped, coded as R's ``factor()`` so that coefficients can be compared with R.
"""

from __future__ import annotations

import pandas as pd

__all__: list[str] = []


def _is_categorical(s: pd.Series) -> bool:
    return bool(
        isinstance(s.dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(s.dtype)
        or pd.api.types.is_string_dtype(s.dtype)
    )


def _covariate_design(data: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """Numeric design columns for ``covariates``: categorical ones one-hot, first level dropped.

    Levels are ordered as the categories of a categorical column, else sorted, so the
    dropped (reference) level is the same as R's ``factor()`` default.
    """
    parts = []
    for col in covariates:
        s = data[col]
        if _is_categorical(s):
            cat = s.astype("category") if not isinstance(s.dtype, pd.CategoricalDtype) else s
            levels = list(cat.cat.categories)
            for level in levels[1:]:
                parts.append(pd.Series((cat == level).astype(float), name=f"{col}[{level}]"))
        elif pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
            parts.append(s.astype(float).rename(col))
        else:
            raise TypeError(f"covariates: column {col!r} has unsupported dtype {s.dtype}")
    if not parts:
        return pd.DataFrame(index=data.index)
    return pd.concat(parts, axis=1)
