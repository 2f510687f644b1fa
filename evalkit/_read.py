"""Reading one input file into a raw table of text cells (private).

:func:`_read_raw` reads CSV (delimiter and encoding detected), Excel and Parquet files for
:mod:`evalkit.io`, and reports what keeps a file from being read as a table: an empty or
binary file, a file mixing UTF-8 and cp1252 lines, control characters, text decoded
twice, lines with a different number of fields (one problem per field count, with the
lines listed and a hint for decimal commas in a comma-separated file), a missing sheet
or a truncated Parquet file. Every problem names the file and, where it can, the line.
"""

from __future__ import annotations

import io as _io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit._parse import _text
from evalkit.config import DataSource
from evalkit.schemas import Problem, duplicate_columns

__all__: list[str] = []


@dataclass(frozen=True)
class _Rows:
    """Read only the rows whose key passes a test (predicate pushdown, see ``_read_raw``).

    Attributes
    ----------
    columns : tuple of str
        Raw names the key column may have in the file; the first one present is used.
        When none is present every row is read (and validation reports the missing column).
    accept : callable
        Distinct raw key values (a Series) -> boolean array: keep the rows with that value.
    """

    columns: tuple[str, ...]
    accept: Callable[[pd.Series], np.ndarray]

    def key(self, names: list[str]) -> str | None:
        stripped = {str(n).strip(): n for n in names}
        return next((stripped[c] for c in self.columns if c in stripped), None)

    def mask(self, values: pd.Series) -> np.ndarray:
        """Boolean mask of the rows to keep, testing each distinct value once."""
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        accepted = np.asarray(self.accept(pd.Series(uniques, dtype=values.dtype)), dtype=bool)
        if len(accepted) == 0:
            return np.zeros(len(codes), dtype=bool)
        return (codes >= 0) & accepted[np.maximum(codes, 0)]


_BINARY = (
    (b"PK\x03\x04", "a zip archive: an Excel workbook (.xlsx)? set format: excel, or save as CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls): save it as .xlsx or CSV"),
    (b"PAR1", "a Parquet file: set format: parquet"),
    (b"%PDF", "a PDF document"),
)
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_MOJIBAKE = re.compile(r"Ã[\u0080-\u00bf]|Â[\u00a0-\u00bf]")
_SHOWN = 10  # lines listed in one message before "… and N more"


def _lines_text(lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:_SHOWN])
    return shown + (f" … and {len(lines) - _SHOWN} more" if len(lines) > _SHOWN else "")


