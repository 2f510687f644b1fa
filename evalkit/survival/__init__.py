"""Survival estimators matching R ``survival`` and ``cmprsk``.

Kaplan-Meier and Nelson-Aalen (:mod:`.km`), log-rank tests (:mod:`.logrank`),
cumulative incidence with competing exits (:mod:`.competing`) and Cox regression
(:mod:`.cox`). See ``docs/estimators-survival.md`` for the formulas.
"""

from evalkit.survival.competing import CumulativeIncidenceResult, cumulative_incidence
from evalkit.survival.cox import CoxResult, cox
from evalkit.survival.km import (
    KaplanMeierResult,
    NelsonAalenResult,
    kaplan_meier,
    nelson_aalen,
)
from evalkit.survival.logrank import (
    LogrankResult,
    OneSampleResult,
    logrank,
    logrank_one_sample,
)

__all__ = [
    "CoxResult",
    "CumulativeIncidenceResult",
    "KaplanMeierResult",
    "LogrankResult",
    "NelsonAalenResult",
    "OneSampleResult",
    "cox",
    "cumulative_incidence",
    "kaplan_meier",
    "logrank",
    "logrank_one_sample",
    "nelson_aalen",
]
