"""The long Parquet layout streamed in blocks = the packed path = build_spells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_columnar import COMP, SPELL_COLS, W0, _long, _packed_file, _people, _random_panel

from evalkit.columnar import PanelError, panel_spells
from evalkit.spells import build_spells


def _long_file(path, seqs, hrs, rows: int = 100) -> pd.DataFrame:
    frame = _long(seqs, hrs).sort_values(["person_id", "week"], kind="stable")
    frame = frame.reset_index(drop=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, path, row_group_size=rows)  # row groups cut through persons
    return frame


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    got = got.set_index("person_id").loc[want["person_id"]].reset_index()
    pd.testing.assert_frame_equal(got[SPELL_COLS], want[SPELL_COLS], check_dtype=False)


@pytest.mark.parametrize("cut", [None, 25, 30])
def test_long_parquet_equals_packed_and_build_spells(tmp_path, cut) -> None:
    seqs, hrs, starts = _random_panel(13, n=120)  # rows missing inside and at the end
    _long_file(tmp_path / "long.parquet", seqs, hrs)
    _packed_file(tmp_path / "packed.parquet", seqs, starts)
    people = _people(starts)
    as_of = None if cut is None else W0 + pd.Timedelta(weeks=cut, days=2)
    kw = {"competing": COMP, "as_of": as_of, "batch_size": 7}
    got = panel_spells(tmp_path / "long.parquet", people, **kw)
    assert got.n_persons == 120 and got.n_weeks == seqs.shape[1] and got.weeks[0] == W0
    want = build_spells(_long(seqs, 0 * hrs), people, competing=COMP, as_of=as_of)
    _same(got.spells, want)
    packed = panel_spells(tmp_path / "packed.parquet", **kw)
    _same(packed.spells, want)
    assert list(got.counts.counts) == list(packed.counts.counts)
    for key, arr in packed.counts.counts.items():
        np.testing.assert_array_equal(got.counts.counts[key], arr)
    # with hours (employed_26 counts weeks with hours)
    got_h = panel_spells(tmp_path / "long.parquet", people, hours=True, **kw)
    _same(got_h.spells, build_spells(_long(seqs, hrs), people, competing=COMP, as_of=as_of))
    assert want["event"].sum() > 20


def test_bad_long_parquet_names_file_row_and_column(tmp_path) -> None:
    seqs, hrs, starts = _random_panel(3, n=12, width=10)
    frame = _long_file(tmp_path / "ok.parquet", seqs, hrs)
    people = _people(starts)

    def bad(name: str, df: pd.DataFrame, pattern: str, parts=people) -> None:
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp_path / name,
                       row_group_size=9)  # fmt: skip
        with pytest.raises(PanelError, match=pattern) as err:
            panel_spells(tmp_path / name, parts, batch_size=2)
        assert not any(f"p{i}" in str(err.value).replace(name, "") for i in range(12))

    d = frame.copy()
    d.loc[5, "status"] = "4711"
    bad("status.parquet", d, r"status.parquet, row 6, column status: expected a status")
    d = frame.copy()
    d.loc[4, "week"] += pd.Timedelta(days=1)
    bad("monday.parquet", d, r"monday.parquet, row 5, column week: expected a Monday")
    d = pd.concat([frame.iloc[:4], frame.iloc[3:4], frame.iloc[4:]], ignore_index=True)
    bad("dup.parquet", d, r"dup.parquet, row 5, column week: expected one row per person")
    first = frame["person_id"] == frame["person_id"].iloc[0]
    d = pd.concat([frame[~first], frame[first]], ignore_index=True)
    row = int((~first).sum()) + 1
    bad("order.parquet", d, rf"order.parquet, row {row}, column person_id: expected rows sorted")
    gone = people[people["person_id"] != frame["person_id"].iloc[-1]]
    row = int(np.flatnonzero(frame["person_id"] == frame["person_id"].iloc[-1])[0]) + 1
    bad("gone.parquet", frame, rf"row {row}, column person_id: expected a person listed", gone)
    with pytest.raises(PanelError, match=r"ok\.parquet: expected a participants table"):
        panel_spells(tmp_path / "ok.parquet")


def test_landstal_cli_reads_a_long_panel_with_participants(tmp_path, capsys) -> None:
    from evalkit.cli import main
    from evalkit.landstal import read_landstal

    seqs, hrs, starts = _random_panel(21, n=150)
    _long_file(tmp_path / "long.parquet", seqs, hrs)
    _packed_file(tmp_path / "packed.parquet", seqs, starts)
    _people(starts).to_parquet(tmp_path / "people.parquet")
    args = ["--date", "2020-02-03", "--threshold", "1"]
    out_l, out_p = tmp_path / "l.parquet", tmp_path / "p.parquet"
    assert main(["landstal", str(tmp_path / "long.parquet"), "--out", str(out_l),
                 "--participants", str(tmp_path / "people.parquet"), *args]) == 0  # fmt: skip
    assert main(["landstal", str(tmp_path / "packed.parquet"), "--out", str(out_p), *args]) == 0
    (long_t, long_m), (packed_t, packed_m) = read_landstal(out_l), read_landstal(out_p)
    pd.testing.assert_frame_equal(long_t, packed_t)
    assert long_m["n_persons"] == packed_m["n_persons"] == 150
    assert long_m["n_weeks"] == packed_m["n_weeks"] == seqs.shape[1]
    assert len(long_t) > 10
    assert main(["landstal", str(tmp_path / "long.parquet"), "--out", str(out_l)]) == 2
    assert "expected a participants table" in capsys.readouterr().err


def test_long_calendar_without_parquet_statistics(tmp_path) -> None:
    from evalkit.columnar import panel_weeks

    seqs, hrs, starts = _random_panel(5, n=30, width=20)
    frame = _long(seqs, hrs).sort_values(["person_id", "week"], kind="stable")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, tmp_path / "nostats.parquet", write_statistics=False)
    pq.write_table(table, tmp_path / "stats.parquet", row_group_size=50)
    assert (
        not pq.ParquetFile(tmp_path / "nostats.parquet").metadata.row_group(0).column(1).statistics
    )
    want = pd.date_range(W0, periods=20, freq="7D")
    for name in ("nostats.parquet", "stats.parquet"):
        np.testing.assert_array_equal(panel_weeks(tmp_path / name), want)
    got = panel_spells(tmp_path / "nostats.parquet", _people(starts), batch_size=4)
    _same(got.spells, build_spells(_long(seqs, 0 * hrs), _people(starts)))


def test_pack_a_long_panel_gives_the_same_spells(tmp_path) -> None:
    from evalkit.pack import pack_panel

    seqs, hrs, starts = _random_panel(8, n=60, width=30)
    _long_file(tmp_path / "long.parquet", seqs, hrs)
    people = _people(starts)
    pack_panel(tmp_path / "long.parquet", tmp_path / "packed.parquet", participants=people,
               date=W0.date(), batch_size=7)  # fmt: skip
    long = panel_spells(tmp_path / "long.parquet", people, competing=COMP, batch_size=7)
    packed = panel_spells(tmp_path / "packed.parquet", competing=COMP, batch_size=7)
    pd.testing.assert_frame_equal(packed.spells[SPELL_COLS], long.spells[SPELL_COLS])
    _same(packed.spells, build_spells(_long(seqs, 0 * hrs), people, competing=COMP))
