"""The command-line cases of the bad-input corpus (tests/bad_inputs/*/case.yaml).

Every case runs ``evalkit`` on a copy of ``tests/bad_inputs/_good`` with the case's files
and config changes, and checks the exit code, the messages, what was written, and that
no output holds a CPR number in any form. ``cli_cases.py`` (beside the corpus) documents
the keys of case.yaml; ``make_corpus.py`` writes the folders.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from evalkit.cli import main

CORPUS = Path(__file__).parent / "bad_inputs"
GOOD = CORPUS / "_good"
CASES = sorted(p.parent.name for p in CORPUS.glob("*/case.yaml"))
# The CPR numbers planted in the corpus, and every form they could leak in.
PLANTED = ["010203-1234", "311299-4321", "180283-1237", "010190-1234", "150890-1234"]
_CPR_FORMS = re.compile(
    r"(?<![0-9A-Za-z])(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}[- ]?\d{4}(?![0-9A-Za-z])"
    r"|(?<![0-9A-Za-z.,])[1-9](?:0[1-9]|1[0-2])\d{6}(?![0-9A-Za-z])"
)


def cpr_forms(cpr: str) -> list[str]:
    """``DDMMYY-SSSS`` -> the forms it can be written in (dash, none, space, lost zero)."""
    digits = cpr.replace("-", "")
    forms = [cpr, digits, f"{digits[:6]} {digits[6:]}"]
    if digits.startswith("0"):
        forms.append(digits[1:])
    return forms


def cpr_leaks(text: str) -> list[str]:
    """CPR numbers in ``text``: any planted one in any form, or anything CPR-shaped."""
    found = [f for cpr in PLANTED for f in cpr_forms(cpr) if f in text]
    return found + _CPR_FORMS.findall(text)


def _merge(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _hang_notebook(path: Path) -> None:
    """The report notebook with a cell that writes a marker file and then waits."""
    import nbformat

    from evalkit.report.render import NOTEBOOK

    nb = nbformat.read(NOTEBOOK, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "prepare(" in c.source) + 1
    nb.cells.insert(
        at,
        nbformat.v4.new_code_cell(
            "import os, pathlib, time\n"
            "pathlib.Path(os.environ['EVALKIT_TEST_MARKER']).write_text('x')\n"
            "time.sleep(3600)"
        ),
    )
    nbformat.write(nb, path)


def _old_reports(out: Path) -> None:
    """An earlier run's output: one report pair and an index."""
    folder = out / "corpus"
    folder.mkdir(parents=True)
    (folder / "slutevaluering.html").write_text("<p>old report</p>", encoding="utf-8")
    results = {"title": "Corpus", "report_kind": "slutevaluering", "verdicts": {}}
    (folder / "slutevaluering.results.json").write_text(json.dumps(results), encoding="utf-8")
    (out / "index.html").write_text("<p>old index</p>", encoding="utf-8")


def prepare_case(name: str, tmp: Path) -> tuple[dict[str, Any], list[str], dict[str, str]]:
    """Copy _good and the case's files to ``tmp``; return case.yaml, argv and the env."""
    case = yaml.safe_load((CORPUS / name / "case.yaml").read_text(encoding="utf-8"))
    shutil.copytree(GOOD, tmp, dirs_exist_ok=True)
    for f in (CORPUS / name).iterdir():
        if f.name != "case.yaml":
            shutil.copy(f, tmp / f.name)
    config = yaml.safe_load((GOOD / "project.yaml").read_text(encoding="utf-8"))
    (tmp / "project.yaml").write_text(
        yaml.safe_dump(_merge(config, case.get("config", {})), allow_unicode=True),
        encoding="utf-8",
    )
    env: dict[str, str] = {}
    key = tmp.parent / f"{name}.key"  # outside the case folder, like a real key file
    if "key" in case:
        key.write_text(case["key"]["text"] + "\n", encoding="utf-8")
        key.chmod(case["key"]["mode"])
    if case.get("old_reports"):
        _old_reports(tmp / "reports")
    if case.get("interrupt"):
        _hang_notebook(tmp / "hang.ipynb")
    values = {"config": tmp / "project.yaml", "out": tmp / "reports", "case": tmp, "key": key}
    argv = [str(a).format(**values) for a in case.get("command", [])]
    return case, argv, env


def _default_interrupt() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _run_interrupted(argv: list[str], tmp: Path) -> tuple[int, str, str]:
    """Run evalkit in a subprocess and send Ctrl-C once the notebook's marker exists.

    The signal goes to evalkit's whole process group, as a terminal sends it (Dask worker
    processes included). No timing is assumed: it goes when the marker appears.
    """
    marker = tmp / "marker"
    env = {**os.environ, "EVALKIT_TEST_MARKER": str(marker)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalkit.cli", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a command in a terminal
        # Ctrl-C as in a terminal: a run started from a background job of a shell without
        # job control inherits SIGINT ignored, and Python then leaves it ignored
        preexec_fn=_default_interrupt,
    )
    try:
        while not marker.exists() and proc.poll() is None:
            time.sleep(0.1)
        assert proc.poll() is None, "evalkit ended before the notebook reached its marker"
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    return proc.returncode, out, err


