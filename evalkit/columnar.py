"""The columnar data path: weekly status from Parquet or DREAM wide CSV to spells, in blocks.

A national panel does not fit in memory as a pandas table of person-weeks (5 million
persons x 1,560 weeks are 7.8 G person-weeks). This module reads it with Arrow (embedded,
nothing to start) in batches of persons, turns each batch into a dense int8 status matrix
(persons x calendar weeks) and hands it to the spell kernel
:func:`evalkit.spells_kernel.spells_block`, the same one :func:`evalkit.spells.build_spells`
uses, so the rules of ``docs/spells.md`` hold unchanged. The survival estimators'
sufficient statistics (:class:`evalkit.survival_counts.SurvivalCounts`) are added up block
by block, so memory does not grow with the number of persons.

Layouts (``docs/data-format.md``, "Columnar national panels"):

* **wide** Parquet (a file or a folder of files, e.g. partitioned by ``kommune=...``):
  one row per person with ``person_id``, ``start_date``, optional ``target_group`` and
  other participant columns, and a status column ``y_YYWW`` per ISO week (strings,
  dictionary-encoded in the file: a category of ``STATUS_CATEGORIES`` or a DREAM code;
  null or blank = no benefit, i.e. ``selvforsoergende``, as in DREAM), optionally hours
  ``t_YYWW``.
* **packed** Parquet (optional, the fast layout): as wide, but one fixed-size binary
  column ``status_YYWW`` (the first week) whose bytes are a person's int8 status codes
  week by week (positions in ``STATUS_CATEGORIES``; 255 = no row); read without a copy.
* **long** Parquet (one file): ``person_id, week, status[, hours]``, sorted by person
  then week, with the participants in a separate table; read in batches of rows, the
  last person's rows carried into the next batch, the rows scattered into the block's
  int8 matrix by (person, calendar column) (:func:`_long_blocks`).
* **DREAM wide CSV** (``;``-separated): as wide Parquet, read with Arrow's streaming
  CSV reader; participants in a separate table.

The only Python loops are over blocks and, when a wide batch is turned into a matrix, over its
week columns (the file's columns are separate buffers); never over persons. String week
columns are read as their dictionary indices and looked up through each dictionary's
few values; the participant columns stay Arrow arrays unless the spells are kept. With
``workers`` (or a Dask ``scheduler``) the files of a folder are read in parallel on Dask
and their counts merged exactly (:func:`panel_spells`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from evalkit.config import COMPETING
from evalkit.io import DEFAULT_STATUS_CODES
from evalkit.schemas import STATUS_CATEGORIES, mask_value
from evalkit.spells import spells_frame
from evalkit.spells_kernel import competing_codes, spells_block
from evalkit.survival_counts import SurvivalCounts

__all__ = [
    "COMPETING",
    "Block",
    "PanelError",
    "PanelSpells",
    "iter_blocks",
    "panel_spells",
    "panel_weeks",
    "read_participants",
    "start_quarter",
]

_YCOL = re.compile(r"^y_(\d{2})(\d{2})$")
_PACKED = re.compile(r"^status_(\d{2})(\d{2})$")
_BATCH = 16_384  # persons per Arrow batch (and per block of the kernel)
_SLAB = 64  # week columns transposed at a time (64 bytes: a cache line per person)


class PanelError(ValueError):
    """Bad input in a panel: names the file, the row (1-based data row), the column and
    what was expected (never a person id or CPR number)."""

    def __init__(
        self,
        file: str | Path,
        row: int | None,
        column: str | None,
        expected: str,
        got: str | None = None,
    ) -> None:
        self._args = (file, row, column, expected, got)
        where = f"{file}" + (f", row {row}" if row is not None else "")
        where += f", column {column}" if column is not None else ""
        super().__init__(f"{where}: expected {expected}" + (f", got {got}" if got else ""))

    def __reduce__(self) -> tuple[type, tuple]:  # pickled from a worker process
        return (type(self), self._args)


@dataclass
class Block:
    """One block of persons of a panel.

    Attributes
    ----------
    codes : ndarray of int8, shape (n, W)
        Status codes (index into STATUS_CATEGORIES, -1 no row) by calendar week.
    hours : ndarray of float32 or None
    start_col : ndarray of int64
        Calendar column of each person's start week.
    start_days : ndarray of int64
        Each person's start date (days since 1970-01-01).
    table : pyarrow.RecordBatch or None
        The participant columns as read (``person_id``, ``start_date``, ...), or None
        when they come from a participants table (then ``frame`` holds them).
    extra : dict of str to str
        Columns of the hive partition (e.g. ``kommune``), the same for every person.
    frame : DataFrame or None
        The participant columns as pandas, built by :attr:`columns` when first asked.
    last : int or None
        The last calendar column of the block's file: in the wide layouts every person
        has a row in each week of the file (a blank is no benefit), so this is each
        person's last observed column (None: the kernel finds it).
    """

    codes: np.ndarray
    hours: np.ndarray | None
    start_col: np.ndarray
    start_days: np.ndarray
    table: pa.RecordBatch | None = None
    extra: dict[str, str] = field(default_factory=dict)
    frame: pd.DataFrame | None = None
    last: int | None = None

    @property
    def columns(self) -> pd.DataFrame:
        """The participant columns of the block (``person_id``, ``start_date``, ...)."""
        if self.frame is None:
            assert self.table is not None
            frame = pa.Table.from_batches([self.table]).to_pandas()
            for k, v in self.extra.items():
                frame[k] = v
            self.frame = frame
        return self.frame

    def column(self, name: str) -> pa.Array | pd.Series | None:
        """One participant column (Arrow when read from Parquet), None when absent."""
        if self.frame is not None or self.table is None:
            frame = self.columns
            return frame[name] if name in frame else None
        if name in self.extra:
            return pa.array([self.extra[name]] * self.table.num_rows, pa.string())
        names = self.table.schema.names
        return self.table.column(names.index(name)) if name in names else None


def _lookup(codes: dict[str, str] | None) -> dict[str, int]:
    table = dict(DEFAULT_STATUS_CODES)
    table.update({str(k).strip(): v for k, v in (codes or {}).items()})
    table.update({c: c for c in STATUS_CATEGORIES})
    return {k: STATUS_CATEGORIES.index(v) for k, v in table.items()}


def _iso_monday_days(yy: int, ww: int) -> int | None:
    year = 2000 + yy if yy < 90 else 1900 + yy
    try:
        d = dt.date.fromisocalendar(year, ww, 1)
    except ValueError:
        return None
    return (d - dt.date(1970, 1, 1)).days


def _wide_weeks(file: str, names: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The ``y_YYWW`` columns in week order and their Mondays (days since 1970)."""
    cols, days, err = _weeks_of(tuple(names))
    if err is not None:
        raise PanelError(file, None, err[0], err[1])
    return list(cols), days.copy()


