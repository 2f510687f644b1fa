"""Status reports: the path from a criterion's starting point to its end target.

A status report asks whether a project is *on track*, not whether it has already reached
its end target. Every criterion with a target gets a path (:class:`TargetPath`) from a
start value at ``period.start`` to the target at ``period.end``: linear in time by
default, or through milestones from the YAML (``path: {milestones: [...]}``). The status
verdict compares the criterion's estimate at the as-of date with the path's value at
that date by the same rule as the final verdict (:mod:`evalkit.verdicts`), in the words
"på sporet", "ikke på sporet" and "usikkert".

Where the path starts (``docs/verdicts.md``):

* ``path: {start: <value>}`` in the YAML, when given;
* a change (``change_pp``, ``count_change``): 0, no change at the start;
* a criterion with a numeric ``baseline`` (``share``, ``national_share``): the baseline;
* a count of activities (``count``) and a share of participants who have had something
  happen during the project (``share`` of ``self_support`` or ``activity:...``, without
  ``among``): 0, since these accumulate over the period;
* anything else (a rate that applies at every time: employment 26 weeks after start,
  survey answers, O/E, rank, a monthly average, a change per person) and ``path: flat``:
  the target itself, i.e. a flat path.

Milestones: the path runs linearly through ``(period.start, start)``, each milestone and
``(period.end, target)``, so a milestone equal to the target is "reached then held".
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ORIGINS", "TargetPath", "check_path", "parse_path_date", "target_path"]

ORIGINS = ("config", "baseline", "zero", "flat")
"""Where a path's start value comes from (see the module docstring)."""

_CUMULATIVE_MEASURES = ("self_support",)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class TargetPath:
    """A criterion's path from its start value to its end target.

    Attributes
    ----------
    start, end : date
        The project period.
    start_value : float
        The value at ``start``.
    target : float
        The end target, reached at ``end``.
    milestones : tuple of (date, float)
        Points the path passes through, in date order.
    origin : str
        One of :data:`ORIGINS`: where ``start_value`` comes from.
    """

    start: dt.date
    end: dt.date
    start_value: float
    target: float
    milestones: tuple[tuple[dt.date, float], ...] = ()
    origin: str = "flat"

    def points(self) -> list[tuple[dt.date, float]]:
        """The knots of the piecewise linear path, start to end."""
        inner = [(d, v) for d, v in self.milestones if self.start < d < self.end]
        return [(self.start, self.start_value), *inner, (self.end, self.target)]

    def value_at(self, date: dt.date | str) -> float:
        """The path's value at ``date`` (the start value before the start, the target after).

        Examples
        --------
        >>> p = TargetPath(dt.date(2020, 1, 1), dt.date(2021, 1, 1), 0.0, 75.0)
        >>> round(p.value_at(dt.date(2020, 7, 2)), 3)
        37.5
        >>> m = TargetPath(dt.date(2017, 8, 1), dt.date(2019, 8, 31), 0.3, 0.4,
        ...                ((dt.date(2018, 9, 30), 0.4),))
        >>> m.value_at(dt.date(2019, 1, 31))
        0.4
        """
        if isinstance(date, str):
            date = dt.date.fromisoformat(date)
        knots = self.points()
        x = np.array([d.toordinal() for d, _ in knots], dtype=float)
        y = np.array([v for _, v in knots], dtype=float)
        return float(np.interp(float(date.toordinal()), x, y))

    def to_frame(self) -> pd.DataFrame:
        """The knots as a table (``date``, ``value``)."""
        return pd.DataFrame(self.points(), columns=["date", "value"])

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)


