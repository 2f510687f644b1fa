"""A subset reads only its own rows (``load_project(config, subset=...)``).

The tables equal what :func:`evalkit.report.subset.apply_subset` keeps from the whole
project, value for value, and a kommune report rendered through the pushdown path is
byte-identical to one rendered from the whole national panel (the path before).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from evalkit import _read
from evalkit.config import load_config
from evalkit.demo.national import generate_national
from evalkit.io import DataValidationError, load_project
from evalkit.report.render import NOTEBOOK, render_report
from evalkit.report.subset import apply_subset

ROOT = Path(__file__).resolve().parents[1]
SLUG = "landsdaekkende-jobparate"
SAMPLE = ("Læsø", "Ærø", "Aalborg")
DATE = "2026-11-24"
TABLES = ("participants", "status", "activities", "benchmarks")


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pushdown")
    (root / "projects").mkdir()
    shutil.copy(ROOT / "projects" / f"{SLUG}.yaml", root / "projects")
    generate_national(root / "data_raw" / "demo", kommuner=SAMPLE)
    return root / "projects" / f"{SLUG}.yaml"


def _same_tables(old, new) -> None:
    for name in TABLES:
        a, b = getattr(old, name), getattr(new, name)
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    pd.testing.assert_index_equal(old.participants.index, new.participants.index)
    assert old.files == new.files


@pytest.mark.parametrize("kommune", SAMPLE)
def test_subset_load_equals_apply_subset_of_the_whole(national: Path, kommune: str) -> None:
    config = load_config(national)
    whole = load_project(config)
    _, old = apply_subset(config, whole, {"kommune": kommune})
    new = load_project(config, subset={"kommune": kommune})
    _same_tables(old, new)
    assert len(new.status) < len(whole.status) and set(new.participants["kommune"]) == {kommune}


def _copy(config_path: Path, tmp_path: Path) -> Path:
    """The national sample copied (configs and data), to change its files."""
    root = config_path.parents[1]
    shutil.copytree(root / "projects", tmp_path / "projects")
    shutil.copytree(root / "data_raw", tmp_path / "data_raw")
    return tmp_path / "projects" / config_path.name


def test_parquet_pushdown_reads_only_the_row_groups_of_the_subset(
    national: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Status (sorted by person, as the demo writes it) in row groups of 2,000 rows: only
    the groups holding the kommune's persons are read; errors keep the whole file's lines."""
    config = load_config(_copy(national, tmp_path))
    src = Path(config.data["status"].path)
    table = pq.read_table(src)
    pq.write_table(table, src, row_group_size=2000)
    groups = pq.ParquetFile(src).num_row_groups
    read: list[int] = []
    real = pq.ParquetFile.read_row_groups

    def spy(self, row_groups, *args, **kwargs):
        if self.metadata.num_rows == table.num_rows:
            read.extend(row_groups)
        return real(self, row_groups, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "read_row_groups", spy)
    whole = load_project(config)
    assert read == []  # the whole file is read as before
    sub = load_project(config, subset={"kommune": "Læsø"})
    assert 0 < len(read) <= 3 < groups
    _, old = apply_subset(config, whole, {"kommune": "Læsø"})
    _same_tables(old, sub)

    # a bad cell in a Læsø row is reported with its line in the whole file
    ids = table.column("person_id").to_pylist()
    row = ids.index(sub.participants["person_id"].iloc[3]) + 5
    codes = table.column("ydelse").to_pylist()
    codes[row] = "ukendt kode"
    bad = table.set_column(table.schema.get_field_index("ydelse"), "ydelse", pa.array(codes))
    pq.write_table(bad, src, row_group_size=2000)
    with pytest.raises(DataValidationError) as err:
        load_project(config, subset={"kommune": "Læsø"})
    assert str(err.value).startswith("1 problem(s)")
    assert f"ydelser.parquet, row {row + 1}, column 'ydelse'" in str(err.value)
    # another kommune does not read that row; the whole project still finds it
    load_project(config, subset={"kommune": "Aalborg"})
    with pytest.raises(DataValidationError, match=f"row {row + 1}, column 'ydelse'"):
        load_project(config)


def test_csv_status_is_filtered_before_conversion(national: Path, tmp_path: Path) -> None:
    config = load_config(_copy(national, tmp_path))
    status = config.data["status"]
    frame = pd.read_parquet(status.path)
    frame["uge"] = frame["uge"].astype(str)
    frame.loc[::7, "person_id"] = " " + frame.loc[::7, "person_id"] + " "  # stripped ids
    csv = Path(status.path).with_suffix(".csv")
    frame.to_csv(csv, sep=";", index=False)
    import dataclasses

    config = dataclasses.replace(
        config,
        data={**config.data, "status": dataclasses.replace(status, path=csv, format="csv")},
    )
    whole = load_project(config)
    for kommune in ("Ærø", "Aalborg"):
        _, old = apply_subset(config, whole, {"kommune": kommune})
        _same_tables(old, load_project(config, subset={"kommune": kommune}))


def test_subset_errors_are_those_of_apply_subset(national: Path) -> None:
    config = load_config(national)
    with pytest.raises(ValueError, match=r"but was 'region'"):
        load_project(config, subset={"region": "Nord"})
    with pytest.raises(ValueError, match=r"\{'kommune': 'Atlantis'\} matches no participant"):
        load_project(config, subset={"kommune": "Atlantis"})
    with pytest.raises(TypeError, match=r"mapping \{column: value\}, but was 'Læsø'"):
        load_project(config, subset="Læsø")


def test_rows_mask_tests_each_value_once() -> None:
    seen: list[list[str]] = []

    def accept(values: pd.Series) -> np.ndarray:
        seen.append(list(values))
        return values.isin(["b"]).to_numpy()

    rows = _read._Rows(("x",), accept)
    mask = rows.mask(pd.Series(["a", "b", None, "b", "a"], dtype=object))
    assert mask.tolist() == [False, True, False, True, False] and seen == [["a", "b"]]
    assert rows.key(["y", " x "]) == " x " and rows.key(["y"]) is None


@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_pushdown_report_is_byte_identical_to_the_whole_panel_path(
    national: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same notebook both times; one run makes ``prepare`` load the whole panel first."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "prepare(" in c.source)
    nb.cells.insert(
        at,
        nbformat.v4.new_code_cell(
            "import os\n"
            "if os.environ.get('EVALKIT_TEST_WHOLE_PANEL'):\n"
            "    import evalkit.io, evalkit.report.analysis\n"
            "    evalkit.report.analysis.load_project = (\n"
            "        lambda config, subset=None: evalkit.io.load_project(config))"
        ),
    )
    notebook = tmp_path / "evaluering.ipynb"
    nbformat.write(nb, notebook)
    for kommune in ("Læsø", "Aalborg"):
        runs = {}
        for path in ("pushdown", "whole"):
            if path == "whole":
                monkeypatch.setenv("EVALKIT_TEST_WHOLE_PANEL", "1")
            else:
                monkeypatch.delenv("EVALKIT_TEST_WHOLE_PANEL", raising=False)
            runs[path] = render_report(
                national, "slutevaluering", out_dir=tmp_path / path, generated=DATE,
                subset={"kommune": kommune}, notebook=notebook,
            )  # fmt: skip
        assert os.environ.get("EVALKIT_TEST_WHOLE_PANEL") == "1"
        a, b = runs["pushdown"], runs["whole"]
        assert a.html.read_bytes() == b.html.read_bytes(), kommune
        assert a.results.read_bytes() == b.results.read_bytes(), kommune
