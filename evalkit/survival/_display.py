"""Printing survival results the way R prints them (private helpers).

``summary()`` of every result returns a :class:`Summary`: plain text laid out like R's
``print`` of the same object (``survfit``, ``survdiff``, ``cuminc``, ``crr``) for the
console, and a compact HTML table for notebooks. Counts are shown as integers (weighted
counts with two decimals), other numbers with four significant digits, p-values as R's
``format.pval`` in text and as ``<0.001`` in HTML.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

__all__ = ["Summary", "SummaryTable"]


@dataclass(frozen=True)
class Summary:
    """What ``summary()`` returns: R-style text (``print``/``repr``) and an HTML view.

    Attributes
    ----------
    text : str
        The printout, as R lays it out.
    html : str
        The same content as HTML tables (shown by Jupyter).
    """

    text: str
    html: str

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return self.html


class SummaryTable(pd.DataFrame):
    """A coefficient table that also prints R's ``summary()`` when called.

    ``fit.summary`` is the DataFrame; ``fit.summary()`` the printout (:class:`Summary`),
    as the Cox results do. Operations on the table give plain DataFrames.
    """

    _metadata: ClassVar[list[str]] = ["_summarise"]

    @property
    def _constructor(self):
        return pd.DataFrame

    def __call__(self) -> Summary:
        summarise = getattr(self, "_summarise", None)
        if summarise is None:
            raise TypeError("this table is not attached to a fitted model")
        return summarise()


def _is_whole(values: Iterable[float]) -> bool:
    arr = np.asarray(list(values), dtype=float)
    arr = arr[np.isfinite(arr)]
    return bool(np.all(arr == np.round(arr)))


def fmt_num(x: float, digits: int = 4) -> str:
    """A number with ``digits`` significant digits, as R's ``print`` (NA for missing)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    if isinstance(x, float) and math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    return f"{float(x):.{digits}g}"


def fmt_count(x: float, whole: bool = True) -> str:
    """A count: an integer, or two decimals for a weighted (non-whole) count."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    return f"{round(float(x)):d}" if whole else f"{float(x):.2f}"


def fmt_p_text(p: float, digits: int = 2) -> str:
    """R ``format.pval(p, digits)``: significant digits, ``< 2e-16`` below machine eps."""
    if p is None or not np.isfinite(p):
        return "NA"
    if p < np.finfo(float).eps:
        return "< 2e-16"
    return f"{float(p):.{digits}g}"


def fmt_p_html(p: float) -> str:
    """A p-value for tables: three decimals, ``<0.001`` below that, ``NA`` if missing."""
    if p is None or not np.isfinite(p):
        return "NA"
    if p < 0.001:
        return "<0.001"
    return f"{float(p):.3f}"


def format_frame(
    df: pd.DataFrame,
    *,
    counts: Iterable[str] = (),
    pvalues: Iterable[str] = (),
    text: bool = True,
    digits: int = 4,
) -> pd.DataFrame:
    """Every cell as a string: counts, p-values and other numbers formatted."""
    counts, pvalues = set(counts), set(pvalues)
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        s = df[col]
        if col in counts:
            whole = _is_whole(s)
            out[col] = [fmt_count(v, whole) for v in s]
        elif col in pvalues:
            out[col] = [fmt_p_text(v) if text else fmt_p_html(v) for v in s]
        elif pd.api.types.is_bool_dtype(s.dtype):
            out[col] = s.map(str)
        elif pd.api.types.is_integer_dtype(s.dtype):
            out[col] = s.map(lambda v: f"{int(v):d}")
        elif pd.api.types.is_float_dtype(s.dtype):
            out[col] = [fmt_num(v, digits) for v in s]
        else:
            out[col] = s.map(lambda v: "NA" if v is None else str(v))
    return out


def text_table(df: pd.DataFrame, *, index: bool = True, **kwargs) -> str:
    """A right-aligned plain-text table (R's matrix print)."""
    shown = format_frame(df, text=True, **kwargs)
    shown.index.name = None
    return shown.to_string(index=index, justify="right")


def html_table(df: pd.DataFrame, *, index: bool = True, caption: str = "", **kwargs) -> str:
    """A small HTML table with the same formatting (p-values as ``<0.001``)."""
    shown = format_frame(df, text=False, **kwargs)
    shown.index.name = None
    out = shown.to_html(index=index, escape=True, border=0)
    if caption:
        out = out.replace(
            ">\n  <thead>", f">\n  <caption>{html.escape(caption)}</caption>\n  <thead>", 1
        )
    return out


def html_para(text: str) -> str:
    """One escaped paragraph."""
    return f"<p>{html.escape(text)}</p>"
