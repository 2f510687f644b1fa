"""The published Kaplan-Meier curve: a grouped life table in which no count is 1-4."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from attacker import _km_events
from survival_helpers import RTOL, assert_close, read_csv, read_json

from evalkit.disclosure import grouped_life_table, publishable_curve
from evalkit.disclosure.survival import _entered
from evalkit.survival import kaplan_meier


def _random_spells(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 60, n)
    e = (rng.random(n) < 0.7).astype(int)
    return t, e


def test_hand_checked_grouping() -> None:
    # events 3,3 | 0,4,2 | 0 ; censored 1,0 | 2,0,1 | 3 (threshold 5)
    # events: the first interval ends at time 2 (6 events), the second at time 5 (6);
    # censorings: 1 by time 2 (waits), 4 by time 5 (waits), 7 by time 6 (released)
    t = grouped_life_table([1, 2, 3, 4, 5, 6], [3, 3, 0, 4, 2, 0], [1, 0, 2, 0, 1, 3], 5)
    assert t.to_dict("list") == {
        "time": [2.0, 5.0, 6.0],
        "events": [6.0, 6.0, 0.0],
        "censored": [0.0, 0.0, 7.0],
    }


def test_few_events_left_at_the_end_join_the_interval_before_them() -> None:
    # 5 events by time 2, then 2 more by time 4: one interval of 7 ending at the last event
    t = grouped_life_table([1, 2, 3, 4, 9], [2, 3, 1, 1, 0], [0, 0, 0, 0, 5], 5)
    assert t.to_dict("list") == {
        "time": [4.0, 9.0],
        "events": [7.0, 0.0],
        "censored": [0.0, 5.0],
    }


def test_few_censorings_left_join_the_last_release_before_them() -> None:
    t = grouped_life_table([1, 2, 3, 4], [5, 5, 5, 0], [3, 2, 0, 2], 5)
    assert t.to_dict("list") == {
        "time": [1.0, 2.0, 3.0],
        "events": [5.0, 5.0, 5.0],
        "censored": [0.0, 7.0, 0.0],
    }


@pytest.mark.parametrize(("events", "censored"), [([2, 1], [3, 3]), ([5, 5], [1, 0])])
def test_too_few_events_or_censorings_in_all_publish_no_curve(events, censored) -> None:
    assert grouped_life_table([1, 2], events, censored, 5) is None


@pytest.mark.parametrize("seed", range(20))
def test_every_count_is_zero_or_at_least_the_threshold_and_nothing_is_lost(seed: int) -> None:
    t, e = _random_spells(seed, int(np.random.default_rng(seed).integers(12, 300)))
    km = kaplan_meier(t, e)
    tab = km.table
    g = grouped_life_table(tab["time"], tab["events"], tab["censored"], 5)
    if g is None:
        d, c = int(e.sum()), int(len(e) - e.sum())
        assert 0 < d < 5 or 0 < c < 5
        return
    for col in ("events", "censored"):
        v = g[col].to_numpy()
        assert ((v == 0) | (v >= 5)).all()
    assert g["events"].sum() == e.sum() and g["censored"].sum() == len(e) - e.sum()
    assert set(g["time"]) <= set(tab["time"])
    assert g["time"].iloc[-1] <= tab["time"].iloc[-1]
    # the number at risk at every published time differs from the one before by 0 or >= 5
    pub = publishable_curve(km, 5)
    risk = np.append(pub.table["at_risk"].to_numpy(), 0)
    drops = -np.diff(np.concatenate(([len(t)], risk)))
    assert ((drops == 0) | (drops >= 5)).all()


@pytest.mark.parametrize("seed", range(10))
def test_the_attacker_reads_no_small_step_off_the_published_curve(seed: int) -> None:
    t, e = _random_spells(seed, 40)
    pub = publishable_curve(kaplan_meier(t, e), 5)
    if pub is None:
        return
    tab = pub.table
    xs, ys = [0.0, *tab["time"]], [1.0, *tab["survival"]]
    cens = tab.loc[tab["censored"] > 0, "time"].tolist()
    assert _km_events(xs, ys, 40, cens, 5) == []
    raw = kaplan_meier(t, e).table  # the ungrouped curve gives steps away
    assert _km_events([0.0, *raw["time"]], [1.0, *raw["survival"]], 40, [], 5) != []


def test_with_many_persons_the_published_curve_is_almost_the_ungrouped_one() -> None:
    t, e = _random_spells(3, 5000)
    km = kaplan_meier(t, e)
    pub = publishable_curve(km, 5)
    grid = np.arange(0, 60)
    diff = km.survival_at(grid)["survival"] - pub.survival_at(grid)["survival"]
    assert np.abs(diff).max() < 0.005


def test_the_published_curve_is_the_kaplan_meier_estimate_of_the_grouped_data() -> None:
    km = kaplan_meier([1, 2, 2, 3, 4, 5, 6, 6, 7, 9, 9, 9], [1] * 9 + [0] * 3)
    pub = publishable_curve(km, 3)
    again = kaplan_meier([2, 2, 2, 5, 5, 5, 7, 7, 7, 9, 9, 9], [1] * 9 + [0] * 3)
    pd.testing.assert_frame_equal(pub.table, again.table)
    assert (pub.median, pub.median_ci) == (again.median, again.median_ci)


def test_a_weighted_fit_is_refused() -> None:
    km = kaplan_meier([1, 2, 3], [1, 1, 0], weights=[0.5, 1.5, 2.0])
    with pytest.raises(ValueError, match="unweighted"):
        publishable_curve(km, 5)


def test_grouped_life_table_checks_its_input() -> None:
    with pytest.raises(ValueError, match="one length"):
        grouped_life_table([1, 2], [1], [0, 0])
    with pytest.raises(ValueError, match="non-negative"):
        grouped_life_table([1, 2], [1, -1], [0, 0])
    with pytest.raises(ValueError, match="increasing"):
        grouped_life_table([2, 1], [1, 1], [0, 0])
    with pytest.raises(ValueError, match="threshold"):
        grouped_life_table([1], [5], [0], threshold=0)


# -- delayed entry (left truncation) ------------------------------------------------------
# Reference: tests/fixtures/make_published_curve_fixtures.R writes the grouping rule again
# in R (entries counted from the raw entry times) and fits survfit(Surv(start, stop,
# event) ~ 1) to the grouped rows.

_PC_CASES = [
    "weekly",
    "weekly_indsats",
    *[f"small{i}" for i in range(1, 7)],
    "hand",
]


def _pc_fit(case: str, conf_type: str = "log-log"):
    raw = read_csv("pc_raw.csv")
    d = raw[raw["case"] == case]
    thr = read_json("pc.json")[case]["threshold"]
    km = kaplan_meier(d["stop"], d["event"], entry=d["entry"], conf_type=conf_type)
    return km, thr


@pytest.mark.parametrize("case", _PC_CASES)
def test_delayed_entry_grouped_life_table_equals_r(case: str) -> None:
    km, thr = _pc_fit(case)
    tab = km.table
    got = grouped_life_table(
        tab["time"], tab["events"], tab["censored"], thr, entered=_entered(tab)
    )
    ref = read_csv("pc_grouped.csv")
    ref = ref[ref["case"] == case].drop(columns="case").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, ref.astype(float))
    for col in ("entered", "events", "censored"):
        v = got[col].to_numpy()
        assert ((v == 0) | (v >= thr)).all()
    assert got["entered"].sum() == km.n == got["events"].sum() + got["censored"].sum()


@pytest.mark.parametrize("conf_type", ["log-log", "log"])
@pytest.mark.parametrize("case", _PC_CASES)
def test_delayed_entry_published_curve_equals_r_survfit_of_the_grouped_rows(
    case: str, conf_type: str
) -> None:
    km, thr = _pc_fit(case, conf_type)
    pub = publishable_curve(km, thr)
    assert pub.entry
    ref = read_csv("pc_km.csv")
    ref = ref[(ref["case"] == case) & (ref["conf_type"] == conf_type)]
    cols = ["time", "at_risk", "events", "censored", "survival", "std_err", "lower", "upper"]
    assert len(pub.table) == len(ref)
    for col in cols:
        assert_close(pub.table[col].to_numpy(), ref[col].to_numpy(), rtol=RTOL)
    med = read_json("pc.json")[f"{case}|{conf_type}"]
    got = (pub.median, *pub.median_ci)
    want = [med[k] for k in ("median", "median_lower", "median_upper")]
    assert_close(np.array(got, float), np.array(want, float), rtol=RTOL)


def test_delayed_entry_hand_checked_late_censoring() -> None:
    # 10 at risk from the start: 5 events and 5 censored at week 1; 8 enter at week 1: 5
    # events at week 2, 3 censored at week 3. Counting the 3 early (week 1) would censor
    # persons not yet at risk, so the 5 of week 1 wait and join them at week 3.
    km = kaplan_meier(
        [1] * 10 + [2] * 5 + [3] * 3,
        [1] * 5 + [0] * 5 + [1] * 5 + [0] * 3,
        entry=[0] * 10 + [1] * 8,
    )
    pub = publishable_curve(km, 5)
    assert pub.table[["time", "at_risk", "events", "censored"]].values.tolist() == [
        [1.0, 10.0, 5.0, 0.0],
        [2.0, 13.0, 5.0, 0.0],
        [3.0, 8.0, 0.0, 8.0],
    ]
    assert pub.table["survival"].tolist() == pytest.approx([0.5, 0.5 * 8 / 13, 0.5 * 8 / 13])


@pytest.mark.parametrize("seed", range(20))
def test_delayed_entry_every_cell_is_zero_or_at_least_the_threshold(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(15, 300))
    stop = rng.integers(1, 60, n)
    event = (rng.random(n) < 0.6).astype(int)
    entry = np.where(rng.random(n) < 0.4, np.floor(rng.random(n) * stop), -1)
    km = kaplan_meier(stop, event, entry=entry)
    tab = km.table
    g = grouped_life_table(tab["time"], tab["events"], tab["censored"], 5, _entered(tab))
    pub = publishable_curve(km, 5)
    if g is None:
        assert pub is None
        d, c = int(event.sum()), int(n - event.sum())
        assert 0 < d < 5 or 0 < c < 5
        return
    for col in ("entered", "events", "censored"):
        v = g[col].to_numpy()
        assert ((v == 0) | (v >= 5)).all()
    assert g["entered"].sum() == n and g["events"].sum() == event.sum()
    # the published risk sets are those of the grouped table
    out = (g["events"] + g["censored"]).to_numpy()
    risk = np.cumsum(g["entered"].to_numpy()) - np.concatenate(([0], np.cumsum(out)[:-1]))
    exits = g[out > 0]
    assert pub.table["at_risk"].tolist() == risk[out > 0].tolist()
    assert pub.table["time"].tolist() == exits["time"].tolist()
    # entries before the data start only: the same curve as without entry
    if seed < 3:
        plain = publishable_curve(kaplan_meier(stop, event), 5)
        same = publishable_curve(kaplan_meier(stop, event, entry=np.full(n, -1.0)), 5)
        assert_close(same.table["survival"].to_numpy(), plain.table["survival"].to_numpy())


def test_grouped_life_table_refuses_entries_that_do_not_fit() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        grouped_life_table([1, 2], [5, 5], [0, 0], 5, entered=[5, 4])
    with pytest.raises(ValueError, match="non-negative"):
        grouped_life_table([1, 2], [5, 5], [0, 0], 5, entered=[11, -1])


def test_rows_split_per_person_publish_the_same_curve_as_one_row_each() -> None:
    # a person's rows (0, 100], (100, 300], ... continue each other (id=): no entries and
    # no censorings where one row takes over from the next
    d = read_csv("cp_lung_split.csv")
    split = publishable_curve(kaplan_meier(d.time, d.status, entry=d.tstart, id=d.id), 5)
    last = d.groupby("id").tail(1)
    plain = publishable_curve(kaplan_meier(last.time, last.status), 5)
    pd.testing.assert_frame_equal(split.table, plain.table)