@functools.lru_cache(maxsize=16)
def _weeks_of(
    names: tuple[str, ...],
) -> tuple[tuple[str, ...], np.ndarray, tuple[str | None, str] | None]:
    """:func:`_wide_weeks` without the file (cached: the files of a panel share columns)."""
    cols, days = [], []
    for name in names:
        if not name.startswith("y_"):
            continue
        m = _YCOL.match(name)
        d = None if m is None else _iso_monday_days(int(m.group(1)), int(m.group(2)))
        if d is None:
            return (), np.zeros(0, np.int64), (name, "a week column y_YYWW of an existing ISO week")
        cols.append(name)
        days.append(d)
    if not cols:
        return (), np.zeros(0, np.int64), (None, "week columns named y_YYWW (wide layout)")
    order = np.argsort(days, kind="stable")
    cols = [cols[i] for i in order]
    days_a = np.array(days, np.int64)[order]
    if np.any(np.diff(days_a) != 7):
        i = int(np.flatnonzero(np.diff(days_a) != 7)[0]) + 1
        return (), days_a, (cols[i], "consecutive weekly columns (a week is missing or repeated)")
    return tuple(cols), days_a, None


def _file_weeks(file: str, schema: pa.Schema) -> tuple[list[str], np.ndarray, str | None]:
    """Week columns and Mondays of a Parquet file: the wide ``y_YYWW`` columns, or the
    packed column ``status_YYWW`` (then returned as the third value; no week columns)."""
    packed = [c for c in schema.names if _PACKED.match(c)]
    if not packed or any(c.startswith("y_") for c in schema.names):
        cols, days = _wide_weeks(file, schema.names)
        return cols, days, None
    if len(packed) > 1:
        raise PanelError(file, None, packed[1], "one packed status column status_YYWW")
    col = packed[0]
    typ = schema.field(col).type
    if not pa.types.is_fixed_size_binary(typ) or typ.byte_width < 1:
        raise PanelError(file, None, col, "fixed-size binary, one byte per week", str(typ))
    m = _PACKED.match(col)
    assert m is not None
    d0 = _iso_monday_days(int(m.group(1)), int(m.group(2)))
    if d0 is None:
        raise PanelError(file, None, col, "a packed column status_YYWW of an existing ISO week")
    return [], d0 + 7 * np.arange(typ.byte_width, dtype=np.int64), col


def _packed_matrix(
    batch: pa.RecordBatch, col: str, file: str, row0: int, off: int, width: int
) -> tuple[np.ndarray, bool]:
    """The block's int8 matrix from the packed column (its bytes are the codes), and
    whether every person has a row in every week of the file (no byte 255)."""
    arr = batch.column(batch.schema.names.index(col))
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n, w = len(arr), arr.type.byte_width
    i = _first_null(arr)
    if i is not None:
        raise PanelError(file, row0 + i + 1, col, "a value (it is empty)")
    buf = arr.buffers()[1]
    codes = np.frombuffer(buf, np.int8, count=n * w, offset=arr.offset * w).reshape(n, w)
    ncat = len(STATUS_CATEGORIES)
    low = int(codes.min()) if n else 0
    if n and (low < -1 or int(codes.max()) >= ncat):
        bad = int(np.flatnonzero(((codes < -1) | (codes >= ncat)).ravel())[0])
        r, j = divmod(bad, w)
        raise PanelError(
            file,
            row0 + r + 1,
            col,
            f"status codes 0..{ncat - 1} (STATUS_CATEGORIES) or 255 (no row) in each byte",
            f"{int(codes[r, j]) & 0xFF} in byte {j + 1}",
        )
    if off or w != width:
        full = np.full((n, width), -1, np.int8)
        full[:, off : off + w] = codes
        return full, low >= 0
    return codes, low >= 0


