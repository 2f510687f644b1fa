"""Cox regression (statsmodels PHReg) against R coxph: both ties, factors, strata."""

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
    assert list(res.summary.columns) == ["coef", "se", "hazard_ratio", "lower", "upper", "p_value"]
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
