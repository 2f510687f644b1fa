"""The promise register (løfteregister): every promise of a project's application, accounted for.

A project's config lists under ``promises:`` everything its application promises to
measure or deliver, in the application's own words and with where it stands in the
document: the success criteria (``succeskriterium``), the measurements it says it will
follow (``maaling``, usually from "Indsamling af data og evaluering") and the
implementation commitments (``implementering``: activities, places, meetings, mentors,
playbooks, staffing, planned participant numbers, status reports). Each entry says how
the report accounts for it, with exactly one of

``criterion: <id>``
    computed from data as a success criterion of ``criteria:`` (its estimate, interval
    and verdict are shown);
``section: <name>``
    shown in a seed section of ``sections:`` that computes it by the application's
    definition;
``measure: <name>``
    computed from data by the function :data:`MEASURES` ``[name]``;
``implementation: sum | last | share | date``
    planned against actual from the project's own figures (the ``implementation`` data
    table, one row per record: promise id, date, number and an optional denominator);
``participants: all`` or ``participants: {group: ..., subgroup: ...}``
    planned against actual number of participants from the participants data;
``not_measured: <reason>``
    shown as "ikke målt" with the reason (e.g. no data source).

:func:`load_promises` reads and checks the register (every error a
:class:`~evalkit.config.ConfigError` naming the file and the key, e.g.
``promises[3].planned``); :func:`account_promises` gives one :class:`PromiseResult` per
entry. Nothing is dropped: an entry that cannot be computed says why. The format is in
``docs/promises.md``, with the seeds' words beside each definition.

Examples
--------
>>> p = Promise(id="moeder", kind="implementering", text="kvartalsvise møder",
...             where="5.1", source="implementation", aggregate="sum",
...             planned=Planned(every_months=3))
>>> p.planned.expected(datetime.date(2017, 1, 1), datetime.date(2017, 12, 31))
4
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from evalkit.config import ConfigError, ProjectConfig
from evalkit.criteria import CriterionResult, EvaluationContext
from evalkit.results import Estimate

__all__ = [
    "AGGREGATES",
    "KINDS",
    "MEASURES",
    "SOURCES",
    "STATUSES",
    "NotMeasured",
    "Planned",
    "Promise",
    "PromiseAccount",
    "PromiseContext",
    "PromiseResult",
    "account_promises",
    "load_promises",
    "register_measure",
]

KINDS: dict[str, str] = {
    "succeskriterium": "Succeskriterium",
    "maaling": "Måling",
    "implementering": "Implementering",
}
SOURCES = ("criterion", "section", "measure", "implementation", "participants", "not_measured")
AGGREGATES = ("sum", "last", "share", "date")
# How an entry is accounted for, in the reader's words
STATUSES: dict[str, str] = {
    "beregnet": "Beregnet ud fra data",
    "egne tal": "Projektets egne tal",
    "ikke målt": "Ikke målt",
}
_KEYS = (
    "id", "kind", "text", "where", *SOURCES, "planned", "direction", "unit", "persons",
    "args", "note",
)  # fmt: skip
_PLANNED_KEYS = ("every_weeks", "every_months", "share", "by", "text")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class NotMeasured(Exception):
    """Raised by a measure function when the data cannot answer the promise (with the reason)."""


@dataclass(frozen=True)
class Planned:
    """What the application states for a promise.

    At most one of: a number (``value``), a range (``low``-``high``), a frequency
    (``every_weeks`` / ``every_months``), a share (``share``) or a date (``by``); ``text``
    is a free-text plan (e.g. "Hele projektperioden").
    """

    value: float | None = None
    low: float | None = None
    high: float | None = None
    every_weeks: int | None = None
    every_months: int | None = None
    share: float | None = None
    by: datetime.date | None = None
    text: str = ""

    @property
    def empty(self) -> bool:
        """True when the application gives no figure."""
        return self == Planned()

    def expected(self, start: datetime.date, cutoff: datetime.date) -> int | None:
        """For a frequency: the number of whole periods from ``start`` to ``cutoff``.

        Quarterly meetings from 1 January to 31 December give 4; ``None`` without a
        frequency.
        """
        if self.every_weeks:
            return max(0, ((cutoff - start).days + 1) // (7 * self.every_weeks))
        if self.every_months:
            end = cutoff + datetime.timedelta(days=1)  # whole months completed by cutoff
            months = (end.year - start.year) * 12 + end.month - start.month
            if end.day < start.day:
                months -= 1
            return max(0, months // self.every_months)
        return None


@dataclass(frozen=True)
class Promise:
    """One entry of the register; see the module docstring and ``docs/promises.md``."""

    id: str
    kind: str
    text: str
    where: str
    source: str
    criterion: str | None = None
    section: str | None = None
    measure: str | None = None
    aggregate: str | None = None
    group: str | None = None
    subgroup: str | None = None
    reason: str = ""
    planned: Planned = field(default_factory=Planned)
    direction: str = "min"
    unit: str = ""
    persons: bool = False
    args: dict[str, Any] = field(default_factory=dict, compare=False)
    note: str = ""

    @property
    def reference(self) -> str:
        """The criterion id, section or measure name the entry points at (else empty)."""
        return self.criterion or self.section or self.measure or ""


@dataclass(frozen=True)
class PromiseContext:
    """What measure functions get: the criteria's context, their results and own figures."""

    evaluation: EvaluationContext
    criteria: Mapping[str, CriterionResult] = field(default_factory=dict)
    implementation: pd.DataFrame | None = None

    @property
    def cutoff(self) -> datetime.date:
        """The last date the figures cover (as-of date or project end)."""
        return self.evaluation.period_end

    @property
    def config(self) -> ProjectConfig:
        return self.evaluation.config


