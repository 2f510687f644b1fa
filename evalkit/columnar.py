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
* **long** Parquet: ``person_id, week, status[, hours]``, a person's rows together
  (sorted by person), with the participants in a separate table.
* **DREAM wide CSV** (``;``-separated): as wide Parquet, read with Arrow's streaming
  CSV reader; participants in a separate table.

The only Python loops are over blocks and, when a batch is turned into a matrix, over its
week columns (the file's columns are separate buffers); never over persons.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.dataset as ds

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
    "start_quarter",
]

COMPETING = ("uddannelse", "foertidspension", "udvandret", "doed")
_YCOL = re.compile(r"^y_(\d{2})(\d{2})$")
_BATCH = 16_384  # persons per Arrow batch (and per block of the kernel)


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
        where = f"{file}" + (f", row {row}" if row is not None else "")
        where += f", column {column}" if column is not None else ""
        super().__init__(f"{where}: expected {expected}" + (f", got {got}" if got else ""))


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
    columns : DataFrame
        The participant columns of the block (``person_id``, ``start_date``, ...).
    """

    codes: np.ndarray
    hours: np.ndarray | None
    start_col: np.ndarray
    columns: pd.DataFrame


def _lookup(codes: dict[str, str] | None) -> dict[str, int]:
    table = dict(DEFAULT_STATUS_CODES)
    table.update({str(k).strip(): v for k, v in (codes or {}).items()})
    table.update({c: c for c in STATUS_CATEGORIES})
    return {k: STATUS_CATEGORIES.index(v) for k, v in table.items()}


def _monday_days(arr: pa.Array | pa.ChunkedArray | pd.Series) -> np.ndarray:
    """Days since 1970-01-01 of the Monday of each date."""
    if isinstance(arr, pd.Series):
        days = pd.to_datetime(arr).to_numpy(dtype="datetime64[D]").astype(np.int64)
    else:
        days = pc.cast(pc.cast(arr, pa.date32()), pa.int32()).to_numpy(zero_copy_only=False)
        days = days.astype(np.int64)
    return days - (days + 3) % 7


def _iso_monday_days(yy: int, ww: int) -> int | None:
    year = 2000 + yy if yy < 90 else 1900 + yy
    try:
        d = dt.date.fromisocalendar(year, ww, 1)
    except ValueError:
        return None
    return (d - dt.date(1970, 1, 1)).days


def _wide_weeks(file: str, names: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The ``y_YYWW`` columns in week order and their Mondays (days since 1970)."""
    cols, days = [], []
    for name in names:
        if not name.startswith("y_"):
            continue
        m = _YCOL.match(name)
        d = None if m is None else _iso_monday_days(int(m.group(1)), int(m.group(2)))
        if d is None:
            raise PanelError(file, None, name, "a week column y_YYWW of an existing ISO week")
        cols.append(name)
        days.append(d)
    if not cols:
        raise PanelError(file, None, None, "week columns named y_YYWW (wide layout)")
    order = np.argsort(days, kind="stable")
    cols = [cols[i] for i in order]
    days_a = np.array(days, np.int64)[order]
    if np.any(np.diff(days_a) != 7):
        i = int(np.flatnonzero(np.diff(days_a) != 7)[0]) + 1
        raise PanelError(
            file, None, cols[i], "consecutive weekly columns (a week is missing or repeated)"
        )
    return cols, days_a


def panel_weeks(path: str | Path) -> pd.DatetimeIndex:
    """The Mondays of the week columns of a wide Parquet panel (file or folder)."""
    dset = ds.dataset(str(path), format="parquet", partitioning="hive")
    _, days = _wide_weeks(str(path), dset.schema.names)
    return pd.DatetimeIndex(days.astype("datetime64[D]")).as_unit("ns")


def _status_column(
    arr: pa.Array,
    lut_of: Callable[[pa.Array], np.ndarray],
    file: str,
    col: str,
    row0: int,
    null_code: int,
) -> np.ndarray:
    """One week column of a batch -> int8 codes; an unknown code raises PanelError."""
    if pa.types.is_dictionary(arr.type):
        lut = lut_of(arr.dictionary)
        ind = arr.indices
        if ind.null_count:
            ind = pc.fill_null(ind, 0)
        idx = ind.to_numpy(zero_copy_only=False)
        out = lut[idx] if len(lut) else np.full(len(arr), -2, np.int8)
        if arr.null_count:
            out = np.where(arr.is_null().to_numpy(zero_copy_only=False), null_code, out)
        values = arr.dictionary
        index = idx
    else:
        enc = pc.dictionary_encode(arr.cast(pa.string()))
        return _status_column(enc, lut_of, file, col, row0, null_code)
    bad = np.flatnonzero(out == -2)
    if bad.size:
        i = int(bad[0])
        got = mask_value(str(values[int(index[i])].as_py()))
        raise PanelError(
            file, row0 + i + 1, col, "a status category or DREAM code (see data.status.codes)", got
        )
    return out.astype(np.int8)


