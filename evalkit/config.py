"""Project configuration: one YAML file per evaluated project (``projects/<slug>.yaml``).

:func:`load_config` reads and checks a config and returns a frozen
:class:`ProjectConfig`. Every error is a :class:`ConfigError` naming the file, the line
(when the key is in the file), the key (dotted path) and what was expected. Targets are
read in the unit of their criterion (:func:`parse_target`): ``0.68`` and ``"68 %"`` are
the same share, while ``75`` for a share is refused as ambiguous. The format is
documented in ``docs/config.md``.
"""

from __future__ import annotations

import calendar
import datetime
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "COMPETING",
    "KOMMUNER",
    "MIN_PUBLISHED_THRESHOLD",
    "REPORT_KINDS",
    "TABLES",
    "ConfigError",
    "DataSource",
    "Period",
    "ProjectConfig",
    "check_publishable",
    "config_warnings",
    "load_config",
    "parse_target",
]

COMPETING: tuple[str, ...] = ("uddannelse", "foertidspension", "udvandret", "doed")
"""The status categories that end a spell as a competing exit unless ``spells.competing``
says otherwise (causes 2, 3, ... in this order)."""

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
    "landstal": False,
}
_PERIOD_KEYS = (
    "baseline_start", "baseline_end", "start", "end", "status_as_of", "status_every_months",
)  # fmt: skip
_SOURCE_KEYS = ("file", "format", "sheet", "layout", "columns", "codes", "encoding", "unit")
_UNITS = ("fraction", "percent")
_FORMATS = ("csv", "excel", "parquet")
# Danmarks Statistik's minimum number of persons behind a published cell.
MIN_PUBLISHED_THRESHOLD = 3
# The 98 kommuner (since 2007), as a config's ``kommune`` names them.
KOMMUNER: tuple[str, ...] = (
    "Albertslund", "Allerød", "Assens", "Ballerup", "Billund", "Bornholm", "Brøndby",
    "Brønderslev", "Dragør", "Egedal", "Esbjerg", "Fanø", "Favrskov", "Faxe", "Fredensborg",
    "Fredericia", "Frederiksberg", "Frederikshavn", "Frederikssund", "Furesø",
    "Faaborg-Midtfyn", "Gentofte", "Gladsaxe", "Glostrup", "Greve", "Gribskov",
    "Guldborgsund", "Haderslev", "Halsnæs", "Hedensted", "Helsingør", "Herlev", "Herning",
    "Hillerød", "Hjørring", "Holbæk", "Holstebro", "Horsens", "Hvidovre", "Høje-Taastrup",
    "Hørsholm", "Ikast-Brande", "Ishøj", "Jammerbugt", "Kalundborg", "Kerteminde", "Kolding",
    "København", "Køge", "Langeland", "Lejre", "Lemvig", "Lolland", "Lyngby-Taarbæk", "Læsø",
    "Mariagerfjord", "Middelfart", "Morsø", "Norddjurs", "Nordfyns", "Nyborg", "Næstved",
    "Odder", "Odense", "Odsherred", "Randers", "Rebild", "Ringkøbing-Skjern", "Ringsted",
    "Roskilde", "Rudersdal", "Rødovre", "Samsø", "Silkeborg", "Skanderborg", "Skive",
    "Slagelse", "Solrød", "Sorø", "Stevns", "Struer", "Svendborg", "Syddjurs", "Sønderborg",
    "Thisted", "Tønder", "Tårnby", "Vallensbæk", "Varde", "Vejen", "Vejle",
    "Vesthimmerlands", "Viborg", "Vordingborg", "Aabenraa", "Aalborg", "Aarhus", "Ærø",
)  # fmt: skip
_NATIONAL = ("Hele landet",)


