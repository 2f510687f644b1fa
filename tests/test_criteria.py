"""The success-criteria scorecard on small hand-built data with known answers."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest
import yaml

from evalkit import baseline
from evalkit.config import load_config
from evalkit.counts import count_ratio
from evalkit.criteria import EvaluationContext, evaluate_criteria

START = pd.Timestamp("2020-01-06")


def make_config(tmp_path: Path, criteria: list[dict], **extra) -> object:
    cfg = {
        "slug": "t",
        "title": "T",
        "kommune": "Herning",
        "pool": "P",
        "period": {"start": "2020-01-06", "end": "2020-12-27"},
        "target_groups": ["jobparat"],
        "data": {"participants": "p.csv", "status": "s.csv"},
        "criteria": criteria,
        **extra,
    }
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return load_config(path)


def people(n: int, group: str = "jobparat") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": [f"x{i}" for i in range(n)],
            "arm": "indsats",
            "target_group": group,
            "start_date": START,
            "end_date": pd.NaT,
        }
    )


def spells_for(p: pd.DataFrame, events: list[int]) -> pd.DataFrame:
    exit_date = [START + pd.Timedelta(weeks=10) if e else pd.NaT for e in events]
    return p.assign(
        event=events,
        exit_date=exit_date,
        duration=10,
        status_13=["selvforsoergende" if e else None for e in events],
        status_26=[None] * len(p),
        employed_26=[1.0 if e else 0.0 for e in events],
    )


def ctx(config, p, sp, **tables) -> EvaluationContext:
    return EvaluationContext(
        config=config, participants=p, status=pd.DataFrame(), spells=sp, **tables
    )


def test_share_matches_wilson_and_verdict(tmp_path: Path) -> None:
    crit = {"id": "s", "label": "Andel", "kind": "share", "measure": "self_support", "target": 0.5}
    p = people(20)
    r = evaluate_criteria(ctx(make_config(tmp_path, [crit]), p, spells_for(p, [1] * 12 + [0] * 8)))[
        0
    ]
    ref = baseline.wilson(12, 20)
    assert (r.estimate, r.lower, r.upper, r.n) == (0.6, ref.lower, ref.upper, 20)
    # 60 % against 50 %, but the interval includes 50 %: usikkert, pointing to opfyldt
    assert r.verdict == "usikkert" and r.ci_side == "omkring" and not r.suppressed
    assert r.verdict_text == "usikkert – peger mod opfyldt" and r.basis == "interval"
    assert r.n_needed == 97 and "ca. 97 personer (nu 20)" in r.remark  # 1.96² / 0.1² * 0.25


def test_exit_after_period_end_does_not_count(tmp_path: Path) -> None:
    crit = {"id": "s", "label": "A", "kind": "share", "measure": "self_support", "target": 0.5}
    p = people(10)
    sp = spells_for(p, [1] * 10)
    sp.loc[:4, "exit_date"] = pd.Timestamp("2021-03-01")
    r = evaluate_criteria(ctx(make_config(tmp_path, [crit]), p, sp))[0]
    assert r.estimate == 0.5


def test_small_numerator_is_suppressed_in_output(tmp_path: Path) -> None:
    crit = {"id": "s", "label": "A", "kind": "share", "measure": "self_support", "target": 0.5}
    p = people(20)
    r = evaluate_criteria(ctx(make_config(tmp_path, [crit]), p, spells_for(p, [1] * 3 + [0] * 17)))[
        0
    ]
    # 3 of 20 hidden: any of 1..4 of 20 has its whole interval under 50 %, so the verdict
    # is published while the share stays hidden
    assert r.suppressed and r.verdict == "ikke opfyldt" and "diskretionering" in r.reason
    assert r.ci_side is None and r.n_needed is None
    d = r.to_dict()
    assert d["estimate"] is None and d["lower"] is None and d["details"] == {}


def test_too_few_persons_cannot_be_decided(tmp_path: Path) -> None:
    crit = {"id": "s", "label": "A", "kind": "share", "measure": "self_support", "target": 0.5}
    p = people(4)
    r = evaluate_criteria(ctx(make_config(tmp_path, [crit]), p, spells_for(p, [1, 1, 0, 0])))[0]
    assert r.verdict == "kan ikke afgøres" and "n < 5" in r.reason


def test_missing_source_cannot_be_decided(tmp_path: Path) -> None:
    crit = {
        "id": "c",
        "label": "Besøg",
        "kind": "count",
        "activity": "virksomhedsbesoeg",
        "target": 75,
    }
    p = people(10)
    r = evaluate_criteria(ctx(make_config(tmp_path, [crit]), p, spells_for(p, [0] * 10)))[0]
    assert r.verdict == "kan ikke afgøres" and "«aktiviteter»" in r.reason and r.target == 75


def test_count_of_activities_in_period(tmp_path: Path) -> None:
    crit = {
        "id": "c",
        "label": "Besøg",
        "kind": "count",
        "activity": "virksomhedsbesoeg",
        "target": 3,
    }
    acts = pd.DataFrame(
        {
            "person_id": "",
            "type": ["virksomhedsbesoeg"] * 4 + ["kursus"],
            "start_date": pd.to_datetime(
                ["2019-12-01", "2020-02-01", "2020-03-01", "2020-04-01", "2020-05-01"]
            ),
            "end_date": pd.to_datetime(
                ["2019-12-01", "2020-02-01", "2020-03-01", "2020-04-01", "2020-05-01"]
            ),
        }
    )
    p = people(10)
    r = evaluate_criteria(
        ctx(make_config(tmp_path, [crit]), p, spells_for(p, [0] * 10), activities=acts)
    )[0]
    # a register count: exact, no (Poisson) interval, met by 3 of 3
    assert r.estimate == 3.0 and math.isnan(r.lower) and math.isnan(r.upper)
    assert r.verdict == "opfyldt" and r.basis == "register" and r.ci_side is None


def test_activity_share_with_detail_and_among(tmp_path: Path) -> None:
    crits = [
        {"id": "a", "label": "A", "kind": "share", "measure": "activity:samtale:selvbooket", "target": 0.4},
        {"id": "b", "label": "B", "kind": "share", "measure": "activity:smaajob,loentilskud:hel,delvis",
         "among": "activity:smaajob,loentilskud,virksomhedspraktik"},
    ]  # fmt: skip
    p = people(10)
    d = pd.Timestamp("2020-03-02")
    acts = pd.DataFrame(
        {
            "person_id": ["x0", "x1", "x1", "x2", "x3", "x4", "x5", "x6", "x7"],
            "type": ["samtale"] * 3 + ["smaajob", "loentilskud", "virksomhedspraktik",
                                       "virksomhedspraktik", "smaajob", "smaajob"],
            "start_date": d,
            "end_date": d,
            "detail": ["selvbooket", "booket af jobcenter", "selvbooket", "hel", "delvis", "ingen",
                       "ingen", "hel", "hel"],
        }
    )  # fmt: skip
    a, b = evaluate_criteria(
        ctx(make_config(tmp_path, crits), p, spells_for(p, [0] * 10), activities=acts)
    )
    assert (a.estimate, a.n) == (0.2, 10)  # x0 and x1 self-booked
    assert (b.estimate, b.n) == (4 / 6, 6) and b.verdict == "intet mål"


def test_change_pp_uses_newcombe(tmp_path: Path) -> None:
    crit = {"id": "pp", "label": "+25 pp", "kind": "change_pp", "target_pp": 0.25,
            "baseline": {"x": 51, "n": 350}}  # fmt: skip
    p = people(20)
    acts = pd.DataFrame(
        {
            "person_id": [f"x{i}" for i in range(9)],
            "type": "virksomhedspraktik",
            "start_date": pd.Timestamp("2020-11-15"),
            "end_date": pd.Timestamp("2021-02-01"),
        }
    )
    config = make_config(tmp_path, [crit])
    r = evaluate_criteria(ctx(config, p, spells_for(p, [0] * 20), activities=acts))[0]
    ref = baseline.share_difference(9, 20, 51, 350)
    assert r.estimate == pytest.approx(9 / 20 - 51 / 350)
    assert (r.lower, r.upper) == (ref.lower, ref.upper)
    # +30.4 pp against +25 pp, but n = 20: the interval includes the target
    assert r.details["month"] == "2020-12" and r.verdict == "usikkert"
    assert r.leaning == "opfyldt" and r.n_needed is not None and r.n_needed > 370
    census = evaluate_criteria(
        ctx(make_config(tmp_path, [{**crit, "census": True}]), p, spells_for(p, [0] * 20),
            activities=acts)
    )[0]  # fmt: skip
    assert census.verdict == "opfyldt" and census.basis == "census"
    assert math.isnan(census.lower) and census.n == 370


def test_count_change_direction_max(tmp_path: Path) -> None:
    crit = {"id": "f", "label": "15 % færre", "kind": "count_change", "measure": "antal_jobparate",
            "target": -0.15, "direction": "max"}  # fmt: skip
    bench = pd.DataFrame(
        {
            "area": "Herning",
            "period": ["2019M12", "2020M01", "2020M06", "2020M12", "2021M01"],
            "measure": "antal_jobparate",
            "group": "jobparat",
            "value": [999.0, 400.0, 380.0, 330.0, 1.0],
        }
    )
    p = people(10)
    r = evaluate_criteria(
        ctx(make_config(tmp_path, [crit]), p, spells_for(p, [0] * 10), benchmarks=bench)
    )[0]
    ref = count_ratio(330, 400)
    assert r.estimate == pytest.approx(330 / 400 - 1)
    assert r.lower == pytest.approx(ref.lower - 1) and r.upper == pytest.approx(ref.upper - 1)
    # -17.5 % against at most -15 %: the interval includes the target
    assert (
        r.verdict_text == "usikkert – peger mod opfyldt" and r.details["period_from"] == "2020M01"
    )


def test_rank_and_survey(tmp_path: Path) -> None:
    crits = [
        {"id": "r", "label": "Top 3", "kind": "rank", "measure": "ledighed", "target": 3, "direction": "max"},
        {"id": "q", "label": "90 %", "kind": "survey_share", "question": "q1", "group": "jobparat", "target": 0.9},
    ]  # fmt: skip
    bench = pd.DataFrame(
        {
            "area": ["A", "B", "Herning", "C", "Hele landet"],
            "period": "2020M12",
            "measure": "ledighed",
            "group": "alle",
            "value": [0.03, 0.05, 0.04, 0.02, 0.01],
        }
    )
    survey = pd.DataFrame(
        {
            "respondent": range(12),
            "group": "jobparat",
            "question": "q1",
            "answer": [5] * 10 + [2, 3],
        }
    )
    p = people(10)
    rank, share = evaluate_criteria(
        ctx(
            make_config(tmp_path, crits),
            p,
            spells_for(p, [0] * 10),
            benchmarks=bench,
            survey=survey,
        )
    )
    assert (rank.estimate, rank.n, rank.verdict) == (3.0, 4, "opfyldt")
    # a rank has no interval, so no remark about one
    assert rank.basis == "register" and math.isnan(rank.lower) and "interval" not in rank.remark
    assert share.estimate == pytest.approx(10 / 12)
    # 2 disagreeing hide the share; 8..11 of 12 agreeing give different verdicts
    assert share.suppressed and share.verdict_text == "kan ikke afgøres (diskretionering)"


def test_as_of_moves_the_period_end(tmp_path: Path) -> None:
    config = make_config(tmp_path, [])
    c = EvaluationContext(
        config, people(1), pd.DataFrame(), pd.DataFrame(), as_of=dt.date(2020, 6, 30)
    )
    assert c.period_end == dt.date(2020, 6, 30)
