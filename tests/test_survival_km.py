"""Kaplan-Meier and Nelson-Aalen against R survival 3.5-3 (tests/fixtures/survival)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from survival_helpers import assert_close, km_data, read_csv, read_json

from evalkit.survival import kaplan_meier, nelson_aalen

KM_CASES = [
    "unemp",
    "unemp_ui_yes",
    "lung",
    "veteran",
    "aml",
    "ovarian",
    "weighted",
    "weighted_greenwood",
    "intweight",
    "continuous",
]
CONF_TYPES = ["log-log", "log", "plain"]
COLUMNS = ["time", "at_risk", "events", "censored", "survival", "std_err", "lower", "upper"]


def _fit(case: str, conf_type: str):
    t, d, w = km_data(case)
    variance = "greenwood" if case == "weighted_greenwood" else None
    return kaplan_meier(t, d, weights=w, conf_type=conf_type, variance=variance)


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("case", KM_CASES)
def test_km_table_matches_r(case, conf_type):
    fit = _fit(case, conf_type)
    ref = read_csv(f"km_{case}_{conf_type}.csv")
    assert list(fit.table.columns) == COLUMNS
    assert len(fit.table) == len(ref)
    for col in COLUMNS:
        assert_close(fit.table[col], ref[col], name=f"{case} {conf_type} {col}")


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("case", KM_CASES)
def test_km_median_rmst_match_r(case, conf_type):
    fit = _fit(case, conf_type)
    ref = read_json("km.json")[f"{case}|{conf_type}"]
    assert fit.n == ref["n"]
    expected = [ref["median"], ref["median_lower"], ref["median_upper"]]
    expected = [math.nan if v is None else v for v in expected]
    assert_close([fit.median, *fit.median_ci], expected, name="median and CI")
    est, se = fit.rmst(ref["tau"])
    assert_close([est, se], [ref["rmean"], ref["rmean_se"]], name="rmst")


def test_median_ci_uses_quantile_rule_on_flat_stretch():
    # aml, log: the upper band sits at 0.5 over a stretch; R quantile() gives the midpoint
    ref = read_json("km.json")["aml|log"]
    fit = _fit("aml", "log")
    assert fit.median_ci[1] == ref["median_upper"] == 48
    assert ref["table_ucl"] == 45  # print.survfit's rule differs; we follow quantile()


def test_variance_rule_follows_r_robust_default():
    assert _fit("weighted", "log").variance == "robust"
    assert _fit("intweight", "log").variance == "greenwood"
    assert _fit("unemp", "log").variance == "greenwood"
    t, d, w = km_data("intweight")
    forced = kaplan_meier(t, d, weights=w, variance="robust")
    assert forced.variance == "robust"
    assert not np.allclose(forced.table.std_err, _fit("intweight", "log-log").table.std_err)


def test_survival_at_matches_r_summary_times():
    t, d, _ = km_data("unemp")
    ref = read_csv("km_unemp_at_times.csv")
    got = kaplan_meier(t, d).survival_at(ref["time"])
    for col in ["survival", "lower", "upper", "at_risk"]:
        assert_close(got[col], ref[col], name=col)
    past = kaplan_meier(t, d).survival_at([100.0])
    assert past.at_risk.iloc[0] == 0


@pytest.mark.parametrize("case", [c for c in KM_CASES if c != "weighted_greenwood"])
def test_nelson_aalen_matches_r(case):
    t, d, w = km_data(case)
    fit = nelson_aalen(t, d, weights=w)
    ref = read_csv(f"na_{case}.csv")
    for col in ["time", "at_risk", "events", "cumhaz", "std_err"]:
        assert_close(fit.table[col], ref[col], name=col)
    tab = fit.table[fit.table.cumhaz > 0]
    assert (tab.lower <= tab.cumhaz).all() and (tab.cumhaz <= tab.upper).all()


def test_ties_of_events_and_censorings_at_same_time():
    fit = kaplan_meier([1, 2, 2, 2, 3, 3], [1, 1, 0, 0, 1, 0], conf_type="log")
    row = fit.table.set_index("time").loc[2.0]
    assert (row.at_risk, row.events, row.censored) == (5, 1, 2)
    assert fit.table.survival.tolist() == pytest.approx([5 / 6, 5 / 6 * 4 / 5, 5 / 6 * 4 / 5 / 2])


def test_all_censored():
    fit = kaplan_meier([1, 2, 5], [0, 0, 0], conf_type="log")
    assert fit.table.survival.tolist() == [1, 1, 1]
    assert fit.table.std_err.tolist() == [0, 0, 0]
    assert math.isnan(fit.median) and all(math.isnan(v) for v in fit.median_ci)


def test_single_observation_matches_r():
    # R: surv 0, std.err NaN, limits NA
    fit = kaplan_meier([4], [1])
    row = fit.table.iloc[0]
    assert row.survival == 0 and math.isnan(row.std_err) and math.isnan(row.lower)
    assert fit.median == 4


def test_zero_weights_keep_their_times_with_zero_counts():
    t, d, w = km_data("weighted")
    fit = kaplan_meier(t, d, weights=w)
    last = fit.table.iloc[-1]
    assert last.time == 31 and last.at_risk == 0 and last.events == 0
    assert last.survival == fit.table.survival.iloc[-2]


def test_counting_and_sorted_paths_agree():
    rng = np.random.default_rng(3)
    t = rng.integers(1, 50, 500)
    d = rng.integers(0, 2, 500)
    a = kaplan_meier(t, d).table
    b = kaplan_meier(t + 0.5, d).table  # not whole numbers: sorted path
    np.testing.assert_allclose(a.survival, b.survival)
    np.testing.assert_allclose(a.std_err, b.std_err)
    np.testing.assert_allclose(a.time + 0.5, b.time)


def test_result_is_frozen_and_renders():
    fit = kaplan_meier([1, 2, 3], [1, 0, 1])
    with pytest.raises(AttributeError):
        fit.n = 5
    assert "<table" in fit._repr_html_()
    assert isinstance(fit.to_frame(), pd.DataFrame)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"durations": [1, np.nan], "events": [1, 0]}, r"durations must be finite.*position 1"),
        ({"durations": [1, -2], "events": [1, 0]}, r"durations must be non-negative.*-2"),
        ({"durations": [1, 2], "events": [1, 2]}, r"events must hold only 0 and 1.*position 1"),
        ({"durations": [1, 2], "events": [1, np.nan]}, r"events must be finite"),
        ({"durations": [1, 2, 3], "events": [1, 0]}, r"same length.*durations has 3"),
        ({"durations": [], "events": []}, r"durations is empty"),
        ({"durations": ["a", "b"], "events": [1, 0]}, r"durations must be numeric"),
        ({"durations": [1, 2], "events": [1, 0], "conf_type": "logit"}, r"conf_type must be"),
        ({"durations": [1, 2], "events": [1, 0], "variance": "ij"}, r"variance must be"),
        ({"durations": [1, 2], "events": [1, 0], "alpha": 1.5}, r"alpha must lie"),
        ({"durations": [1, 2], "events": [1, 0], "weights": [1, -1]}, r"weights must be non"),
        ({"durations": [1, 2], "events": [1, 0], "weights": [0, 0]}, r"must not all be zero"),
        ({"durations": [1, 2], "events": [1, 0], "weights": [1]}, r"same length"),
    ],
)
def test_kaplan_meier_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kaplan_meier(**kwargs)


def test_rmst_rejects_bad_tau():
    fit = kaplan_meier([1, 2, 3], [1, 0, 1])
    with pytest.raises(ValueError, match=r"tau must be positive"):
        fit.rmst(-1)
    with pytest.raises(ValueError, match=r"tau must be finite"):
        fit.rmst(np.nan)


def test_nelson_aalen_errors():
    with pytest.raises(ValueError, match=r"events must hold only 0 and 1"):
        nelson_aalen([1, 2], [3, 0])


@pytest.mark.parametrize("case", ["aml", "unemp"])
def test_survival_at_has_events_and_std_err_as_r_summary_times(case):
    ref = read_csv(f"summary_times_{case}.csv").copy()
    ref["group"] = ref["group"].fillna("").astype(str)
    if case == "aml":
        d = read_csv("aml.csv")
        fit = kaplan_meier(d.time, d.status, groups=d.x)
        times = [3, 10, 20, 40, 48]
    else:
        t, d_, _ = km_data("unemp")
        fit = kaplan_meier(t, d_)
        times = [0.5, 1, 2, 6, 13, 26, 27.5]
    got = fit.survival_at(times)
    if "group" not in got:
        got.insert(0, "group", "")
    # R drops times after a group's last follow-up (extend = FALSE); we keep them
    got = got.merge(ref[["group", "time"]], on=["group", "time"])
    assert len(got) == len(ref)
    for col in ["at_risk", "events", "censored", "survival", "std_err", "lower", "upper"]:
        assert_close(got[col], ref[col], name=col)


def test_grouped_fit_has_curves_test_and_r_like_print():
    d = read_csv("aml.csv")
    fit = kaplan_meier(d.time, d.status, groups=d.x, conf_type="log")
    ref = read_json("km.json")["aml|log"]
    whole = kaplan_meier(d.time, d.status, conf_type="log")
    assert fit.groups == ("Maintained", "Nonmaintained") and fit.n == whole.n
    assert fit["Maintained"].n == 11 and np.isnan(fit.median)
    assert list(fit.table.columns) == ["group", *COLUMNS]
    med = fit.medians()
    assert med.columns.tolist() == ["group", "n", "events", "median", "lower", "upper"]
    assert med["median"].tolist() == [31, 23]
    lr = read_json("logrank.json")["aml_x|0"]
    assert_close(fit.test.statistic, lr["statistic"])
    text = repr(fit)
    assert "Maintained     11      7     31      18      NA" in text
    assert "Log-rank test: Chisq = 3.4 on 1 degrees of freedom, p = 0.065" in text
    assert "n.risk n.event survival std.err" in str(fit.summary())
    html = fit._repr_html_()
    assert "<td>11</td>" in html and "11.0" not in html.split("<table")[1]
    assert whole.median == ref["median"]
    with pytest.raises(KeyError, match="group must be one of"):
        fit["x"]