def _hours_column(arr: pa.Array | None, n: int) -> np.ndarray:
    if arr is None:
        return np.zeros(n, np.float32)
    out = pc.cast(arr, pa.float32(), safe=False).to_numpy(zero_copy_only=False)
    return np.nan_to_num(out, nan=0.0).astype(np.float32)


def _make_lut(lookup: dict[str, int]) -> Callable[[pa.Array], np.ndarray]:
    def lut_of(dictionary: pa.Array) -> np.ndarray:
        vals = [("" if v is None else str(v).strip()) for v in dictionary.to_pylist()]
        return np.array([lookup.get(v, -2) for v in vals], np.int8)

    return lut_of


def _batch_matrix(
    batch: pa.RecordBatch,
    ycols: list[str],
    file: str,
    row0: int,
    lut_of: Callable[[pa.Array], np.ndarray],
    null_code: int,
    with_hours: bool,
) -> tuple[np.ndarray, np.ndarray | None]:
    n = batch.num_rows
    codes = np.empty((n, len(ycols)), np.int8)
    names = batch.schema.names
    for j, col in enumerate(ycols):  # the file's columns are separate buffers
        codes[:, j] = _status_column(
            batch.column(names.index(col)), lut_of, file, col, row0, null_code
        )
    hours = None
    if with_hours:
        hours = np.empty((n, len(ycols)), np.float32)
        for j, col in enumerate(ycols):
            tcol = "t_" + col[2:]
            hours[:, j] = _hours_column(
                batch.column(names.index(tcol)) if tcol in names else None, n
            )
    return codes, hours


def _participant_frame(
    batch: pa.RecordBatch, keep: Sequence[str], extra: dict[str, str]
) -> pd.DataFrame:
    frame = pa.Table.from_batches(
        [batch.select([c for c in keep if c in batch.schema.names])]
    ).to_pandas()
    for k, v in extra.items():
        frame[k] = v
    return frame


def _check_participants(frame: pd.DataFrame, file: str, row0: int) -> None:
    for col in ("person_id", "start_date"):
        if col not in frame.columns:
            raise PanelError(file, None, col, f"a column {col!r}")
        nul = frame[col].isna().to_numpy()
        if nul.any():
            raise PanelError(
                file, row0 + int(np.flatnonzero(nul)[0]) + 1, col, "a value (it is empty)"
            )


def _fragments(path: str | Path) -> list[tuple[str, ds.Fragment | None, dict[str, str]]]:
    p = Path(path)
    if p.is_file() and p.suffix.lower() == ".csv":
        return [(str(p), None, {})]
    dset = ds.dataset(str(p), format="parquet", partitioning="hive")
    out = []
    for frag in sorted(dset.get_fragments(), key=lambda f: f.path):
        keys = ds.get_partition_keys(frag.partition_expression)
        out.append((frag.path, frag, {k: str(v) for k, v in keys.items()}))
    if not out:
        raise PanelError(p, None, None, "at least one Parquet file")
    return out


