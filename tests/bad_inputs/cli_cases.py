"""The command-line cases of the bad-input corpus (issue 15), written by make_corpus.py.

Each case is a folder with a ``case.yaml`` (what to run and what must come of it) and the
files that replace or join those of ``_good/`` (``_good/project.yaml`` is the valid
project the cases start from). ``tests/test_bad_inputs.py`` runs every case folder
that has a ``case.yaml``; the older, library-level cases (no ``case.yaml``) are run by
``tests/test_schemas.py``.

case.yaml keys:
  about     the problem, in the issue's words
  command   the ``evalkit`` arguments; ``{config}`` is the case's project.yaml, ``{out}`` its
            report folder, ``{case}`` its folder, ``{key}`` its key file
  config    merged into ``_good/project.yaml`` (mappings merged, lists replaced)
  key       a key file: ``text`` and ``mode`` (e.g. 0o644)
  old_reports  true: ``{out}`` already holds a rendered report and index (unchanged
            after a refused run)
  exit      the exit code
  stderr, stdout  substrings that must appear (all of them)
  written   ``nothing`` (no file created or changed anywhere) or a list of files that
            must exist afterwards (relative to the case folder)
  same_pseudonym  ``[file, column]``: every value of the column is one pseudonym
  interrupt true: run in a subprocess and send Ctrl-C (SIGINT) once the report's notebook
            has written its marker file (slow)
  check     the name of an extra check in tests/test_bad_inputs.py
"""

from __future__ import annotations

from typing import Any

__all__ = ["CLI_CASES"]

# A valid raw export with CPR numbers, for the pseudonymise cases.
RAW = "cpr;navn;note\n010203-1234;Åse;ok\n311299-4321;Bo;ok\n"
KEY_TEXT = "3f1c9a7be20d4c58a61e9f0b7d2c4e8a5b6c7d8e9f0a1b2c"
VALIDATE = ["validate", "{config}"]
RUN = ["run", "{config}", "--out", "{out}", "--date", "2026-01-01"]
PSEUDO = ["pseudonymise", "{case}/raw.csv", "{case}/out.csv", "--columns", "cpr"]
PSEUDO_KEY = [*PSEUDO, "--key-file", "{key}"]
KEY = {"text": KEY_TEXT, "mode": 0o600}


def _p(old: str, new: str, text: str) -> str:
    if old not in text:
        raise ValueError(f"corpus: {old!r} not found")
    return text.replace(old, new, 1)


