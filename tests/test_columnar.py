"""The columnar path: block kernel = build_spells = a plain loop; counts = evalkit.survival."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from evalkit.columnar import PanelError, panel_spells, panel_weeks
from evalkit.schemas import STATUS_CATEGORIES
from evalkit.spells import build_spells, survival_input
from evalkit.survival import kaplan_meier, logrank, logrank_one_sample, nelson_aalen
from evalkit.survival_counts import SurvivalCounts

W0 = pd.Timestamp("2020-01-06")
S, K = "selvforsoergende", "kontanthjaelp"
COMP = ("uddannelse", "doed")
SPELL_COLS = [
    "duration", "event", "cause", "followup_end", "entry", "status_13", "status_26",
    "employed_26", "employed_by_26", "exit_date",
]  # fmt: skip


def _plain(seq: list, hrs: list, start: int, k: int, end: int) -> dict:
    """The rules of docs/spells.md as a plain loop over one person's weeks (None = no row)."""
    obs = [i for i, s in enumerate(seq) if s is not None and i <= end]
    last_t = min(end, obs[-1] if obs else -1) - start

    def at(t: int) -> str | None:
        c = start + t
        return seq[c] if 0 <= c <= end and c < len(seq) else None

    def hours_at(t: int) -> float:
        c = start + t
        return hrs[c] if 0 <= c <= end and c < len(seq) else 0.0

    fu = max(last_t - k + 1, 0)
    duration, event, cause = fu, 0, 0
    for t in range(0, fu + 1):
        if at(t) in COMP:
            duration, cause = t, 2 + COMP.index(at(t))
            break
        if all(at(t + j) == S for j in range(k)):
            duration, event, cause = t, 1, 1
            break
    out = {"duration": duration, "event": event, "cause": cause, "followup_end": fu}
    for lag in (13, 26):
        s = at(duration + lag) if event and duration + lag <= last_t else None
        out[f"status_{lag}"] = s
    ok26 = 26 <= last_t and at(26) is not None
    work = [at(t) == S or hours_at(t) > 0 for t in range(27)]
    out["employed_26"] = float(work[26]) if ok26 else np.nan
    out["employed_by_26"] = float(any(work)) if ok26 else np.nan
    out["entry"] = -start if start < 0 else -1
    return out


def _random_panel(seed: int, n: int = 200, width: int = 45):
    rng = np.random.default_rng(seed)
    cats = np.array([K, S, S, S, "dagpenge", "uddannelse", "doed", "sygedagpenge"], object)
    p = [0.3, 0.2, 0.2, 0.15, 0.05, 0.04, 0.02, 0.04]
    seqs = rng.choice(cats, (n, width), p=p).astype(object)
    # rows missing at the end (persons leave the panel) and now and then inside
    last = rng.integers(width // 3, width, n)
    seqs[np.arange(width)[None, :] > last[:, None]] = None
    seqs[rng.random((n, width)) < 0.02] = None
    hrs = np.where(rng.random((n, width)) < 0.1, 7.5, 0.0)
    starts = rng.integers(-5, 10, n)
    return seqs, hrs, starts


def _long(seqs, hrs) -> pd.DataFrame:
    n, width = seqs.shape
    frame = pd.DataFrame(
        {
            "person_id": np.repeat([f"p{i}" for i in range(n)], width),
            "week": np.tile(pd.date_range(W0, periods=width, freq="7D"), n),
            "status": seqs.ravel(),
            "hours": hrs.ravel(),
        }
    )
    return frame[frame["status"].notna()].reset_index(drop=True)


def _people(starts) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(len(starts))],
            "start_date": [W0 + pd.Timedelta(weeks=int(w), days=3) for w in starts],
        }
    )


