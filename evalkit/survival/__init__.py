"""Survival estimators matching R ``survival`` and ``cmprsk``.

Kaplan-Meier and Nelson-Aalen (:mod:`.km`), log-rank tests (:mod:`.logrank`),
cumulative incidence with competing exits (:mod:`.competing`) and Cox regression
(:mod:`.cox`, with :mod:`.concordance`, :mod:`.cox_zph` and predicted curves in
:mod:`.survfit_cox`). See ``docs/estimators-survival.md`` for the formulas.
"""

from evalkit.survival.competing import CumulativeIncidenceResult, cumulative_incidence
from evalkit.survival.concordance import ConcordanceResult, concordance, concordance_index
from evalkit.survival.cox import CoxResult, cox
from evalkit.survival.cox_zph import CoxZphResult, cox_zph
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
from evalkit.survival.survfit_cox import CoxSurvivalResult, survfit_cox

__all__ = [
    "ConcordanceResult",
    "CoxResult",
    "CoxSurvivalResult",
    "CoxZphResult",
    "CumulativeIncidenceResult",
    "KaplanMeierResult",
    "LogrankResult",
    "NelsonAalenResult",
    "OneSampleResult",
    "concordance",
    "concordance_index",
    "cox",
    "cox_zph",
    "cumulative_incidence",
    "kaplan_meier",
    "logrank",
    "logrank_one_sample",
    "nelson_aalen",
    "survfit_cox",
]
