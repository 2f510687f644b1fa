"""The set-up promise: environment.yml in sync with pyproject, thin notebooks, CI calls make test."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_is_single_sourced_from_pyproject() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    project = {"requires-python": re.search(r'^requires-python = "(.+)"', pyproject, re.M)[1]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python"))
    assert python.removeprefix("python") == project["requires-python"]
    pip = next(d for d in deps if isinstance(d, dict))["pip"]
    assert pip == ["-e .[dev]"], "environment.yml installs the package itself (deps from pyproject)"
    others = [d for d in deps if isinstance(d, str) and not d.startswith(("python", "pip"))]
    assert others == [], f"conda dependencies duplicated outside pyproject.toml: {others}"


def test_ci_runs_make_test_and_readme_shows_both_commands() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo:", "test:", "lab:"):
        assert re.search(rf"^{target}", makefile, re.M)


def test_report_notebook_is_thin_and_parameterised() -> None:
    nb = nbformat.read(ROOT / "notebooks" / "evaluering.ipynb", as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("config_path", "report_kind", "as_of", "generated", "results_path"):
        assert re.search(rf"^{name} = ", tagged[0].source, re.M)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "commit notebooks clean"
            code = [ln for ln in cell.source.splitlines() if ln.strip() and not ln.startswith("#")]
            assert len(code) <= 10, (
                f"notebook cell too long; move logic into evalkit:\n{cell.source}"
            )
            assert not re.search(r"^\s*(def|class|for|while) ", cell.source, re.M)
