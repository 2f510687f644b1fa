"""Reading kommune exports into the canonical tables of ``docs/data-format.md``.

:func:`read_table` reads one file (CSV, Excel, Parquet; long or DREAM-wide layout) into
its canonical table; :func:`load_project` reads every file of a project, validates each
table and the links between them and returns a frozen :class:`ProjectData`, or raises
one :class:`~evalkit.schemas.DataValidationError` listing *all* problems found, each
naming the file, the line, the column and what was expected. Raw files are only read.

Everything is vectorised: values are parsed once per distinct value (``pd.factorize``),
so a 12,500 x 260 DREAM panel loads in about a second (``docs/performance.md``). Reading
a file into raw text cells (delimiter, encoding, binary and mixed-encoding files) lives in
:mod:`evalkit._read`, cell parsing in :mod:`evalkit._parse`, the DREAM wide layout in
:mod:`evalkit._dream`.

Example
-------
>>> from evalkit.config import load_config          # doctest: +SKIP
>>> data = load_project(load_config("projects/aalborg.yaml"))  # doctest: +SKIP
>>> data.status.head()                               # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit._dream import _WIDE_HOURS, _WIDE_WEEK, _wide_status
from evalkit._files import sha256_file
from evalkit._parse import _by_unique, _date_expectation, _dates, _number, _text, _weeks
from evalkit._read import _read_raw, _Rows
from evalkit.config import DataSource, ProjectConfig
from evalkit.schemas import (
    STATUS_CATEGORIES,
    TABLE_COLUMNS,
    ColumnSpec,
    DataValidationError,
    Problem,
    check_frame,
    check_panel_gaps,
    check_persons_known,
    find_cpr,
    looks_like_cpr,
    mask_id,
    mask_value,
    missing_column,
)

__all__ = [
    "DEFAULT_STATUS_CODES",
    "DataValidationError",
    "Problem",
    "ProjectData",
    "file_sha256",
    "load_project",
    "read_table",
    "subset_mask",
    "validate_project",
]

DEFAULT_STATUS_CODES: dict[str, str] = {
    "": "selvforsoergende",
    "111": "dagpenge",
    "130": "kontanthjaelp",
    "760": "ressourceforloeb",
    "890": "sygedagpenge",
    "740": "ledighedsydelse",
    "741": "fleksjob",
    "783": "foertidspension",
    "651": "uddannelse",
    "652": "uddannelse",
    "997": "udvandret",
    "998": "doed",
    "999": "oevrig",
}

_DATE_TEXT = "a date dd-mm-yyyy or yyyy-mm-dd"
_WEEK_TEXT = "an ISO week (2020-W05, 202005 or a date); week 53 only in years that have one"
_TRUE = {"1", "ja", "j", "sand", "true", "yes", "x"}
_FALSE = {"0", "nej", "n", "falsk", "false", "no"}
_LIMIT = 1000  # problems reported per column and kind; the rest are summarised

# SHA-256 of input files by what identifies a file's content on this machine (device,
# inode, size, modification and change times in ns): a batch's reports (each on the warm
# kernel of its worker) read only their own rows of a national panel, and hashing the
# whole panel again for each report would read all of it every time. Replacing a file
# gives it another inode, and writing it moves its change time (which no program can set
# back), so a changed file is hashed anew; on a file system with coarse times (e.g. 1 s),
# a file rewritten in place with the same size within that time would not be: do not
# change the input files while a batch runs (its reports would not agree anyway).
_SHA256: dict[tuple[str, int, int, int, int, int], str] = {}


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes; computed once per process for an unchanged file.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     f = Path(d) / "a.csv"
    ...     _ = f.write_bytes(b"abc")
    ...     file_sha256(f)[:16]
    'ba7816bf8f01cfea'
    """
    path = Path(path)

    def identity() -> tuple[str, int, int, int, int, int]:
        st = path.stat()
        return (str(path.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns,
                st.st_ctime_ns)  # fmt: skip

    before = identity()
    known = _SHA256.get(before)
    if known is not None:
        return known
    digest = sha256_file(path)
    if identity() == before:  # not changed while it was read
        if len(_SHA256) >= 1024:
            _SHA256.clear()
        _SHA256[before] = digest
    return digest


_PCT_UNITS = {"pct", "pct.", "procent", "percent", "%"}


@dataclass(frozen=True)
class ProjectData:
    """The canonical tables of one project, validated.

    Attributes
    ----------
    participants, status : DataFrame
        Always present.
    activities, benchmarks, survey, indicators : DataFrame or None
        None when the config has no such source.
    files : dict of str to str
        Table name -> SHA-256 (hex) of its input file, for the report's provenance.
    joblog : DataFrame or None
        Jobs applied for per person and date (Joblog extract); None without a source.
    implementation : DataFrame or None
        The project's own figures for the promise register (item, date, value, of);
        None without a source (``docs/promises.md``).
    """

    participants: pd.DataFrame
    status: pd.DataFrame
    activities: pd.DataFrame | None = None
    benchmarks: pd.DataFrame | None = None
    survey: pd.DataFrame | None = None
    indicators: pd.DataFrame | None = None
    files: dict[str, str] = field(default_factory=dict)
    joblog: pd.DataFrame | None = None
    implementation: pd.DataFrame | None = None


@dataclass
class _Loaded:
    """A table as loaded, with what is needed to point back into its file."""

    table: str
    file: str
    frame: pd.DataFrame | None
    lines: np.ndarray
    names: dict[str, str]
    problems: list[Problem]
    sha256: str | None = None
    wide_cols: dict[str, np.ndarray] | None = None  # canonical -> raw name per long row
    reported: dict[str, np.ndarray] = field(default_factory=dict)
    absent: tuple[str, ...] = ()  # optional canonical columns the file does not have
    index: np.ndarray | None = None  # row positions in the whole table (a subset's rows)

    def line_of(self, rows: np.ndarray) -> np.ndarray:
        return self.lines[np.asarray(rows, dtype=np.int64)]

    def column_of(self, column: str, rows: np.ndarray) -> list[str]:
        if self.wide_cols is not None and column in self.wide_cols:
            return list(self.wide_cols[column][np.asarray(rows, dtype=np.int64)])
        return [self.names.get(column, column)] * len(rows)


# --------------------------------------------------------------------------- value parsing


def _status_lookup(codes: dict[str, str]) -> dict[str, str]:
    lookup = dict(DEFAULT_STATUS_CODES)
    lookup.update({str(k).strip(): v for k, v in codes.items()})
    lookup.update({c: c for c in STATUS_CATEGORIES})
    return lookup


def _status(t: pd.Series, lookup: dict[str, str]) -> pd.Series:
    mapped = t.fillna("").map(lookup)
    return pd.Series(pd.Categorical(mapped, categories=list(STATUS_CATEGORIES)))


def _convert(
    spec: ColumnSpec, s: pd.Series, danish: bool, lookup: dict[str, str]
) -> tuple[pd.Series, np.ndarray, str]:
    """Convert a raw column; return values, a mask of unparseable cells and the expectation."""
    if spec.kind == "date" and pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.astype("datetime64[ns]").dt.tz_localize(None), np.zeros(len(s), bool), ""
    if spec.kind == "week" and pd.api.types.is_datetime64_any_dtype(s.dtype):
        d = s.astype("datetime64[ns]")
        return d - pd.to_timedelta(d.dt.dayofweek, unit="D"), np.zeros(len(s), bool), ""
    if spec.kind in ("int", "float") and pd.api.types.is_numeric_dtype(s.dtype):
        out = s.astype("float64")
        expected = "a whole number"
        if spec.kind == "int":
            bad = (out.notna() & (out % 1 != 0)).to_numpy()
            return out.where(~pd.Series(bad)).astype("Int64"), bad, expected
        return out, np.zeros(len(s), bool), ""
    # Work on the distinct raw values only (a 2.5-million-row panel has a few hundred),
    # then spread the parsed values back with the factor codes.
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    missing = codes < 0
    take = np.where(missing, 0, codes)
    u = _text(pd.Series(uniques, dtype=object if s.dtype == object else s.dtype))

    def spread(parsed: pd.Series) -> pd.Series:
        if len(parsed) == 0:
            return pd.Series([pd.NA] * len(s), dtype=parsed.dtype)
        out = parsed.take(take).reset_index(drop=True)
        return out.mask(pd.Series(missing)) if missing.any() else out

    present = ~missing & (u.notna().to_numpy()[take] if len(u) else np.zeros(len(s), bool))
    if spec.kind in ("id", "str"):
        t = spread(u)
        return t.astype(object).where(t.notna(), None), np.zeros(len(s), bool), ""
    if spec.kind == "date":
        out, expected = spread(_dates(u)), _DATE_TEXT
    elif spec.kind == "week":
        out, expected = spread(_weeks(u)), _WEEK_TEXT
    elif spec.kind == "status":
        cats = _status(u.fillna(""), lookup)
        blank = _status(pd.Series([""], dtype="string"), lookup)
        values = np.asarray(cats.astype(object))[take] if len(u) else np.empty(len(s), object)
        values[missing] = blank.iloc[0]
        out = pd.Series(pd.Categorical(values, categories=list(STATUS_CATEGORIES)))
        expected = "a status code or category (see data.status.codes in the config)"
        return out, out.isna().to_numpy(), expected
    elif spec.kind in ("int", "float"):
        out = spread(_number(u, danish))
        expected = "a number (decimal comma allowed)"
        if spec.kind == "int":
            expected = "a whole number"
            frac = (out % 1 != 0) & out.notna()
            out = out.where(~frac)
            out = out.astype("Int64")
    elif spec.kind == "bool":
        low = u.str.lower()
        ub = pd.Series(pd.NA, index=u.index, dtype="boolean")
        ub = ub.mask(low.isin(_TRUE).fillna(False), True).mask(
            low.isin(_FALSE).fillna(False), False
        )
        out = spread(ub)
        expected = "ja/nej (or 1/0, true/false)"
    else:  # pragma: no cover - specs are fixed
        raise ValueError(f"unknown column kind {spec.kind!r}")
    bad = present & out.isna().to_numpy()
    return out.reset_index(drop=True), bad, expected


def _bad_cells(
    loaded: _Loaded, spec: ColumnSpec, raw: pd.Series, bad: np.ndarray, expected: str, raw_name: str
) -> list[Problem]:
    rows = np.flatnonzero(bad)
    problems = []
    for r in rows[:_LIMIT]:
        value = raw.iloc[r]
        if looks_like_cpr(str(value)):
            continue  # reported by the CPR scan
        shown = mask_id(value) if spec.kind == "id" else mask_value(value)
        want = _date_expectation(value) if spec.kind == "date" else None
        problems.append(
            Problem(loaded.file, int(loaded.lines[r]), raw_name, want or expected, shown)
        )
    if rows.size > _LIMIT:
        problems.append(
            Problem(
                loaded.file, None, raw_name, expected, f"… and {rows.size - _LIMIT} more such cells"
            )
        )
    return problems


# --------------------------------------------------------------------------- tables


def _empty_column(spec: ColumnSpec, n: int) -> pd.Series:
    """An all-missing column of the right dtype for an optional column the file lacks."""
    if spec.kind == "date":
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if spec.kind == "float":
        return pd.Series(np.nan, index=range(n), dtype="float64")
    if spec.kind in ("int", "bool"):
        return pd.Series(pd.NA, index=range(n), dtype="Int64" if spec.kind == "int" else "boolean")
    return pd.Series([None] * n, index=range(n), dtype=object)


def _canonical(source: DataSource, loaded: _Loaded, raw: pd.DataFrame) -> pd.DataFrame | None:
    """Map raw columns to the canonical ones and convert their values (long layout)."""
    specs = TABLE_COLUMNS[source.table]
    inverse: dict[str, str] = {}
    for raw_name, canon in source.columns.items():
        if raw_name in raw.columns:
            inverse.setdefault(canon, raw_name)
    for spec in specs:
        if spec.name not in inverse and spec.name in raw.columns:
            inverse[spec.name] = spec.name
    expected_names = {v: k for k, v in source.columns.items()}
    loaded.names = {s.name: inverse.get(s.name, expected_names.get(s.name, s.name)) for s in specs}
    loaded.absent = tuple(s.name for s in specs if s.name not in inverse)
    missing = [s for s in specs if s.required and s.name not in inverse]
    if missing:
        found = [str(c) for c in raw.columns]
        if len(found) == 1 and any(ch in found[0] for ch in ";,\t|"):
            loaded.problems.append(
                Problem(loaded.file, 1, None, "columns separated by ';' or ','", found[0][:60])
            )
        elif any(looks_like_cpr(f) for f in found):
            pass  # reported by find_cpr: a header line with CPR numbers is a data row
        elif _looks_like_data(found):
            loaded.problems.append(
                Problem(
                    loaded.file,
                    1,
                    None,
                    "a header line naming the columns; line 1 holds values (was the file "
                    "exported without its header line?)",
                    ", ".join(str(mask_value(f)) for f in found[:5])
                    + (f", … and {len(found) - 5} more" if len(found) > 5 else ""),
                )
            )
        else:
            for s in missing:
                loaded.problems.append(
                    missing_column(loaded.file, loaded.names[s.name], s.name, found)
                )
        return None
    danish = raw.attrs.get("sep", ";") == ";"
    lookup = _status_lookup(source.codes)
    out = {}
    n = len(raw)
    for spec in specs:
        if spec.name not in inverse:
            out[spec.name] = _empty_column(spec, n)
            if spec.name == "hours" and source.table == "status":
                out[spec.name] = pd.Series(0.0, index=range(n))
            continue
        col = raw[inverse[spec.name]].reset_index(drop=True)
        values, bad, expected = _convert(spec, col, danish, lookup)
        if bad.any():
            loaded.problems.extend(_bad_cells(loaded, spec, col, bad, expected, inverse[spec.name]))
            loaded.reported[spec.name] = bad
        if spec.name == "hours" and source.table == "status":
            values = values.fillna(0.0)
        out[spec.name] = values
    return pd.DataFrame(out)


def _looks_like_data(names: list[str]) -> bool:
    """A header whose cells are mostly dates, numbers or CPR numbers is a data row."""
    t = pd.Series(names, dtype="string")
    data_like = _dates(t).notna() | _number(t, True).notna() | t.map(looks_like_cpr).astype(bool)
    return len(names) > 0 and int(data_like.sum()) * 2 >= len(names)


def _generic(source: DataSource, raw: pd.DataFrame) -> pd.DataFrame:
    """Free-form table (indicators): rename, turn columns that are all numbers into floats."""
    frame = raw.rename(columns=source.columns).reset_index(drop=True)
    danish = raw.attrs.get("sep", ";") == ";"
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
            continue
        t = _text(s)
        num = _by_unique(t, lambda u: _number(u, danish))
        if t.notna().any() and (num.notna() == t.notna()).all():
            frame[col] = num
        else:
            frame[col] = t.astype(object).where(t.notna(), None)
    return frame


def _person_rows(source: DataSource, persons: pd.Series) -> _Rows:
    """Read only the rows of these persons (ids as :func:`load_project` gives them)."""
    wanted = set(persons.dropna())
    spec = next(s for s in TABLE_COLUMNS[source.table] if s.name == "person_id")
    mapped = tuple(r for r, c in source.columns.items() if c == "person_id")
    # the long layout uses the first mapped column present (else "person_id"); the wide
    # layout the first mapped one (see _canonical and _wide_status)
    names = mapped[:1] if source.layout == "wide" and mapped else (*mapped, "person_id")

    def accept(values: pd.Series) -> np.ndarray:
        ids, _, _ = _convert(spec, values.reset_index(drop=True), True, {})
        return ids.isin(wanted).to_numpy(dtype=bool)

    return _Rows(names, accept)


def _load(source: DataSource, rows: _Rows | None = None) -> _Loaded:
    """Read, convert and validate one file on its own; problems are collected, not raised.

    ``rows``: read, convert and validate only the rows it keeps (the rows of some persons).
    """
    path = Path(source.path)
    file = path.name
    raw, lines, problems = _read_raw(source, file, rows)
    loaded = _Loaded(source.table, file, None, lines, {}, problems)
    if path.is_file():
        loaded.sha256 = file_sha256(path)
    if raw is None or (raw.empty and (rows is None or problems)):
        return loaded
    scan_cols = [c for c in raw.columns if not (_WIDE_WEEK.match(c) or _WIDE_HOURS.match(c))]
    id_raw = {r for r, c in source.columns.items() if c in ("person_id", "respondent")}
    id_raw |= {"person_id", "respondent"}
    cpr = find_cpr(raw[scan_cols], file, lines, id_columns=sorted(id_raw), limit=_LIMIT)
    loaded.problems.extend(cpr)
    if source.table not in TABLE_COLUMNS:
        loaded.frame = _generic(source, raw)
        return loaded
    if source.table == "status" and source.layout == "wide":
        frame = _wide_status(source, loaded, raw, lookup=_status_lookup(source.codes), limit=_LIMIT)
    else:
        frame = _canonical(source, loaded, raw)
    if frame is None:
        return loaded
    if source.table == "benchmarks":
        frame = _benchmark_units(source, loaded, frame, raw)
    if source.table == "status":
        order = None
        if loaded.wide_cols is None:
            order = np.lexsort(
                (frame["week"].to_numpy(), frame["person_id"].astype(str).to_numpy())
            )
        if order is not None:
            frame = frame.iloc[order].reset_index(drop=True)
            loaded.lines = loaded.lines[order]
            loaded.reported = {k: v[order] for k, v in loaded.reported.items()}
    loaded.frame = frame
    checked = check_frame(source.table, frame, file, loaded.line_of, loaded.column_of, limit=_LIMIT)
    for p in checked:
        # A cell that could not be parsed was reported already; skip its "empty" echo.
        if p.expected == "a value (the cell is empty)":
            continue
        loaded.problems.append(p)
    loaded.problems.extend(_empty_required(loaded, frame))
    return loaded


def _benchmark_units(
    source: DataSource, loaded: _Loaded, frame: pd.DataFrame, raw: pd.DataFrame
) -> pd.DataFrame:
    """Percentages (Jobindsats) -> fractions; check the range of percentages and shares.

    A row is a percentage when its unit cell (raw column mapped to ``unit``, or named
    ``unit`` / ``enhed``) says so (``pct``, ``Pct.``, ``procent``, ``%``) or, with an empty
    unit cell, when the config says ``unit: percent``. Its value must lie in 0-100 and is
    divided by 100. Other units: ``andel`` (a fraction) and ``antal`` (a count). Without
    a unit, a measure named ``andel_*`` must be a fraction in 0-1 (a percentage there is
    reported). The unit column itself is not kept: after loading every share is a fraction.
    """
    names = [r for r, c in source.columns.items() if c == "unit" and r in raw.columns]
    names += [c for c in ("unit", "enhed") if c in raw.columns]
    col_v = loaded.names.get("value", "value")
    n = len(frame)
    if names:
        unit = _text(raw[names[0]].reset_index(drop=True)).str.lower()
        unit = unit.mask(unit.isin(_PCT_UNITS), "pct")
        unknown = (unit.notna() & ~unit.isin(["pct", "andel", "antal"])).to_numpy(
            dtype=bool, na_value=False
        )
        for r in np.flatnonzero(unknown)[:_LIMIT]:
            loaded.problems.append(
                Problem(
                    loaded.file,
                    int(loaded.lines[r]),
                    names[0],
                    "a unit: pct (or procent, %), andel or antal",
                    mask_value(raw[names[0]].iloc[r]),
                )
            )
        no_unit = unit.isna().to_numpy()
        pct = (unit == "pct").to_numpy(dtype=bool, na_value=False)
        fraction = (unit == "andel").to_numpy(dtype=bool, na_value=False)
    else:
        no_unit, pct, fraction = np.ones(n, bool), np.zeros(n, bool), np.zeros(n, bool)
    if source.unit == "percent":
        pct |= no_unit
    value = frame["value"].to_numpy(dtype=float)
    named_share = frame["measure"].astype("string").str.startswith("andel")
    share = named_share.to_numpy(dtype=bool, na_value=False) & ~pct & (no_unit | fraction)
    with np.errstate(invalid="ignore"):
        bad_pct = pct & ((value < 0) | (value > 100))
        bad_share = share & ((value < 0) | (value > 1))
    for rows, expected in (
        (np.flatnonzero(bad_pct), "a percentage from 0 to 100"),
        (
            np.flatnonzero(bad_share),
            "a share as a fraction from 0 to 1 (for percentages set data.benchmarks.unit: "
            "percent in the config, or give a unit column saying pct)",
        ),
    ):
        for r in rows[:_LIMIT]:
            loaded.problems.append(
                Problem(loaded.file, int(loaded.lines[r]), col_v, expected, mask_value(value[r]))
            )
        if rows.size > _LIMIT:
            loaded.problems.append(
                Problem(
                    loaded.file,
                    None,
                    col_v,
                    expected,
                    f"… and {rows.size - _LIMIT} more such cells",
                )
            )
    if not pct.any():
        return frame
    out = frame.copy()
    out["value"] = np.where(pct, value / 100.0, value)
    return out


def _empty_required(loaded: _Loaded, frame: pd.DataFrame) -> list[Problem]:
    """Required cells that are empty in the file (not those that failed to parse)."""
    problems = []
    for spec in TABLE_COLUMNS[loaded.table]:
        if spec.nullable or spec.name not in frame:
            continue
        empty = frame[spec.name].isna().to_numpy()
        if spec.name in loaded.reported:
            empty &= ~loaded.reported[spec.name]
        rows = np.flatnonzero(empty)
        cols = loaded.column_of(spec.name, rows[:_LIMIT])
        for r, c in zip(rows[:_LIMIT], cols, strict=True):
            problems.append(
                Problem(loaded.file, int(loaded.lines[r]), c, "a value (the cell is empty)")
            )
        if rows.size > _LIMIT:
            problems.append(
                Problem(
                    loaded.file,
                    None,
                    cols[0],
                    "a value",
                    f"… and {rows.size - _LIMIT} more empty cells",
                )
            )
    return problems


def read_table(source: DataSource) -> pd.DataFrame:
    """Read one file into its canonical table.

    Parameters
    ----------
    source : DataSource
        The file, its format (csv/excel/parquet), sheet, layout (long or DREAM wide),
        column mapping (raw -> canonical), status codes (raw -> category) and encoding.

    Returns
    -------
    DataFrame
        The canonical table of ``source.table`` (``docs/data-format.md``); a status table
        is long (person_id, week = Monday, status category, hours). The ``indicators``
        table is free-form: mapped names, number columns as float.

    Raises
    ------
    DataValidationError
        With every problem found in the file (file, line, column, expectation).

    Examples
    --------
    >>> from evalkit.config import DataSource
    >>> src = DataSource("status", Path("dream.csv"), "csv", layout="wide")  # doctest: +SKIP
    >>> read_table(src).columns.tolist()                                      # doctest: +SKIP
    ['person_id', 'week', 'status', 'hours']
    """
    loaded = _load(source)
    if loaded.problems or loaded.frame is None:
        raise DataValidationError(loaded.problems)
    return loaded.frame


def subset_mask(participants: pd.DataFrame, subset: dict[str, str]) -> np.ndarray:
    """The participants whose columns equal the subset's values (compared as text).

    Parameters
    ----------
    participants : DataFrame
        The canonical participants table.
    subset : dict of str to str
        ``{column: value}`` (see :func:`evalkit.report.subset.check_subset`).

    Returns
    -------
    ndarray of bool
        One per participant row.

    Raises
    ------
    ValueError
        When a column is not in the participants table or no participant matches.
    """
    keep = np.ones(len(participants), dtype=bool)
    for column, value in subset.items():
        if column not in participants.columns:
            raise ValueError(
                f"subset column must be a participants column "
                f"({', '.join(map(str, participants.columns))}), but was {column!r}"
            )
        text = participants[column].astype("string").fillna("")
        keep &= (text == value).to_numpy(dtype=bool)
    if not keep.any():
        raise ValueError(f"subset {subset!r} matches no participant")
    return keep


_PERSON_TABLES = ("status", "activities", "joblog")


def _load_all(
    config: ProjectConfig, subset: dict[str, str] | None = None
) -> tuple[dict[str, _Loaded], list[Problem]]:
    if subset is None:
        loaded = {table: _load(source) for table, source in config.data.items()}
    else:  # the participants first, then only their rows of the person tables
        loaded = {"participants": _load(config.data["participants"])}
        part = loaded["participants"]
        persons = keep = None
        if part.frame is not None and not part.problems:
            keep = subset_mask(part.frame, subset)
            persons = part.frame["person_id"][keep]
        for table, source in config.data.items():
            if table != "participants":
                pushdown = persons is not None and table in _PERSON_TABLES
                loaded[table] = _load(source, _person_rows(source, persons) if pushdown else None)
    problems = [p for item in loaded.values() for p in item.problems]
    part, status = loaded.get("participants"), loaded.get("status")
    if part is not None and part.frame is not None:
        problems.extend(_config_references(config, part))
        if subset is not None and keep is not None:
            # the checks between tables see the subset's participants (row positions and
            # lines of the subset); the frame returned keeps the file's row index
            part.frame = part.frame[keep].reset_index(drop=True)
            part.lines, part.index = part.lines[keep], np.flatnonzero(keep)
        known = part.frame["person_id"]
        for table in ("status", "activities", "joblog"):
            item = loaded.get(table)
            if item is None or item.frame is None:
                continue
            problems.extend(
                check_persons_known(
                    item.frame["person_id"],
                    known,
                    item.file,
                    part.file,
                    item.line_of,
                    item.names.get("person_id", "person_id"),
                    limit=_LIMIT,
                )
            )
        if status is not None and status.frame is not None:
            problems.extend(
                check_panel_gaps(
                    status.frame,
                    part.frame,
                    status.file,
                    part.file,
                    status.line_of,
                    part.line_of,
                    status.names.get("week", "week"),
                    status.names.get("person_id", "person_id"),
                    stops=tuple(c for c in config.competing if c in ("udvandret", "doed")),
                    limit=_LIMIT,
                )
            )
    impl = loaded.get("implementation")
    if impl is not None and impl.frame is not None:
        problems.extend(_implementation_items(config, impl))
    return loaded, problems


def _implementation_items(config: ProjectConfig, item: _Loaded) -> list[Problem]:
    """Rows of the project's own figures whose promise id is not an implementation entry."""
    register = config.raw.get("promises") or []
    ids = sorted(str(p["id"]) for p in register if isinstance(p, dict) and "implementation" in p)
    frame = item.frame
    bad = ~frame["item"].isin(ids).to_numpy() & frame["item"].notna().to_numpy()
    rows = np.flatnonzero(bad)
    shown = ", ".join(ids[:12]) + (f", … and {len(ids) - 12} more" if len(ids) > 12 else "")
    expected = (
        f"the id of a promise with implementation: in the config ({shown})"
        if ids
        else "no rows: the config has no promise with implementation:"
    )
    col = item.names.get("item", "item")
    problems = [
        Problem(item.file, int(item.lines[r]), col, expected, mask_value(frame["item"].iloc[r]))
        for r in rows[:_LIMIT]
    ]
    if "of" in frame:
        over = (frame["of"].notna() & (frame["value"] > frame["of"])).to_numpy()
        col_v = item.names.get("value", "value")
        for r in np.flatnonzero(over)[:_LIMIT]:
            problems.append(
                Problem(
                    item.file,
                    int(item.lines[r]),
                    col_v,
                    "a number not above the denominator in the same row",
                    mask_value(frame["value"].iloc[r]),
                )
            )
    return problems


# Criterion kinds whose denominator is participants (their ``group`` is a target group).
_PARTICIPANT_KINDS = {"share", "change_pp", "monthly_average", "joblog_change",
                      "survival_vs_reference"}  # fmt: skip


def _config_references(config: ProjectConfig, part: _Loaded) -> list[Problem]:
    """Columns and values the config's criteria and comparison name, checked in the data.

    A criterion or covariate naming a column the participants file lacks would otherwise
    be evaluated on an empty column and read "for få personer", which is false.
    """
    if part.frame is None:
        return []
    canonical = {s.name for s in TABLE_COLUMNS["participants"]}
    raw_name = {v: k for k, v in config.data["participants"].columns.items()}
    line = None if part.file.lower().endswith(".parquet") else 1
    yaml_name = Path(config.path).name
    problems = []

    def need(column: str, key: str) -> None:
        if column not in canonical:
            problems.append(
                Problem(
                    yaml_name,
                    None,
                    None,
                    f"{key}: a participants column ({', '.join(sorted(canonical))})",
                    column,
                )
            )
        elif column in part.absent:
            problems.append(
                Problem(
                    part.file,
                    line,
                    raw_name.get(column, column),
                    f"a column for '{column}', which {key} in {yaml_name} uses (map the "
                    "file's column under data.participants.columns)",
                    "no such column",
                )
            )

    covariates = config.comparison.get("covariates") or []
    if isinstance(covariates, str):
        covariates = [covariates]
    for i, cov in enumerate(covariates):
        need(str(cov), f"comparison.covariates[{i}]")
    groups = set(part.frame["target_group"].dropna().astype(str))
    for i, crit in enumerate(config.criteria):
        if "subgroup" in crit:
            need("subgroup", f"criteria[{i}].subgroup")
            if "subgroup" not in part.absent:
                values = set(part.frame["subgroup"].dropna().astype(str))
                if str(crit["subgroup"]) not in values:
                    problems.append(
                        Problem(
                            part.file,
                            line,
                            raw_name.get("subgroup", "subgroup"),
                            f"the value {crit['subgroup']!r} that criteria[{i}].subgroup in "
                            f"{yaml_name} names",
                            "no participant has it",
                        )
                    )
        group = crit.get("group")
        if (
            crit.get("kind") in _PARTICIPANT_KINDS
            and group is not None
            and str(group) not in groups
        ):
            problems.append(
                Problem(
                    part.file,
                    line,
                    raw_name.get("target_group", "target_group"),
                    f"the target group {group!r} that criteria[{i}].group in {yaml_name} "
                    f"names (found: {', '.join(sorted(groups))})",
                    "no participant has it",
                )
            )
    return problems


def validate_project(config: ProjectConfig) -> list[Problem]:
    """Run every check of :func:`load_project` and return the problems instead of raising.

    Parameters
    ----------
    config : ProjectConfig

    Returns
    -------
    list of Problem
        Empty when the data are fine.
    """
    return _load_all(config)[1]


def _check_subset(subset: dict[str, str] | None) -> dict[str, str] | None:
    if subset is None:
        return None
    if not isinstance(subset, dict) or not subset or not all(isinstance(k, str) for k in subset):
        raise TypeError(f"subset must be a mapping {{column: value}}, but was {subset!r}")
    return {k: str(v) for k, v in subset.items()}


def load_project(config: ProjectConfig, subset: dict[str, str] | None = None) -> ProjectData:
    """Read and validate every input file of a project.

    Parameters
    ----------
    config : ProjectConfig
        From :func:`evalkit.config.load_config`.
    subset : dict of str to str, optional
        ``{column: value}`` over participants columns, e.g. ``{"kommune": "Aalborg"}``:
        read only that part of the project. The participants file is read and validated
        whole (it is one row per person); of the status, activities and joblog files only
        the rows of the matching persons are read (Parquet: only the person column is read
        for the whole file, the other columns only from the row groups holding those
        persons, and rows are filtered in Arrow before conversion; CSV and Excel: filtered
        right after reading), converted and validated. The tables are the same, row for
        row and value for value, as :func:`evalkit.report.subset.apply_subset` keeps from
        the whole project (row labels may differ); problems in other persons' rows are
        not seen, so validate the whole project first (``evalkit run`` does).

    Returns
    -------
    ProjectData
        The canonical tables and the SHA-256 of each input file.

    Raises
    ------
    DataValidationError
        Listing all problems found in all files and between them (unknown persons,
        gaps in the weekly panel), never showing a person id or CPR number.
    ValueError
        When a subset column is not a participants column or no participant matches.
    """
    subset = _check_subset(subset)
    loaded, problems = _load_all(config, subset)
    if problems:
        raise DataValidationError(problems)
    frames = {t: item.frame for t, item in loaded.items()}
    if subset is not None:  # the row labels apply_subset would keep from the whole table
        part = loaded["participants"]
        frames["participants"] = part.frame.set_axis(pd.Index(part.index))
    return ProjectData(
        participants=frames["participants"],
        status=frames["status"],
        activities=frames.get("activities"),
        benchmarks=frames.get("benchmarks"),
        survey=frames.get("survey"),
        indicators=frames.get("indicators"),
        files={t: item.sha256 or "" for t, item in loaded.items()},
        joblog=frames.get("joblog"),
        implementation=frames.get("implementation"),
    )
