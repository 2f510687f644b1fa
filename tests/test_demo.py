"""The demo data generator: deterministic, in the formats a kommune exports, realistic sizes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from evalkit.config import load_config
from evalkit.demo import PLANTED, PROJECTS, generate_project
from evalkit.io import load_project

ROOT = Path(__file__).resolve().parents[1]


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_generation_is_deterministic(tmp_path: Path) -> None:
    spec = PROJECTS["herning-transport"]
    generate_project(spec, tmp_path / "a", seed=11)
    generate_project(spec, tmp_path / "b", seed=11)
    generate_project(spec, tmp_path / "c", seed=12)
    a = _digest(tmp_path / "a" / spec.slug)
    assert a == _digest(tmp_path / "b" / spec.slug)
    assert a != _digest(tmp_path / "c" / spec.slug)


def test_every_seed_project_has_a_config_and_loads(demo_config) -> None:
    configs = [load_config(p) for p in (ROOT / "projects").glob("*.yaml")]
    assert sorted(PROJECTS) == sorted(c.slug for c in configs if c.seed is not None)
    sizes = {}
    for slug in PROJECTS:
        data = load_project(load_config(demo_config(slug)))
        counts = data.participants.groupby(["arm", "target_group"]).size().to_dict()
        sizes[slug] = counts
        assert len(data.status) > 0 and data.benchmarks is not None
    assert sizes["herning-transport"] == {("indsats", "jobparat"): 30}
    # 350 + 197 in the gross target group at the start, and the entrants of 2016-2018
    assert sizes["ringkobing-skjern-stv"] == {
        ("indsats", "aktivitetsparat"): 607,
        ("indsats", "ressourceforloeb"): 311,
    }
    assert sizes["hedensted-samtale"] == {
        ("indsats", "forsikret"): 200,
        ("indsats", "jobparat"): 50,
    }
    assert sizes["aalborg-jobparate"] == {
        ("indsats", "jobparat"): 2500,
        ("sammenligning", "jobparat"): 10_000,
    }
    assert sum(sizes["herning-flere-skal-med"].values()) == 255


def test_file_formats_follow_kommune_exports(demo_root: Path) -> None:
    demo = demo_root / "data_raw" / "demo"
    raw = (demo / "herning-transport" / "deltagere.csv").read_bytes()
    text = raw.decode("cp1252")
    header = text.splitlines()[0]
    assert header.count(";") >= 5 and "," not in header
    assert pd.Series(text.splitlines()[1:]).str.contains(r"\d{2}-\d{2}-\d{4}").all()
    with pytest.raises(UnicodeDecodeError):
        (demo / "herning-transport" / "aktiviteter.csv").read_bytes().decode(
            "utf-8"
        )  # æøå in cp1252
    wide = (demo / "herning-transport" / "dream_ydelser.csv").read_text(encoding="cp1252")
    assert wide.splitlines()[0].startswith("person_id;y_")
    assert (demo / "hedensted-samtale" / "ydelser.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (demo / "ringkobing-skjern-stv" / "deltagere.xlsx").exists()
    assert (demo / "aalborg-jobparate" / "ydelser.parquet").exists()


def test_planted_values_are_documented() -> None:
    doc = (ROOT / "docs" / "demo-data.md").read_text(encoding="utf-8")
    assert "1.35" in doc and str(PLANTED["aalborg-jobparate"]["hazard_ratio_indsats"]) in doc
    assert "14.6 %" in doc and "0.88" in doc


def test_excel_files_carry_no_time_of_writing(tmp_path: Path) -> None:
    """xlsx stamps creation time and zip entry times; ours are fixed so bytes repeat."""
    import zipfile

    generate_project(PROJECTS["ringkobing-skjern-stv"], tmp_path, seed=3)
    with zipfile.ZipFile(tmp_path / "ringkobing-skjern-stv" / "deltagere.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(2024, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert core.count("2024-01-01T00:00:00Z") == 2
    assert pd.read_excel(tmp_path / "ringkobing-skjern-stv" / "deltagere.xlsx").shape[0] == 921
