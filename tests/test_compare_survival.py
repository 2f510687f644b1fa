"""Comparison-group survival: propensity weights, weighted Kaplan-Meier, difference, Cox.

Reference values from R (tests/fixtures/make_cox_weights_fixtures.R -> ipw_reference.json:
glm, survfit with and without weights, coxph). The standard error of the difference that
includes the estimation of the propensity score has no R counterpart; it is checked
against a numerical derivative of the whole procedure with respect to each person's
case weight (its definition as an infinitesimal jackknife).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from survival_helpers import assert_close, read_csv, read_json

from evalkit.compare_survival import _km_influence, adjusted_survival
from evalkit.survival import kaplan_meier

COVS = ["age", "sex", "edu"]


@pytest.fixture(scope="module")
def ipw() -> pd.DataFrame:
    return read_csv("ipw_data.csv")


@pytest.fixture(scope="module")
def ref() -> dict:
    return read_json("ipw_reference.json")


@pytest.fixture(scope="module")
def res(ipw):
    return adjusted_survival(ipw, "t", COVS)


def test_propensity_and_weights_match_r(res, ref):
    assert_close(res.propensity, ref["propensity"], rtol=1e-6, name="ps")
    assert_close(res.weights, ref["weights"], rtol=1e-6, name="w")


@pytest.mark.parametrize("curve", ["treated", "control", "control_weighted"])
def test_survival_at_times_matches_survfit(res, ref, curve):
    r = ref[curve]
    got = res.survival[res.survival["curve"] == curve]
    assert got["time"].tolist() == ref["times"]
    for col in ("survival", "std_err", "lower", "upper", "at_risk_weighted"):
        assert_close(got[col], r[col], rtol=1e-6, name=f"{curve} {col}")
    assert res.curves["control_weighted"].variance == "robust"
    assert res.curves["treated"].variance == "greenwood"


@pytest.mark.parametrize("which", ["cox", "cox_unadjusted"])
def test_cox_matches_coxph(res, ref, which):
    r = ref[which]
    fit = getattr(res, which)
    assert list(fit.summary.index) == r["names"]
    assert_close(fit.summary["coef"], r["coef"], rtol=1e-5, name="coef")
    assert_close(fit.summary["se"], r["se"], rtol=1e-5, name="se")
    hr = res.hazard_ratio("adjusted" if which == "cox" else "unadjusted")
    assert hr.estimate == pytest.approx(np.exp(r["coef"][0]), rel=1e-5)
    assert hr.lower == pytest.approx(r["lower"][0], rel=1e-5)
    assert hr.upper == pytest.approx(r["upper"][0], rel=1e-5)
    assert hr.n == 400 and hr.details["n_events"] == r["n_events"]


@pytest.mark.parametrize("ties", ["efron"])
def test_weighted_cox_matches_coxph_with_att_weights(res, ties):
    r = read_json("cox_weights.json")[f"ipw_marginal|{ties}"]
    fit = res.cox_weighted
    assert fit.variance == "robust" and fit.ties == ties
    assert_close(fit.summary["coef"], r["coef"], rtol=1e-7, name="coef")
    assert_close(fit.summary["se"], r["se"], rtol=1e-7, name="robust se")
    hr = res.hazard_ratio("weighted")
    assert hr.upper == pytest.approx(r["upper"][0], rel=1e-7)
    assert hr.method == "cox-weighted" and hr.details["variance"] == "robust"
    with pytest.raises(ValueError, match=r"model must be one of"):
        res.hazard_ratio("crude")


def test_fixed_weights_se_combines_the_two_survfit_standard_errors(res, ref):
    se = np.hypot(ref["treated"]["std_err"], ref["control_weighted"]["std_err"])
    assert_close(res.difference["se_fixed_weights"], se, rtol=1e-6)
    est = np.subtract(ref["treated"]["survival"], ref["control_weighted"]["survival"])
    assert_close(res.difference["estimate"], est, rtol=1e-6)


def test_persons_at_risk_are_unweighted_counts(res, ipw):
    for curve, group in (("treated", 1), ("control", 0), ("control_weighted", 0)):
        got = res.survival[res.survival["curve"] == curve]
        d = ipw.loc[ipw.t == group, "duration"].to_numpy()
        expected = [(d >= t).sum() for t in got["time"]]
        assert got["at_risk"].tolist() == expected
        assert (got["n"] == len(d)).all()
    assert res.n_treated + res.n_control == len(ipw)
    wc = res.weights[ipw.t == 0]
    assert res.ess_control == pytest.approx(wc.sum() ** 2 / (wc**2).sum())
    assert wc.sum() == pytest.approx(res.n_treated)


@pytest.mark.parametrize("seed", [3, 8])
def test_influence_sum_of_squares_is_robust_km_variance(seed):
    rng = np.random.default_rng(seed)
    n = 90
    t = rng.integers(1, 25, n).astype(float)
    d = rng.random(n) < 0.7
    w = rng.uniform(0.2, 3.0, n)
    km = kaplan_meier(t, d, weights=w)
    times = km.table["time"].to_numpy()
    surv, infl = _km_influence(t, d, w, times)
    assert_close(surv, km.table["survival"], rtol=1e-12)
    assert_close(np.sqrt((infl**2).sum(axis=0)), km.table["std_err"], rtol=1e-10)


def _difference_by_case_weights(df: pd.DataFrame, c: np.ndarray, times: np.ndarray):
    """S_treated - S_weighted at ``times`` as a function of the persons' case weights."""
    x = np.column_stack([np.ones(len(df)), df["age"], (df["sex"] == "M").astype(float)])
    tr = df["t"].to_numpy() == 1
    fit = sm.GLM(tr.astype(float), x, family=sm.families.Binomial(), freq_weights=c).fit(tol=1e-14)
    odds = fit.fittedvalues / (1 - fit.fittedvalues)
    dur, ev = df["duration"].to_numpy(), df["event"].to_numpy()
    k1 = kaplan_meier(dur[tr], ev[tr], weights=c[tr])
    k0 = kaplan_meier(dur[~tr], ev[~tr], weights=(c * odds)[~tr])
    return (k1.survival_at(times)["survival"] - k0.survival_at(times)["survival"]).to_numpy()


