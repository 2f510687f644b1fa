"""Where a report came from: the config's hash, Python, key libraries and the git commit.

"Om rapporten" shows :func:`environment` and ``results.json`` records it, so a rerun a
year later can tell whether it ran in the same environment (:func:`environment_changes`).
Everything here is deterministic for one installation: no times, paths or host names.

>>> environment_changes({"python": "3.11.7", "libraries": {"pandas": "2.3.3"}},
...                     {"python": "3.12.1", "libraries": {"pandas": "2.3.3"}})
['Python 3.11.7 -> 3.12.1']
"""

from __future__ import annotations

import functools
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["KEY_LIBRARIES", "environment", "environment_changes", "git_commit"]

# The libraries whose versions can change a report's numbers or its HTML.
KEY_LIBRARIES: tuple[str, ...] = (
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "pyarrow",
    "openpyxl",
    "pandera",
    "babel",
    "jinja2",
    "nbconvert",
    "papermill",
)
_ROOT = Path(__file__).resolve().parents[1]


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@functools.cache
def git_commit(root: Path = _ROOT) -> str | None:
    """The checked-out commit of the evalkit source tree, ``+`` when evalkit/ has changes.

    None when evalkit is not run from a git checkout (e.g. installed from a wheel) or git
    is missing.
    """
    if not (root / ".git").exists():
        return None
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True, text=True, check=True, timeout=30,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(root), "diff", "--quiet", "HEAD", "--", "evalkit", "notebooks"],
            capture_output=True, timeout=30,
        ).returncode  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+" if dirty == 1 else head or None


@functools.cache
def _environment() -> tuple[tuple[str, Any], ...]:
    import evalkit

    libraries = {name: _version(name) for name in KEY_LIBRARIES}
    return (
        ("python", platform.python_version()),
        ("evalkit", evalkit.__version__),
        ("libraries", tuple(sorted((k, v) for k, v in libraries.items() if v))),
        ("git_commit", git_commit()),
    )


def environment() -> dict[str, Any]:
    """The running environment: Python, evalkit, key library versions, git commit.

    Returns
    -------
    dict
        ``{"python": "3.11.7", "evalkit": "0.1.0", "libraries": {"numpy": ...},
        "git_commit": "<sha>" or "<sha>+" (local changes) or None}``.
    """
    env = dict(_environment())
    env["libraries"] = dict(env["libraries"])
    return env


def environment_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between two :func:`environment` records, one line each.

    Parameters
    ----------
    old, new : dict
        As recorded in two ``results.json`` files; missing keys are skipped.

    Returns
    -------
    list of str
        E.g. ``["pandas 2.2.3 -> 2.3.3", "git commit 1a2b3c4 -> 5d6e7f8"]``; empty when
        nothing recorded in both differs.
    """
    changes = []
    if old.get("python") and new.get("python") and old["python"] != new["python"]:
        changes.append(f"Python {old['python']} -> {new['python']}")
    if old.get("evalkit") and new.get("evalkit") and old["evalkit"] != new["evalkit"]:
        changes.append(f"evalkit {old['evalkit']} -> {new['evalkit']}")
    libs_old, libs_new = old.get("libraries") or {}, new.get("libraries") or {}
    for name in sorted(set(libs_old) | set(libs_new)):
        a, b = libs_old.get(name), libs_new.get(name)
        if a != b:
            changes.append(f"{name} {a or 'not installed'} -> {b or 'not installed'}")
    a, b = old.get("git_commit"), new.get("git_commit")
    if a and b and a != b:
        changes.append(f"git commit {a[:12]} -> {b[:12]}")
    return changes
