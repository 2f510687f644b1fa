"""Batch rendering: national demo data, reports per kommune (--by), warm kernels.

The rendering tests use a three-kommune sample of the national demo panel in a temporary
folder; the warm-kernel tests check that reusing a kernel changes no byte of the output.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from evalkit.cli import main
from evalkit.config import load_config
from evalkit.demo.national import KOMMUNER, generate_national, kommune_sizes
from evalkit.io import load_project
from evalkit.report import render as render_mod
from evalkit.report.batch import BatchJob, WarmKernel, render_batch
from evalkit.report.render import NOTEBOOK, _kernel_name, render_report
from evalkit.report.subset import apply_subset, danish_key, slugify, subset_values

ROOT = Path(__file__).resolve().parents[1]
SLUG = "landsdaekkende-jobparate"
SAMPLE = ("Læsø", "Ærø", "Aalborg")
DATE = "2026-11-24"


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The national config beside a three-kommune sample of the national demo data."""
    root = tmp_path_factory.mktemp("national")
    (root / "projects").mkdir()
    shutil.copy(ROOT / "projects" / f"{SLUG}.yaml", root / "projects")
    generate_national(root / "data_raw" / "demo", kommuner=SAMPLE)
    return root / "projects" / f"{SLUG}.yaml"


@pytest.fixture(scope="module")
def warm_kernel():
    with WarmKernel(_kernel_name()) as kernel:
        yield kernel


def _participants(config: Path) -> pd.DataFrame:
    return pd.read_parquet(
        config.parents[1] / "data_raw" / "demo" / "national" / "deltagere.parquet"
    )


# --------------------------------------------------------------------------- fast
def test_national_demo_has_the_98_kommuner_with_sizes_by_population() -> None:
    names = [k for k, _ in KOMMUNER]
    assert len(names) == len(set(names)) == 98
    assert {"København", "Aalborg", "Ærø", "Læsø", "Ringkøbing-Skjern"} <= set(names)
    sizes = kommune_sizes()
    assert min(sizes.values()) == 40 and max(sizes.values()) == 400
    assert sizes["København"] > sizes["Odense"] > sizes["Herning"] > sizes["Læsø"]
    assert 4000 < sum(sizes.values()) < 8000
    with pytest.raises(ValueError, match=r"names from KOMMUNER, but got \['Atlantis'\]"):
        kommune_sizes(["Atlantis"])


