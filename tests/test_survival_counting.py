"""Counting-process input (delayed entry) and clustered robust variances against R.

Reference: tests/fixtures/make_counting_fixtures.R (survfit with Surv(entry, stop, event),
id= and cluster=; the counting-process log-rank from coxph(..., ties = "exact")).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from survival_helpers import assert_close, read_csv, read_json

from evalkit.survival import kaplan_meier, logrank, nelson_aalen

CONF_TYPES = ["log-log", "log", "plain"]
COLUMNS = ["time", "at_risk", "events", "censored", "survival", "std_err", "lower", "upper"]


def _case(name: str) -> dict:
    """Keyword arguments of kaplan_meier/nelson_aalen for a fixture case."""
    if name.startswith("mgus2"):
        d = read_csv("cp_mgus2.csv")
        kw = {"durations": d.stop, "events": d.death, "entry": d.entry}
        if name == "mgus2_sex":
            kw["groups"] = d.sex
        if name == "mgus2_weighted_cluster":
            kw.update(weights=d.weight, cluster=d.kommune)
        return kw
    if name.startswith("lung_split"):
        d = read_csv("cp_lung_split.csv")
        kw = {"durations": d.time, "events": d.status, "entry": d.tstart, "id": d.id}
        if name == "lung_split_robust":
            kw["variance"] = "robust"
        return kw
    if name == "colon_id":
        d = read_csv("cp_colon.csv")
        return {"durations": d.time, "events": d.status, "id": d.id, "groups": d.rx}
    d = read_csv("cp_weekly.csv")
    kw = {"durations": d.stop, "events": d.event, "entry": d.entry}
    if name == "weekly":
        kw["groups"] = d.group
    else:
        kw["cluster"] = d.kommune
    return kw


KM_CASES = [
    "mgus2",
    "mgus2_sex",
    "mgus2_weighted_cluster",
    "lung_split",
    "lung_split_robust",
    "colon_id",
    "weekly",
    "weekly_cluster",
]


def _ref_table(name: str, conf_type: str) -> pd.DataFrame:
    ref = read_csv(f"cp_km_{name}_{conf_type}.csv").copy()
    ref["group"] = ref["group"].fillna("").astype(str)
    return ref


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("case", KM_CASES)
def test_counting_km_matches_survfit(case, conf_type):
    kw = _case(case)
    fit = kaplan_meier(conf_type=conf_type, **kw)
    ref = _ref_table(case, conf_type)
    tab = fit.table
    assert len(tab) == len(ref)
    if "group" in tab:
        assert tab.group.tolist() == ref.group.tolist()
    for col in COLUMNS:
        assert_close(tab[col], ref[col], name=f"{case} {conf_type} {col}")
    meta = read_json("cp_km.json")[f"{case}|{conf_type}"]
    curves = [fit[g] for g in fit.groups] if fit.groups else [fit]
    assert [c.n for c in curves] == meta["n"]
    for key, got in (
        ("median", [c.median for c in curves]),
        ("median_lower", [c.median_ci[0] for c in curves]),
        ("median_upper", [c.median_ci[1] for c in curves]),
    ):
        want = [math.nan if v is None else v for v in meta[key]]
        assert_close(got, want, name=key)


@pytest.mark.parametrize("case", KM_CASES)
def test_counting_nelson_aalen_matches_survfit(case):
    kw = _case(case)
    groups = kw.pop("groups", None)
    ref = _ref_table(case, "log")
    if groups is not None:  # one group is enough here
        first = sorted(pd.unique(np.asarray(groups)).astype(str))[0]
        keep = np.asarray(groups).astype(str) == first
        kw = {k: np.asarray(v)[keep] if v is not None else None for k, v in kw.items()}
        ref = ref[ref.group == first]
    fit = nelson_aalen(**kw)
    assert_close(fit.table.time, ref.time, name="time")
    assert_close(fit.table.cumhaz, ref.cumhaz, name="cumhaz")
    assert_close(fit.table.std_err, ref.std_chaz, name="std.chaz")


def test_variance_rule_follows_r_with_id_and_cluster():
    assert kaplan_meier(**_case("lung_split")).variance == "greenwood"  # one event per id
    assert kaplan_meier(**_case("colon_id")).variance == "robust"  # ids with two events
    fit = kaplan_meier(**_case("weekly_cluster"))
    assert (fit.variance, fit.n_clusters) == ("robust", 3)


def test_split_rows_give_the_unsplit_curve():
    split = kaplan_meier(**_case("lung_split"))
    d = read_csv("lung.csv")
    plain = kaplan_meier(d.time, d.status)
    events = split.table[split.table.events > 0]
    assert_close(events.survival, plain.table.loc[plain.table.events > 0, "survival"])
    # robust with each person as cluster equals the unsplit robust (IJ) variance
    rob = kaplan_meier(**_case("lung_split_robust"))
    plain_rob = kaplan_meier(d.time, d.status, variance="robust")
    got = rob.table.set_index("time").std_err
    want = plain_rob.table.set_index("time").std_err
    common = got.index.intersection(want.index)
    assert_close(got[common], want[common])


def test_general_path_reproduces_the_fast_robust_path():
    rng = np.random.default_rng(5)
    t = rng.integers(1, 40, 300).astype(float)
    d = rng.integers(0, 2, 300)
    w = rng.uniform(0.1, 3, 300)
    fast = kaplan_meier(t, d, weights=w)
    general = kaplan_meier(t, d, weights=w, cluster=np.arange(300))
    assert_close(general.table.std_err, fast.table.std_err, rtol=1e-9)
    zero = kaplan_meier(t, d, weights=w, entry=np.zeros(300), cluster=np.arange(300))
    assert_close(zero.table.std_err, fast.table.std_err, rtol=1e-9)


def test_negative_entry_is_right_censored_data_as_in_r():
    d = read_csv("aml.csv")
    plain = kaplan_meier(d.time, d.status)
    early = kaplan_meier(d.time, d.status, entry=np.full(len(d), -1.0))
    pd.testing.assert_frame_equal(plain.table, early.table)
    assert (early.median, early.median_ci) == (plain.median, plain.median_ci)
    assert early.rmst(40) == pytest.approx(plain.rmst(40))


def test_timefix_merges_times_that_differ_by_rounding():
    t = np.array([0.1 + 0.2, 0.3, 2.5, 3.5])
    assert t[0] != t[1]  # 0.30000000000000004 and 0.3: one time for R (aeqSurv)
    fit = kaplan_meier(t, [1, 1, 0, 1], entry=[0.0, 0.1, 1.0, 0.0])
    assert len(fit.table) == 3 and fit.table.events.iloc[0] == 2
    assert logrank(t, [1, 1, 0, 1], [0, 1, 0, 1], entry=[0.0, 0.1, 1.0, 0.0]).df == 1


def test_weighted_fit_keeps_persons_at_risk():
    kw = _case("mgus2_weighted_cluster")
    fit = kaplan_meier(**kw)
    plain = kaplan_meier(kw["durations"], kw["events"], entry=kw["entry"])
    assert fit.weighted and not plain.weighted
    np.testing.assert_array_equal(fit.persons_at_risk, plain.table.at_risk)


@pytest.mark.parametrize(
    "case", ["small_group", "small_group_strata", "mgus2_sex", "mgus2_kommune"]
)
def test_counting_logrank_is_coxph_score_test(case):
    # small_*: tied events, coxph(ties = "exact"); mgus2_*: no tied events, Breslow
    ref = read_json("cp_logrank.json")[case]
    if case.startswith("small"):
        d = read_csv("cp_small.csv")
        s = d.stratum if case.endswith("strata") else None
        res = logrank(d.stop, d.event, d.group, strata=s, entry=d.entry)
    else:
        d = read_csv("cp_mgus2_noties.csv")
        g = d.sex if case == "mgus2_sex" else d.kommune
        res = logrank(d.stop, d.death, g, entry=d.entry)
    assert res.entry and res.df == ref["df"]
    assert_close(res.statistic, ref["statistic"], name="chisq")
    o_e = (res.table.observed - res.table.expected).to_numpy()[1:]
    assert_close(o_e, ref["u"], name="O - E")
    info = np.atleast_2d(np.array(ref["info"]))
    np.testing.assert_allclose(res.variance.to_numpy()[1:, 1:], info, rtol=1e-6, atol=1e-12)


def test_counting_logrank_on_split_rows_equals_survdiff_unsplit():
    ref = read_json("cp_logrank.json")
    d = read_csv("cp_lung_split.csv")
    res = logrank(d.time, d.status, d.sex, entry=d.tstart)
    assert_close(res.statistic, ref["lung_unsplit_survdiff"]["statistic"])
    assert_close(res.table.expected, ref["lung_unsplit_survdiff"]["expected"])


def test_grouped_fit_carries_the_counting_logrank():
    d = read_csv("cp_small.csv")
    fit = kaplan_meier(d.stop, d.event, entry=d.entry, groups=d.group)
    ref = read_json("cp_logrank.json")["small_group"]
    assert fit.groups == ("a", "b", "c")
    assert_close(fit.test.statistic, ref["statistic"])
    assert fit.test.table.index.tolist() == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"entry": [0, 2]}, r"entry must be below durations.*position 1: entry 2, durations 2"),
        ({"entry": [0, np.nan]}, r"entry must be finite"),
        ({"entry": [0]}, r"same length"),
        ({"cluster": ["a", None]}, r"cluster must not be missing, but position 1"),
        ({"id": [1, 2, 3]}, r"same length"),
        ({"cluster": ["a", "b"], "variance": "greenwood"}, r"cluster needs the robust"),
        ({"entry": [0, 1], "variance": "robust"}, r"needs id or cluster"),
        ({"groups": ["a", None]}, r"groups must not be missing"),
    ],
)
def test_counting_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kaplan_meier([1, 2], [1, 0], **kwargs)


def test_counting_logrank_refuses_rho():
    with pytest.raises(ValueError, match=r"rho must be 0 with entry"):
        logrank([1, 2, 3, 4], [1, 1, 0, 1], [0, 0, 1, 1], rho=1, entry=[0, 0, 1, 0])


def test_published_curve_with_delayed_entry_is_the_grouped_counting_process_curve():
    # entries are grouped too (tests/test_disclosure_survival.py checks it against R)
    from evalkit.disclosure import publishable_curve

    d = read_csv("cp_weekly.csv")
    pub = publishable_curve(kaplan_meier(d.stop, d.event, entry=d.entry), 5)
    assert pub.entry and pub.n == len(d)
    plain = publishable_curve(kaplan_meier(d.stop, d.event), 5)
    # counted from week 0, the late entrants' unobserved weeks make the curve too high
    assert pub.survival_at([30])["survival"].iloc[0] < plain.survival_at([30])["survival"].iloc[0]
