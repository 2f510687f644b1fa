"""Tests for evalkit.compare.

R reference values come from tests/fixtures/make_baseline_fixtures.R (glm binomial,
sandwich); matching is checked against a brute-force greedy matcher written here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from matplotlib.figure import Figure

from evalkit.compare import (
    alt_text_love_plot,
    att_weights,
    balance_table,
    ipw_att,
    love_plot,
    match_nearest,
    matched_weights,
    propensity_score,
)

FIX = Path(__file__).parent / "fixtures" / "baseline"
RTOL = 1e-6
COVS = ["age", "weeks", "sex", "edu"]


@pytest.fixture(scope="module")
def ps_data() -> pd.DataFrame:
    return pd.read_csv(FIX / "ps_data.csv")


# ---------------------------------------------------------------------------
# propensity score and weights
# ---------------------------------------------------------------------------


def test_propensity_score_matches_r_glm(ps_data):
    ps = propensity_score(ps_data, "treat", COVS)
    expected = pd.read_csv(FIX / "ps_reference.csv")["ps"].to_numpy()
    np.testing.assert_allclose(ps.to_numpy(), expected, rtol=RTOL)
    assert ps.name == "propensity_score"
    assert ps.index.equals(ps_data.index)


def test_propensity_score_equals_hand_built_logit(ps_data):
    x = pd.get_dummies(ps_data[COVS], columns=["sex", "edu"], drop_first=True, dtype=float)
    fit = sm.Logit(ps_data["treat"], sm.add_constant(x)).fit(disp=0)
    np.testing.assert_allclose(propensity_score(ps_data, "treat", COVS), fit.predict(), rtol=1e-8)


def test_propensity_score_respects_category_order(ps_data):
    data = ps_data.assign(
        edu=pd.Categorical(ps_data["edu"], categories=["videregaaende", "grund", "erhverv"])
    )
    # a different reference level gives the same fitted values
    np.testing.assert_allclose(
        propensity_score(data, "treat", COVS), propensity_score(ps_data, "treat", COVS)
    )


def test_att_weights(ps_data):
    w = att_weights(ps_data, "treat", COVS)
    ps = propensity_score(ps_data, "treat", COVS)
    t = ps_data["treat"] == 1
    assert (w[t] == 1).all()
    assert w[~t].sum() == pytest.approx(t.sum())
    odds = ps[~t] / (1 - ps[~t])
    np.testing.assert_allclose(w[~t], odds * t.sum() / odds.sum())


# ---------------------------------------------------------------------------
# IPW ATT
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("se_method", "key"), [("m-estimation", "se_mest"), ("wls-hc0", "se_wls_hc0")]
)
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_ipw_att_matches_r(baseline_ref, ps_data, se_method, key, alpha):
    est = ipw_att(ps_data, "treat", "outcome", COVS, alpha=alpha, se_method=se_method)
    np.testing.assert_allclose(est.estimate, baseline_ref["ipw", "att"], rtol=RTOL)
    np.testing.assert_allclose(est.se, baseline_ref["ipw", key], rtol=RTOL)
    z = 1.959963984540054 if alpha == 0.05 else 1.6448536269514722
    np.testing.assert_allclose(est.upper - est.estimate, z * est.se, rtol=1e-9)
    assert est.n == len(ps_data)
    assert est.method == f"ipw-att-{se_method}"


def test_ipw_att_m_estimation_with_numerical_derivative(ps_data):
    # independent check of the bread: differentiate the mean estimating function numerically
    t = ps_data["treat"].to_numpy(float)
    y = ps_data["outcome"].to_numpy(float)
    x = sm.add_constant(
        pd.get_dummies(ps_data[COVS], columns=["sex", "edu"], drop_first=True, dtype=float)
    ).to_numpy()
    beta = sm.Logit(t, x).fit(disp=0).params
    mu1 = y[t == 1].mean()
    e = 1 / (1 + np.exp(-x @ beta))
    odds = e / (1 - e)
    mu0 = np.sum((1 - t) * odds * y) / np.sum((1 - t) * odds)
    theta = np.r_[beta, mu1, mu0]
    k = x.shape[1]

    def psi(th):
        b, m1, m0 = th[:k], th[k], th[k + 1]
        p = 1 / (1 + np.exp(-x @ b))
        o = p / (1 - p)
        return np.column_stack([x * (t - p)[:, None], t * (y - m1), (1 - t) * o * (y - m0)])

    h = 1e-6
    jac = np.column_stack(
        [
            (
                psi(theta + h * np.eye(len(theta))[j]).mean(0)
                - psi(theta - h * np.eye(len(theta))[j]).mean(0)
            )
            / (2 * h)
            for j in range(len(theta))
        ]
    )
    n = len(y)
    a_inv = np.linalg.inv(-jac)
    v = a_inv @ (psi(theta).T @ psi(theta) / n) @ a_inv.T / n
    se = np.sqrt(v[k, k] + v[k + 1, k + 1] - 2 * v[k, k + 1])
    est = ipw_att(ps_data, "treat", "outcome", COVS)
    np.testing.assert_allclose(est.se, se, rtol=1e-5)


def test_ipw_att_details(ps_data):
    est = ipw_att(ps_data, "treat", "outcome", COVS)
    d = est.details
    assert d["n_treated"] + d["n_control"] == len(ps_data)
    assert est.estimate == pytest.approx(d["mean_treated"] - d["mean_control_weighted"])
    assert 0 < d["ess_control"] <= d["n_control"]


# ---------------------------------------------------------------------------
# balance
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["series", "array", "column"])
def test_balance_table_matches_r(ps_data, form):
    w = att_weights(ps_data, "treat", COVS)
    data = ps_data
    if form == "array":
        w = w.to_numpy()
    elif form == "column":
        data, w = ps_data.assign(w=w), "w"
    bal = balance_table(data, "treat", COVS, weights=w)
    expected = pd.read_csv(FIX / "balance_reference.csv", keep_default_na=False, na_values=["NA"])
    assert list(bal["covariate"]) == list(expected["covariate"])
    assert list(bal["level"]) == list(expected["level"])
    for ours, theirs in [
        ("smd_before", "smd_before"),
        ("smd_after", "smd_after"),
        ("variance_ratio_before", "vr_before"),
        ("variance_ratio_after", "vr_after"),
    ]:
        np.testing.assert_allclose(bal[ours], expected[theirs], rtol=RTOL)
    assert list(bal["type"]) == ["continuous"] * 2 + ["binary"] * 5


def test_balance_table_without_weights_has_nan_after(ps_data):
    bal = balance_table(ps_data, "treat", ["age", "sex"])
    assert bal["smd_after"].isna().all() and bal["mean_control_weighted"].isna().all()
    t = ps_data["treat"] == 1
    a1, a0 = ps_data.loc[t, "age"], ps_data.loc[~t, "age"]
    expected = (a1.mean() - a0.mean()) / np.sqrt((a1.var() + a0.var()) / 2)
    assert bal.loc[0, "smd_before"] == pytest.approx(expected)


def test_balance_table_numeric_binary_covariate(ps_data):
    data = ps_data.assign(male=(ps_data["sex"] == "M").astype(int))
    bal = balance_table(data, "treat", ["male", "sex"])
    assert bal.loc[0, "type"] == "binary"
    assert bal.loc[0, "smd_before"] == pytest.approx(bal.loc[2, "smd_before"])


# ---------------------------------------------------------------------------
# matching
# ---------------------------------------------------------------------------


def _brute_force(logit, t, width, ratio, replace):
    """O(n^2) greedy matcher with the documented rules, for comparison."""
    pos_t, pos_c = np.flatnonzero(t), np.flatnonzero(~t)
    order = sorted(pos_t, key=lambda i: (-logit[i], i))
    used, pairs = set(), []
    if replace:
        for i in order:
            cands = sorted(pos_c, key=lambda c: (abs(logit[i] - logit[c]), logit[c], c))
            for r, c in enumerate(cands[:ratio], start=1):
                if abs(logit[i] - logit[c]) > width:
                    break
                pairs.append((i, c, r))
        return pairs
    active = order
    for r in range(1, ratio + 1):
        still = []
        for i in active:
            avail = [c for c in pos_c if c not in used]
            if not avail:
                continue
            c = min(avail, key=lambda c: (abs(logit[i] - logit[c]), logit[c], c))
            if abs(logit[i] - logit[c]) > width:
                continue
            used.add(c)
            pairs.append((i, c, r))
            still.append(i)
        active = still
    return pairs


def _match_data(seed: int, n: int = 160) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    grp = rng.choice(["a", "b", "c", "d"], n)  # only categorical: many tied scores
    age = rng.integers(20, 30, n)
    lin = -0.8 + 0.6 * (grp == "b") - 0.5 * (grp == "d") + 0.05 * (age - 25)
    t = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(int)
    return pd.DataFrame({"t": t, "grp": grp, "age": age}, index=[f"p{i}" for i in range(n)])


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("covs", [["grp"], ["grp", "age"]])
@pytest.mark.parametrize("ratio", [1, 2, 3])
@pytest.mark.parametrize("replace", [False, True])
@pytest.mark.parametrize("caliper", [None, 0.2, 0.02])
def test_match_nearest_equals_brute_force(seed, covs, ratio, replace, caliper):
    data = _match_data(seed)
    ps = propensity_score(data, "t", covs).to_numpy()
    logit = np.log(ps / (1 - ps))
    width = np.inf if caliper is None else caliper * np.std(logit, ddof=1)
    expected = _brute_force(logit, data["t"].to_numpy() == 1, width, ratio, replace)
    expected.sort(key=lambda p: (p[0], p[2]))
    got = match_nearest(data, "t", covs, caliper=caliper, ratio=ratio, replace=replace)
    assert list(got["treated"]) == [data.index[p[0]] for p in expected]
    assert list(got["control"]) == [data.index[p[1]] for p in expected]
    assert list(got["round"]) == [p[2] for p in expected]
    assert got.attrs["caliper_width"] == pytest.approx(width)
    if not replace:
        assert got["control"].is_unique
    assert (got["distance"] <= width + 1e-12).all()


def test_match_nearest_is_deterministic_at_aalborg_size():
    """Speed lives in benchmarks/matching.py; a test must not depend on the machine."""
    rng = np.random.default_rng(3)
    n_t, n_c = 2500, 10000
    n = n_t + n_c
    data = pd.DataFrame(
        {
            "t": np.r_[np.ones(n_t, int), np.zeros(n_c, int)],
            "age": rng.normal(40, 10, n) + np.r_[np.full(n_t, 3.0), np.zeros(n_c)],
            "weeks": rng.integers(0, 53, n),
            "sex": rng.choice(["K", "M"], n),
        }
    )
    first = match_nearest(data, "t", ["age", "weeks", "sex"])
    second = match_nearest(data, "t", ["age", "weeks", "sex"])
    pd.testing.assert_frame_equal(first, second)
    assert first.attrs["n_treated"] == n_t


@pytest.mark.parametrize(("ratio", "replace"), [(1, False), (2, False), (2, True)])
def test_matched_weights(ratio, replace):
    data = _match_data(4)
    pairs = match_nearest(data, "t", ["grp", "age"], ratio=ratio, replace=replace)
    w = matched_weights(data, pairs)
    matched_t = pairs["treated"].unique()
    assert (w[matched_t] == 1).all()
    is_c = data["t"] == 0
    assert w[is_c].sum() == pytest.approx(len(matched_t))
    unmatched = ~data.index.isin(np.r_[matched_t, pairs["control"].unique()])
    assert (w[unmatched] == 0).all()
    bal = balance_table(data, "t", ["grp", "age"], weights=w)
    assert np.isfinite(bal["smd_after"]).all()


# ---------------------------------------------------------------------------
# love plot and alt text
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("weighted", [True, False])
@pytest.mark.parametrize("own_ax", [True, False])
def test_love_plot(ps_data, weighted, own_ax):
    w = att_weights(ps_data, "treat", COVS) if weighted else None
    bal = balance_table(ps_data, "treat", COVS, weights=w)
    ax = Figure().add_subplot() if own_ax else None
    fig = love_plot(bal, ax=ax)
    assert isinstance(fig, Figure)
    axis = fig.axes[0]
    assert axis.get_xlabel().startswith("Standardiseret middelværdiforskel")
    legend = [t.get_text() for t in axis.get_legend().get_texts()]
    assert legend == (["Før vægtning", "Efter vægtning"] if weighted else ["Før vægtning"])
    dashed = [ln for ln in axis.get_lines() if ln.get_linestyle() == "--"]
    assert len(dashed) == 1 and list(dashed[0].get_xdata()) == [0.1, 0.1]
    assert axis.get_yticklabels()[0].get_text() == "age"


def test_alt_text_love_plot(ps_data):
    bal = balance_table(ps_data, "treat", COVS, weights=att_weights(ps_data, "treat", COVS))
    text = alt_text_love_plot(bal)
    assert "7 variable" in text
    assert "før vægtning: 0,34 (edu: grund)" in text
    assert "efter vægtning: 0,02 (edu: grund)" in text
    unweighted = alt_text_love_plot(balance_table(ps_data, "treat", COVS))
    assert "ingen vægtning" in unweighted


# ---------------------------------------------------------------------------
# error paths
# ---------------------------------------------------------------------------

ERRORS = [
    (propensity_score, {"treatment": "nope"}, r"treatment: column 'nope' is not in data"),
    (propensity_score, {"covariates": ["age", "nope"]}, r"covariates: column 'nope' is not"),
    (propensity_score, {"treatment": "age"}, r"treatment \('age'\) must hold only 0 and 1"),
    (propensity_score, {"treatment": "sex"}, r"treatment: column 'sex' must hold only 0 and 1"),
    (att_weights, {"treatment": "one"}, r"must hold both 0 and 1, but had only 1"),
    (att_weights, {"covariates": ["age", "gap"]}, r"column 'gap' has 1 missing value"),
    (att_weights, {"covariates": ["age", "const"]}, r"rank deficient"),
    (propensity_score, {"covariates": ["age", "age"]}, r"covariates must not repeat"),
    (ipw_att, {"outcome": "nope"}, r"outcome: column 'nope' is not in data"),
    (ipw_att, {"outcome": "sex"}, r"outcome: column 'sex' must be numeric"),
    (ipw_att, {"se_method": "bootstrap"}, r"se_method must be one of 'm-estimation', 'wls-hc0'"),
    (ipw_att, {"alpha": 1.0}, r"alpha must lie strictly between 0 and 1"),
    (match_nearest, {"caliper": -0.2}, r"caliper must be positive and finite, but was -0.2"),
    (match_nearest, {"ratio": 0}, r"ratio must be at least 1, but was 0"),
    (balance_table, {"weights": [1.0, 2.0]}, r"weights must have one value per row \(600\)"),
    (balance_table, {"weights": "nope"}, r"weights: column 'nope' is not in data"),
    (balance_table, {"weights": "neg"}, r"weights must be finite and non-negative"),
    (balance_table, {"weights": "zero_c"}, r"positive total in both groups"),
]


@pytest.mark.parametrize(("func", "kwargs", "match"), ERRORS)
def test_errors(ps_data, func, kwargs, match):
    data = ps_data.assign(
        one=1,
        const=2.0,
        gap=ps_data["age"].where(ps_data.index != 5),
        neg=-1.0,
        zero_c=ps_data["treat"].astype(float),
    )
    args = {"data": data, "treatment": "treat", "covariates": ["age", "sex"]}
    if func is ipw_att:
        args["outcome"] = "outcome"
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        func(**args)


def test_perfect_separation_is_an_error():
    data = pd.DataFrame({"t": [0, 0, 0, 1, 1, 1], "x": [1.0, 2, 3, 4, 5, 6]})
    with pytest.raises(ValueError, match=r"separate the groups perfectly|0 or 1"):
        propensity_score(data, "t", ["x"])


def test_type_errors(ps_data):
    with pytest.raises(TypeError, match=r"data must be a pandas DataFrame"):
        propensity_score(ps_data.to_numpy(), "treat", ["age"])
    with pytest.raises(TypeError, match=r"replace must be True or False"):
        match_nearest(ps_data, "treat", ["age"], replace="no")
    with pytest.raises(TypeError, match=r"covariates must be a column name or a list"):
        propensity_score(ps_data, "treat", 3)


def test_plot_input_errors():
    with pytest.raises(ValueError, match=r"lacks columns \['smd_after'\]"):
        love_plot(pd.DataFrame({"covariate": ["a"], "level": [""], "smd_before": [0.2]}))
    with pytest.raises(ValueError, match=r"balance is empty"):
        alt_text_love_plot(pd.DataFrame(columns=["covariate", "level", "smd_before", "smd_after"]))
    with pytest.raises(TypeError, match=r"balance must be a DataFrame"):
        love_plot([1, 2])
    with pytest.raises(ValueError, match=r"pairs must be the result of match_nearest"):
        matched_weights(pd.DataFrame({"t": [1]}), pd.DataFrame({"x": [1]}))