def cases(participants: str, activities: str) -> dict[str, dict[str, Any]]:
    """Case name -> {"case": case.yaml content, "files": {name: text or bytes}}.

    Binary files (Excel, Parquet) are made by make_corpus.py (``BINARY`` there).
    """
    P, A = participants, activities
    header, *rows = P.splitlines()
    no_header = "\n".join([_p("a1b2c3d4e5f6a001", "180283-1237", rows[0]), *rows[1:]]) + "\n"
    many = (
        "\n".join(
            [header.replace(";", ",")]
            + [
                f"a1b2c3d4e5f6b{i:03d},indsats,jobparat,07-01-2019,,Aalborg,34,K,dansk,"
                f"grundskole,{i},5"
                for i in range(1, 16)
            ]
        )
        + "\n"
    )
    mixed = _p(";Aalborg;34;", ";Hjørring;34;", P).encode("cp1252")
    mixed = mixed.replace("Brønderslev".encode("cp1252"), "Brønderslev".encode())
    c: dict[str, dict[str, Any]] = {
        # ---------------------------------------------------------------- CPR numbers
        "no_header_cpr": {
            "case": {
                "about": "A file exported without its header line must not put the CPR "
                "numbers of its first row into a message.",
                "command": VALIDATE,
                "exit": 2,
                "stderr": ["deltagere.csv, line 1", "header line"],
            },
            "files": {"deltagere.csv": no_header},
        },
        "no_header_pseudonymise": {
            "case": {
                "about": "pseudonymise on a file without its header line: no CPR number "
                "in the message, nothing written.",
                "command": PSEUDO_KEY,
                "key": KEY,
                "exit": 1,
                "stderr": ["no header line"],
                "written": "nothing",
            },
            "files": {"raw.csv": "010190-1234;Åse;ok\n311299-4321;Bo;ok\n"},
        },
        "parquet_int_cpr": {
            "case": {
                "about": "CPR numbers stored as integers in a Parquet column (one with "
                "its leading zero lost) are refused.",
                "command": VALIDATE,
                "config": {"data": {"participants": {"file": "deltagere.parquet"}}},
                "exit": 2,
                "stderr": ["deltagere.parquet, row 1, column 'person_id'", "CPR"],
            },
            "files": {},
        },
        "excel_number_cpr": {
            "case": {
                "about": "CPR numbers in Excel number cells (9 digits where Excel dropped "
                "the leading zero) are refused.",
                "command": VALIDATE,
                "config": {"data": {"participants": {"file": "deltagere.xlsx"}}},
                "exit": 2,
                "stderr": [
                    "deltagere.xlsx, row 2, column 'person_id'",
                    "deltagere.xlsx, row 3, column 'person_id'",
                ],
            },
            "files": {},
        },
        "nine_digit_cpr_text": {
            "case": {
                "about": "A CPR number whose leading zero was lost, in a text cell.",
                "command": VALIDATE,
                "exit": 2,
                "stderr": ["aktiviteter.csv, line 4, column 'detalje'", "no CPR numbers"],
            },
            "files": {"aktiviteter.csv": _p("Truckcertifikat", "102031234", A)},
        },
        "cpr_with_space": {
            "case": {
                "about": "A CPR number written with a space (DDMMYY SSSS) in free text.",
                "command": VALIDATE,
                "exit": 2,
                "stderr": ["aktiviteter.csv, line 4, column 'detalje'", "no CPR numbers"],
            },
            "files": {"aktiviteter.csv": _p("Truckcertifikat", "ring 010203 1234", A)},
        },
        "pseudonymise_unlisted_int_cpr": {
            "case": {
                "about": "pseudonymise must not leave an unlisted integer CPR column.",
                "command": [
                    "pseudonymise",
                    "{case}/raw.parquet",
                    "{case}/out.parquet",
                    "--columns",
                    "cpr",
                    "--key-file",
                    "{key}",
                ],
                "key": KEY,
                "exit": 1,
                "stderr": ["remain in column(s) ['cpr_paa_partner']", "nothing was written"],
                "written": "nothing",
            },
            "files": {},
        },
        "pseudonymise_forms_link": {
            "case": {
                "about": "The same person gets the same pseudonym with or without a dash, "
                "with a space, or with a lost leading zero.",
                "command": PSEUDO_KEY,
                "key": KEY,
                "exit": 0,
                "same_pseudonym": ["out.csv", "cpr"],
                "written": ["out.csv"],
            },
            "files": {
                "raw.csv": "cpr;note\n010203-1234;a\n0102031234;b\n010203 1234;c\n102031234;d\n"
            },
        },
        "pseudonymise_excel_number_link": {
            "case": {
                "about": "An Excel number cell that lost its leading zero links to the "
                "same person written as text.",
                "command": [
                    "pseudonymise",
                    "{case}/raw.xlsx",
                    "{case}/out.xlsx",
                    "--columns",
                    "cpr",
                    "--key-file",
                    "{key}",
                ],
                "key": KEY,
                "exit": 0,
                "same_pseudonym": ["out.xlsx", "cpr"],
            },
            "files": {},
        },
        "key_file_readable_by_others": {
            "case": {
                "about": "Warn when the key file can be read by other users.",
                "command": PSEUDO_KEY,
                "key": {"text": KEY_TEXT, "mode": 0o644},
                "exit": 0,
                "stderr": ["warning", "can be read by other users", "chmod 600"],
            },
            "files": {"raw.csv": RAW},
        },
        "key_weak": {
            "case": {
                "about": "Refuse an obviously weak key (one repeated character).",
                "command": PSEUDO_KEY,
                "key": {"text": "a" * 32, "mode": 0o600},
                "exit": 1,
                "stderr": ["too weak", "1 different character", "secrets.token_hex"],
                "written": "nothing",
            },
            "files": {"raw.csv": RAW},
        },
        "key_weak_pattern": {
            "case": {
                "about": "Refuse a key that repeats a short pattern.",
                "command": PSEUDO_KEY,
                "key": {"text": "hemmelig" * 3, "mode": 0o600},
                "exit": 1,
                "stderr": ["too weak", "repeats a pattern of 8 characters"],
                "written": "nothing",
            },
            "files": {"raw.csv": RAW},
        },
        "pseudonymise_help": {
            "case": {
                "about": "evalkit pseudonymise --help shows its real options.",
                "command": ["pseudonymise", "--help"],
                "exit": 0,
                "stdout": ["INPUT", "OUTPUT", "--columns", "--key-file", "EVALKIT_PSEUDO_KEY"],
            },
            "files": {},
        },
        # ---------------------------------------------- refusals that still write
        "run_refused_writes_nothing": {
            "case": {
                "about": "A refused evalkit run (exit 2) writes nothing, not even "
                "<out>/index.html.",
                "command": RUN,
                "old_reports": True,
                "exit": 2,
                "stderr": ["not rendered", "nothing was rendered or written"],
                "written": "nothing",
            },
            "files": {"deltagere.csv": _p(";51;", ";enoghalvtreds;", P)},
        },
        "run_interrupted": {
            "case": {
                "about": "Ctrl-C during a run prints one line and exits 130, without "
                "nbclient or zmq tracebacks, and leaves the old report.",
                "command": [*RUN, "--notebook", "{case}/hang.ipynb"],
                "old_reports": True,
                "interrupt": True,
                "exit": 130,
                "stderr": ["evalkit: interrupted (Ctrl-C)"],
            },
            "files": {},
        },
        "interrupted_between_moves": {
            "case": {
                "about": "An interrupt between moving a report's HTML and its results.json "
                "leaves the old or the new pair; the index lists complete pairs only.",
                "check": "interrupted_between_moves",
            },
            "files": {},
        },
        # ------------------------------------------- accepted today, refused tomorrow
        "mixed_encoding": {
            "case": {
                "about": "UTF-8 and cp1252 lines in one file ('småjob' and 'smÃ¥job').",
                "command": VALIDATE,
                "exit": 2,
                "stderr": ["deltagere.csv, line 4", "mixes UTF-8 and cp1252"],
            },
            "files": {"deltagere.csv": mixed},
        },
        "control_bytes": {
            "case": {
                "about": "A control byte that no text has.",
                "command": VALIDATE,
                "exit": 2,
                "stderr": ["aktiviteter.csv, line 4, column 'detalje'", "control characters"],
            },
            "files": {"aktiviteter.csv": _p("Truckcertifikat", "Truck\x07certifikat", A)},
        },
        "double_encoded": {
            "case": {
                "about": "Text decoded twice ('smÃ¥job' in a UTF-8 file).",
                "command": VALIDATE,
                "exit": 2,
                "stderr": ["aktiviteter.csv, line 4, column 'detalje'", "decoded once"],
            },
            "files": {"aktiviteter.csv": _p("Truckcertifikat", "smÃ¥job", A).encode("utf-8")},
        },
        "target_percent_text": {
            "case": {
                "about": "A share target written '68 %' (or '68%') is read as 0.68.",
                "command": VALIDATE,
                "config": {"criteria": [_crit(target="68%"), _crit(id="b", target="68 %")]},
                "exit": 0,
                "stdout": ["ok"],
            },
            "files": {},
        },
        "target_ambiguous": {
            "case": {
                "about": "75 where 0.75 was meant (a share target above 1) is ambiguous.",
                "command": VALIDATE,
                "config": {"criteria": [_crit(target=75)]},
                "exit": 2,
                "stderr": ["key 'criteria[0].target'", "ambiguous", "write 0.75 or '75 %'"],
            },
            "files": {},
        },
        "target_not_a_number": {
            "case": {
                "about": "A target that is not a number.",
                "command": VALIDATE,
                "config": {"criteria": [_crit(target="høj")]},
                "exit": 2,
                "stderr": ["key 'criteria[0].target'", "a share from 0 to 1"],
            },
            "files": {},
        },
        "target_pp_as_percent": {
            "case": {
                "about": "A change_pp target written '25 %' could be relative: ambiguous.",
                "command": VALIDATE,
                "config": {
                    "criteria": [
                        {
                            "id": "pp",
                            "label": "PP",
                            "kind": "change_pp",
                            "group": "jobparat",
                            "baseline": {"x": 5, "n": 50, "month": "2018-12"},
                            "target_pp": "25 %",
                        },
                    ]
                },
                "exit": 2,
                "stderr": ["key 'criteria[0].target_pp'", "ambiguous", "'25 pp'"],
            },
            "files": {},
        },
        "criterion_missing_column": {
            "case": {
                "about": "A criterion naming a column the data lack (not 'for få personer').",
                "command": VALIDATE,
                "config": {"criteria": [_crit(subgroup="1")]},
                "exit": 2,
                "stderr": ["deltagere.csv, line 1, column 'subgroup'", "criteria[0].subgroup"],
            },
            "files": {},
        },
        "criterion_unknown_group": {
            "case": {
                "about": "A criterion naming a target group no participant has.",
                "command": VALIDATE,
                "config": {"criteria": [_crit(group="jobparate")]},
                "exit": 2,
                "stderr": ["column 'maalgruppe'", "'jobparate'", "no participant has it"],
            },
            "files": {},
        },
        "covariate_missing_column": {
            "case": {
                "about": "A covariate naming a column the participants file lacks.",
                "command": VALIDATE,
                "config": {"comparison": {"covariates": ["age", "subgroup"]}},
                "exit": 2,
                "stderr": ["column 'subgroup'", "comparison.covariates[1]"],
            },
            "files": {},
        },
        "covariate_unknown_name": {
            "case": {
                "about": "A covariate given by the file's own name instead of the canonical.",
                "command": VALIDATE,
                "config": {"comparison": {"covariates": ["alder"]}},
                "exit": 2,
                "stderr": ["comparison.covariates[0]: a participants column", "'alder'"],
            },
            "files": {},
        },
        "status_as_of_before_start": {
            "case": {
                "about": "status_as_of before the project start.",
                "command": VALIDATE,
                "config": {"period": {"status_as_of": "2018-06-30"}},
                "exit": 2,
                "stderr": ["key 'period.status_as_of'", "must not be before period.start"],
            },
            "files": {},
        },
        "status_as_of_not_a_date": {
            "case": {
                "about": "status_as_of that is not a date (30 February).",
                "command": VALIDATE,
                "config": {"period": {"status_as_of": "2019-02-30"}},
                "exit": 2,
                "stderr": ["key 'period.status_as_of'", "the date does not exist"],
            },
            "files": {},
        },
        "as_of_before_start": {
            "case": {
                "about": "--as-of before the project start: refused, nothing written.",
                "command": [*RUN, "--as-of", "2018-01-01"],
                "exit": 2,
                "stderr": ["--as-of: 2018-01-01 is before the project start (2019-01-01)"],
                "written": "nothing",
            },
            "files": {},
        },
        "as_of_not_a_date": {
            "case": {
                "about": "--as-of that is not a date yyyy-mm-dd.",
                "command": [*RUN, "--as-of", "31-12-2019"],
                "exit": 2,
                "stderr": ["--as-of: expected a date written yyyy-mm-dd", "write it yyyy-mm-dd"],
                "written": "nothing",
            },
            "files": {},
        },
        "threshold_below_3": {
            "case": {
                "about": "A disclosure threshold below 3 in a publishable report.",
                "command": VALIDATE,
                "config": {"disclosure": {"threshold": 2}},
                "exit": 2,
                "stderr": ["key 'disclosure.threshold'", "at least 3", "--internal"],
            },
            "files": {},
        },
        "threshold_below_3_internal": {
            "case": {
                "about": "A threshold below 3 is allowed for an internal report.",
                "command": [*VALIDATE, "--internal"],
                "config": {"disclosure": {"threshold": 2}},
                "exit": 0,
            },
            "files": {},
        },
        "by_same_folder": {
            "case": {
                "about": "--by values that map to the same folder: refused before any "
                "report overwrites another.",
                "command": [*RUN, "--by", "kommune"],
                "exit": 2,
                "stderr": ["'Ringkøbing Skjern' and 'Ringkøbing-Skjern'", "ringkoebing-skjern"],
                "written": "nothing",
            },
            "files": {
                "deltagere.csv": _p(
                    ";Brønderslev;",
                    ";Ringkøbing-Skjern;",
                    _p(";Aalborg;34;", ";Ringkøbing Skjern;34;", P),
                )
            },
        },
        "by_no_letters": {
            "case": {
                "about": "--by with a value that has no letters (or digits) to name a folder.",
                "command": [*RUN, "--by", "kommune"],
                "exit": 2,
                "stderr": ["the value '???' has no letters or digits"],
                "written": "nothing",
            },
            "files": {"deltagere.csv": _p(";Brønderslev;", ";???;", P)},
        },
        "by_small_groups": {
            "case": {
                "about": "--by groups below the disclosure threshold get no report, only a "
                "line in the index saying why.",
                "command": [*RUN, "--by", "kommune"],
                "exit": 0,
                "stderr": ["ikke dannet: for få deltagere"],
                "written": ["reports/index.html"],
                "check": "small_groups_in_index",
            },
            "files": {},
        },
        "by_person_id": {
            "case": {
                "about": "--by on the person id (one report per person) is refused.",
                "command": [*RUN, "--by", "person_id"],
                "exit": 2,
                "stderr": ["must not be a person id"],
                "written": "nothing",
            },
            "files": {},
        },
        # ---------------------------------------------------- messages that help more
        "binary_csv": {
            "case": {
                "about": "A binary file named .csv: 'this is not a text file'.",
                "command": VALIDATE,
                "exit": 2,
                "stderr": ["deltagere.csv: expected a text file (CSV); this is not a text file"],
            },
            "files": {},
        },
        "decimal_commas": {
            "case": {
                "about": "Unquoted decimal commas in a comma-separated file: one line with "
                "the hint, and '… and N more' where the list is cut.",
                "command": VALIDATE,
                "exit": 2,
                "stderr": [
                    "deltagere.csv, line 2: expected the same number of fields as the header",
                    "decimal commas",
                    "… and 5 more",
                ],
            },
            "files": {"deltagere.csv": many},
        },
        "missing_file_path": {
            "case": {
                "about": "A missing file: the message shows the folder it looked in.",
                "command": VALIDATE,
                "config": {"data": {"benchmarks": {"file": "landstal_2019.csv"}}},
                "exit": 2,
                "stderr": [
                    "landstal_2019.csv: expected an existing file",
                    "no such file in {case}",
                ],
            },
            "files": {},
        },
        "criterion_typo": {
            "case": {
                "about": "A typo inside a criterion: 'did you mean' and the YAML line.",
                "command": VALIDATE,
                "config": {"criteria": [_crit(target=None, traget=0.5)]},
                "exit": 2,
                "stderr": ["line ", "key 'criteria[0].traget'", "did you mean 'target'"],
            },
            "files": {},
        },
        "impossible_date_cli": {
            "case": {
                "about": "31-02-2019: 'the date does not exist'.",
                "command": VALIDATE,
                "exit": 2,
                "stderr": ["deltagere.csv, line 3, column 'slutdato'", "the date does not exist"],
            },
            "files": {"deltagere.csv": _p("01-03-2019", "31-02-2019", P)},
        },
        "rerun_other_environment": {
            "case": {
                "about": "A rerun warns when the environment differs from the one recorded "
                "in the earlier results.json of the same report.",
                "check": "rerun_other_environment",
            },
            "files": {},
        },
        "lab_as_root": {
            "case": {
                "about": "make lab as root starts anyway (--allow-root) and prints the URL "
                "and token.",
                "check": "lab_as_root",
            },
            "files": {},
        },
        "unknown_kommune": {
            "case": {
                "about": "kommune: Fjordby warns that it is not one of the 98.",
                "command": VALIDATE,
                "config": {"kommune": "Fjordby"},
                "exit": 0,
                "stderr": ["warning", "'Fjordby' is not one of the 98 kommuner"],
            },
            "files": {},
        },
    }
    return c


def _crit(**kw: Any) -> dict[str, Any]:
    crit = {"id": "a", "label": "A", "kind": "share", "measure": "self_support", "target": 0.5}
    crit.update(kw)
    return {k: v for k, v in crit.items() if v is not None}


CLI_CASES = cases  # make_corpus.py calls CLI_CASES(PARTICIPANTS, ACTIVITIES)