@pytest.mark.parametrize("seed", [3, 21])
def test_m_estimation_se_is_the_infinitesimal_jackknife_of_the_whole_procedure(seed):
    rng = np.random.default_rng(seed)
    n = 70
    age = rng.normal(40, 10, n)
    df = pd.DataFrame(
        {
            "t": (rng.random(n) < 1 / (1 + np.exp(-(age - 40) / 10))).astype(int),
            "age": age,
            "sex": rng.choice(["K", "M"], n),
            "duration": rng.integers(1, 30, n),
            "event": rng.integers(0, 2, n),
        }
    )
    times = np.array([5.0, 12.0, 20.0])
    res = adjusted_survival(df, "t", ["age", "sex"], times=times)
    c0, eps = np.ones(n), 1e-6
    grad = np.array(
        [
            (
                _difference_by_case_weights(df, c0 + eps * np.eye(n)[j], times)
                - _difference_by_case_weights(df, c0 - eps * np.eye(n)[j], times)
            )
            / (2 * eps)
            for j in range(n)
        ]
    )
    assert_close(res.difference["se_m_estimation"], np.sqrt((grad**2).sum(axis=0)), rtol=1e-5)
    assert_close(res.difference["se"], res.difference["se_m_estimation"], rtol=0)


def test_se_method_and_interval(ipw):
    a = adjusted_survival(ipw, "t", COVS, se_method="fixed-weights", alpha=0.1)
    d = a.difference
    assert_close(d["se"], d["se_fixed_weights"], rtol=0)
    z = 1.6448536269514722
    assert_close(d["upper"] - d["estimate"], z * d["se"], rtol=1e-9)
    assert a.se_method == "fixed-weights" and a.alpha == 0.1


def test_times_beyond_follow_up_give_nan(ipw):
    a = adjusted_survival(ipw, "t", COVS, times=[0, 26, 500])
    d = a.difference.set_index("time")
    assert d.loc[0.0, "estimate"] == 0.0 and d.loc[0.0, "se"] == 0.0
    assert d.loc[500.0].isna().all()
    assert (a.survival.loc[a.survival["time"] == 500, "at_risk"] == 0).all()


def test_result_object(res):
    frame = res.to_frame()
    assert list(frame.columns) == [
        "curve",
        "time",
        "survival",
        "lower",
        "upper",
        "std_err",
        "at_risk",
        "at_risk_weighted",
        "n",
    ]
    assert frame["curve"].unique().tolist() == ["treated", "control", "control_weighted"]
    assert "<table" in res._repr_html_()
    assert res.covariates == tuple(COVS) and res.treatment == "t"
    assert set(res.balance["covariate"]) == set(COVS)
    assert (res.balance["smd_after"].abs() < res.balance["smd_before"].abs().max()).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"se_method": "bootstrap"}, r"se_method must be one of"),
        ({"alpha": 1.5}, r"alpha must lie strictly between 0 and 1"),
        ({"times": []}, r"times"),
        ({"times": [13, -1]}, r"times must be non-negative"),
        ({"duration": "nope"}, r"duration: column 'nope' is not in data"),
        ({"covariates": ["age", "nope"]}, r"covariates: column 'nope' is not in data"),
        ({"treatment": "age"}, r"treatment \('age'\) must hold only 0 and 1"),
        ({"event": "age"}, r"events must hold only 0 and 1"),
    ],
)
def test_errors(ipw, kwargs, match):
    args = {"data": ipw, "treatment": "t", "covariates": COVS, **kwargs}
    with pytest.raises(ValueError, match=match):
        adjusted_survival(**args)


def test_error_one_group_only(ipw):
    with pytest.raises(ValueError, match=r"must hold both 0 and 1"):
        adjusted_survival(ipw[ipw.t == 1], "t", COVS)


def test_plot_draws_the_three_curves_with_a_persons_risk_table(res):
    fig = res.plot()
    ax, table = fig.axes[0], fig.axes[1]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [
        f"Deltagere (n = {res.n_treated})",
        f"Sammenligningsgruppe (ujusteret) (n = {res.n_control})",
        f"Sammenligningsgruppe (vægtet) (n = {res.n_control})",
    ]
    assert table.get_title("left") == "Antal personer i risiko"
    only = res.plot(weighted_only=True, risk_counts="weighted")
    assert len(only.axes[0].get_legend().get_texts()) == 2
    assert only.axes[1].get_title("left") == "Antal i risiko"
