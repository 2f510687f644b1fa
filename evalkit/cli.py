"""The ``evalkit`` command line.

    evalkit demo-data [--out data_raw/demo] [--seed 2024] [--national N [--weeks W]
        [--layout wide|packed]]
    evalkit landstal PANEL --out landstal.parquet [--participants F] [--as-of DATE] [--date DATE]
        [--workers N] [--scheduler tcp://host:8786]
    evalkit pack PANEL --out OUT [--participants F] [--code RAW=CATEGORY ...] [--date DATE]
        (a wide panel in the fast packed layout, once; then evalkit landstal OUT)
    evalkit validate CONFIG [CONFIG ...]
    evalkit run CONFIG [CONFIG ...] [--kind KIND] [--out reports] [--as-of DATE] [--date DATE]
        [--internal] [--final]
    evalkit run --all [--projects projects] [--jobs N] [--engine warm|papermill]
        [--scheduler tcp://host:8786]
    evalkit run CONFIG --by kommune [--jobs N]       (one report per kommune)
    evalkit pseudonymise INPUT OUTPUT --columns cpr [--key-file F]
    evalkit index [--out reports]
    evalkit check-disclosure DIR [DIR ...]   (audit a published set of reports)

Exit codes: 0 success, 1 a report failed (run) or a count below the threshold can be
recovered (check-disclosure; run refuses to publish such a set), 2 invalid input.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evalkit.report.publish import PublicationRefused

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="evalkit", description="Evaluation workbench for Danish employment projects."
    )
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo-data", help="generate the synthetic demo data of the seed projects")
    d.add_argument("--out", default="data_raw/demo", help="output folder (default data_raw/demo)")
    d.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    d.add_argument(
        "--national",
        type=int,
        default=None,
        metavar="N",
        help="only a synthetic national panel of N persons (wide Parquet by kommune) in "
        "<out>/landspanel-N",
    )
    d.add_argument("--weeks", type=int, default=260, help="panel weeks with --national")
    d.add_argument(
        "--layout",
        choices=["wide", "packed"],
        default="wide",
        help="with --national: y_YYWW string columns (wide) or one status_YYWW byte column",
    )

    ls = sub.add_parser(
        "landstal",
        help="national reference curves (by target group and start quarter) from a panel",
    )
    ls.add_argument("panel", help="wide Parquet panel (file or folder) or DREAM wide CSV")
    ls.add_argument("--out", required=True, help="the Parquet file to write")
    ls.add_argument(
        "--participants", default=None, help="Parquet/CSV with person_id, start_date (CSV panel)"
    )
    ls.add_argument("--as-of", default=None, help="cut the panel at this date (yyyy-mm-dd)")
    ls.add_argument("--date", default=None, help="date recorded as computed (default today)")
    ls.add_argument("--k", type=int, default=4, help="self-supporting weeks of an exit")
    ls.add_argument("--threshold", type=int, default=5, help="smallest count published")
    ls.add_argument(
        "--workers",
        type=int,
        default=1,
        help="read the files of a Parquet folder on a Dask LocalCluster of N processes",
    )
    ls.add_argument(
        "--scheduler", default=None, help="an existing Dask scheduler (tcp://host:8786)"
    )

    pk = sub.add_parser(
        "pack", help="convert a wide panel (Parquet or DREAM CSV) to the fast packed layout"
    )
    pk.add_argument(
        "panel", help="wide Parquet panel (file or folder), DREAM wide CSV or long Parquet"
    )
    pk.add_argument("--out", required=True, help="the packed file (or folder, for a folder)")
    pk.add_argument(
        "--participants",
        default=None,
        help="Parquet/CSV with person_id, start_date (CSV or long panel)",
    )
    pk.add_argument(
        "--code",
        action="append",
        default=[],
        metavar="RAW=CATEGORY",
        help="an extra status code (as data.status.codes), e.g. 130=kontanthjaelp; repeatable",
    )
    pk.add_argument("--date", default=None, help="date recorded as packed (default today)")

    v = sub.add_parser("validate", help="check configs and their data; list every problem")
    v.add_argument("configs", nargs="+", help="project config files")
    v.add_argument(
        "--internal",
        action="store_true",
        help="check for an internal report (allows a disclosure threshold below 3)",
    )

    r = sub.add_parser("run", help="render the reports of one or more projects")
    r.add_argument("configs", nargs="*", help="project config files")
    r.add_argument("--all", action="store_true", help="every config in --projects")
    r.add_argument("--projects", default="projects", help="folder of configs (with --all)")
    r.add_argument(
        "--kind",
        choices=["slutevaluering", "statusrapport", "all"],
        default="all",
        help="report kind (default: the kinds listed in each config)",
    )
    r.add_argument("--out", default="reports", help="output folder (default reports)")
    r.add_argument("--as-of", default=None, help="status date yyyy-mm-dd (status reports)")
    r.add_argument("--date", default=None, help="generation date printed in reports")
    r.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="worker processes of a local Dask cluster, each with a warm kernel (default 1: "
        "no cluster, one kernel in this process)",
    )
    r.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="render on an existing Dask cluster, e.g. tcp://host:8786 (docs/cluster.md); "
        "its workers must see data_raw and --out at the same paths",
    )
    r.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds one notebook cell may run before that report fails (default: no limit)",
    )
    r.add_argument(
        "--by",
        default=None,
        metavar="COLUMN",
        help="one report per value of this participants column, e.g. kommune "
        "(<out>/<slug>/<value>/<kind>.html)",
    )
    r.add_argument(
        "--notebook",
        default=None,
        help="report notebook to run (default notebooks/evaluering.ipynb), e.g. an extended copy",
    )
    r.add_argument(
        "--engine",
        choices=["warm", "papermill"],
        default="warm",
        help="warm: reuse one kernel per worker (default); papermill: a new kernel per report",
    )
    r.add_argument(
        "--final",
        action="store_true",
        help="the final slutevaluering for STAR: refuse (exit 2), listing what is missing, "
        "until the config's slutevaluering: block and the narrative file are complete",
    )
    r.add_argument(
        "--internal",
        action="store_true",
        help="internal variant with per-citizen detail (<kind>-intern.html; not for publication)",
    )

    from evalkit.pseudonymise import add_arguments

    ps = sub.add_parser(
        "pseudonymise",
        help="replace CPR numbers by keyed pseudonyms",
        description="Replace CPR numbers by keyed pseudonyms (HMAC-SHA256, 16 hex chars).",
    )
    add_arguments(ps)

    ix = sub.add_parser(
        "index",
        help="write reports/index.html from rendered reports (audited with them first; "
        "exit 1, index unchanged, if it would let a count be recovered)",
    )
    ix.add_argument("--out", default="reports")

    cd = sub.add_parser(
        "check-disclosure",
        help="audit reports published together: can a count below the threshold be recovered?",
        description="Read every report under the folders (HTML, results.json, figure data in "
        "<DIR>/_figurdata when recorded) as one publication set and search for any person "
        "count 1..threshold-1 that the published numbers reveal together (docs/privacy.md). "
        "Exit 0: nothing found; 1: something found (each listed by report, table, row and "
        "column); 2: no reports.",
    )
    cd.add_argument("dirs", nargs="+", metavar="DIR", help="folders of published reports")
    cd.add_argument("--figures", default=None, help="figure data folder (default <DIR>/_figurdata)")
    return p


def _demo(args: argparse.Namespace) -> int:
    import time

    if args.national is not None:
        from evalkit.demo.landspanel import generate_landspanel

        t0 = time.perf_counter()
        path = generate_landspanel(
            Path(args.out) / f"landspanel-{args.national}",
            args.national,
            args.seed,
            args.weeks,
            layout=args.layout,
        )
        print(
            f"evalkit: wrote a national panel of {args.national:,} persons x {args.weeks} weeks "
            f"to {path} in {time.perf_counter() - t0:.1f} s"
        )
        return 0
    from evalkit.demo import generate_all
    from evalkit.demo.national import FOLDER, KOMMUNER, generate_national

    t0 = time.perf_counter()
    files = generate_all(args.out, seed=args.seed)
    n = sum(len(f) for f in files.values())
    print(
        f"evalkit: wrote {n} demo files for {len(files)} projects to {args.out} "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    t0 = time.perf_counter()
    national = generate_national(args.out, seed=args.seed)
    print(
        f"evalkit: wrote {len(national)} national demo files ({len(KOMMUNER)} kommuner) to "
        f"{Path(args.out) / FOLDER} in {time.perf_counter() - t0:.1f} s"
    )
    print(
        f"evalkit: the national curve of the demo reports is {Path(args.out) / 'landstal.parquet'} "
        f"(evalkit landstal over {Path(args.out) / 'landspanel'})"
    )
    return 0


def _landstal(args: argparse.Namespace) -> int:
    import datetime as dt
    import time

    from evalkit.columnar import PanelError, read_participants
    from evalkit.landstal import compute_landstal

    participants = read_participants(args.participants) if args.participants else None
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        prov = compute_landstal(
            args.panel,
            args.out,
            participants=participants,
            k=args.k,
            as_of=dt.date.fromisoformat(args.as_of) if args.as_of else None,
            date=dt.date.fromisoformat(args.date) if args.date else None,
            threshold=args.threshold,
            workers=args.workers,
            scheduler=args.scheduler,
        )
    except (PanelError, FileNotFoundError) as e:
        print(f"evalkit: {e}", file=sys.stderr)
        return 2
    print(
        f"evalkit: wrote {args.out}: national curves of {prov['n_persons']:,} persons x "
        f"{prov['n_weeks']} weeks (input sha256 {prov['input_sha256'][:12]}) in "
        f"{time.perf_counter() - t0:.1f} s ({time.process_time() - c0:.1f} s CPU)"
    )
    return 0


def _pack(args: argparse.Namespace) -> int:
    import datetime as dt
    import time

    from evalkit.columnar import PanelError
    from evalkit.pack import pack_panel
    from evalkit.schemas import STATUS_CATEGORIES

    codes = {}
    for item in args.code:
        raw, sep, cat = item.partition("=")
        if not sep or not raw.strip() or cat.strip() not in STATUS_CATEGORIES:
            print(
                f"evalkit: --code {item!r}: expected RAW=CATEGORY with a category of "
                f"{list(STATUS_CATEGORIES)}",
                file=sys.stderr,
            )
            return 2
        codes[raw.strip()] = cat.strip()
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        prov = pack_panel(
            args.panel,
            args.out,
            participants=args.participants,
            codes=codes or None,
            date=dt.date.fromisoformat(args.date) if args.date else None,
        )
    except (PanelError, FileNotFoundError) as e:
        print(f"evalkit: {e}", file=sys.stderr)
        return 2
    print(
        f"evalkit: wrote {args.out}: {prov['n_persons']:,} persons in the packed layout "
        f"({len(prov['files'])} file(s); input sha256 {prov['input_sha256'][:12]}) in "
        f"{time.perf_counter() - t0:.1f} s ({time.process_time() - c0:.1f} s CPU); "
        f"next: evalkit landstal {args.out} --out landstal.parquet"
    )
    return 0


def _problems(config_path: str, internal: bool = False) -> list[str]:
    """Every problem with a config and its data, as printable lines (no ids, no CPR)."""
    from evalkit.config import ConfigError, check_publishable, config_warnings, load_config
    from evalkit.criteria import check_criteria
    from evalkit.io import validate_project
    from evalkit.promises import load_promises
    from evalkit.report.final import load_final_report
    from evalkit.report.seeds import check_sections

    try:
        config = load_config(config_path)
        check_criteria(config)
        check_sections(config)
        load_promises(config)
        load_final_report(config)
        check_publishable(config, internal)
    except ConfigError as exc:
        return [str(exc)]
    for line in config_warnings(config):
        print(f"warning: {line}", file=sys.stderr)
    return [str(p) for p in validate_project(config)]


def _validate(args: argparse.Namespace) -> int:
    bad = 0
    for path in args.configs:
        problems = _problems(path, args.internal)
        if problems:
            bad += 1
            print(f"{path}: {len(problems)} problem(s)", file=sys.stderr)
            for line in problems:
                print(f"  {line}", file=sys.stderr)
        else:
            print(f"{path}: ok")
    return 2 if bad else 0


def _subsets(path: str, column: str) -> tuple[list[dict[str, str]], list[dict[str, str]], list]:
    """Subsets to render, subsets below the disclosure threshold, and problems (--by)."""
    from evalkit.config import load_config
    from evalkit.io import load_project
    from evalkit.report.subset import plan_subsets

    config = load_config(path)
    values, small, problems = plan_subsets(
        load_project(config), column, config.disclosure_threshold
    )
    return [{column: v} for v in values], [{column: v} for v in small], problems


def _as_of_problems(path: str, as_of: str | None) -> list[str]:
    """``--as-of`` must be a date yyyy-mm-dd on or after the project's start."""
    import datetime as dt

    from evalkit.config import load_config

    if as_of is None:
        return []
    try:
        date = dt.date.fromisoformat(as_of)
    except ValueError:
        from evalkit.config import _why

        return [f"--as-of: expected a date written yyyy-mm-dd, got {as_of!r}{_why(as_of)}"]
    start = load_config(path).period.start
    if date < start:
        return [
            f"--as-of: {date} is before the project start ({start}); a status report needs "
            "data from the project period"
        ]
    return []


