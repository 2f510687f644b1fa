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
