"""The seed projects' own measurements on tiny hand-built frames with hand-computed answers."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from evalkit import baseline
from evalkit import seeds_measures as sm
from evalkit.counts import poisson_count

T = pd.Timestamp


def acts(rows: list[tuple]) -> pd.DataFrame:
    """Activities from (person, type, start, end, detail, completed) tuples."""
    df = pd.DataFrame(
        rows, columns=["person_id", "type", "start_date", "end_date", "detail", "completed"]
    )
    for c in ("start_date", "end_date"):
        df[c] = pd.to_datetime(df[c])
    return df


P3 = pd.DataFrame({"person_id": ["a", "b", "c"]})


# --------------------------------------------------------------------------- uptake, counts
def test_activity_uptake_counts_persons_and_activities_in_the_period() -> None:
    a = acts([
        ("a", "virksomhedspraktik", "2020-01-06", "2020-02-01", None, None),
        ("a", "virksomhedspraktik", "2020-03-02", None, None, None),  # open end
        ("b", "virksomhedspraktik", "2019-01-07", "2019-03-01", None, None),  # before
        ("c", "smaajob", "2020-01-06", None, None, None),  # other type
        ("z", "virksomhedspraktik", "2020-01-06", None, None, None),  # not a participant
    ])  # fmt: skip
    u = sm.activity_uptake(
        P3, a, ["virksomhedspraktik"], dt.date(2020, 1, 1), dt.date(2020, 12, 31)
    )
    ref = baseline.wilson(1, 3)
    assert (u.persons.estimate, u.persons.lower, u.persons.upper) == (
        pytest.approx(1 / 3), ref.lower, ref.upper)  # fmt: skip
    assert u.persons.details["x"] == 1 and u.persons.n == 3
    assert u.total.estimate == 2 and u.total.upper == poisson_count(2).upper
    assert list(u.to_frame()["what"]) == ["persons", "total"]


def test_activity_uptake_needs_participants() -> None:
    with pytest.raises(ValueError, match="participants is empty"):
        sm.activity_uptake(P3.iloc[:0], acts([]), ["virksomhedspraktik"])


def test_course_table_by_kind_started_in_period() -> None:
    a = acts([
        ("a", "kursus", "2020-02-03", "2020-02-07", "kørekort C", True),
        ("b", "kursus", "2020-03-02", None, "kørekort C", None),  # not (yet) completed
        ("c", "kursus", "2020-04-06", "2020-04-10", None, True),  # kind not given
        ("c", "kursus", "2019-12-02", "2020-01-10", "ADR", True),  # started before
        ("a", "virksomhedspraktik", "2020-02-03", None, None, None),
    ])  # fmt: skip
    t = sm.course_table(a, dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert t.to_dict("index") == {
        "ikke oplyst": {"started": 1, "completed": 1},
        "kørekort C": {"started": 2, "completed": 1},
    }


def test_visit_outcomes_sorted_by_count_then_name() -> None:
    a = acts([
        (None, "virksomhedsbesoeg", "2020-01-06", None, "småjob", None),
        (None, "virksomhedsbesoeg", "2020-01-07", None, "ansættelse", None),
        (None, "virksomhedsbesoeg", "2020-01-08", None, "småjob", None),
        (None, "virksomhedsbesoeg", "2020-01-09", None, None, None),
        (None, "virksomhedsbesoeg", "2021-01-09", None, "småjob", None),  # after
    ])  # fmt: skip
    v = sm.visit_outcomes(a, dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert v.to_dict() == {"småjob": 2, "ansættelse": 1, "ikke oplyst": 1}
    assert list(v.index) == ["småjob", "ansættelse", "ikke oplyst"]


def test_group_split_and_missing_column() -> None:
    p = pd.DataFrame({"person_id": list("abcd"), "subgroup": ["g1", "g2", "g1", None]})
    assert sm.group_split(p)["n"].to_dict() == {"g1": 2, "g2": 1, "ikke oplyst": 1}
    with pytest.raises(ValueError, match="no column 'gruppe'"):
        sm.group_split(p, "gruppe")


def test_paid_share_among_those_in_company_based_activity() -> None:
    p = pd.DataFrame({"person_id": list("abcd")})
    a = acts([
        ("a", "virksomhedspraktik", "2020-01-06", "2020-03-01", "ingen", None),
        ("a", "smaajob", "2020-04-06", None, "hel", None),
        ("b", "virksomhedspraktik", "2020-01-06", None, "delvis", None),
        ("c", "virksomhedspraktik", "2020-01-06", None, "ingen", None),
        ("d", "kursus", "2020-01-06", None, None, True),  # not company-based
    ])  # fmt: skip
    e = sm.paid_share(p, a)
    assert (e.estimate, e.n, e.details["x"]) == (pytest.approx(2 / 3), 3, 2)
    assert e.lower == baseline.wilson(2, 3).lower
    praktik = sm.paid_share(p, a, types=("virksomhedspraktik",))
    assert (praktik.details["x"], praktik.n) == (1, 3)
    with pytest.raises(ValueError, match="no participant was in company-based activity"):
        sm.paid_share(p, a, types=("loentilskud",))


def test_retention_counts_exits_and_observed_follow_up() -> None:
    sp = pd.DataFrame({
        "event": [1, 1, 1, 1, 0, 1],
        "exit_date": pd.to_datetime(["2020-02-03", "2020-03-02", "2020-04-06", "2020-05-04",
                                     None, "2021-06-07"]),
        "status_13": ["selvforsoergende", "kontanthjaelp", "selvforsoergende", None, None,
                      "selvforsoergende"],
        "status_26": ["selvforsoergende", "selvforsoergende", None, None, None, None],
    })  # fmt: skip
    r = sm.retention(sp, end=dt.date(2020, 12, 31))
    assert r[["x", "n"]].to_dict("index") == {
        "exit": {"x": 4, "n": 6},
        "still_13": {"x": 2, "n": 3},
        "still_26": {"x": 2, "n": 2},
    }
    assert r.loc["still_13", "lower"] == pytest.approx(baseline.wilson(2, 3).lower)
    assert r.loc["exit", "share"] == pytest.approx(4 / 6)


# --------------------------------------------------------------------------- hours by week
def _status(pid: str, first: str, hours: list[float]) -> pd.DataFrame:
    weeks = pd.date_range(first, periods=len(hours), freq="7D")
    return pd.DataFrame({"person_id": pid, "week": weeks, "status": "kontanthjaelp",
                         "hours": hours})  # fmt: skip


def test_hours_by_week_aligns_on_the_first_praktik_and_hides_ids() -> None:
    p = pd.DataFrame({"person_id": ["p-late", "p-early", "p-none", "p-tie"]})
    a = acts([
        ("p-late", "virksomhedspraktik", "2020-01-22", None, None, None),  # week of 01-20
        ("p-late", "virksomhedspraktik", "2020-03-02", None, None, None),  # later: ignored
        ("p-early", "virksomhedspraktik", "2020-01-08", "2020-02-01", None, None),
        ("p-tie", "virksomhedspraktik", "2020-01-06", None, None, None),  # same week
    ])  # fmt: skip
    st = pd.concat([
        _status("p-late", "2020-01-06", [1, 2, 3, 4, 5]),
        _status("p-early", "2020-01-06", [0, 10, 20, 30, 40]),
        _status("p-tie", "2020-01-06", [7, 7, 7, 7, 7]),
        _status("p-none", "2020-01-06", [9, 9, 9, 9, 9]),
    ])  # fmt: skip
    h = sm.hours_by_week(p, a, st, weeks_before=1, weeks_after=3)
    assert list(h.index) == ["Borger 1", "Borger 2", "Borger 3"]
    assert list(h.columns) == [-1, 0, 1, 2, 3]
    # Borger 1 and 2 both start in week 2020-01-06, in the order of the participants
    assert h.loc["Borger 1"].tolist()[1:] == [0, 10, 20, 30]
    assert math.isnan(h.loc["Borger 1", -1])
    assert h.loc["Borger 2"].tolist()[1:] == [7, 7, 7, 7]
    assert h.loc["Borger 3", -1] == 2 and h.loc["Borger 3", 2] == 5
    assert math.isnan(h.loc["Borger 3", 3])  # beyond the panel
    assert "p-" not in " ".join(map(str, h.index))
    cut = sm.hours_by_week(p, a, st, weeks_before=1, weeks_after=3, cutoff=dt.date(2020, 1, 14))
    assert cut.loc["Borger 1"].tolist()[1:3] == [0, 10] and cut.loc["Borger 1"].isna().sum() == 3


def test_hours_by_week_without_praktik_and_bad_arguments() -> None:
    st = _status("a", "2020-01-06", [1])
    assert sm.hours_by_week(P3, acts([]), st).empty
    with pytest.raises(ValueError, match="weeks_before must be >= 0"):
        sm.hours_by_week(P3, acts([]), st, weeks_before=-1)
    with pytest.raises(ValueError, match="weeks_after must be at least 1"):
        sm.hours_by_week(P3, acts([]), st, weeks_after=0)


def test_hours_distribution_quartiles_share_and_small_weeks() -> None:
    h = pd.DataFrame({0: [0.0, 4.0, 8.0, 10.0, 2.0, np.nan], 1: [1.0, np.nan, np.nan, np.nan,
                                                                np.nan, 3.0]})  # fmt: skip
    d = sm.hours_distribution(h, threshold=5)
    w0 = d.iloc[0]
    # R: quantile(c(0, 4, 8, 10, 2), c(.25, .5, .75)) -> 2, 4, 8 (type 7)
    assert (w0["n"], w0["q1"], w0["median"], w0["q3"], w0["x_any"]) == (5, 2.0, 4.0, 8.0, 4)
    ref = baseline.wilson(4, 5)
    assert (w0["share_any"], w0["lower"], w0["upper"]) == (0.8, ref.lower, ref.upper)
    w1 = d.iloc[1]
    assert w1["n"] == 2 and not w1["shown"] and math.isnan(w1["median"])
    assert math.isnan(w1["share_any"])
    with pytest.raises(ValueError, match="threshold must be at least 1"):
        sm.hours_distribution(h, threshold=0)


# --------------------------------------------------------------------------- monthly series
def test_monthly_shares_wilson_per_month_and_shape_check() -> None:
    months = pd.date_range("2020-01-01", periods=3, freq="MS")
    ind = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 0]])
    d = sm.monthly_shares(ind, months)
    assert d["x"].tolist() == [2, 2, 0] and d["n"].tolist() == [4, 4, 4]
    assert d["upper"].iloc[2] == pytest.approx(baseline.wilson(0, 4).upper)
    with pytest.raises(ValueError, match=r"shape \(persons, 3\)"):
        sm.monthly_shares(ind[:, :2], months)


def test_monthly_inflow_and_rate_per_month() -> None:
    p = pd.DataFrame({"start_date": pd.to_datetime(
        ["2020-01-06", "2020-01-20", "2020-03-02", "2019-12-30", "2020-04-01"])})  # fmt: skip
    d = sm.monthly_inflow(p, dt.date(2020, 1, 6), dt.date(2020, 3, 31))
    assert d["n"].tolist() == [2, 0, 1]
    assert list(d["month"].dt.strftime("%Y-%m")) == ["2020-01", "2020-02", "2020-03"]
    e = sm.rate_per_month(d["n"])
    total = poisson_count(3)
    assert (e.estimate, e.lower, e.upper, e.n) == (1.0, total.lower / 3, total.upper / 3, 3)
    with pytest.raises(ValueError, match="whole numbers >= 0"):
        sm.rate_per_month([1, -2])


BENCH = pd.DataFrame({
    "area": ["Hele landet", "Aalborg", "Hele landet", "Aalborg", "Hele landet", "Herning"],
    "period": ["2020M01", "2020M01", "2020M02", "2020M02", "U001", "2020M01"],
    "measure": ["antal_jobparate"] * 5 + ["andel_virksomhedsrettet"],
    "group": ["jobparat"] * 5 + ["aktivitetsparat"],
    "value": [1000.0, 54.0, 1000.0, 45.0, 0.99, 0.3],
})  # fmt: skip


def test_benchmark_series_is_monthly_month_by_area() -> None:
    s = sm.benchmark_series(BENCH, "antal_jobparate")
    assert list(s.columns) == ["Hele landet", "Aalborg"]  # national first
    assert list(s.index.strftime("%Y-%m")) == ["2020-01", "2020-02"]  # no U001
    assert s.loc["2020-02-01", "Aalborg"] == 45
    assert sm.benchmark_series(BENCH, "antal_jobparate", group="x").empty


def test_national_share_series_and_inconsistent_counts() -> None:
    d = sm.national_share_series(BENCH, "antal_jobparate", "Aalborg")
    assert d["share"].tolist() == [0.054, 0.045]
    assert d["lower"].iloc[1] == pytest.approx(baseline.wilson(45, 1000).lower)
    bad = BENCH.assign(value=BENCH["value"].where(BENCH["area"] != "Aalborg", 2000.0))
    with pytest.raises(ValueError, match="larger count than 'Hele landet'"):
        sm.national_share_series(bad, "antal_jobparate", "Aalborg")


def test_selfbooking_monthly_share_of_conversations() -> None:
    p = pd.DataFrame({"person_id": ["a", "b"]})
    a = acts([
        ("a", "samtale", "2020-01-06", None, "selvbooket", None),
        ("a", "samtale", "2020-01-20", None, "booket af jobcenter", None),
        ("b", "samtale", "2020-02-03", None, "selvbooket", None),
        ("z", "samtale", "2020-02-03", None, "selvbooket", None),  # not a participant
    ])  # fmt: skip
    d = sm.selfbooking_monthly(a, p, dt.date(2020, 1, 6), dt.date(2020, 3, 31))
    assert d[["x", "n"]].values.tolist() == [[1, 2], [1, 1], [0, 0]]
    assert d["share"].iloc[0] == 0.5 and math.isnan(d["share"].iloc[2])


def test_rank_of_lowest_is_one_with_ties_and_errors() -> None:
    b = pd.DataFrame({
        "area": ["A", "B", "C", "D", "Hele landet", "A"],
        "period": ["2020M05"] * 5 + ["2020M04"],
        "measure": "ledighedsprocent",
        "value": [0.03, 0.02, 0.02, 0.05, 0.01, 0.01],
    })  # fmt: skip
    r = sm.rank_of(b, "ledighedsprocent", "A", top=3)
    assert (r.rank, r.n_areas, r.period, r.value, r.cut) == (3, 4, "2020M05", 0.03, 0.03)
    assert sm.rank_of(b, "ledighedsprocent", "C").rank == 1  # tie with B
    assert sm.rank_of(b, "ledighedsprocent", "A", period="2020M04").rank == 1
    with pytest.raises(ValueError, match="no rows of measure 'x'"):
        sm.rank_of(b, "x", "A")
    with pytest.raises(ValueError, match="'Q' has no value"):
        sm.rank_of(b, "ledighedsprocent", "Q")