MeasureFunction = Callable[[PromiseContext, Promise], Estimate]
# Name -> function computing a promise from data; see register_measure.
MEASURES: dict[str, MeasureFunction] = {}


def register_measure(name: str) -> Callable[[MeasureFunction], MeasureFunction]:
    """Register ``fn(ctx: PromiseContext, promise: Promise) -> Estimate`` as ``measure: name``.

    The function returns an :class:`~evalkit.results.Estimate` in the promise's unit (a
    share as a fraction when ``unit: andel``; ``details["x"]`` holds its numerator so the
    report can suppress it), or raises :class:`NotMeasured` with a Danish reason.
    """

    def add(fn: MeasureFunction) -> MeasureFunction:
        if name in MEASURES and MEASURES[name] is not fn:
            raise ValueError(f"measure {name!r} is already registered")
        MEASURES[name] = fn
        return fn

    return add


@dataclass(frozen=True)
class PromiseResult:
    """How one promise is accounted for.

    ``status`` is ``beregnet`` (computed from data), ``egne tal`` (the project's own
    figures) or ``ikke målt`` (with ``reason``). ``estimate`` is the actual figure (a
    count, a number or a share), ``lower``/``upper`` its interval where it has sampling
    uncertainty, ``expected`` the planned figure to date for a frequency, ``date`` the
    first record of a ``date`` entry (the latest of a ``last`` entry), ``of`` the
    denominator of a ``share`` entry.
    """

    promise: Promise
    status: str
    estimate: float = math.nan
    lower: float = math.nan
    upper: float = math.nan
    n: int = 0
    expected: float = math.nan
    date: datetime.date | None = None
    of: float = math.nan
    criterion: CriterionResult | None = None
    reason: str = ""
    suppressed: bool = False
    method: str = ""

    @property
    def id(self) -> str:
        return self.promise.id

    def deviation(self) -> str | None:
        """How the actual figure departs from the plan, in Danish, or None.

        ``ikke målt``; ``færre end planlagt`` / ``flere end planlagt`` (a number, range or
        frequency; ``direction: max`` for a ceiling such as a caseload); ``lavere end
        planlagt`` (a share); ``ikke gennemført`` / ``senere end planlagt`` (a date). None
        when the entry meets its plan, has none, is a criterion or a section (their
        verdicts are the criteria's), or its figure is hidden.
        """
        p, plan = self.promise, self.promise.planned
        if self.status == "ikke målt":
            return "ikke målt"
        if p.source in ("criterion", "section") or self.suppressed:
            return None
        if p.aggregate == "date":
            if self.date is None:
                return "ikke gennemført"
            return "senere end planlagt" if plan.by and self.date > plan.by else None
        est = self.estimate
        if not math.isfinite(est):
            return None
        if plan.share is not None:
            return "lavere end planlagt" if est < plan.share - 1e-12 else None
        if plan.every_weeks or plan.every_months:
            return "færre end planlagt" if est < self.expected else None
        if plan.low is not None and plan.high is not None:
            if est < plan.low:
                return "færre end planlagt"
            return "flere end planlagt" if est > plan.high else None
        if plan.value is not None:
            if p.direction == "max":
                return "flere end planlagt" if est > plan.value else None
            return "færre end planlagt" if est < plan.value else None
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; suppressed or missing figures are None."""
        p = self.promise

        def num(x: float) -> float | None:
            if self.suppressed or x is None or not math.isfinite(x):
                return None
            return round(float(x), 6)

        return {
            "id": p.id,
            "kind": p.kind,
            "source": p.source,
            "reference": p.reference or None,
            "status": self.status,
            "estimate": num(self.estimate),
            "lower": num(self.lower),
            "upper": num(self.upper),
            "n": None if self.suppressed else int(self.n),
            "expected": num(self.expected),
            "date": self.date.isoformat() if self.date else None,
            "of": num(self.of),
            "verdict": self.criterion.verdict if self.criterion else None,
            "deviation": self.deviation(),
            "reason": self.reason or None,
        }


@dataclass(frozen=True)
class PromiseAccount:
    """The accounted register of one report: one :class:`PromiseResult` per entry, in order."""

    results: tuple[PromiseResult, ...]
    cutoff: datetime.date

    def __len__(self) -> int:
        return len(self.results)

    def counts(self) -> dict[str, int]:
        """Entries per status (``beregnet``, ``egne tal``, ``ikke målt``)."""
        return {s: sum(r.status == s for r in self.results) for s in STATUSES}

    def to_frame(self) -> pd.DataFrame:
        """One row per promise: id, kind, source, status, figures and reason."""
        return pd.DataFrame([r.to_dict() for r in self.results])

    def summary(self) -> str:
        c = self.counts()
        return (
            f"{len(self)} løfter pr. {self.cutoff.isoformat()}: {c['beregnet']} beregnet ud fra "
            f"data, {c['egne tal']} med projektets egne tal, {c['ikke målt']} ikke målt"
        )

    def __repr__(self) -> str:
        return f"PromiseAccount({self.summary()})"

    def _repr_html_(self) -> str:
        return f"<p>{self.summary()}</p>" + self.to_frame().to_html(index=False)


# --------------------------------------------------------------------------- reading
def _err(config: ProjectConfig, key: str, message: str) -> ConfigError:
    return ConfigError(config.path, key, message)


def _text(config: ProjectConfig, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _err(config, key, f"expected a non-empty text, got {value!r}")
    return " ".join(value.split())


def _number(config: ProjectConfig, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise _err(config, key, f"expected a non-negative number, got {value!r}")
    return float(value)


def _date(config: ProjectConfig, key: str, value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise _err(config, key, f"expected a date written yyyy-mm-dd, got {value!r}")


def _planned(config: ProjectConfig, key: str, value: Any) -> Planned:
    if value is None:
        return Planned()
    if isinstance(value, bool):
        raise _err(config, key, f"expected a number, [low, high] or a mapping, got {value!r}")
    if isinstance(value, (int, float)):
        return Planned(value=_number(config, key, value))
    if isinstance(value, str):
        return Planned(text=_text(config, key, value))
    if isinstance(value, list):
        if len(value) != 2:
            raise _err(config, key, f"expected a range [low, high], got {value!r}")
        low, high = (_number(config, f"{key}[{i}]", v) for i, v in enumerate(value))
        if high < low:
            raise _err(config, key, f"the range must not decrease, got {value!r}")
        return Planned(low=low, high=high)
    if not isinstance(value, dict):
        raise _err(config, key, f"expected a number, [low, high] or a mapping, got {value!r}")
    for k in value:
        if k not in _PLANNED_KEYS:
            raise _err(
                config,
                f"{key}.{k}",
                f"unknown key; allowed: {', '.join(_PLANNED_KEYS)}{_suggest(str(k), _PLANNED_KEYS)}",
            )
    given = [k for k in _PLANNED_KEYS if k in value and k != "text"]
    if len(given) > 1:
        raise _err(config, key, f"give one of {', '.join(given)}, not several")
    out: dict[str, Any] = {}
    if "text" in value:
        out["text"] = _text(config, f"{key}.text", value["text"])
    for k in ("every_weeks", "every_months"):
        if k in value:
            v = value[k]
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise _err(config, f"{key}.{k}", f"expected a whole number >= 1, got {v!r}")
            out[k] = v
    if "share" in value:
        s = _number(config, f"{key}.share", value["share"])
        if s > 1:
            raise _err(config, f"{key}.share", f"expected a fraction from 0 to 1, got {s!r}")
        out["share"] = s
    if "by" in value:
        out["by"] = _date(config, f"{key}.by", value["by"])
    return Planned(**out)


def _suggest(key: str, allowed: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


# Which planned forms fit which aggregate of the project's own figures.
_FITS = {
    "sum": ("value", "range", "every", "text", "none"),
    "last": ("value", "range", "text", "none"),
    "share": ("share", "text", "none"),
    "date": ("by", "text", "none"),
}


def _form(p: Planned) -> str:
    if p.every_weeks or p.every_months:
        return "every"
    if p.share is not None:
        return "share"
    if p.by is not None:
        return "by"
    if p.low is not None:
        return "range"
    if p.value is not None:
        return "value"
    return "text" if p.text else "none"


def _entry(config: ProjectConfig, i: int, raw: Any) -> Promise:
    where = f"promises[{i}]"
    if not isinstance(raw, dict):
        raise _err(config, where, f"expected a mapping, got {raw!r}")
    for key in raw:
        if key not in _KEYS:
            raise _err(
                config,
                f"{where}.{key}",
                f"unknown key; allowed: {', '.join(_KEYS)}{_suggest(str(key), _KEYS)}",
            )
    for req in ("id", "kind", "text", "where"):
        if req not in raw:
            raise _err(config, f"{where}.{req}", "missing")
    pid = raw["id"]
    if not isinstance(pid, str) or not _ID.match(pid):
        raise _err(config, f"{where}.id", f"expected lower-case letters, digits and _, got {pid!r}")
    kind = raw["kind"]
    if kind not in KINDS:
        raise _err(config, f"{where}.kind", f"expected one of {', '.join(KINDS)}, got {kind!r}")
    sources = [s for s in SOURCES if s in raw]
    if len(sources) != 1:
        got = f"got {', '.join(sources)}" if sources else "got none"
        raise _err(config, where, f"expected exactly one of {', '.join(SOURCES)}; {got}")
    source = sources[0]
    value = raw[source]
    out: dict[str, Any] = {
        "id": pid,
        "kind": kind,
        "text": _text(config, f"{where}.text", raw["text"]),
        "where": _text(config, f"{where}.where", raw["where"]),
        "source": source,
    }
    key = f"{where}.{source}"
    if source == "criterion":
        ids = [str(c.get("id")) for c in config.criteria]
        if value not in ids:
            raise _err(config, key, f"no criterion with id {value!r}; ids: {', '.join(ids)}")
        out["criterion"] = value
    elif source == "section":
        if value not in config.sections:
            raise _err(
                config,
                key,
                f"section {value!r} is not in the config's sections: "
                f"{', '.join(config.sections) or '(none)'}",
            )
        out["section"] = value
    elif source == "measure":
        _load_measures()
        if value not in MEASURES:
            raise _err(
                config,
                key,
                f"no measure function {value!r}{_suggest(str(value), list(MEASURES))}; "
                f"known: {', '.join(sorted(MEASURES)) or '(none)'}",
            )
        out["measure"] = value
    elif source == "implementation":
        if value not in AGGREGATES:
            raise _err(config, key, f"expected one of {', '.join(AGGREGATES)}, got {value!r}")
        if "implementation" not in config.data:
            raise _err(
                config,
                key,
                "needs the project's own figures: add data.implementation (docs/promises.md)",
            )
        out["aggregate"] = value
    elif source == "participants":
        if value != "all":
            if not isinstance(value, dict) or not value:
                raise _err(
                    config, key, f"expected 'all' or a mapping with group/subgroup, got {value!r}"
                )
            for k in value:
                if k not in ("group", "subgroup"):
                    raise _err(config, f"{key}.{k}", "unknown key; allowed: group, subgroup")
            if "group" in value and value["group"] not in config.target_groups:
                raise _err(
                    config,
                    f"{key}.group",
                    f"expected one of the target groups {list(config.target_groups)}, "
                    f"got {value['group']!r}",
                )
            out["group"] = value.get("group")
            out["subgroup"] = (
                _text(config, f"{key}.subgroup", value["subgroup"]) if "subgroup" in value else None
            )
    else:
        out["reason"] = _text(config, key, value)
    if "planned" in raw:
        if source == "criterion":
            raise _err(
                config, f"{where}.planned", "a criterion entry takes its target from the criterion"
            )
        planned = _planned(config, f"{where}.planned", raw["planned"])
        if source == "implementation" and _form(planned) not in _FITS[out["aggregate"]]:
            raise _err(
                config,
                f"{where}.planned",
                f"does not fit implementation: {out['aggregate']} "
                f"(it takes {', '.join(f for f in _FITS[out['aggregate']] if f != 'none')})",
            )
        out["planned"] = planned
    if "unit" in raw:
        out["unit"] = _text(config, f"{where}.unit", raw["unit"])
    if "persons" in raw:
        if not isinstance(raw["persons"], bool):
            raise _err(
                config, f"{where}.persons", f"expected true or false, got {raw['persons']!r}"
            )
        out["persons"] = raw["persons"]
    if source == "participants":
        out["persons"] = True
    if "args" in raw:
        if source != "measure" or not isinstance(raw["args"], dict):
            raise _err(config, f"{where}.args", "only a measure entry takes args (a mapping)")
        out["args"] = dict(raw["args"])
    if "direction" in raw:
        if raw["direction"] not in ("min", "max"):
            raise _err(
                config,
                f"{where}.direction",
                f"expected 'min' (at least the plan) or 'max' (at most), got {raw['direction']!r}",
            )
        out["direction"] = raw["direction"]
    if "note" in raw:
        out["note"] = _text(config, f"{where}.note", raw["note"])
    return Promise(**out)


def load_promises(config: ProjectConfig) -> tuple[Promise, ...]:
    """Read and check the register ``promises:`` of a config.

    Parameters
    ----------
    config : ProjectConfig

    Returns
    -------
    tuple of Promise
        In the config's order; empty when the config has no register.

    Raises
    ------
    evalkit.config.ConfigError
        Naming the file and the key (``promises[i].key``) and what was expected: an
        unknown key, a missing one, not exactly one source, a criterion id or section
        the config does not have, an unknown measure, a planned figure that does not fit
        its aggregate, a duplicate id.
    """
    raw = config.raw.get("promises") or []
    if not isinstance(raw, list):
        raise _err(config, "promises", f"expected a list of promises, got {type(raw).__name__}")
    out: list[Promise] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        p = _entry(config, i, item)
        if p.id in seen:
            raise _err(config, f"promises[{i}].id", f"duplicate id {p.id!r}")
        seen.add(p.id)
        out.append(p)
    return tuple(out)


def _load_measures() -> None:
    """Import the modules that register measure functions (they add to MEASURES)."""
    import evalkit.promise_measures  # noqa: F401


# --------------------------------------------------------------------------- accounting
def _from_criterion(p: Promise, res: CriterionResult) -> PromiseResult:
    computed = not (res.verdict == "kan ikke afgøres" and res.n == 0)
    return PromiseResult(
        promise=p,
        status="beregnet" if computed else "ikke målt",
        estimate=res.estimate,
        lower=res.lower,
        upper=res.upper,
        n=res.n,
        criterion=res,
        reason=res.reason,
        suppressed=res.suppressed,
        method=res.method,
    )


def _records(table: pd.DataFrame | None, item: str, cutoff: datetime.date) -> pd.DataFrame | None:
    if table is None:
        return None
    rows = table[(table["item"] == item) & (table["date"] <= pd.Timestamp(cutoff))]
    return rows.sort_values("date", kind="stable")


def _from_implementation(
    p: Promise, table: pd.DataFrame | None, start: datetime.date, cutoff: datetime.date, thr: int
) -> PromiseResult:
    expected = p.planned.expected(start, cutoff)
    exp = math.nan if expected is None else float(expected)
    rows = _records(table, p.id, cutoff)
    if rows is None:
        return PromiseResult(
            p, "ikke målt", expected=exp, reason="projektets egne tal (implementation) mangler"
        )
    if len(rows) == 0:
        return PromiseResult(
            p,
            "ikke målt",
            expected=exp,
            reason=f"ingen registrering i projektets egne tal til og med {cutoff.isoformat()}",
        )
    values = rows["value"].to_numpy(dtype=float)
    last = None
    if p.aggregate == "sum":
        est, of = float(values.sum()), math.nan
    elif p.aggregate == "last":
        est, of = float(values[-1]), math.nan
        last = rows["date"].iloc[-1].date()
    elif p.aggregate == "share":
        of = float(rows["of"].fillna(0).to_numpy(dtype=float).sum())
        if of <= 0:
            return PromiseResult(
                p, "ikke målt", reason="projektets egne tal har ingen nævner (kolonnen 'of')"
            )
        est = float(values.sum()) / of
    else:  # date: the first record with a positive number
        done = rows[rows["value"] > 0]
        if len(done) == 0:
            return PromiseResult(p, "egne tal", estimate=0.0, reason="endnu ikke gennemført")
        first = done["date"].iloc[0].date()
        return PromiseResult(p, "egne tal", estimate=1.0, date=first, method="projektets egne tal")
    suppressed = False
    if p.persons:
        if p.aggregate == "share":
            from evalkit.disclosure import suppress_share

            suppressed = suppress_share(round(est * of), round(of), thr).suppressed
        else:
            suppressed = 0 < est < thr
    return PromiseResult(
        p,
        "egne tal",
        estimate=est,
        expected=exp,
        date=last,
        of=of,
        suppressed=suppressed,
        method="projektets egne tal",
    )


def _from_participants(p: Promise, ctx: EvaluationContext) -> PromiseResult:
    people = ctx.participants[ctx.participants["arm"] == "indsats"]
    people = people[people["start_date"] <= pd.Timestamp(ctx.period_end)]
    if p.group:
        people = people[people["target_group"] == p.group]
    if p.subgroup:
        if "subgroup" not in people:
            return PromiseResult(p, "ikke målt", reason="deltagerdata har ingen gruppe (subgroup)")
        people = people[people["subgroup"] == p.subgroup]
    n = len(people)
    return PromiseResult(
        p,
        "beregnet",
        estimate=float(n),
        n=n,
        suppressed=0 < n < ctx.threshold,
        method="registeropgørelse",
    )


def _from_measure(p: Promise, pctx: PromiseContext) -> PromiseResult:
    _load_measures()
    try:
        est = MEASURES[p.measure](pctx, p)  # type: ignore[index]
    except NotMeasured as why:
        return PromiseResult(p, "ikke målt", reason=str(why))
    thr = pctx.evaluation.threshold
    suppressed = False
    if p.unit == "andel" and "x" in est.details:
        from evalkit.disclosure import suppress_share

        suppressed = suppress_share(int(est.details["x"]), int(est.n), thr).suppressed
    elif p.persons and math.isfinite(est.estimate):
        suppressed = 0 < est.estimate < thr
    return PromiseResult(
        p,
        "beregnet",
        estimate=est.estimate,
        lower=est.lower,
        upper=est.upper,
        n=est.n,
        suppressed=suppressed,
        method=est.method,
    )


def account_promises(
    ctx: EvaluationContext,
    criteria: list[CriterionResult] | tuple[CriterionResult, ...],
    implementation: pd.DataFrame | None = None,
) -> PromiseAccount:
    """Account for every promise of ``ctx.config``'s register.

    Parameters
    ----------
    ctx : EvaluationContext
        The data the criteria were computed from (cut at the as-of date).
    criteria : list of CriterionResult
        The evaluated criteria (:func:`evalkit.criteria.evaluate_criteria`).
    implementation : DataFrame, optional
        The project's own figures (columns ``item``, ``date``, ``value``, ``of``); records
        dated after the cutoff are not used.

    Returns
    -------
    PromiseAccount
        One result per entry, in the register's order; never raises for missing data.
    """
    promises = load_promises(ctx.config)
    by_id = {r.id: r for r in criteria}
    pctx = PromiseContext(ctx, by_id, implementation)
    cutoff = ctx.period_end
    out = []
    for p in promises:
        if p.source == "criterion":
            out.append(_from_criterion(p, by_id[p.criterion]))  # type: ignore[index]
        elif p.source == "implementation":
            out.append(
                _from_implementation(
                    p, implementation, ctx.config.period.start, cutoff, ctx.threshold
                )
            )
        elif p.source == "participants":
            out.append(_from_participants(p, ctx))
        elif p.source == "measure":
            out.append(_from_measure(p, pctx))
        elif p.source == "section":
            out.append(PromiseResult(p, "beregnet"))
        else:
            out.append(PromiseResult(p, "ikke målt", reason=p.reason))
    return PromiseAccount(tuple(out), cutoff)