@pytest.mark.parametrize(
    ("seed", "k", "cut"), [(1, 4, None), (2, 1, None), (3, 3, 30), (4, 4, -2), (13, 4, 25)]
)  # seed 13, cut 25: a person has no row in the cut-off week but rows after it
def test_build_spells_equals_plain_loop_on_every_column(seed, k, cut) -> None:
    seqs, hrs, starts = _random_panel(seed)
    st = _long(seqs, hrs)
    # the first panel week is the first week with a row; the plain loop counts from W0
    assert st["week"].min() == W0
    end = seqs.shape[1] - 1 if cut is None else cut
    as_of = None if cut is None else W0 + pd.Timedelta(weeks=cut, days=2)
    got = build_spells(st, _people(starts), k=k, competing=COMP, as_of=as_of)
    for i in range(len(starts)):
        want = _plain(list(seqs[i]), list(hrs[i]), int(starts[i]), k, end)
        row = got.iloc[i]
        for key, value in want.items():
            if isinstance(value, float) and np.isnan(value):
                assert np.isnan(row[key]), (i, key)
            else:
                assert row[key] == value, (i, key, row[key], value)


def _wide_file(path, seqs, starts, extra: dict | None = None) -> pd.DatetimeIndex:
    n, width = seqs.shape
    weeks = pd.date_range(W0, periods=width, freq="7D")
    iso = weeks.isocalendar()
    cols = {
        "person_id": [f"p{i}" for i in range(n)],
        "start_date": pa.array(
            (W0 + pd.to_timedelta(starts * 7 + 3, unit="D")).to_numpy("datetime64[D]"),
            pa.date32(),
        ),
        "target_group": np.where(np.arange(n) % 3 == 0, "aktivitetsparat", "jobparat"),
    }
    for j, (y, w) in enumerate(zip(iso.year, iso.week, strict=True)):
        cols[f"y_{y % 100:02d}{w:02d}"] = pa.array(
            [None if s == S else s for s in seqs[:, j]], pa.string()
        ).dictionary_encode()
    cols.update(extra or {})
    pq.write_table(pa.table(cols), path)
    return weeks


def test_panel_spells_equal_build_spells_block_by_block(tmp_path) -> None:
    seqs, hrs, starts = _random_panel(11, n=300)
    seqs[seqs == None] = S  # noqa: E711  (wide: a blank is no benefit, every week has a row)
    _wide_file(tmp_path / "panel.parquet", seqs, starts)
    for cut in (None, 30):
        as_of = None if cut is None else W0 + pd.Timedelta(weeks=cut, days=2)
        res = panel_spells(tmp_path / "panel.parquet", batch_size=37, as_of=as_of, competing=COMP)
        want = build_spells(_long(seqs, 0 * hrs), _people(starts), competing=COMP, as_of=as_of)
        assert res.n_persons == 300 and res.n_weeks == seqs.shape[1]
        pd.testing.assert_frame_equal(
            res.spells[SPELL_COLS].reset_index(drop=True), want[SPELL_COLS], check_dtype=False
        )


def test_national_demo_panel_spells_equal_build_spells(tmp_path) -> None:
    from evalkit.demo.landspanel import generate_landspanel

    panel = generate_landspanel(tmp_path / "landspanel", 600, n_weeks=60)
    again = generate_landspanel(tmp_path / "again", 600, n_weeks=60)
    files = sorted(p.relative_to(panel) for p in panel.rglob("*.parquet"))
    assert len(files) == 98 or len(files) > 50  # small kommuner may get no person
    assert all((panel / f).read_bytes() == (again / f).read_bytes() for f in files)
    res = panel_spells(panel, batch_size=50)
    tab = ds.dataset(str(panel), partitioning="hive").to_table().to_pandas()
    assert res.n_persons == len(tab) == 600
    ycols = [c for c in tab.columns if c.startswith("y_")]
    weeks = panel_weeks(panel)
    long = pd.DataFrame(
        {
            "person_id": np.repeat(tab["person_id"].to_numpy(), len(ycols)),
            "week": np.tile(weeks, len(tab)),
            "status": tab[ycols].astype(str).to_numpy().ravel(),
        }
    )
    parts = tab[["person_id", "start_date"]].assign(
        start_date=lambda d: pd.to_datetime(d.start_date)
    )
    want = build_spells(long, parts).set_index("person_id")
    got = res.spells.set_index("person_id").loc[want.index]
    pd.testing.assert_frame_equal(got[SPELL_COLS], want[SPELL_COLS], check_dtype=False)
    assert want["event"].sum() > 100  # not a vacuous comparison