# --------------------------------------------------------------------------- checks
def _check_interrupted_between_moves(tmp: Path) -> None:
    """Kill the move of a report pair after its first file: recovery gives old or new."""
    from evalkit import _files
    from evalkit.report.publish import publish_index

    out = tmp / "reports"
    _old_reports(out)
    folder = out / "corpus"
    new = {
        "slutevaluering.html": "<p>new report</p>",
        "slutevaluering.results.json": json.dumps(
            {"title": "Corpus, ny", "report_kind": "slutevaluering", "verdicts": {}}
        ),
    }
    real_replace = os.replace
    calls = []

    def dying_replace(src: Any, dst: Any) -> None:
        if Path(dst).parent == folder:  # a move into place (not the journal's own write)
            calls.append(Path(dst).name)
            if len(calls) == 2:  # the process dies between the two moves
                raise KeyboardInterrupt
        real_replace(src, dst)

    _files.os.replace = dying_replace
    try:
        with pytest.raises(KeyboardInterrupt):
            _files.replace_together(folder, new)
    finally:
        _files.os.replace = real_replace
    assert calls == ["slutevaluering.html", "slutevaluering.results.json"]
    # half-way: the new HTML beside the old results.json, and the journal that says so
    assert (folder / "slutevaluering.html").read_text() == "<p>new report</p>"
    assert json.loads((folder / "slutevaluering.results.json").read_text())["title"] == "Corpus"
    index = publish_index(out, generated="2026-01-01").read_text(encoding="utf-8")
    assert (folder / "slutevaluering.results.json").read_text() == new[
        "slutevaluering.results.json"
    ]
    assert "Corpus, ny" in index
    assert not list(folder.glob(".evalkit-tx-*"))
    # Staged but not committed (died before the journal): the old pair stays.
    _files.replace_together(folder, {"slutevaluering.html": "<p>third</p>"})
    tx = folder / ".evalkit-tx-999999999-abc"
    tx.mkdir()
    (tx / "slutevaluering.html").write_text("<p>never committed</p>")
    _files.recover(folder)
    assert (folder / "slutevaluering.html").read_text() == "<p>third</p>"
    assert not tx.exists()


def _check_small_groups_in_index(tmp: Path) -> None:
    index = (tmp / "reports" / "index.html").read_text(encoding="utf-8")
    for kommune in ("Aalborg", "Brønderslev"):
        assert re.search(
            rf"<th scope=\"row\">{kommune}</th><td colspan=\"\d+\">Ingen rapport: færre end 5 "
            r"deltagere",
            index,
        ), index
    assert not list((tmp / "reports").rglob("*.html"))[1:], "only index.html is written"


def _check_rerun_other_environment(tmp: Path) -> None:
    """The warning compares the environment of the earlier results.json with the new one."""
    from evalkit._provenance import environment
    from evalkit.report.render import _environment_warnings

    now = environment()
    old = {**now, "python": "3.10.4", "libraries": {**now["libraries"], "pandas": "2.1.0"}}
    earlier, new = tmp / "earlier.results.json", tmp / "new.results.json"
    earlier.write_text(json.dumps({"environment": old}), encoding="utf-8")
    new.write_text(json.dumps({"environment": now}), encoding="utf-8")
    (warning,) = _environment_warnings(earlier, new)
    assert f"Python 3.10.4 -> {now['python']}" in warning
    assert f"pandas 2.1.0 -> {now['libraries']['pandas']}" in warning
    assert "requirements.lock" in warning
    assert _environment_warnings(new, new) == []
    assert _environment_warnings(tmp / "none.results.json", new) == []  # a first run


def _check_lab_as_root(tmp: Path) -> None:
    """scripts/lab.sh with a stand-in for jupyter: the arguments and the printed URL."""
    root = Path(__file__).resolve().parents[1]
    fake = tmp / "jupyter"
    fake.write_text('#!/bin/sh\necho "jupyter $*"\n', encoding="utf-8")
    fake.chmod(0o755)
    env = {
        **os.environ,
        "JUPYTER": str(fake),
        "VENV": str(Path(sys.executable).parents[1]),
        "PORT": "8899",
        "EVALKIT_LAB_TOKEN": "abc123",
    }
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    res = subprocess.run(
        ["bash", str(root / "scripts" / "lab.sh")],
        cwd=root, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "http://127.0.0.1:8899/lab?token=abc123" in res.stdout
    args = res.stdout.splitlines()[-1]
    assert args.startswith("jupyter lab --notebook-dir=notebooks")
    assert "--IdentityProvider.token=abc123" in args and "--no-browser" in args
    assert ("--allow-root" in args) == (os.geteuid() == 0)
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    assert "bash scripts/lab.sh" in makefile


CHECKS = {
    "interrupted_between_moves": _check_interrupted_between_moves,
    "small_groups_in_index": _check_small_groups_in_index,
    "rerun_other_environment": _check_rerun_other_environment,
    "lab_as_root": _check_lab_as_root,
}


# --------------------------------------------------------------------------- tests
def test_corpus_has_more_than_60_cases() -> None:
    folders = [p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))]
    assert len(folders) > 60
    assert len(CASES) >= 30


