"""Cox regression against R coxph (cox.json: both ties, factors, strata), the column
interface against the formula interface, argument errors and the printed forms.

More R comparisons (edge cases, counting process, clusters, concordance, cox.zph,
survfit) are in test_survival_cox_r.py; weights and the robust variance in
test_survival_cox_weighted.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from survival_helpers import assert_close, lung_complete, read_csv, read_json, unemp

from evalkit.survival import cox

COX_RTOL = 1e-5

CASES = {
    "lung": (lung_complete, "time", "status", ["age", "sex", "ph_ecog"], None),
    "veteran": (
        lambda: read_csv("veteran.csv"),
        "time",
        "status",
        ["karno", "age", "celltype", "trt"],
        None,
    ),
    "veteran_strata": (
        lambda: read_csv("veteran.csv"),
        "time",
        "status",
        ["karno", "celltype"],
        "prior",
    ),
    "ovarian_strata": (
        lambda: read_csv("ovarian.csv"),
        "time",
        "status",
        ["age", "rx"],
        "resid_ds",
    ),
    "unemp": (unemp, "spell", "censor1", ["age", "ui", "logwage", "tenure"], None),
}


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("case", list(CASES))
def test_cox_matches_coxph(case, ties):
    load, t, e, cov, strata = CASES[case]
    ref = read_json("cox.json")[f"{case}|{ties}"]
    res = cox(load(), t, e, cov, ties=ties, strata=strata)
    assert list(res.summary.index) == ref["names"]
    s = res.summary
    assert_close(s.coef, ref["coef"], rtol=COX_RTOL, name="coef")
    assert_close(s.se, ref["se"], rtol=COX_RTOL, name="se")
    assert_close(s.lower, ref["lower"], rtol=COX_RTOL, name="lower")
    assert_close(s.upper, ref["upper"], rtol=COX_RTOL, name="upper")
    assert_close(s.p_value, ref["p_value"], rtol=1e-4, name="p")
    assert_close(res.loglik, ref["loglik"], rtol=COX_RTOL, name="loglik")


def test_categorical_dtype_uses_category_order_and_r_names():
    df = lung_complete().copy()
    df["sex"] = pd.Categorical(df["sex"], categories=["M", "F"])
    res = cox(df, "time", "status", ["sex"])
    assert list(res.summary.index) == ["sexF"]
    assert list(res.summary.columns) == [
        "coef",
        "hazard_ratio",
        "se",
        "se_model",
        "z",
        "p_value",
        "lower",
        "upper",
    ]
    assert np.allclose(res.summary.hazard_ratio, np.exp(res.summary.coef))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"ties": "exact"}, r"ties must be one of"),
        ({"covariates": ["nope"]}, r"'nope' is not"),
        ({"covariates": []}, r"non-empty list"),
        ({"duration": "zzz"}, r"duration must be a column"),
        ({"strata": "zzz"}, r"strata must be a column"),
        ({"weights": "w"}, r"weights must be a column of data, but 'w' is not"),
        ({"covariates": ["xna"]}, r"'xna' has missing values \(first at row 1\)"),
        ({"covariates": ["one"]}, r"single level"),
        ({"event": "bad"}, r"events must hold only 0 and 1"),
    ],
)
def test_cox_errors(kwargs, match):
    df = pd.DataFrame(
        {
            "t": [1, 2, 3, 4],
            "d": [1, 0, 1, 1],
            "bad": [1, 2, 0, 1],
            "x": [0.1, 0.2, 0.3, 0.4],
            "xna": [0.1, np.nan, 0.3, 0.4],
            "one": ["a", "a", "a", "a"],
        }
    )
    args = {"data": df, "duration": "t", "event": "d", "covariates": ["x"]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        cox(**args)


COX_DIR = "cox"


def _heart() -> pd.DataFrame:
    return read_csv(f"{COX_DIR}/heart.csv")


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_columns_and_formula_give_the_same_fit(ties):
    d = read_csv(f"{COX_DIR}/lung.csv")
    a = cox(d, "time", "status", ["age", "sex", "ph_ecog"], ties=ties, strata="site", weights="rw")
    b = cox("Surv(time, status) ~ age + sex + ph_ecog + strata(site)", data=d, ties=ties,
            weights="rw")  # fmt: skip
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    h = _heart()
    cols = ["age", "year", "surgery", "transplant"]
    a = cox(h, "stop", "event", cols, start="start", id="id", robust=True, ties=ties)
    b = cox("Surv(start, stop, event) ~ age + year + surgery + transplant + cluster(id)",
            data=h, ties=ties)  # fmt: skip
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert a.cluster == "id" and b.cluster == "id" and a.variance == "robust"


def test_offset_by_column_equals_offset_in_formula():
    d = read_csv(f"{COX_DIR}/lung.csv").assign(o=lambda f: f.age / 100)
    a = cox(d, "time", "status", ["sex", "ph_ecog"], offset="o")
    b = cox("Surv(time, status) ~ sex + ph_ecog + offset(age / 100)", data=d)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert a.loglik == pytest.approx(b.loglik, rel=1e-12)


def test_r_robust_defaults():
    h = _heart()
    cols = ["age", "year", "surgery", "transplant"]
    # an id alone: robust only when an id has more than one event (not in heart)
    assert cox(h, "stop", "event", cols, start="start", id="id").variance == "model"
    assert cox(h, "stop", "event", cols, start="start", cluster="id").variance == "robust"
    with pytest.warns(UserWarning, match=r"cluster given with robust=False"):
        fit = cox(h, "stop", "event", cols, start="start", cluster="id", robust=False)
    assert fit.variance == "model" and fit.cluster is None
    with pytest.raises(ValueError, match=r"needs cluster= or id="):
        cox(h, "stop", "event", cols, start="start", robust=True)


def test_unused_level_of_a_categorical_column_is_na():
    d = lung_complete().copy()
    d["ecog"] = pd.Categorical(d["ph_ecog"].astype(int).astype(str), categories=list("01234"))
    with pytest.warns(UserWarning, match=r"'ecog4' cannot be estimated"):
        fit = cox(d, "time", "status", ["age", "ecog"])
    assert fit.summary["coef"].isna().tolist() == [False, False, False, False, True]


def test_printed_forms_are_r_like():
    d = read_csv(f"{COX_DIR}/lung.csv")
    fit = cox("Surv(time, status) ~ age + sex + ph_ecog", data=d)
    text = repr(fit)
    assert "exp(coef)" in text and "Likelihood ratio test=" in text
    assert "n= 227, number of events= 164" in text
    summ = repr(fit.summary())
    assert "Concordance= 0.637  (se = 0.025 )" in summ
    assert "Score (logrank) test =" in summ and "lower .95" in summ
    html = fit._repr_html_()
    assert "n = 227" in html and "events = 164" in html and "<table>" in html
    assert fit.summary.loc["age", "coef"] == fit.coef["age"]


@pytest.mark.parametrize(
    ("pvalue", "text"),
    [(0.0008574, "0.0008574"), (3.13e-9, "3.13e-09"), (1e-20, "<2.22e-16"), (0.2, "0.2")],
)
def test_format_pvalue_like_r(pvalue, text):
    from evalkit.survival.cox_result import format_pvalue

    assert format_pvalue(pvalue, 4 if pvalue > 1e-8 else 3) == text


@pytest.mark.parametrize(
    ("formula", "match"),
    [
        ("time ~ age", r"expected Surv\(\.\.\.\)"),
        ("Surv(time, status) ~ 1", r"at least one covariate"),
        ("Surv(time, status) ~ age + nope", r"cannot build the covariates"),
        ("Surv(time, status, age, sex) ~ age", r"Surv\(\) takes"),
        ("Surv(time, age) ~ sex", r"the event 'age' must be 0/1, 1/2 or logical"),
        ("Surv(time, status) ~ age + strata(sex):age", r"cannot be in an interaction"),
    ],
)
def test_formula_errors(formula, match):
    d = read_csv(f"{COX_DIR}/lung.csv")
    with pytest.raises(ValueError, match=match):
        cox(formula, data=d)


def test_formula_argument_errors():
    d = read_csv(f"{COX_DIR}/lung.csv")
    with pytest.raises(ValueError, match=r"with a formula, duration must not be given"):
        cox("Surv(time, status) ~ age", data=d, event="status", duration="time")
    with pytest.raises(TypeError, match=r"data must be a DataFrame, but was list"):
        cox("Surv(time, status) ~ age", data=[1, 2])
    with pytest.raises(ValueError, match=r"strata once"):
        cox("Surv(time, status) ~ age + strata(sex)", data=d, strata="site")
    with pytest.raises(ValueError, match=r"start must be less than stop .* row 0"):
        cox(_heart().assign(start=lambda f: f.stop), "stop", "event", ["age"], start="start")
    with pytest.raises(ValueError, match=r"at least one event"):
        cox(d.assign(status=0), "time", "status", ["age"])


def test_formula_drops_rows_with_missing_values_as_r():
    d = read_csv("lung.csv")  # ph_ecog has one missing value
    fit = cox("Surv(time, status) ~ age + ph_ecog", data=d)
    assert fit.n_missing == 1 and fit.n == len(d) - 1
    assert "1 observations deleted due to missingness" in repr(fit)


def test_survfit_picks_the_stratum_of_each_newdata_row():
    d = read_csv(f"{COX_DIR}/lung.csv")
    d = d[d.site != "C"]
    fit = cox("Surv(time, status) ~ age + ph_ecog + strata(sex, site)", data=d)
    prof = pd.DataFrame({"age": [60], "ph_ecog": [1], "sex": ["F"], "site": ["B"]})
    own = fit.survfit(prof)
    assert own.curves == (0,)
    every = fit.survfit(prof[["age", "ph_ecog"]])
    assert len(every.curves) == 4 and "0, sex=F, site=B" in every.curves
    mine = every.curve("0, sex=F, site=B")
    np.testing.assert_array_equal(own.curve(0)["survival"], mine["survival"])
    with pytest.raises(ValueError, match=r"stratum the model does not know: 'sex=F, site=C'"):
        fit.survfit(prof.assign(site="C"))
