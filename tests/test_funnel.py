"""evalkit.funnel against R (tests/fixtures/make_funnel_fixtures.R): exact funnel limits
(Spiegelhalter 2005, Appendix A.1.1, with qbinom/qpois) and DerSimonian-Laird shrinkage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.funnel import dersimonian_laird, funnel, funnel_limits

FIX = Path(__file__).parent / "fixtures" / "funnel"


def _column(p: float) -> str:
    level = {0.001: 0.998, 0.999: 0.998, 0.025: 0.95, 0.975: 0.95}[p]
    return f"{'lower' if p < 0.5 else 'upper'}_{level:g}"


@pytest.mark.parametrize(("kind", "file", "size"), [("share", "limits_share.csv", "n"),
                                                     ("ratio", "limits_ratio.csv", "e")])  # fmt: skip
def test_limits_equal_r(kind: str, file: str, size: str) -> None:
    ref = pd.read_csv(FIX / file)
    for theta, rows in ref.groupby("theta"):
        sizes = np.sort(rows[size].unique())
        got = funnel_limits(sizes, float(theta), kind).set_index("size")
        for r in rows.itertuples(index=False):
            value = got.loc[float(getattr(r, size)), _column(r.p)]
            np.testing.assert_allclose(value, r.limit, rtol=1e-6, atol=1e-12)


def test_limits_by_hand() -> None:
    # n = 40, theta0 = 0.6: qbinom(0.025, 40, 0.6) = 18, P(R <= 18) = 0.0392...,
    # P(R <= 17) = 0.0196...: alpha = (0.0392 - 0.025) / 0.0196 = 0.70 -> (18 - 0.70)/40
    from scipy import stats

    b = stats.binom(40, 0.6)
    assert b.ppf(0.025) == 18
    a = (b.cdf(18) - 0.025) / (b.cdf(18) - b.cdf(17))
    lim = funnel_limits([40], 0.6)
    assert lim["lower_0.95"][0] == pytest.approx((18 - a) / 40, rel=1e-12)
    assert lim["lower_0.998"][0] < lim["lower_0.95"][0] < 0.6 < lim["upper_0.95"][0]


def test_shrinkage_equals_r() -> None:
    ref = pd.read_csv(FIX / "shrink_share.csv")
    units = [f"k{i}" for i in range(len(ref))]
    f = funnel(units, ref["x"], ref["n"])
    assert f.centre == pytest.approx(ref["centre"][0], rel=1e-12)
    assert f.tau2 == pytest.approx(ref["tau2"][0], rel=1e-6)
    got = f.points.set_index("unit").loc[units, "shrunken"].to_numpy()
    np.testing.assert_allclose(got, ref["shrunken"], rtol=1e-6)
    # shrinkage moves every unit towards the centre, never past it
    est = ref["x"] / ref["n"]
    assert np.all(np.abs(got - f.centre) <= np.abs(est - f.centre) + 1e-12)


def test_points_bands_and_outliers() -> None:
    units = ["A", "B", "C", "D", "E"]
    x = [5, 22, 24, 26, 39]
    n = [40, 40, 40, 40, 40]
    f = funnel(units, x, n)
    lim = funnel_limits([40], f.centre)
    band = dict(zip(f.points["unit"], f.points["band"], strict=True))
    assert band["C"] == "inden for"
    assert band["A"].startswith("under") and 5 / 40 < lim["lower_0.95"][0]
    assert band["E"].startswith("over")
    assert set(f.outside(0.95)["unit"]) >= {"A", "E"}
    assert set(f.outside(0.998)["unit"]) <= set(f.outside(0.95)["unit"])
    assert "outside 95.0%" in f.summary() and "<table" in f._repr_html_()
    # each unit's own interval is Wilson
    from evalkit.baseline import wilson

    row = f.points.set_index("unit").loc["C"]
    assert row["lower"] == pytest.approx(wilson(24, 40).lower, abs=1e-12)


def test_ratio_funnel_centres_on_one() -> None:
    f = funnel(["A", "B", "C"], [33, 10, 60], [30.0, 20.5, 40.0], kind="ratio")
    assert f.centre == 1.0
    row = f.points.set_index("unit").loc["A"]
    assert row["estimate"] == pytest.approx(1.1)
    from scipy import stats

    assert row["upper"] == pytest.approx(stats.chi2.isf(0.025, 68) / 2 / 30.0, rel=1e-12)


def test_dersimonian_laird_no_heterogeneity_is_zero() -> None:
    assert dersimonian_laird(np.array([0.5, 0.5, 0.5]), np.array([0.01, 0.02, 0.03])) == 0.0


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: funnel_limits([40], 0.6, kind="rate"), "kind must be 'share' or 'ratio'"),
        (lambda: funnel_limits([40.5], 0.6), "whole numbers of persons"),
        (lambda: funnel_limits([0], 0.6), "size must hold positive numbers"),
        (lambda: funnel_limits([40], 1.2), "centre must be a share"),
        (lambda: funnel_limits([40], -1.0, kind="ratio"), "centre must be a positive ratio"),
        (lambda: funnel_limits([40], 0.6, levels=[95]), "levels must be probabilities"),
        (lambda: funnel(["A"], [1], [2]), "same length >= 2"),
        (lambda: funnel(["A", "B"], [3, 1], [2, 2]), "x <= size"),
        (lambda: dersimonian_laird(np.array([0.1]), np.array([0.1])), "same length >= 2"),
    ],
)
def test_bad_input_is_named(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()
