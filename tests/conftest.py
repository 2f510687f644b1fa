"""Shared fixtures: the demo data is generated once per test session into a temp folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repo's projects/ with freshly generated demo data beside it.

    Layout mirrors the repo (``projects/*.yaml`` refer to ``../data_raw/demo``), so the
    configs are used exactly as committed.
    """
    from evalkit.demo import generate_all

    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(ROOT / "projects", root / "projects")
    generate_all(root / "data_raw" / "demo")
    return root


@pytest.fixture(scope="session")
def demo_config(demo_root: Path):
    """Function returning the config path of a demo project by slug."""

    def get(slug: str) -> Path:
        return demo_root / "projects" / f"{slug}.yaml"

    return get
