"""The seed applications' own definitions, each against a hand computation on small data.

(The STV stock and its variance are in ``test_stock.py``; the demo's planted truths in
``test_demo_recovery.py``.)
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.stats import norm

from evalkit import measures
from evalkit.baseline import wilson
from evalkit.clustered import clustered_proportion
from evalkit.config import ConfigError, load_config
from evalkit.criteria import EvaluationContext, evaluate_criteria

T = pd.Timestamp
START = T("2020-01-06")


def make_config(tmp_path: Path, criteria: list[dict], **extra) -> object:
    cfg = {"slug": "t", "title": "T", "kommune": "Herning", "pool": "P",
           "period": {"start": "2020-01-06", "end": "2020-12-27"},
           "target_groups": ["jobparat"], "data": {"participants": "p.csv", "status": "s.csv"},
           "criteria": criteria, **extra}  # fmt: skip
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return load_config(path)


def people(n: int) -> pd.DataFrame:
    return pd.DataFrame({"person_id": [f"x{i}" for i in range(n)], "arm": "indsats",
                         "target_group": "jobparat", "start_date": START, "end_date": pd.NaT})  # fmt: skip


def spells_for(p: pd.DataFrame, events: list[int]) -> pd.DataFrame:
    return p.assign(event=events, exit_date=pd.NaT, duration=10, status_13=None, status_26=None,
                    employed_26=0.0, employed_by_26=0.0)  # fmt: skip


def ctx(config, p, sp, **tables) -> EvaluationContext:
    return EvaluationContext(config=config, participants=p, status=pd.DataFrame(), spells=sp,
                             **tables)  # fmt: skip


# --------------------------------------------------------------------------- clustered share
def test_clustered_proportion_by_hand() -> None:
    # three persons with 4, 2 and 3 conversations; 3, 0 and 1 self-booked
    x, n = np.array([3, 0, 1]), np.array([4, 2, 3])
    e = clustered_proportion(x, n)
    p = 4 / 9
    var = 3 / 2 * ((3 - 4 * p) ** 2 + (0 - 2 * p) ** 2 + (1 - 3 * p) ** 2) / 81
    n_eff = min(9, p * (1 - p) / var)
    z = norm.isf(0.025)
    centre = (p + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
    half = z / (1 + z * z / n_eff) * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff**2))
    assert e.estimate == pytest.approx(p)
    assert e.se == pytest.approx(math.sqrt(var), rel=1e-12)
    assert (e.lower, e.upper) == pytest.approx((centre - half, centre + half), rel=1e-12)
    assert (e.n, e.details["x"], e.details["persons"]) == (9, 4, 3)
    assert e.details["design_effect"] == pytest.approx(9 / n_eff)


def test_clustered_proportion_one_event_each_is_wilson_on_n_minus_1() -> None:
    # n_i = 1: V = p (1 - p) / (G - 1), so the effective n is G - 1
    x = np.array([1] * 7 + [0] * 13)
    e = clustered_proportion(x, np.ones(20))
    ref = wilson(7, 20)
    assert e.details["n_eff"] == pytest.approx(19)
    assert e.lower < ref.lower and e.upper > ref.upper  # a little wider than Wilson on 20


def test_clustered_proportion_errors() -> None:
    with pytest.raises(ValueError, match="same length"):
        clustered_proportion([1, 2], [3])
    with pytest.raises(ValueError, match="successes <= trials"):
        clustered_proportion([3], [2])
    with pytest.raises(ValueError, match="no events"):
        clustered_proportion([0, 0], [0, 0])


# --------------------------------------------------------------------------- 002 criteria
def _conversations(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {"person_id": [r[0] for r in rows], "type": "samtale",
         "start_date": pd.to_datetime([r[1] for r in rows]), "end_date": pd.NaT,
         "detail": [r[2] for r in rows]}
    )  # fmt: skip


def test_self_booking_is_the_share_of_conversations_in_the_window(tmp_path: Path) -> None:
    crit = {"id": "sb", "label": "40 % selvbooker", "kind": "event_share", "activity": "samtale",
            "detail": ["selvbooket"], "window": {"first": "2020-10", "last": "2020-12"},
            "target": 0.4}  # fmt: skip
    p = people(6)
    rows = [("x0", "2020-10-05", "selvbooket"), ("x0", "2020-11-02", "selvbooket"),
            ("x1", "2020-10-07", "booket af jobcenter"), ("x1", "2020-12-01", "selvbooket"),
            ("x2", "2020-11-11", "booket af jobcenter"), ("x3", "2020-12-14", "selvbooket"),
            ("x4", "2020-10-20", "booket af jobcenter"), ("x5", "2020-11-20", "selvbooket"),
            ("x5", "2020-03-02", "selvbooket"),   # before the window
            ("zz", "2020-10-05", "selvbooket")]  # not a participant  # fmt: skip
    r = evaluate_criteria(
        ctx(make_config(tmp_path, [crit], disclosure={"threshold": 1}), p,
            spells_for(p, [0] * 6), activities=_conversations(rows))
    )[0]  # fmt: skip
    # persons x0..x5: self-booked / conversations = 2/2, 1/2, 0/1, 1/1, 0/1, 1/1 -> 5/8
    ref = clustered_proportion([2, 1, 0, 1, 0, 1], [2, 2, 1, 1, 1, 1])
    assert r.estimate == pytest.approx(5 / 8) and r.n == 8
    assert (r.lower, r.upper) == pytest.approx((ref.lower, ref.upper))
    assert r.details["window"] == ["2020-10", "2020-12"]
    assert r.lower < 0.4 < r.upper and r.verdict == "usikkert"  # 8 conversations decide little


def test_survey_criterion_needs_both_parts(tmp_path: Path) -> None:
    crit = {"id": "s", "label": "medinddragende og viden", "kind": "survey_share",
            "question": ["medinddragende", "viden"], "target": 0.9}  # fmt: skip
    both = [5, 4, 5, 2, 4, 5, 5, 1]
    know = [5, 5, 3, 5, 4, 4, 5, 1]
    survey = pd.DataFrame({
        "respondent": [f"r{i}" for i in range(8)] * 2 + ["r9"],
        "group": "jobparat",
        "question": ["medinddragende"] * 8 + ["viden"] * 8 + ["medinddragende"],
        "answer": both + know + [5],  # r9 answered only one question: left out
    })  # fmt: skip
    p = people(5)
    r = evaluate_criteria(
        ctx(make_config(tmp_path, [crit], disclosure={"threshold": 1}), p,
            spells_for(p, [0] * 5), survey=survey)
    )[0]  # fmt: skip
    # agree on both: r0, r1, r4, r5, r6 -> 5 of 8
    assert (r.estimate, r.n) == (pytest.approx(5 / 8), 8)
    assert r.details["parts"] == {"medinddragende": {"x": 7, "n": 9}, "viden": {"x": 6, "n": 8}}


# --------------------------------------------------------------------------- 003, 000
def test_employed_26_reading_is_chosen_in_the_config(tmp_path: Path) -> None:
    p = people(6)
    sp = spells_for(p, [0] * 6).assign(
        employed_26=[1.0, 0.0, 0.0, 1.0, np.nan, 0.0],
        employed_by_26=[1.0, 1.0, 0.0, 1.0, np.nan, 1.0],
    )
    crits = [{"id": "at", "label": "i uge 26", "kind": "share", "measure": "employed_26"},
             {"id": "by", "label": "senest uge 26", "kind": "share", "measure": "employed_26",
              "reading": "by_week"}]  # fmt: skip
    at, by = evaluate_criteria(
        ctx(make_config(tmp_path, crits, disclosure={"threshold": 1}), p, sp)
    )
    assert (at.estimate, at.n) == (pytest.approx(2 / 5), 5)
    assert (by.estimate, by.n) == (pytest.approx(4 / 5), 5)
    bad = [{"id": "b", "label": "x", "kind": "share", "measure": "employed_26",
            "reading": "week 26"}]  # fmt: skip
    with pytest.raises(ConfigError, match=r"criteria\[0\]\.reading"):
        evaluate_criteria(ctx(make_config(tmp_path, bad), p, sp))


def test_activity_within_days_and_months_by_hand() -> None:
    p = pd.DataFrame({"person_id": ["a", "b", "c", "d"],
                      "start_date": pd.to_datetime(["2020-01-06", "2020-01-06", "2020-02-03",
                                                    "2020-06-01"])})  # fmt: skip
    rows = [
        ("a", "kursus", "2020-01-19", "cv- og jobværksted"),  # day 13: inside 14 days
        ("b", "kursus", "2020-01-20", "cv- og jobværksted"),  # day 14: outside
        ("c", "kursus", "2020-02-03", "truckcertifikat"),  # other kind
        ("d", "kursus", "2020-06-02", "cv- og jobværksted"),
    ]  # window open at cutoff
    acts = pd.DataFrame({"person_id": [r[0] for r in rows], "type": [r[1] for r in rows],
                         "start_date": pd.to_datetime([r[2] for r in rows]),
                         "end_date": pd.NaT, "detail": [r[3] for r in rows]})  # fmt: skip
    got = measures.activity_within(p, acts, ["kursus"], ["cv- og jobværksted"], within_days=14,
                                   cutoff=T("2020-06-10").date())  # fmt: skip
    assert got.tolist()[:3] == [1.0, 0.0, 0.0] and math.isnan(got.iloc[3])
    # six job conversations within the first six months: a has 6, b has 5 (one too late)
    talk = [("a", f"2020-{m:02d}-10") for m in range(1, 7)]
    talk += [("b", f"2020-{m:02d}-10") for m in range(1, 6)] + [("b", "2020-07-07")]
    conv = pd.DataFrame({"person_id": [t[0] for t in talk], "type": "samtale",
                         "start_date": pd.to_datetime([t[1] for t in talk]), "end_date": pd.NaT,
                         "detail": "jobsamtale"})  # fmt: skip
    six = measures.activity_within(p.iloc[:2], conv, ["samtale"], ["jobsamtale"],
                                   within_months=6, min_count=6)  # fmt: skip
    assert six.tolist() == [1.0, 0.0]
    with pytest.raises(ValueError, match="exactly one of within_days and within_months"):
        measures.activity_within(p, conv, ["samtale"])
    with pytest.raises(ValueError, match="min_count must be a whole number"):
        measures.activity_within(p, conv, ["samtale"], within_days=14, min_count=0)


def test_courses_can_be_filtered_by_kind(tmp_path: Path) -> None:
    crit = {"id": "k", "label": "20-25 uddannelseskøb rettet mod transportområdet",
            "kind": "count", "activity": "kursus", "detail": ["kørekort C", "truckcertifikat"],
            "target": 20}  # fmt: skip
    d = START + pd.Timedelta(weeks=4)
    acts = pd.DataFrame({"person_id": ["x0", "x1", "x2", "x3"], "type": "kursus",
                         "start_date": d, "end_date": d,
                         "detail": ["kørekort C", "dansk", "truckcertifikat", None]})  # fmt: skip
    p = people(4)
    r = evaluate_criteria(ctx(make_config(tmp_path, [crit]), p, spells_for(p, [0] * 4),
                              activities=acts))[0]  # fmt: skip
    assert r.estimate == 2 and r.verdict == "ikke opfyldt"


# --------------------------------------------------------------------------- 004
def test_praktik_counts_once_it_has_lasted_more_than_3_months_with_its_history() -> None:
    p = pd.DataFrame({"person_id": ["a", "b", "c", "d"]})
    acts = pd.DataFrame({
        "person_id": ["a", "b", "b", "c", "d"],
        "type": "virksomhedspraktik",
        # a: began 15 October, before the window; b: two praktikker back to back;
        # c: 3 months exactly (not more); d: ongoing from 1 March
        "start_date": pd.to_datetime(["2019-10-15", "2019-12-01", "2020-02-01", "2020-01-01",
                                      "2020-03-01"]),
        "end_date": pd.to_datetime(["2020-02-10", "2020-01-31", "2020-04-30", "2020-03-31",
                                    None]),
    })  # fmt: skip
    months = pd.date_range("2020-01-01", periods=6, freq="MS")
    got = measures.monthly_activity(p, acts, None, months, types=["virksomhedspraktik"],
                                    include_hours=False,
                                    longer_than_months={"virksomhedspraktik": 3})  # fmt: skip
    # a: 15 Oct + 3 months = 15 Jan < 31 Jan: January; February up to its end on 10 Feb
    assert got[0].tolist() == [True, True, False, False, False, False]
    # b: one spell from 1 December; 1 March < 31 March: March and April
    assert got[1].tolist() == [False, False, True, True, False, False]
    # c: 1 January + 3 months = 1 April, not before its end on 31 March: never
    assert not got[2].any()
    # d: 1 March + 3 months = 1 June < 30 June: June
    assert got[3].tolist() == [False, False, False, False, False, True]
    # without the history a (begun before the window) would not count in January
    cut = acts.assign(start_date=acts["start_date"].clip(lower=T("2020-01-01")))
    later = measures.monthly_activity(p, cut, None, months, types=["virksomhedspraktik"],
                                      include_hours=False,
                                      longer_than_months={"virksomhedspraktik": 3})  # fmt: skip
    assert not later[0].any()


def test_min_months_runs_use_the_months_before_the_window() -> None:
    p = pd.DataFrame({"person_id": ["a"]})
    acts = pd.DataFrame({"person_id": ["a"], "type": "virksomhedspraktik",
                         "start_date": pd.to_datetime(["2019-11-01"]),
                         "end_date": pd.to_datetime(["2020-02-29"])})  # fmt: skip
    months = pd.date_range("2020-01-01", periods=3, freq="MS")
    got = measures.monthly_activity(
        p,
        acts,
        None,
        months,
        types=["virksomhedspraktik"],
        include_hours=False,
        min_months={"virksomhedspraktik": 4},
    )
    assert got[0].tolist() == [True, True, False]  # a 4-month run from November


def test_praktik_spells_merge_overlapping_and_adjacent_rows() -> None:
    acts = pd.DataFrame({
        "person_id": ["a", "a", "a", "a", "b"],
        "type": ["virksomhedspraktik"] * 4 + ["smaajob"],
        "start_date": pd.to_datetime(["2020-01-01", "2020-01-20", "2020-03-01", "2020-05-01",
                                      "2020-01-01"]),
        "end_date": pd.to_datetime(["2020-02-29", "2020-02-10", None, "2020-06-30",
                                    "2020-02-01"]),
    })  # fmt: skip
    sp = measures.praktik_spells(acts)
    assert sp["person_id"].tolist() == ["a"]
    assert sp["start_date"].dt.strftime("%m-%d").tolist() == ["01-01"]
    assert pd.isna(sp["end_date"].iloc[0])  # the open praktik from 1 March runs on


def test_status_at_and_ever_in_status() -> None:
    p = pd.DataFrame({"person_id": ["a", "b", "c"]})
    st = pd.DataFrame({"person_id": ["a", "a", "b", "c"],
                       "week": pd.to_datetime(["2020-03-02", "2020-03-09", "2020-03-09",
                                               "2020-01-06"]),
                       "status": ["kontanthjaelp", "fleksjob", "selvforsoergende",
                                  "ressourceforloeb"]})  # fmt: skip
    assert measures.status_at(p, st, T("2020-03-12")).tolist() == [
        "fleksjob", "selvforsoergende", None]  # fmt: skip
    ever = measures.ever_in_status(p, st, ["fleksjob", "ressourceforloeb"], T("2020-02-01"))
    assert ever.tolist() == [1.0, 0.0, 0.0]


# --------------------------------------------------------------------------- 000, 001 follow-up
def test_followup_coverage_periods_by_hand() -> None:
    from evalkit.followup import followup_coverage

    acts = pd.DataFrame({
        "person_id": ["a", "a", "a", "b", "b", "c"],
        "type": ["virksomhedspraktik", "samtale", "samtale", "virksomhedspraktik", "samtale",
                 "samtale"],
        # a: 20 days -> periods 6-12, 13-19, 20-25 Jan; follow-ups on 8 and 21 Jan
        # b: open praktik from 3 Feb, cut at 16 Feb -> 2 periods; follow-up on 10 Feb is in
        #    the second; c has no praktik, so the follow-up of c counts for none
        "start_date": pd.to_datetime(["2020-01-06", "2020-01-08", "2020-01-21", "2020-02-03",
                                      "2020-02-10", "2020-01-08"]),
        "end_date": pd.to_datetime(["2020-01-25", None, None, None, None, None]),
        "detail": [None, "opfølgning", "opfølgning", None, "opfølgning", "opfølgning"],
    })  # fmt: skip
    got = followup_coverage(acts, ["virksomhedspraktik"], 7, followup_detail=["opfølgning"],
                            cutoff=T("2020-02-16").date())  # fmt: skip
    assert got.to_dict("records") == [
        {"person_id": "a", "periods": 3, "covered": 2},
        {"person_id": "b", "periods": 2, "covered": 1},
    ]
    four = followup_coverage(acts, ["virksomhedspraktik"], 28, persons=["a"])
    assert four.to_dict("records") == [{"person_id": "a", "periods": 1, "covered": 1}]


# --------------------------------------------------------------------------- 000 hours
def _hours_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Three persons, praktik from the week of 6 January 2020 (week 0).

    a: on benefit, praktik weeks 0-2, hours from week 2; b: self-supporting from week 1
    (37 hours); c: on benefit, praktik weeks 0-1, never hours.
    """
    p = pd.DataFrame({"person_id": ["a", "b", "c"]})
    acts = pd.DataFrame({"person_id": ["a", "b", "c"], "type": "virksomhedspraktik",
                         "start_date": pd.to_datetime(["2020-01-07", "2020-01-06", "2020-01-08"]),
                         "end_date": pd.to_datetime(["2020-01-24", "2020-01-24", "2020-01-17"]),
                         "hours": [20.0, 25.0, 30.0]})  # fmt: skip
    weeks = pd.date_range("2019-12-30", periods=5, freq="7D")  # weeks -1 ... 3
    rows = []
    for w, wk in enumerate(weeks, start=-1):
        rows.append(("a", wk, "kontanthjaelp", 6.0 + w if w >= 2 else 0.0))
        rows.append(("b", wk, "selvforsoergende" if w >= 1 else "kontanthjaelp",
                     37.0 if w >= 1 else 0.0))  # fmt: skip
        rows.append(("c", wk, "kontanthjaelp", 0.0))
    st = pd.DataFrame(rows, columns=["person_id", "week", "status", "hours"])
    return p, acts, st


