"""Survival estimators matching R ``survival`` and ``cmprsk``.

Kaplan-Meier (:mod:`.km`) and Nelson-Aalen (:mod:`.nelson_aalen`), also for
counting-process input with delayed entry, log-rank tests (:mod:`.logrank`), restricted
mean survival time (:mod:`.rmst`), cumulative incidence with competing exits
(:mod:`.competing`), Fine-Gray regression (:mod:`.finegray`) and Cox regression (:mod:`.cox`, with :mod:`.concordance`,
:mod:`.cox_zph` and predicted curves in :mod:`.survfit_cox`). Every result prints like R
(``repr``/``summary()``) and shows as HTML in a notebook. See
``docs/estimators-survival.md`` for the formulas.
"""

from evalkit.survival._display import Summary
from evalkit.survival.competing import CumulativeIncidenceResult, cumulative_incidence
from evalkit.survival.concordance import ConcordanceResult, concordance, concordance_index
from evalkit.survival.cox import CoxResult, cox
from evalkit.survival.cox_zph import CoxZphResult, cox_zph
from evalkit.survival.finegray import FineGrayResult, fine_gray
from evalkit.survival.km import KaplanMeierResult, kaplan_meier
from evalkit.survival.logrank import (
    LogrankResult,
    OneSampleResult,
    logrank,
    logrank_one_sample,
)
from evalkit.survival.nelson_aalen import NelsonAalenResult, nelson_aalen
from evalkit.survival.rmst import RMSTResult, rmst_difference
from evalkit.survival.survfit_cox import CoxSurvivalResult, survfit_cox

__all__ = [
    "ConcordanceResult",
    "CoxResult",
    "CoxSurvivalResult",
    "CoxZphResult",
    "CumulativeIncidenceResult",
    "FineGrayResult",
    "KaplanMeierResult",
    "LogrankResult",
    "NelsonAalenResult",
    "OneSampleResult",
    "RMSTResult",
    "Summary",
    "concordance",
    "concordance_index",
    "cox",
    "cox_zph",
    "cumulative_incidence",
    "fine_gray",
    "kaplan_meier",
    "logrank",
    "logrank_one_sample",
    "nelson_aalen",
    "rmst_difference",
    "survfit_cox",
]
