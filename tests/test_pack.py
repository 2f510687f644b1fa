"""evalkit pack: wide Parquet / DREAM wide CSV -> the packed layout, read back identically."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_columnar import COMP, SPELL_COLS, W0, S, _people, _random_panel, _wide_file

from evalkit.cli import main
from evalkit.columnar import PanelError, panel_spells
from evalkit.landstal import input_sha256
from evalkit.pack import META_KEY, pack_panel


def _same(a, b) -> None:
    x, y = (s.spells.reset_index(drop=True) for s in (a, b))
    for f in (x, y):  # a date column: Timestamps from a CSV table, dates from Parquet
        f["start_date"] = pd.to_datetime(f["start_date"])
    pd.testing.assert_frame_equal(x, y, check_dtype=False)
    assert list(a.counts.counts) == list(b.counts.counts)
    for key, arr in a.counts.counts.items():  # equal up to trailing zero weeks (blocks)
        other = b.counts.counts[key]
        T = max(arr.shape[1], other.shape[1])
        pad = [np.pad(x, ((0, 0), (0, T - x.shape[1]))) for x in (arr, other)]
        np.testing.assert_array_equal(*pad)
    assert (a.n_persons, a.n_weeks) == (b.n_persons, b.n_weeks)


def test_packed_folder_equals_wide_with_partial_files_and_cut(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("evalkit.pack._ROW_GROUP_CELLS", 46 * 40)  # row groups of >= 40
    # two kommune partitions; the second file covers weeks 5 .. W-7 only (no rows outside)
    seqs, _hrs, starts = _random_panel(12, n=120)
    seqs[seqs == None] = S  # noqa: E711
    width = seqs.shape[1]
    panel = tmp_path / "panel"
    (panel / "kommune=A").mkdir(parents=True)
    (panel / "kommune=B").mkdir()
    _wide_file(panel / "kommune=A" / "part-0.parquet", seqs[:60], starts[:60])
    _wide_file(tmp_path / "b.parquet", seqs[60:], starts[60:])
    t = pq.read_table(tmp_path / "b.parquet")
    ycols = [c for c in t.column_names if c.startswith("y_")]
    keep = [c for c in t.column_names if c not in ycols[:5] + ycols[width - 6 :]]
    pq.write_table(t.select(keep), panel / "kommune=B" / "part-0.parquet")
    prov = pack_panel(panel, tmp_path / "packed", date=pd.Timestamp("2020-02-03").date(),
                      batch_size=23)  # fmt: skip
    assert prov["n_persons"] == 120
    assert prov["files"] == ["kommune=A/part-0.parquet", "kommune=B/part-0.parquet"]
    for cut in (None, 20):
        as_of = None if cut is None else W0 + pd.Timedelta(weeks=cut, days=2)
        wide = panel_spells(panel, batch_size=25, as_of=as_of, competing=COMP)
        packed = panel_spells(tmp_path / "packed", batch_size=25, as_of=as_of, competing=COMP)
        _same(wide, packed)
        assert set(packed.spells["kommune"]) == {"A", "B"}
    assert pq.ParquetFile(tmp_path / "packed/kommune=A/part-0.parquet").num_row_groups == 2
    f = pq.read_table(tmp_path / "packed" / "kommune=B" / "part-0.parquet")
    assert [c for c in f.column_names if c.startswith(("status_", "y_"))] == ["status_2002"]
    meta = json.loads(f.schema.metadata[META_KEY])
    assert meta["input_sha256"] == input_sha256(panel) and meta["date"] == "2020-02-03"
    assert meta["file"] == "kommune=B/part-0.parquet" and meta["n_weeks"] == width
    # deterministic: the same bytes again (a rerun replaces the folder)
    before = {p.name: p.read_bytes() for p in (tmp_path / "packed").rglob("*.parquet")}
    pack_panel(panel, tmp_path / "packed", date=pd.Timestamp("2020-02-03").date(),
               batch_size=23)  # fmt: skip
    after = {p.name: p.read_bytes() for p in (tmp_path / "packed").rglob("*.parquet")}
    assert before == after
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_demo_panel_cli_round_trip_and_landstal(tmp_path, capsys) -> None:
    from evalkit.demo.landspanel import generate_landspanel

    kw = {"n_weeks": 60, "chunk": 1_000, "only": ("Aalborg", "Odense")}
    wide = generate_landspanel(tmp_path / "w", 20_000, **kw)
    out = tmp_path / "packed"
    assert main(["pack", str(wide), "--out", str(out), "--date", "2020-02-03"]) == 0
    assert "persons in the packed layout" in capsys.readouterr().out
    _same(panel_spells(wide), panel_spells(out))
    ref = generate_landspanel(tmp_path / "p", 20_000, layout="packed", **kw)
    _same(panel_spells(ref), panel_spells(out))
    cols = pq.read_schema(next(out.rglob("*.parquet"))).names
    assert cols[:7] == ["person_id", "target_group", "start_date", "age", "sex", "origin",
                        "education"]  # fmt: skip
    for name in ("a.parquet", "b.parquet"):
        assert main(["landstal", str(out), "--out", str(tmp_path / name), "--date",
                     "2020-02-03"]) == 0  # fmt: skip
    assert main(["landstal", str(wide), "--out", str(tmp_path / "w.parquet"), "--date",
                 "2020-02-03"]) == 0  # fmt: skip
    a, w = pd.read_parquet(tmp_path / "a.parquet"), pd.read_parquet(tmp_path / "w.parquet")
    pd.testing.assert_frame_equal(a, w)


def _dream(tmp_path, seqs, name="dream.csv") -> tuple[pd.DataFrame, list[str]]:
    code = {S: "", "kontanthjaelp": "130", "dagpenge": "111", "uddannelse": "651",
            "doed": "998", "sygedagpenge": "890"}  # fmt: skip
    weeks = pd.date_range(W0, periods=seqs.shape[1], freq="7D").isocalendar()
    cols = [f"y_{y % 100:02d}{w:02d}" for y, w in zip(weeks.year, weeks.week, strict=True)]
    frame = pd.DataFrame([[code[s] for s in row] for row in seqs], columns=cols)
    frame.insert(0, "person_id", [f"p{i}" for i in range(len(seqs))])
    frame.to_csv(tmp_path / name, sep=";", index=False)
    return frame, cols


def test_dream_csv_with_participants_file(tmp_path) -> None:
    seqs, _, starts = _random_panel(8, n=40, width=20)
    seqs[seqs == None] = S  # noqa: E711
    _dream(tmp_path, seqs)
    people = _people(starts).assign(target_group=["jobparat", "aktivitetsparat"] * 20)
    people.assign(start_date=people["start_date"].dt.date).to_csv(
        tmp_path / "people.csv", sep=";", index=False
    )
    out = tmp_path / "dream.parquet"
    args = ["pack", str(tmp_path / "dream.csv"), "--participants", str(tmp_path / "people.csv"),
            "--out", str(out), "--date", "2020-02-03"]  # fmt: skip
    assert main(args) == 0
    first = out.read_bytes()
    assert main(args) == 0 and out.read_bytes() == first
    for as_of in (None, W0 + pd.Timedelta(weeks=12, days=1)):
        want = panel_spells(tmp_path / "dream.csv", people, competing=COMP, as_of=as_of)
        got = panel_spells(out, competing=COMP, as_of=as_of)
        _same(want, got)
        assert got.spells[SPELL_COLS].notna().any().any()
    t = pq.read_table(out)
    assert t.schema.field("start_date").type == pa.date32()
    meta = json.loads(t.schema.metadata[META_KEY])
    assert meta["participants_sha256"] and meta["input_sha256"] == input_sha256(
        tmp_path / "dream.csv"
    )


def test_bad_input_names_file_row_column_and_writes_nothing(tmp_path, capsys) -> None:
    seqs, _, starts = _random_panel(8, n=40, width=20)
    seqs[seqs == None] = S  # noqa: E711
    frame, cols = _dream(tmp_path, seqs)
    _people(starts).to_csv(tmp_path / "people.csv", sep=";", index=False)
    frame.loc[37, cols[3]] = "4711"  # in the third block of 16
    frame.to_csv(tmp_path / "bad.csv", sep=";", index=False)
    out = tmp_path / "out.parquet"
    args = ["pack", str(tmp_path / "bad.csv"), "--participants", str(tmp_path / "people.csv"),
            "--out", str(out)]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"bad.csv, row 38, column {cols[3]}: expected a status" in err
    assert not any(pid in err for pid in frame["person_id"] if len(pid) > 2)
    assert list(tmp_path.glob("*.parquet")) == [] and list(tmp_path.glob(".*")) == []
    # a folder: the second file is bad; no folder and no temporary folder is left
    panel = tmp_path / "panel"
    panel.mkdir()
    _wide_file(panel / "a.parquet", seqs, starts)
    t = pq.read_table(panel / "a.parquet")
    i = t.schema.get_field_index(cols[2])
    bad = t.set_column(i, cols[2], pa.array([S] * 5 + ["nonsense"] + [S] * 34))
    pq.write_table(bad, panel / "b.parquet")
    with pytest.raises(PanelError, match=rf"b.parquet, row 6, column {cols[2]}"):
        pack_panel(panel, tmp_path / "packed", batch_size=4)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bad.csv",
        "dream.csv",
        "panel",
        "people.csv",
    ]
    with pytest.raises(PanelError, match="a participants table for a CSV panel"):
        pack_panel(tmp_path / "dream.csv", out)
    frame.loc[37, cols[3]] = ""
    frame.assign(t_2002=0.0).to_csv(tmp_path / "hours.csv", sep=";", index=False)
    prov = pack_panel(tmp_path / "hours.csv", out, participants=_people(starts))
    assert prov["hours_dropped"] and "t_2002" not in pq.read_schema(out).names
    out.unlink()
    assert main(["pack", str(tmp_path / "nope"), "--out", str(out)]) == 2
    pq.write_table(t.slice(0, 0), tmp_path / "empty.parquet")
    with pytest.raises(PanelError, match=r"empty\.parquet: expected at least one person"):
        pack_panel(tmp_path / "empty.parquet", out)
    assert not out.exists()
    assert main(["pack", str(panel), "--out", str(out), "--code", "1=nonsense"]) == 2
    # a wide Parquet panel has its participant columns: a participants table is refused,
    # not silently ignored
    with pytest.raises(PanelError, match="expected no participants table"):
        pack_panel(panel / "a.parquet", out, participants=_people(starts))
    assert not out.exists()


def test_long_parquet_and_hours(tmp_path) -> None:
    from test_columnar import _long

    seqs, hrs, starts = _random_panel(13, n=120)  # rows missing inside and at the end
    long = _long(seqs, hrs).sort_values(["person_id", "week"], kind="stable")
    long.drop(columns="hours").to_parquet(tmp_path / "long.parquet")
    people = _people(starts)
    pack_panel(tmp_path / "long.parquet", tmp_path / "packed.parquet", participants=people)
    for as_of in (None, W0 + pd.Timedelta(weeks=25, days=2)):
        want = panel_spells(tmp_path / "long.parquet", people, competing=COMP, as_of=as_of)
        _same(want, panel_spells(tmp_path / "packed.parquet", competing=COMP, as_of=as_of))
    # the packed layout has no hours: dropped from a long file, carried as is from wide
    long.to_parquet(tmp_path / "hours.parquet")
    prov = pack_panel(tmp_path / "hours.parquet", tmp_path / "h.parquet", participants=people)
    assert prov["hours_dropped"] and "hours" not in pq.read_schema(tmp_path / "h.parquet").names
    seqs[seqs == None] = S  # noqa: E711
    t2003 = {"t_2003": pa.array(hrs[:, 1], pa.float64())}  # W0 is week 2 of 2020
    _wide_file(tmp_path / "wide.parquet", seqs, starts, extra=t2003)
    pack_panel(tmp_path / "wide.parquet", tmp_path / "wp.parquet")
    got = pq.read_table(tmp_path / "wp.parquet")
    assert got.column("t_2003").to_pylist() == hrs[:, 1].tolist()
    assert not (tmp_path / "x.parquet").exists()
    wide = panel_spells(tmp_path / "wide.parquet", hours=True)
    assert wide.spells["employed_26"].notna().any()  # the wide panel keeps employed_26
    _same(panel_spells(tmp_path / "wide.parquet"), panel_spells(tmp_path / "wp.parquet"))