def test_weekly_states_and_hours_keep_self_support_apart() -> None:
    from evalkit import praktik_hours as ph
    from evalkit.seeds_measures import hours_by_week

    p, acts, st = _hours_frames()
    h = hours_by_week(p, acts, st, weeks_before=1, weeks_after=3)
    s = ph.weekly_states(p, acts, st, weeks_before=1, weeks_after=3)
    assert s.loc["Borger 1"].tolist() == ["ydelse", "praktik", "praktik", "praktik", "ydelse"]
    assert s.loc["Borger 2"].tolist()[:3] == ["ydelse", "praktik", "selvforsoergende"]
    d = ph.hours_by_state(h, s, threshold=1).set_index("week")
    # week 2: a (8 h) and c (0 h) on benefit; b self-supporting with 37 h, not in the hours
    assert (d.loc[2, "n"], d.loc[2, "n_benefit"], d.loc[2, "n_self"]) == (3, 2, 1)
    assert d.loc[2, "median"] == pytest.approx(4.0) and d.loc[2, "x_hours"] == 1
    assert d.loc[2, "share_self"] == pytest.approx(1 / 3)
    assert d.loc[2, "q3"] == pytest.approx(6.0)  # R type 7 of (0, 8)
    f = ph.first_hours(h, s)
    # a: hours in week 2; b: off benefit from week 1, censored at week 0; c: no hours to 3
    assert f.to_dict("list") == {"duration": [2, 0, 3], "event": [1, 0, 0]}


