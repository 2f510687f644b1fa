"""Tests for evalkit.timeseries (interrupted time series).

Reference values: R ``lm`` + ``sandwich::NeweyWest`` written by
tests/fixtures/make_baseline_fixtures.R into tests/fixtures/baseline/ (compared at rtol
1e-6). The tests never run R.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evalkit import baseline
from evalkit.timeseries import ITSResult, interrupted_time_series

FIX = Path(__file__).parent / "fixtures" / "baseline"
RTOL = 1e-6


@pytest.fixture(scope="module")
def its_series() -> pd.Series:
    return pd.read_csv(FIX / "its_data.csv", index_col="month")["share"]


@pytest.mark.parametrize("lag", [0, 1, 2, 3, 4])
def test_its_matches_r_newey_west(baseline_ref, its_series, lag):
    res = interrupted_time_series(its_series, "2023-01", maxlags=lag)
    assert isinstance(res, ITSResult)
    np.testing.assert_allclose(res.level_change.estimate, baseline_ref["its", "level"], rtol=RTOL)
    np.testing.assert_allclose(res.slope_change.estimate, baseline_ref["its", "slope"], rtol=RTOL)
    np.testing.assert_allclose(
        res.level_change.se, baseline_ref["its", f"lag{lag}_se_level"], rtol=RTOL
    )
    np.testing.assert_allclose(
        res.slope_change.se, baseline_ref["its", f"lag{lag}_se_slope"], rtol=RTOL
    )
    q = stats.t.isf(0.025, 32)
    assert res.level_change.upper == pytest.approx(
        res.level_change.estimate + q * res.level_change.se
    )


def test_its_default_lag_and_outputs(its_series):
    res = interrupted_time_series(its_series, "2023-01")
    assert res.maxlags == 3  # floor(4 * (36/100)^(2/9))
    assert res.n == 36 and res.level_change.n == 36
    assert list(res.fitted.index) == list(its_series.index)
    frame = res.to_frame()
    assert list(frame["term"]) == ["level_change", "slope_change"]
    assert "<table" in res._repr_html_()


def test_its_recovers_exact_segments():
    t = np.arange(12.0)
    y = 10 + t + np.where(t >= 6, 5 + 2 * (t - 6), 0)
    res = interrupted_time_series(y, 6, maxlags=1)
    assert res.level_change.estimate == pytest.approx(5)
    assert res.slope_change.estimate == pytest.approx(2)
    np.testing.assert_allclose(res.fitted, y)
    np.testing.assert_allclose(res.counterfactual, 10 + t)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"interruption": "2030-01"}, r"interruption must be a label in the series index"),
        ({"interruption": "2021-02"}, r"at least 2 periods are needed before"),
        ({"interruption": "2023-12"}, r"at least 2 periods are needed before"),
        ({"interruption": "2023-01", "maxlags": 36}, r"maxlags must lie in 0..35, but was 36"),
        ({"interruption": "2023-01", "maxlags": -1}, r"maxlags must lie in 0..35"),
        ({"interruption": "2023-01", "alpha": -0.1}, r"alpha must lie strictly"),
    ],
)
def test_its_errors(its_series, kwargs, match):
    with pytest.raises(ValueError, match=match):
        interrupted_time_series(its_series, **kwargs)


def test_its_errors_on_values(its_series):
    bad = its_series.copy()
    bad.iloc[3] = np.nan
    with pytest.raises(ValueError, match=r"series must be finite"):
        interrupted_time_series(bad, "2023-01")
    with pytest.raises(ValueError, match=r"at least 6 periods, but had 5"):
        interrupted_time_series([1.0, 2, 3, 4, 5], 2)


def test_baseline_reexports_the_same_objects():
    assert baseline.interrupted_time_series is interrupted_time_series
    assert baseline.ITSResult is ITSResult
    assert "interrupted_time_series" in baseline.__all__
