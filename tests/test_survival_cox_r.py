"""Cox regression against R coxph / concordance / cox.zph / survfit.coxph.

Reference values: tests/fixtures/make_cox_fixtures.R -> tests/fixtures/survival/cox/
(R 4.2, survival 3.5-3, recorded in cases.json). Every case is fitted with the formula
R was given (the same string: formulaic reads it) and both ties. Covered: covariates
that cannot be estimated (constant, collinear, a combination, an unused factor level,
constant within every stratum, weighted), a stratum without events with weights and
with the robust variance, counting-process data (Stanford heart: time-varying
transplant; clusters and ids), delayed entry (unempdur with an entry time), a
time-varying covariate (R's tt() and the same model on survSplit rows), clustered
robust variance (colon), expressions in the formula (pbc: log(), status == 2, rows
with missing values dropped) and an offset. Tolerances: rtol 1e-5 for coefficients and
their (co)variances, 1e-6 for the rest.
"""

from __future__ import annotations

import json
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from survival_helpers import assert_close

from evalkit.survival import cox

DIR = Path(__file__).parent / "fixtures" / "survival" / "cox"
COEF_RTOL = 1e-5
RTOL = 1e-6


@cache
def ref() -> dict:
    return json.loads((DIR / "cases.json").read_text())


@cache
def _data(name: str) -> pd.DataFrame:
    file = {"vsplit": "veteran_split.csv", "unemp": "unemp_entry.csv"}.get(name, f"{name}.csv")
    d = pd.read_csv(DIR / file)
    if name == "lung":
        d["f"] = pd.Categorical(d["f"], categories=["a", "b", "c"])
    if name == "colon":
        d["rx"] = pd.Categorical(d["rx"], categories=["Obs", "Lev", "Lev+5FU"])
    return d


CASES = sorted({k.split("|")[0] for k in ref() if "|" in k and not k.startswith("survfit")})


@cache
def _fit(case: str, ties: str):
    """The fit of a case (cached: the results are immutable)."""
    r = ref()[f"{case}|{ties}"]
    args = r["args"]
    kwargs = {k: args[k] for k in ("weights", "cluster", "id", "robust") if k in args}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cox(r["formula"], data=_data(args["data"]), ties=ties, **kwargs), r


def test_fixtures_come_from_survival_3_5_or_later():
    major, minor = (int(v) for v in ref()["survival_version"].split(".")[:2])
    assert (major, minor) >= (3, 5)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("case", CASES)
def test_coxph(case, ties):
    fit, r = _fit(case, ties)
    s = fit.summary
    assert list(s.index) == r["names"]
    assert fit.n == r["n"] and fit.n_events == r["nevent"] and fit.n_missing == r["n_missing"]
    assert fit.variance == ("robust" if r["robust"] else "model")
    assert_close(s["coef"], r["coef"], rtol=COEF_RTOL, name="coef")
    assert_close(s["se"], r["se"], rtol=COEF_RTOL, name="se")
    assert_close(s["se_model"], r["se_model"], rtol=COEF_RTOL, name="se_model")
    assert_close(fit.loglik, r["loglik"], rtol=RTOL, name="loglik")
    assert_close(fit.loglik_null, r["loglik0"], rtol=RTOL, name="loglik0")
    t = fit.tests
    assert (t["df"] == r["df"]).all()
    assert_close(t.loc["likelihood_ratio", "statistic"], r["lr"], rtol=COEF_RTOL, name="lr")
    wald = r["wald"] if r["wald"] != [] else 0.0  # R: numeric(0) when every coef is NA
    assert_close(t.loc["wald", "statistic"], wald, rtol=COEF_RTOL, name="wald")
    assert_close(t.loc["score", "statistic"], r["score"], rtol=RTOL, name="score")
    assert_close(t.loc["score", "p_value"], r["score_p"], rtol=RTOL, name="score p")
    assert_close(t.loc["likelihood_ratio", "p_value"], r["lr_p"], rtol=COEF_RTOL, name="lr p")
    if r["df"]:
        assert_close(t.loc["wald", "p_value"], r["wald_p"], rtol=COEF_RTOL, name="wald p")
    if r["rscore"] is None:
        assert "robust_score" not in t.index
    else:
        assert_close(t.loc["robust_score", "statistic"], r["rscore"], rtol=RTOL, name="rscore")


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("case", CASES)
def test_concordance(case, ties):
    fit, r = _fit(case, ties)
    c = fit.concordance()
    counts = [c.concordant, c.discordant, c.tied_x, c.tied_y, c.tied_xy]
    assert_close(counts, r["concordance"][:5], rtol=RTOL, name="counts")
    assert_close(c.estimate, r["concordance"][5], rtol=RTOL, name="C")
    assert_close(c.se, r["concordance"][6], rtol=RTOL, name="se(C)")


