"""The evalkit command line: exit codes and messages (no tracebacks, no ids)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evalkit.cli import main


def test_validate_ok(demo_config, capsys) -> None:
    assert main(["validate", str(demo_config("herning-transport"))]) == 0
    assert "ok" in capsys.readouterr().out


def test_validate_reports_every_problem_with_exit_2(
    demo_root: Path, tmp_path: Path, capsys
) -> None:
    proj = tmp_path / "projects"
    proj.mkdir()
    data = tmp_path / "data_raw" / "demo" / "herning-transport"
    shutil.copytree(demo_root / "data_raw" / "demo" / "herning-transport", data)
    shutil.copy(demo_root / "projects" / "herning-transport.yaml", proj)
    part = data / "deltagere.csv"
    lines = part.read_text(encoding="cp1252").splitlines()
    cells = lines[3].split(";")
    cells[3] = "31-02-2019"  # startdato: impossible date
    cells[6] = "abc"  # alder: not a number
    lines[3] = ";".join(cells)
    part.write_text("\n".join(lines) + "\n", encoding="cp1252")
    assert main(["validate", str(proj / "herning-transport.yaml")]) == 2
    err = capsys.readouterr().err
    assert "deltagere.csv, line 4, column 'startdato'" in err and "31-02-2019" in err
    assert "column 'alder'" in err
    assert "Traceback" not in err and "PHER" not in err


def test_validate_config_error(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "x.yaml"
    bad.write_text("slug: x\n", encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    assert "x.yaml: key 'title': missing" in capsys.readouterr().err


def test_run_refuses_invalid_input_and_writes_nothing(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "x.yaml"
    bad.write_text("slug: x\n", encoding="utf-8")
    out = tmp_path / "reports"
    assert main(["run", str(bad), "--out", str(out)]) == 2
    assert "not rendered" in capsys.readouterr().err
    assert not list(out.glob("*/*.html"))


def test_run_without_configs(capsys) -> None:
    assert main(["run"]) == 2
    assert "give one or more configs" in capsys.readouterr().err


def test_demo_data(tmp_path: Path, capsys) -> None:
    assert main(["demo-data", "--out", str(tmp_path)]) == 0
    assert "demo files for 5 projects" in capsys.readouterr().out
    assert (tmp_path / "aalborg-jobparate" / "deltagere.parquet").exists()


def test_unknown_command_exits_2() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["fly"])
    assert exc.value.code == 2
