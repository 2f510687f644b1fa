"""evalkit.spells: hand-built panels with known answers and a brute-force cross-check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.spells import STATUS_CATEGORIES, build_spells

W0 = pd.Timestamp("2020-01-06")  # a Monday


def panel(rows: dict[str, list[str]], hours: dict[str, list[float]] | None = None) -> pd.DataFrame:
    frames = []
    for pid, seq in rows.items():
        h = (hours or {}).get(pid, [0.0] * len(seq))
        frames.append(
            pd.DataFrame(
                {
                    "person_id": pid,
                    "week": pd.date_range(W0, periods=len(seq), freq="7D"),
                    "status": seq,
                    "hours": h,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def people(starts: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": list(starts),
            # a Wednesday inside the start week: the week, not the day, counts
            "start_date": [W0 + pd.Timedelta(weeks=w, days=2) for w in starts.values()],
        }
    )


K = "kontanthjaelp"
S = "selvforsoergende"


def test_event_is_first_week_of_k_self_weeks() -> None:
    st = panel({"a": [K, K, K, S, S, S, S, S, S, S]})
    out = build_spells(st, people({"a": 0}), k=4)
    row = out.iloc[0]
    assert (row.duration, row.event, row.cause, row.cause_label) == (3, 1, 1, "selvforsoergelse")
    assert row.exit_date == W0 + pd.Timedelta(weeks=3)


def test_short_self_run_does_not_count() -> None:
    st = panel({"a": [K, S, S, K, K, S, S, S, S, K, K, K]})
    out = build_spells(st, people({"a": 0}), k=4)
    assert out.loc[0, "duration"] == 5 and out.loc[0, "event"] == 1
    out2 = build_spells(st, people({"a": 0}), k=2)
    assert out2.loc[0, "duration"] == 1


def test_duration_counts_from_start_week() -> None:
    st = panel({"a": [S, S, K, K, K, S, S, S, S, S]})
    out = build_spells(st, people({"a": 2}), k=4)
    assert out.loc[0, "duration"] == 3


def test_competing_exit_before_event() -> None:
    st = panel({"a": [K, K, "uddannelse", "uddannelse", S, S, S, S, S, S]})
    out = build_spells(st, people({"a": 0}), k=4)
    row = out.iloc[0]
    assert (row.duration, row.event, row.cause, row.cause_label) == (2, 0, 2, "uddannelse")
    out2 = build_spells(st, people({"a": 0}), k=4, competing=("doed", "uddannelse"))
    assert out2.loc[0, "cause"] == 3


def test_censored_k_minus_1_weeks_before_data_end() -> None:
    # self-support starts in week 8 of 10 weeks (0..9): a run of 4 cannot be confirmed
    st = panel({"a": [K] * 8 + [S, S]})
    out = build_spells(st, people({"a": 0}), k=4)
    row = out.iloc[0]
    assert (row.duration, row.event, row.cause) == (6, 0, 0)
    assert row.followup_end == 6
    assert pd.isna(row.exit_date)


def test_as_of_cuts_the_data() -> None:
    st = panel({"a": [K] * 6 + [S] * 10})
    full = build_spells(st, people({"a": 0}), k=4)
    assert full.loc[0, "event"] == 1
    cut = build_spells(st, people({"a": 0}), k=4, as_of=W0 + pd.Timedelta(weeks=7))
    assert (cut.loc[0, "event"], cut.loc[0, "duration"]) == (0, 4)


def test_status_after_exit_and_employment_at_26() -> None:
    seq = [K] * 2 + [S] * 12 + [K] * 2 + [S] * 30
    hrs = [0.0] * len(seq)
    st = panel({"a": seq, "b": [K] * 46}, {"a": hrs, "b": [0.0] * 26 + [7.5] + [0.0] * 19})
    out = build_spells(st, people({"a": 0, "b": 0}), k=4).set_index("person_id")
    assert out.loc["a", "status_13"] == K  # week 15 = back on benefit
    assert out.loc["a", "status_26"] == S
    assert out.loc["a", "employed_26"] == 1.0
    assert out.loc["b", "status_13"] is None
    assert out.loc["b", "employed_26"] == 1.0  # on benefit but with ordinary hours


def test_employed_by_week_26_is_the_other_reading() -> None:
    # a: self-supporting weeks 3-8 only, on benefit in week 26; b: hours in week 30 only
    seq_a = [K] * 3 + [S] * 6 + [K] * 30
    st = panel(
        {"a": seq_a, "b": [K] * 39, "c": [K] * 20},
        {"a": [0.0] * 39, "b": [0.0] * 30 + [8.0] + [0.0] * 8, "c": [5.0] * 20},
    )
    out = build_spells(st, people({"a": 0, "b": 0, "c": 0}), k=4).set_index("person_id")
    assert out.loc["a", "employed_26"] == 0.0 and out.loc["a", "employed_by_26"] == 1.0
    assert out.loc["b", "employed_26"] == 0.0 and out.loc["b", "employed_by_26"] == 0.0
    # c is not followed to week 26: both readings unknown, although c had hours early
    assert np.isnan(out.loc["c", "employed_26"]) and np.isnan(out.loc["c", "employed_by_26"])


def test_unobserved_followup_is_nan() -> None:
    st = panel({"a": [K, S, S, S, S, S]})
    out = build_spells(st, people({"a": 0}), k=4)
    assert out.loc[0, "status_13"] is None
    assert np.isnan(out.loc[0, "employed_26"])


def test_person_without_status_rows_is_censored_at_zero() -> None:
    st = panel({"a": [K] * 10})
    out = build_spells(st, people({"a": 0, "ghost": 0}), k=4).set_index("person_id")
    assert (out.loc["ghost", "duration"], out.loc["ghost", "event"]) == (0, 0)


def test_participant_columns_are_carried_over() -> None:
    st = panel({"a": [K] * 10})
    p = people({"a": 0}).assign(arm="indsats")
    assert build_spells(st, p)["arm"].tolist() == ["indsats"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"k": 0}, "k must be at least 1, but was 0"),
        ({"competing": ("ferie",)}, "competing must hold status categories .* 'ferie'"),
        ({"competing": (S,)}, "competing must hold status categories other than"),
    ],
)
def test_argument_errors(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        build_spells(panel({"a": [K] * 5}), people({"a": 0}), **kwargs)


def test_unknown_status_and_missing_columns() -> None:
    with pytest.raises(ValueError, match="unknown status category 'ferie'"):
        build_spells(panel({"a": [K, "ferie"]}), people({"a": 0}))
    with pytest.raises(ValueError, match="participants must have a column 'start_date'"):
        build_spells(panel({"a": [K]}), pd.DataFrame({"person_id": ["a"]}))
    with pytest.raises(ValueError, match="status table must have a column 'week'"):
        build_spells(pd.DataFrame({"person_id": ["a"], "status": [K]}), people({"a": 0}))


def _brute_force(seq: list[str], start: int, k: int, competing: tuple[str, ...]) -> tuple:
    """Plain-loop statement of the rules, independent of the vectorised code."""
    last_t = len(seq) - 1 - start
    fu_end = max(last_t - k + 1, 0)
    for t in range(0, fu_end + 1):
        w = start + t
        if seq[w] in competing:
            return (t, 0, 2 + competing.index(seq[w]))
        if all(seq[w + j] == S for j in range(k)):
            return (t, 1, 1)
    return (fu_end, 0, 0)


def test_matches_brute_force_on_random_panels() -> None:
    rng = np.random.default_rng(7)
    cats = [K, S, S, S, "dagpenge", "uddannelse", "doed", "sygedagpenge"]
    rows, starts = {}, {}
    for i in range(300):
        n = int(rng.integers(8, 40))
        rows[f"p{i}"] = list(rng.choice(cats, n, p=[0.3, 0.2, 0.2, 0.15, 0.05, 0.04, 0.02, 0.04]))
        starts[f"p{i}"] = int(rng.integers(0, 6))
    # pad every person to the same panel length so the data end is common
    width = max(len(v) for v in rows.values())
    rows = {p: v + [K] * (width - len(v)) for p, v in rows.items()}
    competing = ("uddannelse", "doed")
    for k in (1, 3, 4):
        out = build_spells(panel(rows), people(starts), k=k, competing=competing)
        got = list(zip(out["duration"], out["event"], out["cause"], strict=True))
        want = [_brute_force(rows[p], starts[p], k, competing) for p in rows]
        assert got == want


def test_categories_are_the_documented_ones() -> None:
    assert (
        STATUS_CATEGORIES[0] == S and "doed" in STATUS_CATEGORIES and len(STATUS_CATEGORIES) == 12
    )


def test_entry_marks_persons_who_started_before_the_panel() -> None:
    from evalkit.spells import survival_input
    from evalkit.survival import kaplan_meier

    # b started 3 weeks before the panel's first week; c 2 weeks before and is already
    # self-supporting there (an exit before observation: left out of the analysis)
    st = panel({"a": [K] * 4 + [S] * 6, "b": [K, K] + [S] * 8, "c": [S] * 10})
    p = people({"a": 0, "b": -3, "c": -2})
    out = build_spells(st, p, k=4)
    assert out["entry"].tolist() == [-1, 3, 2]
    assert out[["duration", "event"]].values.tolist() == [[4, 1], [5, 1], [2, 1]]
    kw = survival_input(out)
    assert kw["durations"].tolist() == [4, 5] and kw["entry"].tolist() == [-1.0, 3.0]
    fit = kaplan_meier(**kw)
    # week 4: a (at risk from 0) and b (from week 4) at risk; a exits
    assert fit.table.at_risk.tolist() == [2, 1] and fit.table.survival.tolist() == [0.5, 0]
    plain = build_spells(st, people({"a": 0, "b": 0, "c": 0}), k=4)
    assert (plain["entry"] == -1).all() and survival_input(plain)["entry"] is None
    with pytest.raises(ValueError, match="spells must have a column 'arm'"):
        survival_input(out, groups="arm")