def _spells_with_entry(seed: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    entry = np.where(rng.random(n) < 0.3, rng.integers(0, 6, n), -1)
    duration = entry + 1 + rng.geometric(0.08, n)
    duration[rng.random(n) < 0.05] = 0  # exits before observation began are left out
    return pd.DataFrame(
        {
            "duration": duration,
            "event": (rng.random(n) < 0.6).astype(int),
            "entry": entry,
            "group": rng.choice(["a", "b", "c"], n),
        }
    )


@pytest.mark.parametrize("truncated", [False, True])
def test_counts_give_the_same_estimates_as_evalkit_survival(truncated) -> None:
    sp = _spells_with_entry(5)
    if not truncated:
        sp["entry"] = -1
        sp.loc[sp["duration"] == 0, "duration"] = 3
    counts = SurvivalCounts()
    for i in range(0, len(sp), 70):  # block by block, then merged
        part = SurvivalCounts().add(
            sp["duration"][i : i + 70],
            sp["event"][i : i + 70],
            sp["entry"][i : i + 70],
            sp["group"][i : i + 70],
        )
        counts.merge(part)
    kw = survival_input(sp, groups="group")
    assert (kw["entry"] is not None) == truncated
    groups = kw.pop("groups")
    km = kaplan_meier(**kw).table
    mine = counts.kaplan_meier()
    for col in ("time", "at_risk", "events", "censored", "survival", "std_err", "lower", "upper"):
        np.testing.assert_allclose(mine[col], km[col], rtol=1e-12, atol=1e-14, err_msg=col)
    a = kw["durations"][groups == "a"], kw["events"][groups == "a"]
    ea = None if kw["entry"] is None else kw["entry"][groups == "a"]
    np.testing.assert_allclose(
        counts.kaplan_meier("a")["survival"],
        kaplan_meier(*a, entry=ea).table["survival"],
        rtol=1e-12,
    )
    na = nelson_aalen(**kw).table
    np.testing.assert_allclose(counts.nelson_aalen()["cumhaz"], na["cumhaz"], rtol=1e-12)
    np.testing.assert_allclose(counts.nelson_aalen()["std_err"], na["std_err"], rtol=1e-12)
    lr = logrank(**kw, groups=groups)
    mine_lr = counts.logrank()
    assert mine_lr["df"] == lr.df == 2
    np.testing.assert_allclose(mine_lr["statistic"], lr.statistic, rtol=1e-9)
    np.testing.assert_allclose(mine_lr["p_value"], lr.p_value, rtol=1e-9)
    ref = pd.DataFrame({"week": [0, 5, 10, 20], "survival": [1.0, 0.7, 0.5, 0.3]})
    one = logrank_one_sample(kw["durations"], kw["events"], ref)
    mine_one = counts.one_sample(ref)
    np.testing.assert_allclose(mine_one["expected"], one.expected, rtol=1e-12)
    np.testing.assert_allclose(mine_one["statistic"], one.statistic, rtol=1e-12)


def test_panel_counts_equal_survival_on_concatenated_spells(tmp_path) -> None:
    seqs, _hrs, starts = _random_panel(21, n=250)
    seqs[seqs == None] = S  # noqa: E711
    _wide_file(tmp_path / "p.parquet", seqs, starts)
    res = panel_spells(tmp_path / "p.parquet", batch_size=40)
    sp = res.spells
    kw = survival_input(sp)
    np.testing.assert_allclose(
        res.counts.kaplan_meier()["survival"], kaplan_meier(**kw).table["survival"], rtol=1e-12
    )
    assert {g for g, _ in res.counts.groups()} == {"jobparat", "aktivitetsparat"}


def test_dream_wide_csv_with_participants(tmp_path) -> None:
    seqs, _, starts = _random_panel(8, n=40, width=20)
    seqs[seqs == None] = S  # noqa: E711
    code = {S: "", K: "130", "dagpenge": "111", "uddannelse": "651", "doed": "998",
            "sygedagpenge": "890"}  # fmt: skip
    weeks = pd.date_range(W0, periods=20, freq="7D").isocalendar()
    cols = [f"y_{y % 100:02d}{w:02d}" for y, w in zip(weeks.year, weeks.week, strict=True)]
    frame = pd.DataFrame([[code[s] for s in row] for row in seqs], columns=cols)
    frame.insert(0, "person_id", [f"p{i}" for i in range(40)])
    frame.to_csv(tmp_path / "dream.csv", sep=";", index=False)
    res = panel_spells(tmp_path / "dream.csv", _people(starts), batch_size=16, competing=COMP)
    want = build_spells(_long(seqs, np.zeros(seqs.shape)), _people(starts), competing=COMP)
    pd.testing.assert_frame_equal(
        res.spells[SPELL_COLS].reset_index(drop=True), want[SPELL_COLS], check_dtype=False
    )
    # bad input: the error names file, row and column, never the person
    frame.loc[7, cols[3]] = "4711"
    frame.to_csv(tmp_path / "bad.csv", sep=";", index=False)
    with pytest.raises(PanelError, match=rf"bad.csv, row 8, column {cols[3]}: expected a status"):
        panel_spells(tmp_path / "bad.csv", _people(starts))
    with pytest.raises(PanelError, match="row 3, column person_id: expected a person listed"):
        panel_spells(tmp_path / "dream.csv", _people(starts).drop(index=2))


def test_bad_wide_parquet_names_file_row_and_column(tmp_path) -> None:
    seqs = np.full((5, 8), K, object)
    starts = np.zeros(5, int)
    _wide_file(tmp_path / "ok.parquet", seqs, starts)
    t = pq.read_table(tmp_path / "ok.parquet")
    bad = t.set_column(t.schema.get_field_index("y_2003"), "y_2003",
                       pa.array([K, K, "nonsense", K, K]))  # fmt: skip
    pq.write_table(bad, tmp_path / "bad.parquet")
    with pytest.raises(PanelError, match=r"bad.parquet, row 3, column y_2003: expected a status"):
        panel_spells(tmp_path / "bad.parquet")
    gap = t.drop_columns(["y_2004"])
    pq.write_table(gap, tmp_path / "gap.parquet")
    with pytest.raises(PanelError, match="column y_2005: expected consecutive weekly columns"):
        panel_spells(tmp_path / "gap.parquet")
    nostart = t.set_column(1, "start_date", pa.array([None] * 5, pa.date32()))
    pq.write_table(nostart, tmp_path / "nostart.parquet")
    with pytest.raises(PanelError, match=r"nostart\.parquet, row 1, column start_date"):
        panel_spells(tmp_path / "nostart.parquet")
    assert STATUS_CATEGORIES[0] == S


def test_files_covering_part_of_the_calendar(tmp_path) -> None:
    # a folder of two files: the second covers weeks 5 .. W-7 only (no rows outside them)
    seqs, hrs, starts = _random_panel(12, n=120)
    seqs[seqs == None] = S  # noqa: E711
    width = seqs.shape[1]
    (tmp_path / "panel").mkdir()
    _wide_file(tmp_path / "panel" / "a.parquet", seqs[:60], starts[:60])
    part = tmp_path / "b.parquet"
    _wide_file(part, seqs[60:], starts[60:])
    t = pq.read_table(part)
    ycols = [c for c in t.column_names if c.startswith("y_")]
    keep = [c for c in t.column_names if c not in ycols[:5] + ycols[width - 6 :]]
    pq.write_table(t.select(keep), tmp_path / "panel" / "b.parquet")
    short = seqs.copy()
    short[60:, :5] = None
    short[60:, width - 6 :] = None
    for cut in (None, 20):
        as_of = None if cut is None else W0 + pd.Timedelta(weeks=cut, days=2)
        res = panel_spells(tmp_path / "panel", batch_size=25, as_of=as_of, competing=COMP)
        want = build_spells(_long(short, 0 * hrs), _people(starts), competing=COMP, as_of=as_of)
        assert res.n_persons == 120 and res.n_weeks == width
        pd.testing.assert_frame_equal(
            res.spells[SPELL_COLS].reset_index(drop=True), want[SPELL_COLS], check_dtype=False
        )


def _packed_file(path, seqs, starts, codes=None) -> None:
    """The packed layout: one fixed-size binary column status_YYWW, a byte per week."""
    n, width = seqs.shape
    if codes is None:
        index = {c: i for i, c in enumerate(STATUS_CATEGORIES)}
        codes = np.array([[index.get(s, -1) for s in row] for row in seqs], np.int8)
    y, w, _ = W0.isocalendar()
    data = pa.py_buffer(np.ascontiguousarray(codes).tobytes())
    cols = {
        "person_id": [f"p{i}" for i in range(n)],
        "start_date": pa.array(
            (W0 + pd.to_timedelta(starts * 7 + 3, unit="D")).to_numpy("datetime64[D]"),
            pa.date32(),
        ),
        f"status_{y % 100:02d}{w:02d}": pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(width), n, [None, data]
        ),
    }
    pq.write_table(pa.table(cols), path, row_group_size=70)