ZPH = sorted(k.split("|")[0] for k in ref() if "|" in k and "zph" in ref()[k])


@pytest.mark.parametrize("transform", ["km", "identity", "rank"])
@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("case", sorted(set(ZPH)))
def test_cox_zph(case, ties, transform):
    fit, r = _fit(case, ties)
    z = r["zph"][transform]
    tab = fit.cox_zph(transform).table
    assert list(tab.index) == [t.replace("ph.ecog", "ph_ecog") for t in z["terms"]]
    assert (tab["df"].to_numpy() == np.array(z["df"])).all()
    assert_close(tab["chisq"], z["chisq"], rtol=COEF_RTOL, name="chisq")
    assert_close(tab["p"], z["p"], rtol=COEF_RTOL, name="p")


SURVFIT = sorted(k.split("|")[1] for k in ref() if k.startswith("survfit|"))


@pytest.mark.parametrize("curve", SURVFIT)
def test_survfit_coxph(curve):
    info = ref()[f"survfit|{curve}"]
    fit, _ = _fit(info["case"], info["ties"])
    newdata = pd.read_csv(DIR / f"newdata_{curve}.csv")
    want = pd.read_csv(DIR / f"survfit_{curve}.csv", keep_default_na=False, na_values=[""])
    strata_col = fit.strata
    for row in range(len(newdata) + 1):
        nd = None if row == 0 else newdata.iloc[[row - 1]]
        if nd is not None and "rx" in nd:
            nd = nd.assign(rx=pd.Categorical(nd["rx"], categories=["Obs", "Lev", "Lev+5FU"]))
        got = fit.survfit(nd).table
        exp = want[want["row"] == row]
        if strata_col is not None and nd is not None and strata_col in nd:
            got = got  # one stratum: R gives the same single curve
        assert len(got) == len(exp)
        assert_close(got["time"], exp["time"], rtol=RTOL, name="time")
        assert_close(got["at_risk"], exp["n_risk"], rtol=RTOL, name="n.risk")
        assert_close(got["events"], exp["n_event"], rtol=RTOL, name="n.event")
        assert_close(got["censored"], exp["n_censor"], rtol=RTOL, name="n.censor")
        assert_close(got["survival"], exp["surv"], rtol=COEF_RTOL, name="surv")
        assert_close(got["cumhaz"], exp["cumhaz"], rtol=COEF_RTOL, name="cumhaz")
        assert_close(got["std_err"], exp["std_err"], rtol=COEF_RTOL, name="std.err")
        assert_close(got["lower"], exp["lower"], rtol=COEF_RTOL, name="lower")
        assert_close(got["upper"], exp["upper"], rtol=COEF_RTOL, name="upper")


def test_time_varying_covariate_equals_r_tt():
    """R's tt() and the same model on rows split at the event times agree; so do we."""
    fit, _ = _fit("veteran_tv", "efron")
    tt = ref()["veteran_tt"]
    assert_close(fit.summary["coef"], tt["coef"], rtol=COEF_RTOL, name="coef")
    assert_close(fit.summary["se"], tt["se"], rtol=COEF_RTOL, name="se")
    assert_close(fit.loglik, tt["loglik"], rtol=RTOL, name="loglik")


NA_CASES = {
    "na_only_weighted": ["one"],
    "na_strata_weighted": ["sexM"],
    "na_constant": ["one"],
    "na_collinear": ["age2"],
    "na_combination": ["x3"],
    "na_unused_level": ["fc"],
    "na_within_strata": ["sexM"],
    "na_weighted": ["one"],
}


