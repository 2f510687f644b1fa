"""DREAM's wide layout: one row per person, a status column ``y_YYWW`` per week (private).

DREAM extracts (and kommune exports modelled on them) hold a person id, one status column
``y_YYWW`` per ISO week (year ``YY``, week ``WW``) and optionally an hours column
``t_YYWW`` beside it. :func:`_wide_status` turns such a table into the long canonical
status table of ``docs/data-format.md`` for :mod:`evalkit.io`, reporting bad column
names, weeks that do not exist and unknown codes with the raw column they came from.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from evalkit._parse import _iso_monday, _number, _text
from evalkit.config import DataSource
from evalkit.schemas import (
    CPR_MASK,
    STATUS_CATEGORIES,
    Problem,
    looks_like_cpr,
    mask_value,
    missing_column,
)

if TYPE_CHECKING:
    from evalkit.io import _Loaded

__all__: list[str] = []

_WIDE_WEEK = re.compile(r"^y_(\d{2})(\d{2})$")
_WIDE_HOURS = re.compile(r"^t_(\d{2})(\d{2})$")


def _wide_status(
    source: DataSource,
    loaded: _Loaded,
    raw: pd.DataFrame,
    *,
    lookup: dict[str, str],
    limit: int,
) -> pd.DataFrame | None:
    """DREAM wide (one row per person, ``y_YYWW`` columns) -> long canonical status.

    Problems go to ``loaded.problems`` (at most ``limit`` per kind, the rest summarised);
    ``loaded`` also gets the raw column names, one file line per long row and, in
    ``wide_cols``, the raw column behind each long row. ``lookup`` maps raw status codes
    to categories. Returns None when the file has no usable id or week columns.
    """
    id_raw = next((r for r, c in source.columns.items() if c == "person_id"), "person_id")
    loaded.names = {"person_id": id_raw, "week": "y_YYWW", "status": "y_YYWW", "hours": "t_YYWW"}
    file = loaded.file
    if id_raw not in raw.columns:
        loaded.problems.append(
            missing_column(file, id_raw, "person_id", [str(c) for c in raw.columns])
        )
        return None
    weeks: dict[str, np.datetime64] = {}
    hour_cols: dict[str, str] = {}
    for name in raw.columns:
        m, h = _WIDE_WEEK.match(name), _WIDE_HOURS.match(name)
        if name.startswith("y_") and m is None:
            loaded.problems.append(Problem(file, 1, name, "a week column named y_YYWW", None))
            continue
        if name.startswith("t_") and h is None:
            loaded.problems.append(Problem(file, 1, name, "an hours column named t_YYWW", None))
            continue
        match = m or h
        if match is None:
            continue
        yy, ww = int(match.group(1)), int(match.group(2))
        year = 2000 + yy if yy < 90 else 1900 + yy
        monday = _iso_monday(np.array([year]), np.array([ww]))[0]
        if np.isnat(monday):
            loaded.problems.append(
                Problem(file, 1, name, f"an ISO week: {year} has no week {ww:02d}", None)
            )
            continue
        if m:
            weeks[name] = monday
        else:
            hour_cols["y_" + name[2:]] = name
    if not weeks:
        loaded.problems.append(
            Problem(file, 1, None, "week columns named y_YYWW (DREAM wide)", None)
        )
        return None
    for y in set(hour_cols) - set(weeks):
        loaded.problems.append(
            Problem(file, 1, hour_cols[y], f"a matching status column {y}", None)
        )
    ycols = sorted(weeks, key=lambda c: weeks[c])
    mondays = np.array([weeks[c] for c in ycols], dtype="datetime64[ns]")
    n, k = len(raw), len(ycols)
    ids = _text(raw[id_raw]).astype(object).where(lambda s: s.notna(), None).to_numpy()

    block = raw[ycols]
    if not all(d == np.dtype(object) for d in block.dtypes):
        block = block.apply(lambda c: _text(c).fillna("")).astype(object)
    codes, uniques = pd.factorize(block.to_numpy(dtype=object).ravel(), use_na_sentinel=True)
    utext = _text(pd.Series(uniques, dtype=object)).fillna("")
    ucat = pd.Categorical(utext.map(lookup), categories=list(STATUS_CATEGORIES)).codes
    cat = np.where(codes < 0, 0, ucat[np.where(codes < 0, 0, codes)]).astype(np.int8)
    bad = np.flatnonzero(cat < 0)
    for i in bad[:limit]:
        r, j = divmod(int(i), k)
        value = str(uniques[codes[i]])
        if looks_like_cpr(value):
            problems = Problem(
                file, int(loaded.lines[r]), ycols[j], "no CPR numbers in the data", CPR_MASK
            )
        else:
            problems = Problem(
                file,
                int(loaded.lines[r]),
                ycols[j],
                "a status code or category (see data.status.codes in the config)",
                mask_value(value),
            )
        loaded.problems.append(problems)
    if bad.size > limit:
        loaded.problems.append(
            Problem(file, None, "y_YYWW", "a status code", f"… and {bad.size - limit} more")
        )

    hours = np.zeros(n * k)
    if hour_cols:
        hblock = (
            pd.DataFrame({y: raw[hour_cols[y]] if y in hour_cols else "" for y in ycols})
            .to_numpy(dtype=object)
            .ravel()
        )
        hcodes, huniq = pd.factorize(hblock, use_na_sentinel=True)
        hnum = _number(
            _text(pd.Series(huniq, dtype=object)), danish=raw.attrs.get("sep", ";") == ";"
        )
        htext = _text(pd.Series(huniq, dtype=object))
        hbad_u = (htext.notna() & hnum.isna()).to_numpy()
        hvals = hnum.fillna(0.0).to_numpy()
        safe = np.where(hcodes < 0, 0, hcodes)
        hours = np.where(hcodes < 0, 0.0, hvals[safe]) if len(hvals) else hours
        hbad = np.flatnonzero((hcodes >= 0) & hbad_u[safe]) if len(hvals) else np.zeros(0, int)
        for i in hbad[:limit]:
            r, j = divmod(int(i), k)
            loaded.problems.append(
                Problem(
                    file,
                    int(loaded.lines[r]),
                    hour_cols.get(ycols[j], "t_YYWW"),
                    "a number of hours (decimal comma allowed)",
                    mask_value(str(huniq[hcodes[i]])),
                )
            )
    frame = pd.DataFrame(
        {
            "person_id": np.repeat(ids, k),
            "week": np.tile(mondays, n),
            "status": pd.Categorical.from_codes(
                np.maximum(cat, -1), categories=list(STATUS_CATEGORIES)
            ),
            "hours": hours,
        }
    )
    loaded.reported["status"] = cat < 0
    loaded.lines = np.repeat(loaded.lines, k)
    labels = np.array(ycols, dtype=object)
    tlabels = np.array([hour_cols.get(y, "t_" + y[2:]) for y in ycols], dtype=object)
    widx = np.tile(np.arange(k), n)
    loaded.wide_cols = {
        "person_id": np.full(1, id_raw, dtype=object)[np.zeros(n * k, dtype=np.int8)],
        "week": labels[widx],
        "status": labels[widx],
        "hours": tlabels[widx],
    }
    return frame
