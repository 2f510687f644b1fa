"""Regenerate the bad-input corpus: ``python tests/bad_inputs/make_corpus.py``.

``_good/`` is a small valid project (3 persons, 5 weeks; ``project.yaml`` reads it).
Each other folder is one case: the files in it replace the good ones of the same name,
with exactly one thing wrong. Library-level cases have no ``case.yaml``; their expected
problem is in ``tests/test_schemas.py`` (CASES). Command-line cases (``cli_cases.py``)
carry a ``case.yaml`` saying what to run and what must come of it; they are run by
``tests/test_bad_inputs.py``. Text files are written in cp1252 with ``;`` like a
kommune's Excel export.
"""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import pandas as pd
import yaml

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from cli_cases import CLI_CASES  # noqa: E402

PARTICIPANTS = """\
person_id;arm;maalgruppe;startdato;slutdato;kommune;alder;koen;herkomst;uddannelse;ydelsesuger_foer
a1b2c3d4e5f6a001;indsats;jobparat;07-01-2019;;Aalborg;34;K;dansk;grundskole;40,5
a1b2c3d4e5f6a002;sammenligning;jobparat;2019-01-14;01-03-2019;Aalborg;51;M;ikke-vestlig;erhvervsfaglig;52
a1b2c3d4e5f6a003;indsats;aktivitetsparat;07-01-2019;;Brønderslev;29;K;vestlig;videregaaende;10
"""
DREAM = """\
person_id;y_1902;y_1903;y_1904;y_1905;y_1906;t_1902;t_1903;t_1904;t_1905;t_1906
a1b2c3d4e5f6a001;130;130;;;130;0;0;12,5;37;0
a1b2c3d4e5f6a002;;111;111;890;;;;;;
a1b2c3d4e5f6a003;760;760;760;760;760;;;;;
"""
LONG = "person_id;uge;ydelse;timer\n" + "".join(
    f"a1b2c3d4e5f6a00{p};2019-W{w:02d};{code};0\n"
    for p, code in ((1, "130"), (2, "111"), (3, "ressourceforloeb"))
    for w in range(2, 7)
)
ACTIVITIES = """\
person_id;aktivitet;startdato;slutdato;timer_pr_uge;detalje;gennemfoert
a1b2c3d4e5f6a001;virksomhedspraktik;14-01-2019;08-02-2019;20;;
;virksomhedsbesoeg;15-01-2019;15-01-2019;;Aftale om praktik;
a1b2c3d4e5f6a003;kursus;21-01-2019;;;Truckcertifikat;ja
"""
BENCHMARKS = """\
omraade;periode;maaling;gruppe;vaerdi
Hele landet;2019M01;andel_virksomhedsrettet;jobparat;0,13
Aalborg;2019M01;antal_jobparate;jobparat;1.234
"""
SURVEY = """\
respondent;gruppe;spoergsmaal;svar
r001;jobparat;inddragende;5
r002;jobparat;inddragende;4
"""
PROJECT = """\
# The valid project of the bad-input corpus: evalkit validate tests/bad_inputs/_good/project.yaml
slug: corpus
title: Corpus
kommune: Aalborg
pool: test
period: {start: 2019-01-01, end: 2019-12-31}
target_groups: [jobparat, aktivitetsparat]
reports: [slutevaluering]
data:
  participants:
    file: deltagere.csv
    columns: {maalgruppe: target_group, startdato: start_date, slutdato: end_date, alder: age,
              koen: sex, herkomst: origin, uddannelse: education,
              ydelsesuger_foer: benefit_weeks_prior}
  status: {file: dream.csv, layout: wide}
  activities:
    file: aktiviteter.csv
    columns: {aktivitet: type, startdato: start_date, slutdato: end_date, timer_pr_uge: hours,
              detalje: detail, gennemfoert: completed}
  benchmarks:
    file: landstal.csv
    columns: {omraade: area, periode: period, maaling: measure, gruppe: group, vaerdi: value}
  survey:
    file: svar.csv
    columns: {gruppe: group, spoergsmaal: question, svar: answer}
criteria:
  - {id: a, label: A, kind: share, measure: self_support, target: 0.5}
"""
GOOD = {
    "project.yaml": PROJECT,
    "deltagere.csv": PARTICIPANTS,
    "dream.csv": DREAM,
    "aktiviteter.csv": ACTIVITIES,
    "landstal.csv": BENCHMARKS,
    "svar.csv": SURVEY,
}


