"""Nothing after the as-of date: one cut of every source, where the data enter a report.

A status report as of a date D may use only what was known at D. :func:`cut_as_of` takes
the loaded tables of a project (:class:`evalkit.io.ProjectData`) and returns them as they
stood at D, together with an :class:`AsOfCut` that says what was done. It is applied
once, in :func:`evalkit.report.analysis.prepare`, before spells, criteria and sections see
the data, so no section needs its own cut. The rules per source (``docs/as-of.md``):

* **participants**: persons who started on or before D; an end date after D is not
  known at D, so it becomes empty (the person is still active at D).
* **status** (weekly panel): an ISO week is dated by its last day (Sunday); the weeks
  that ended on or before D are kept. The week containing D is left out unless D is a
  Sunday.
* **activities**: those that started on or before D; an end date after D becomes empty
  (the activity is running at D), and ``completed`` is empty for every activity that had
  not ended by D.
* **joblog**: days on or before D. **implementation** (the project's own figures for
  the promise register): records dated on or before D. **survey**: answers dated on or before D (column
  ``date``); a survey without answer dates is not used, and the report says why.
* **benchmarks** (Jobindsats): periods that were complete on D: a month (``2017M02``)
  whose last day is on or before D, likewise a quarter (``2017Q1``), a year (``2017``),
  and a moving period ``2017QMAT02`` by the later of its two readings (quarter 2 or
  month 2). Rankings and national shares then use the latest of these periods. The
  national survival curve (``U000``, ``U001``, ... weeks since start) has no calendar
  date: it is kept up to the longest follow-up any participant can have at D
  (:attr:`AsOfCut.curve_weeks`), and the method section names it as an undated reference.
* **indicators** (free-form, no date column): not used in a status report. Nor is any
  other table of :class:`~evalkit.io.ProjectData` without a rule here: a new source is
  left out of status reports (and named in the method section) until its rule is added.

The cut is a function of D and of the rows dated on or before D only: add, change or
remove any row dated after D and the result is identical (``tests/test_asof.py``). The
same holds for :func:`table_digest`, which a status report shows in place of the SHA-256
of each input file (a file digest would change with rows after D).

Example
-------
>>> import datetime as dt
>>> last_full_week(dt.date(2017, 2, 28))  # a Tuesday: the last whole week is week 8
datetime.date(2017, 2, 20)
>>> last_full_week(dt.date(2017, 2, 26))  # a Sunday ends its own week
datetime.date(2017, 2, 20)
>>> period_end(pd.Series(["2017M02", "2017Q1", "2016", "2017QMAT02", "U013"])).dt.date.tolist()
[datetime.date(2017, 2, 28), datetime.date(2017, 3, 31), datetime.date(2016, 12, 31), \
datetime.date(2017, 6, 30), NaT]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit.io import ProjectData

__all__ = ["AsOfCut", "curve_weeks", "cut_as_of", "last_full_week", "period_end", "table_digest"]

_CURVE = r"^U(\d+)$"


@dataclass(frozen=True)
class AsOfCut:
    """What :func:`cut_as_of` did; depends on the as-of date and rows dated before it only.

    Attributes
    ----------
    as_of : date
        The status date D.
    last_week : date
        Monday of the last ISO week that ended on or before D (weekly status).
    last_month : date
        First day of the last month that was complete on D (Jobindsats months).
    curve_weeks : int or None
        The national curve is kept for weeks ``0 .. curve_weeks`` since start; None
        without participants.
    not_used : dict of str to str
        Source -> Danish reason, for a source a status report cannot use (no dates).
    """

    as_of: dt.date
    last_week: dt.date
    last_month: dt.date
    curve_weeks: int | None = None
    not_used: dict[str, str] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per rule: source, what is kept."""
        rows = [
            ("participants", f"startet senest {self.as_of.isoformat()}; senere slutdatoer ukendte"),
            ("status", f"uger, der sluttede senest {self.as_of.isoformat()} "
                       f"(sidste uge begynder {self.last_week.isoformat()})"),
            ("activities", f"begyndt senest {self.as_of.isoformat()}; senere slutdatoer ukendte"),
            ("joblog", f"dage til og med {self.as_of.isoformat()}"),
            ("survey", self.not_used.get("survey", f"svar til og med {self.as_of.isoformat()}")),
            ("benchmarks", f"perioder afsluttet senest {self.as_of.isoformat()}; landskurven "
                           f"til og med uge {self.curve_weeks}"),
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=["source", "kept"])

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)

    def summary(self) -> str:
        """The rules as plain text, one source a line."""
        return "\n".join(f"{s}: {k}" for s, k in self.to_frame().itertuples(index=False))