def parse_path_date(value: Any) -> dt.date:
    """A milestone date: a date, ``yyyy-mm-dd`` or ``yyyy-mm`` (the month's last day).

    Raises
    ------
    ValueError
        For anything else.

    Examples
    --------
    >>> parse_path_date("2018-09")
    datetime.date(2018, 9, 30)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        m = _MONTH.match(value)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if 1 <= month <= 12:
                return dt.date(year, month, calendar.monthrange(year, month)[1])
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"a milestone date must be written yyyy-mm-dd or yyyy-mm, but was {value!r}")


def check_path(spec: Any) -> str | None:
    """None when ``spec`` (a criterion's ``path`` key) is valid, else what is wrong.

    Valid: ``"linear"``, ``"flat"``, or a mapping with optional ``start`` (a number) and
    ``milestones`` (a list of ``{date, value}`` in date order).
    """
    if spec in ("linear", "flat"):
        return None
    if not isinstance(spec, Mapping):
        return f"expected 'linear', 'flat' or a mapping with start/milestones, got {spec!r}"
    unknown = set(spec) - {"start", "milestones"}
    if unknown:
        return f"unknown key(s) {sorted(unknown)}; allowed: start, milestones"
    start = spec.get("start")
    if start is not None and (isinstance(start, bool) or not isinstance(start, (int, float))):
        return f"start must be a number, got {start!r}"
    stones = spec.get("milestones", [])
    if not isinstance(stones, list):
        return f"milestones must be a list of {{date, value}}, got {stones!r}"
    last = None
    for i, stone in enumerate(stones):
        if not isinstance(stone, Mapping) or set(stone) != {"date", "value"}:
            return f"milestones[{i}] must be a mapping with date and value, got {stone!r}"
        try:
            d = parse_path_date(stone["date"])
        except ValueError as exc:
            return f"milestones[{i}].date: {exc}"
        v = stone["value"]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return f"milestones[{i}].value must be a number, got {v!r}"
        if last is not None and d <= last:
            return f"milestones[{i}].date must come after the one before it, got {d.isoformat()}"
        last = d
    return None


def _default_start(crit: Mapping[str, Any], target: float) -> tuple[float, str]:
    kind = crit.get("kind")
    if kind in ("change_pp", "count_change"):
        return 0.0, "zero"
    base = crit.get("baseline")
    if isinstance(base, (int, float)) and not isinstance(base, bool):
        return float(base), "baseline"
    if kind == "count":
        return 0.0, "zero"
    measure = str(crit.get("measure", ""))
    if (
        kind == "share"
        and "among" not in crit
        and (measure in _CUMULATIVE_MEASURES or measure.startswith("activity:"))
    ):
        return 0.0, "zero"
    return float(target), "flat"


def target_path(
    crit: Mapping[str, Any], start: dt.date, end: dt.date, target: float | None = None
) -> TargetPath | None:
    """The path of one criterion (a config mapping) over the period ``start``-``end``.

    Parameters
    ----------
    crit : mapping
        The criterion from the YAML (``kind``, ``target``/``target_pp``, optional
        ``baseline`` and ``path``).
    start, end : date
        The project period.
    target : float, optional
        The end target (default: ``crit["target"]``, else ``crit["target_pp"]``).

    Returns
    -------
    TargetPath or None
        None when the criterion has no target.

    Raises
    ------
    ValueError
        When ``path`` is invalid (see :func:`check_path`) or ``end`` is not after ``start``.

    Examples
    --------
    >>> crit = {"kind": "count", "target": 75}
    >>> p = target_path(crit, dt.date(2019, 1, 7), dt.date(2020, 12, 27))
    >>> p.origin, round(p.value_at(dt.date(2019, 12, 31)), 1)
    ('zero', 37.3)
    """
    if target is None:
        target = crit.get("target", crit.get("target_pp"))
    if target is None:
        return None
    if end <= start:
        raise ValueError(f"end must be after start, but were {start} and {end}")
    spec = crit.get("path", "linear")
    problem = check_path(spec)
    if problem:
        raise ValueError(f"path: {problem}")
    target = float(target)
    if spec == "flat":
        return TargetPath(start, end, target, target, (), "flat")
    start_value, origin = _default_start(crit, target)
    stones: tuple[tuple[dt.date, float], ...] = ()
    if isinstance(spec, Mapping):
        if spec.get("start") is not None:
            start_value, origin = float(spec["start"]), "config"
        stones = tuple(
            (parse_path_date(s["date"]), float(s["value"])) for s in spec.get("milestones", [])
        )
    return TargetPath(start, end, start_value, target, stones, origin)