def _sub(text: str, old: str, new: str) -> str:
    if old not in text:
        raise ValueError(f"corpus: {old!r} not found")
    return text.replace(old, new, 1)


P, D, A = PARTICIPANTS, DREAM, ACTIVITIES
TEXT_CASES: dict[str, dict[str, str | bytes]] = {
    "missing_column": {
        "deltagere.csv": P.replace(";startdato", "")
        .replace(";07-01-2019;", ";")
        .replace(";2019-01-14;", ";")
    },
    "wrong_type": {"deltagere.csv": _sub(P, ";51;", ";enoghalvtreds;")},
    "bad_date": {"deltagere.csv": _sub(P, "07-01-2019;;Aalborg", "2019/01/07;;Aalborg")},
    "impossible_date": {"deltagere.csv": _sub(P, "01-03-2019", "31-02-2019")},
    "unknown_status_code": {"dream.csv": _sub(D, "111;111;890", "111;123;890")},
    "unknown_activity_type": {"aktiviteter.csv": _sub(A, "kursus", "kursis")},
    "duplicate_person_week": {"ydelser.csv": LONG + "a1b2c3d4e5f6a002;2019-W04;111;0\n"},
    "negative_hours": {"dream.csv": _sub(D, "12,5;37", "12,5;-2")},
    "hours_over_80": {"dream.csv": _sub(D, "12,5;37", "12,5;85,5")},
    "empty_file": {"deltagere.csv": ""},
    "header_only": {"deltagere.csv": P.splitlines()[0] + "\n"},
    "wrong_delimiter": {"deltagere.csv": P.replace(";", "|")},
    "end_before_start": {"deltagere.csv": _sub(P, "01-03-2019", "01-01-2019")},
    "unknown_person_in_status": {"dream.csv": D + "a1b2c3d4e5f6a9f3;130;130;130;130;130;;;;;\n"},
    "gap_in_panel": {
        "ydelser.csv": LONG.replace("a1b2c3d4e5f6a003;2019-W04;ressourceforloeb;0\n", "")
    },
    "panel_stops_early": {"ydelser.csv": LONG.replace("a1b2c3d4e5f6a001;2019-W06;130;0\n", "")},
    "participant_without_panel": {"dream.csv": "\n".join(D.splitlines()[:3]) + "\n"},
    "cpr_in_free_text": {"aktiviteter.csv": _sub(A, "Truckcertifikat", "ring til 010203-1234")},
    "cpr_as_person_id": {
        "deltagere.csv": _sub(P, "a1b2c3d4e5f6a002", "0102031234"),
        "dream.csv": _sub(D, "a1b2c3d4e5f6a002", "0102031234"),
    },
    "bad_week_column_name": {"dream.csv": D.replace("y_1906", "y_1954")},
    "week53_in_short_year": {"dream.csv": D.replace("y_1906", "y_1953")},
    "duplicate_column": {
        "deltagere.csv": P.replace(";alder;", ";alder;alder;", 1)
        .replace(";34;", ";34;34;")
        .replace(";51;", ";51;51;")
        .replace(";29;", ";29;29;")
    },
    "age_out_of_range": {"deltagere.csv": _sub(P, ";29;", ";12;")},
    "unknown_arm": {"deltagere.csv": _sub(P, "sammenligning", "kontrol")},
    "empty_required_cell": {"deltagere.csv": _sub(P, "a003;indsats;", "a003;;")},
    "duplicate_participant": {"deltagere.csv": P + P.splitlines()[1] + "\n"},
    "bad_week_value": {"ydelser.csv": _sub(LONG, "a00" + "2;2019-W03", "a002;2019-W60")},
    "ragged_row": {"deltagere.csv": _sub(P, "40,5\n", "40,5;ekstra;felt\n")},
    "survey_answer_out_of_range": {"svar.csv": _sub(SURVEY, ";4\n", ";7\n")},
    "benchmark_bad_period": {
        "landstal.csv": _sub(BENCHMARKS, "Aalborg;2019M01", "Aalborg;2019-01")
    },
    "activity_unknown_person": {
        "aktiviteter.csv": _sub(A, "a1b2c3d4e5f6a003;kursus", "a1b2c3d4e5f6b7c8;kursus")
    },
    "wide_hours_not_number": {"dream.csv": _sub(D, "12,5;37", "12,5;fem")},
    "bad_bool": {"aktiviteter.csv": _sub(A, "Truckcertifikat;ja", "Truckcertifikat;måske")},
    "cpr_in_wide_cell": {"dream.csv": _sub(D, "111;111;890", "111;0102031234;890")},
    "many_problems": {
        "deltagere.csv": _sub(_sub(P, ";51;", ";x;"), "01-03-2019", "32-13-2019"),
        "dream.csv": _sub(D, "111;111;890", "111;123;890"),
    },
}