def test_praktik_extent_weeks_and_hours_by_hand() -> None:
    from evalkit.praktik_hours import praktik_extent

    p, acts, _ = _hours_frames()
    ext = praktik_extent(p, acts, end=T("2020-12-31").date())
    # 7-24 Jan: 18 days = 3 weeks; 6-24 Jan: 19 days = 3 weeks; 8-17 Jan: 10 days = 2 weeks
    assert ext["weeks"].tolist() == [3, 3, 2]
    assert ext["hours"].tolist() == [60.0, 75.0, 60.0]


# --------------------------------------------------------------------------- 004 paid hours
def test_paid_change_first_and_last_months_by_hand() -> None:
    p = pd.DataFrame({"person_id": ["a", "b", "c", "d"], "start_date": T("2020-01-01")})
    acts = pd.DataFrame({
        "person_id": ["a", "b", "b", "c"],
        "type": ["smaajob", "virksomhedspraktik", "virksomhedspraktik", "loentilskud"],
        "start_date": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-04-01", "2020-03-01"]),
        "end_date": pd.to_datetime(["2020-01-31", "2020-04-30", "2020-04-30", "2020-04-30"]),
        "detail": ["hel", "ingen", "delvis", "delvis"],
    })  # fmt: skip
    months = pd.date_range("2020-01-01", periods=4, freq="MS")
    table, est = measures.paid_change(p, acts, None, months, k=2)
    # paid: Jan a; Feb -; Mar c; Apr b (delvis from April), c
    assert table["x"].tolist() == [1, 0, 1, 2] and table["n"].tolist() == [4] * 4
    assert est.estimate == pytest.approx((1 / 4 + 2 / 4) / 2 - (1 / 4 + 0) / 2)
    assert est.details["first"] == ["2020-01", "2020-02"]