def test_national_sample_is_deterministic_and_independent_of_other_kommuner(
    tmp_path: Path, national: Path
) -> None:
    files = generate_national(tmp_path, kommuner=["Ærø"])
    alone = pd.read_parquet(files["participants"])
    sample = _participants(national)
    assert set(sample["kommune"]) == set(SAMPLE)
    assert sample["kommune"].value_counts().to_dict() == kommune_sizes(SAMPLE)
    same = sample[sample["kommune"] == "Ærø"].drop(columns="person_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(alone.drop(columns="person_id"), same)
    again = generate_national(tmp_path / "again", kommuner=["Ærø"])
    for table, path in files.items():
        assert path.read_bytes() == again[table].read_bytes(), table


def test_subset_keeps_one_kommune_and_makes_it_the_report_kommune(national: Path) -> None:
    config = load_config(national)
    data = load_project(config)
    assert subset_values(data, "kommune") == ["Læsø", "Ærø", "Aalborg"]  # Danish order
    sub_config, sub = apply_subset(config, data, {"kommune": "Læsø"})
    assert sub_config.kommune == "Læsø" and sub_config.title.endswith(": Læsø")
    assert set(sub.participants["kommune"]) == {"Læsø"}
    assert len(sub.participants) == kommune_sizes(["Læsø"])["Læsø"]
    assert set(sub.status["person_id"]) == set(sub.participants["person_id"])
    assert set(sub.activities["person_id"]) <= set(sub.participants["person_id"])
    assert sub.benchmarks is data.benchmarks and config.kommune == "Hele landet"
    with pytest.raises(ValueError, match=r"but was 'region'"):
        apply_subset(config, data, {"region": "Nord"})
    with pytest.raises(ValueError, match=r"\{'kommune': 'Atlantis'\} matches no participant"):
        apply_subset(config, data, {"kommune": "Atlantis"})
    with pytest.raises(TypeError, match=r"mapping \{column: value\}, but was 'Læsø'"):
        apply_subset(config, data, "Læsø")


@pytest.mark.parametrize(
    ("value", "slug"),
    [("Ringkøbing-Skjern", "ringkoebing-skjern"), ("Ærø", "aeroe"), ("Høje-Taastrup", "hoeje-taastrup"),
     ("Lyngby-Taarbæk", "lyngby-taarbaek"), ("København", "koebenhavn"), ("gruppe 1", "gruppe-1")],
)  # fmt: skip
def test_slugify(value: str, slug: str) -> None:
    assert slugify(value) == slug


def test_slugify_rejects_empty_and_danish_order() -> None:
    with pytest.raises(ValueError, match=r"letters or digits, but was '–'"):
        slugify("–")
    names = ["Aarhus", "Ærø", "Odense", "Aabenraa", "Øster", "Zealand"]
    assert sorted(names, key=danish_key) == [
        "Odense",
        "Zealand",
        "Ærø",
        "Øster",
        "Aabenraa",
        "Aarhus",
    ]


def test_by_unknown_column_is_invalid_input(national: Path, tmp_path: Path, capsys) -> None:
    assert main(["run", str(national), "--by", "region", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--by region: column must be a participants column" in err
    assert not list(tmp_path.glob("*/**/*.html"))


def test_render_batch_checks_its_options() -> None:
    with pytest.raises(ValueError, match=r"engine must be one of .* but was 'hot'"):
        render_batch([], engine="hot")
    with pytest.raises(ValueError, match=r"workers must be an int >= 1, but was 0"):
        render_batch([], workers=0)


# --------------------------------------------------------------------------- rendering
@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_by_kommune_renders_one_report_per_kommune(national: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "reports"
    args = ["run", str(national), "--by", "kommune", "--jobs", "2", "--out", str(out)]
    assert main([*args, "--date", DATE]) == 0
    captured = capsys.readouterr()
    assert "3 rapport(er) dannet" in captured.out and "0 fejlede" in captured.out
    part = _participants(national)
    for kommune in SAMPLE:
        folder = out / SLUG / slugify(kommune)
        assert sorted(p.name for p in folder.iterdir()) == [
            "slutevaluering.html",
            "slutevaluering.results.json",
        ]
        page = (folder / "slutevaluering.html").read_text(encoding="utf-8")
        assert f"<dt>Kommune</dt><dd>{kommune}</dd>" in page
        assert re.search(rf"<h1>[^<]*kommunefordelt opfølgning: {kommune}</h1>", page)
        assert (
            f"<title>Jobparate kontanthjælpsmodtagere – kommunefordelt opfølgning: {kommune}"
            in page
        )
        res = json.loads((folder / "slutevaluering.results.json").read_text(encoding="utf-8"))
        assert res["kommune"] == kommune and res["subset"] == {"kommune": kommune}
        assert res["n_participants"] == int((part["kommune"] == kommune).sum())
        assert {c["n"] for c in res["criteria"] if c["kind"] == "share"} <= {res["n_participants"]}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "slutevaluering pr. kommune" in index and "3 rapporter, én pr. kommune" in index
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', index)
    assert links == [(f"{SLUG}/{slugify(k)}/slutevaluering.html", k) for k in SAMPLE]
    # the kommuner are compared by funnel and caterpillar plots, not ranked
    assert "Kommunerne sammenlignet" in index and "Tragtdiagram for" in index
    assert "Larvediagram for" in index and "empirisk Bayes" in index


def _notebook_with(tmp_path: Path, source: str, timeout: float | None = None) -> Path:
    """The report notebook with one extra cell right after the ``prepare(...)`` cell.

    ``timeout`` limits that cell alone (``metadata.evalkit.timeout``); the others get none.
    """
    nb = nbformat.read(NOTEBOOK, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "prepare(" in c.source) + 1
    cell = nbformat.v4.new_code_cell(source)
    if timeout is not None:
        cell.metadata["evalkit"] = {"timeout": timeout}
    nb.cells.insert(at, cell)
    notebook = tmp_path / "evaluering.ipynb"
    nbformat.write(nb, notebook)
    return notebook


@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_a_failing_report_is_kept_and_the_others_render(
    national: Path, tmp_path: Path, capsys
) -> None:
    notebook = _notebook_with(
        tmp_path, 'if subset == {"kommune": "Ærø"}:\n    raise RuntimeError("indsat testfejl")'
    )
    out = tmp_path / "reports"
    args = ["run", str(national), "--by", "kommune", "--notebook", str(notebook)]
    assert main([*args, "--out", str(out), "--date", DATE]) == 1
    captured = capsys.readouterr()
    assert "2 rapport(er) dannet" in captured.out and "1 fejlede" in captured.out
    assert re.search(r"FEJL .*Ærø.*RuntimeError: indsat testfejl \(celle \d+\)", captured.err)
    assert not (out / SLUG / "aeroe").exists()
    for kommune in ("Læsø", "Aalborg"):
        assert (out / SLUG / slugify(kommune) / "slutevaluering.html").is_file()
    failed = nbformat.read(out / "_failed" / f"{SLUG}-aeroe-slutevaluering.ipynb", as_version=4)
    errors = [
        (i, o) for i, c in enumerate(failed.cells) if c.cell_type == "code"
        for o in c.outputs if o.output_type == "error"
    ]  # fmt: skip
    assert len(errors) == 1 and errors[0][1].ename == "RuntimeError"
    assert "indsat testfejl" in failed.cells[errors[0][0]].source
    assert "An Exception was encountered" in failed.cells[0].source  # papermill's marker
    assert "indsat testfejl" not in (out / "index.html").read_text(encoding="utf-8")


def _processes_with(name: str, value: str) -> list[int]:
    """Ids of the live processes whose environment has ``name=value`` (but not the
    resource tracker that multiprocessing keeps for this process)."""
    import psutil

    found = []
    for proc in psutil.process_iter():
        try:
            tracker = "resource_tracker" in " ".join(proc.cmdline())
            if proc.environ().get(name) == value and not tracker:
                found.append(proc.pid)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return found


@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_batch_on_a_local_dask_cluster(
    national: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two worker processes: a failing report is isolated, the others are byte-identical to
    the same reports rendered one by one in this process, and closing the cluster leaves
    no worker or kernel process behind."""
    import os
    import socket
    import uuid

    notebook = _notebook_with(
        tmp_path, 'if subset == {"kommune": "Ærø"}:\n    raise RuntimeError("indsat testfejl")'
    )
    marker = uuid.uuid4().hex  # inherited by the workers and their kernels
    monkeypatch.setenv("EVALKIT_TEST_BATCH", marker)

    def jobs(out: str) -> list[BatchJob]:
        return [
            BatchJob(str(national), "slutevaluering", str(tmp_path / out), generated=DATE,
                     subset={"kommune": k}, notebook=str(notebook))
            for k in SAMPLE
        ]  # fmt: skip

    on_dask = render_batch(jobs("dask"), workers=2, progress=False)
    assert [o.ok for o in on_dask] == [True, False, True]
    here = f"{socket.gethostname()}:{os.getpid()}"
    assert all(o.worker and o.worker != here for o in on_dask)
    assert "RuntimeError: indsat testfejl" in on_dask[1].error
    assert Path(on_dask[1].failed_notebook).is_file()
    assert not (tmp_path / "dask" / SLUG / "aeroe").exists()
    assert _processes_with("EVALKIT_TEST_BATCH", marker) == []
    in_process = render_batch(jobs("serial"), workers=1, progress=False)
    assert [o.ok for o in in_process] == [True, False, True]
    for d, s in zip(on_dask, in_process, strict=True):
        if d.ok:
            assert s.worker == "" and Path(d.html).read_bytes() == Path(s.html).read_bytes()
            assert Path(d.results).read_bytes() == Path(s.results).read_bytes()


@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_warm_kernel_output_equals_cold_papermill_byte_for_byte(
    national: Path, demo_config, tmp_path: Path, warm_kernel: WarmKernel
) -> None:
    herning = demo_config("herning-transport")
    runs = [(national, {"kommune": "Læsø"}), (herning, None), (national, {"kommune": "Ærø"})]
    starts = warm_kernel.starts
    warm = [
        render_report(cfg, "slutevaluering", out_dir=tmp_path / "warm", generated=DATE,
                      subset=subset, engine=warm_kernel.execute_notebook)
        for cfg, subset in runs
    ]  # fmt: skip
    assert warm_kernel.starts == max(starts, 1) and warm_kernel.notebooks >= 3
    for (cfg, subset), w in list(zip(runs, warm, strict=True))[1:]:
        cold = render_report(
            cfg, "slutevaluering", out_dir=tmp_path / "cold", generated=DATE, subset=subset
        )
        assert w.html.read_bytes() == cold.html.read_bytes(), cold.html
        assert w.results.read_bytes() == cold.results.read_bytes(), cold.results


@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_no_partial_html_when_the_writer_raises(
    national: Path, tmp_path: Path, monkeypatch, warm_kernel: WarmKernel
) -> None:
    out = tmp_path / "reports"
    engine = warm_kernel.execute_notebook
    first = render_report(national, "slutevaluering", out_dir=out, generated=DATE,
                          subset={"kommune": "Læsø"}, engine=engine)  # fmt: skip
    before = first.html.read_bytes(), first.results.read_bytes()

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the new report is being written

    from evalkit import _files

    monkeypatch.setattr(_files.os, "fsync", interrupted)
    for kommune in ("Læsø", "Ærø"):
        with pytest.raises(KeyboardInterrupt):
            render_report(national, "slutevaluering", out_dir=out, generated="2027-01-01",
                          subset={"kommune": kommune}, engine=engine)  # fmt: skip
    assert (first.html.read_bytes(), first.results.read_bytes()) == before  # old report intact
    assert sorted(p.name for p in first.html.parent.iterdir()) == [
        "slutevaluering.html",
        "slutevaluering.results.json",
    ]  # and no temporary file left beside it
    assert not (out / SLUG / "aeroe").exists() or not list((out / SLUG / "aeroe").iterdir())


def _freeze_count(kernel: WarmKernel) -> int:
    """How many objects the kernel's garbage collector ignores (:func:`gc.freeze`)."""
    from jupyter_core.utils import run_sync

    out: list[str] = []
    run_sync(kernel.kc.execute_interactive)(
        "import gc; print(gc.get_freeze_count())",
        output_hook=lambda msg: out.append(msg["content"].get("text", "")),
        timeout=60,
    )
    return int("".join(out))


@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_warm_kernel_resets_namespace_and_survives_a_dead_kernel(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "py"}
    params = nbformat.v4.new_code_cell("x = 0\ndie = False")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell("print('leak' in globals(), x)\nleak = x"),
        nbformat.v4.new_code_cell("import os\nif die:\n    os._exit(1)"),
    ]
    src = tmp_path / "in.ipynb"
    nbformat.write(nb, src)

    def run(kernel: WarmKernel, **params: object) -> nbformat.NotebookNode:
        return kernel.execute_notebook(
            src, tmp_path / "out.ipynb", parameters=params, kernel_name="python3",
            progress_bar=False, log_output=False, cwd=str(tmp_path),
        )  # fmt: skip

    with WarmKernel("python3") as kernel:
        first = run(kernel, x=1)
        second = run(kernel, x=2)
        assert first.cells[2].outputs[0].text == "False 1\n"
        assert second.cells[2].outputs[0].text == "False 2\n"  # nothing left from the first
        assert [c.execution_count for c in second.cells if c.cell_type == "code"] == [1, 2, 3, 4]
        frozen = _freeze_count(kernel)
        assert frozen > 0  # what survived the first notebook, frozen at the reset after it
        run(kernel, x=4)
        # once only (frozen objects freed by reference counting leave it): later leftovers
        # are collected as usual
        assert _freeze_count(kernel) <= frozen
        with pytest.raises(Exception, match=r"(?i)kernel died"):
            run(kernel, die=True)
        third = run(kernel, x=3)
        assert third.cells[2].outputs[0].text == "False 3\n" and kernel.starts == 2


@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_a_hanging_report_times_out_and_the_others_render(
    national: Path, tmp_path: Path, capsys
) -> None:
    """A cell that hangs fails its report; its warm kernel is replaced, the rest go on.

    Only the hanging cell has a limit (its own metadata): the normal reports run without
    one, so the test does not depend on how fast a busy machine imports and computes.
    """
    notebook = _notebook_with(
        tmp_path,
        'if subset == {"kommune": "Læsø"}:\n    import time\n    time.sleep(3600)',
        timeout=5,
    )
    out = tmp_path / "reports"
    args = ["run", str(national), "--by", "kommune", "--notebook", str(notebook)]
    assert main([*args, "--out", str(out), "--date", DATE]) == 1
    captured = capsys.readouterr()
    assert "2 rapport(er) dannet" in captured.out and "1 fejlede" in captured.err + captured.out
    assert re.search(r"FEJL .*Læsø.*(timed out|Timeout|timeout)", captured.err)
    assert not (out / SLUG / slugify("Læsø")).exists()
    for kommune in ("Ærø", "Aalborg"):
        assert (out / SLUG / slugify(kommune) / "slutevaluering.html").is_file()


def test_run_timeout_reaches_every_report(
    national: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``evalkit run --timeout S`` gives each report's cells S seconds (no rendering here)."""
    from evalkit.report import batch

    seen: list[BatchJob] = []

    def fake_render_batch(jobs, **kwargs):
        seen.extend(jobs)
        return []

    monkeypatch.setattr(batch, "render_batch", fake_render_batch)
    args = ["run", str(national), "--by", "kommune", "--timeout", "42", "--out", str(tmp_path)]
    main([*args, "--date", DATE])
    assert len(seen) == 3 * len(load_config(national).reports)
    assert {job.timeout for job in seen} == {42.0}
    limit = render_mod.cell_timeout(42.0)
    assert limit({"metadata": {}}) == 42.0
    assert limit({"metadata": {"evalkit": {"timeout": 5}}}) == 5.0
