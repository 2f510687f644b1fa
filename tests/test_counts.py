"""evalkit.counts against R's poisson.test (tests/fixtures/make_counts_fixtures.R)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from evalkit.counts import count_ratio, poisson_count

FIX = pd.read_csv(
    __import__("pathlib").Path(__file__).parent / "fixtures" / "counts" / "poisson_count.csv"
)
RATIO = pd.read_csv(
    __import__("pathlib").Path(__file__).parent / "fixtures" / "counts" / "count_ratio.csv"
)


@pytest.mark.parametrize("row", FIX.to_dict("records"), ids=lambda r: f"x{r['x']}-a{r['alpha']}")
def test_poisson_count_matches_r(row: dict) -> None:
    est = poisson_count(int(row["x"]), alpha=row["alpha"])
    assert est.estimate == row["x"]
    np.testing.assert_allclose([est.lower, est.upper], [row["lower"], row["upper"]], rtol=1e-8)


@pytest.mark.parametrize("row", RATIO.to_dict("records"), ids=lambda r: f"{r['x1']}v{r['x0']}")
def test_count_ratio_matches_r(row: dict) -> None:
    est = count_ratio(int(row["x1"]), int(row["x0"]))
    for ours, theirs in ((est.estimate, row["estimate"]), (est.upper, row["upper"])):
        if math.isinf(theirs):
            assert math.isinf(ours)
        else:
            assert ours == pytest.approx(theirs, rel=1e-8)
    assert est.lower == pytest.approx(row["lower"], rel=1e-8, abs=1e-12)
    assert est.p_value == pytest.approx(row["p_value"], rel=1e-8)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: poisson_count(-1), "x must be a whole number >= 0, but was -1"),
        (lambda: poisson_count(2.5), "x must be a whole number"),
        (lambda: poisson_count(3, alpha=1.5), "alpha must lie strictly between 0 and 1"),
        (lambda: count_ratio(0, 0), "x1 \\+ x0 must be positive"),
        (lambda: count_ratio(3, -2), "x0 must be a whole number"),
    ],
)
def test_count_errors(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