@pytest.mark.parametrize(("case", "names"), list(NA_CASES.items()))
def test_inestimable_covariate_is_na_with_a_warning(case, names):
    r = ref()[f"{case}|efron"]
    args = r["args"]
    kwargs = {k: args[k] for k in ("weights",) if k in args}
    with pytest.warns(UserWarning, match=rf"coefficient of '{names[0]}' cannot be estimated"):
        fit = cox(r["formula"], data=_data(args["data"]), **kwargs)
    na = list(fit.summary.index[fit.summary["coef"].isna()])
    assert na == names
    row = fit.summary.loc[names[0]]
    assert row.isna().all()  # every column NaN, as R prints NA
    assert (fit.var.loc[names[0]] == 0).all()  # R keeps zero rows in the variance
    assert fit.tests.loc["wald", "df"] == len(fit.summary) - len(names)
    assert fit.variance == ("robust" if kwargs and len(names) < len(fit.summary) else "model")


@pytest.mark.parametrize(
    ("key", "kwargs"),
    [("concordance_age", {}), ("concordance_age_strata_w", {"strata": "sex", "weights": "rw"})],
)
def test_concordance_index_of_a_score(key, kwargs):
    """R's concordance(Surv(time, status) ~ age): a larger score, a longer survival."""
    from evalkit.survival import concordance_index

    d = _data("lung")
    r = ref()[key]
    got = concordance_index(
        d["time"],
        d["status"],
        d["age"],
        reverse=False,
        **{k: d[v] for k, v in kwargs.items()},
    )
    counts = [got.concordant, got.discordant, got.tied_x, got.tied_y, got.tied_xy]
    assert_close(counts, r["count"], rtol=RTOL, name="counts")
    assert_close(got.estimate, r["concordance"], rtol=RTOL, name="C")
    assert_close(got.se, r["se"], rtol=RTOL, name="se")


def test_nearly_equal_times_are_tied_as_r_timefix():
    """Times differing by a relative 1e-9 are ties for R (aeqSurv) and for us."""
    jit, _ = _fit("lung_timefix", "efron")
    plain, _ = _fit("lung", "efron")
    assert_close(jit.summary["coef"], plain.summary["coef"], rtol=1e-12, name="coef")
    from evalkit.survival._coxfit import timefix

    t = np.array([1.0, 1.0 + 1e-12, 2.0, 2.0 * (1 + 1e-9), 3.0])
    (fixed,) = timefix(t)
    assert fixed.tolist() == [1.0, 1.0, 2.0, 2.0, 3.0]
    (same,) = timefix(np.array([1, 2, 3]))
    assert same.tolist() == [1, 2, 3]


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("conf_type", ["log", "log-log"])
def test_predicted_curves_print_as_r(ties, conf_type):
    """Medians (print.survfit) and summary(times=) of survfit(coxfit, newdata).

    Reference: tests/fixtures/make_survfit_cox_print_fixtures.R.
    """
    want = json.loads((DIR / "survfit_print.json").read_text())[f"{ties}|{conf_type}"]
    lung = pd.read_csv(DIR / "lung.csv")
    nd = pd.read_csv(DIR / "newdata_lung.csv")
    fit = cox("Surv(time, status) ~ age + sex + ph_ecog", data=lung, ties=ties)
    sf = fit.survfit(nd, conf_type=conf_type)
    med = sf.medians()
    assert_close(med["median"], want["median"], rtol=COEF_RTOL, name="median")
    assert_close(med["lower"], want["lower"], rtol=COEF_RTOL, name="lower")
    assert_close(med["upper"], want["upper"], rtol=COEF_RTOL, name="upper")
    assert (med["events"] == want["events"][0]).all()
    text = sf.summary(times=want["times"]).text
    # R's summary matrices are times x curves; ours lists each curve's rows in turn
    surv = np.asarray(want["surv"]).reshape(len(want["times"]), -1).T.ravel()
    se = np.asarray(want["std_err"]).reshape(len(want["times"]), -1).T.ravel()
    lines = [ln.split() for ln in text.splitlines() if ln.strip()[:1].isdigit()]
    got = np.array(lines, dtype=float)
    assert_close(got[:, 0], np.tile(want["times"], 2), name="time")
    assert_close(got[:, 1], np.tile(want["n_risk"], 2), name="n.risk")
    assert_close(got[:, 2], np.tile(want["n_event"], 2), name="n.event")
    assert_close(got[:, 3], surv, rtol=1e-3, name="surv (printed to 4 digits)")
    assert_close(got[:, 4], se, rtol=1e-3, name="std.err (printed to 4 digits)")
    assert "median 0.95LCL 0.95UCL" in repr(sf)
    html = sf._repr_html_()
    assert "<td>164</td>" in html and "164.0" not in html  # counts as integers
