"""evalkit landstal: the national curves from a panel, with provenance, as a product."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pytest

from evalkit.cli import main
from evalkit.columnar import panel_spells
from evalkit.disclosure.survival import publishable_curve
from evalkit.landstal import benchmark_rows, input_sha256, provenance_text, read_landstal
from evalkit.spells import survival_input
from evalkit.survival import kaplan_meier


@pytest.fixture(scope="module")
def panel(tmp_path_factory) -> object:
    from evalkit.demo.landspanel import generate_landspanel

    return generate_landspanel(tmp_path_factory.mktemp("lp") / "panel", 900, n_weeks=70)


def test_cli_round_trip_with_provenance(panel, tmp_path, capsys) -> None:
    out = tmp_path / "landstal.parquet"
    assert main(["landstal", str(panel), "--out", str(out), "--date", "2020-02-03"]) == 0
    assert "national curves of 900 persons x 70 weeks" in capsys.readouterr().out
    table, prov = read_landstal(out)
    assert prov["input_sha256"] == input_sha256(panel)
    assert (prov["date"], prov["n_persons"], prov["n_weeks"], prov["k"]) == (
        "2020-02-03",
        900,
        70,
        4,
    )
    assert prov["first_week"] == "2016-01-04" and prov["threshold"] == 5
    # same input and parameters: the same bytes
    again = tmp_path / "again.parquet"
    main(["landstal", str(panel), "--out", str(again), "--date", "2020-02-03"])
    assert out.read_bytes() == again.read_bytes()

    # each curve is the Kaplan-Meier curve of the grouped life table of the spells
    spells = panel_spells(panel).spells
    for group in ("jobparat", "aktivitetsparat"):
        kw = survival_input(spells[spells["target_group"] == group])
        want = publishable_curve(kaplan_meier(**kw), threshold=5).table
        got = table[(table.target_group == group) & (table.start_quarter == "alle")]
        assert got["n"].iloc[0] == len(kw["durations"])
        at = got.set_index("week")["survival"]
        for t, s in zip(want["time"], want["survival"], strict=True):
            if t in at.index:
                assert at[t] == pytest.approx(s, rel=1e-12)
        assert (got["at_risk"] >= 5).all() and got["week"].tolist() == list(range(len(got)))
    quarters = set(table.start_quarter)
    assert "alle" in quarters and "2016K1" in quarters


def test_benchmark_rows_and_danish_provenance(panel, tmp_path) -> None:
    out = tmp_path / "l.parquet"
    main(["landstal", str(panel), "--out", str(out), "--date", "2020-02-03"])
    rows, prov = benchmark_rows(out, "jobparat")
    assert rows["period"].iloc[:3].tolist() == ["U000", "U001", "U002"]
    assert (rows["area"] == "Hele landet").all() and rows["value"].iloc[0] == 1.0
    text = provenance_text(prov)
    assert "3. februar 2020" in text and "900 personer" in text and "jobparat" in text
    with pytest.raises(ValueError, match="no curve for target group 'forsikret'"):
        benchmark_rows(out, "forsikret")
    with pytest.raises(ValueError, match=r"no provenance"):
        read_landstal(next(panel.rglob("*.parquet")))


def test_cli_bad_panel_names_file_row_and_column(panel, tmp_path, capsys) -> None:
    frame = ds.dataset(str(panel), partitioning="hive").to_table().to_pandas().head(20)
    frame = frame.drop(columns="kommune")
    for c in frame.columns:
        if c.startswith("y_"):
            frame[c] = frame[c].astype(str)
    frame.loc[4, "y_1603"] = "ukendt"
    bad = tmp_path / "bad.parquet"
    frame.to_parquet(bad)
    assert main(["landstal", str(bad), "--out", str(tmp_path / "x.parquet")]) == 2
    err = capsys.readouterr().err
    assert "bad.parquet, row 5, column y_1603: expected a status category" in err
    assert not (tmp_path / "x.parquet").exists()
    assert not any(pid in err for pid in frame["person_id"])
    assert np.isfinite(len(pd.read_parquet(bad)))


def test_workers_give_the_same_file_and_spells_as_serial(tmp_path) -> None:
    # the kommune partitions on a 2-process Dask LocalCluster, counts merged exactly
    from evalkit.demo.landspanel import generate_landspanel

    only = ("Aalborg", "Hedensted", "Læsø", "Odense")
    panel = generate_landspanel(tmp_path / "panel", 40_000, n_weeks=70, chunk=1_000, only=only)
    serial, par = tmp_path / "serial.parquet", tmp_path / "par.parquet"
    assert main(["landstal", str(panel), "--out", str(serial), "--date", "2020-02-03"]) == 0
    args = ["landstal", str(panel), "--out", str(par), "--date", "2020-02-03", "--workers", "2"]
    assert main(args) == 0
    assert par.read_bytes() == serial.read_bytes()
    # an existing scheduler (here a cheap in-process cluster of 2 threads): the same spells
    from distributed import LocalCluster

    one = panel_spells(panel, batch_size=7)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False) as cluster:
        two = panel_spells(panel, batch_size=7, scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(two.spells, one.spells)
    assert len(list(panel.rglob("*.parquet"))) > 4  # several files per kommune
    assert (two.n_persons, two.n_weeks) == (one.n_persons, 70)
    assert list(two.counts.counts) == list(one.counts.counts)
    for key, arr in one.counts.counts.items():
        np.testing.assert_array_equal(two.counts.counts[key], arr)


def test_panel_error_survives_pickling_from_a_worker() -> None:
    import pickle

    from evalkit.columnar import PanelError

    err = PanelError("kommune=Aalborg/part-000.parquet", 12, "y_1603", "a status", "xx")
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, PanelError) and str(back) == str(err)
    assert str(back) == (
        "kommune=Aalborg/part-000.parquet, row 12, column y_1603: expected a status, got xx"
    )