def _print_problems(path: str, problems: list[str], what: str) -> None:
    print(f"{path}: {len(problems)} problem(s); {what}", file=sys.stderr)
    for line in problems[:50]:
        print(f"  {line}", file=sys.stderr)
    if len(problems) > 50:
        print(f"  … and {len(problems) - 50} more", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    import time

    from evalkit.config import load_config
    from evalkit.report.batch import BatchJob, render_batch
    from evalkit.report.render import write_skipped

    configs = list(args.configs)
    if args.all:
        configs += sorted(str(p) for p in Path(args.projects).glob("*.yaml"))
    if not configs:
        print("evalkit run: give one or more configs, or --all", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print(f"evalkit run: --jobs must be at least 1, but was {args.jobs}", file=sys.stderr)
        return 2
    if args.scheduler is not None and "://" not in args.scheduler:
        print(
            f"evalkit run: --scheduler must be an address like tcp://host:8786, but was "
            f"{args.scheduler!r}",
            file=sys.stderr,
        )
        return 2
    if args.final and args.kind == "statusrapport":
        print(
            "evalkit run: --final is for the slutevaluering, not a statusrapport", file=sys.stderr
        )
        return 2
    # Every check runs before anything is rendered: a refused run writes nothing.
    jobs: list[BatchJob] = []
    skipped: list[tuple[str, str, dict[str, str]]] = []
    invalid = 0
    for path in configs:
        problems = _problems(path, args.internal)
        problems = problems or _as_of_problems(path, args.as_of)
        subsets: list[dict[str, str] | None] = [None]
        small: list[dict[str, str]] = []
        if not problems and args.by:
            try:
                found, small, problems = _subsets(path, args.by)
                subsets = list(found)
            except ValueError as exc:
                problems = [f"--by {args.by}: {exc}"]
        if problems:
            invalid += 1
            _print_problems(path, problems, "not rendered")
            continue
        if args.final:
            from evalkit.report.final import final_problems

            missing = final_problems(load_config(path))
            if missing:
                invalid += 1
                print(
                    f"{path}: not ready for the final slutevaluering; {len(missing)} thing(s) "
                    "missing (a draft without --final shows them marked):",
                    file=sys.stderr,
                )
                for line in missing:
                    print(f"  {line}", file=sys.stderr)
                continue
        kinds = load_config(path).reports if args.kind == "all" else (args.kind,)
        if args.final:
            kinds = ("slutevaluering",)
        jobs += [
            BatchJob(
                path,
                kind,
                args.out,
                args.as_of,
                args.date,
                subset,
                args.internal,
                args.notebook,
                args.timeout,
            )
            for subset in subsets
            for kind in kinds
        ]
        if "statusrapport" in kinds and args.as_of is None and not args.by:
            # the status report series (period.status_every_months), one file per date
            jobs += [
                BatchJob(
                    path,
                    "statusrapport",
                    args.out,
                    day.isoformat(),
                    args.date,
                    None,
                    args.internal,
                    args.notebook,
                    args.timeout,
                    suffix=f"-{day.isoformat()}",
                )
                for day in load_config(path).period.status_series()
            ]
        if not args.internal:
            skipped += [(path, kind, subset) for subset in small for kind in kinds]
    if invalid:
        print(
            f"evalkit run: {invalid} of {len(configs)} config(s) refused; nothing was rendered "
            "or written",
            file=sys.stderr,
        )
        return 2

    for path, kind, subset in skipped:
        thr = load_config(path).disclosure_threshold
        write_skipped(args.out, path, kind, subset, f"færre end {thr} deltagere (diskretionering)")
    if skipped:
        print(
            f"{len(skipped)} rapport(er) ikke dannet: for få deltagere (under "
            "diskretioneringsgrænsen); se oversigten",
            file=sys.stderr,
        )
    from evalkit.report.publish import (
        PublicationRefused,
        PublishLog,
        publish_batch,
        publish_index,
    )

    def render(batch: list[BatchJob]) -> list:
        return render_batch(batch, workers=args.jobs, engine=args.engine,
                            scheduler=args.scheduler)  # fmt: skip

    t0 = time.perf_counter()
    log = PublishLog()
    try:  # no kernel is started when there is nothing to render
        # internal reports are not published: no publication set to coordinate
        outcomes = (
            publish_batch(jobs, args.out, render, coordinate=not args.internal, log=log)
            if jobs
            else []
        )
    except PublicationRefused as exc:
        return _refused(f"evalkit run: udgivelsen afvist: {exc}; intet er offentliggjort", exc)
    seconds = time.perf_counter() - t0
    done = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    try:
        index: Path | None = publish_index(args.out, generated=args.date)
    except PublicationRefused as exc:
        index = None
        refused = exc
    else:
        refused = None
    rate = f" på {seconds:.0f} s ({60 * len(outcomes) / seconds:.0f} pr. minut)" if done else ""
    print(f"\n{len(done)} rapport(er) dannet{rate}, {len(failed)} fejlede.")
    if len(done) <= 20:
        for path in sorted(o.html or "" for o in done):
            print(f"  {path}")
    else:  # one line per project (per-kommune reports lie one folder deeper)
        folders = Counter(str(Path(o.html or "").parents[1 if o.job.subset else 0]) for o in done)
        for folder, n in sorted(folders.items()):
            print(f"  {folder}: {n} rapport(er)")
    for o in outcomes:
        for line in o.warnings:
            print(f"  warning: {line}", file=sys.stderr)
    for o in failed:
        print(f"  FEJL {o.job.config} ({o.job.label}): {o.error}", file=sys.stderr)
        if o.failed_notebook:
            print(f"       notebook: {o.failed_notebook}", file=sys.stderr)
    if log.hidden:
        cells = sum(len(v) for v in log.hidden.values())
        print(
            f"Diskretionering på tværs af rapporterne: {cells} celle(r) skjult i "
            f"{len(log.hidden)} rapport(er) ({log.rounds} runde(r))"
        )
    if refused is not None:
        return _refused(
            f"evalkit run: oversigten afvist: {refused}; rapporterne er offentliggjort, men "
            "index.html er ikke skrevet (en tidligere oversigt er fjernet)",
            refused,
        )
    print(f"Oversigt: {index}")
    return 1 if failed else 0


def _check_disclosure(args: argparse.Namespace) -> int:
    from evalkit.disclosure.coordinate import audit_dir, describe

    missing = [d for d in args.dirs if not Path(d).is_dir()]
    if missing:
        print(f"evalkit check-disclosure: not a folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    result = audit_dir(args.dirs, figure_dir=args.figures)
    if not result.reports:
        print("evalkit check-disclosure: no reports (*.results.json) found", file=sys.stderr)
        return 2
    thr = {r.name: r.threshold for r in result.reader.reports}
    for f in result.findings:
        print(describe(f, thr.get(f.report, 5)))
    found = f"{len(result.findings)} antal" if result.findings else "intet antal"
    print(
        f"{result.reports} rapport(er) læst som ét sæt på {result.seconds:.1f} s: "
        f"{found} under tærsklen kan regnes ud"
    )
    return 1 if result.findings else 0


def _pseudonymise(args: argparse.Namespace) -> int:
    from evalkit.pseudonymise import run

    return run(args)


def _index(args: argparse.Namespace) -> int:
    from evalkit.report.publish import PublicationRefused, publish_index

    try:
        print(publish_index(args.out))
    except PublicationRefused as exc:
        return _refused(
            f"evalkit index: oversigten afvist: {exc}; index.html er ikke skrevet (en "
            "tidligere oversigt er fjernet)",
            exc,
        )
    return 0


def _refused(head: str, exc: PublicationRefused) -> int:
    """Print a refused publication (its first 50 findings, never a count) and return 1."""
    print(head, file=sys.stderr)
    for line in exc.lines[:50]:
        print(f"  {line}", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``evalkit`` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    handlers = {
        "demo-data": _demo,
        "landstal": _landstal,
        "pack": _pack,
        "validate": _validate,
        "run": _run,
        "pseudonymise": _pseudonymise,
        "index": _index,
        "check-disclosure": _check_disclosure,
    }
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        _quiet_after_interrupt()
        print(
            "evalkit: interrupted (Ctrl-C); nothing of this run was published (reports "
            "are moved into place only after the whole set is rendered and audited)",
            file=sys.stderr,
        )
        return 130


def _quiet_after_interrupt() -> None:
    """No asyncio "Task exception was never retrieved" tracebacks from the stopped kernels."""
    import logging

    logging.getLogger("asyncio").disabled = True


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
