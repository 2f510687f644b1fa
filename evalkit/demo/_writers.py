"""Writers for the demo files: the way a kommune exports a table (CSV, Excel, Parquet).

Every file is written atomically, and the bytes depend only on the data (Excel's
creation stamps are fixed), so the same seed gives the same files.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from evalkit._files import atomic_write

__all__: list[str] = []


def _dream_col(week: pd.Timestamp) -> str:
    year, wk, _ = week.isocalendar()
    return f"y_{year % 100:02d}{wk:02d}"


_FIXED_STAMP = "2024-01-01T00:00:00Z"


def _write_xlsx(df: pd.DataFrame, target: str) -> None:
    """Write an .xlsx whose bytes depend only on the data.

    openpyxl stamps the creation time into ``docProps/core.xml`` and the zip entries carry
    the time of writing; both are fixed here so the same seed gives the same file.
    """
    buf = io.BytesIO()
    df.to_excel(buf, sheet_name="data", index=False, engine="openpyxl")
    stamp = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = stamp.sub(rb"\g<1>" + _FIXED_STAMP.encode() + rb"\g<3>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)


def _write_table(df: pd.DataFrame, path: Path, fmt: str) -> Path:
    """Write ``df`` the way a kommune would export it; returns the file written."""
    if fmt in ("csv-dk", "csv-utf8"):
        path = path.with_suffix(".csv")
        encoding = "cp1252" if fmt == "csv-dk" else "utf-8-sig"
        atomic_write(
            path,
            lambda t: df.to_csv(
                t, sep=";", decimal=",", index=False, encoding=encoding, date_format="%d-%m-%Y"
            ),
        )
    elif fmt == "excel":
        path = path.with_suffix(".xlsx")
        out = df.copy()
        for c in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[c]):
                out[c] = out[c].dt.date
        atomic_write(path, lambda t: _write_xlsx(out, t))
    elif fmt == "parquet":
        path = path.with_suffix(".parquet")
        atomic_write(path, lambda t: df.to_parquet(t, index=False))
    else:  # pragma: no cover - guarded by PROJECTS
        raise ValueError(f"unknown demo format {fmt!r}")
    return path
