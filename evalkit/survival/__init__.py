"""Survival estimators matching R ``survival`` and ``cmprsk``."""

from evalkit.survival.km import KaplanMeierResult, NelsonAalenResult, kaplan_meier, nelson_aalen

__all__ = ["KaplanMeierResult", "NelsonAalenResult", "kaplan_meier", "nelson_aalen"]
