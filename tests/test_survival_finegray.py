"""Fine-Gray regression against R cmprsk::crr and predict.crr (cmprsk 2.2-11).

Reference: tests/fixtures/make_finegray_fixtures.R.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from survival_helpers import assert_close, read_csv, read_json, unemp

from evalkit.survival import fine_gray

NEWDATA = {
    "mgus2": pd.DataFrame({"age": [60, 80], "sex": ["F", "M"], "mspike": [1, 2]}),
    "mgus2_death": pd.DataFrame({"age": [70], "sex": ["M"]}),
    "pbc": pd.DataFrame(
        {
            "age": [50, 60],
            "log_bili": [0, 1],
            "albumin": [3.5, 3],
            "sex": ["f", "m"],
            "edema": [0, 0.5],
        }
    ),
    "unemp": pd.DataFrame(
        {"age": [30, 50], "ui": ["no", "yes"], "logwage": [6, 5.5], "tenure": [2, 10]}
    ),
    "unemp_cengroup": pd.DataFrame({"age": [40], "logwage": [6]}),
}


def _fit(case: str):
    if case.startswith("mgus2"):
        d = read_csv("crr_mgus2.csv")
        covs = ["age", "sex", "mspike"] if case == "mgus2" else ["age", "sex"]
        return fine_gray(d, "etime", "event", covs, failcode=1 if case == "mgus2" else 2)
    if case == "pbc":
        d = read_csv("crr_pbc.csv")
        covs = ["age", "log_bili", "albumin", "sex", "edema"]
        return fine_gray(d, "time", "status", covs, failcode=2)
    d = unemp()
    if case == "unemp":
        return fine_gray(d, "spell", "cause", ["age", "ui", "logwage", "tenure"])
    return fine_gray(d, "spell", "cause", ["age", "logwage"], cengroup="ui")


@pytest.fixture(scope="module")
def fits():
    return {case: _fit(case) for case in NEWDATA}


@pytest.mark.parametrize("case", list(NEWDATA))
def test_fine_gray_matches_crr(fits, case):
    fit, ref = fits[case], read_json("crr.json")[case]
    assert fit.summary.index.tolist() == ref["names"]
    assert fit.converged == ref["converged"] and fit.n == ref["n"]
    assert_close(fit.summary["coef"], ref["coef"], name="coef")
    assert_close(fit.variance.to_numpy(), np.atleast_2d(np.array(ref["var"])), name="var")
    assert_close(fit.summary["se"], ref["se"], name="se")
    assert_close([fit.loglik, fit.loglik_null], [ref["loglik"], ref["loglik_null"]])
    assert_close(fit.times, ref["uftime"], name="uftime")
    assert_close(fit.baseline_jumps, ref["bfitj"], name="bfitj")


@pytest.mark.parametrize("case", list(NEWDATA))
def test_predicted_cif_matches_predict_crr(fits, case):
    fit, ref = fits[case], read_json("crr.json")[case]
    pred = fit.predict(NEWDATA[case])
    want = np.array(ref["predict"], dtype=float).reshape(len(ref["uftime"]), -1)
    assert pred.columns.tolist() == ["time", *range(len(NEWDATA[case]))]
    assert_close(pred["time"], ref["uftime"])
    assert_close(pred.drop(columns="time").to_numpy(), want, name="cif")
    # at chosen times: the step function (0 before the first event time)
    t = ref["uftime"]
    at = fit.predict(NEWDATA[case], times=[t[0] / 2, t[2], (t[2] + t[3]) / 2])
    assert_close(at.drop(columns="time").to_numpy(), np.vstack([0 * want[0], want[2], want[2]]))


def test_summary_prints_like_summary_crr(fits):
    fit = fits["mgus2"]
    text = str(fit.summary())
    assert text.startswith("Competing Risks Regression")
    assert "exp(-coef)" in text and "Pseudo likelihood ratio test" in text
    assert "sexM" in text and fit.summary.loc["sexM", "hazard_ratio"] > 0
    assert "<table" in fit._repr_html_()
    stat, df, p = fit.lr_test
    assert df == 3 and stat == pytest.approx(-2 * (fit.loglik_null - fit.loglik))
    assert 0 <= p < 0.05


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"duration": "tt"}, ValueError, r"duration must be a column of data, but 'tt'"),
        ({"covariates": []}, ValueError, r"covariates must be a non-empty list"),
        ({"covariates": ["zz"]}, ValueError, r"covariates must be columns of data"),
        ({"failcode": 7}, ValueError, r"no rows with failcode 7"),
        ({"cengroup": "zz"}, ValueError, r"cengroup must be a column"),
        ({"maxiter": -1}, ValueError, r"maxiter must be a whole number"),
        ({"data": [1, 2]}, TypeError, r"data must be a DataFrame"),
    ],
)
def test_fine_gray_errors(kwargs, err, match):
    args = {
        "data": pd.DataFrame({"t": [1.0, 2, 3, 4], "c": [1, 2, 0, 1], "x": [1.0, 0, 1, 0]}),
        "duration": "t",
        "cause": "c",
        "covariates": ["x"],
    }
    args.update(kwargs)
    with pytest.raises(err, match=match):
        fine_gray(**args)


def test_plot_draws_one_step_curve_per_profile_through_predict(fits):
    fit = fits["mgus2"]
    nd = NEWDATA["mgus2"].set_axis(["60 år, K", "80 år, M"])
    fig = fit.plot(nd)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["60 år, K", "80 år, M"]
    pred = fit.predict(nd)
    for line, label in zip(ax.get_lines(), nd.index, strict=True):
        x, y = line.get_data()
        assert x[0] == 0 and y[0] == 0
        assert_close(y[1:], pred[label], name=label)
    assert ax.get_ylabel() == "Kumuleret andel"
