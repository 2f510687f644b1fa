"""Throughput of batch rendering: the 98 kommune reports, Dask vs the earlier pool vs naive.

    .venv/bin/python benchmarks/batch.py [--workers 1,2] [--sample 10] [--full-naive]
        [--baseline REF] [--no-naive] [--split 8]

Writes the national demo panel (98 kommuner) and ``projects/landsdaekkende-jobparate.yaml``
to a temporary folder, then times in the same run:

* **batch**: :func:`evalkit.report.batch.render_batch` over all 98 kommuner with each
  number of ``--workers`` (1: in this process on one warm kernel; 2 or more: a Dask
  LocalCluster of that many worker processes, each with a warm kernel), wall time
  including starting the cluster, the workers and their kernels;
* **baseline**: the same 98 reports with the evalkit of git revision ``--baseline``
  (default: the last revision with the process pool of our own and every report loading
  the whole national panel), run from an export of that revision (``git archive``) in a
  subprocess with the same venv, with the largest worker count;
* **naive loop** (unless ``--no-naive``): per report, ``papermill evaluering.ipynb
  out.ipynb -p ... -y subset`` and then ``jupyter nbconvert --to html out.ipynb``, each a
  subprocess of this venv's executables, one report after the other. By default on
  ``--sample`` kommuner spread over the size range, extrapolated to 98 (the output says
  so); ``--full-naive`` runs all 98;
* **split**: ``--split`` kommuner rendered one by one on a warm kernel in this process,
  the time of each report split into kernel (reset and papermill's own work per
  notebook), prepare (the cell that imports evalkit and calls ``prepare``: data and
  compute), figures (cells that draw a figure), other cells (tables and text) and export
  (HTML export and the atomic writes); data (the kommune's own rows), data (whole panel,
  the earlier path) and compute (``analyse``) are timed again outside the kernel. Once
  per worker: the kernel start and the imports (the first report's prepare cell minus
  the others').

Prints reports per minute, the ratios and the split, and the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLUG = "landsdaekkende-jobparate"
DATE = "2026-11-24"
# the last revision of main with the process pool of our own and whole-panel loading
BASELINE = "c27e822"

_BASELINE_SCRIPT = """\
import json, sys, time
from evalkit.report.batch import BatchJob, render_batch


def run():
    config, out, workers, kommuner = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    jobs = [BatchJob(config, "slutevaluering", out, generated="{date}", subset={{"kommune": k}})
            for k in kommuner]
    t0 = time.perf_counter()
    outcomes = render_batch(jobs, workers=workers, progress=False)
    seconds = time.perf_counter() - t0
    for o in outcomes:
        if not o.ok:
            print("FEJL", o.job.label, o.error, file=sys.stderr)
    import evalkit.report.batch as b
    print(json.dumps({{"seconds": seconds, "ok": sum(o.ok for o in outcomes),
                      "batch": b.__file__}}))


if __name__ == "__main__":
    run()
