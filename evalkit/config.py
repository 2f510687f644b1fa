"""Project configuration: one YAML file per evaluated project (``projects/<slug>.yaml``).

:func:`load_config` reads and checks a config and returns a frozen
:class:`ProjectConfig`. Every error is a :class:`ConfigError` naming the file, the key
(dotted path) and what was expected. The format is documented in ``docs/config.md``.
"""

from __future__ import annotations

import calendar
import datetime
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "REPORT_KINDS",
    "TABLES",
    "ConfigError",
    "DataSource",
    "Period",
    "ProjectConfig",
    "load_config",
]

REPORT_KINDS = ("slutevaluering", "statusrapport")
TABLES = (
    "participants",
    "status",
    "activities",
    "benchmarks",
    "survey",
    "indicators",
    "joblog",
    "implementation",
)
_TOP_KEYS = {
    "slug": True,
    "seed": False,
    "title": True,
    "kommune": True,
    "pool": True,
    "description": False,
    "period": True,
    "target_groups": True,
    "reports": False,
    "data": True,
    "spells": False,
    "disclosure": False,
    "criteria": False,
    "sections": False,
    "comparison": False,
    "promises": False,
    "slutevaluering": False,
}
_PERIOD_KEYS = (
    "baseline_start", "baseline_end", "start", "end", "status_as_of", "status_every_months",
)  # fmt: skip
_SOURCE_KEYS = ("file", "format", "sheet", "layout", "columns", "codes", "encoding", "unit")
_UNITS = ("fraction", "percent")
_FORMATS = ("csv", "excel", "parquet")


class ConfigError(ValueError):
    """A project config is missing a key, has an unknown key or a value of the wrong kind."""

    def __init__(self, path: Path | str, key: str, message: str) -> None:
        self.path = str(path)
        self.key = key
        super().__init__(f"{path}: key '{key}': {message}")


@dataclass(frozen=True)
class Period:
    """Baseline and project periods; ``status_as_of`` is the default date of a status report.

    ``status_every_months`` (e.g. 6 for half-yearly status reports to STAR) makes
    ``evalkit run`` render a series of status reports, one at the end of each whole period
    from the project start (:meth:`status_series`).
    """

    start: datetime.date
    end: datetime.date
    baseline_start: datetime.date | None = None
    baseline_end: datetime.date | None = None
    status_as_of: datetime.date | None = None
    status_every_months: int | None = None

    def status_series(self) -> list[datetime.date]:
        """The as-of dates of the status report series: the last day of each whole period.

        >>> Period(datetime.date(2019, 1, 7), datetime.date(2020, 12, 27),
        ...        status_every_months=6).status_series()
        [datetime.date(2019, 7, 6), datetime.date(2020, 1, 6), datetime.date(2020, 7, 6)]
        """
        if not self.status_every_months:
            return []
        out = []
        k = 1
        while True:
            months = self.start.month - 1 + k * self.status_every_months
            year, month = self.start.year + months // 12, months % 12 + 1
            day = min(self.start.day, calendar.monthrange(year, month)[1])
            last = datetime.date(year, month, day) - datetime.timedelta(days=1)
            if last > self.end:
                return out
            out.append(last)
            k += 1


@dataclass(frozen=True)
class DataSource:
    """One input file and how to read it."""

    table: str
    path: Path
    format: str
    sheet: str | None = None
    layout: str = "long"
    columns: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    unit: str = "fraction"