def test_packed_layout_equals_plain_loop_with_missing_rows(tmp_path) -> None:
    # byte 255 = no row (inside the panel and at its end), as a missing row of the long table
    seqs, hrs, starts = _random_panel(13, n=250)
    _packed_file(tmp_path / "packed.parquet", seqs, starts)
    res = panel_spells(tmp_path / "packed.parquet", batch_size=40, competing=COMP)
    want = build_spells(_long(seqs, 0 * hrs), _people(starts), competing=COMP)
    pd.testing.assert_frame_equal(
        res.spells[SPELL_COLS].reset_index(drop=True), want[SPELL_COLS], check_dtype=False
    )
    # cut at week 25 (a person has no row in week 25 but rows after it)
    as_of = W0 + pd.Timedelta(weeks=25, days=2)
    got = panel_spells(tmp_path / "packed.parquet", batch_size=40, as_of=as_of, competing=COMP)
    zero = [0.0] * seqs.shape[1]
    for i in range(len(starts)):
        row = got.spells.iloc[i]
        for key, value in _plain(list(seqs[i]), zero, int(starts[i]), 4, 25).items():
            if isinstance(value, float) and np.isnan(value):
                assert np.isnan(row[key]), (i, key)
            else:
                assert row[key] == value, (i, key, row[key], value)
    assert res.n_persons == 250 and res.n_weeks == seqs.shape[1]
    assert panel_weeks(tmp_path / "packed.parquet")[0] == W0