"""


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished (waited-for) descendants:
    workers and kernels. Less sensitive to the other users of the machine than wall time."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _setup(root: Path) -> Path:
    from evalkit.demo.national import generate_national

    (root / "projects").mkdir(parents=True)
    shutil.copy(ROOT / "projects" / f"{SLUG}.yaml", root / "projects")
    generate_national(root / "data_raw" / "demo")
    return root / "projects" / f"{SLUG}.yaml"


def _batch(config: Path, kommuner: list[str], out: Path, workers: int) -> tuple[float, int]:
    from evalkit.report.batch import BatchJob, render_batch

    jobs = [
        BatchJob(str(config), "slutevaluering", str(out), generated=DATE, subset={"kommune": k})
        for k in kommuner
    ]
    t0 = time.perf_counter()
    outcomes = render_batch(jobs, workers=workers, progress=False)
    seconds = time.perf_counter() - t0
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        print(f"  FEJL {o.job.label}: {o.error}", file=sys.stderr)
    return seconds, len(outcomes) - len(failed)


def _baseline(
    config: Path, kommuner: list[str], out: Path, workers: int, ref: str, tmp: Path
) -> tuple[float, int]:
    """The same batch with the evalkit of git revision ``ref`` (its own kernels import it)."""
    tree = tmp / "baseline-src"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "evalkit", "notebooks"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    script = tmp / "baseline_batch.py"
    script.write_text(_BASELINE_SCRIPT.format(date=DATE), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tree)}  # the kernels inherit it too
    res = subprocess.run(
        [sys.executable, str(script), str(config), str(out), str(workers), *kommuner],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp,
    )
    for line in res.stderr.splitlines():
        if line.startswith("FEJL"):
            print(f"  baseline {line}", file=sys.stderr)
    found = json.loads(res.stdout.strip().splitlines()[-1])
    if not found["batch"].startswith(str(tree)):
        raise RuntimeError(f"the baseline ran {found['batch']}, not the export of {ref}")
    return found["seconds"], found["ok"]


def _cell_kind(cell: dict) -> str:
    """prepare (imports and ``prepare(...)``), figures or other (tables, text, parameters)."""
    if "prepare(" in cell["source"]:
        return "prepare"
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "image/png" in data or "<img" in data.get("text/html", ""):
            return "figures"
    return "other"


def _split(config: Path, kommuner: list[str], out: Path) -> tuple[dict, list[dict]]:
    """Per-report time split on one warm kernel in this process (see the module docstring).

    The first kommune is rendered twice; its first render pays the imports and is not
    counted. ``data``, ``data (whole panel)`` and ``compute`` are timed outside the kernel,
    right after the report: the kommune's own rows; the whole panel and then its rows (the
    earlier path); :func:`evalkit.report.analysis.analyse` on the loaded tables.
    """
    from evalkit.config import load_config
    from evalkit.io import load_project
    from evalkit.report.analysis import analyse
    from evalkit.report.batch import WarmKernel
    from evalkit.report.render import _kernel_name, render_report
    from evalkit.report.subset import apply_subset

    cfg = load_config(config)
    rows = []
    once: dict[str, float] = {}
    with WarmKernel(_kernel_name()) as kernel:
        t0 = time.perf_counter()
        kernel.start()
        once["kernel start"] = time.perf_counter() - t0
        for i, kommune in enumerate([kommuner[0], *kommuner]):
            seen: dict = {}

            def engine(*args, seen=seen, **kwargs):
                t = time.perf_counter()
                nb = kernel.execute_notebook(*args, **kwargs)
                seen["engine"] = time.perf_counter() - t
                # before the export drops cells (the parameters, cells without output)
                seen["cells"] = cells = {"prepare": 0.0, "figures": 0.0, "other": 0.0}
                for cell in nb.cells:
                    if cell.cell_type == "code":
                        duration = cell.metadata.get("papermill", {}).get("duration") or 0.0
                        cells[_cell_kind(cell)] += float(duration)
                return nb

            subset = {"kommune": kommune}
            res = render_report(config, "slutevaluering", out_dir=out, generated=DATE,
                                subset=subset, engine=engine)  # fmt: skip
            cells = seen["cells"]
            if i == 0:
                once["first prepare"] = cells["prepare"]
                continue
            t = time.perf_counter()
            data = load_project(cfg, subset=subset)
            t1 = time.perf_counter()
            apply_subset(cfg, load_project(cfg), subset)
            t2 = time.perf_counter()
            analyse(cfg, data, subset=subset, generated=DATE)
            t3 = time.perf_counter()
            rows.append(
                {
                    "kommune": kommune,
                    "total": res.seconds,
                    "kernel": seen["engine"] - sum(cells.values()),
                    "prepare": cells["prepare"],
                    "data": t1 - t,
                    "data (whole panel)": t2 - t1,
                    "compute": t3 - t2,
                    "figures": cells["figures"],
                    "other cells": cells["other"],
                    "export": res.seconds - seen["engine"],
                }
            )
    warm = sum(r["prepare"] for r in rows) / len(rows)
    once["imports"] = once.pop("first prepare") - warm
    return once, rows


def _naive(config: Path, kommuner: list[str], out: Path) -> float:
    from evalkit.report.render import NOTEBOOK, _kernel_name

    bin_dir = Path(sys.executable).parent
    kernel = _kernel_name()
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for i, kommune in enumerate(kommuner):
        executed = out / f"{i:03d}.ipynb"
        cmd = [str(bin_dir / "papermill"), str(NOTEBOOK), str(executed), "-k", kernel]
        cmd += ["--cwd", str(NOTEBOOK.parent), "--no-progress-bar"]
        cmd += ["-p", "config_path", str(config), "-p", "report_kind", "slutevaluering"]
        cmd += ["-p", "generated", DATE, "-p", "results_path", str(executed) + ".json"]
        cmd += ["-y", f'subset: {{kommune: "{kommune}"}}']
        subprocess.run(
            cmd,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [str(bin_dir / "jupyter"), "nbconvert", "--to", "html", str(executed)],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - t0


def _sample(kommuner: list[str], n: int) -> list[str]:
    """``n`` kommuner spread evenly over the list sorted by size (small to large)."""
    from evalkit.demo.national import kommune_sizes

    sizes = kommune_sizes()
    by_size = sorted(kommuner, key=lambda k: (sizes[k], k))
    if n >= len(by_size):
        return by_size
    step = (len(by_size) - 1) / (n - 1) if n > 1 else 0
    return [by_size[round(i * step)] for i in range(n)]


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f} (1 / 5 / 15 min), {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", default="1,2", help="worker counts to time (default 1,2)")
    p.add_argument("--sample", type=int, default=10, help="naive-loop sample size (default 10)")
    p.add_argument("--full-naive", action="store_true", help="run the naive loop over all 98")
    p.add_argument("--no-naive", action="store_true", help="skip the naive loop")
    p.add_argument("--baseline", default=BASELINE, help=f"git revision (default {BASELINE})")
    p.add_argument("--split", type=int, default=8, help="kommuner in the time split (default 8)")
    p.add_argument("--limit", type=int, default=98, help="only this many kommuner (smoke runs)")
    args = p.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",")]

    from evalkit.demo.national import KOMMUNER
    from evalkit.report.subset import danish_key

    kommuner = _sample(sorted((k for k, _ in KOMMUNER), key=danish_key), args.limit)
    print(f"load average at the start: {_load()}")
    with tempfile.TemporaryDirectory(prefix="evalkit-bench-") as tmp:
        root = Path(tmp)
        config = _setup(root)
        w_max = max(workers)
        cpu = _cpu()
        base_s, base_ok = _baseline(config, kommuner, root / "baseline", w_max, args.baseline, root)
        base_cpu = _cpu() - cpu
        print(
            f"baseline ({args.baseline}: process pool, whole panel per report), {w_max} "
            f"worker(s): {base_ok}/{len(kommuner)} reports in {base_s:.1f} s, "
            f"CPU {base_cpu:.0f} s; load {_load()}"
        )
        results = []
        for w in workers:
            cpu = _cpu()
            seconds, ok = _batch(config, kommuner, root / f"batch-{w}", w)
            used = _cpu() - cpu
            results.append((w, seconds, ok, used))
            how = "in this process" if w == 1 else "Dask LocalCluster"
            print(
                f"batch ({how}, own rows per report), {w} worker(s): {ok}/{len(kommuner)} "
                f"reports in {seconds:.1f} s, CPU {used:.0f} s; load {_load()}"
            )
        start, split = _split(config, _sample(kommuner, args.split), root / "split")
        naive_s = per_report = None
        if not args.no_naive:
            sample = kommuner if args.full_naive else _sample(kommuner, args.sample)
            naive_s = _naive(config, sample, root / "naive")
            per_report = naive_s / len(sample)
            how = (
                "measured on all 98"
                if len(sample) == len(kommuner)
                else f"measured on {len(sample)} kommuner ({naive_s:.1f} s), extrapolated"
            )
            print(f"naive loop: {per_report:.2f} s per report; {how}")

    print(f"\nload average at the end: {_load()}\n")
    print(
        "| path | workers | reports | seconds | reports/minute | ratio (x baseline) "
        "| CPU seconds | CPU ratio (baseline / this) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    base_rate = 60 * base_ok / base_s
    print(
        f"| baseline {args.baseline}: process pool, whole panel per report | {w_max} | "
        f"{base_ok} | {base_s:.0f} | {base_rate:.1f} | 1.0 | {base_cpu:.0f} | 1.0 |"
    )
    for w, seconds, ok, used in results:
        rate = 60 * ok / seconds
        how = "in process, warm kernel" if w == 1 else "Dask LocalCluster, warm kernels"
        print(
            f"| {how}, own rows per report | {w} | {ok} | {seconds:.0f} | {rate:.1f} | "
            f"{rate / base_rate:.2f} | {used:.0f} | {base_cpu / used:.2f} |"
        )
    if per_report is not None:
        print(
            f"| naive loop (papermill CLI + nbconvert CLI) | 1 | {len(kommuner)} | "
            f"{per_report * len(kommuner):.0f} "
            f"(extrapolated) | {60 / per_report:.1f} | {60 / per_report / base_rate:.2f} | | |"
        )
    print(
        "\nonce per worker: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in start.items())
        + " (imports: the first report's prepare cell minus the mean of the others)"
    )
    keys = [k for k in split[0] if k != "kommune"]
    print("\nper report, seconds (data, data (whole panel) and compute timed outside the kernel)")
    print("\n| kommune | " + " | ".join(keys) + " |")
    print("|---|" + "---:|" * len(keys))
    for row in split:
        print(f"| {row['kommune']} | " + " | ".join(f"{row[k]:.2f}" for k in keys) + " |")
    mean = {k: sum(r[k] for r in split) / len(split) for k in keys}
    print("| mean | " + " | ".join(f"{mean[k]:.2f}" for k in keys) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