def read_participants(path: str | Path) -> pd.DataFrame:
    """The participants table of a panel that holds only the status (DREAM wide CSV, long
    Parquet): Parquet, or CSV with ``;`` or ``,`` (person ids read as text)."""
    p = Path(path)
    if p.suffix == ".parquet":
        return pd.read_parquet(p)
    return pd.read_csv(p, sep=None, engine="python", dtype={"person_id": str})


def panel_weeks(path: str | Path) -> pd.DatetimeIndex:
    """The Mondays of the week columns of a wide Parquet panel (file or folder), or of
    the first to the last week of a long Parquet file."""
    if _is_long(path, None):
        lo, hi = _long_calendar(pq.ParquetFile(str(path)), str(path))
        days = np.arange(lo, hi + 1, 7, dtype=np.int64)
        return pd.DatetimeIndex(days.astype("datetime64[D]")).as_unit("ns")
    dset = ds.dataset(str(path), format="parquet", partitioning="hive")
    _, days, _ = _file_weeks(str(path), dset.schema)
    return pd.DatetimeIndex(days.astype("datetime64[D]")).as_unit("ns")


class _Luts:
    """Status lookup table (dictionary position -> int8 code, -2 unknown) of a column's
    dictionary; the row groups of a file repeat the same few dictionaries."""

    def __init__(self, lookup: dict[str, int]) -> None:
        self.lookup = lookup
        self._last: pa.Array | None = None
        self._last_lut: tuple[np.ndarray, bool, bool] = (np.zeros(0, np.int8), False, False)
        self._cache: dict[tuple[str, ...], tuple[np.ndarray, bool, bool]] = {}

    def __call__(self, dictionary: pa.Array) -> tuple[np.ndarray, bool, bool]:
        """The table, whether every value of the dictionary is known, and whether the
        table is the identity (the dictionary is the status categories in order)."""
        if self._last is not None and dictionary.equals(self._last):
            return self._last_lut
        vals = tuple(("" if v is None else str(v).strip()) for v in dictionary.to_pylist())
        got = self._cache.get(vals)
        if got is None:
            lut = np.array([self.lookup.get(v, -2) for v in vals], np.int8)
            identity = np.array_equal(lut, np.arange(len(lut)))
            got = (lut, bool(len(lut)) and int(lut.min()) >= 0, identity)
            self._cache[vals] = got
        self._last, self._last_lut = dictionary, got
        return got


def _status_column(
    arr: pa.Array | pa.ChunkedArray,
    luts: _Luts,
    file: str,
    col: str,
    row0: int,
    null_code: int,
    out: np.ndarray,
) -> None:
    """One week column of a batch -> int8 codes in ``out``; an unknown code raises
    PanelError."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not isinstance(arr, pa.DictionaryArray):
        arr = pc.dictionary_encode(arr.cast(pa.string()))
    lut, known, identity = luts(arr.dictionary)
    nulls = arr.null_count
    ind = arr.indices
    if nulls:
        ind = pc.fill_null(ind, 0)
    idx = ind.to_numpy(zero_copy_only=False)
    if identity:
        out[:] = idx  # a cast, no lookup
    elif len(lut):
        np.take(lut, idx, out=out)
    else:
        out[:] = -2
    if nulls:
        out[arr.is_null().to_numpy(zero_copy_only=False)] = null_code
    if known:
        return
    bad = np.flatnonzero(out == -2)
    if bad.size:
        i = int(bad[0])
        got = mask_value(str(arr.dictionary[int(idx[i])].as_py()))
        raise PanelError(
            file, row0 + i + 1, col, "a status category or DREAM code (see data.status.codes)", got
        )


def _hours_column(arr: pa.Array | None, n: int) -> np.ndarray:
    if arr is None:
        return np.zeros(n, np.float32)
    out = pc.cast(arr, pa.float32(), safe=False).to_numpy(zero_copy_only=False)
    return np.nan_to_num(out, nan=0.0).astype(np.float32)


def _batch_matrix(
    batch: pa.RecordBatch,
    ycols: list[str],
    file: str,
    row0: int,
    luts: _Luts,
    null_code: int,
    with_hours: bool,
    off: int,
    width: int,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The block's int8 matrix (n, width), the file's weeks at columns ``off ...``.

    The file's week columns are separate buffers: each is looked up into a row of the
    transposed matrix (contiguous writes) and the matrix is transposed once, in slabs of
    columns so that reads and writes stay in the CPU caches.
    """
    n = batch.num_rows
    codes = np.full((n, width), -1, np.int8) if off or len(ycols) != width else None
    if codes is None:
        codes = np.empty((n, width), np.int8)
    names = batch.schema.names
    pos = {c: i for i, c in enumerate(names)}
    slab = np.empty((min(_SLAB, len(ycols)), n), np.int8)
    for s0 in range(0, len(ycols), _SLAB):
        cols = ycols[s0 : s0 + _SLAB]
        for j, col in enumerate(cols):  # the file's columns are separate buffers
            _status_column(batch.column(pos[col]), luts, file, col, row0, null_code, slab[j])
        codes[:, off + s0 : off + s0 + len(cols)] = slab[: len(cols)].T
    hours = None
    if with_hours:
        hours = np.zeros((n, width), np.float32)
        for j, col in enumerate(ycols):
            tcol = "t_" + col[2:]
            hours[:, off + j] = _hours_column(batch.column(pos[tcol]) if tcol in pos else None, n)
    return codes, hours


