"""The estimators recover the effects planted in the demo data (evalkit.demo.generate).

The demo generator is deterministic (seed 2024, the ``demo_root`` fixture), so these are
fixed checks, not simulations: each planted value must lie in the 95 % confidence
interval of its estimate computed through the same pipeline a report uses (load, spells,
measures, criteria). A failure means the generator, the loaders or an estimator changed;
investigate it rather than widening an interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from evalkit import measures
from evalkit.baseline import wilson
from evalkit.compare_survival import adjusted_survival
from evalkit.demo.generate import PLANTED, PROJECTS, _eta
from evalkit.report.analysis import prepare

GENERATED = "2026-11-24"


@pytest.fixture(scope="module")
def aalborg(demo_config):
    return prepare(demo_config("aalborg-jobparate"), "slutevaluering", generated=GENERATED)


@pytest.fixture(scope="module")
def aalborg_comparison(aalborg):
    spells = aalborg.spells.assign(indsats=(aalborg.spells["arm"] == "indsats").astype(int))
    covariates = aalborg.config.comparison["covariates"]
    return adjusted_survival(spells, "indsats", covariates)


# --------------------------------------------------------------------------- Aalborg
def test_aalborg_adjusted_hazard_ratio_covers_planted(aalborg_comparison):
    planted = PLANTED["aalborg-jobparate"]["hazard_ratio_indsats"]
    assert planted == PROJECTS["aalborg-jobparate"].hazard_ratio == 1.35
    hr = aalborg_comparison.hazard_ratio()
    assert hr.covers(planted), hr
    assert hr.n == 12_500  # 2,500 participants and the pool of 10,000


def test_aalborg_unadjusted_hazard_ratio_is_biased(aalborg_comparison):
    """The pool is older and more often has only grundskole (both lower the exit rate),
    so the crude comparison flatters the project: its interval lies above the truth."""
    crude = aalborg_comparison.hazard_ratio("unadjusted")
    adjusted = aalborg_comparison.hazard_ratio()
    assert crude.lower > PLANTED["aalborg-jobparate"]["hazard_ratio_indsats"], crude
    assert crude.estimate > adjusted.estimate


def _planted_log_hr() -> dict[str, float]:
    """Log hazard ratios of the covariates, read off the generator's linear predictor."""
    ref = {"age": 35, "sex": "K", "origin": "dansk", "education": "erhvervsfaglig"}
    base = pd.DataFrame([ref])

    def eta(**change) -> float:
        return float(_eta(base.assign(**change))[0] - _eta(base)[0])

    return {
        "age": eta(age=36),
        "sexM": eta(sex="M"),
        "originikke-vestlig": eta(origin="ikke-vestlig"),
        "originvestlig": eta(origin="vestlig"),
        "educationgrundskole": eta(education="grundskole"),
        "educationgymnasial": eta(education="gymnasial"),
        "educationvideregaaende": eta(education="videregaaende"),
    }


@pytest.mark.parametrize("term", list(_planted_log_hr()))
def test_aalborg_covariate_log_hazard_ratios_cover_planted(aalborg_comparison, term):
    # seven coefficients at once: 99 % intervals keep the family-wise error near 7 %
    planted = _planted_log_hr()[term]
    row = aalborg_comparison.cox.summary.loc[term]
    z = norm.isf(0.005)
    assert row["coef"] - z * row["se"] <= planted <= row["coef"] + z * row["se"], (term, row)


def test_aalborg_age_effect_is_the_documented_one():
    per_10y = PLANTED["aalborg-jobparate"]["age_log_hr_per_10y"]
    assert _planted_log_hr()["age"] * 10 == pytest.approx(per_10y)


def test_aalborg_weighting_balances_the_covariates(aalborg_comparison):
    bal = aalborg_comparison.balance
    assert bal["smd_before"].abs().max() > 0.4  # age: the selection the weights must undo
    assert (bal["smd_after"].abs() < 0.1).all(), bal[["covariate", "level", "smd_after"]]


