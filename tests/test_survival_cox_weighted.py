"""Weighted Cox regression (the engine evalkit.survival._coxfit) against R coxph.

Reference values: tests/fixtures/make_cox_weights_fixtures.R -> cox_weights.json (R 4.2,
survival 3.5-3): non-integer weights (robust variance, R's default), integer weights
(model-based variance, R's default), robust=TRUE and FALSE forced, strata, Efron and
Breslow ties, and the unempdur spells with many ties. The unweighted fixtures of
test_survival_cox.py check the same code with unit weights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from survival_helpers import assert_close, lung_complete, read_csv, read_json, unemp

from evalkit.survival import cox
from evalkit.survival._cox_design import column_design
from evalkit.survival._coxfit import coxfit


def _fit(t, e, x, w, strata, ties):
    return coxfit(t, e, x, weights=w, strata=strata, ties=ties)


def _design(d, cov):
    return pd.DataFrame(column_design(d, cov)[0])


RTOL = 1e-7


def _ipw() -> pd.DataFrame:
    d = read_csv("ipw_data.csv").copy()
    d["w"] = read_json("ipw_reference.json")["weights"]
    return d


def _unemp() -> pd.DataFrame:
    d = unemp()
    d["w"] = read_csv("unemp_weights.csv")["weight"].to_numpy()
    return d


def _lung() -> pd.DataFrame:
    d = lung_complete().copy()
    lw = read_csv("lung_weights.csv")
    d["iw"], d["rw"] = lw["iw"].to_numpy(), lw["rw"].to_numpy()
    return d


COV_IPW = ["t", "age", "sex", "edu"]
COV_LUNG = ["age", "sex", "ph_ecog"]
CASES = {
    # name: (data, duration, event, covariates, strata, weights, robust)
    "ipw_marginal": (_ipw, "duration", "event", ["t"], None, "w", None),
    "ipw_adjusted": (_ipw, "duration", "event", COV_IPW, None, "w", None),
    "ipw_strata": (_ipw, "duration", "event", ["t", "age"], "sex", "w", None),
    "ipw_model_var": (_ipw, "duration", "event", ["t", "age"], None, "w", False),
    "unemp": (_unemp, "spell", "censor1", ["age", "ui", "logwage", "tenure"], None, "w", None),
    "lung_intweight": (_lung, "time", "status", COV_LUNG, None, "iw", None),
    "lung_intweight_robust": (_lung, "time", "status", COV_LUNG, None, "iw", True),
    "lung_weight_strata": (_lung, "time", "status", ["age", "ph_ecog"], "sex", "rw", None),
    "lung_unweighted_robust": (_lung, "time", "status", COV_LUNG, None, None, True),
}


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("case", list(CASES))
def test_weighted_cox_matches_coxph(case, ties):
    load, t, e, cov, strata, w, robust = CASES[case]
    ref = read_json("cox_weights.json")[f"{case}|{ties}"]
    res = cox(load(), t, e, cov, ties=ties, strata=strata, weights=w, robust=robust)
    s = res.summary
    assert list(s.index) == ref["names"]
    assert res.variance == ("robust" if ref["robust"] else "model")
    assert res.weights == w and res.n == ref["n"] and res.n_events == ref["n_events"]
    assert_close(s.coef, ref["coef"], rtol=RTOL, name="coef")
    assert_close(s.se, ref["se"], rtol=RTOL, name="se")
    assert_close(s.lower, ref["lower"], rtol=RTOL, name="lower")
    assert_close(s.upper, ref["upper"], rtol=RTOL, name="upper")
    assert_close(s.p_value, ref["p_value"], rtol=1e-5, name="p")
    assert_close(res.loglik, ref["loglik"], rtol=1e-10, name="loglik")


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("case", ["ipw_adjusted", "unemp", "lung_weight_strata"])
def test_model_variance_and_null_loglik_match_coxph(case, ties):
    load, t, e, cov, strata, w, _ = CASES[case]
    ref = read_json("cox_weights.json")[f"{case}|{ties}"]
    d = load()
    res = cox(d, t, e, cov, ties=ties, strata=strata, weights=w, robust=False)
    assert_close(res.summary.se, ref["naive_se"], rtol=RTOL, name="naive se")
    x = _design(d, cov).to_numpy(dtype=float)
    st = None if strata is None else pd.factorize(d[strata], sort=True)[0]
    fit = _fit(d[t].to_numpy(float), d[e].to_numpy() == 1, x, d[w].to_numpy(float), st, ties)
    assert fit.loglik_init == pytest.approx(ref["loglik0"], rel=1e-10)
    assert res.loglik_null == pytest.approx(ref["loglik0"], rel=1e-10)
    assert fit.iterations < 15


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("case", ["lung", "veteran_strata", "ovarian_strata", "unemp"])
def test_unit_weights_reproduce_unweighted_coxph(case, ties):
    from test_survival_cox import CASES as UNWEIGHTED

    load, t, e, cov, strata = UNWEIGHTED[case]
    ref = read_json("cox.json")[f"{case}|{ties}"]
    d = load().assign(one=1.0)
    res = cox(d, t, e, cov, ties=ties, strata=strata, weights="one")
    assert res.variance == "model"
    assert_close(res.summary.coef, ref["coef"], rtol=1e-6, name="coef")
    assert_close(res.summary.se, ref["se"], rtol=1e-6, name="se")
    assert_close(res.loglik, ref["loglik"], rtol=1e-9, name="loglik")


def test_integer_weights_equal_replicated_rows():
    """With Breslow ties whole-number weights act as frequencies. (Efron does not: its
    correction counts tied rows, and replicating a row adds ties; R behaves the same.)"""
    ties = "breslow"
    d = _lung()
    weighted = cox(d, "time", "status", COV_LUNG, ties=ties, weights="iw")
    replicated = cox(d.loc[d.index.repeat(d["iw"])], "time", "status", COV_LUNG, ties=ties)
    assert_close(weighted.summary.coef, replicated.summary.coef, rtol=1e-6)
    assert_close(weighted.summary.se, replicated.summary.se, rtol=1e-6)
    assert weighted.loglik == pytest.approx(replicated.loglik, rel=1e-9)


def test_robust_variance_is_the_dfbeta_sandwich():
    """Check R's definition directly: D'D with D the change in beta when a row's weight
    moves, here by numerical differentiation of the fit."""
    d = _ipw().iloc[:120].reset_index(drop=True)
    x = _design(d, ["t", "age"]).to_numpy(dtype=float)
    t, e, w = d["duration"].to_numpy(float), d["event"].to_numpy() == 1, d["w"].to_numpy()
    fit = _fit(t, e, x, w, None, "efron")
    var_robust = fit.robust_var(w)
    eps = 1e-6
    rows = []
    for i in range(len(d)):
        up, down = w.copy(), w.copy()
        up[i] *= 1 + eps
        down[i] *= 1 - eps
        b_up = _fit(t, e, x, up, None, "efron").coef
        b_down = _fit(t, e, x, down, None, "efron").coef
        rows.append((b_up - b_down) / (2 * eps))
    jack = np.array(rows)
    np.testing.assert_allclose(var_robust, jack.T @ jack, rtol=2e-3)


def test_cox_result_reports_the_variance():
    d = _ipw()
    res = cox(d, "duration", "event", ["t"], weights="w")
    assert "robust variance" in res._repr_html_()
    plain = cox(d, "duration", "event", ["t"])
    assert plain.variance == "model" and plain.weights is None


@pytest.mark.parametrize(
    ("change", "kwargs", "match"),
    [
        ({"w": 0.0}, {}, r"weights must be finite and positive .* row 0 of 'w' is 0.0"),
        ({"w": -1.0}, {}, r"weights must be finite and positive"),
        ({"w": np.nan}, {}, r"weights must be finite and positive"),
        ({"w": "a"}, {}, r"weights column 'w' must be numeric"),
        ({}, {"weights": "nope"}, r"weights must be a column of data, but 'nope' is not"),
    ],
)
def test_weight_errors(change, kwargs, match):
    d = _ipw().head(50).copy()
    for col, value in change.items():
        d[col] = d[col].astype(object) if isinstance(value, str) else d[col]
        d.loc[0, col] = value
    args = {"weights": "w", **kwargs}
    with pytest.raises(ValueError, match=match):
        cox(d, "duration", "event", ["t"], **args)


def test_robust_must_be_bool():
    with pytest.raises(TypeError, match=r"robust must be True, False or None, but was 'yes'"):
        cox(_ipw(), "duration", "event", ["t"], robust="yes")


def test_infinite_coefficient_and_constant_covariate_follow_r():
    """A covariate that separates the events: R warns that the coefficient may be
    infinite and returns it; a constant covariate: NA with a warning (R: NA)."""
    d = pd.DataFrame(
        {"t": [1, 2, 3, 4, 5, 6], "d": [1, 1, 1, 1, 1, 1], "x": [0, 0, 0, 1, 1, 1.0]}
    ).assign(w=1.5)
    d.loc[d.x == 1, "t"] += 10  # x = 1 never fails first: the coefficient runs to -inf
    with pytest.warns(UserWarning, match=r"coefficient may be infinite"):
        fit = cox(d, "t", "d", ["x"], weights="w")
    assert fit.summary.loc["x", "coef"] < -10
    with pytest.warns(UserWarning) as record:
        fit = cox(d.assign(c=2.0), "t", "d", ["x", "c"], weights="w")
    messages = [str(w.message) for w in record]
    assert any("'c' cannot be estimated" in m for m in messages)
    assert any("before 'x'; the coefficient may be infinite" in m for m in messages)
    assert np.isnan(fit.summary.loc["c", "coef"])
