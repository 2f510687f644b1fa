"""Status reports: each criterion's path (evalkit.progress) and "på sporet"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from test_criteria import make_config, people, spells_for

from evalkit import baseline
from evalkit import verdicts as vd
from evalkit.config import ConfigError
from evalkit.criteria import EvaluationContext, check_criteria, evaluate_criteria
from evalkit.progress import TargetPath, check_path, parse_path_date, target_path

START, END = dt.date(2020, 1, 6), dt.date(2020, 12, 27)


def test_linear_path_from_zero_for_a_count() -> None:
    p = target_path({"kind": "count", "target": 75}, START, END)
    assert p.origin == "zero" and p.start_value == 0.0
    mid = START + (END - START) / 2
    assert p.value_at(mid) == pytest.approx(37.5)
    assert (
        p.value_at(START - dt.timedelta(days=9)) == 0.0 and p.value_at(END + dt.timedelta(1)) == 75
    )


@pytest.mark.parametrize(
    ("crit", "origin", "start_value"),
    [
        ({"kind": "change_pp", "target_pp": 0.25}, "zero", 0.0),
        ({"kind": "count_change", "target": -0.15}, "zero", 0.0),
        ({"kind": "share", "measure": "joblog_use", "baseline": 0.4, "target": 0.8}, "baseline", 0.4),
        ({"kind": "national_share", "baseline": 0.054, "target": 0.045}, "baseline", 0.054),
        ({"kind": "share", "measure": "self_support", "target": 0.75}, "zero", 0.0),
        ({"kind": "share", "measure": "activity:smaajob", "target": 0.9}, "zero", 0.0),
        # a share among those with an activity is a composition, not cumulative
        ({"kind": "share", "measure": "activity:smaajob", "among": "activity:x", "target": 0.4},
         "flat", 0.4),
        ({"kind": "share", "measure": "employed_26", "target": 0.68}, "flat", 0.68),
        ({"kind": "survey_share", "question": "q", "target": 0.9}, "flat", 0.9),
        ({"kind": "survival_vs_reference", "target": 1.0}, "flat", 1.0),
        ({"kind": "rank", "measure": "m", "target": 3}, "flat", 3.0),
        ({"kind": "count", "target": 75, "path": "flat"}, "flat", 75.0),
        ({"kind": "count", "target": 75, "path": {"start": 10}}, "config", 10.0),
    ],
)  # fmt: skip
def test_where_a_path_starts(crit, origin, start_value) -> None:
    p = target_path(crit, START, END)
    assert (p.origin, p.start_value) == (origin, start_value)


def test_milestone_reached_then_held() -> None:
    # seed 004: "40 % nået september 2018 og holdt"
    crit = {"kind": "monthly_average", "target": 0.4,
            "path": {"start": 0.0, "milestones": [{"date": "2018-09", "value": 0.4}]}}  # fmt: skip
    p = target_path(crit, dt.date(2017, 8, 1), dt.date(2019, 8, 31))
    assert p.milestones == ((dt.date(2018, 9, 30), 0.4),)
    assert p.value_at(dt.date(2018, 9, 30)) == pytest.approx(0.4)
    assert p.value_at(dt.date(2019, 3, 1)) == pytest.approx(0.4)  # held
    days = (dt.date(2018, 9, 30) - dt.date(2017, 8, 1)).days
    half = dt.date(2017, 8, 1) + dt.timedelta(days=days // 2)
    assert p.value_at(half) == pytest.approx(0.4 * (days // 2) / days)
    assert list(p.to_frame()["value"]) == [0.0, 0.4, 0.4]


def test_no_target_no_path() -> None:
    assert target_path({"kind": "share", "measure": "x"}, START, END) is None


def test_milestone_dates() -> None:
    assert parse_path_date("2018-02") == dt.date(2018, 2, 28)
    assert parse_path_date("2018-02-10") == dt.date(2018, 2, 10)
    assert parse_path_date(dt.datetime(2018, 2, 10, 12)) == dt.date(2018, 2, 10)
    with pytest.raises(ValueError, match="yyyy-mm-dd or yyyy-mm, but was '2018-13'"):
        parse_path_date("2018-13")


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("curved", "expected 'linear', 'flat' or a mapping"),
        ({"begin": 0}, "unknown key"),
        ({"start": "0"}, "start must be a number"),
        ({"milestones": {"date": "2018-09"}}, "milestones must be a list"),
        ({"milestones": [{"date": "2018-09"}]}, r"milestones\[0\] must be a mapping"),
        ({"milestones": [{"date": "sept", "value": 0.4}]}, r"milestones\[0\].date"),
        ({"milestones": [{"date": "2018-09", "value": "40 %"}]}, r"value must be a number"),
        ({"milestones": [{"date": "2018-09", "value": 0.4}, {"date": "2018-08", "value": 0.5}]},
         r"milestones\[1\].date must come after"),
    ],
)  # fmt: skip
def test_bad_paths_are_named(spec, match) -> None:
    assert check_path("linear") is None and check_path({"start": 0.1}) is None
    problem = check_path(spec)
    assert problem is not None
    with pytest.raises(ValueError, match=match):
        target_path({"kind": "count", "target": 1, "path": spec}, START, END)


def test_config_rejects_bad_census_and_path(tmp_path: Path) -> None:
    base = {"id": "s", "label": "A", "kind": "share", "measure": "self_support", "target": 0.5}
    with pytest.raises(ConfigError, match=r"criteria\[0\]\.census.*expected true or false"):
        check_criteria(make_config(tmp_path, [{**base, "census": "ja"}]))
    surv = {"id": "o", "label": "O", "kind": "survival_vs_reference", "target": 1.0, "census": True}
    with pytest.raises(ConfigError, match=r"criteria\[0\]\.census.*no census reading"):
        check_criteria(make_config(tmp_path, [surv]))
    with pytest.raises(ConfigError, match=r"criteria\[0\]\.path.*unknown key"):
        check_criteria(make_config(tmp_path, [{**base, "path": {"begin": 1}}]))


def test_status_report_judges_against_the_path(tmp_path: Path) -> None:
    # 9 of 20 self-supporting by 30 June 2020; the path from 0 % to 75 % stands at about
    # 36 % then: the interval (25,8 % to 65,8 %) includes it -> usikkert, pointing to
    # "på sporet"; against the end target 75 % the whole interval is below -> ikke opfyldt
    crit = {"id": "s", "label": "A", "kind": "share", "measure": "self_support", "target": 0.75}
    p = people(20)
    sp = spells_for(p, [1] * 9 + [0] * 11)
    config = make_config(tmp_path, [crit])
    as_of = dt.date(2020, 6, 30)
    ctx = EvaluationContext(config, p, pd.DataFrame(), sp, as_of=as_of)
    r = evaluate_criteria(ctx)[0]
    path = target_path(crit, config.period.start, config.period.end)
    assert r.path_value == pytest.approx(path.value_at(as_of)) and r.path_origin == "zero"
    assert r.verdict == "ikke opfyldt"
    assert r.progress == "usikkert" and r.progress_text == "usikkert – peger mod på sporet"
    assert "delmålet" in r.progress_remark
    # a final report has no progress
    final = evaluate_criteria(EvaluationContext(config, p, pd.DataFrame(), sp))[0]
    assert final.progress is None and final.path_value is None


def test_status_of_an_undecidable_criterion(tmp_path: Path) -> None:
    crit = {"id": "c", "label": "B", "kind": "count", "activity": "virksomhedsbesoeg", "target": 7}
    p = people(10)
    ctx = EvaluationContext(make_config(tmp_path, [crit]), p, pd.DataFrame(),
                            spells_for(p, [0] * 10), as_of=dt.date(2020, 6, 30))  # fmt: skip
    r = evaluate_criteria(ctx)[0]
    assert r.progress == "kan ikke afgøres" and "«aktiviteter»" in r.progress_remark


def test_target_path_repr() -> None:
    p = TargetPath(START, END, 0.0, 1.0)
    assert "<table" in p._repr_html_() and len(p.points()) == 2
    with pytest.raises(ValueError, match="end must be after start"):
        target_path({"kind": "count", "target": 1}, END, START)


def _monthly_case(tmp_path: Path, path: object, as_of: dt.date):
    """20 persons; 5 in praktik from the start, 8 more from 1 June 2020 (a monthly share
    of 25 % through May, 65 % from June): the running average lags behind the month."""
    crit = {"id": "g", "label": "G", "kind": "monthly_average", "types": ["virksomhedspraktik"],
            "target": 0.4, "include_hours": False}  # fmt: skip
    if path is not None:
        crit["path"] = path
    p = people(20)
    acts = pd.DataFrame(
        {
            "person_id": [f"x{i}" for i in range(13)],
            "type": "virksomhedspraktik",
            "start_date": [pd.Timestamp("2020-01-06")] * 5 + [pd.Timestamp("2020-06-01")] * 8,
            "end_date": pd.NaT,
        }
    )
    config = make_config(tmp_path, [crit])
    c = EvaluationContext(config, p, pd.DataFrame(), spells_for(p, [0] * 20),
                          activities=acts, as_of=as_of)  # fmt: skip
    return evaluate_criteria(c)[0]


def test_monthly_milestone_is_judged_on_the_month_share(tmp_path: Path) -> None:
    # seed 004: "40 % nået september 2018 og holdt" is the month's share, so the status
    # compares the share in the last whole month (July 2020: 13 of 20 = 65 %), not the
    # running average (January-July: (5 x 25 % + 2 x 65 %) / 7 = 36,4 %), with the path
    # at the month's end (the milestone 40 % in June, held)
    path = {"start": 0.0, "milestones": [{"date": "2020-06", "value": 0.4}]}
    r = _monthly_case(tmp_path, path, dt.date(2020, 7, 31))
    assert r.estimate == pytest.approx((5 * 0.25 + 2 * 0.65) / 7)
    ref = baseline.wilson(13, 20)
    assert (r.progress_estimate, r.progress_lower, r.progress_upper, r.progress_n) == (
        pytest.approx(0.65), pytest.approx(ref.lower), pytest.approx(ref.upper), 20
    )  # fmt: skip
    assert r.progress_what == "andelen i juli 2020" and r.path_value == pytest.approx(0.4)
    # Wilson 13/20: 43,3 % to 81,9 %, wholly above 40 % -> på sporet; on the running
    # average (36,4 %, its interval includes 40 %) it would have been "usikkert"
    assert ref.lower > 0.4 and r.progress == "på sporet"
    # mid-August: July is still the last whole month, and the path is read at 31 July
    r2 = _monthly_case(tmp_path, path, dt.date(2020, 8, 15))
    assert r2.progress_what == "andelen i juli 2020" and r2.progress_estimate == pytest.approx(0.65)
    assert r2.path_value == pytest.approx(0.4)
    # end of May: the month's share 5/20 against the path 0.4 x (31 May - 6 Jan)/(30 June - 6 Jan)
    r3 = _monthly_case(tmp_path, path, dt.date(2020, 5, 31))
    frac = (dt.date(2020, 5, 31) - START).days / (dt.date(2020, 6, 30) - START).days
    assert r3.progress_estimate == pytest.approx(0.25) and r3.path_value == pytest.approx(
        0.4 * frac
    )
    v = vd.judge_share(5, 20, 0.4 * frac, threshold=5)
    assert r3.progress == vd.PROGRESS_WORDS[v.verdict] == "usikkert"


def test_monthly_average_without_milestones_keeps_the_average(tmp_path: Path) -> None:
    # a flat path (the default of a monthly average) is of the average itself
    r = _monthly_case(tmp_path, None, dt.date(2020, 7, 31))
    assert r.progress_estimate is None and r.progress_what == "" and r.path_value == 0.4
    assert (
        r.progress
        == vd.PROGRESS_WORDS[vd.judge_interval(r.estimate, r.lower, r.upper, 0.4, "min").verdict]
    )