def _not_text(data: bytes) -> str | None:
    """What a file that should be CSV is instead (None when it looks like text)."""
    for magic, what in _BINARY:
        if data.startswith(magic):
            return what
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 text (Excel's "Unicode text")
    controls = sum(head.count(bytes([b])) for b in (*range(0, 9), 11, 12, *range(14, 32)))
    if b"\x00" in head or controls > max(8, len(head) // 20):
        return "binary data"
    return None


def _decode(data: bytes, encoding: str | None) -> str:
    if encoding:
        return data.decode(encoding)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _mixed_encodings(data: bytes, file: str) -> list[Problem]:
    """Lines in UTF-8 beside lines in another encoding (cp1252) in one file."""
    try:
        data.decode("utf-8")
        return []
    except UnicodeDecodeError:
        if not _UTF8_MULTIBYTE.search(data):
            return []  # plain cp1252 / latin-1
    utf8, other = [], []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8.append(number)
        except UnicodeDecodeError:
            other.append(number)
    if not utf8 or not other:
        return []
    few, kind, rest = (
        (utf8, "UTF-8", "cp1252") if len(utf8) <= len(other) else (other, "cp1252", "UTF-8")
    )
    return [
        Problem(
            file,
            few[0],
            None,
            f"one encoding in the whole file; the file mixes UTF-8 and cp1252 (so 'småjob' "
            f"would also read as 'smÃ¥job'): lines {_lines_text(few)} are {kind}, the other "
            f"lines with æ, ø, å are {rest}; save the file again in one encoding",
        )
    ]


def _text_problems(text: str, file: str, sep: str, header: list[str]) -> list[Problem]:
    """Control characters that no text has, and text decoded twice ('smÃ¥job')."""
    problems = []
    for pattern, expected in (
        (_CONTROL, "text without control characters"),
        (
            _MOJIBAKE,
            "text decoded once (found 'Ã¥'-like pairs: UTF-8 read as cp1252 and saved again)",
        ),
    ):
        hits = [m.start() for m in pattern.finditer(text)]
        if not hits:
            continue
        seen: dict[tuple[int, str | None], str] = {}
        for pos in hits[: _SHOWN * 10]:  # locating a hit is O(file); the rest are counted
            start = text.rfind("\n", 0, pos) + 1
            line = text.count("\n", 0, pos) + 1
            field_no = text[start:pos].count(sep)
            column = header[field_no] if line > 1 and field_no < len(header) else None
            seen.setdefault((line, column), f"character {ord(text[pos]):#04x}")
        keys = list(seen)
        for line, column in keys[:_SHOWN]:
            found = seen[(line, column)] if pattern is _CONTROL else None
            problems.append(Problem(file, line, column, expected, found))
        if len(hits) > _SHOWN:
            more = len(hits) - min(len(keys), _SHOWN)
            problems.append(
                Problem(file, None, None, expected, f"… and {more} more such characters")
            )
    return problems


def _split_header(header: str, sep: str) -> list[str]:
    return [h.strip().strip('"').strip() for h in header.split(sep)]


def _ragged(rows: pd.Series, counts: np.ndarray, ragged: np.ndarray, file: str, sep: str) -> list:
    """One problem per number of fields found, listing its lines (not one per line)."""
    n_header = int(counts[0]) + 1
    expected = f"the same number of fields as the header ({n_header})"
    decimal_commas = (
        sep == ","
        and bool((counts[ragged] > counts[0]).all())
        and bool(rows.iloc[ragged].str.contains(r"\d,\d", regex=True).all())
    )
    if decimal_commas:
        expected += (
            "; this comma-separated file has decimal commas (12,5) that split numbers into two "
            "fields: save it with ';' as the delimiter, or quote the numbers"
        )
    problems = []
    fields = counts[ragged] + 1
    for n in sorted(set(fields.tolist())):
        lines = (ragged[fields == n] + 1).tolist()
        found = f"{n} fields" + (f" on lines {_lines_text(lines)}" if len(lines) > 1 else "")
        problems.append(Problem(file, int(lines[0]), None, expected, found))
    return problems


def _read_csv(path: Path, file: str, encoding: str | None) -> tuple[pd.DataFrame | None, list]:
    data = path.read_bytes()
    if not data.strip():
        return None, [
            Problem(file, None, None, "a header line naming the columns", "an empty file")
        ]
    what = _not_text(data)
    if what is not None:
        return None, [
            Problem(file, None, None, f"a text file (CSV); this is not a text file but {what}")
        ]
    if not encoding:
        mixed = _mixed_encodings(data, file)
        if mixed:
            return None, mixed
    try:
        text = _decode(data, encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        return None, [Problem(file, None, None, f"text in encoding {encoding}", str(exc)[:80])]
    text = text.lstrip("\ufeff")
    header = text.splitlines()[0]
    counts = {s: header.count(s) for s in (";", ",", "\t")}
    sep = max(counts, key=lambda s: (counts[s], s == ";"))
    if counts[sep] == 0:
        sep = ";"
    names = _split_header(header, sep)
    problems = duplicate_columns(file, names)
    problems += _text_problems(text, file, sep, names)
    if '"' not in text:  # without quoting, a field count per line is exact
        rows = pd.Series(text.splitlines(), dtype=object)
        counts_per_line = rows.str.count(re.escape(sep)).to_numpy()
        ragged = np.flatnonzero(
            (counts_per_line != counts_per_line[0]) & (rows.str.strip() != "").to_numpy()
        )
        if ragged.size:
            return None, problems + _ragged(rows, counts_per_line, ragged, file, sep)
    try:
        raw = pd.read_csv(
            _io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            skipinitialspace=False,
            index_col=False,
        )
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+), saw (\d+)", str(exc))
        line = int(m.group(1)) if m else None
        found = f"{m.group(2)} fields" if m else str(exc)[:80]
        expected = f"the same number of fields as the header, separated by '{sep}'"
        return None, [*problems, Problem(file, line, None, expected, found)]
    raw.columns = [str(c).strip() for c in raw.columns]
    raw.attrs["sep"] = sep
    return raw, problems


def _read_excel(path: Path, file: str, sheet: str | None) -> tuple[pd.DataFrame | None, list]:
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        return None, [Problem(file, None, None, "a readable .xlsx file", type(exc).__name__)]
    with book:
        names = list(book.sheet_names)
        if sheet is not None and sheet not in names:
            shown = ", ".join(repr(n) for n in names)
            return None, [Problem(file, None, None, f"a sheet named {sheet!r} (found: {shown})")]
        name = sheet if sheet is not None else names[0]
        head = book.parse(name, header=None, nrows=1, dtype=object)
        if head.empty:
            return None, [
                Problem(file, None, None, "a header row naming the columns", "an empty sheet")
            ]
        problems = duplicate_columns(
            file, [str(v).strip() for v in head.iloc[0].tolist() if pd.notna(v)]
        )
        raw = book.parse(name, header=0, dtype=object)
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw, problems


def _read_parquet(
    path: Path, file: str, rows: _Rows | None = None
) -> tuple[pd.DataFrame | None, list, np.ndarray | None, int]:
    """Read a Parquet file; with ``rows`` only the matching rows (row positions returned).

    With ``rows``, only the key column is read for the whole file; the other columns are
    read only from the row groups that hold a matching row, and the rows are filtered in
    Arrow before anything is converted to pandas. Returns (frame, problems, the row
    positions in the file of the frame's rows or None for all, rows in the file).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        total = pf.metadata.num_rows
        key = rows.key(pf.schema_arrow.names) if rows is not None else None
        if key is None:
            raw, positions = pq.read_table(path).to_pandas(), None
        else:
            raw, positions = _read_parquet_rows(pf, key, rows)
    except (pa.ArrowException, OSError, ValueError) as exc:
        what = "a truncated or corrupt file" + (f" ({str(exc)[:60]})" if str(exc) else "")
        return None, [Problem(file, None, None, "a readable Parquet file", what)], None, 0
    raw = raw.reset_index(drop=True)
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw, [], positions, total


def _read_parquet_rows(pf: object, key: str, rows: _Rows) -> tuple[pd.DataFrame, np.ndarray]:
    import pyarrow as pa

    column = pf.read(columns=[key]).column(0).combine_chunks()
    encoded = column.dictionary_encode()
    accepted = np.asarray(rows.accept(encoded.dictionary.to_pandas()), dtype=bool)
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    keep = (codes >= 0) & (accepted[np.maximum(codes, 0)] if len(accepted) else False)
    positions = np.flatnonzero(keep)
    sizes = np.array(
        [pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)], dtype=np.int64
    )
    ends = np.cumsum(sizes)
    group = np.searchsorted(ends, positions, side="right")
    groups = np.unique(group)
    if len(groups) == 0:
        table = pf.schema_arrow.empty_table()
    else:
        table = pf.read_row_groups(groups.tolist())
        # position of each kept row in the concatenation of the groups read
        start_in_read = np.zeros(pf.num_row_groups, dtype=np.int64)
        start_in_read[groups] = np.r_[0, np.cumsum(sizes[groups])[:-1]]
        local = positions - (ends[group] - sizes[group]) + start_in_read[group]
        table = table.take(pa.array(local))
    return table.to_pandas(), positions


def _read_raw(
    source: DataSource, file: str, rows: _Rows | None = None
) -> tuple[pd.DataFrame | None, np.ndarray, list]:
    """Read a file into raw cells and the file line of each row.

    ``rows`` keeps only the rows whose key passes its test (Parquet: pushed down into the
    read; CSV and Excel: filtered right after reading, before any value is converted).
    Line numbers stay those of the whole file.
    """
    path = Path(source.path)
    if not path.is_file():
        where = path.parent if path.parent.is_dir() else f"{path.parent} (no such folder either)"
        return (
            None,
            np.zeros(0, np.int64),
            [Problem(file, None, None, "an existing file", f"no such file in {where}")],
        )
    positions = None
    if source.format == "csv":
        raw, problems = _read_csv(path, file, source.encoding)
        first = 2
    elif source.format == "excel":
        raw, problems = _read_excel(path, file, source.sheet)
        first = 2
    elif source.format == "parquet":
        raw, problems, positions, total = _read_parquet(path, file, rows)
        first = 1
    else:
        return (
            None,
            np.zeros(0, np.int64),
            [Problem(file, None, None, "csv, excel or parquet", source.format)],
        )
    if raw is None:
        return None, np.zeros(0, np.int64), problems
    if positions is not None:  # Parquet, filtered while reading
        lines = positions.astype(np.int64) + first
        if total == 0:
            problems.append(Problem(file, None, None, "at least one data row", "only a header"))
        return raw, lines, problems
    lines = np.arange(first, first + len(raw), dtype=np.int64)
    if len(raw) and source.format != "parquet":  # drop blank lines, keeping line numbers
        empty0 = _text(raw.iloc[:, 0]).isna().to_numpy()
        blank = empty0.copy()
        if empty0.any():
            rest = raw.loc[empty0].astype("string").fillna("")
            blank[empty0] = rest.apply(lambda c: c.str.strip() == "").all(axis=1).to_numpy()
        raw, lines = raw.loc[~blank].reset_index(drop=True), lines[~blank]
    if raw.empty:
        problems.append(Problem(file, None, None, "at least one data row", "only a header"))
    elif rows is not None:
        key = rows.key(list(raw.columns))
        if key is not None:
            keep = rows.mask(raw[key])
            raw, lines = raw.loc[keep].reset_index(drop=True), lines[keep]
    return raw, lines, problems
