"""Convert a national panel to the packed layout: ``evalkit pack PANEL --out OUT``.

The packed Parquet layout (``docs/data-format.md``, "Columnar national panels") holds a
person's weekly status in one fixed-size binary column ``status_YYWW`` (a byte per week:
the position in ``STATUS_CATEGORIES``, 255 = no row); it is the layout that reads fast
enough for a national panel. :func:`pack_panel` writes it from a wide Parquet panel (a
file, or a folder whose files -- e.g. the ``kommune=...`` partitions -- are written to the
same relative paths), a DREAM wide CSV or a long Parquet file with its participants
table, block by block with
:func:`evalkit.columnar.iter_blocks` (the same decoding and checks as ``evalkit landstal``;
memory does not grow with the persons).

The participant columns (``person_id``, ``start_date``, ``target_group``, ...) are carried
as they are. The packed layout has no hours: hours columns ``t_YYWW`` of a Parquet panel
are carried unchanged, but the reader does not use them (``employed_26`` needs the wide
panel); those of a CSV or long panel are not written (the provenance says
``hours_dropped``; keep the original for ``employed_26``).

The output is written to a temporary path and moved into place (a folder: a temporary
folder renamed), so an error leaves nothing half-written. Provenance goes into each
file's Parquet metadata (key ``evalkit.pack``, JSON): the input and its SHA-256 (as
``evalkit landstal``), the file it came from and that file's SHA-256, the participants
table's SHA-256, the date, the evalkit version and the calendar.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from evalkit._files import atomic_write, sha256_file
from evalkit.columnar import (
    _BATCH,
    _PACKED,
    _YCOL,
    PanelError,
    _fragments,
    _is_long,
    iter_blocks,
    read_participants,
)
from evalkit.landstal import input_sha256

__all__ = ["META_KEY", "pack_panel"]

META_KEY = b"evalkit.pack"
# row groups of about 20 M person-weeks (as demo-data writes; larger ones read faster),
# at least one block; only the packed bytes of a row group are held (20 MB)
_ROW_GROUP_CELLS = 20_000_000


def _status_name(weeks: pd.DatetimeIndex) -> str:
    y, w, _ = weeks[0].isocalendar()
    return f"status_{y % 100:02d}{w:02d}"


def _packed_array(codes: np.ndarray) -> pa.FixedSizeBinaryArray:
    """int8 codes (n, W), -1 no row -> the packed column (bytes; -1 is byte 255)."""
    n, w = codes.shape
    data = pa.py_buffer(np.ascontiguousarray(codes))
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(w), n, [None, data])


def _block_table(block: Any, weeks: pd.DatetimeIndex, csv: bool) -> pa.Table:
    """The participant columns of a block and its packed status column."""
    if block.table is not None:
        table = pa.Table.from_batches([block.table])
    else:  # CSV: the participant columns come from the participants table
        frame = block.columns.reset_index(drop=True)
        frame["person_id"] = frame["person_id"].astype(str)
        if csv:
            frame["start_date"] = block.start_days.astype("datetime64[D]")
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if csv:
            i = table.schema.get_field_index("start_date")
            table = table.set_column(i, "start_date", table.column(i).cast(pa.date32()))
        table = table.replace_schema_metadata(None)
    return table.append_column(_status_name(weeks), _packed_array(block.codes))


def _carry(names: list[str]) -> list[str]:
    """The columns of a file carried as they are (all but the status columns)."""
    return [c for c in names if not _YCOL.match(c) and not _PACKED.match(c)]


def _pack_file(
    panel: str | Path,
    dest: str,
    files: list[str] | None,
    columns: list[str],
    participants: pd.DataFrame | None,
    codes: dict[str, str] | None,
    weeks: pd.DatetimeIndex | None,
    meta: dict[str, Any],
    batch_size: int,
) -> tuple[int, pd.DatetimeIndex | None]:
    """Write one packed file from one file of the panel; returns persons and calendar."""
    writer = None
    n = rows = 0
    pending: list[pa.Table] = []
    calendar = weeks
    csv = participants is not None
    try:
        for block, calendar in iter_blocks(
            panel,
            participants,
            codes=codes,
            columns=columns,
            batch_size=batch_size,
            weeks=weeks,
            files=files,
        ):
            table = _block_table(block, calendar, csv)
            if writer is None:
                meta = {
                    **meta,
                    "first_week": calendar[0].date().isoformat(),
                    "n_weeks": len(calendar),
                }
                schema = table.schema.with_metadata(
                    {META_KEY: json.dumps(meta, sort_keys=True).encode()}
                )
                # the status bytes plain (no dictionary trial), as the reader takes them
                names = [c for c in schema.names if not _PACKED.match(c)]
                writer = pq.ParquetWriter(dest, schema, compression="snappy", use_dictionary=names)
            pending.append(table.cast(writer.schema))
            rows += table.num_rows
            n += table.num_rows
            if rows >= max(batch_size, _ROW_GROUP_CELLS // len(calendar)):
                writer.write_table(pa.concat_tables(pending), row_group_size=rows)
                pending, rows = [], 0
        if pending and writer is not None:
            writer.write_table(pa.concat_tables(pending), row_group_size=rows)
    finally:
        if writer is not None:
            writer.close()
    return n, calendar


def pack_panel(
    panel: str | Path,
    out: str | Path,
    *,
    participants: pd.DataFrame | str | Path | None = None,
    codes: dict[str, str] | None = None,
    date: dt.date | None = None,
    batch_size: int = _BATCH,
) -> dict[str, Any]:
    """Write a wide panel (Parquet file or folder, or DREAM wide CSV) in the packed layout.

    Parameters
    ----------
    panel : str or Path
        Wide Parquet file or folder (hive partitions such as ``kommune=Aalborg`` are kept
        as folders) or a ``.csv`` file (DREAM wide, ``;``; then ``participants``).
    out : str or Path
        The packed file (for a file or CSV panel) or folder (for a folder panel).
    participants : DataFrame or path, optional
        For a CSV panel: ``person_id, start_date[, target_group, ...]``; their columns
        are written beside the status.
    codes : dict, optional
        Raw status code -> category, added to the DREAM defaults (``data.status.codes``).
    date : date, optional
        The date recorded (default today; fixed for reproducible files).
    batch_size : int
        Persons per block (and per row group).

    Returns
    -------
    dict
        The provenance (of the whole input) with ``n_persons`` and ``files`` written.

    Raises
    ------
    PanelError
        For bad input (file, row, column and what was expected); nothing is written.
    """
    from evalkit import __version__

    src, dst = Path(panel), Path(out)
    if not src.exists():
        raise FileNotFoundError(f"{src}: no such file or folder")
    part_sha = None
    if participants is not None and not isinstance(participants, pd.DataFrame):
        part_sha = sha256_file(participants)
        participants = read_participants(participants)
    is_csv = src.is_file() and src.suffix.lower() == ".csv"
    if is_csv and participants is None:
        raise PanelError(src, None, None, "a participants table for a CSV panel (--participants)")
    is_long = _is_long(src, None)
    if participants is not None and not (is_csv or is_long):
        raise PanelError(
            src,
            None,
            None,
            "no participants table: a wide Parquet panel carries its own "
            "participant columns (leave out --participants)",
        )
    hours_dropped = False  # the packed layout has no hours: a CSV's or long file's are not kept
    if is_csv:
        with open(src, encoding="utf-8", errors="replace") as fh:
            header = fh.readline().rstrip("\r\n").split(";")
        hours_dropped = any(c.startswith("t_") for c in header)
    elif is_long:
        hours_dropped = "hours" in pq.read_schema(src).names
    prov: dict[str, Any] = {
        "input": src.name,
        "input_sha256": input_sha256(src),
        "participants_sha256": part_sha,
        "date": (date or dt.date.today()).isoformat(),
        "evalkit_version": __version__,
        "layout": "packed",
        "hours_dropped": hours_dropped,
    }
    if src.is_file():
        columns = ["person_id"] if is_csv or is_long else _carry(pq.read_schema(src).names)
        meta = {**prov, "file": src.name, "file_sha256": prov["input_sha256"]}
        box: dict[str, Any] = {}

        def write(tmp: str) -> None:
            box["n"], box["weeks"] = _pack_file(
                src, tmp, None, columns, participants, codes, None, meta, batch_size
            )
            if not box["n"]:
                raise PanelError(src, None, None, "at least one person")

        atomic_write(dst, write)
        n, files = box["n"], [dst.name]
    else:
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=dst.parent, prefix=f".{dst.name}.tmp-"))
        try:
            n, files, weeks = 0, [], None
            for file, frag, _extra in _fragments(src):
                assert frag is not None
                rel = Path(file).relative_to(src)
                meta = {**prov, "file": rel.as_posix(), "file_sha256": sha256_file(file)}
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                m, weeks = _pack_file(
                    src, str(tmp / rel), [file], _carry(frag.physical_schema.names),
                    None, codes, weeks, meta, batch_size,
                )  # fmt: skip
                n += m
                if m:
                    files.append(rel.as_posix())
            if not n:
                raise PanelError(src, None, None, "at least one person")
            os.chmod(tmp, 0o777 & ~_umask())
            old = None
            if dst.exists():
                old = dst.with_name(f".{dst.name}.old-{os.getpid()}")
                os.replace(dst, old)
            os.replace(tmp, dst)
            if old is not None:
                shutil.rmtree(old) if old.is_dir() else old.unlink()
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return {**prov, "n_persons": n, "files": files}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
