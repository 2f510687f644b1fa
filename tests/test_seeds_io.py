"""Loading the seed projects' extra formats: the Joblog extract and Jobindsats percentages.

Every bad input gives a Problem naming the file, the line (header = line 1), the column
and what was expected, and never shows a person id or a CPR number.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.config import ConfigError, load_config
from evalkit.io import load_project, validate_project

IDS = ["a1b2c3d4e5f6a001", "a1b2c3d4e5f6a002", "a1b2c3d4e5f6a003"]

PARTICIPANTS = (
    "person_id;arm;maalgruppe;startdato\n"
    f"{IDS[0]};indsats;jobparat;07-01-2019\n"
    f"{IDS[1]};indsats;jobparat;14-01-2019\n"
    f"{IDS[2]};indsats;forsikret;14-01-2019\n"
)
DREAM = (
    "person_id;y_1902;y_1903;y_1904\n"
    f"{IDS[0]};130;130;130\n"
    f"{IDS[1]};130;130;\n"
    f"{IDS[2]};111;111;111\n"
)
JOBLOG = (
    "person_id;dato;antal_soegte\n"
    f"{IDS[0]};02-01-2019;4\n"
    f"{IDS[0]};09-01-2019;0\n"
    f"{IDS[2]};10-01-2019;12\n"
)
LANDSTAL = (
    "omraade;periode;maaling;gruppe;vaerdi\n"
    "Hele landet;2019M01;andel_virksomhedsrettet;aktivitetsparat;13,4\n"
    "Herning;2019M01;andel_virksomhedsrettet;aktivitetsparat;41,0\n"
)


def _project(tmp_path: Path, files: dict[str, str], data_yaml: str = "") -> Path:
    """Write a tiny project (config + Danish CSV files) and return the config path."""
    base = {"deltagere.csv": PARTICIPANTS, "dream.csv": DREAM}
    for name, text in {**base, **files}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    config = tmp_path / "p.yaml"
    config.write_text(
        "slug: p\ntitle: P\nkommune: Herning\npool: test\n"
        "period: {start: 2019-01-07, end: 2019-12-31}\n"
        "target_groups: [jobparat, forsikret]\n"
        "data:\n"
        "  participants: {file: deltagere.csv, columns: {maalgruppe: target_group,"
        " startdato: start_date}}\n"
        "  status: {file: dream.csv, layout: wide}\n" + data_yaml,
        encoding="utf-8",
    )
    return config


JOBLOG_YAML = "  joblog: {file: joblog.csv, columns: {dato: date, antal_soegte: applications}}\n"


def test_joblog_loads_into_its_canonical_table(tmp_path: Path) -> None:
    cfg = _project(tmp_path, {"joblog.csv": JOBLOG}, JOBLOG_YAML)
    data = load_project(load_config(cfg))
    log = data.joblog
    assert list(log.columns) == ["person_id", "date", "applications"]
    assert log["applications"].tolist() == [4, 0, 12]
    assert str(log["date"].dtype) == "datetime64[ns]"
    assert log["date"].iloc[0].isoformat()[:10] == "2019-01-02"
    assert "joblog" in data.files and len(data.files["joblog"]) == 64


def test_project_without_joblog_has_none(tmp_path: Path) -> None:
    data = load_project(load_config(_project(tmp_path, {})))
    assert data.joblog is None


@pytest.mark.parametrize(
    ("row", "column", "expected", "shown"),
    [
        (f"{IDS[0]};16-01-2019;-2", "antal_soegte", "a number from 0 to 1000", "-2"),
        (f"{IDS[0]};16-01-2019;2,5", "antal_soegte", "a whole number", "2,5"),
        (f"{IDS[0]};16-01-2019;", "antal_soegte", "a value (the cell is empty)", None),
        (f"{IDS[0]};31-02-2019;3", "dato", "a date dd-mm-yyyy", "31-02-2019"),
        ("a1b2c3d4e5f6ffff;16-01-2019;3", "person_id", "a person listed in", "id ***fff"),
    ],
)
def test_bad_joblog_rows_are_located(
    tmp_path: Path, row: str, column: str, expected: str, shown: str | None
) -> None:
    cfg = _project(tmp_path, {"joblog.csv": JOBLOG + row + "\n"}, JOBLOG_YAML)
    problems = validate_project(load_config(cfg))
    assert len(problems) == 1, problems
    p = problems[0]
    assert (p.file, p.line, p.column) == ("joblog.csv", 5, column)
    assert p.expected.startswith(expected)
    assert p.value == shown
    assert "a1b2c3d4e5f6" not in str(p)


def test_cpr_in_joblog_is_reported_masked(tmp_path: Path) -> None:
    bad = JOBLOG.replace(f"{IDS[2]};10-01-2019", "010203-1234;10-01-2019")
    problems = validate_project(load_config(_project(tmp_path, {"joblog.csv": bad}, JOBLOG_YAML)))
    assert any(p.line == 4 and p.column == "person_id" and "pseudonymised" in p.expected
               for p in problems)  # fmt: skip
    assert all("010203" not in str(p) for p in problems)


def test_joblog_missing_column_is_named(tmp_path: Path) -> None:
    text = JOBLOG.replace("antal_soegte", "antal")
    problems = validate_project(load_config(_project(tmp_path, {"joblog.csv": text}, JOBLOG_YAML)))
    assert [(p.file, p.line, p.column) for p in problems] == [("joblog.csv", 1, "antal_soegte")]
    assert "canonical 'applications'" in problems[0].expected


# --------------------------------------------------------------------------- percentages
BENCH_YAML = "  benchmarks: {{file: landstal.csv, columns: {cols}{unit}}}\n"
BENCH_COLS = "{omraade: area, periode: period, maaling: measure, gruppe: group, vaerdi: value}"


def _bench(tmp_path: Path, text: str, unit: str = "", extra_cols: str = "") -> Path:
    cols = BENCH_COLS[:-1] + extra_cols + "}" if extra_cols else BENCH_COLS
    return _project(tmp_path, {"landstal.csv": text}, BENCH_YAML.format(cols=cols, unit=unit))


def test_percent_values_from_config_become_fractions(tmp_path: Path) -> None:
    data = load_project(load_config(_bench(tmp_path, LANDSTAL, unit=", unit: percent")))
    assert data.benchmarks["value"].tolist() == pytest.approx([0.134, 0.41])
    assert list(data.benchmarks.columns) == ["area", "period", "measure", "group", "value"]


def test_unit_column_marks_percent_rows(tmp_path: Path) -> None:
    text = (
        "omraade;periode;maaling;gruppe;vaerdi;enhed\n"
        "Hele landet;2019M01;andel_virksomhedsrettet;aktivitetsparat;13,4;Pct.\n"
        "Herning;2019M01;antal_jobparate;jobparat;1.234;antal\n"
        "Hele landet;U001;andel_paa_ydelse;jobparat;0,99;andel\n"
        "Herning;2019M02;andel_virksomhedsrettet;aktivitetsparat;40;%\n"
    )
    data = load_project(load_config(_bench(tmp_path, text)))
    assert data.benchmarks["value"].tolist() == pytest.approx([0.134, 1234.0, 0.99, 0.40])


def test_unit_column_overrides_config_percent(tmp_path: Path) -> None:
    text = (
        "omraade;periode;maaling;gruppe;vaerdi;unit\n"
        "Hele landet;2019M01;andel_virksomhedsrettet;aktivitetsparat;13,4;\n"
        "Herning;2019M01;antal_jobparate;jobparat;1.234;antal\n"
    )
    data = load_project(load_config(_bench(tmp_path, text, unit=", unit: percent")))
    assert data.benchmarks["value"].tolist() == pytest.approx([0.134, 1234.0])


@pytest.mark.parametrize(
    ("text", "unit", "line", "column", "expected", "shown"),
    [
        (LANDSTAL.replace("41,0", "141,0"), ", unit: percent", 3, "vaerdi",
         "a percentage from 0 to 100", "141.0"),
        (LANDSTAL, "", 2, "vaerdi", "a share as a fraction from 0 to 1", "13.4"),
        ("omraade;periode;maaling;gruppe;vaerdi;enhed\n"
         "Herning;2019M01;andel_x;alle;12;promille\n", "", 2, "enhed",
         "a unit: pct (or procent, %), andel or antal", "promille"),
        (LANDSTAL.replace("2019M01", "2019M13", 1), ", unit: percent", 2, "periode",
         "a period like 2019M05", "2019M13"),
    ],
)  # fmt: skip
def test_bad_percent_tables_give_located_problems(
    tmp_path: Path, text: str, unit: str, line: int, column: str, expected: str, shown: str
) -> None:
    problems = validate_project(load_config(_bench(tmp_path, text, unit=unit)))
    assert len(problems) >= 1
    p = problems[0]
    assert (p.file, p.line, p.column) == ("landstal.csv", line, column)
    assert p.expected.startswith(expected)
    assert p.value == shown


def test_unit_key_is_checked_in_the_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"data\.benchmarks\.unit.*'fraction', 'percent'"):
        load_config(_bench(tmp_path, LANDSTAL, unit=", unit: promille"))
    cfg = _project(tmp_path, {}, "  joblog: {file: j.csv, unit: percent}\n")
    with pytest.raises(ConfigError, match=r"data\.joblog\.unit.*only the benchmarks"):
        load_config(cfg)