def _as_date(value: object, name: str) -> dt.date:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{name} must be an ISO date yyyy-mm-dd, but was {value!r}") from None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"{name} must be a date or an ISO date string, but was {value!r}")


def last_full_week(as_of: dt.date | str) -> dt.date:
    """Monday of the last ISO week whose Sunday is on or before ``as_of``."""
    d = _as_date(as_of, "as_of")
    sunday = d - dt.timedelta(days=(d.weekday() + 1) % 7)
    return sunday - dt.timedelta(days=6)


def _last_full_month(as_of: dt.date) -> dt.date:
    first = as_of.replace(day=1)
    if (as_of + dt.timedelta(days=1)).day == 1:  # the month's last day: it is complete
        return first
    return (first - dt.timedelta(days=1)).replace(day=1)


def period_end(period: pd.Series) -> pd.Series:
    """The last day of each Jobindsats period; NaT for curve weeks (``U013``) and others.

    ``2017M02`` -> 28 Feb 2017, ``2017Q1`` -> 31 Mar 2017, ``2017`` -> 31 Dec 2017,
    ``2017QMATnn`` -> the end of month ``3 nn`` when ``nn <= 4`` (the quarter reading),
    else of month ``nn``, so that neither reading can end after the date returned.
    """
    p = pd.Series(period, copy=False).astype(str)
    out = pd.Series(pd.NaT, index=p.index, dtype="datetime64[ns]")
    year = p.str.extract(r"^(\d{4})", expand=False)
    month = pd.Series(np.nan, index=p.index)
    m = p.str.extract(r"^\d{4}M(\d{2})$", expand=False)
    month = month.where(m.isna(), pd.to_numeric(m, errors="coerce"))
    q = p.str.extract(r"^\d{4}Q([1-4])$", expand=False)
    month = month.where(q.isna(), pd.to_numeric(q, errors="coerce") * 3)
    mat = pd.to_numeric(p.str.extract(r"^\d{4}QMAT(\d{2})$", expand=False), errors="coerce")
    month = month.where(mat.isna(), mat.where(mat > 4, mat * 3))
    whole_year = p.str.fullmatch(r"\d{4}")
    month = month.where(~whole_year, 12)
    ok = month.notna() & year.notna() & (month >= 1) & (month <= 12)
    if ok.any():
        first = pd.to_datetime(
            year[ok] + "-" + month[ok].astype(int).astype(str).str.zfill(2) + "-01"
        )
        out[ok] = first + pd.offsets.MonthEnd(0)
    return out


