"""Tests for evalkit.did (difference in differences; also importable from evalkit.baseline).

Reference values: R ``lm`` + ``sandwich::vcovCL``/``vcovHC`` written by
tests/fixtures/make_baseline_fixtures.R into tests/fixtures/baseline/ (compared at rtol
1e-6). The tests never run R.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from evalkit import baseline
from evalkit.did import _did_core, did, did_aggregate

FIX = Path(__file__).parent / "fixtures" / "baseline"
RTOL = 1e-6


def test_did_is_reexported_by_baseline():
    assert baseline.did is did
    assert baseline.did_aggregate is did_aggregate
    assert {"did", "did_aggregate"} <= set(baseline.__all__)


@pytest.fixture(scope="module")
def did_data() -> pd.DataFrame:
    return pd.read_csv(FIX / "did_data.csv")


@pytest.mark.parametrize("spec", ["plain", "covariates"])
@pytest.mark.parametrize("errors", ["cluster", "hc1"])
def test_did_matches_r_sandwich(baseline_ref, did_data, spec, errors):
    covs = ["age", "sex", "edu"] if spec == "covariates" else None
    cluster = "kommune" if errors == "cluster" else None
    est = did(did_data, "y", "treated", "post", cluster=cluster, covariates=covs)
    np.testing.assert_allclose(est.estimate, baseline_ref["did", f"{spec}_estimate"], rtol=RTOL)
    np.testing.assert_allclose(est.se, baseline_ref["did", f"{spec}_se_{errors}"], rtol=RTOL)
    np.testing.assert_allclose(est.lower, baseline_ref["did", f"{spec}_lower_{errors}"], rtol=RTOL)
    np.testing.assert_allclose(est.upper, baseline_ref["did", f"{spec}_upper_{errors}"], rtol=RTOL)
    np.testing.assert_allclose(est.p_value, baseline_ref["did", f"{spec}_p_{errors}"], rtol=RTOL)
    assert est.n == len(did_data)
    assert est.details["df"] == (23 if errors == "cluster" else len(did_data) - (8 if covs else 4))


def test_did_equals_hand_built_statsmodels(did_data):
    x = sm.add_constant(
        did_data[["treated", "post"]].assign(did=did_data.treated * did_data.post).astype(float)
    )
    fit = sm.OLS(did_data.y.astype(float), x).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(did_data.kommune)[0]}
    )
    est = did(did_data, "y", "treated", "post", cluster="kommune")
    assert est.estimate == pytest.approx(fit.params["did"], rel=1e-12)
    assert est.se == pytest.approx(fit.bse["did"], rel=1e-12)


@pytest.mark.parametrize("cluster", [None, "kommune"])
def test_did_core_equals_did(did_data, cluster):
    est = did(did_data, "y", "treated", "post", cluster=cluster)
    groups = did_data["kommune"].to_numpy() if cluster else None
    b, se = _did_core(did_data[["y"]].to_numpy(float), did_data.treated, did_data.post, groups)
    np.testing.assert_allclose([b[0], se[0]], [est.estimate, est.se], rtol=1e-10)


def test_did_drops_incomplete_rows(did_data):
    data = did_data.copy()
    data.loc[[0, 5], "age"] = np.nan
    est = did(data, "y", "treated", "post", covariates=["age"])
    assert est.n == len(data) - 2
    assert est.details["n_dropped"] == 2


def test_did_coverage_simulation():
    # 50 kommuner (half treated), 30 persons each before and after, with kommune-by-period
    # shocks, so that ignoring the clustering would understate the standard error
    rng = np.random.default_rng(9)
    reps, g, m, effect = 1500, 50, 30, 0.08
    groups = np.repeat(np.arange(g), 2 * m)
    treated = (groups % 2).astype(float)
    post = np.tile(np.repeat([0.0, 1.0], m), g)
    u = rng.normal(0, 0.04, (g, 2, reps))[groups, post.astype(int)]
    prob = 0.3 + 0.05 * treated[:, None] + 0.04 * post[:, None] + u
    prob = prob + effect * (treated * post)[:, None]
    y = (rng.random(prob.shape) < prob).astype(float)
    b, se = _did_core(y, treated, post, groups)
    q = stats.t.isf(0.025, g - 1)
    coverage = np.mean(np.abs(b - effect) <= q * se)
    assert 0.93 <= coverage <= 0.97


def test_did_aggregate_formula():
    est = did_aggregate(0.146, 350, 0.40, 350, 0.13, 50000, 0.15, None)
    var = 0.146 * 0.854 / 350 + 0.4 * 0.6 / 350 + 0.13 * 0.87 / 50000
    assert est.estimate == pytest.approx(0.254 - 0.02)
    assert est.se == pytest.approx(math.sqrt(var))
    assert est.upper - est.estimate == pytest.approx(stats.norm.isf(0.025) * math.sqrt(var))
    assert est.n == 350 + 350 + 50000
    assert est.details["change_control"] == pytest.approx(0.02)


# ---------------------------------------------------------------------------
# error paths
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: did_aggregate(1.2, 10, 0.5, 10, 0.5, 10, 0.5, 10), r"p_treat_pre must be a share"),
        (
            lambda: did_aggregate(0.2, 0, 0.5, 10, 0.5, 10, 0.5, 10),
            r"n_treat_pre must be at least 1",
        ),
        (lambda: did_aggregate(0.2, None, 0.5, None, 0.5, None, 0.5, None), r"at least one of the"),
    ],
)
def test_did_aggregate_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"outcome": "nope"}, r"outcome: column 'nope' is not in data"),
        ({"cluster": "nope"}, r"cluster: column 'nope' is not in data"),
        ({"covariates": ["age", "nope"]}, r"covariates: column 'nope' is not in data"),
        ({"treated": "age"}, r"treated \('age'\) must hold only 0 and 1"),
        ({"post": "sex"}, r"post: column 'sex' must hold only 0 and 1"),
        ({"outcome": "sex"}, r"outcome: column 'sex' must be numeric"),
        ({"alpha": 2.0}, r"alpha must lie strictly between 0 and 1"),
        ({"covariates": ["age", "age"]}, r"covariates must not repeat a column"),
    ],
)
def test_did_errors(did_data, kwargs, match):
    args = {"outcome": "y", "treated": "treated", "post": "post", **kwargs}
    with pytest.raises(ValueError, match=match):
        did(did_data, **args)


def test_did_errors_on_structure(did_data):
    with pytest.raises(ValueError, match=r"no rows with treated=1 and post=1"):
        did(did_data[~((did_data.treated == 1) & (did_data.post == 1))], "y", "treated", "post")
    with pytest.raises(ValueError, match=r"at least 2 clusters, but had 1"):
        did(did_data.assign(k="a"), "y", "treated", "post", cluster="k")
    with pytest.raises(ValueError, match=r"rank deficient"):
        did(did_data.assign(c=1.0), "y", "treated", "post", covariates=["c"])
    with pytest.raises(TypeError, match=r"data must be a pandas DataFrame"):
        did(did_data.to_numpy(), "y", "treated", "post")
