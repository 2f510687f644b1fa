"""Jobs applied for from the Joblog: windows before/during, the paired change, criteria."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from evalkit import baseline
from evalkit.config import load_config
from evalkit.criteria import EvaluationContext, check_criteria, evaluate_criteria
from evalkit.joblog import joblog_summary, joblog_windows, paired_ratio_of_means

MON = pd.Timestamp("2020-03-02")  # a Monday: everybody's start week


def log(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["person_id", "date", "applications"])
    df["date"] = pd.to_datetime(df["date"])
    return df


def people(ids, group="jobparat", end=None) -> pd.DataFrame:
    return pd.DataFrame({
        "person_id": list(ids), "arm": "indsats", "target_group": group,
        "start_date": MON + pd.Timedelta(days=2), "end_date": pd.to_datetime(end),
    })  # fmt: skip


# --------------------------------------------------------------------------- windows
def test_windows_sum_applications_per_covered_week() -> None:
    p = people(["a", "b"], end=[None, "2020-03-18"])  # b leaves in week 3 of the project
    lg = log([
        ("a", "2020-01-01", 99),  # before the 8-week window (and the extract's first week)
        ("a", "2020-01-08", 4), ("a", "2020-02-26", 4),  # before: weeks 2020-01-06..02-24
        ("a", "2020-03-04", 6), ("a", "2020-03-30", 6), ("a", "2020-04-27", 6),  # during
        ("b", "2020-02-10", 0),  # a row without applications is not use
        ("b", "2020-03-10", 3), ("b", "2020-03-24", 50),  # after b's end week: ignored
    ])  # fmt: skip
    w = joblog_windows(p, lg, weeks=8, cutoff=dt.date(2020, 4, 1), min_weeks=2)
    # extract covers 2019-12-30 (week of its first date) to the cutoff's week (2020-03-30)
    a, b = w.iloc[0], w.iloc[1]
    assert (a.weeks_before, a.applications_before, a.rate_before, a.used_before) == (8, 8, 1, 1)
    assert (a.weeks_during, a.applications_during) == (5, 12)  # 03-02 .. 03-30; 04-27 is cut
    assert a.rate_during == pytest.approx(12 / 5)
    assert (b.weeks_before, b.applications_before, b.used_before) == (8, 0, 0)
    assert (b.weeks_during, b.applications_during, b.used_during) == (3, 3, 1)  # 03-02..03-16


def test_windows_need_min_weeks_and_handle_an_empty_extract() -> None:
    p = people(["a"])
    lg = log([("a", "2020-02-24", 5), ("a", "2020-03-03", 5)])  # extract starts 1 week before
    w = joblog_windows(p, lg, weeks=13, cutoff=dt.date(2020, 3, 31), min_weeks=4)
    assert w.loc[0, "weeks_before"] == 1 and math.isnan(w.loc[0, "rate_before"])
    assert math.isnan(w.loc[0, "used_before"]) and w.loc[0, "used_during"] == 1
    empty = joblog_windows(p, lg.iloc[:0])
    assert empty.loc[0, "weeks_during"] == 0 and math.isnan(empty.loc[0, "rate_during"])
    with pytest.raises(ValueError, match="weeks must be at least 1"):
        joblog_windows(p, lg, weeks=0)


# --------------------------------------------------------------------------- paired ratio
def test_paired_ratio_of_means_by_hand() -> None:
    # means 8 and 16/3; var 4 and 4/3; cov 2 -> var(log R) = (1/16 + 3/64 - 3/32) / 3
    e = paired_ratio_of_means([6, 8, 10], [4, 6, 6])
    se = math.sqrt((4 / 64 + (4 / 3) / (256 / 9) - 2 * 2 / (8 * 16 / 3)) / 3)
    assert e.estimate == pytest.approx(0.5)
    assert e.details["se_log"] == pytest.approx(se)
    assert e.lower == pytest.approx(1.5 * math.exp(-1.959963984540054 * se) - 1)
    assert e.upper == pytest.approx(1.5 * math.exp(1.959963984540054 * se) - 1)
    assert e.details["correlation"] == pytest.approx(2 / math.sqrt(4 * 4 / 3))
    assert e.n == 3 and e.method == "paired-delta-log-ratio-of-means"


def test_uncorrelated_pairs_give_the_independent_interval() -> None:
    y1 = np.array([5.0, 7.0, 5.0, 7.0])
    y0 = np.array([3.0, 3.0, 5.0, 5.0])  # sample covariance exactly 0
    paired = paired_ratio_of_means(y1, y0)
    indep = baseline.relative_change_mean(y1, y0)
    assert paired.lower == pytest.approx(indep.lower) and paired.upper == pytest.approx(indep.upper)


def test_positive_correlation_narrows_the_interval() -> None:
    rng = np.random.default_rng(7)
    level = rng.gamma(5, 1, 60)
    y0, y1 = level + rng.normal(0, 0.5, 60), 1.5 * level + rng.normal(0, 0.5, 60)
    paired = paired_ratio_of_means(y1, y0)
    indep = baseline.relative_change_mean(y1, y0)
    assert paired.upper - paired.lower < 0.5 * (indep.upper - indep.lower)
    assert paired.p_value < 1e-10


@pytest.mark.parametrize(
    ("during", "before", "match"),
    [
        ([1, 2], [1, 2, 3], "same length"),
        ([1], [1], "at least 2 pairs"),
        ([0, 0], [1, 2], "mean of during must be positive"),
        ([1, np.nan], [1, 2], "during must be finite"),
    ],
)
def test_paired_ratio_errors(during, before, match) -> None:
    with pytest.raises(ValueError, match=match):
        paired_ratio_of_means(during, before)


def test_summary_by_group() -> None:
    p = pd.concat([people(["a", "b", "c"]), people(["d"], group="forsikret")], ignore_index=True)
    rows = []
    for pid, before, during in (("a", 4, 6), ("b", 2, 4), ("c", 0, 5), ("d", 8, 10)):
        for k in range(-4, 4):
            n = before if k < 0 else during
            if n:
                rows.append((pid, str((MON + pd.Timedelta(weeks=k)).date()), n))
    s = joblog_summary(p, log(rows), ["jobparat", "forsikret"], weeks=4,
                       cutoff=dt.date(2020, 3, 29), min_weeks=4)  # fmt: skip
    j = s.loc["jobparat"]
    assert (j.n, j.n_before, j.x_before, j.n_during, j.x_during, j.n_paired) == (3, 3, 2, 3, 3, 2)
    assert (j.mean_before, j.mean_during) == (3.0, 5.0)
    assert j.change == pytest.approx(paired_ratio_of_means([6, 4], [4, 2]).estimate)
    assert s.loc["forsikret", "n_paired"] == 1 and math.isnan(s.loc["forsikret", "change"])


# --------------------------------------------------------------------------- criteria
def _config(tmp_path: Path, criteria: list[dict]):
    cfg = {
        "slug": "t", "title": "T", "kommune": "Hedensted", "pool": "P",
        "period": {"start": "2020-01-06", "end": "2020-12-27"},
        "target_groups": ["jobparat"], "data": {"participants": "p.csv", "status": "s.csv"},
        "criteria": criteria,
    }  # fmt: skip
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return load_config(path)


def _weekly(ids, before: list[int], during: list[int]) -> pd.DataFrame:
    rows = []
    for pid, b, d in zip(ids, before, during, strict=True):
        for k in range(-13, 13):
            n = b if k < 0 else d
            if n:
                rows.append((pid, str((MON + pd.Timedelta(weeks=k)).date()), n))
    return log(rows)


def test_joblog_criteria_are_computed(tmp_path: Path) -> None:
    crits = [
        {"id": "soeg", "label": "S", "kind": "joblog_change", "group": "jobparat", "target": 0.5},
        {"id": "brug", "label": "B", "kind": "share", "measure": "joblog_use",
         "group": "jobparat", "target": 0.8},
        {"id": "brug0", "label": "B0", "kind": "share", "measure": "joblog_use_before",
         "group": "jobparat"},
    ]  # fmt: skip
    config = _config(tmp_path, crits)
    check_criteria(config)
    ids = [f"x{i}" for i in range(10)]
    p = people(ids)
    before = [4, 4, 2, 2, 6, 6, 0, 0, 0, 0]  # 6 of 10 use it before
    during = [6, 6, 3, 3, 9, 9, 5, 5, 0, 0]  # 8 of 10 during
    ctx = EvaluationContext(config=config, participants=p, status=pd.DataFrame(),
                            spells=p.assign(event=0), joblog=_weekly(ids, before, during),
                            as_of=dt.date(2020, 12, 27))  # fmt: skip
    soeg, brug, brug0 = evaluate_criteria(ctx)
    ref = paired_ratio_of_means([6, 6, 3, 3, 9, 9], [4, 4, 2, 2, 6, 6])
    assert soeg.unit == "change" and soeg.n == 6
    assert (soeg.estimate, soeg.lower, soeg.upper) == (ref.estimate, ref.lower, ref.upper)
    assert soeg.details["mean_before"] == 4 and soeg.details["mean_during"] == 6
    assert soeg.verdict in ("opfyldt", "usikkert") and soeg.leaning in (None, "opfyldt")
    # 8 of 10: the 2 non-users are a small cell; each of 6..9 of 10 has 80 % inside its
    # interval, so "usikkert" is published without the share or its leaning
    assert (brug.estimate, brug.n, brug.verdict) == (0.8, 10, "usikkert")
    assert brug.leaning is None
    assert brug.suppressed
    assert (brug0.estimate, brug0.n, brug0.verdict) == (0.6, 10, "intet mål")


def test_joblog_criteria_without_a_joblog_cannot_be_decided(tmp_path: Path) -> None:
    crits = [{"id": "soeg", "label": "S", "kind": "joblog_change", "group": "jobparat",
              "target": 0.5}]  # fmt: skip
    p = people(["a", "b"])
    ctx = EvaluationContext(config=_config(tmp_path, crits), participants=p,
                            status=pd.DataFrame(), spells=p.assign(event=0))  # fmt: skip
    (r,) = evaluate_criteria(ctx)
    assert r.verdict == "kan ikke afgøres" and "joblog" in r.reason
    ctx2 = EvaluationContext(config=ctx.config, participants=p, status=pd.DataFrame(),
                             spells=p.assign(event=0), joblog=_weekly(["a"], [4], [6]))  # fmt: skip
    (r2,) = evaluate_criteria(ctx2)
    assert r2.verdict == "kan ikke afgøres" and "for få personer" in r2.reason