@dataclass(frozen=True)
class ProjectConfig:
    """A checked project config. Paths in ``data`` are absolute."""

    path: Path
    slug: str
    title: str
    kommune: str
    pool: str
    period: Period
    target_groups: tuple[str, ...]
    data: dict[str, DataSource]
    seed: str | None = None
    description: str = ""
    reports: tuple[str, ...] = REPORT_KINDS
    spells_k: int = 4
    competing: tuple[str, ...] = ("uddannelse", "foertidspension", "udvandret", "doed")
    disclosure_threshold: int = 5
    criteria: tuple[dict[str, Any], ...] = ()
    sections: tuple[str, ...] = ()
    comparison: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def _suggest(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check_keys(path: Path, where: str, mapping: Any, allowed: list[str]) -> dict[str, Any]:
    if not isinstance(mapping, dict):
        raise ConfigError(
            path, where or "<top>", f"expected a mapping, got {type(mapping).__name__}"
        )
    for key in mapping:
        if key not in allowed:
            full = f"{where}.{key}" if where else str(key)
            raise ConfigError(
                path,
                full,
                f"unknown key; allowed: {', '.join(allowed)}{_suggest(str(key), allowed)}",
            )
    return mapping


def _date(path: Path, key: str, value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(path, key, f"expected a date written yyyy-mm-dd, got {value!r}")


def _str(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(path, key, f"expected a non-empty text, got {value!r}")
    return value


def _int(path: Path, key: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(path, key, f"expected a whole number >= {minimum}, got {value!r}")
    return value


def _period(path: Path, raw: Any) -> Period:
    raw = _check_keys(path, "period", raw, list(_PERIOD_KEYS))
    for req in ("start", "end"):
        if req not in raw:
            raise ConfigError(path, f"period.{req}", "missing; expected a date yyyy-mm-dd")
    every = raw.get("status_every_months")
    if every is not None:
        every = _int(path, "period.status_every_months", every, 1)
    dates = {
        k: _date(path, f"period.{k}", v)
        for k, v in raw.items()
        if v is not None and k != "status_every_months"
    }
    if dates["end"] < dates["start"]:
        raise ConfigError(path, "period.end", f"must not be before period.start ({dates['start']})")
    if ("baseline_start" in dates) != ("baseline_end" in dates):
        raise ConfigError(path, "period.baseline_end", "give both baseline_start and baseline_end")
    if "baseline_end" in dates and dates["baseline_end"] < dates["baseline_start"]:
        raise ConfigError(path, "period.baseline_end", "must not be before period.baseline_start")
    return Period(**dates, status_every_months=every)


def _source(path: Path, table: str, raw: Any, base: Path) -> DataSource:
    where = f"data.{table}"
    if isinstance(raw, str):
        raw = {"file": raw}
    raw = _check_keys(path, where, raw, list(_SOURCE_KEYS))
    if "file" not in raw:
        raise ConfigError(path, f"{where}.file", "missing; expected the file name")
    file = base / _str(path, f"{where}.file", raw["file"])
    fmt = raw.get("format")
    if fmt is None:
        suffix = file.suffix.lower()
        fmt = {".csv": "csv", ".txt": "csv", ".xlsx": "excel", ".parquet": "parquet"}.get(suffix)
        if fmt is None:
            raise ConfigError(
                path,
                f"{where}.format",
                f"cannot tell the format of '{file.name}'; give one of {_FORMATS}",
            )
    if fmt not in _FORMATS:
        raise ConfigError(path, f"{where}.format", f"expected one of {_FORMATS}, got {fmt!r}")
    layout = raw.get("layout", "long")
    if layout not in ("long", "wide"):
        raise ConfigError(path, f"{where}.layout", f"expected 'long' or 'wide', got {layout!r}")
    unit = raw.get("unit", "fraction")
    if unit not in _UNITS:
        raise ConfigError(path, f"{where}.unit", f"expected one of {_UNITS}, got {unit!r}")
    if unit != "fraction" and table != "benchmarks":
        raise ConfigError(path, f"{where}.unit", "only the benchmarks table has a unit")
    for key in ("columns", "codes"):
        value = raw.get(key, {}) or {}
        if not isinstance(value, dict):
            raise ConfigError(path, f"{where}.{key}", f"expected a mapping, got {value!r}")
    return DataSource(
        table=table,
        path=file,
        format=fmt,
        sheet=raw.get("sheet"),
        layout=layout,
        columns={str(k): str(v) for k, v in (raw.get("columns") or {}).items()},
        codes={str(k): str(v) for k, v in (raw.get("codes") or {}).items()},
        encoding=raw.get("encoding"),
        unit=unit,
    )


def load_config(path: str | Path) -> ProjectConfig:
    """Read and check a project config.

    Parameters
    ----------
    path : str or Path
        The YAML file. Relative data paths are resolved against its folder.

    Returns
    -------
    ProjectConfig

    Raises
    ------
    ConfigError
        Naming the file, the key and what was expected.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(path, "<file>", "no such config file")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or exc
        raise ConfigError(path, "<yaml>", f"not valid YAML{where}: {problem}") from None
    raw = _check_keys(path, "", raw, list(_TOP_KEYS))
    for key, required in _TOP_KEYS.items():
        if required and key not in raw:
            raise ConfigError(path, key, "missing")
    slug = _str(path, "slug", raw["slug"])
    if not slug.replace("-", "").replace("_", "").isalnum() or slug.lower() != slug:
        raise ConfigError(
            path, "slug", f"expected lower-case letters, digits and '-', got {slug!r}"
        )
    period = _period(path, raw["period"])

    groups = raw["target_groups"]
    if not isinstance(groups, list) or not groups or not all(isinstance(g, str) for g in groups):
        raise ConfigError(
            path, "target_groups", f"expected a non-empty list of texts, got {groups!r}"
        )

    reports = raw.get("reports", list(REPORT_KINDS))
    if not isinstance(reports, list) or not reports:
        raise ConfigError(path, "reports", f"expected a list from {REPORT_KINDS}, got {reports!r}")
    for i, kind in enumerate(reports):
        if kind not in REPORT_KINDS:
            raise ConfigError(
                path, f"reports[{i}]", f"expected one of {REPORT_KINDS}, got {kind!r}"
            )

    data_raw = _check_keys(path, "data", raw["data"], ["dir", *TABLES])
    base = path.parent / str(data_raw.get("dir", "."))
    data = {
        table: _source(path, table, data_raw[table], base) for table in TABLES if table in data_raw
    }
    for req in ("participants", "status"):
        if req not in data:
            raise ConfigError(path, f"data.{req}", "missing; every project needs this table")

    spells = _check_keys(path, "spells", raw.get("spells", {}) or {}, ["k", "competing"])
    k = _int(path, "spells.k", spells.get("k", 4), 1)
    competing = spells.get("competing", list(ProjectConfig.competing))
    if not isinstance(competing, list):
        raise ConfigError(
            path, "spells.competing", f"expected a list of status categories, got {competing!r}"
        )

    disclosure = _check_keys(path, "disclosure", raw.get("disclosure", {}) or {}, ["threshold"])
    threshold = _int(path, "disclosure.threshold", disclosure.get("threshold", 5), 1)

    criteria = raw.get("criteria", []) or []
    if not isinstance(criteria, list):
        raise ConfigError(
            path, "criteria", f"expected a list of criteria, got {type(criteria).__name__}"
        )
    for i, crit in enumerate(criteria):
        if not isinstance(crit, dict):
            raise ConfigError(path, f"criteria[{i}]", f"expected a mapping, got {crit!r}")
        for req in ("id", "label", "kind"):
            if req not in crit:
                raise ConfigError(path, f"criteria[{i}].{req}", "missing")

    sections = raw.get("sections", []) or []
    if not isinstance(sections, list):
        raise ConfigError(path, "sections", f"expected a list, got {sections!r}")
    comparison = raw.get("comparison", {}) or {}
    if not isinstance(comparison, dict):
        raise ConfigError(path, "comparison", f"expected a mapping, got {comparison!r}")

    return ProjectConfig(
        path=path.resolve(),
        slug=slug,
        title=_str(path, "title", raw["title"]),
        kommune=_str(path, "kommune", raw["kommune"]),
        pool=_str(path, "pool", raw["pool"]),
        period=period,
        target_groups=tuple(groups),
        data=data,
        seed=str(raw["seed"]) if raw.get("seed") is not None else None,
        description=str(raw.get("description", "")),
        reports=tuple(reports),
        spells_k=k,
        competing=tuple(str(c) for c in competing),
        disclosure_threshold=threshold,
        criteria=tuple(criteria),
        sections=tuple(str(s) for s in sections),
        comparison=comparison,
        raw=raw,
    )