def test_good_project_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(GOOD / "project.yaml")]) == 0
    assert capsys.readouterr().err == ""


def _params() -> list[Any]:
    out = []
    for name in CASES:
        case = yaml.safe_load((CORPUS / name / "case.yaml").read_text(encoding="utf-8"))
        marks = (
            [pytest.mark.slow, pytest.mark.xdist_group("reports")] if case.get("interrupt") else []
        )
        out.append(pytest.param(name, marks=marks, id=name))
    return out


@pytest.mark.parametrize("name", _params())
def test_bad_input_case(name: str, tmp_path: Path) -> None:
    tmp = tmp_path / name
    tmp.mkdir()
    case = yaml.safe_load((CORPUS / name / "case.yaml").read_text(encoding="utf-8"))
    if "check" in case and "command" not in case:
        CHECKS[case["check"]](tmp)
        return
    _, argv, _ = prepare_case(name, tmp)
    before = _snapshot(tmp_path)
    if case.get("interrupt"):
        code, out, err = _run_interrupted(argv, tmp)
    else:
        _, code, out, err = run_case_prepared(argv)
    text = out + err
    assert code == case["exit"], f"exit {code}, expected {case['exit']}\n{text}"
    for want in case.get("stderr", []):
        assert want.format(case=tmp) in err, f"{want!r} not in stderr:\n{err}"
    for want in case.get("stdout", []):
        assert want in out, f"{want!r} not in stdout:\n{out}"
    assert "Traceback" not in text
    after = _snapshot(tmp_path)
    written = case.get("written")
    if written == "nothing":
        assert after == before, f"written: {sorted(set(after) ^ set(before))}"
    elif written:
        for f in written:
            assert (tmp / f).is_file(), f"{f} was not written"
    if "same_pseudonym" in case:
        file, column = case["same_pseudonym"]
        path = tmp / file
        frame = (
            pd.read_excel(path, dtype=str)
            if path.suffix == ".xlsx"
            else pd.read_csv(path, sep=None, engine="python", dtype=str)
        )
        assert frame[column].nunique() == 1 and frame[column].str.len().eq(16).all()
    if case.get("interrupt"):
        lines = [ln for ln in err.splitlines() if ln.strip() and "Rapporter:" not in ln]
        assert lines == [ln for ln in lines if ln.startswith("evalkit: interrupted")]
        assert len(lines) == 1, err
        old = tmp / "reports" / "corpus" / "slutevaluering.html"
        assert old.read_text(encoding="utf-8") == "<p>old report</p>"
        assert not list((tmp / "reports").rglob(".evalkit-tx-*"))
    if "check" in case:
        CHECKS[case["check"]](tmp)
    outputs = text + "".join(
        data.decode("utf-8", "replace") for k, data in after.items() if before.get(k) != data
    )
    assert not cpr_leaks(outputs), f"CPR number in the output: {cpr_leaks(outputs)}"


def run_case_prepared(argv: list[str]) -> tuple[None, int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return None, code, out.getvalue(), err.getvalue()


def test_no_output_of_the_corpus_holds_a_cpr_number(tmp_path: Path) -> None:
    """Every case of the corpus, the library-level ones too, and all that comes out of it.

    All that is printed, every message and every file written is searched for CPR numbers
    in every form: with a dash, without, with a space, with the leading zero lost, as a
    number. (The interrupt case is searched in its own test.)
    """
    from test_schemas import CASES as LIBRARY_CASES
    from test_schemas import make_config

    from evalkit.io import validate_project

    outputs = []
    for name in [*LIBRARY_CASES, "many_problems"]:
        override = LIBRARY_CASES[name][0] if name in LIBRARY_CASES else {}
        outputs += [str(p) for p in validate_project(make_config(name, **override))]
    for name in CASES:
        tmp = tmp_path / name
        tmp.mkdir()
        case, argv, _ = prepare_case(name, tmp)
        if case.get("interrupt") or "command" not in case:
            continue
        before = _snapshot(tmp)
        _, _, out, err = run_case_prepared(argv)
        after = _snapshot(tmp)
        outputs.append(out + err)
        outputs += [d.decode("utf-8", "replace") for k, d in after.items() if before.get(k) != d]
    text = "\n".join(outputs)
    assert "******-****" in text and "problem(s)" in text  # the corpus did speak
    assert not cpr_leaks(text), f"CPR numbers in the outputs: {sorted(set(cpr_leaks(text)))}"


@pytest.mark.parametrize("cpr", PLANTED)
def test_the_leak_search_finds_every_form(cpr: str) -> None:
    """The search above cannot pass by missing a form."""
    for form in cpr_forms(cpr):
        assert cpr_leaks(f"x {form} y"), form
    assert cpr_leaks(f"value {int(cpr.replace('-', ''))},")
    assert not cpr_leaks("a1b2c3d4e5f6a001 2019-W05 12,5 id ***7f3 ******-****")