def curve_weeks(participants: pd.DataFrame, as_of: dt.date | str) -> int | None:
    """The longest follow-up (in weeks since the start week) any participant can have at D.

    Counted from the Monday of the earliest start week to :func:`last_full_week`; None when
    nobody has started.
    """
    d = _as_date(as_of, "as_of")
    start = pd.to_datetime(participants["start_date"])
    start = start[start <= pd.Timestamp(d)]
    if len(start) == 0:
        return None
    first = start.min().normalize()
    monday = first - pd.Timedelta(days=first.dayofweek)
    return max(int((pd.Timestamp(last_full_week(d)) - monday).days // 7), 0)


def _cut_benchmarks(b: pd.DataFrame, as_of: dt.date, weeks: int | None) -> pd.DataFrame:
    end = period_end(b["period"])
    keep = (end <= pd.Timestamp(as_of)).to_numpy()
    week = pd.to_numeric(b["period"].astype(str).str.extract(_CURVE, expand=False), errors="coerce")
    if weeks is not None:
        keep |= (week <= weeks).to_numpy(dtype=bool)
    return b[keep]


def cut_as_of(data: ProjectData, as_of: dt.date | str) -> tuple[ProjectData, AsOfCut]:
    """The project's tables as they stood at ``as_of``: no row dated after it.

    Parameters
    ----------
    data : ProjectData
        From :func:`evalkit.io.load_project` (after a subset, if any).
    as_of : date or ISO string
        The status date D.

    Returns
    -------
    (ProjectData, AsOfCut)
        The cut tables (rules in the module docstring); ``files`` holds the
        :func:`table_digest` of each cut table instead of the input files' SHA-256.

    Raises
    ------
    TypeError, ValueError
        For an ``as_of`` that is not a date.
    """
    d = _as_date(as_of, "as_of")
    day = pd.Timestamp(d)
    not_used: dict[str, str] = {}

    p = data.participants
    p = p[p["start_date"] <= day].copy()
    p.loc[p["end_date"] > day, "end_date"] = pd.NaT

    week = pd.Timestamp(last_full_week(d))
    status = data.status[data.status["week"] <= week]

    tables: dict[str, pd.DataFrame | None] = {"participants": p, "status": status}
    if data.activities is not None:
        a = data.activities[data.activities["start_date"] <= day].copy()
        later = (a["end_date"] > day).to_numpy()
        a.loc[later, "end_date"] = pd.NaT
        if "completed" in a.columns:  # known only once the activity has ended
            a.loc[a["end_date"].isna().to_numpy(), "completed"] = pd.NA
        tables["activities"] = a
    if data.joblog is not None:
        tables["joblog"] = data.joblog[data.joblog["date"] <= day]
    if data.implementation is not None:  # the project's own figures (evalkit.promises)
        tables["implementation"] = data.implementation[data.implementation["date"] <= day]
    if data.survey is not None:
        s = data.survey
        dates = s["date"] if "date" in s.columns else pd.Series(pd.NaT, index=s.index)
        if len(s) and dates.isna().all():
            not_used["survey"] = (
                "besvarelserne har ingen svardato, så det kan ikke vises, at de er afgivet "
                "senest på opgørelsesdatoen; de bruges ikke i statusrapporten"
            )
            tables["survey"] = s.iloc[:0]
        else:
            tables["survey"] = s[(dates <= day).to_numpy(dtype=bool)]
    weeks = curve_weeks(p, d)
    if data.benchmarks is not None:
        tables["benchmarks"] = _cut_benchmarks(data.benchmarks, d, weeks)
    if data.indicators is not None:
        not_used["indicators"] = "tabellen har ingen dato og bruges ikke i statusrapporter"
        tables["indicators"] = None
    for f in dataclasses.fields(data):  # a table without a rule here is not used at all
        if f.name not in tables and isinstance(getattr(data, f.name), pd.DataFrame):
            not_used[f.name] = "tabellen har ingen regel for opgørelsesdatoen og bruges ikke"
            tables[f.name] = None

    files = {
        name: table_digest(tables[name]) if tables.get(name) is not None else digest
        for name, digest in data.files.items()
        if not (name in tables and tables[name] is None)
    }
    cut = dataclasses.replace(data, **tables, files=dict(sorted(files.items())))
    return cut, AsOfCut(
        as_of=d,
        last_week=week.date(),
        last_month=_last_full_month(d),
        curve_weeks=weeks,
        not_used=not_used,
    )


def table_digest(frame: pd.DataFrame) -> str:
    """SHA-256 (hex) of a table's column names, types and values, row order included.

    Stable for the same rows in the same pandas version (``pd.util.hash_pandas_object``
    per row, index ignored); it names the data a status report used.
    """
    h = hashlib.sha256()
    for name, dtype in frame.dtypes.items():
        h.update(f"{name}:{dtype};".encode())
    rows = pd.util.hash_pandas_object(frame, index=False) if len(frame.columns) else []
    h.update(np.asarray(rows, dtype=np.uint64).tobytes())
    return h.hexdigest()
