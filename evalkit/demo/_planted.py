"""The truths planted in the demo data (see ``docs/demo-data.md``); re-exported as
:data:`evalkit.demo.PLANTED`."""

from __future__ import annotations

__all__ = ["PLANTED"]

# Planted truths (what the estimators should recover); documented in docs/demo-data.md.
PLANTED: dict[str, dict[str, float]] = {
    "aalborg-jobparate": {
        "hazard_ratio_indsats": 1.35,
        "age_log_hr_per_10y": -0.15,
        "kommune_share_jobparate_start": 0.054,
        "kommune_share_jobparate_end": 0.046,
    },
    "ringkobing-skjern-stv": {
        "share_virksomhedsrettet_baseline_aktivitetsparat": 0.146,
        "share_virksomhedsrettet_end_aktivitetsparat": 0.40,
        "share_virksomhedsrettet_baseline_ressourceforloeb": 0.23,
        "share_virksomhedsrettet_end_ressourceforloeb": 0.43,
    },
    "hedensted-samtale": {
        "p_involving_jobparat": 0.88,
        "p_involving_forsikret": 0.93,
        # Joblog: jobs applied for per week among users, and the share using the Joblog,
        # in the 13 weeks before and the first 13 weeks of the project (docs/demo-data.md)
        "joblog_rate_before_jobparat": 4.0,
        "joblog_rate_during_jobparat": 6.0,
        "joblog_rate_before_forsikret": 8.0,
        "joblog_rate_during_forsikret": 10.4,
        "joblog_use_before_jobparat": 0.40,
        "joblog_use_during_jobparat": 0.80,
        "joblog_use_before_forsikret": 0.98,
        "joblog_use_during_forsikret": 0.99,
    },
    "herning-transport": {
        "p_praktik": 0.93,
        "p_smaajob": 0.8,
        # ordinary hours during and after praktik: share who ever get hours, mean weeks
        # from praktik start to the first hours (geometric)
        "p_hours_after_praktik": 0.75,
        "weeks_to_first_hours": 5.0,
    },
    "herning-flere-skal-med": {"share_gruppe1_end": 0.50},
}
