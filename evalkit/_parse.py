"""Parsing raw cell values: text, numbers, dates and ISO weeks (private).

Shared by the long layout (:mod:`evalkit.io`) and the DREAM wide layout
(:mod:`evalkit._dream`). Every parser takes a Series of stripped text (see
:func:`_text`) and returns a Series of the same length with missing values where a cell
could not be parsed; callers parse the distinct values only and spread them back.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

__all__: list[str] = []


def _text(s: pd.Series) -> pd.Series:
    """Values as stripped text (pandas 'string'); empty cells as <NA>; 12.0 as '12'."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        out = s.dt.strftime("%Y-%m-%d").astype("string")
    else:
        out = s.astype("string").str.strip()
        if pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty"):
            out = out.str.replace(r"^(-?\d+)\.0$", r"\1", regex=True)
    return out.mask(out == "")


def _by_unique(s: pd.Series, parse: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply ``parse`` to the distinct values of ``s`` only, then spread back."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    parsed = parse(pd.Series(uniques, dtype=s.dtype))
    out = (
        parsed.take(np.where(codes < 0, 0, codes)) if len(parsed) else parsed.reindex(range(len(s)))
    )
    out = out.reset_index(drop=True)
    if (codes < 0).any():
        out = out.mask(pd.Series(codes < 0))
    return out


def _number(t: pd.Series, danish: bool) -> pd.Series:
    t = t.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    comma = t.str.contains(",", regex=False).fillna(False)
    dk = t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    out = t.where(~comma, dk)
    if danish:
        thousands = t.str.fullmatch(r"-?[1-9]\d{0,2}(\.\d{3})+").fillna(False) & ~comma
        out = out.where(~thousands, t.str.replace(".", "", regex=False))
    return pd.to_numeric(out, errors="coerce").astype("float64")


def _dates(t: pd.Series) -> pd.Series:
    out = pd.to_datetime(t, format="%d-%m-%Y", errors="coerce")
    for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d-%m-%Y %H:%M:%S"):
        todo = out.isna() & t.notna()
        if not todo.any():
            break
        out = out.where(~todo, pd.to_datetime(t.where(todo), format=fmt, errors="coerce"))
    return out.astype("datetime64[ns]")


def _iso_monday(year: np.ndarray, week: np.ndarray) -> np.ndarray:
    """Monday of ISO (year, week); NaT where the week does not exist in that year."""
    year = np.asarray(year, dtype=np.int64)
    week = np.asarray(week, dtype=np.int64)
    ok = (week >= 1) & (week <= 53) & (year >= 1900) & (year <= 2200)
    y = np.where(ok, year, 2000)
    jan4 = (y - 1970).astype("datetime64[Y]").astype("datetime64[D]") + np.timedelta64(3, "D")
    dow = (jan4.astype(np.int64) - 4) % 7  # 1970-01-05 was a Monday
    monday = jan4 - dow.astype("timedelta64[D]") + ((week - 1) * 7).astype("timedelta64[D]")
    # Week 53 exists only if its Monday still belongs to the ISO year (before its 29 Dec).
    next_jan4 = (y - 1969).astype("datetime64[Y]").astype("datetime64[D]") + np.timedelta64(3, "D")
    next_dow = (next_jan4.astype(np.int64) - 4) % 7
    ok &= monday < next_jan4 - next_dow.astype("timedelta64[D]")
    return np.where(ok, monday, np.datetime64("NaT")).astype("datetime64[ns]")


def _weeks(t: pd.Series) -> pd.Series:
    iso = t.str.extract(r"^(\d{4})-?W(\d{1,2})$")
    compact = t.str.extract(r"^(\d{4})(\d{2})$")
    y = iso[0].fillna(compact[0])
    w = iso[1].fillna(compact[1])
    have = y.notna().to_numpy()
    out = np.full(len(t), np.datetime64("NaT"), dtype="datetime64[ns]")
    if have.any():
        out[have] = _iso_monday(y[have].astype(int).to_numpy(), w[have].astype(int).to_numpy())
    res = pd.Series(out)
    as_date = _dates(t.where(~pd.Series(have)))
    res = res.where(pd.Series(have), as_date - pd.to_timedelta(as_date.dt.dayofweek, unit="D"))
    return res.astype("datetime64[ns]")


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


def _date_expectation(value: object) -> str | None:
    """The expectation for a cell written like a date that is not one (31-02-2019)."""
    if not isinstance(value, str):
        return None
    v = value.strip()
    dmy = re.fullmatch(r"(\d{1,2})-(\d{1,2})-(\d{4})", v)
    ymd = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", v)
    if not (dmy or ymd):
        return None
    form = "dd-mm-yyyy" if dmy else "yyyy-mm-dd"
    d, m, y = (int(x) for x in dmy.groups()) if dmy else (int(x) for x in ymd.groups()[::-1])
    if not 1 <= m <= 12:
        return f"a date {form} (there is no month {m})"
    if not 1 <= d <= 31:
        return f"a date {form} (there is no day {d})"
    days = pd.Timestamp(y, m, 1).days_in_month
    return (
        f"a date {form} that exists (the date does not exist: {_MONTHS[m - 1]} {y} has {days} days)"
    )