def _yaml_line(path: Path | str, key: str) -> int | None:
    """The line (1-based) of ``key`` (dotted path, ``criteria[0].target``) in a YAML file.

    For a key the file lacks, the line of the deepest part that exists (its parent); None
    when not even the first part is in the file or the file cannot be read.
    """
    parts = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", key)]
    if not parts or str(parts[0]).startswith("<"):
        return None
    try:
        node = yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, ValueError, yaml.YAMLError):
        return None
    line = None
    for part in parts:
        if isinstance(node, yaml.MappingNode):
            hit = next(
                ((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)),
                None,
            )  # fmt: skip
            if hit is None:
                break
            line, node = hit[0].start_mark.line + 1, hit[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


class ConfigError(ValueError):
    """A project config is missing a key, has an unknown key or a value of the wrong kind.

    The message reads ``<file>, line <n>: key '<key>': <what was expected>``; the line is
    left out when the key (or its parent) is not in the file. ``.line`` holds it.
    """

    def __init__(self, path: Path | str, key: str, message: str) -> None:
        self.path = str(path)
        self.key = key
        self.line = _yaml_line(path, key)
        where = f"{path}, line {self.line}" if self.line else f"{path}"
        super().__init__(f"{where}: key '{key}': {message}")


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves an impossible date (2019-02-30) as text for a clear error."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


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
    competing: tuple[str, ...] = COMPETING
    disclosure_threshold: int = 5
    criteria: tuple[dict[str, Any], ...] = ()
    sections: tuple[str, ...] = ()
    comparison: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    landstal: dict[str, Any] | None = None  # evalkit landstal output: file, target_group, ...


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
    raise ConfigError(path, key, f"expected a date written yyyy-mm-dd, got {value!r}{_why(value)}")


def _why(value: Any) -> str:
    """' (the date does not exist)' for 2019-02-30 or 30-02-2019; else ''."""
    m = isinstance(value, str) and (
        re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value.strip())
        or re.fullmatch(r"(\d{1,2})-(\d{1,2})-(\d{4})", value.strip())
    )
    if not m:
        return ""
    a, b, c = (int(x) for x in m.groups())
    y, mo, d = (a, b, c) if a > 31 else (c, b, a)
    if 1 <= mo <= 12 and 1 <= d <= 31:
        try:
            datetime.date(y, mo, d)
        except ValueError:
            return " (the date does not exist)"
        return " (write it yyyy-mm-dd)" if a <= 31 else ""
    return ""


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
    if "status_as_of" in dates and dates["status_as_of"] < dates["start"]:
        raise ConfigError(
            path,
            "period.status_as_of",
            f"must not be before period.start ({dates['start']}): a status report needs "
            f"data from the project period, got {dates['status_as_of']}",
        )
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


# The unit a criterion's target is read in (docs/config.md, "Targets").
_TARGET_UNITS = {
    "share": "share",
    "monthly_average": "share",
    "national_share": "share",
    "survey_share": "share",
    "change_pp": "pp",
    "count_change": "change",
    "joblog_change": "change",
    "count": "count",
    "rank": "rank",
    "survival_vs_reference": "ratio",
}
_SHOW = {
    "share": "a share from 0 to 1 (0.68) or a percentage written with % ('68 %')",
    "pp": "percentage points as a fraction (0.25) or written with pp ('25 pp')",
    "change": "a relative change as a fraction (0.5, -0.15) or with % ('50 %', '-15 %')",
    "count": "a number of at least 0",
    "rank": "a rank: a whole number of at least 1",
    "ratio": "a ratio above 0 (1.0 = as the reference)",
}
_NUMBER_WITH_UNIT = re.compile(
    r"([+\-\u2212]?\d+(?:[.,]\d+)?)\s*(%|pct\.?|procent|pp|procentpoint|%-point)?", re.I
)