def test_aalborg_comparison_pool_follows_the_national_curve(aalborg):
    """Pool and national curve are simulated alike (no project, same covariate mix and
    baseline hazard), so the pool's Kaplan-Meier intervals cover the national curve; this
    checks the spells (k = 4 weeks, competing exits censored) end to end."""
    km = aalborg.curves["Sammenligningsgruppe (ujusteret)"]
    ref = aalborg.reference_curve.set_index("week")["survival"]
    at = km.survival_at([13, 26, 52])
    for week, lo, hi in zip(at["time"], at["lower"], at["upper"], strict=True):
        assert lo <= ref.loc[int(week)] <= hi, (week, lo, ref.loc[int(week)], hi)


def test_aalborg_share_of_national_jobparate_at_the_end(aalborg):
    crit = next(c for c in aalborg.criteria if c.id == "andel_af_landet")
    assert crit.details["period"] == "2020M12"
    assert crit.lower <= PLANTED["aalborg-jobparate"]["kommune_share_jobparate_end"] <= crit.upper


# --------------------------------------------------------------------------- Ringkøbing-Skjern
@pytest.fixture(scope="module")
def ringkobing(demo_config):
    return prepare(demo_config("ringkobing-skjern-stv"), "slutevaluering", generated=GENERATED)


# The generator plants the baseline share in the first months of its activity data
# (Aug-Nov 2016) and reaches the end share well before the project end (Dec 2018). The
# config's baseline month for ressourceforløb (June 2016) lies before the demo data, so
# the baseline is checked in August 2016 for both groups.
@pytest.mark.parametrize(
    ("group", "month", "when"),
    [
        ("aktivitetsparat", "2016-08-01", "baseline"),
        ("aktivitetsparat", "2018-12-01", "end"),
        ("ressourceforloeb", "2016-08-01", "baseline"),
        ("ressourceforloeb", "2018-12-01", "end"),
    ],
)
def test_ringkobing_monthly_shares_cover_planted(ringkobing, group, month, when):
    planted = PLANTED["ringkobing-skjern-stv"][f"share_virksomhedsrettet_{when}_{group}"]
    p = ringkobing.data.participants
    people = p[(p["arm"] == "indsats") & (p["target_group"] == group)]
    months = pd.DatetimeIndex([month])
    ind = measures.monthly_activity(people, ringkobing.data.activities, None, months)
    share = measures.monthly_share(ind, months).iloc[0]
    assert (
        share["n"]
        == PROJECTS["ringkobing-skjern-stv"].groups[0 if group == "aktivitetsparat" else 1].n
    )
    est = wilson(int(share["x"]), int(share["n"]))
    assert est.covers(planted), (group, month, est)


def test_ringkobing_criteria_use_the_same_end_share(ringkobing):
    p = ringkobing.data.participants
    for crit in ringkobing.criteria:
        group = "aktivitetsparat" if crit.id.startswith("aktivitetsparate") else "ressourceforloeb"
        people = p[(p["arm"] == "indsats") & (p["target_group"] == group)]
        months = pd.DatetimeIndex(["2018-12-01"])
        ind = measures.monthly_activity(
            people, ringkobing.data.activities, ringkobing.data.status, months
        )
        assert crit.details["month"] == "2018-12"
        assert crit.details["x"] == int(ind.sum())


# --------------------------------------------------------------------------- Hedensted, Herning
@pytest.mark.parametrize(
    ("slug", "criterion", "planted"),
    [
        ("hedensted-samtale", "medinddragende_jobparate", "p_involving_jobparat"),
        ("hedensted-samtale", "medinddragende_forsikrede", "p_involving_forsikret"),
        ("herning-transport", "praktik", "p_praktik"),
        ("herning-transport", "smaajob", "p_smaajob"),
    ],
)
def test_share_criteria_wilson_intervals_cover_planted(demo_config, slug, criterion, planted):
    a = prepare(demo_config(slug), "slutevaluering", generated=GENERATED)
    crit = next(c for c in a.criteria if c.id == criterion)
    assert crit.method == "wilson"
    p = PLANTED[slug][planted]
    assert crit.lower <= p <= crit.upper, (criterion, crit.estimate, crit.lower, crit.upper, p)
    assert np.isclose(crit.estimate, crit.details["x"] / crit.n)
