"""Measure functions of the promise register (``measure: <name>`` in ``promises:``).

Each function takes a :class:`~evalkit.promises.PromiseContext` (the data cut at the
as-of date, the evaluated criteria and the project's own figures) and the
:class:`~evalkit.promises.Promise`, and returns an :class:`~evalkit.results.Estimate`
in the promise's unit, or raises :class:`~evalkit.promises.NotMeasured` with a Danish
reason. Register a function with :func:`~evalkit.promises.register_measure`; seed
measures may live in other modules as long as this module imports them. Every function
here is documented in ``docs/promises.md`` with the seed's words beside it.
"""

from __future__ import annotations

import math

import evalkit.seed_promise_measures  # noqa: F401  (the seeds' own promise measures)
from evalkit.promises import NotMeasured, Promise, PromiseContext, register_measure
from evalkit.results import Estimate

__all__ = ["more_than_baseline"]


@register_measure("flere_end_baseline")
def more_than_baseline(ctx: PromiseContext, promise: Promise) -> Estimate:
    """Persons counted by a ``change_pp`` criterion at the end, minus its baseline count.

    Seed 001 (STV, section 4.2): "en stigning på 25 procentpoint [betyder], at der i alt
    er 88 flere borgere i en virksomhedsrettet indsats end der var i aug. 2016". The
    count at the end is the criterion's numerator (``details["x"]``), the baseline count
    its ``baseline.x`` (51 in August 2016). Both are register counts: the difference is
    exact and has no confidence interval.

    ``args: {criterion: <id>}`` names the criterion.
    """
    cid = promise.args.get("criterion")
    crit = next((c for c in ctx.config.criteria if c.get("id") == cid), None)
    res = ctx.criteria.get(str(cid))
    if crit is None or res is None or "baseline" not in crit:
        raise NotMeasured(f"kriteriet {cid!r} med en baseline findes ikke i konfigurationen")
    if res.suppressed:
        raise NotMeasured("antallet er skjult af hensyn til diskretionering (små tal)")
    if "x" not in res.details:
        raise NotMeasured(res.reason or "kriteriet kunne ikke beregnes")
    diff = float(int(res.details["x"]) - int(crit["baseline"]["x"]))
    return Estimate(
        diff,
        math.nan,
        math.nan,
        n=int(res.n),
        method="registeropgørelse",
        details={"x_end": int(res.details["x"]), "x_baseline": int(crit["baseline"]["x"])},
    )
