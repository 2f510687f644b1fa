"""evalkit.measures on tiny hand-built tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.measures import (
    _runs_at_least,
    activity_counts,
    any_activity,
    monthly_activity,
    monthly_share,
)

P = pd.DataFrame({"person_id": ["a", "b", "c"]})
MONTHS = pd.date_range("2020-01-01", "2020-06-01", freq="MS")


def acts(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["person_id", "type", "start_date", "end_date"])
    df["start_date"] = pd.to_datetime(df["start_date"])
    df["end_date"] = pd.to_datetime(df["end_date"])
    return df


def test_any_activity_overlap_and_types() -> None:
    a = acts(
        [
            ("a", "smaajob", "2019-12-15", "2020-01-10"),  # overlaps the period start
            ("b", "kursus", "2020-03-01", "2020-03-05"),
            ("c", "smaajob", "2021-01-01", "2021-02-01"),  # after the period
        ]
    )
    got = any_activity(P, a, ["smaajob"], "2020-01-01", "2020-12-31")
    assert got.tolist() == [1.0, 0.0, 0.0]
    assert any_activity(P, a, ["smaajob", "kursus"]).tolist() == [1.0, 1.0, 1.0]


def test_activity_counts_reindexes_missing_types() -> None:
    a = acts([("a", "kursus", "2020-01-01", "2020-01-02")] * 3)
    got = activity_counts(a, ["kursus", "virksomhedsbesoeg"])
    assert got.to_dict() == {"kursus": 3, "virksomhedsbesoeg": 0}


def test_monthly_activity_months_and_hours() -> None:
    a = acts(
        [
            ("a", "virksomhedspraktik", "2020-01-20", "2020-03-02"),  # Jan, Feb, Mar
            ("b", "smaajob", "2020-05-31", None),  # open-ended from May
        ]
    )
    status = pd.DataFrame(
        {
            "person_id": ["c", "c"],
            "week": pd.to_datetime(["2020-02-03", "2020-04-06"]),
            "status": [
                "kontanthjaelp",
                "selvforsoergende",
            ],  # hours while self-supporting: not counted
            "hours": [6.0, 37.0],
        }
    )
    m = monthly_activity(P, a, status, MONTHS)
    expected = np.array(
        [
            [1, 1, 1, 0, 0, 0],
            [0, 0, 0, 0, 1, 1],
            [0, 1, 0, 0, 0, 0],
        ],
        bool,
    )
    np.testing.assert_array_equal(m, expected)
    no_hours = monthly_activity(P, a, status, MONTHS, include_hours=False)
    assert not no_hours[2].any()


def test_min_months_keeps_only_long_praktik() -> None:
    a = acts(
        [
            ("a", "virksomhedspraktik", "2020-01-01", "2020-04-30"),  # 4 months
            ("b", "virksomhedspraktik", "2020-01-01", "2020-03-31"),  # 3 months: not > 3
            ("c", "smaajob", "2020-02-01", "2020-02-10"),  # other types unaffected
        ]
    )
    m = monthly_activity(P, a, None, MONTHS, min_months={"virksomhedspraktik": 4})
    assert m[0].tolist() == [True, True, True, True, False, False]
    assert not m[1].any()
    assert m[2].tolist() == [False, True, False, False, False, False]


def test_runs_at_least() -> None:
    mask = np.array([[1, 1, 0, 1, 1, 1], [1, 0, 1, 0, 1, 1]], bool)
    np.testing.assert_array_equal(
        _runs_at_least(mask, 2), np.array([[1, 1, 0, 1, 1, 1], [0, 0, 0, 0, 1, 1]], bool)
    )
    assert not _runs_at_least(mask, 4).any()


def test_monthly_share() -> None:
    ind = np.array([[1, 0], [1, 1], [0, 0], [1, 0]], bool)
    df = monthly_share(ind, MONTHS[:2])
    assert df["x"].tolist() == [3, 1] and df["n"].tolist() == [4, 4]
    assert df["share"].tolist() == [0.75, 0.25]
