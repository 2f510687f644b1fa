"""Tests for evalkit.baseline.

Reference values: Newcombe (1998) Tables I and II (printed to 4 decimals), and R output
written by tests/fixtures/make_baseline_fixtures.R into tests/fixtures/baseline/ (compared
at rtol 1e-6). The tests never run R.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import Table2x2

from evalkit.baseline import (
    _newcombe_core,
    _wilson_core,
    relative_change,
    relative_change_mean,
    relative_change_mean_summary,
    share_difference,
    share_vs_reference,
    wilson,
)
from evalkit.results import Estimate

RTOL = 1e-6


# ---------------------------------------------------------------------------
# Wilson (Newcombe 1998a Table I, methods 3 and 4; R prop.test)
# ---------------------------------------------------------------------------

TABLE_I = [
    # x, n, method 3 (lower, upper), method 4 (lower, upper)
    (81, 263, (0.2553, 0.3662), (0.2535, 0.3682)),
    (15, 148, (0.0624, 0.1605), (0.0598, 0.1644)),
    (0, 20, (0.0000, 0.1611), (0.0000, 0.2005)),
    (1, 29, (0.0061, 0.1718), (0.0018, 0.1963)),
    (29, 29, (0.8830, 1.0000), (0.8544, 1.0000)),
]


@pytest.mark.parametrize(("x", "n", "m3", "m4"), TABLE_I)
@pytest.mark.parametrize("correction", [False, True])
def test_wilson_newcombe_table_i(x, n, m3, m4, correction):
    est = wilson(x, n, correction=correction)
    expected = m4 if correction else m3
    assert (round(est.lower, 4), round(est.upper, 4)) == expected
    assert est.estimate == x / n
    assert est.n == n
    assert est.method == ("wilson-cc" if correction else "wilson")


@pytest.mark.parametrize("xn", ["81_263", "15_148", "0_20", "1_29", "29_29", "51_350", "3_7"])
@pytest.mark.parametrize("correction", [False, True])
def test_wilson_matches_r_prop_test(baseline_ref, xn, correction):
    x, n = map(int, xn.split("_"))
    est = wilson(x, n, correction=correction)
    key = f"{xn}_cc" if correction else xn
    np.testing.assert_allclose(
        est.lower, baseline_ref["wilson", f"{key}_lower"], rtol=RTOL, atol=1e-12
    )
    np.testing.assert_allclose(est.upper, baseline_ref["wilson", f"{key}_upper"], rtol=RTOL)


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.10])
def test_wilson_inverts_score_test(alpha):
    # at each Wilson limit the score statistic equals the normal quantile
    x, n = 51, 350
    est = wilson(x, n, alpha=alpha)
    z = stats.norm.isf(alpha / 2)
    for p0 in (est.lower, est.upper):
        np.testing.assert_allclose(abs(x / n - p0) / math.sqrt(p0 * (1 - p0) / n), z, rtol=1e-10)


def test_wilson_returns_estimate_with_table():
    est = wilson(51, 350)
    assert isinstance(est, Estimate)
    assert est.covers(0.146)
    assert list(est.to_frame().columns[:4]) == ["estimate", "lower", "upper", "n"]
    assert "<table" in est._repr_html_()


# ---------------------------------------------------------------------------
# Newcombe (1998b) Table II, methods 10 and 11
# ---------------------------------------------------------------------------

# The brief listed 0.0342 to 0.8534 for 6/7 - 2/7. That is the Miettinen-Nurminen score
# interval (Newcombe's method 6; recomputed independently here, see
# test_brief_value_for_6_7_is_miettinen_nurminen). Method 10 gives 0.0582 to 0.8062, as
# printed in Table II.
TABLE_II = [
    # x1, n1, x0, n0, method 10, method 11
    (56, 70, 48, 80, (0.0524, 0.3339), (0.0428, 0.3422)),
    (9, 10, 3, 10, (0.1705, 0.8090), (0.1013, 0.8387)),
    (6, 7, 2, 7, (0.0582, 0.8062), (-0.0290, 0.8423)),
    (5, 56, 0, 29, (-0.0381, 0.1926), (-0.0667, 0.2037)),
    (0, 10, 0, 20, (-0.1611, 0.2775), (-0.2005, 0.3445)),
    (10, 10, 0, 20, (0.6791, 1.0000), (0.6014, 1.0000)),
]


@pytest.mark.parametrize(("x1", "n1", "x0", "n0", "m10", "m11"), TABLE_II)
@pytest.mark.parametrize("correction", [False, True])
def test_share_difference_newcombe_table_ii(x1, n1, x0, n0, m10, m11, correction):
    est = share_difference(x1, n1, x0, n0, correction=correction)
    expected = m11 if correction else m10
    assert (round(est.lower, 4), round(est.upper, 4)) == pytest.approx(expected, abs=1e-12)
    assert est.estimate == pytest.approx(x1 / n1 - x0 / n0)
    assert est.n == n1 + n0
    d = est.details
    assert d["p1"] == x1 / n1 and d["p0"] == x0 / n0
    w1 = wilson(x1, n1, correction=correction)
    assert (d["p1_lower"], d["p1_upper"]) == (w1.lower, w1.upper)


def test_brief_value_for_6_7_is_miettinen_nurminen():
    from scipy import optimize

    x1, n1, x0, n0 = 6, 7, 2, 7

    def score(delta):
        # restricted MLE of p0 given p1 - p0 = delta, by profile likelihood
        def nll(p0):
            p1 = p0 + delta
            return -(
                x1 * np.log(p1)
                + (n1 - x1) * np.log(1 - p1)
                + x0 * np.log(p0)
                + (n0 - x0) * np.log(1 - p0)
            )

        lo, hi = max(0, -delta) + 1e-12, min(1, 1 - delta) - 1e-12
        p0 = optimize.minimize_scalar(
            nll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12}
        ).x
        p1 = p0 + delta
        var = (p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0) * (n1 + n0) / (n1 + n0 - 1)
        return (x1 / n1 - x0 / n0 - delta) / np.sqrt(var)

    z = stats.norm.isf(0.025)
    lower = optimize.brentq(lambda d: score(d) - z, -0.99, 4 / 7)
    upper = optimize.brentq(lambda d: score(d) + z, 4 / 7, 0.9999)
    assert (round(lower, 4), round(upper, 4)) == (0.0342, 0.8534)
    est = share_difference(x1, n1, x0, n0)
    assert (round(est.lower, 4), round(est.upper, 4)) == (0.0582, 0.8062)


@pytest.mark.parametrize("key", ["56_70_48_80", "9_10_3_10", "120_350_51_350", "5_56_0_29"])
def test_share_difference_p_value_matches_prop_test(baseline_ref, key):
    x1, n1, x0, n0 = map(int, key.split("_"))
    est = share_difference(x1, n1, x0, n0)
    np.testing.assert_allclose(est.p_value, baseline_ref["difference", f"{key}_p"], rtol=RTOL)


@pytest.mark.parametrize("key", ["0_20_0_30", "20_20_30_30"])
def test_share_difference_p_value_nan_when_pooled_share_is_0_or_1(baseline_ref, key):
    # issue 13: prop.test gives NaN when nobody (or everybody) has the outcome; we did 1.0
    x1, n1, x0, n0 = map(int, key.split("_"))
    assert np.isnan(baseline_ref["difference", f"{key}_p"])
    est = share_difference(x1, n1, x0, n0)
    assert np.isnan(est.p_value)
    assert est.estimate == 0.0 and est.lower < 0 < est.upper  # the interval still exists


def test_share_difference_vectorised_core_matches_scalar():
    x1, n1 = np.array([56, 9, 6, 5]), np.array([70, 10, 7, 56])
    x0, n0 = np.array([48, 3, 2, 0]), np.array([80, 10, 7, 29])
    d, lo, hi = _newcombe_core(x1, n1, x0, n0, stats.norm.isf(0.025))
    for i in range(4):
        est = share_difference(int(x1[i]), int(n1[i]), int(x0[i]), int(n0[i]))
        assert (d[i], lo[i], hi[i]) == (est.estimate, est.lower, est.upper)


def test_share_difference_coverage_simulation():
    rng = np.random.default_rng(20240501)
    reps, n1, n0, p1, p0 = 4000, 120, 150, 0.35, 0.20
    x1 = rng.binomial(n1, p1, reps)
    x0 = rng.binomial(n0, p0, reps)
    _, lo, hi = _newcombe_core(x1, np.full(reps, n1), x0, np.full(reps, n0), 1.959963984540054)
    coverage = np.mean((lo <= p1 - p0) & (p1 - p0 <= hi))
    assert 0.93 <= coverage <= 0.97


def test_wilson_core_handles_arrays():
    lo, hi = _wilson_core(np.array([0, 5, 10]), np.array([10, 10, 10]), 1.96)
    assert lo[0] == 0 and hi[2] == 1 and lo.shape == (3,)


# ---------------------------------------------------------------------------
# share against a reference
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["45_197_0.13", "51_350_0.2", "3_30_0.05", "29_29_0.9"])
def test_share_vs_reference_matches_r(baseline_ref, key):
    x, n, p = key.split("_")
    est = share_vs_reference(int(x), int(n), float(p))
    np.testing.assert_allclose(est.p_value, baseline_ref["reference", f"{key}_p_score"], rtol=RTOL)
    np.testing.assert_allclose(
        est.details["p_value_exact"], baseline_ref["reference", f"{key}_p_exact"], rtol=RTOL
    )
    w = wilson(int(x), int(n))
    assert est.lower == pytest.approx(w.lower - float(p))
    assert est.upper == pytest.approx(w.upper - float(p))
    # the score test and the Wilson interval always agree
    assert (est.p_value < 0.05) == (not est.covers(0.0))


# ---------------------------------------------------------------------------
# relative change
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x1", "n1", "x0", "n0"), [(40, 100, 20, 100), (120, 350, 51, 350), (3, 10, 7, 12)]
)
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_relative_change_matches_statsmodels_katz(x1, n1, x0, n0, alpha):
    est = relative_change(x1, n1, x0, n0, alpha=alpha)
    table = Table2x2(np.array([[x1, n1 - x1], [x0, n0 - x0]]))
    lo, hi = table.riskratio_confint(alpha=alpha)
    np.testing.assert_allclose(est.estimate + 1, table.riskratio, rtol=1e-12)
    np.testing.assert_allclose([est.lower + 1, est.upper + 1], [lo, hi], rtol=1e-10)
    np.testing.assert_allclose(est.p_value, table.riskratio_pvalue(), rtol=1e-10)


def test_relative_change_mean_summary_formula():
    est = relative_change_mean_summary(6.0, 3.0, 50, 4.0, 2.0, 40)
    se = math.sqrt(9 / (50 * 36) + 4 / (40 * 16))
    z = stats.norm.isf(0.025)
    assert est.estimate == pytest.approx(0.5)
    assert est.lower == pytest.approx(1.5 * math.exp(-z * se) - 1)
    assert est.upper == pytest.approx(1.5 * math.exp(z * se) - 1)
    assert est.details["se_log"] == pytest.approx(se)
    assert est.n == 90


def test_relative_change_mean_from_data_equals_summary():
    rng = np.random.default_rng(1)
    y1, y0 = rng.poisson(6, 40).astype(float), rng.poisson(4, 30).astype(float)
    a = relative_change_mean(y1, y0)
    b = relative_change_mean_summary(y1.mean(), y1.std(ddof=1), 40, y0.mean(), y0.std(ddof=1), 30)
    assert a == b


# ---------------------------------------------------------------------------
# error paths
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: wilson(11, 10), r"x must not exceed n \(10\), but was 11"),
        (lambda: wilson(0, 0), r"n must be at least 1, but was 0"),
        (lambda: wilson(-1, 10), r"x must be non-negative, but was -1"),
        (lambda: wilson(2.5, 10), r"x must be a whole number, but was 2.5"),
        (lambda: wilson(1, 10, alpha=1.5), r"alpha must lie strictly between 0 and 1"),
        (lambda: wilson(1, 10, alpha=0), r"alpha must lie strictly between 0 and 1"),
        (lambda: share_difference(5, 4, 1, 10), r"x1 must not exceed n1 \(4\), but was 5"),
        (lambda: share_difference(1, 4, 1, 0), r"n0 must be at least 1, but was 0"),
        (lambda: share_difference(1, 4, -2, 10), r"x0 must be non-negative, but was -2"),
        (
            lambda: share_vs_reference(1, 4, 13),
            r"reference must be a share strictly between 0 "
            r"and 1 \(give shares as fractions",
        ),
        (lambda: share_vs_reference(1, 4, 0.0), r"reference must be a share strictly"),
        (lambda: relative_change(0, 10, 1, 10), r"x1 must be at least 1 for a ratio"),
        (lambda: relative_change(1, 10, 0, 10), r"x0 must be at least 1 for a ratio"),
        (
            lambda: relative_change_mean_summary(-1, 1, 10, 1, 1, 10),
            r"mean1 must be finite and "
            r"positive, but was -1",
        ),
        (
            lambda: relative_change_mean_summary(1, -1, 10, 1, 1, 10),
            r"sd1 must be finite and "
            r"non-negative",
        ),
        (lambda: relative_change_mean_summary(1, 1, 1, 1, 1, 10), r"n1 must be at least 2"),
        (lambda: relative_change_mean([1.0], [1.0, 2.0]), r"y1 must hold at least 2 values"),
        (lambda: relative_change_mean([1.0, np.nan], [1.0, 2.0]), r"y1 must be finite"),
    ],
)
def test_scalar_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: wilson("3", 10), r"x must be a whole number, but was '3'"),
        (lambda: wilson(3, 10, correction="yes"), r"correction must be True or False"),
        (lambda: wilson(3, 10, alpha="0.05"), r"alpha must be a number"),
    ],
)
def test_scalar_type_errors(call, match):
    with pytest.raises(TypeError, match=match):
        call()
