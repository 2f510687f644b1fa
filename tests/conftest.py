"""Shared fixtures: the demo data is generated once per test session into a temp folder.

``baseline_ref`` holds the R reference values of the baseline, DiD, time-series and
comparison estimators (``tests/fixtures/make_baseline_fixtures.R``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def baseline_ref() -> dict[tuple[str, str], float]:
    """R reference values of tests/fixtures/baseline/reference.csv by (estimator, name)."""
    frame = pd.read_csv(FIXTURES / "baseline" / "reference.csv")
    return {(d, n): float(v) for d, n, v in frame.itertuples(index=False)}


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


RENDERED = (
    ("herning-transport", "slutevaluering"),
    ("aalborg-jobparate", "statusrapport"),
)


@pytest.fixture(scope="session")
def rendered_reports(demo_root: Path) -> dict[tuple[str, str], Path]:
    """Render a few demo reports once per session (mark users with xdist_group "reports").

    Returns (slug, kind) -> path of the HTML; ``<kind>.results.json`` lies beside it.
    """
    from evalkit.report.render import render_report, write_index

    out = demo_root / "reports"
    paths = {}
    for slug, kind in RENDERED:
        res = render_report(
            demo_root / "projects" / f"{slug}.yaml", kind, out_dir=out, generated="2026-11-24"
        )
        paths[(slug, kind)] = res.html
    write_index(out, generated="2026-11-24")
    return paths


@pytest.fixture(scope="session")
def demo_reports(demo_root: Path) -> dict[tuple[str, str], Path]:
    """Every seed project's demo reports, rendered once per session: each kind it lists.

    The national per-kommune config (no ``seed``) is left out: its data are not in
    ``demo_root`` (``test_batch.py`` renders it).

    Renders with warm kernels (``evalkit.report.batch``) and records what every figure
    draws (``EVALKIT_FIGURE_DATA``) in ``<out>/_figurdata/<sha256 of the PNG>.json``.
    A few minutes on a busy machine: use it only from tests marked ``slow`` and
    ``xdist_group("reports")``, so one worker renders them. Returns (slug, kind) -> HTML;
    ``<kind>.results.json`` lies beside it.
    """
    import os

    import yaml

    from evalkit.report.batch import BatchJob, render_batch
    from evalkit.report.figure_data import FIGURE_DATA_ENV

    out = demo_root / "reports-all"
    figures = out / "_figurdata"
    figures.mkdir(parents=True)
    jobs = []
    for config in sorted((demo_root / "projects").glob("*.yaml")):
        raw = yaml.safe_load(config.read_text(encoding="utf-8"))
        if not raw.get("seed"):
            continue
        for kind in raw.get("reports") or ("slutevaluering", "statusrapport"):
            jobs.append(BatchJob(str(config), kind, out_dir=str(out), generated="2026-11-24"))
    before = os.environ.get(FIGURE_DATA_ENV)
    os.environ[FIGURE_DATA_ENV] = str(figures)
    try:
        outcomes = render_batch(jobs, workers=1, progress=False)
    finally:
        if before is None:
            del os.environ[FIGURE_DATA_ENV]
        else:
            os.environ[FIGURE_DATA_ENV] = before
    failed = [f"{o.job.label}: {o.error}" for o in outcomes if not o.ok]
    assert not failed, failed
    return {(Path(o.job.config).stem, o.job.kind): Path(o.html) for o in outcomes}
