"""Small-cell suppression on hand-checked tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from evalkit.disclosure import suppress, suppress_count, suppress_share


def _table(rows: list[list[int]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        index=[f"r{i}" for i in range(len(rows))],
        columns=[f"c{j}" for j in range(len(rows[0]))],
    )


def test_no_small_cells_nothing_hidden():
    res = suppress(_table([[10, 20], [30, 40]]))
    assert res.n_suppressed == 0
    assert res.values.loc["I alt", "I alt"] == 100
    assert res.display().loc["r0", "I alt"] == "30"


def test_zeros_are_not_suppressed():
    res = suppress(_table([[0, 20], [30, 40]]))
    assert res.n_suppressed == 0
    assert res.display().loc["r0", "c0"] == "0"


def test_hand_checked_two_by_two():
    # r0 = [3, 12 | 15], r1 = [10, 20 | 30], totals [13, 32 | 45].
    # 3 is small; row r0 then hides 12 (smallest other non-zero), column c0 hides 10,
    # and row r1 then hides 20. Every row and column has 0 or 2 hidden cells.
    res = suppress(_table([[3, 12], [10, 20]]))
    expected = np.array([[True, True, False], [True, True, False], [False, False, False]])
    np.testing.assert_array_equal(res.mask.to_numpy(), expected)
    assert res.primary.to_numpy().sum() == 1
    shown = res.display()
    assert shown.loc["r0", "c0"] == "<5"
    assert shown.loc["r1", "c1"] == "x"
    assert shown.loc["I alt", "I alt"] == "45"
    assert math.isnan(res.values.loc["r0", "c0"])


def test_hand_checked_three_by_three():
    # Only (r1, c1) = 2 is small. Rows first: r1 hides its smallest other non-zero, 6
    # (c0). Columns: c0 now hides 8 (r0), c1 hides 7 (r2). Rows again: r0 hides 12 (c2),
    # r2 hides 11 (c2). Then every line has 0 or 2 hidden cells; margins stay visible.
    res = suppress(_table([[8, 30, 12], [6, 2, 40], [20, 7, 11]]))
    assert res.display().to_numpy().tolist() == [
        ["x", "30", "x", "50"],
        ["x", "<5", "40", "48"],
        ["20", "x", "x", "38"],
        ["34", "39", "63", "136"],
    ]
    full = res.mask.to_numpy()
    assert all(full[i, :].sum() != 1 for i in range(full.shape[0]))
    assert all(full[:, j].sum() != 1 for j in range(full.shape[1]))


def test_small_margin_total_is_suppressed():
    # A column total of 3 (1 + 2) must be hidden, as must both its cells.
    res = suppress(_table([[1, 50], [2, 60]]))
    shown = res.display()
    assert shown.loc["I alt", "c0"] == "<5"
    assert shown.loc["r0", "c0"] == "<5"
    # the margin row then has one hidden cell -> another margin cell is hidden
    full = res.mask.to_numpy()
    assert all(full[i, :].sum() != 1 for i in range(full.shape[0]))
    assert all(full[:, j].sum() != 1 for j in range(full.shape[1]))


def test_without_margins_still_protects_totals():
    res = suppress(_table([[3, 12], [10, 20]]), margins=False)
    assert res.values.shape == (2, 2)
    assert res.mask.to_numpy().all()


def test_threshold_three():
    res = suppress(_table([[3, 12], [10, 20]]), threshold=3)
    assert res.n_suppressed == 0


def test_single_small_cell_in_line_of_zeros_hides_total():
    # r0 = [4, 0 | 4]: the total 4 is itself small; column c0 = [4, 10 | 14].
    res = suppress(_table([[4, 0], [10, 10]]))
    full = res.mask.to_numpy()
    assert full[0, 0] and full[0, 2]
    assert not full[0, 1]  # a zero stays visible


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (pd.DataFrame({"a": [-1, 2]}), "non-negative whole counts"),
        (pd.DataFrame({"a": [1.5, 2]}), "non-negative whole counts"),
        (pd.DataFrame({"a": [np.nan, 2]}), "non-negative whole counts"),
        (pd.DataFrame({"a": ["x", "y"]}), "must hold numbers"),
    ],
)
def test_suppress_rejects_non_counts(bad, match):
    with pytest.raises(ValueError, match=match):
        suppress(bad)


def test_suppress_rejects_bad_threshold():
    with pytest.raises(ValueError, match="threshold must be at least 1"):
        suppress(_table([[1]]), threshold=0)


@pytest.mark.parametrize(("n", "shown"), [(0, 0), (1, "<5"), (4, "<5"), (5, 5), (120, 120)])
def test_suppress_count(n, shown):
    assert suppress_count(n) == shown


def test_suppress_count_rejects_negative():
    with pytest.raises(ValueError, match="n must be a non-negative whole count, but was -1"):
        suppress_count(-1)


@pytest.mark.parametrize(
    ("x", "n", "shown", "reason"),
    [
        (10, 40, "25,0\u00a0%", ""),
        (0, 40, "0,0\u00a0%", ""),
        (40, 40, "100,0\u00a0%", ""),
        (3, 40, "–", "færre end 5 i tælleren"),
        (38, 40, "–", "færre end 5 uden for andelen"),
        (2, 4, "–", "færre end 5 i nævneren"),
        (0, 0, "–", "ingen i nævneren"),
    ],
)
def test_suppress_share(x, n, shown, reason):
    res = suppress_share(x, n)
    assert res.shown == shown
    assert res.reason == reason
    assert res.suppressed == bool(reason)
    assert str(res) == shown
    if not reason:
        assert res.share == pytest.approx(x / n)
    else:
        assert math.isnan(res.share)


def test_suppress_share_rejects_x_above_n():
    with pytest.raises(ValueError, match="x must not exceed n"):
        suppress_share(5, 4)
