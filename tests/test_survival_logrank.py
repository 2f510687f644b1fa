"""Log-rank (G-rho, k groups, stratified) and the one-sample test against R survdiff."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from survival_helpers import assert_close, lung_complete, read_csv, read_json, unemp

from evalkit.survival import logrank, logrank_one_sample


def _case(name: str):
    if name == "unemp_ui":
        d = unemp()
        return d.spell, d.censor1, d.ui, None
    vet = read_csv("veteran.csv")
    if name == "veteran_celltype":
        return vet.time, vet.status, vet.celltype, None
    if name == "veteran_trt_strata_prior":
        return vet.time, vet.status, vet.trt, vet.prior
    if name == "lung_sex_strata_ecog":
        lung = lung_complete()
        return lung.time, lung.status, lung.sex, lung.ph_ecog
    if name == "aml_x":
        aml = read_csv("aml.csv")
        return aml.time, aml.status, aml.x, None
    if name == "ovarian_rx_strata_resid":
        ova = read_csv("ovarian.csv")
        return ova.time, ova.status, ova.rx, ova.resid_ds
    co = read_csv("continuous.csv")
    return co.time, co.status, co.group, None


CASES = [
    "unemp_ui",
    "veteran_celltype",
    "veteran_trt_strata_prior",
    "lung_sex_strata_ecog",
    "aml_x",
    "ovarian_rx_strata_resid",
    "continuous_group",
]


@pytest.mark.parametrize("rho", [0, 0.5, 1])
@pytest.mark.parametrize("case", CASES)
def test_logrank_matches_survdiff(case, rho):
    t, d, g, s = _case(case)
    ref = read_json("logrank.json")[f"{case}|{rho}"]
    res = logrank(t, d, g, strata=s, rho=rho)
    assert res.df == ref["df"]
    assert [str(x) for x in res.table.index] == ref["groups"]
    assert_close(res.statistic, ref["statistic"], name="chisq")
    assert_close(res.p_value, ref["p_value"], name="p")
    assert_close(res.table.observed, ref["observed"], name="obs")
    assert_close(res.table.expected, ref["expected"], name="exp")
    np.testing.assert_allclose(res.variance.to_numpy(), np.array(ref["var"]), rtol=1e-6, atol=1e-9)


def test_logrank_table_and_frame():
    t, d, g, _ = _case("veteran_celltype")
    res = logrank(t, d, g)
    assert res.df == 3 and len(res.table) == 4
    assert res.table.n.sum() == len(t)
    assert res.table.observed.sum() == pytest.approx(res.table.expected.sum())
    assert list(res.to_frame().columns) == ["statistic", "df", "p_value", "rho", "n_strata"]
    assert "<table" in res._repr_html_()


def test_logrank_tiny_p_value_uses_survival_function():
    d = unemp()
    res = logrank(d.spell, d.censor1, d.ui)
    assert 0 < res.p_value < 1e-10  # sf keeps precision that 1 - cdf would lose


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"groups": ["a", "a", "a"]}, r"groups must hold at least two levels"),
        ({"groups": ["a", None, "b"]}, r"groups must not be missing.*position 1"),
        ({"groups": ["a", "b"]}, r"same length"),
        ({"rho": -1}, r"rho must be non-negative"),
        ({"strata": [1, 2]}, r"same length"),
        ({"events": [1, 5, 0]}, r"events must hold only 0 and 1"),
    ],
)
def test_logrank_errors(kwargs, match):
    args = {"durations": [1, 2, 3], "events": [1, 1, 0], "groups": ["a", "b", "a"]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        logrank(**args)


ONE_SAMPLE = {
    "unemp_yes_vs_no": ("unemp_yes", "reference_unemp_ui_no.csv"),
    "aml_vs_weibull": ("aml", "reference_weibull.csv"),
    "veteran_vs_weibull": ("veteran", "reference_weibull.csv"),
}


@pytest.mark.parametrize("case", list(ONE_SAMPLE))
def test_one_sample_matches_survdiff_offset(case):
    data, refname = ONE_SAMPLE[case]
    if data == "unemp_yes":
        d = unemp()
        d = d[d.ui == "yes"]
        t, e = d.spell, d.censor1
    else:
        d = read_csv(f"{data}.csv")
        t, e = d.time, d.status
    ref = read_json("one_sample.json")[case]
    res = logrank_one_sample(t, e, read_csv(refname))
    assert_close(
        [res.observed, res.expected, res.statistic, res.p_value],
        [ref["observed"], ref["expected"], ref["statistic"], ref["p_value"]],
    )
    assert res.ratio == pytest.approx(ref["observed"] / ref["expected"])
    assert res.ratio_lower < res.ratio < res.ratio_upper


@pytest.mark.parametrize("case", ["weekly", "small3", "small6"])
def test_one_sample_with_delayed_entry_matches_survdiff_with_conditional_offset(case):
    # tests/fixtures/make_one_sample_entry_fixtures.R: offset S_ref(stop) / S_ref(entry)
    if case == "weekly":
        d = read_csv("cp_weekly.csv")
    else:
        d = read_csv("pc_raw.csv")
        d = d[d["case"] == case]
    ref = read_json("one_sample_entry.json")[case]
    res = logrank_one_sample(d.stop, d.event, read_csv("reference_weibull.csv"), entry=d.entry)
    assert_close(
        [res.observed, res.expected, res.statistic, res.p_value],
        [ref["observed"], ref["expected"], ref["statistic"], ref["p_value"]],
    )
    plain = logrank_one_sample(d.stop, d.event, read_csv("reference_weibull.csv"))
    assert res.expected < plain.expected  # the weeks before entry are not counted
    with pytest.raises(ValueError, match="entry must be below durations"):
        logrank_one_sample([1, 2], [1, 0], read_csv("reference_weibull.csv"), entry=[0, 2])


@pytest.mark.parametrize(
    ("reference", "match"),
    [
        (pd.DataFrame({"week": [0, 1]}), r"lacks \['survival'\]"),
        (pd.DataFrame({"week": [0, 2, 1], "survival": [1, 0.9, 0.8]}), r"strictly increasing"),
        (pd.DataFrame({"week": [0, 1, 2], "survival": [1, 0.9, 0.0]}), r"lie in \(0, 1\]"),
        (pd.DataFrame({"week": [0, 1, 2], "survival": [1, 0.8, 0.9]}), r"must not increase"),
    ],
)
def test_one_sample_reference_errors(reference, match):
    with pytest.raises(ValueError, match=match):
        logrank_one_sample([1, 2], [1, 0], reference)


def test_one_sample_reference_must_be_frame():
    with pytest.raises(TypeError, match=r"reference must be a DataFrame"):
        logrank_one_sample([1, 2], [1, 0], {"week": [0], "survival": [1]})
