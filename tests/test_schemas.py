"""The bad-input corpus (tests/bad_inputs/): every case gives a clear, masked Problem.

Each case folder replaces one or two files of ``_good`` with a broken version. For each
case we check the problem's file, line, column and expectation; that no person id or
CPR number is printed; and that nothing is written. Regenerate the corpus with
``python tests/bad_inputs/make_corpus.py``.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.config import DataSource, Period, ProjectConfig
from evalkit.io import load_project, read_table, validate_project
from evalkit.schemas import (
    DataValidationError,
    Problem,
    check_frame,
    find_cpr,
    looks_like_cpr,
    mask_id,
    mask_value,
)

CORPUS = Path(__file__).parent / "bad_inputs"
GOOD = CORPUS / "_good"
IDS = [f"a1b2c3d4e5f6a00{i}" for i in (1, 2, 3)] + ["a1b2c3d4e5f6a9f3", "a1b2c3d4e5f6b7c8"]
CPRS = ["010203-1234", "0102031234"]

PARTICIPANT_COLUMNS = {
    "maalgruppe": "target_group",
    "startdato": "start_date",
    "slutdato": "end_date",
    "alder": "age",
    "koen": "sex",
    "herkomst": "origin",
    "uddannelse": "education",
    "ydelsesuger_foer": "benefit_weeks_prior",
}


def _pick(case: Path, name: str) -> Path:
    return case / name if (case / name).exists() else GOOD / name


def make_config(case: str, **override: dict) -> ProjectConfig:
    """A config reading the case's files where it has them, else the good ones."""
    folder = CORPUS / case
    if (folder / "ydelser.csv").exists():
        status = DataSource(
            "status",
            folder / "ydelser.csv",
            "csv",
            columns={"uge": "week", "ydelse": "status", "timer": "hours"},
        )
    elif (folder / "ydelser.parquet").exists():
        status = DataSource(
            "status",
            folder / "ydelser.parquet",
            "parquet",
            columns={"uge": "week", "ydelse": "status", "timer": "hours"},
        )
    else:
        status = DataSource("status", _pick(folder, "dream.csv"), "csv", layout="wide")
    if (folder / "deltagere.xlsx").exists():
        part = DataSource(
            "participants",
            folder / "deltagere.xlsx",
            "excel",
            sheet="deltagere",
            columns=PARTICIPANT_COLUMNS,
        )
    else:
        part = DataSource(
            "participants", _pick(folder, "deltagere.csv"), "csv", columns=PARTICIPANT_COLUMNS
        )
    data = {
        "participants": part,
        "status": status,
        "activities": DataSource(
            "activities",
            _pick(folder, "aktiviteter.csv"),
            "csv",
            columns={
                "aktivitet": "type",
                "startdato": "start_date",
                "slutdato": "end_date",
                "timer_pr_uge": "hours",
                "detalje": "detail",
                "gennemfoert": "completed",
            },
        ),
        "benchmarks": DataSource(
            "benchmarks",
            _pick(folder, "landstal.csv"),
            "csv",
            columns={
                "omraade": "area",
                "periode": "period",
                "maaling": "measure",
                "gruppe": "group",
                "vaerdi": "value",
            },
        ),
        "survey": DataSource(
            "survey",
            _pick(folder, "svar.csv"),
            "csv",
            columns={"gruppe": "group", "spoergsmaal": "question", "svar": "answer"},
        ),
    }
    for table, changes in override.items():
        src = data[table]
        data[table] = DataSource(**{**src.__dict__, **changes})
    return ProjectConfig(
        path=folder / "project.yaml",
        slug="corpus",
        title="Corpus",
        kommune="Aalborg",
        pool="test",
        period=Period(datetime.date(2019, 1, 1), datetime.date(2019, 12, 31)),
        target_groups=("jobparat", "aktivitetsparat"),
        data=data,
    )


