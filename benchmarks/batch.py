"""Throughput of batch rendering: the 98 kommune reports, warm kernels vs the naive loop.

    .venv/bin/python benchmarks/batch.py [--workers 1,2] [--sample 10] [--full-naive]

Writes the national demo panel (98 kommuner) and ``projects/landsdaekkende-jobparate.yaml``
to a temporary folder, then times in the same run:

* **batch**: :func:`evalkit.report.batch.render_batch` over all 98 kommuner with each
  number of ``--workers`` (worker processes, each with one warm kernel), wall time
  including starting the workers and their kernels;
* **naive loop**: per report, ``papermill evaluering.ipynb out.ipynb -p ... -y subset``
  and then ``jupyter nbconvert --to html out.ipynb``, each a subprocess of this venv's
  executables, one report after the other. By default on ``--sample`` kommuner spread
  over the size range, extrapolated to 98 (the output says so); ``--full-naive`` runs
  all 98.

Prints reports per minute and the ratio batch / naive for each worker count.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLUG = "landsdaekkende-jobparate"
DATE = "2026-11-24"


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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", default="1,2", help="worker counts to time (default 1,2)")
    p.add_argument("--sample", type=int, default=10, help="naive-loop sample size (default 10)")
    p.add_argument("--full-naive", action="store_true", help="run the naive loop over all 98")
    args = p.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",")]

    from evalkit.demo.national import KOMMUNER
    from evalkit.report.subset import danish_key

    kommuner = sorted((k for k, _ in KOMMUNER), key=danish_key)
    with tempfile.TemporaryDirectory(prefix="evalkit-bench-") as tmp:
        root = Path(tmp)
        config = _setup(root)
        results = []
        for w in workers:
            seconds, ok = _batch(config, kommuner, root / f"batch-{w}", w)
            results.append((w, seconds, ok))
            print(f"batch, {w} worker(s): {ok}/{len(kommuner)} reports in {seconds:.1f} s")
        sample = kommuner if args.full_naive else _sample(kommuner, args.sample)
        naive_s = _naive(config, sample, root / "naive")
        per_report = naive_s / len(sample)
        naive_98 = per_report * len(kommuner)
        how = (
            "measured on all 98"
            if len(sample) == len(kommuner)
            else f"measured on {len(sample)} kommuner ({naive_s:.1f} s), extrapolated to 98"
        )
        print(f"naive loop: {per_report:.2f} s per report; {naive_98:.0f} s for 98 ({how})")

    naive_rate = 60 / per_report
    print()
    print("| path | workers | reports | seconds | reports/minute | ratio (x naive) |")
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| naive loop (papermill CLI + nbconvert CLI) | 1 | 98 | {naive_98:.0f}"
        f"{'' if len(sample) == len(kommuner) else ' (extrapolated)'} | {naive_rate:.1f} | 1.0 |"
    )
    for w, seconds, ok in results:
        rate = 60 * ok / seconds
        print(
            f"| batch, warm kernels | {w} | {ok} | {seconds:.0f} | {rate:.1f} | "
            f"{rate / naive_rate:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