def test_packed_demo_panel_equals_wide(tmp_path) -> None:
    from evalkit.demo.landspanel import generate_landspanel

    kw = {"n_weeks": 60, "chunk": 1_000, "only": ("Aalborg", "Odense")}
    wide = panel_spells(generate_landspanel(tmp_path / "w", 30_000, **kw))
    packed = panel_spells(generate_landspanel(tmp_path / "p", 30_000, layout="packed", **kw))
    pd.testing.assert_frame_equal(packed.spells, wide.spells)
    assert list(packed.counts.counts) == list(wide.counts.counts)
    for key, arr in wide.counts.counts.items():
        np.testing.assert_array_equal(packed.counts.counts[key], arr)


def test_bad_packed_parquet_names_file_row_and_column(tmp_path) -> None:
    seqs = np.full((5, 8), K, object)
    starts = np.zeros(5, int)
    codes = np.full((5, 8), STATUS_CATEGORIES.index(K), np.int8)
    codes[3, 6] = len(STATUS_CATEGORIES)  # not a status code
    _packed_file(tmp_path / "bad.parquet", seqs, starts, codes)
    with pytest.raises(PanelError, match=r"bad.parquet, row 4, column status_2002: .* in byte 7"):
        panel_spells(tmp_path / "bad.parquet")
    with pytest.raises(PanelError, match="column status_2002: expected the wide layout for hours"):
        panel_spells(tmp_path / "bad.parquet", hours=True)
    t = pq.read_table(tmp_path / "bad.parquet")
    pq.write_table(t.set_column(2, "status_2002", pa.array(["x"] * 5)), tmp_path / "s.parquet")
    with pytest.raises(PanelError, match="column status_2002: expected fixed-size binary"):
        panel_spells(tmp_path / "s.parquet")
