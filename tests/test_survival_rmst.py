"""RMST per group (R print.survfit(rmean=)) and the contrasts of survRM2::rmst2.

Reference: tests/fixtures/make_rmst_fixtures.R (per-group RMST from R survival; the
contrasts from survRM2's formulas written out in R, survRM2 not being installable here).
"""

from __future__ import annotations

import numpy as np
import pytest
from survival_helpers import assert_close, read_csv, read_json, unemp

from evalkit.survival import kaplan_meier, rmst_difference


def _case(name: str):
    if name.startswith("aml"):
        d = read_csv("aml.csv")
        return d.time, d.status, (d.x == "Nonmaintained").astype(int)
    if name.startswith("lung"):
        d = read_csv("lung.csv")
        return d.time, d.status, (d.sex == "M").astype(int)
    if name == "unemp":
        d = unemp()
        return d.spell, d.censor1, (d.ui == "yes").astype(int)
    d = read_csv(f"rmst_{name.split('_')[0]}.csv")
    return d.time, d.status, d.arm


CASES = ["aml", "aml_default", "lung", "lung_default", "unemp", "colon", "pbc_default"]


@pytest.mark.parametrize("case", CASES)
def test_rmst_difference_matches_r(case):
    t, d, arm = _case(case)
    ref = read_json("rmst.json")[case]
    tau = None if case.endswith("default") else ref["tau"]
    res = rmst_difference(t, d, arm, tau=tau)
    assert res.tau == pytest.approx(ref["tau"], rel=1e-12)
    assert (res.group, res.reference) == ("1", "0")
    assert_close(res.groups.loc["1", ["rmst", "se"]], [ref["rmst1"], ref["se1"]])
    assert_close(res.groups.loc["0", ["rmst", "se"]], [ref["rmst0"], ref["se0"]])
    cols = ["estimate", "lower", "upper", "p_value"]
    assert_close(res.contrasts.loc["RMST difference", cols], ref["difference"], name="diff")
    assert_close(res.contrasts.loc["RMST ratio", cols], ref["ratio"], name="ratio")
    assert_close(res.contrasts.loc["RMTL ratio", cols], ref["rmtl_ratio"], name="rmtl")
    est = res.difference
    assert_close([est.estimate, est.lower, est.upper], ref["difference"][:3])
    assert est.n == len(t)


def test_grouped_km_rmst_table_matches_r():
    t, d, arm = _case("aml")
    ref = read_json("rmst.json")["aml"]
    fit = kaplan_meier(t, d, groups=arm)
    tab = fit.rmst_table(40).set_index("group")
    assert_close(tab.loc["1", ["rmst", "se"]], [ref["rmst1"], ref["se1"]])
    assert_close(tab.loc["0", "rmst"], ref["rmst0"])
    with pytest.raises(ValueError, match=r"rmst\(\) gives the value of one curve"):
        fit.rmst(40)


def test_rmst_print_reads_like_rmst2():
    t, d, arm = _case("aml")
    text = repr(rmst_difference(t, d, arm, tau=40))
    assert text.startswith("The truncation time: tau = 40 was specified.")
    assert "RMST (1)-(0)" in text and "RMTL (1)/(0)" in text
    html = rmst_difference(t, d, arm)._repr_html_()
    assert "by default" in html and html.count("<table") == 3


def test_reference_level_and_labels():
    t, d, arm = _case("aml")
    labels = np.where(arm == 1, "kontrol", "indsats")
    a = rmst_difference(t, d, labels, tau=40, reference="kontrol")
    b = rmst_difference(t, d, arm, tau=40, reference=1)
    assert (a.group, a.reference) == ("indsats", "kontrol")
    assert a.contrasts.loc["RMST difference", "estimate"] == pytest.approx(
        b.contrasts.loc["RMST difference", "estimate"]
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"groups": ["a"] * 8}, r"exactly two levels, but had \['a'\]"),
        ({"tau": -1}, r"tau must be positive"),
        ({"tau": 100}, r"tau must be at most 8 for these data"),
        ({"reference": "c"}, r"reference must be one of \['a', 'b'\], but was 'c'"),
        ({"alpha": 2}, r"alpha must lie"),
    ],
)
def test_rmst_errors(kwargs, match):
    args = {
        "durations": [2, 4, 6, 8, 3, 5, 9, 12],
        "events": [1, 1, 0, 0, 1, 0, 1, 0],
        "groups": ["a"] * 4 + ["b"] * 4,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        rmst_difference(**args)
