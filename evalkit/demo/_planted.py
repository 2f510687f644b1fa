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
        # promises: a job conversation in each month after the start (months 0-7, on day
        # 31 j + 0..24, so 6 of them fall in the first 6 months), and
        # the cv- og jobværksted begun on day 0-27 (so within 14 days: 0.9 * 14 / 28)
        "p_jobsamtale_month": 0.9,
        "p_six_jobsamtaler_6_months": 0.9**6,
        "p_workshop": 0.9,
        "p_workshop_14_days": 0.45,
        # a company-based offer (virksomhedspraktik, løntilskud) begun in week 2-25 after
        # the start; småjob (participants: p_smaajob 0.8 of the main stream, week 3-19)
        "p_offer_26_indsats": 0.45,
        "p_offer_26_pool": 0.30,
        "p_smaajob_pool": 0.55,
        # within 26 weeks: an offer or a småjob; participants minus the weighted pool
        "p_company_26_indsats": 1 - (1 - 0.45) * (1 - 0.8),
        "p_company_26_pool": 1 - (1 - 0.30) * (1 - 0.55),
        "att_company_26": (1 - 0.55 * 0.2) - (1 - 0.7 * 0.45),
        # Joblog, both arms: the share using it, and jobs applied for per week among users;
        # per person (users and non-users) use x rate: 4.8 and 2.2 a week
        "joblog_use_indsats": 0.80,
        "joblog_use_pool": 0.55,
        "joblog_rate_indsats": 6.0,
        "joblog_rate_pool": 4.0,
        "joblog_jobs_week_indsats": 0.80 * 6.0,
        "joblog_jobs_week_pool": 0.55 * 4.0,
    },
    "ringkobing-skjern-stv": {
        "share_virksomhedsrettet_baseline_aktivitetsparat": 0.146,
        "share_virksomhedsrettet_end_aktivitetsparat": 0.40,
        "share_virksomhedsrettet_baseline_ressourceforloeb": 0.23,
        "share_virksomhedsrettet_end_ressourceforloeb": 0.43,
        # a follow-up is held in each 4-week period of a company-based course
        "p_followup_4_weeks": 0.8,
        # a CV on a day 0-119 after the start; its competences stated in job functions
        "p_cv": 0.92,
        "p_cv_jobfunktioner": 0.85,
        # the kind of place of a virksomhedspraktik (the rest on an individual agreement,
        # model 3), so the fixed places are used near, mostly below, what is established
        "p_place_virksomhedscenter": 0.22,
        "p_place_traeningsbane": 0.10,
        "p_place_forhaandsaftale": 0.07,
        "p_place_individuel": 0.61,
    },
    "hedensted-samtale": {
        "p_involving_jobparat": 0.88,
        "p_involving_forsikret": 0.93,
        # the second question, "givet større viden om arbejdsmarkedet" (agree 4-5)
        "p_knowledge_if_involving": 0.92,
        "p_knowledge_otherwise": 0.35,
        "p_both_jobparat": 0.88 * 0.92,
        "p_both_forsikret": 0.93 * 0.92,
        # share of the conversations that are self-booked at the project's end (linear
        # from 0 at the start)
        "selfbooking_share_end": 0.45,
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
        # a mentor in the praktik, a follow-up at the company in each praktik week
        "p_mentor": 0.9,
        "p_followup_week": 0.85,
    },
    "herning-flere-skal-med": {
        # the kommune's raw measure: group 1 in company-based activity or with paid hours
        "share_gruppe1_start": 0.30,
        "share_gruppe1_end": 0.50,
        # group 2 before the rehabiliteringsteam: ressourceforløb, fleksjob, førtidspension
        "p_group2_rehab": 0.55,
        # a CV and a beskæftigelsesmål: from before the project, or registered in 2018
        "p_cv_before": 0.5,
        "p_cv_2018": 0.9,
        "p_goal_before": 0.3,
        "p_goal_2018": 0.88,
        "p_cv_goal_end_2018": (0.5 + 0.5 * 0.9) * (0.3 + 0.7 * 0.88),
        # group 3 assessed with Handicap og psykiatri, and feedback to the caseworker
        "p_group3_vurdering": 0.95,
        "p_group3_tilbagemelding": 0.9,
    },
}