def parse_target(value: Any, unit: str) -> float:
    """A target (or a share baseline) from the config, in the unit of its criterion.

    Parameters
    ----------
    value : number or str
        ``0.68``, ``"68 %"``, ``"68%"``, ``"68 pct."``; for percentage points ``0.25`` or
        ``"25 pp"``; a decimal comma is allowed in text (``"4,5 %"``).
    unit : {"share", "pp", "change", "count", "rank", "ratio"}
        ``share``: a fraction 0-1; ``pp``: a difference of shares, -1 to 1; ``change``: a
        relative change, -1 to 1 as a plain number; ``count``, ``rank``, ``ratio``: plain
        numbers (no %).

    Returns
    -------
    float
        The target as a fraction (shares, pp, changes) or the plain number.

    Raises
    ------
    ValueError
        When the value is not a number, has the wrong unit, or is ambiguous: ``75`` for a
        share (75 % or a mistake?) must be written ``0.75`` or ``"75 %"``.

    Examples
    --------
    >>> parse_target("68 %", "share"), parse_target(0.68, "share"), parse_target("25 pp", "pp")
    (0.68, 0.68, 0.25)
    >>> parse_target(75, "share")
    Traceback (most recent call last):
    ...
    ValueError: ambiguous: 75 is not a share from 0 to 1; write 0.75 or '75 %'
    """
    if unit not in _SHOW:
        raise ValueError(f"unit must be one of {sorted(_SHOW)}, but was {unit!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"expected {_SHOW[unit]}, got {value!r}")
    suffix = None
    if isinstance(value, str):
        m = _NUMBER_WITH_UNIT.fullmatch(value.strip())
        if m is None:
            raise ValueError(f"expected {_SHOW[unit]}, got {value!r}")
        number = float(m.group(1).replace(",", ".").replace("\u2212", "-"))
        suffix = (m.group(2) or "").lower() or None
    else:
        number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"expected {_SHOW[unit]}, got {value!r}")
    shown = f"{number:g}"
    if suffix is not None:
        is_pp = suffix in ("pp", "procentpoint", "%-point")
        if unit == "pp" and not is_pp:
            raise ValueError(
                f"ambiguous: {value!r} could be a relative change; a change_pp target is in "
                f"percentage points: write '{shown} pp' or {number / 100:g}"
            )
        if unit in ("share", "change") and is_pp:
            raise ValueError(f"expected {_SHOW[unit]}, got {value!r} (pp is for change_pp)")
        if unit in ("count", "rank", "ratio"):
            raise ValueError(f"expected {_SHOW[unit]}, got {value!r} (no unit here)")
        number /= 100
    elif unit in ("share", "pp", "change") and abs(number) > 1:
        fix = {"share": "%", "pp": "pp", "change": "%"}[unit]
        raise ValueError(
            f"ambiguous: {shown} is not {_SHOW[unit].split(' (')[0].split(' or ')[0]}; "
            f"write {number / 100:g} or '{shown} {fix}'"
        )
    if unit == "share" and not 0 <= number <= 1:
        raise ValueError(f"expected {_SHOW[unit]}, got {value!r}")
    if unit == "pp" and not -1 <= number <= 1:
        raise ValueError(f"expected {_SHOW[unit]}, got {value!r}")
    if unit == "change" and number < -1:
        raise ValueError(f"expected {_SHOW[unit]} (at least -100 %), got {value!r}")
    if unit == "count" and number < 0:
        raise ValueError(f"expected {_SHOW[unit]}, got {value!r}")
    if unit == "rank" and (number < 1 or number % 1):
        raise ValueError(f"expected {_SHOW[unit]}, got {value!r}")
    if unit == "ratio" and number <= 0:
        raise ValueError(f"expected {_SHOW[unit]}, got {value!r}")
    return round(number, 12)