def iter_blocks(
    path: str | Path,
    participants: pd.DataFrame | None = None,
    *,
    codes: dict[str, str] | None = None,
    columns: Sequence[str] = ("person_id", "start_date", "target_group", "kommune"),
    hours: bool = False,
    batch_size: int = _BATCH,
    weeks: pd.DatetimeIndex | None = None,
) -> Iterator[tuple[Block, pd.DatetimeIndex]]:
    """Blocks of persons of a wide panel (Parquet file or folder, or DREAM wide CSV).

    Parameters
    ----------
    path : str or Path
        A Parquet file, a folder of Parquet files (hive partitions such as
        ``kommune=Aalborg`` become columns) or a ``.csv`` file (DREAM wide, ``;``).
    participants : DataFrame, optional
        ``person_id, start_date[, target_group, ...]`` when the panel holds only the
        status (DREAM wide CSV); persons of the panel missing from it raise PanelError.
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

    Yields
    ------
    (Block, DatetimeIndex)
        The block and the Mondays of its columns.
    """
    lookup = _lookup(codes)
    lut_of = _make_lut(lookup)
    null_code = lookup[""]
    part_index = None
    if participants is not None:
        for col in ("person_id", "start_date"):
            if col not in participants.columns:
                raise PanelError("participants", None, col, f"a column {col!r}")
        part_index = pd.Index(participants["person_id"].astype(str))
    for file, frag, extra in _fragments(path):
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
            names = frag.physical_schema.names
            ycols_f, _ = _wide_weeks(file, names)
            read = [
                "person_id",
                "start_date",
                *[c for c in columns if c in names and c not in ("person_id", "start_date")],
                *ycols_f,
            ]
            if hours:
                read += ["t_" + c[2:] for c in ycols_f if "t_" + c[2:] in names]
            read = list(dict.fromkeys(c for c in read if c in names))
            batches = frag.to_batches(columns=read, batch_size=batch_size)
        ycols, days = _wide_weeks(file, names)
        if weeks is None:
            weeks = pd.DatetimeIndex(days.astype("datetime64[D]")).as_unit("ns")
        w0 = int(weeks[0].value // 86_400_000_000_000)
        off = (int(days[0]) - w0) // 7
        if off < 0 or off + len(ycols) > len(weeks):
            raise PanelError(
                file,
                None,
                ycols[0],
                f"weeks within {weeks[0].date()}..{weeks[-1].date()} (the panel's calendar)",
            )
        row0 = 0
        for batch in batches:
            n = batch.num_rows
            if n == 0:
                continue
            c, h = _batch_matrix(batch, ycols, file, row0, lut_of, null_code, hours)
            if off or len(ycols) != len(weeks):
                full = np.full((n, len(weeks)), -1, np.int8)
                full[:, off : off + len(ycols)] = c
                c = full
                if h is not None:
                    fh = np.zeros((n, len(weeks)), np.float32)
                    fh[:, off : off + len(ycols)] = h
                    h = fh
            frame = _participant_frame(batch, columns, extra)
            if part_index is not None:
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
            _check_participants(frame, file, row0)
            start_col = (_monday_days(frame["start_date"]) - w0) // 7
            for i in range(0, n, batch_size):
                sl = slice(i, i + batch_size)
                yield (
                    Block(c[sl], None if h is None else h[sl], start_col[sl], frame.iloc[sl]),
                    weeks,
                )
            row0 += n


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
        Called with each block's spells frame (e.g. to write them out).

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
    comp_codes = competing_codes(competing)
    counts = SurvivalCounts()
    out: list[pd.DataFrame] = []
    n_persons = 0
    weeks_seen = pd.DatetimeIndex([])
    for block, weeks in iter_blocks(
        path, participants, codes=codes, hours=hours, batch_size=batch_size
    ):
        weeks_seen = weeks
        end = len(weeks) - 1
        if as_of is not None:
            end = min(end, int((pd.Timestamp(as_of) - weeks[0]).days // 7))
        width = max(end + 1, 0)
        res = spells_block(
            block.codes[:, :width],
            block.start_col,
            k,
            comp_codes,
            hours=None if block.hours is None else block.hours[:, :width],
        )
        frame = spells_frame(block.columns.reset_index(drop=True), res, weeks, tuple(competing))
        if group_by is not None:
            counts.add(res["duration"], res["event"], res["entry"], group_by(frame))
        else:
            gcodes, gkeys = _default_groups(frame)
            counts.add_codes(res["duration"], res["event"], res["entry"], gcodes, gkeys)
        if on_block is not None:
            on_block(frame)
        if keep_spells:
            out.append(frame)
        n_persons += len(frame)
    spells = pd.concat(out, ignore_index=True) if keep_spells and out else None
    return PanelSpells(counts, spells, n_persons, len(weeks_seen), weeks_seen)


def _default_groups(frame: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Codes and keys of ``(target_group, start_quarter)`` (vectorised; keys only per group)."""
    if "target_group" in frame:
        tg_codes, tg_keys = pd.factorize(frame["target_group"].astype(str), sort=False)
    else:
        tg_codes, tg_keys = np.zeros(len(frame), np.int64), pd.Index(["alle"])
    d = pd.to_datetime(frame["start_date"])
    quarter = (d.dt.year.to_numpy() * 4 + d.dt.quarter.to_numpy() - 1).astype(np.int64)
    q_codes, q_vals = pd.factorize(quarter, sort=False)
    combined = tg_codes.astype(np.int64) * len(q_vals) + q_codes
    codes, uniq = pd.factorize(combined, sort=False)
    keys = [
        (
            str(tg_keys[u // len(q_vals)]),
            f"{q_vals[u % len(q_vals)] // 4}K{q_vals[u % len(q_vals)] % 4 + 1}",
        )
        for u in uniq
    ]
    return codes, keys
