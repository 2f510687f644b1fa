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


# The generator plants the share of the month's stock in company-based activity: the
# baseline share in the first months of its activity data (Aug-Oct 2016) and the end share
# well before the project end, so "ved udgangen af 2018" (October-December 2018, the
# config's end window) is at the planted end level. New members of the target group enter
# during the project (their activity follows the same planted path), so the stock stays
# near its size. The config's baseline month for ressourceforløb (June 2016) lies before
# the demo data, so that criterion uses the application's figure; the data baseline is
# checked in August 2016 for both groups.
@pytest.mark.parametrize("group", ["aktivitetsparat", "ressourceforloeb"])
def test_ringkobing_stock_baseline_and_end_level_cover_planted(ringkobing, group):
    from evalkit import stock

    truth = PLANTED["ringkobing-skjern-stv"]
    p = ringkobing.participants
    people = p[p["target_group"] == group]
    base = {"x": 1, "n": 1, "month": "2016-08"}  # data cover August 2016 for both groups
    r = stock.stock_change(people, ringkobing.data.status, ringkobing.data.activities, group,
                           base, stock.end_window("2018-10", "2018-12"))  # fmt: skip
    assert r.baseline_source == "data"
    assert r.baseline_data.covers(truth[f"share_virksomhedsrettet_baseline_{group}"]), r
    assert r.end_level.covers(truth[f"share_virksomhedsrettet_end_{group}"]), r.end_level
    # the stock is the month's, not a fixed cohort: it stays near the gross target group
    size = PROJECTS["ringkobing-skjern-stv"].groups[0 if group == "aktivitetsparat" else 1].n
    end_n = r.monthly.set_index("month").loc[r.end_months, "n"]
    assert (abs(end_n / size - 1) < 0.15).all(), end_n
    assert r.end_level.n < len(people)  # persons in the end stock, not everyone ever seen


def test_ringkobing_criteria_use_the_stock_and_the_end_window(ringkobing):
    by_id = {c.id: c for c in ringkobing.criteria}
    akt = by_id["aktivitetsparate_25pp"]
    assert akt.kind == "stock_change_pp"
    assert akt.details["end_months"] == ["2018-10", "2018-11", "2018-12"]
    assert akt.details["baseline_source"] == "data"
    assert (akt.details["application_x"], akt.details["application_n"]) == (51, 350)
    assert akt.estimate == pytest.approx(akt.details["end_share"] - akt.details["baseline_share"])
    assert by_id["ressourceforloeb_20pp"].details["baseline_source"] == "application"
    flere = by_id["aktivitetsparate_88_flere"]
    assert flere.unit == "count" and flere.target == 88
    x1 = sum(akt.details["end_x"]) / 3
    assert flere.estimate == pytest.approx(x1 - akt.details["baseline_x"])


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
