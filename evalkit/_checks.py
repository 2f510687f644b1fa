"""Shared argument checks for the public functions of evalkit.

Every check raises ``ValueError`` or ``TypeError`` naming the argument and showing the
bad value (``... but was {x!r}``), so that a notebook user sees what went wrong.
Data-file validation (file, row, column) lives in :mod:`evalkit.schemas`; this module is
for arguments of functions.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "check_1d",
    "check_alpha",
    "check_binary",
    "check_binary_column",
    "check_count",
    "check_covariates",
    "check_dataframe",
    "check_finite",
    "check_nonnegative",
    "check_option",
    "check_positive_int",
    "check_same_length",
    "check_share",
]


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_option(name: str, value: Any, allowed: Collection[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise ``ValueError``."""
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {options}, but was {_show(value)}")
    return value


def check_alpha(alpha: Any, name: str = "alpha") -> float:
    """Return ``alpha`` as float if 0 < alpha < 1."""
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)):
        raise TypeError(f"{name} must be a number between 0 and 1, but was {_show(alpha)}")
    if not 0.0 < float(alpha) < 1.0:
        raise ValueError(f"{name} must lie strictly between 0 and 1, but was {_show(alpha)}")
    return float(alpha)


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as int if it is a whole number >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number, but was {_show(value)}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, but was {_show(value)}")
    return int(value)


def check_1d(values: Any, name: str, dtype: Any = float, allow_empty: bool = False) -> np.ndarray:
    """Convert ``values`` to a one-dimensional array of ``dtype``.

    Raises ``ValueError`` for more than one dimension, for an empty input (unless
    ``allow_empty``) and for values that cannot be converted.
    """
    try:
        arr = np.asarray(values, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, but could not be converted: {exc}") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, but had shape {arr.shape}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty; at least one observation is needed")
    return arr


def check_finite(arr: np.ndarray, name: str) -> np.ndarray:
    """Raise ``ValueError`` naming the first position holding NaN or infinity."""
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} must be finite, but {int(bad.sum())} value(s) are NaN or infinite "
            f"(first at position {i}: {arr[i]!r})"
        )
    return arr


def check_nonnegative(arr: np.ndarray, name: str) -> np.ndarray:
    """Raise ``ValueError`` naming the first negative value."""
    bad = arr < 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} must be non-negative, but {int(bad.sum())} value(s) are negative "
            f"(first at position {i}: {arr[i]!r})"
        )
    return arr


def check_binary(arr: np.ndarray, name: str) -> np.ndarray:
    """Raise ``ValueError`` unless every value is 0 or 1; return a bool array."""
    bad = (arr != 0) & (arr != 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} must hold only 0 and 1, but {int(bad.sum())} value(s) do not "
            f"(first at position {i}: {arr[i]!r})"
        )
    return arr.astype(bool)


def check_same_length(**arrays: np.ndarray | None) -> int:
    """Raise ``ValueError`` unless all given (non-None) arrays have the same length."""
    lengths = {k: len(v) for k, v in arrays.items() if v is not None}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k} has {n}" for k, n in lengths.items())
        raise ValueError(f"inputs must have the same length, but {shown}")
    return next(iter(lengths.values())) if lengths else 0


def check_count(value: Any, name: str, minimum: int = 0) -> int:
    """Return a whole number >= ``minimum`` (floats with an integral value are accepted)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer, float, np.floating)):
        raise TypeError(f"{name} must be a whole number, but was {value!r}")
    if not math.isfinite(value) or float(value) != int(value):
        raise ValueError(f"{name} must be a whole number, but was {value!r}")
    if value < minimum:
        word = "non-negative" if minimum == 0 else f"at least {minimum}"
        raise ValueError(f"{name} must be {word}, but was {value!r}")
    return int(value)


def check_share(value: Any, name: str, open_interval: bool = False) -> float:
    """Return ``value`` as float if it is a share in [0, 1] (in (0, 1) if ``open_interval``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a share between 0 and 1, but was {value!r}")
    v = float(value)
    ok = (0.0 < v < 1.0) if open_interval else (0.0 <= v <= 1.0)
    if not ok:
        where = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        hint = " (give shares as fractions, not percent)" if 1.0 < v <= 100.0 else ""
        raise ValueError(f"{name} must be a share {where}{hint}, but was {value!r}")
    return v


def check_dataframe(data: Any, columns: dict[str, Any]) -> pd.DataFrame:
    """Check ``data`` is a DataFrame holding every named column; return it."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, but was {type(data).__name__}")
    for arg, cols in columns.items():
        if cols is None:
            continue
        for col in [cols] if isinstance(cols, str) else cols:
            if col not in data.columns:
                raise ValueError(f"{arg}: column {col!r} is not in data")
    return data


def check_covariates(covariates: Any, name: str = "covariates") -> list[str]:
    """Return ``covariates`` (None, a column name or a list of names) as a list of names."""
    if covariates is None:
        return []
    if isinstance(covariates, str):
        return [covariates]
    if not isinstance(covariates, (list, tuple)) or not all(isinstance(c, str) for c in covariates):
        raise TypeError(f"{name} must be a column name or a list of names, but was {covariates!r}")
    if len(set(covariates)) != len(covariates):
        raise ValueError(f"{name} must not repeat a column, but was {covariates!r}")
    return list(covariates)


def check_binary_column(s: pd.Series, name: str) -> np.ndarray:
    """Return column ``s`` as a bool array if it is numeric (or bool) holding only 0 and 1."""
    if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)):
        raise ValueError(
            f"{name}: column {s.name!r} must hold only 0 and 1, but has dtype {s.dtype}"
        )
    return check_binary(s.to_numpy(dtype=float), f"{name} ({s.name!r})")