# case -> (config overrides, file, line, column, substring of expected)
CASES: dict[str, tuple[dict, str, int | None, str | None, str]] = {
    "missing_column": ({}, "deltagere.csv", 1, "startdato", "a column 'startdato'"),
    "wrong_type": ({}, "deltagere.csv", 3, "alder", "a whole number"),
    "bad_date": ({}, "deltagere.csv", 2, "startdato", "a date dd-mm-yyyy or yyyy-mm-dd"),
    "impossible_date": ({}, "deltagere.csv", 3, "slutdato", "the date does not exist"),
    "unknown_status_code": ({}, "dream.csv", 3, "y_1904", "a status code"),
    "unknown_activity_type": ({}, "aktiviteter.csv", 4, "aktivitet", "one of virksomhedspraktik"),
    "duplicate_person_week": ({}, "ydelser.csv", 17, "person_id", "one row per person and week"),
    "negative_hours": ({}, "dream.csv", 2, "t_1905", "a number from 0 to 80"),
    "hours_over_80": ({}, "dream.csv", 2, "t_1905", "a number from 0 to 80"),
    "empty_file": ({}, "deltagere.csv", None, None, "a header line"),
    "header_only": ({}, "deltagere.csv", None, None, "at least one data row"),
    "wrong_delimiter": ({}, "deltagere.csv", 1, None, "columns separated by ';' or ','"),
    "end_before_start": ({}, "deltagere.csv", 3, "slutdato", "an end date on or after"),
    "unknown_person_in_status": ({}, "dream.csv", 5, "person_id", "a person listed in"),
    "gap_in_panel": ({}, "ydelser.csv", 14, "uge", "consecutive weeks"),
    "panel_stops_early": ({}, "ydelser.csv", 5, "uge", "consecutive weeks"),
    "participant_without_panel": ({}, "deltagere.csv", 4, None, "weekly status rows"),
    "cpr_in_free_text": ({}, "aktiviteter.csv", 4, "detalje", "no CPR numbers"),
    "cpr_as_person_id": ({}, "deltagere.csv", 3, "person_id", "a pseudonymised person id"),
    "bad_week_column_name": ({}, "dream.csv", 1, "y_1954", "2019 has no week 54"),
    "week53_in_short_year": ({}, "dream.csv", 1, "y_1953", "2019 has no week 53"),
    "duplicate_column": ({}, "deltagere.csv", 1, "alder", "each column name only once"),
    "age_out_of_range": ({}, "deltagere.csv", 4, "alder", "a number from 15 to 75"),
    "unknown_arm": ({}, "deltagere.csv", 3, "arm", "one of indsats, sammenligning"),
    "empty_required_cell": ({}, "deltagere.csv", 4, "arm", "a value (the cell is empty)"),
    "duplicate_participant": ({}, "deltagere.csv", 5, "person_id", "one row per person"),
    "bad_week_value": ({}, "ydelser.csv", 8, "uge", "an ISO week"),
    "ragged_row": ({}, "deltagere.csv", 2, None, "the same number of fields as the header"),
    "survey_answer_out_of_range": ({}, "svar.csv", 3, "svar", "a number from 1 to 5"),
    "benchmark_bad_period": ({}, "landstal.csv", 3, "periode", "a period like 2019M05"),
    "activity_unknown_person": ({}, "aktiviteter.csv", 4, "person_id", "a person listed in"),
    "wide_hours_not_number": ({}, "dream.csv", 2, "t_1905", "a number of hours"),
    "bad_bool": ({}, "aktiviteter.csv", 4, "gennemfoert", "ja/nej"),
    "cpr_in_wide_cell": ({}, "dream.csv", 3, "y_1904", "no CPR numbers"),
    "wrong_encoding": (
        {"participants": {"encoding": "utf-8"}},
        "deltagere.csv",
        None,
        None,
        "text in encoding utf-8",
    ),
    "truncated_parquet": ({}, "ydelser.parquet", None, None, "a readable Parquet file"),
    "excel_missing_sheet": ({}, "deltagere.xlsx", None, None, "a sheet named 'deltagere'"),
    "excel_bad_date": ({}, "deltagere.xlsx", 3, "slutdato", "a date dd-mm-yyyy"),
    "missing_file": (
        {"benchmarks": {"path": CORPUS / "missing_file" / "landstal_2019.csv"}},
        "landstal_2019.csv",
        None,
        None,
        "an existing file",
    ),
}


def test_missing_file_shows_the_folder_it_looked_in():
    problems = validate_project(make_config("missing_file", **CASES["missing_file"][0]))
    assert problems[0].value == f"no such file in {CORPUS / 'missing_file'}"


def _snapshot() -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in CORPUS.rglob("*") if "__pycache__" not in p.parts}


def test_corpus_is_large_enough():
    """Library-level cases here; the command-line cases (with a case.yaml) in test_bad_inputs."""
    cases = [p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))]
    library = {p.name for p in cases if not (p / "case.yaml").exists()}
    assert len(cases) > 60
    assert library == {*CASES, "many_problems"}


