"""The set-up promise: environment.yml in sync with pyproject, thin notebooks, CI calls make test."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    try:
        import tomllib
    except ImportError:  # Python 3.10: pytest brings tomli
        import tomli as tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _lock() -> dict[str, list[tuple[str, str]]]:
    """requirements.lock: name -> [(version, environment marker)], hashes checked below."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins: dict[str, list[tuple[str, str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        first = block.split("\\")[0].strip()
        if not first or first.startswith("#"):
            continue
        m = re.match(r"([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^ ;]+)\s*(?:;\s*(.+))?$", first)
        assert m, f"requirements.lock: not an exact pin: {first!r}"
        assert "--hash=sha256:" in block, f"requirements.lock: no hash for {first!r}"
        name = re.sub(r"[-_.]+", "-", m[1]).lower()
        pins.setdefault(name, []).append((m[3], (m[4] or "").strip()))
    return pins


def test_environment_yml_installs_the_lock_and_pins_the_interpreter() -> None:
    project = _pyproject()["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python"))
    assert python.removeprefix("python") == project["requires-python"]
    pip = next(d for d in deps if isinstance(d, dict))["pip"]
    assert pip == ["-r requirements.lock"], (
        "environment.yml installs the lock (deps single-sourced)"
    )
    others = [d for d in deps if isinstance(d, str) and not d.startswith(("python", "pip"))]
    assert others == [], f"conda dependencies duplicated outside pyproject.toml: {others}"
    assert "pip install --no-deps -e ." in (ROOT / "environment.yml").read_text()


def test_lock_pins_every_dependency_within_pyproject_ranges() -> None:
    """Every direct dependency (and the dev extra) is pinned, hashed, inside its range."""
    from packaging.markers import Marker
    from packaging.requirements import Requirement

    project = _pyproject()["project"]
    pins = _lock()
    direct = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    for line in direct:
        req = Requirement(line.split("#")[0].strip())
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        assert name in pins, f"{name} is in pyproject.toml but not in requirements.lock"
        for version, _marker in pins[name]:
            assert req.specifier.contains(version, prereleases=True), (name, version, str(req))
        # one pin applies to each supported Python
        for minor in range(10, 14):
            env = {"python_version": f"3.{minor}", "python_full_version": f"3.{minor}.0"}
            hits = [v for v, m in pins[name] if not m or Marker(m).evaluate(env)]
            assert len(hits) == 1, f"{name}: {len(hits)} pins for Python 3.{minor}"
    header = (ROOT / "requirements.lock").read_text(encoding="utf-8")[:600]
    assert "uv pip compile" in header and "--generate-hashes" in header and "--universal" in header


def test_make_installs_from_the_lock() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^\$\(STAMP\): .*requirements\.lock", makefile, re.M)
    assert re.search(r"^lock:", makefile, re.M)
    boot = (ROOT / "scripts" / "bootstrap.sh").read_text()
    assert '--require-hashes -r "$LOCK"' in boot
    assert "WARNING: could not install the pinned versions" in boot  # the fallback says so
    assert "pip check" in boot  # a dependency missing from the lock is found, not ignored


def test_this_environment_matches_the_lock_when_installed_from_it() -> None:
    """After `make setup` from the lock, every pin for this Python is what is installed."""
    import hashlib
    import sys
    from importlib import metadata

    from packaging.markers import Marker

    marker = Path(sys.prefix) / ".evalkit-lock"
    if not marker.is_file():
        pytest.skip("this environment was not installed from requirements.lock")
    lock = (ROOT / "requirements.lock").read_bytes()
    if marker.read_text().strip() != hashlib.sha256(lock).hexdigest():
        pytest.skip("requirements.lock changed since this environment was installed: make setup")
    wrong = []
    for name, entries in _lock().items():
        for version, m in entries:
            if m and not Marker(m).evaluate():
                continue
            try:
                have = metadata.version(name)
            except metadata.PackageNotFoundError:
                wrong.append(f"{name} missing")
                continue
            if have != version:
                wrong.append(f"{name} {have} != {version}")
    assert wrong == []


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
