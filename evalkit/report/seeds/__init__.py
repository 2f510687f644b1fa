"""Report sections for each seed project's own measurements (``sections:`` in the config).

A project config lists the sections it wants, e.g. ``sections: [praktik, praktik_timer,
kurser, virksomhedsbesoeg, fastholdelse]``; :func:`seed_sections` renders them in that
order, and :func:`check_sections` rejects an unknown name with a
:class:`~evalkit.config.ConfigError` naming the key. The numbers come from the pure
functions of :mod:`evalkit.seeds_measures` and :mod:`evalkit.joblog` and from the
evaluated criteria; the functions here only format. Every share is shown with n and a
95 % confidence interval, every count through the disclosure rules, and what cannot be
computed says "kan ikke afgøres" with the reason.

The internal variant (``prepare(..., internal=True)``) adds per-citizen detail labelled
"Borger 1..n", never an id.
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Callable

from evalkit.config import ConfigError, ProjectConfig
from evalkit.disclosure import suppress_share
from evalkit.formatting import fmt_count, fmt_number
from evalkit.report.analysis import Analysis
from evalkit.report.sections import Html
from evalkit.report.seeds._common import _ci, _p
from evalkit.report.seeds.flere_skal_med import (
    gruppe1_maaned,
    gruppefordeling,
    grupper,
    loen_andel,
    loennede_timer,
)
from evalkit.report.seeds.jobparate import andel_af_landet, beskaeftiget_26, tilgang
from evalkit.report.seeds.samtale import (
    antal_jobparate,
    ledighed_rang,
    samtale_survey,
    selvbooking_joblog,
    soegte_job,
)
from evalkit.report.seeds.stv import virksomhedsrettet_maaned
from evalkit.report.seeds.transport import (
    fastholdelse,
    kurser,
    praktik,
    praktik_timer,
    virksomhedsbesoeg,
)

__all__ = ["SECTIONS", "check_sections", "seed_sections", "survival_test_sentence"]


# --------------------------------------------------------------------------- survival test
def survival_test_sentence(a: Analysis) -> str:
    """One sentence: the participants' exits against the national curve (one-sample log-rank).

    Empty when there is no national curve or too few participants.
    """
    from evalkit.spells import survival_input
    from evalkit.survival import logrank_one_sample

    if a.reference_curve is None:
        return ""
    thr = a.config.disclosure_threshold
    # persons who started before the status data are at risk from their first week in it
    # (delayed entry); without such persons these are all the spells
    kw = survival_input(a.spells[a.spells["arm"] == "indsats"])
    if len(kw["durations"]) < thr:
        return ""
    res = logrank_one_sample(kw["durations"], kw["events"], a.reference_curve, entry=kw["entry"])
    if suppress_share(int(res.observed), int(res.n), thr).suppressed:
        # O with n gives the persons without an exit, and O/E, its interval and p give O
        return (
            '<p class="reference-test">Sammenligningen med landstallet (én-stikprøve '
            f"log-rank test) vises ikke: der er færre end {thr} afgange eller færre end "
            f"{thr} uden afgang (diskretionering).</p>"
        )
    if res.ratio_lower > 1:
        verdict = "Deltagerne forlader ydelse hurtigere end landskurven tilsiger."
    elif res.ratio_upper < 1:
        verdict = "Deltagerne forlader ydelse langsommere end landskurven tilsiger."
    else:
        verdict = "Forskellen fra landskurven er ikke statistisk sikker."
    return (
        '<p class="reference-test">Sammenligning med landstallet (én-stikprøve log-rank '
        f"test, n = {fmt_count(res.n, thr)}): {fmt_count(int(res.observed), thr)} "
        f"observerede afgange til selvforsørgelse mod {fmt_number(res.expected, 1)} "
        "forventede, hvis deltagerne fulgte landskurven; O/E = "
        f"{fmt_number(res.ratio, 2)} (95 %-konfidensinterval "
        f"{_ci(res.ratio_lower, res.ratio_upper, kind='number', decimals=2)}), "
        f"{_p(res.p_value)}. O/E over 1 betyder hurtigere afgang end landsgennemsnittet. "
        f"{verdict}"
        + (f" {html.escape(a.reference_source)}" if a.reference_source else "")
        + "</p>"
    )


# --------------------------------------------------------------------------- dispatch
SECTIONS: dict[str, Callable[[Analysis], Html]] = {
    # 000 Herning, transport
    "praktik": praktik,
    "praktik_timer": praktik_timer,
    "kurser": kurser,
    "virksomhedsbesoeg": virksomhedsbesoeg,
    "fastholdelse": fastholdelse,
    # 001 Ringkøbing-Skjern, STV
    "virksomhedsrettet_maaned": virksomhedsrettet_maaned,
    # 002 Hedensted, jobrettet samtale
    "samtale_survey": samtale_survey,
    "soegte_job": soegte_job,
    "selvbooking_joblog": selvbooking_joblog,
    "antal_jobparate": antal_jobparate,
    "ledighed_rang": ledighed_rang,
    # 003 Aalborg, jobparate
    "tilgang": tilgang,
    "beskaeftiget_26": beskaeftiget_26,
    "andel_af_landet": andel_af_landet,
    # 004 Herning, Flere skal med
    "gruppefordeling": gruppefordeling,
    "grupper": grupper,
    "gruppe1_maaned": gruppe1_maaned,
    "loennede_timer": loennede_timer,
    "loen_andel": loen_andel,
}


def check_sections(config: ProjectConfig) -> None:
    """Raise :class:`ConfigError` naming ``sections[i]`` for an unknown section name."""
    names = list(SECTIONS)
    for i, name in enumerate(config.sections):
        if name not in SECTIONS:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(
                config.path,
                f"sections[{i}]",
                f"unknown section {name!r}{hint}; allowed: {', '.join(names)}",
            )


def seed_sections(a: Analysis) -> Html:
    """The project's own measurement sections, in the order of ``sections:`` in its config.

    Each sits in ``<div id="afsnit-<name>">`` so the promise register can link to it.
    """
    check_sections(a.config)
    return Html(
        "".join(f'<div id="afsnit-{name}">{SECTIONS[name](a)}</div>' for name in a.config.sections)
    )
