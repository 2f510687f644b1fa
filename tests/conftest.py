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
    from evalkit.report.publish import publish_index
    from evalkit.report.render import render_report

    out = demo_root / "reports"
    paths = {}
    for slug, kind in RENDERED:
        res = render_report(
            demo_root / "projects" / f"{slug}.yaml", kind, out_dir=out, generated="2026-11-24"
        )
        paths[(slug, kind)] = res.html
    publish_index(out, generated="2026-11-24")
    return paths


def _shared(tmp_path_factory: pytest.TempPathFactory, worker_id: str, name: str, build):
    """Build ``name`` once per test run, also across pytest-xdist workers.

    The workers share the parent of their temp folders; the first one to take the lock
    builds ``build(folder)`` (which returns a JSON-able value) and the others wait for it
    and read the stored value. Without xdist it is an ordinary session build.
    """
    import fcntl
    import json

    base = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        base = base.parent
    folder, done = base / name, base / f"{name}.json"
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                if folder.exists():
                    shutil.rmtree(folder)  # a build that failed half-way
                folder.mkdir(parents=True)
                value = build(folder)
                done.write_text(json.dumps(value), encoding="utf-8")
            return json.loads(done.read_text(encoding="utf-8"))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    """The pytest-xdist worker (``gw0``, ...), or ``master`` without xdist."""
    workerinput = getattr(request.config, "workerinput", None)
    return workerinput["workerid"] if workerinput else "master"


def _with_figure_data(figures: Path, run):
    """Run ``run()`` with ``EVALKIT_FIGURE_DATA`` naming ``figures``."""
    import os

    from evalkit.report.figure_data import FIGURE_DATA_ENV

    figures.mkdir(parents=True, exist_ok=True)
    before = os.environ.get(FIGURE_DATA_ENV)
    os.environ[FIGURE_DATA_ENV] = str(figures)
    try:
        return run()
    finally:
        if before is None:
            del os.environ[FIGURE_DATA_ENV]
        else:
            os.environ[FIGURE_DATA_ENV] = before


@pytest.fixture(scope="session")
def demo_reports(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> dict[tuple[str, str], Path]:
    """Every seed project's demo reports, rendered once per test run: each kind it lists.

    The national per-kommune config (no ``seed``) is left out (``national_reports``).
    Rendered once even when tests on several xdist workers ask for them (a lock in the
    workers' shared temp folder), from demo data generated beside them, with warm kernels
    (``evalkit.report.batch``); what every figure draws (``EVALKIT_FIGURE_DATA``) is in
    ``<out>/_figurdata/<sha256 of the PNG>.json``. A few minutes on a busy machine: use
    it only from tests marked ``slow`` and ``xdist_group("reports")``. Returns
    (slug, kind) -> HTML, the status report series as ``evalkit run`` renders it included
    (kind ``statusrapport-<date>``); ``<kind>.results.json`` lies beside each.
    """

    def build(root: Path) -> list[list[str]]:
        import yaml

        from evalkit.config import load_config
        from evalkit.demo import generate_all
        from evalkit.report.batch import BatchJob, render_batch

        shutil.copytree(ROOT / "projects", root / "projects")
        generate_all(root / "data_raw" / "demo")
        out = root / "reports-all"
        jobs = []
        for config in sorted((root / "projects").glob("*.yaml")):
            raw = yaml.safe_load(config.read_text(encoding="utf-8"))
            if not raw.get("seed"):
                continue
            kinds = raw.get("reports") or ("slutevaluering", "statusrapport")
            for kind in kinds:
                jobs.append(BatchJob(str(config), kind, out_dir=str(out), generated="2026-11-24"))
            if "statusrapport" in kinds:  # the status report series, as `evalkit run` does
                jobs += [
                    BatchJob(str(config), "statusrapport", out_dir=str(out), as_of=day.isoformat(),
                             generated="2026-11-24", suffix=f"-{day.isoformat()}")
                    for day in load_config(config).period.status_series()
                ]  # fmt: skip
        outcomes = _with_figure_data(
            out / "_figurdata", lambda: render_batch(jobs, workers=1, progress=False)
        )
        failed = [f"{o.job.label}: {o.error}" for o in outcomes if not o.ok]
        assert not failed, failed
        return [[Path(o.job.config).stem, Path(o.html).stem, str(o.html)] for o in outcomes]

    done = _shared(tmp_path_factory, worker_id, "demo-reports", build)
    return {(slug, kind): Path(html) for slug, kind, html in done}


NATIONAL = "landsdaekkende-jobparate"


@pytest.fixture(scope="session")
def national_reports(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The national demo batch, rendered once per test run: the whole-country report and
    the 98 kommune reports (``evalkit run ... --by kommune``), published together.

    As ``make demo`` renders them (with one warm kernel: the tests run two workers), with
    figure data recorded in ``<out>/_figurdata``. Returns the output folder (``index.html``,
    ``landsdaekkende-jobparate/slutevaluering.html`` and one folder per kommune). One to
    a few minutes: mark users ``slow`` and ``xdist_group("national")``, so that it is
    rendered on one worker while the other renders the seed projects.
    """

    def build(root: Path) -> str:
        from evalkit.cli import main
        from evalkit.demo.national import generate_national

        (root / "projects").mkdir()
        shutil.copy(ROOT / "projects" / f"{NATIONAL}.yaml", root / "projects")
        generate_national(root / "data_raw" / "demo")
        config, out = str(root / "projects" / f"{NATIONAL}.yaml"), root / "reports"
        for args in ([], ["--by", "kommune", "--jobs", "1"]):  # one kernel per xdist worker
            code = _with_figure_data(
                out / "_figurdata", lambda a=args: main(["run", config, *a, "--out", str(out)])
            )
            assert code == 0, f"evalkit run {' '.join(args)} exited {code}"
        return str(out)

    return Path(_shared(tmp_path_factory, worker_id, "national-reports", build))