def test_good_project_loads():
    data = load_project(make_config("_good"))
    assert len(data.participants) == 3
    assert len(data.status) == 15
    assert set(data.files) == {"participants", "status", "activities", "benchmarks", "survey"}
    assert all(len(h) == 64 for h in data.files.values())
    assert data.indicators is None
    assert data.participants.loc[2, "kommune"] == "Brønderslev"
    assert data.benchmarks["value"].tolist() == [0.13, 1234.0]


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input(case: str):
    override, file, line, column, expected = CASES[case]
    before = _snapshot()
    config = make_config(case, **override)
    with pytest.raises(DataValidationError) as info:
        load_project(config)
    assert _snapshot() == before, "validation must not write anything"
    problems = info.value.problems
    assert problems == validate_project(config)
    hits = [
        p
        for p in problems
        if p.file == file and p.line == line and p.column == column and expected in p.expected
    ]
    assert hits, f"no problem like ({file}, {line}, {column}, {expected!r}) in:\n{info.value}"
    message = str(info.value)
    for secret in IDS + CPRS:
        assert secret not in message
    assert isinstance(info.value, ValueError)


def test_problem_str_matches_documented_form():
    config = make_config("impossible_date")
    problems = validate_project(config)
    assert str(problems[0]) == (
        "deltagere.csv, line 3, column 'slutdato': expected a date dd-mm-yyyy that exists (the "
        "date does not exist: February 2019 has 28 days), got '31-02-2019'"
    )


def test_cpr_message_is_masked():
    problems = validate_project(make_config("cpr_as_person_id"))
    cpr = [p for p in problems if "CPR" in p.expected]
    assert {(p.file, p.line) for p in cpr} == {("deltagere.csv", 3), ("dream.csv", 3)}
    assert all(p.value == "******-****" for p in cpr)


def test_ids_masked_to_last_three_characters():
    problems = validate_project(make_config("unknown_person_in_status"))
    unknown = [p for p in problems if "a person listed" in p.expected]
    assert [p.value for p in unknown] == ["id ***9f3"]


def test_all_problems_are_reported():
    problems = validate_project(make_config("many_problems"))
    where = {(p.file, p.line, p.column) for p in problems}
    assert ("deltagere.csv", 3, "alder") in where
    assert ("deltagere.csv", 3, "slutdato") in where
    assert ("dream.csv", 3, "y_1904") in where


def test_read_table_raises_for_one_file():
    source = make_config("negative_hours").data["status"]
    with pytest.raises(DataValidationError, match=r"dream.csv, line 2, column 't_1905'"):
        read_table(source)


def test_excel_missing_sheet_names_existing_sheets():
    problems = validate_project(make_config("excel_missing_sheet"))
    assert "found: 'Ark1'" in problems[0].expected


def test_error_message_truncates_long_lists():
    problems = [Problem("f.csv", i, "c", "x") for i in range(2, 80)]
    text = str(DataValidationError(problems))
    assert text.startswith("78 problem(s)")
    assert "… and 28 more" in text


def test_problem_str_without_line_or_value():
    assert str(Problem("f.parquet", 4, "uge", "an ISO week", "x")) == (
        "f.parquet, row 4, column 'uge': expected an ISO week, got 'x'"
    )
    assert str(Problem("f.csv", None, None, "an existing file")) == (
        "f.csv: expected an existing file"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("010203-1234", True),
        ("0102031234", True),
        ("Ring til 311299-4321 i morgen", True),
        ("3213001234", False),  # day 32
        ("0113001234", False),  # month 13
        ("a1b2c3d4e5f6a001", False),
        ("12345678901234", False),  # longer run of digits
        ("a0102031234b", False),  # part of a longer token (hex pseudonym)
        ("202005", False),
    ],
)
def test_looks_like_cpr(value: str, expected: bool):
    assert looks_like_cpr(value) is expected


def test_mask_helpers():
    assert mask_id("abc") == "<id>"
    assert mask_id("010203-1234") == "******-****"
    assert mask_value("ring 0102031234 nu") == "ring ******-**** nu"
    assert mask_value(None) is None


def test_find_cpr_uses_line_numbers_and_limit():
    frame = pd.DataFrame({"note": ["ok", "010203-1234", None] * 3})
    lines = np.arange(2, 11)
    problems = find_cpr(frame, "x.csv", lines, limit=2)
    assert [p.line for p in problems[:2]] == [3, 6]
    assert problems[2].value == "… and 1 more such cells"


def test_check_frame_reports_row_lines():
    frame = pd.DataFrame(
        {
            "respondent": ["r1", "r2"],
            "group": ["a", None],
            "question": ["q", "q"],
            "answer": pd.array([3, 9], dtype="Int64"),
        }
    )
    problems = check_frame(
        "survey",
        frame,
        "svar.csv",
        lambda rows: np.asarray(rows) + 10,
        lambda col, rows: ["svar"] * len(rows),
    )
    assert problems == [
        Problem("svar.csv", 11, "svar", "a number from 1 to 5 on the 1-5 scale", "9")
    ]