def _criterion_values(path: Path, i: int, crit: dict[str, Any]) -> dict[str, Any]:
    """The criterion with its target, target_pp and numeric baseline in their units."""
    unit = _TARGET_UNITS.get(str(crit["kind"]))
    if unit is None:  # an unknown kind is reported by evalkit.criteria.check_criteria
        return crit
    out = dict(crit)
    keys = {"target": unit, "target_pp": "pp"}
    if unit == "share":
        keys["baseline"] = "share"
    for key, key_unit in keys.items():
        value = crit.get(key)
        if value is None or (key == "baseline" and isinstance(value, dict)):
            continue
        try:
            out[key] = parse_target(value, key_unit)
        except ValueError as exc:
            raise ConfigError(path, f"criteria[{i}].{key}", str(exc)) from None
    return out


def check_publishable(config: ProjectConfig, internal: bool = False) -> None:
    """Refuse a publishable report whose disclosure threshold is below 3.

    Danmarks Statistik requires at least 3 persons behind a published cell; a smaller
    ``disclosure.threshold`` is allowed for internal reports (``--internal``) only.

    Raises
    ------
    ConfigError
        Naming ``disclosure.threshold``.
    """
    thr = config.disclosure_threshold
    if not internal and thr < MIN_PUBLISHED_THRESHOLD:
        raise ConfigError(
            config.path,
            "disclosure.threshold",
            f"expected at least {MIN_PUBLISHED_THRESHOLD} in a report for publication "
            f"(Danmarks Statistik's minimum), got {thr}; a smaller threshold is allowed "
            "only for internal reports (evalkit run --internal)",
        )


def _kommune_key(name: str) -> str:
    text = re.sub(r"\s+kommune$", "", name.strip(), flags=re.I)
    return re.sub(r"[\s\-]+", "-", text).casefold().replace("aa", "å")


def config_warnings(config: ProjectConfig) -> list[str]:
    """Things in a config that are allowed but probably wrong, one line each.

    Today: a ``kommune`` that is not one of the 98 kommuner (or "Hele landet").
    """
    known = {_kommune_key(k): k for k in (*KOMMUNER, *_NATIONAL)}
    warnings = []
    if _kommune_key(config.kommune) not in known:
        close = difflib.get_close_matches(config.kommune, [*KOMMUNER, *_NATIONAL], n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        line = _yaml_line(config.path, "kommune")
        where = f"{config.path}, line {line}" if line else str(config.path)
        warnings.append(
            f"{where}: key 'kommune': {config.kommune!r} is not one of the 98 kommuner{hint}; "
            "benchmark figures are looked up by this name"
        )
    return warnings


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
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # a SafeLoader
    except UnicodeDecodeError as exc:
        raise ConfigError(path, "<file>", f"expected UTF-8 text: {exc.reason}") from None
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
    checked = []
    for i, crit in enumerate(criteria):
        if not isinstance(crit, dict):
            raise ConfigError(path, f"criteria[{i}]", f"expected a mapping, got {crit!r}")
        for req in ("id", "label", "kind"):
            if req not in crit:
                raise ConfigError(path, f"criteria[{i}].{req}", "missing")
        checked.append(_criterion_values(path, i, crit))
    criteria = checked

    sections = raw.get("sections", []) or []
    if not isinstance(sections, list):
        raise ConfigError(path, "sections", f"expected a list, got {sections!r}")
    comparison = raw.get("comparison", {}) or {}
    if not isinstance(comparison, dict):
        raise ConfigError(path, "comparison", f"expected a mapping, got {comparison!r}")

    landstal = None
    if raw.get("landstal") is not None:
        ls = _check_keys(
            path, "landstal", raw["landstal"], ["file", "target_group", "start_quarter"]
        )
        if "file" not in ls:
            raise ConfigError(
                path, "landstal.file", "missing; the file written by evalkit landstal"
            )
        landstal = {
            "file": (path.parent / str(ls["file"])).resolve(),
            "target_group": _str(path, "landstal.target_group", ls.get("target_group", groups[0])),
            "start_quarter": _str(path, "landstal.start_quarter", ls.get("start_quarter", "alle")),
        }

    return ProjectConfig(
        path=path.resolve(),
        landstal=landstal,
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
