"""Cumulative incidence (Aalen-Johansen) and Gray's test against R cmprsk::cuminc."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from survival_helpers import assert_close, read_csv, read_json, unemp

from evalkit.survival import cumulative_incidence


def _case(name: str):
    if name == "unemp":
        d = unemp()
        return d.spell, d.cause, None
    if name == "unemp_ui":
        d = unemp()
        return d.spell, d.cause, d.ui
    d = read_csv("continuous.csv")
    return d.time, d.cause, d.group


@pytest.mark.parametrize("case", ["unemp", "unemp_ui", "continuous"])
def test_cuminc_matches_cmprsk(case):
    t, c, g = _case(case)
    res = cumulative_incidence(t, c, g)
    ref = read_csv(f"cuminc_{case}.csv").copy()
    tab = res.table.copy()
    if g is None:
        assert "group" not in tab.columns
        tab["group"] = "1"
    tab["group"] = tab["group"].astype(str)
    ref["group"] = ref["group"].astype(str)
    merged = ref.merge(tab, on=["group", "cause", "time"], how="outer", suffixes=("_r", ""))
    assert len(merged) == len(ref) == len(tab)
    assert_close(merged.incidence, merged.incidence_r, name="incidence")
    assert_close(merged.variance, merged.variance_r, name="variance")


@pytest.mark.parametrize("case", ["unemp_ui", "continuous"])
def test_gray_test_matches_cmprsk(case):
    t, c, g = _case(case)
    ref = read_json("cuminc_tests.json")[case]
    tests = cumulative_incidence(t, c, g).tests
    assert tests.cause.tolist() == ref["cause"]
    assert (tests.df == ref["df"]).all()
    assert_close(tests.statistic, ref["statistic"], name="stat")
    assert_close(tests.p_value, ref["p_value"], name="p")


def test_interval_is_log_minus_log_transform():
    t, c, g = _case("unemp")
    tab = cumulative_incidence(t, c, g, alpha=0.1).table
    z = norm.isf(0.05)
    est, var = tab.incidence.to_numpy(), tab.variance.to_numpy()
    e = np.exp(z * np.sqrt(var) / (est * np.log(est)))
    assert_close(tab.upper, est**e)
    assert_close(tab.lower, est ** (1 / e))
    assert (tab.lower <= tab.incidence).all() and (tab.incidence <= tab.upper).all()


def test_incidences_and_survival_add_to_one():
    from evalkit.survival import kaplan_meier

    t, c, _ = _case("unemp")
    res = cumulative_incidence(t, c)
    km = kaplan_meier(t, (c > 0).astype(int))
    at = res.incidence_at([10.0])
    assert at.incidence.sum() + km.survival_at([10.0]).survival.iloc[0] == pytest.approx(1.0)


def test_ties_and_no_groups_small_example():
    res = cumulative_incidence([1, 2, 2, 3, 4], [1, 2, 1, 0, 1])
    assert res.table.incidence.round(6).tolist() == [0.2, 0.4, 0.8, 0.2]
    assert res.tests.empty
    assert "<table" in res._repr_html_()


def test_all_censored_gives_empty_table():
    res = cumulative_incidence([1, 2, 3], [0, 0, 0])
    assert res.table.empty and isinstance(res.to_frame(), pd.DataFrame)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"causes": [1, -1, 0]}, r"causes must be whole numbers >= 0.*position 1"),
        ({"causes": [1, 1.5, 0]}, r"causes must be whole numbers"),
        ({"causes": [1, 0]}, r"same length"),
        ({"durations": [1, np.nan, 3]}, r"durations must be finite"),
        ({"groups": ["a", None, "b"]}, r"groups must not be missing"),
        ({"alpha": 0}, r"alpha must lie"),
    ],
)
def test_cumulative_incidence_errors(kwargs, match):
    args = {"durations": [1, 2, 3], "causes": [1, 2, 0]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        cumulative_incidence(**args)


def _timepoints_case(name: str):
    if name == "unemp_ui":
        d = unemp()
        return d.spell, d.cause, d.ui, [0, 1, 5.5, 20, 27, 27.5, 28, 40]
    if name == "unemp_all":
        d = unemp()
        return d.spell, d.cause, None, [0.5, 13, 28, 29]
    d = read_csv("continuous.csv").copy()
    d.loc[(d.group == "x") & (d.cause == 2), "cause"] = 1  # as the R script
    return d.time, d.cause, d.group, [0, 3.25, 40, 59.169057, 59.17, 84.709624, 85, 90]


@pytest.mark.parametrize("case", ["unemp_ui", "continuous_nocause", "unemp_all"])
def test_incidence_at_matches_cmprsk_timepoints(case):
    # issue 13: past a group's follow-up timepoints() gives NA (we gave the last value),
    # and 0 for a cause with no events in a group (we gave no row)
    t, c, g, times = _timepoints_case(case)
    got = cumulative_incidence(t, c, g).incidence_at(times)
    ref = read_csv(f"timepoints_{case}.csv")
    assert len(got) == len(ref)
    if g is not None:
        assert got.group.astype(str).tolist() == ref.group.astype(str).tolist()
    assert got.cause.tolist() == ref.cause.tolist()
    assert_close(got.time, ref.time, name="time")
    assert_close(got.incidence, ref.incidence, name="incidence")
    assert_close(got.variance, ref.variance, name="variance")
    past = got.incidence.isna()
    assert past.any() and got.loc[past, ["lower", "upper"]].isna().all().all()


def test_incidence_at_cause_without_events_in_group_is_zero_within_follow_up():
    t, c, g, _ = _timepoints_case("continuous_nocause")
    res = cumulative_incidence(t, c, g)
    at = res.incidence_at([10.0, 100.0])
    x2 = at[(at.group == "x") & (at.cause == 2)]
    assert x2.incidence.iloc[0] == 0 and x2.variance.iloc[0] == 0
    assert np.isnan(x2.incidence.iloc[1])
    assert res.followup["x"] == pytest.approx(84.709624)


def test_print_reads_like_print_cuminc():
    t, c, g = _case("unemp_ui")
    res = cumulative_incidence(t, c, g)
    text = repr(res)
    assert "Tests:" in text and "Estimates and Variances:" in text
    # print.cuminc's time points: pretty(c(0, 28), 5) without its ends
    assert text.split("$est")[1].splitlines()[1].split() == ["5", "10", "15", "20", "25"]
    assert "yes 3" in text
    html = res._repr_html_()
    assert html.count("<table") == 3 and "&lt;0.001" in html