def main() -> None:
    for folder in HERE.iterdir():
        if folder.is_dir() and not folder.name.startswith("__"):
            shutil.rmtree(folder)
    good = HERE / "_good"
    good.mkdir()
    for name, text in GOOD.items():
        (good / name).write_bytes(text.encode("utf-8" if name.endswith(".yaml") else "cp1252"))
    for case, files in TEXT_CASES.items():
        folder = HERE / case
        folder.mkdir()
        for name, text in files.items():
            data = text if isinstance(text, bytes) else text.encode("cp1252")
            (folder / name).write_bytes(data)
    # Cases where a file is the point.
    folder = HERE / "wrong_encoding"  # cp1252 file, config says utf-8
    folder.mkdir()
    (folder / "deltagere.csv").write_bytes(PARTICIPANTS.encode("cp1252"))
    folder = HERE / "truncated_parquet"
    folder.mkdir()
    long = pd.read_csv(pd.io.common.StringIO(LONG), sep=";", dtype=str)
    long.to_parquet(folder / "ydelser.parquet", index=False)
    data = (folder / "ydelser.parquet").read_bytes()
    (folder / "ydelser.parquet").write_bytes(data[: len(data) // 2])
    folder = HERE / "excel_missing_sheet"
    folder.mkdir()
    part = pd.read_csv(pd.io.common.StringIO(PARTICIPANTS), sep=";", dtype=str)
    part.to_excel(folder / "deltagere.xlsx", sheet_name="Ark1", index=False)
    folder = HERE / "excel_bad_date"
    folder.mkdir()
    part.loc[1, "slutdato"] = "31-02-2019"
    part.to_excel(folder / "deltagere.xlsx", sheet_name="deltagere", index=False)
    folder = HERE / "missing_file"
    folder.mkdir()
    (folder / "README").write_text("The config points at landstal_2019.csv, which is absent.\n")
    _cli_cases(part)


def _cli_cases(part: pd.DataFrame) -> None:
    """The command-line cases (cli_cases.py), with their Excel and Parquet files."""
    for case, spec in CLI_CASES(PARTICIPANTS, ACTIVITIES).items():
        folder = HERE / case
        folder.mkdir()
        text = yaml.safe_dump(spec["case"], allow_unicode=True, sort_keys=False, width=88)
        (folder / "case.yaml").write_text(text, encoding="utf-8")
        for name, content in spec["files"].items():
            data = content if isinstance(content, bytes) else content.encode("cp1252")
            (folder / name).write_bytes(data)
    good = pd.read_csv(pd.io.common.StringIO(PARTICIPANTS), sep=";", dtype=str)
    # CPR numbers as integers in Parquet: one lost its leading zero (9 digits).
    numeric = good.assign(person_id=pd.array([102031234, 3112994321, 1508901234], "int64"))
    numeric.to_parquet(HERE / "parquet_int_cpr" / "deltagere.parquet", index=False)
    # ... and in Excel number cells (rows 2 and 3); row 4 keeps its pseudonym.
    excel = good.astype(object)
    excel.loc[0, "person_id"], excel.loc[1, "person_id"] = 102031234, 3112994321
    excel.to_excel(HERE / "excel_number_cpr" / "deltagere.xlsx", index=False)
    raw = pd.DataFrame(
        {
            "cpr": ["010203-1234", "311299-4321"],
            "cpr_paa_partner": pd.array([102031234, 3112994321], "int64"),
            "note": ["a", "b"],
        }
    )
    raw.to_parquet(HERE / "pseudonymise_unlisted_int_cpr" / "raw.parquet", index=False)
    linked = pd.DataFrame({"cpr": pd.Series([102031234, "010203-1234"], dtype=object)})
    linked.to_excel(HERE / "pseudonymise_excel_number_link" / "raw.xlsx", index=False)
    # An Excel workbook saved under a .csv name.
    book = io.BytesIO()
    part.to_excel(book, index=False, engine="openpyxl")
    (HERE / "binary_csv" / "deltagere.csv").write_bytes(book.getvalue())


if __name__ == "__main__":
    main()