def _first_null(arr: pa.Array | pa.ChunkedArray) -> int | None:
    if arr.null_count == 0:
        return None
    return int(np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))[0])


def _monday(days: np.ndarray | int) -> np.ndarray | int:
    """Days since 1970-01-01 of the Monday of the week of ``days`` (1970-01-01 was a Thursday)."""
    return days - (days + 3) % 7


def _date_days(arr: pa.Array | pa.ChunkedArray | pd.Series) -> np.ndarray:
    """Days since 1970-01-01 of each date (Arrow dates and timestamps, or via pandas)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if isinstance(arr, pa.Array):
        if pa.types.is_date(arr.type) or (pa.types.is_timestamp(arr.type) and arr.type.tz is None):
            days = pc.cast(pc.cast(arr, pa.date32()), pa.int32())
            return days.to_numpy(zero_copy_only=False).astype(np.int64)
        arr = arr.to_pandas()
    return pd.to_datetime(arr).to_numpy(dtype="datetime64[D]").astype(np.int64)


def _fragments(
    path: str | Path, files: Sequence[str] | None = None
) -> list[tuple[str, ds.Fragment | None, dict[str, str]]]:
    """The files of a panel (all, or those given) with their hive partition keys."""
    p = Path(path)
    if p.is_file() and p.suffix.lower() == ".csv":
        return [(str(p), None, {})]
    source: str | list[str] = str(p) if files is None or p.is_file() else list(files)
    hive = ds.partitioning(flavor="hive")
    base = None if isinstance(source, str) else str(p)
    dset = ds.dataset(source, format="parquet", partitioning=hive, partition_base_dir=base)
    # the week columns are read as their dictionary indices when they are strings (a
    # status is one of a few values; never a Python string per cell); other types as such
    ycols = [c for c in dset.schema.names if c.startswith("y_")]
    fmt = ds.ParquetFileFormat(read_options=ds.ParquetReadOptions(dictionary_columns=ycols))
    dset = ds.dataset(source, format=fmt, partitioning=hive, partition_base_dir=base)
    out = []
    for frag in sorted(dset.get_fragments(), key=lambda f: f.path):
        keys = ds.get_partition_keys(frag.partition_expression)
        out.append((frag.path, frag, {k: str(v) for k, v in keys.items()}))
    if not out:
        raise PanelError(p, None, None, "at least one Parquet file")
    return out


def _is_long(path: str | Path, files: Sequence[str] | None) -> bool:
    """Whether ``path`` is one long Parquet file (columns ``week`` and ``status``)."""
    p = Path(path)
    if files is not None or not p.is_file() or p.suffix.lower() == ".csv":
        return False
    names = pq.read_schema(p).names
    return "week" in names and "status" in names and not any(c.startswith("y_") for c in names)


def _long_calendar(pf: pq.ParquetFile, file: str) -> tuple[int, int]:
    """First and last Monday (days since 1970) of a long file's ``week`` column: from the
    Parquet statistics, else from one pass over that column only."""
    j = pf.schema_arrow.get_field_index("week")
    lo: int | None = None
    hi: int | None = None
    stats = [pf.metadata.row_group(g).column(j).statistics for g in range(pf.num_row_groups)]
    if stats and all(s is not None and s.has_min_max for s in stats):
        mins = [_date_days(pd.Series([pd.Timestamp(s.min)])) for s in stats]
        maxs = [_date_days(pd.Series([pd.Timestamp(s.max)])) for s in stats]
        lo, hi = int(min(m[0] for m in mins)), int(max(m[0] for m in maxs))
    else:
        for b in pf.iter_batches(batch_size=1 << 20, columns=["week"]):
            d = _date_days(b.column(0))
            if d.size:
                lo = int(d.min()) if lo is None else min(lo, int(d.min()))
                hi = int(d.max()) if hi is None else max(hi, int(d.max()))
    if lo is None or hi is None:
        raise PanelError(file, None, "week", "at least one row")
    lo, hi = _monday(lo), _monday(hi)  # (a week that is not a Monday raises later, by row)
    return lo, hi


def _long_blocks(
    file: str,
    participants: pd.DataFrame | None,
    part_index: pd.Index | None,
    luts: _Luts,
    null_code: int,
    hours: bool,
    batch_size: int,
    weeks: pd.DatetimeIndex | None,
) -> Iterator[tuple[Block, pd.DatetimeIndex]]:
    """Blocks of a long Parquet panel (``person_id, week, status[, hours]``, sorted by
    person then week): read batch by batch, the rows of the last person of a batch carried
    into the next; rows scattered into the int8 matrix by (person, calendar column)."""
    if participants is None or part_index is None:
        raise PanelError(file, None, None, "a participants table (person_id, start_date)")
    pf = pq.ParquetFile(file, read_dictionary=["status"])
    names = pf.schema_arrow.names
    if "person_id" not in names:
        raise PanelError(file, None, "person_id", "a column 'person_id'")
    if weeks is None:
        lo, hi = _long_calendar(pf, file)
        weeks = pd.DatetimeIndex(
            np.arange(lo, hi + 1, 7, dtype=np.int64).astype("datetime64[D]")
        ).as_unit("ns")
    w0 = int(weeks[0].value // 86_400_000_000_000)
    width = len(weeks)
    read = ["person_id", "week", "status"] + (["hours"] if hours and "hours" in names else [])
    rows = max(batch_size * 64, 1 << 10) if batch_size < (1 << 14) else 1 << 20
    carry: pa.Table | None = None
    row0 = 0  # file row (0-based) of the carried table's first row
    batches = pf.iter_batches(batch_size=rows, columns=read)
    pending = next(batches, None)
    while pending is not None:
        nxt = next(batches, None)
        t = pa.Table.from_batches([pending])
        if carry is not None:
            t = pa.concat_tables([carry, t])
        t = t.combine_chunks()
        n = t.num_rows
        pending = nxt
        if n == 0:
            continue
        ids = t.column("person_id").chunk(0) if t.column("person_id").num_chunks else None
        assert ids is not None
        i = _first_null(ids)
        if i is not None:
            raise PanelError(file, row0 + i + 1, "person_id", "a value (it is empty)")
        ids = ids.cast(pa.string())
        new = np.ones(n, bool)
        if n > 1:
            a, b = ids.slice(1), ids.slice(0, n - 1)
            new[1:] = pc.not_equal(a, b).to_numpy(zero_copy_only=False)
            back = pc.less(a, b).to_numpy(zero_copy_only=False)
            if back.any():
                raise PanelError(
                    file,
                    row0 + int(np.flatnonzero(back)[0]) + 2,
                    "person_id",
                    "rows sorted by person_id (a person's rows together, not again later)",
                )
        wk = t.column("week")
        i = _first_null(wk)
        if i is not None:
            raise PanelError(file, row0 + i + 1, "week", "a value (it is empty)")
        days = _date_days(wk)
        bad = np.flatnonzero((days + 3) % 7)
        if bad.size:
            raise PanelError(file, row0 + int(bad[0]) + 1, "week", "a Monday (the ISO week)")
        step = np.diff(days)
        same = ~new[1:]
        for wrong, what in (
            (same & (step == 0), "one row per person and week (a week is repeated)"),
            (same & (step < 0), "a person's rows sorted by week"),
        ):
            if wrong.any():
                raise PanelError(file, row0 + int(np.flatnonzero(wrong)[0]) + 2, "week", what)
        # the last person may go on in the next batch: carry its rows
        cut = n if pending is None else int(np.flatnonzero(new)[-1])
        if cut == 0:
            carry = t
            continue
        carry = None if cut == n else t.slice(cut)
        col = (days[:cut] - w0) // 7
        out = np.flatnonzero((col < 0) | (col >= width))
        if out.size:
            raise PanelError(
                file,
                row0 + int(out[0]) + 1,
                "week",
                f"weeks within {weeks[0].date()}..{weeks[-1].date()} (the panel's calendar)",
            )
        status = np.empty(cut, np.int8)
        _status_column(
            t.column("status").slice(0, cut), luts, file, "status", row0, null_code, status
        )
        first = np.flatnonzero(new[:cut])
        pidx = np.cumsum(new[:cut]) - 1
        m = len(first)
        codes = np.full((m, width), -1, np.int8)
        codes[pidx, col] = status
        h = None
        if hours:
            h = np.zeros((m, width), np.float32)
            hcol = t.column("hours").slice(0, cut) if "hours" in t.column_names else None
            h[pidx, col] = _hours_column(hcol, cut)
        pid = pd.Index(ids.take(pa.array(first)).to_pylist(), dtype=object)
        pos = part_index.get_indexer(pid)
        if (pos < 0).any():
            raise PanelError(
                file,
                row0 + int(first[np.flatnonzero(pos < 0)[0]]) + 1,
                "person_id",
                "a person listed in the participants table",
            )
        frame = participants.iloc[pos].reset_index(drop=True)
        frame["person_id"] = pid.to_numpy()
        nul = frame["start_date"].isna().to_numpy()
        if nul.any():
            raise PanelError(
                "participants", int(pos[np.flatnonzero(nul)[0]]) + 1, "start_date", "a value"
            )
        start_days = _date_days(frame["start_date"])
        start_col = (_monday(start_days) - w0) // 7
        for s in range(0, m, batch_size):
            sl = slice(s, s + batch_size)
            yield (
                Block(
                    codes[sl],
                    None if h is None else h[sl],
                    start_col[sl],
                    start_days[sl],
                    frame=frame.iloc[sl],
                ),
                weeks,
            )
        row0 += cut


def iter_blocks(
    path: str | Path,
    participants: pd.DataFrame | None = None,
    *,
    codes: dict[str, str] | None = None,
    columns: Sequence[str] = ("person_id", "start_date", "target_group", "kommune"),
    hours: bool = False,
    batch_size: int = _BATCH,
    weeks: pd.DatetimeIndex | None = None,
    files: Sequence[str] | None = None,
) -> Iterator[tuple[Block, pd.DatetimeIndex]]:
    """Blocks of persons of a panel (wide Parquet file or folder, DREAM wide CSV, long Parquet).

    Parameters
    ----------
    path : str or Path
        A Parquet file, a folder of Parquet files (hive partitions such as
        ``kommune=Aalborg`` become columns), a ``.csv`` file (DREAM wide, ``;``) or a long
        Parquet file (columns ``person_id, week, status[, hours]``, sorted by person and
        week).
    participants : DataFrame, optional
        ``person_id, start_date[, target_group, ...]`` when the panel holds only the
        status (DREAM wide CSV, long Parquet: required); persons of the panel missing
        from it raise PanelError.
    codes : dict, optional
        Raw status code -> category, added to the DREAM defaults (``data.status.codes``).
    columns : sequence of str
        Participant columns to carry (those present).
    hours : bool
        Read the ``t_YYWW`` hours columns too (for ``employed_26``).
    batch_size : int
        Persons per block.
    weeks : DatetimeIndex, optional
        The calendar of the whole panel (default from the first file's columns).
    files : sequence of str, optional
        Only these files of the panel (paths as listed by the dataset), e.g. one worker's
        share of the kommune partitions.

    Yields
    ------
    (Block, DatetimeIndex)
        The block and the Mondays of its columns.
    """
    lookup = _lookup(codes)
    luts = _Luts(lookup)
    null_code = lookup[""]
    part_index = None
    if participants is not None:
        for col in ("person_id", "start_date"):
            if col not in participants.columns:
                raise PanelError("participants", None, col, f"a column {col!r}")
        part_index = pd.Index(participants["person_id"].astype(str))
    if _is_long(path, files):
        yield from _long_blocks(
            str(path), participants, part_index, luts, null_code, hours, batch_size, weeks
        )
        return
    for file, frag, extra in _fragments(path, files):
        if frag is None:
            reader = pacsv.open_csv(
                file,
                read_options=pacsv.ReadOptions(block_size=1 << 24),
                parse_options=pacsv.ParseOptions(delimiter=";"),
                convert_options=pacsv.ConvertOptions(
                    auto_dict_encode=True,
                    auto_dict_max_cardinality=1 << 16,
                    strings_can_be_null=True,
                    column_types={"person_id": pa.string()},
                ),
            )
            names = reader.schema.names
            batches: Iterator[pa.RecordBatch] = iter(reader)
        else:
            # Parquet: read string week columns as their dictionary indices (a status
            # is one of a few values; never a Python string per cell), all threads
            names = frag.physical_schema.names
            have = set(names)
            ycols_f, days, packed = _file_weeks(file, frag.physical_schema)
            if packed is not None and hours:
                raise PanelError(file, None, packed, "the wide layout for hours (t_YYWW)")
            read = [
                "person_id",
                "start_date",
                *[c for c in columns if c in have and c not in ("person_id", "start_date")],
                *ycols_f,
                *([] if packed is None else [packed]),
            ]
            if hours:
                read += ["t_" + c[2:] for c in ycols_f if "t_" + c[2:] in have]
            read = list(dict.fromkeys(c for c in read if c in have))
            batches = frag.to_batches(columns=read, batch_size=batch_size, use_threads=True)
            ycols = ycols_f
        if frag is None:
            ycols, days = _wide_weeks(file, names)
            packed = None
        n_file_weeks = len(days)
        if weeks is None:
            weeks = pd.DatetimeIndex(days.astype("datetime64[D]")).as_unit("ns")
        w0 = int(weeks[0].value // 86_400_000_000_000)
        off = (int(days[0]) - w0) // 7
        if off < 0 or off + n_file_weeks > len(weeks):
            raise PanelError(
                file,
                None,
                ycols[0] if packed is None else packed,
                f"weeks within {weeks[0].date()}..{weeks[-1].date()} (the panel's calendar)",
            )
        row0 = 0
        for batch in batches:
            n = batch.num_rows
            if n == 0:
                continue
            every_week = True  # wide: every person has a row in each week of the file
            if packed is None:
                c, h = _batch_matrix(
                    batch, ycols, file, row0, luts, null_code, hours, off, len(weeks)
                )
            else:
                (c, every_week), h = (
                    _packed_matrix(batch, packed, file, row0, off, len(weeks)),
                    None,
                )
            keep = [x for x in columns if x in batch.schema.names]
            table = batch.select(keep)
            frame = None
            if part_index is not None:
                frame = _participant_frame(table, extra)
                ids = frame["person_id"].astype(str)
                pos = part_index.get_indexer(ids)
                if (pos < 0).any():
                    raise PanelError(
                        file,
                        row0 + int(np.flatnonzero(pos < 0)[0]) + 1,
                        "person_id",
                        "a person listed in the participants table",
                    )
                sub = participants.iloc[pos].reset_index(drop=True)
                frame = pd.concat([frame[["person_id"]], sub.drop(columns="person_id")], axis=1)
                for col in ("person_id", "start_date"):
                    nul = frame[col].isna().to_numpy()
                    if nul.any():
                        raise PanelError(
                            file,
                            row0 + int(np.flatnonzero(nul)[0]) + 1,
                            col,
                            "a value (it is empty)",
                        )
                start_days = _date_days(frame["start_date"])
            else:
                for col in ("person_id", "start_date"):
                    if col not in table.schema.names:
                        raise PanelError(file, None, col, f"a column {col!r}")
                    i = _first_null(table.column(table.schema.names.index(col)))
                    if i is not None:
                        raise PanelError(file, row0 + i + 1, col, "a value (it is empty)")
                start_days = _date_days(table.column(table.schema.names.index("start_date")))
            start_col = (_monday(start_days) - w0) // 7
            for i in range(0, n, batch_size):
                sl = slice(i, i + batch_size)
                yield (
                    Block(
                        c[sl],
                        None if h is None else h[sl],
                        start_col[sl],
                        start_days[sl],
                        table=None if frame is not None else table.slice(i, batch_size),
                        extra=extra,
                        frame=None if frame is None else frame.iloc[sl],
                        # a byte 255 (packed) is no row: then the kernel finds the last
                        last=off + n_file_weeks - 1 if every_week else None,
                    ),
                    weeks,
                )
            row0 += n


def _participant_frame(table: pa.RecordBatch, extra: dict[str, str]) -> pd.DataFrame:
    frame = pa.Table.from_batches([table]).to_pandas()
    for k, v in extra.items():
        frame[k] = v
    return frame


def start_quarter(start_date: pd.Series) -> np.ndarray:
    """``"2022K1"``-style start quarter of each date (vectorised)."""
    d = pd.to_datetime(start_date)
    return (d.dt.year.astype(str) + "K" + d.dt.quarter.astype(str)).to_numpy()


@dataclass
class PanelSpells:
    """What :func:`panel_spells` returns.

    Attributes
    ----------
    counts : SurvivalCounts
        Sufficient statistics by group (``(target_group, start_quarter)``).
    spells : DataFrame or None
        The spells (participant columns + the columns of ``build_spells``), if kept.
    n_persons : int
    n_weeks : int
    weeks : DatetimeIndex
    """

    counts: SurvivalCounts
    spells: pd.DataFrame | None
    n_persons: int
    n_weeks: int
    weeks: pd.DatetimeIndex


def panel_spells(
    path: str | Path,
    participants: pd.DataFrame | None = None,
    *,
    k: int = 4,
    competing: Sequence[str] = COMPETING,
    as_of: dt.date | pd.Timestamp | None = None,
    keep_spells: bool = True,
    group_by: Callable[[pd.DataFrame], Sequence[Hashable]] | None = None,
    codes: dict[str, str] | None = None,
    hours: bool = False,
    batch_size: int = _BATCH,
    on_block: Callable[[pd.DataFrame], None] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
) -> PanelSpells:
    """Spells and survival counts of a wide panel, block by block.

    Parameters
    ----------
    path, participants, codes, hours, batch_size
        As :func:`iter_blocks`.
    k, competing, as_of
        The spell rules, as :func:`evalkit.spells.build_spells`.
    keep_spells : bool
        Return the spells table (memory grows with the persons); False keeps only the
        counts.
    group_by : callable, optional
        Spells frame of a block -> group key of each spell, for the counts; default
        ``(target_group, start_quarter)`` (``target_group`` "alle" when absent).
    on_block : callable, optional
        Called with each block's spells frame (e.g. to write them out); in this process,
        so the panel is then read here (``workers`` is not used).
    workers : int
        With more than 1, the files of a Parquet folder (e.g. the kommune partitions) are
        read on a Dask LocalCluster of this many worker processes (one thread each) and
        their counts merged exactly (:meth:`SurvivalCounts.merge`) in file order, so the
        result equals the serial one; the spells, if kept, are concatenated in file order.
    scheduler : str, optional
        An existing Dask scheduler (``tcp://host:8786``) to read the files on instead;
        its workers must see the panel at the same path.

    Returns
    -------
    PanelSpells

    Raises
    ------
    PanelError
        For bad input (file, row, column and what was expected).
    """
    from evalkit._checks import check_positive_int

    k = check_positive_int(k, "k")
    workers = check_positive_int(workers, "workers")
    kwargs = {
        "k": k,
        "competing": tuple(competing),
        "as_of": as_of,
        "keep_spells": keep_spells,
        "group_by": group_by,
        "codes": codes,
        "hours": hours,
        "batch_size": batch_size,
    }
    if (workers > 1 or scheduler) and on_block is None and participants is None:
        frags = _fragments(path)
        if len(frags) > 1:
            return _distributed(path, frags, workers, scheduler, kwargs)
    return _spells_part(path, participants, on_block=on_block, **kwargs)


def _spells_part(
    path: str | Path,
    participants: pd.DataFrame | None = None,
    *,
    k: int,
    competing: tuple[str, ...],
    as_of: dt.date | pd.Timestamp | None,
    keep_spells: bool,
    group_by: Callable[[pd.DataFrame], Sequence[Hashable]] | None,
    codes: dict[str, str] | None,
    hours: bool,
    batch_size: int,
    on_block: Callable[[pd.DataFrame], None] | None = None,
    files: Sequence[str] | None = None,
    weeks: pd.DatetimeIndex | None = None,
) -> PanelSpells:
    """:func:`panel_spells` in this process (of the given files of the panel only)."""
    comp_codes = competing_codes(competing)
    counts = SurvivalCounts()
    out: list[pd.DataFrame] = []
    n_persons = 0
    weeks_seen = pd.DatetimeIndex([]) if weeks is None else weeks
    for block, calendar in iter_blocks(
        path,
        participants,
        codes=codes,
        hours=hours,
        batch_size=batch_size,
        weeks=weeks,
        files=files,
    ):
        weeks_seen = calendar
        end = len(calendar) - 1
        if as_of is not None:
            end = min(end, int((pd.Timestamp(as_of) - calendar[0]).days // 7))
        width = max(end + 1, 0)
        last_col = None
        if block.last is not None:
            last_col = np.full(len(block.start_col), min(block.last, width - 1), np.int64)
        res = spells_block(
            block.codes[:, :width],
            block.start_col,
            k,
            comp_codes,
            hours=None if block.hours is None else block.hours[:, :width],
            last_col=last_col,
        )
        frame = None
        if keep_spells or on_block is not None or group_by is not None:
            frame = spells_frame(block.columns.reset_index(drop=True), res, calendar, competing)
        if group_by is not None:
            counts.add(res["duration"], res["event"], res["entry"], group_by(frame))
        else:
            gcodes, gkeys = _default_groups(block)
            counts.add_codes(res["duration"], res["event"], res["entry"], gcodes, gkeys)
        if on_block is not None:
            on_block(frame)
        if keep_spells:
            out.append(frame)
        n_persons += len(block.start_col)
    spells = pd.concat(out, ignore_index=True) if keep_spells and out else None
    return PanelSpells(counts, spells, n_persons, len(weeks_seen), weeks_seen)


def _distributed(
    path: str | Path,
    frags: list[tuple[str, ds.Fragment | None, dict[str, str]]],
    workers: int,
    scheduler: str | None,
    kwargs: dict,
) -> PanelSpells:
    """The files of a panel on Dask workers, one task per file; merged in file order."""
    from evalkit._cluster import open_client

    first, frag, _ = frags[0]
    assert frag is not None
    _, days, _ = _file_weeks(first, frag.physical_schema)
    weeks = pd.DatetimeIndex(days.astype("datetime64[D]")).as_unit("ns")
    files = [f for f, _, _ in frags]
    client, cluster = open_client(workers, scheduler)
    try:
        # the largest files first, so the workers finish together
        size = {f: Path(f).stat().st_size for f in files}
        order = sorted(files, key=lambda f: -size[f])
        futures = {
            f: client.submit(_spells_part, str(path), files=[f], weeks=weeks, pure=False, **kwargs)
            for f in order
        }
        parts = [futures[f].result() for f in files]  # in file order: as the serial path
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    counts = SurvivalCounts()
    for part in parts:
        counts.merge(part.counts)
    frames = [p.spells for p in parts if p.spells is not None]
    spells = pd.concat(frames, ignore_index=True) if kwargs["keep_spells"] and frames else None
    return PanelSpells(counts, spells, sum(p.n_persons for p in parts), len(weeks), weeks)


def _target_groups(block: Block) -> tuple[np.ndarray, list[str]]:
    """Codes and (string) keys of the blocks' target groups, in order of first appearance."""
    arr = block.column("target_group")
    if arr is None:
        return np.zeros(len(block.start_col), np.int64), ["alle"]
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if (
        isinstance(arr, pa.Array)
        and arr.null_count == 0
        and (
            pa.types.is_string(arr.type)
            or pa.types.is_large_string(arr.type)
            or (pa.types.is_dictionary(arr.type) and pa.types.is_string(arr.type.value_type))
        )
    ):  # Arrow strings: codes from the dictionary, no Python string per person
        if not pa.types.is_dictionary(arr.type):
            arr = pc.dictionary_encode(arr)
        values = np.array(arr.dictionary.to_pylist(), dtype=object)
        uniq, inv = np.unique(values, return_inverse=True)  # a dictionary may repeat
        codes, first = pd.factorize(inv[arr.indices.to_numpy(zero_copy_only=False)])
        return codes.astype(np.int64), [str(uniq[i]) for i in first]
    series = arr if isinstance(arr, pd.Series) else pd.Series(arr.to_pandas())
    codes, keys = pd.factorize(series.astype(str), sort=False)
    return codes.astype(np.int64), [str(k) for k in keys]


def _default_groups(block: Block) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Codes and keys of ``(target_group, start_quarter)`` (vectorised; keys only per group)."""
    tg_codes, tg_keys = _target_groups(block)
    day = block.start_days.astype("datetime64[D]")
    month = day.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    quarter = month // 12 * 4 + 1970 * 4 + month % 12 // 3  # year * 4 + quarter - 1
    q_codes, q_vals = pd.factorize(quarter, sort=False)
    combined = tg_codes * len(q_vals) + q_codes
    codes, uniq = pd.factorize(combined, sort=False)
    keys = [
        (
            tg_keys[u // len(q_vals)],
            f"{q_vals[u % len(q_vals)] // 4}K{q_vals[u % len(q_vals)] % 4 + 1}",
        )
        for u in uniq
    ]
    return codes, keys
