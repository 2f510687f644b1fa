"""Validation of the canonical tables: pandera schemas, cross-table checks, CPR detection.

Every finding is a :class:`Problem` naming the file, the line an editor shows (header =
line 1), the raw column name and what was expected. :func:`evalkit.io.load_project`
collects all of them and raises one :class:`DataValidationError`. No message ever shows a
person id or a CPR number: ids are masked (``id ***7f3``) and CPR-shaped values are
shown as ``******-****``.

The column types and allowed values are documented in ``docs/data-format.md``; what
each check means and how to fix it in ``docs/validation.md``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa

__all__ = [
    "ACTIVITY_TYPES",
    "ARMS",
    "CPR_MASK",
    "CPR_PATTERN",
    "EDUCATIONS",
    "ORIGINS",
    "SCHEMAS",
    "SEXES",
    "STATUS_CATEGORIES",
    "TABLE_COLUMNS",
    "ColumnSpec",
    "DataValidationError",
    "Problem",
    "check_frame",
    "check_panel_gaps",
    "check_persons_known",
    "cpr_digits",
    "cpr_numbers",
    "duplicate_columns",
    "find_cpr",
    "looks_like_cpr",
    "mask_id",
    "mask_text",
    "mask_value",
    "missing_column",
]

STATUS_CATEGORIES: tuple[str, ...] = (
    "selvforsoergende",
    "dagpenge",
    "kontanthjaelp",
    "ressourceforloeb",
    "sygedagpenge",
    "ledighedsydelse",
    "fleksjob",
    "foertidspension",
    "uddannelse",
    "udvandret",
    "doed",
    "oevrig",
)
ACTIVITY_TYPES: tuple[str, ...] = (
    "virksomhedspraktik",
    "loentilskud",
    "smaajob",
    "kursus",
    "samtale",
    "virksomhedsbesoeg",
    "registrering",
)
ARMS: tuple[str, ...] = ("indsats", "sammenligning")
SEXES: tuple[str, ...] = ("K", "M")
ORIGINS: tuple[str, ...] = ("dansk", "vestlig", "ikke-vestlig")
EDUCATIONS: tuple[str, ...] = ("grundskole", "gymnasial", "erhvervsfaglig", "videregaaende")
CPR_MASK = "******-****"
_PERIOD_RE = r"^(\d{4}(M(0[1-9]|1[0-2])|Q[1-4]|QMAT(0[1-9]|1[0-2])|)|U\d{3})$"
# A CPR number: day 01-31, month 01-12, two-digit year, optionally '-' or a space, four
# digits; not part of a longer run of letters or digits (so 16-character hex pseudonyms
# never match).
CPR_PATTERN = (
    r"(?<![0-9A-Za-z])(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}[- ]?\d{4}(?![0-9A-Za-z])"
)
_CPR_RE = re.compile(CPR_PATTERN)
# A CPR number whose leading zero Excel dropped (a number cell): day 1-9, then MMYYSSSS.
_CPR9 = r"[1-9](?:0[1-9]|1[0-2])\d{6}"
_CPR9_CELL = re.compile(rf"\s*{_CPR9}(?:\.0+)?\s*")
_CPR9_ANY = re.compile(rf"(?<![0-9A-Za-z]){_CPR9}(?![0-9A-Za-z])")
_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file.

    Attributes
    ----------
    file : str
        The file's name (not its full path).
    line : int or None
        The line as an editor shows it (header = line 1); the sheet row for Excel; the
        1-based row number for Parquet. None for problems with the whole file.
    column : str or None
        The column name as written in the file.
    expected : str
        What the value should have been.
    value : str or None
        What was found, already masked (never a person id or CPR number).
    """

    file: str
    line: int | None
    column: str | None
    expected: str
    value: str | None = None

    def __post_init__(self) -> None:
        # A header cell, a file name or a listed column may be data (a file without its
        # header line): every text of a Problem is masked, whatever built it.
        for name in ("file", "column", "expected", "value"):
            text = getattr(self, name)
            if isinstance(text, str):
                object.__setattr__(self, name, mask_text(text))

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            unit = "row" if self.file.lower().endswith((".parquet", ".xlsx", ".xls")) else "line"
            where.append(f"{unit} {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = f"{', '.join(where)}: expected {self.expected}"
        return text if self.value is None else f"{text}, got {self.value!r}"


class DataValidationError(ValueError):
    """Input data failed validation; ``.problems`` lists every problem found.

    The message shows the first 50 problems, one a line.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        n = len(self.problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:50])
        more = f"\n  … and {n - 50} more" if n > 50 else ""
        super().__init__(f"{n} problem(s) in the input data:\n{shown}{more}")


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column: its kind, whether the column must exist, whether it may be empty.

    ``kind`` is one of ``id``, ``str``, ``date``, ``week``, ``status``, ``int``, ``float``,
    ``bool``; ``id`` columns are masked in messages.
    """

    name: str
    kind: str
    required: bool = True
    nullable: bool = False
    allowed: tuple[str, ...] = ()
    bounds: tuple[float, float] | None = None
    unit: str = field(default="", compare=False)


def _c(name: str, kind: str, required: bool = True, nullable: bool = False, **kw) -> ColumnSpec:
    return ColumnSpec(name, kind, required, nullable, **kw)


TABLE_COLUMNS: dict[str, tuple[ColumnSpec, ...]] = {
    "participants": (
        _c("person_id", "id"),
        _c("arm", "str", allowed=ARMS),
        _c("target_group", "str"),
        _c("start_date", "date"),
        _c("end_date", "date", False, True),
        _c("kommune", "str", False, True),
        _c("age", "int", False, True, bounds=(15, 75), unit="years"),
        _c("sex", "str", False, True, allowed=SEXES),
        _c("origin", "str", False, True, allowed=ORIGINS),
        _c("education", "str", False, True, allowed=EDUCATIONS),
        _c("benefit_weeks_prior", "float", False, True, bounds=(0, 53), unit="weeks"),
        _c("subgroup", "str", False, True),
    ),
    "status": (
        _c("person_id", "id"),
        _c("week", "week"),
        _c("status", "status"),
        _c("hours", "float", False, False, bounds=(0, 80), unit="hours a week"),
    ),
    "activities": (
        _c("person_id", "id", True, True),
        _c("type", "str", allowed=ACTIVITY_TYPES),
        _c("start_date", "date"),
        _c("end_date", "date", False, True),
        _c("hours", "float", False, True, bounds=(0, 80), unit="hours a week"),
        _c("detail", "str", False, True),
        _c("completed", "bool", False, True),
    ),
    "benchmarks": (
        _c("area", "str"),
        _c("period", "str"),
        _c("measure", "str"),
        _c("group", "str"),
        _c("value", "float"),
    ),
    "survey": (
        _c("respondent", "id"),
        _c("group", "str", False, True),
        _c("question", "str"),
        _c("answer", "int", bounds=(1, 5), unit="on the 1-5 scale"),
        _c("date", "date", False, True),
    ),
    "joblog": (
        _c("person_id", "id"),
        _c("date", "date"),
        _c("applications", "int", bounds=(0, 1000), unit="jobs applied for"),
    ),
    # The project's own figures for the promise register (docs/promises.md): one row per
    # record, e.g. a meeting held, the places established at a date, 24 of 26 praktikker
    # with a mentor.
    "implementation": (
        _c("item", "str"),
        _c("date", "date"),
        _c("value", "float", bounds=(0, 1e9), unit="a count or number"),
        _c("of", "float", False, True, bounds=(0, 1e9), unit="a count (the denominator)"),
    ),
}

_DTYPES = {
    "id": object,
    "str": object,
    "date": "datetime64[ns]",
    "week": "datetime64[ns]",
    "status": pd.CategoricalDtype(list(STATUS_CATEGORIES)),
    "int": "Int64",
    "float": "float64",
    "bool": "boolean",
}


def _schema(table: str) -> pa.DataFrameSchema:
    columns = {}
    for spec in TABLE_COLUMNS[table]:
        checks = []
        if spec.allowed:
            checks.append(pa.Check.isin(list(spec.allowed)))
        if spec.bounds is not None:
            checks.append(pa.Check.in_range(*spec.bounds))
        if table == "benchmarks" and spec.name == "period":
            checks.append(pa.Check.str_matches(_PERIOD_RE))
        if table == "status" and spec.name == "week":
            checks.append(pa.Check(lambda s: s.dt.dayofweek == 0, name="monday"))
        columns[spec.name] = pa.Column(
            _DTYPES[spec.kind], checks=checks, nullable=spec.nullable, required=True
        )
    frame_checks = []
    unique = None
    if table in ("participants", "activities"):
        frame_checks.append(
            pa.Check(lambda d: ~(d["end_date"] < d["start_date"]), name="end_before_start")
        )
    if table == "participants":
        unique = ["person_id"]
    if table == "status":
        unique = ["person_id", "week"]
    return pa.DataFrameSchema(columns, checks=frame_checks, unique=unique, name=table)


SCHEMAS: dict[str, pa.DataFrameSchema] = {t: _schema(t) for t in TABLE_COLUMNS}


def mask_text(text: str) -> str:
    """``text`` with every CPR-shaped number (any form, nine digits too) as ``******-****``.

    For messages: unlike :func:`mask_value` it never shortens the text.

    >>> mask_text("ids 010203 1234 and 102031234 in row 7")
    'ids ******-**** and ******-**** in row 7'
    """
    text = _CPR_RE.sub(CPR_MASK, text)
    return _CPR9_ANY.sub(CPR_MASK, text) if any(c.isdigit() for c in text) else text


def _valid_day(day: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Day and month form a date in some year (29 February allowed)."""
    ok = (month >= 1) & (month <= 12) & (day >= 1)
    return ok & (day <= _DAYS[np.clip(month, 0, 12)])


def cpr_numbers(values: np.ndarray | pd.Series) -> np.ndarray:
    """Which numbers are CPR numbers stored as numbers (Parquet int64, Excel number cells).

    A whole number from 100000000 to 9999999999 whose first digits (zero-padded to ten:
    Excel drops the leading zero of a day 01-09) form a day and month of a real date.

    >>> cpr_numbers(np.array([102031234, 3112994321, 123456789, 37.5, 3102001234]))
    array([ True,  True, False, False, False])
    """
    v = pd.to_numeric(pd.Series(np.asarray(values).ravel()), errors="coerce").to_numpy(float)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(v) & (v % 1 == 0) & (v >= 1e8) & (v < 1e10)
    n = np.where(whole, v, 0).astype(np.int64)
    return whole & _valid_day(n // 100_000_000, (n // 1_000_000) % 100)


def cpr_digits(value: object) -> str | None:
    """The ten digits ``DDMMYYSSSS`` of a value that is a CPR number in any form, else None.

    Accepts ``DDMMYY-SSSS``, ``DDMMYYSSSS``, ``DDMMYY SSSS`` and the nine digits left when
    a spreadsheet dropped the leading zero, as text or as a number.

    >>> cpr_digits("010203-1234"), cpr_digits("010203 1234"), cpr_digits(102031234)
    ('0102031234', '0102031234', '0102031234')
    >>> cpr_digits("a1b2c3d4e5f6a001") is None
    True
    """
    if isinstance(value, (bool, np.bool_)) or value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{int(value):010d}" if cpr_numbers(np.array([value]))[0] else None
    text = str(value).strip()
    if _CPR_RE.fullmatch(text):
        return text.replace("-", "").replace(" ", "")
    if _CPR9_CELL.fullmatch(text):
        return f"{int(float(text)):010d}"
    return None


def looks_like_cpr(value: object) -> bool:
    """True when ``value`` holds a CPR-shaped number in any form.

    Text holding ``DDMMYY-SSSS``, ``DDMMYY SSSS`` or ten digits with a day 01-31 and a
    month 01-12; a whole cell of nine such digits (a dropped leading zero); a number
    (:func:`cpr_numbers`). The modulus-11 check digit is not used (it is not guaranteed
    since 2007).

    >>> looks_like_cpr("010203-1234"), looks_like_cpr("0102031234"), looks_like_cpr("3213001234")
    (True, True, False)
    >>> looks_like_cpr("010203 1234"), looks_like_cpr("102031234"), looks_like_cpr(102031234)
    (True, True, True)
    """
    if isinstance(value, str):
        return _CPR_RE.search(value) is not None or _CPR9_CELL.fullmatch(value) is not None
    return cpr_digits(value) is not None


def mask_id(value: object) -> str:
    """Mask a person id for a message: ``id ***7f3`` (last three characters only).

    A CPR-shaped id is masked completely (``******-****``).

    >>> mask_id("a1b2c3d4e5f6a7f3")
    'id ***7f3'
    """
    text = str(value).strip()
    if looks_like_cpr(text):
        return CPR_MASK
    if len(text) <= 4:
        return "<id>"
    return f"id ***{text[-3:]}"


def mask_value(value: object) -> str | None:
    """Render a found value for a message, replacing any CPR-shaped part by ``******-****``."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    text = value if isinstance(value, str) else str(value)
    text = mask_text(text)  # before cutting, so a cut cannot split a CPR number
    if len(text) > 60:
        text = text[:57] + "..."
    return text


def find_cpr(
    frame: pd.DataFrame,
    file: str,
    lines: np.ndarray,
    id_columns: Sequence[str] = (),
    limit: int = 100,
) -> list[Problem]:
    """Find CPR-shaped values in every column of a raw frame, and in its header.

    Parameters
    ----------
    frame : DataFrame
        The file as read, raw column names. Text cells are searched for CPR numbers in
        any form (:func:`looks_like_cpr`); number columns for numbers that are CPR
        numbers (:func:`cpr_numbers`); the column names too (a file exported without its
        header line has a data row there).
    file : str
        File name for the messages.
    lines : ndarray of int
        Line in the file of each row of ``frame``.
    id_columns : sequence of str
        Raw names of person-id columns; a CPR there gets the hint to pseudonymise.
    limit : int
        At most this many problems per column; the rest are summarised in one more.

    Returns
    -------
    list of Problem
        One per cell found; the value is never printed.
    """
    problems: list[Problem] = []
    if any(looks_like_cpr(str(c)) for c in frame.columns):
        problems.append(
            Problem(
                file,
                1,
                None,
                "a header line naming the columns; line 1 holds data with a CPR number (was "
                "the file exported without its header line?)",
                CPR_MASK,
            )
        )
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
            continue
        # test each distinct value once (a long panel repeats a few values millions of times)
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        if pd.api.types.is_numeric_dtype(s.dtype):
            u_hit = cpr_numbers(np.asarray(uniques))
        else:
            u_hit = _cpr_cells(np.asarray(uniques, dtype=object))
        if not u_hit.any():
            continue
        rows = np.flatnonzero((codes >= 0) & u_hit[np.where(codes < 0, 0, codes)])
        if col in id_columns:
            expected = (
                "a pseudonymised person id, not a CPR number (run `evalkit pseudonymise` first)"
            )
        else:
            expected = "no CPR numbers in the data (remove or pseudonymise this column)"
        for r in rows[:limit]:
            problems.append(Problem(file, int(lines[r]), str(col), expected, CPR_MASK))
        if len(rows) > limit:
            problems.append(
                Problem(
                    file, None, str(col), expected, f"… and {len(rows) - limit} more such cells"
                )
            )
    return problems


def _cpr_cells(uniques: np.ndarray) -> np.ndarray:
    """CPR numbers in any form among distinct cells of a text (or mixed) column."""
    hit = np.zeros(len(uniques), dtype=bool)
    if not len(uniques):
        return hit
    numeric = np.array(
        [isinstance(u, (int, float, np.integer, np.floating)) and not isinstance(u, bool)
         for u in uniques],
        dtype=bool,
    )  # fmt: skip
    if numeric.any():  # number cells in a mixed column (Excel)
        hit[numeric] = cpr_numbers(uniques[numeric].astype(float))
    text = pd.Series(uniques[~numeric], dtype=object).astype("string")
    long_enough = text.str.len().fillna(0).to_numpy() >= 9
    if long_enough.any():
        t = text[long_enough]
        found = t.str.contains(CPR_PATTERN, regex=True).fillna(False).to_numpy(bool)
        found |= t.str.fullmatch(_CPR9_CELL.pattern).fillna(False).to_numpy(bool)
        sub = np.zeros(len(text), dtype=bool)
        sub[long_enough] = found
        hit[~numeric] = sub
    return hit


def _range_text(spec: ColumnSpec) -> str:
    lo, hi = spec.bounds  # type: ignore[misc]
    fmt = "{:g}"
    unit = f" {spec.unit}" if spec.unit else ""
    return f"a number from {fmt.format(lo)} to {fmt.format(hi)}{unit}"


def _expected(table: str, column: str, check: str) -> str:
    specs = {s.name: s for s in TABLE_COLUMNS[table]}
    spec = specs.get(column)
    if check == "not_nullable":
        return "a value (the cell is empty)"
    if check.startswith("isin") and spec is not None:
        return "one of " + ", ".join(spec.allowed)
    if check.startswith("in_range") and spec is not None:
        return _range_text(spec)
    if check.startswith("str_matches"):
        return "a period like 2019M05, 2019Q2, 2019QMAT02, 2019 or U013"
    if check == "monday":
        return "a week given as its Monday"
    if check == "end_before_start":
        return "an end date on or after the start date"
    if check == "dtype" or check.startswith("dtype("):
        return f"values of type {spec.kind if spec else 'as documented'}"
    return check


def check_frame(
    table: str,
    frame: pd.DataFrame,
    file: str,
    line_of: Callable[[np.ndarray], np.ndarray],
    column_of: Callable[[str, np.ndarray], list[str]],
    limit: int = 1000,
) -> list[Problem]:
    """Validate one canonical table with its pandera schema and translate the failures.

    Parameters
    ----------
    table : str
        One of ``TABLE_COLUMNS``.
    frame : DataFrame
        The canonical table with a RangeIndex (row position).
    file : str
        File name for the messages.
    line_of : callable
        Maps an array of row positions to their lines in the file.
    column_of : callable
        Maps a canonical column name and row positions to the raw column names.
    limit : int
        At most this many problems per column and check; the rest are summarised.

    Returns
    -------
    list of Problem
    """
    try:
        SCHEMAS[table].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    id_cols = {s.name for s in TABLE_COLUMNS[table] if s.kind == "id"}
    problems: list[Problem] = []
    cases = cases[cases["index"].notna()]
    for (column, check), group in cases.groupby(["column", "check"], sort=False, dropna=False):
        check = str(check)
        if check in ("multiple_fields_uniqueness", "field_uniqueness"):
            continue  # reported below with a clearer message
        if check == "end_before_start":
            if column != "end_date":
                continue
        rows = group["index"].to_numpy(dtype=np.int64)
        expected = _expected(table, str(column), check)
        lines = line_of(rows[:limit])
        cols = column_of(str(column), rows[:limit])
        for row, line, col, value in zip(
            rows[:limit], lines, cols, group["failure_case"].to_numpy()[:limit], strict=True
        ):
            if check == "not_nullable":
                shown = None
            elif column in id_cols:
                shown = mask_id(value)
            elif check == "end_before_start":
                shown = _date_text(frame.at[int(row), "end_date"])
                shown += f" before start {_date_text(frame.at[int(row), 'start_date'])}"
            else:
                shown = mask_value(_date_text(value) if isinstance(value, pd.Timestamp) else value)
            problems.append(Problem(file, int(line), col, expected, shown))
        if len(rows) > limit:
            problems.append(
                Problem(file, None, cols[0], expected, f"… and {len(rows) - limit} more such cells")
            )
    problems.extend(_duplicates(table, frame, file, line_of, column_of, limit))
    return problems


def _date_text(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _week_text(value: pd.Timestamp) -> str:
    iso = value.isocalendar()
    return f"{iso[0]}-W{iso[1]:02d}"


def _duplicates(
    table: str,
    frame: pd.DataFrame,
    file: str,
    line_of: Callable[[np.ndarray], np.ndarray],
    column_of: Callable[[str, np.ndarray], list[str]],
    limit: int,
) -> list[Problem]:
    keys = {"participants": ["person_id"], "status": ["person_id", "week"]}.get(table)
    if keys is None or frame.empty:
        return []
    dup = frame.duplicated(keys, keep="first").to_numpy()
    rows = np.flatnonzero(dup)
    if rows.size == 0:
        return []
    lines = line_of(rows[:limit])
    cols = column_of("person_id", rows[:limit])
    problems = []
    for row, line, col in zip(rows[:limit], lines, cols, strict=True):
        pid = mask_id(frame.at[int(row), "person_id"])
        if table == "status":
            expected = "one row per person and week"
            shown = f"a second row for {pid} in week {_week_text(frame.at[int(row), 'week'])}"
        else:
            expected = "one row per person"
            shown = f"a second row for {pid}"
        problems.append(Problem(file, int(line), col, expected, shown))
    if rows.size > limit:
        problems.append(Problem(file, None, cols[0], expected, f"… and {rows.size - limit} more"))
    return problems


def check_persons_known(
    persons: pd.Series,
    known: pd.Series,
    file: str,
    known_file: str,
    line_of: Callable[[np.ndarray], np.ndarray],
    column: str,
    limit: int = 1000,
) -> list[Problem]:
    """One problem per person id in ``persons`` that is not in ``known`` (at its first row).

    Empty ids are ignored (activities not tied to a person).
    """
    ids = persons.to_numpy(dtype=object)
    unknown = ~persons.isin(known).to_numpy() & persons.notna().to_numpy()
    first = unknown & ~persons.duplicated(keep="first").to_numpy()
    rows = np.flatnonzero(first)
    problems = []
    lines = line_of(rows[:limit])
    for row, line in zip(rows[:limit], lines, strict=True):
        problems.append(
            Problem(
                file,
                int(line),
                column,
                f"a person listed in the participants file ({known_file})",
                mask_id(ids[row]),
            )
        )
    if rows.size > limit:
        problems.append(
            Problem(
                file,
                None,
                column,
                "persons listed in participants",
                f"… and {rows.size - limit} more",
            )
        )
    return problems


def check_panel_gaps(
    status: pd.DataFrame,
    participants: pd.DataFrame,
    file: str,
    participants_file: str,
    line_of: Callable[[np.ndarray], np.ndarray],
    participant_line_of: Callable[[np.ndarray], np.ndarray],
    week_column: str,
    id_column: str,
    stops: Sequence[str] = ("udvandret", "doed"),
    limit: int = 1000,
) -> list[Problem]:
    """Check that every participant's weekly panel runs without gaps to the data end.

    The panel must hold every week from the participant's start week (or the first week
    of the panel, if the start is earlier) to the last week of the panel. It may stop
    early after a week with a status in ``stops`` (emigrated, dead). Spells need this.

    Parameters
    ----------
    status, participants : DataFrame
        Canonical tables (RangeIndex = row position).
    file, participants_file : str
        File names for the messages.
    line_of, participant_line_of : callable
        Row positions -> lines in the status and participants files.
    week_column, id_column : str
        Raw names of the status file's week and person columns, for the messages.
    stops : sequence of str
        Status categories after which the panel may end.
    limit : int
        At most this many problems; the rest are summarised.

    Returns
    -------
    list of Problem
        One per person at most (the first gap found).
    """
    if status.empty or participants.empty:
        return []
    first_week = status["week"].min()
    last_week = status["week"].max()
    start = participants["start_date"].dt.normalize()
    start_week = start - pd.to_timedelta(start.dt.dayofweek, unit="D")
    start_week = start_week.where(start_week > first_week, first_week)
    starts = pd.Series(start_week.to_numpy(), index=participants["person_id"].to_numpy())
    starts = starts[~starts.index.duplicated()]
    problems: list[Problem] = []

    pcode, persons = pd.factorize(status["person_id"], use_na_sentinel=True)
    by_code = starts.reindex(persons).to_numpy(dtype="datetime64[ns]")
    w_all = status["week"].to_numpy(dtype="datetime64[ns]")
    s_all = np.where(pcode >= 0, by_code[np.maximum(pcode, 0)], np.datetime64("NaT"))
    keep = ~np.isnat(s_all) & (w_all >= s_all)
    pos = np.flatnonzero(keep)
    pc, w, s = pcode[pos], w_all[pos], s_all[pos]
    in_order = len(pc) < 2 or bool(
        np.all((pc[1:] > pc[:-1]) | ((pc[1:] == pc[:-1]) & (w[1:] >= w[:-1])))
    )
    if not in_order:
        order = np.lexsort((w, pc))
        pos, pc, w, s = pos[order], pc[order], w[order], s[order]
    week = np.timedelta64(7, "D")
    # Missing persons: participants without any status row from their start.
    present = persons[np.unique(pc)] if len(pc) else persons[:0]
    missing = ~participants["person_id"].isin(present).to_numpy()
    missing &= participants["start_date"].notna().to_numpy()
    missing &= (start_week <= last_week).to_numpy()
    for row in np.flatnonzero(missing)[:limit]:
        line = participant_line_of(np.array([row]))[0]
        problems.append(
            Problem(
                participants_file,
                int(line),
                None,
                f"weekly status rows in {file} from the start week to the data end",
                f"none for {mask_id(participants['person_id'].iloc[row])}",
            )
        )
    if len(pos) == 0:
        return problems
    new_person = np.r_[True, pc[1:] != pc[:-1]]
    prev = np.r_[w[:1], w[:-1]]
    expected_prev = np.where(new_person, s - week, prev)
    gap = w - expected_prev > week
    last_of_person = np.r_[pc[1:] != pc[:-1], True]
    cats = status["status"]
    stop_codes = [i for i, c in enumerate(cats.cat.categories) if c in stops]
    stop = np.isin(cats.cat.codes.to_numpy()[pos], stop_codes)
    short_end = last_of_person & (w < last_week) & ~stop
    flagged = np.flatnonzero(gap | short_end)
    p = persons.to_numpy()[pc]
    found = pd.DataFrame(
        {
            "p": p[flagged],
            "gap": gap[flagged],
            "end": short_end[flagged],
            "pos": pos[flagged],
            "missing": (expected_prev + week)[flagged],
        }
    )
    bad = found[found["gap"] | found["end"]].drop_duplicates("p", keep="first")
    text = (
        f"consecutive weeks for each participant from the start week to the data end "
        f"({_week_text(pd.Timestamp(last_week))})"
    )
    for r in bad.itertuples(index=False):
        if len(problems) >= limit:
            problems.append(Problem(file, None, week_column, text, "… and more gaps not shown"))
            break
        line = line_of(np.array([r.pos]))[0]
        wk = pd.Timestamp(status["week"].iloc[r.pos])
        if r.gap:
            shown = f"{mask_id(r.p)}: no row for week {_week_text(pd.Timestamp(r.missing))}"
        else:
            shown = f"{mask_id(r.p)}: rows stop at {_week_text(wk)}"
        problems.append(Problem(file, int(line), week_column, text, shown))
    return problems


def duplicate_columns(file: str, names: list[str]) -> list[Problem]:
    """Problems for column names that occur more than once in a header."""
    seen: set[str] = set()
    problems = []
    for name in names:
        if name in seen:
            problems.append(Problem(file, 1, name, "each column name only once", "a second column"))
        seen.add(name)
    return problems


def missing_column(file: str, raw_name: str, canonical: str, found: list[str]) -> Problem:
    """The problem for a required column the header lacks, with a close match if any."""
    found = [str(mask_value(f)) for f in found]
    close = difflib.get_close_matches(raw_name, found, n=1)
    hint = f" (did you mean '{close[0]}'? map it under data.<table>.columns)" if close else ""
    shown = ", ".join(found[:10]) + (f", … and {len(found) - 10} more" if len(found) > 10 else "")
    expected = f"a column '{raw_name}' (canonical '{canonical}'){hint}"
    return Problem(file, 1, raw_name, expected, f"columns {shown}")
