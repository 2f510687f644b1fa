"""The columnar data path at national scale (``evalkit.columnar``, ``evalkit landstal``).

Each measurement runs in a fresh Python process, so its peak RSS (``ru_maxrss``) is its
own. Prints wall time, CPU time of the process, peak RSS, and the Arrow pool's and
tracemalloc's peaks where they mean something. Run::

    .venv/bin/python benchmarks/columnar.py kernel  --persons 1000000 --weeks 260
    .venv/bin/python benchmarks/columnar.py parquet --persons 1000000 --weeks 260 [--workers 2]
    .venv/bin/python benchmarks/columnar.py national --persons 5000000 --weeks 1560 --part 12 \
        [--workers 2]
    .venv/bin/python benchmarks/columnar.py dream   --persons 100000 --weeks 1560
    .venv/bin/python benchmarks/columnar.py long    --persons 100000 --weeks 260
    .venv/bin/python benchmarks/columnar.py pack    --persons 1000000 --weeks 260 [--part K]

``kernel``: the spell kernel alone on an in-memory int8 matrix (compute only), block by
block. ``parquet``: generate a wide Parquet panel (``evalkit demo-data --national``), then
stream it to spells (kept) and survival counts. ``national``: generate a part of a
DREAM-sized panel (with ``--part K``: every K-th kommune by size of the panel of
``--persons``, with the files the whole panel would have), stream it to spells and the
national curves (``compute_landstal``), and extrapolate the time per 100 M person-weeks
to 5,000,000 x 1,560. ``dream``: write a DREAM wide CSV (``;``, codes as in DREAM) and
stream it to spells. ``long``: write a long Parquet panel (``person_id, week, status``)
and a participants file, and stream it to spells. ``pack``: generate a wide Parquet
panel (as ``parquet``/``national``) and convert it to the packed layout
(``evalkit pack``, one process). ``--workers N`` reads the files on a Dask LocalCluster of N
processes; CPU time then adds the worker processes' (``RUSAGE_CHILDREN``) and the peak
RSS is given for the main process and the largest worker. ``--keep DIR`` generates into
DIR once and reuses it. ``--layout packed`` writes and reads the packed layout (one
fixed-size binary column of a person's weeks) instead of the wide ``y_YYWW`` columns. Results are recorded in ``docs/performance.md`` ("Columnar data
path").
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

GiB = 1 << 30


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GiB  # Linux: KiB


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(t: tuple[float, float]) -> dict[str, float]:
    return {
        "wall_s": round(time.perf_counter() - t[0], 3),
        "cpu_s": round(time.process_time() - t[1], 3),
    }


def _children() -> tuple[float, float]:
    """CPU seconds and peak RSS (GiB) of the finished child processes (the workers)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime, r.ru_maxrss * 1024 / GiB


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def kernel(persons: int, weeks: int) -> dict:
    """Compute only: the kernel over an int8 matrix in memory, block by block."""
    import tracemalloc

    from evalkit.spells_kernel import BLOCK, competing_codes, spells_block

    rng = np.random.default_rng(1)
    # a realistic matrix: the national demo model (benefit, then runs of self-support)
    from evalkit.demo.landspanel import _status_codes

    codes = np.empty((persons, weeks), np.int8)
    start = rng.integers(0, weeks - 26, persons)
    for i in range(0, persons, 50_000):
        sl = slice(i, i + 50_000)
        m = len(start[sl])
        codes[sl] = _status_codes(
            rng, start[sl], weeks, np.zeros(m), np.full(m, 0.03), np.full(m, 0.9),
            np.full(m, 4), 2,
        )  # fmt: skip
    comp = competing_codes(("uddannelse", "foertidspension", "udvandret", "doed"))
    last = np.full(persons, weeks - 1)
    tracemalloc.start()
    t = _clock()
    out = [
        spells_block(
            codes[i : i + BLOCK], start[i : i + BLOCK], 4, comp, last_col=last[i : i + BLOCK]
        )
        for i in range(0, persons, BLOCK)
    ]
    res = {k: np.concatenate([o[k] for o in out]) for k in out[0]}
    timing = _since(t)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    matrix = codes.nbytes
    outputs = sum(a.nbytes for a in res.values())
    return {
        "what": f"kernel {persons:,} x {weeks} (int8 matrix in memory, blocks of {BLOCK})",
        **timing,
        "events": int(res["event"].sum()),
        "int8_matrix_gb": round(matrix / GiB, 3),
        "peak_extra_gb": round(peak / GiB, 3),
        "peak_extra_minus_outputs_gb": round((peak - outputs) / GiB, 3),
        "outputs_gb": round(outputs / GiB, 3),
    }


def parquet(persons: int, weeks: int, folder: Path, workers: int = 1) -> dict:
    """Stream a wide Parquet panel to spells (kept) and survival counts."""
    import pyarrow as pa

    from evalkit.columnar import panel_spells

    panel = folder / _panel_name(persons, weeks, 1)
    size = sum(f.stat().st_size for f in panel.rglob("*.parquet"))
    import evalkit.columnar as col
    import evalkit.spells_kernel as sk

    compute = [0.0, 0.0]
    inner = sk.spells_block

    def timed(*a, **k):
        t = _clock()
        r = inner(*a, **k)
        compute[0] += time.perf_counter() - t[0]
        compute[1] += time.process_time() - t[1]
        return r

    col.spells_block = timed
    load = _load()
    t = _clock()
    res = panel_spells(panel, hours=False, workers=workers)
    timing = _since(t)
    child_cpu, child_rss = _children()
    return {
        "what": f"{_LAYOUT[0]} Parquet {persons:,} x {weeks} -> spells (kept) + counts, "
        f"{workers} process(es)",
        **timing,
        "cpu_s_with_workers": round(timing["cpu_s"] + child_cpu, 3),
        "load_before": load,
        "load_after": _load(),
        "kernel_wall_s": round(compute[0], 3) if workers == 1 else None,
        "kernel_cpu_s": round(compute[1], 3) if workers == 1 else None,
        "persons": res.n_persons,
        "events": int(res.spells["event"].sum()),
        "parquet_gb": round(size / GiB, 3),
        "int8_matrix_gb": round(persons * weeks / GiB, 3),
        "peak_rss_gb": round(_rss(), 3),
        "peak_rss_worker_gb": round(child_rss, 3) if workers > 1 else None,
        "arrow_pool_peak_gb": round(pa.default_memory_pool().max_memory() / GiB, 3),
    }


def national(persons: int, weeks: int, folder: Path, workers: int = 1, part: int = 1) -> dict:
    """Spells and national curves of (a part of) a DREAM-sized panel; extrapolated."""
    import pyarrow.parquet as pq

    from evalkit.landstal import compute_landstal

    panel = folder / _panel_name(persons, weeks, part)
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in panel.rglob("*.parquet"))
    load = _load()
    t = _clock()
    prov = compute_landstal(panel, folder / "landstal.parquet", workers=workers)
    timing = _since(t)
    child_cpu, child_rss = _children()
    timing["cpu_s"] = round(timing["cpu_s"] + child_cpu, 3)
    pw = rows * weeks
    per100m = {k: v * 1e8 / pw for k, v in timing.items()}
    full = 5_000_000 * 1_560
    return {
        "what": f"{_LAYOUT[0]} Parquet {rows:,} x {weeks} (part 1/{part} of {persons:,}) -> "
        "spells + "
        f"national curves (landstal), {workers} process(es)",
        **timing,
        "load_before": load,
        "load_after": _load(),
        "persons": prov["n_persons"],
        "files": len(list(panel.rglob("*.parquet"))),
        "person_weeks": pw,
        "wall_s_per_100M_person_weeks": round(per100m["wall_s"], 2),
        "cpu_s_per_100M_person_weeks": round(per100m["cpu_s"], 2),
        "extrapolated_5M_x_1560_wall_s": round(per100m["wall_s"] * full / 1e8, 1),
        "extrapolated_5M_x_1560_cpu_s": round(per100m["cpu_s"] * full / 1e8, 1),
        "peak_rss_gb": round(_rss(), 3),
        "peak_rss_worker_gb": round(child_rss, 3) if workers > 1 else None,
    }


_LAYOUT = ["wide"]  # --layout


def _panel_name(persons: int, weeks: int, part: int) -> str:
    name = f"landspanel-{persons}-{weeks}" + (f"-part{part}" if part > 1 else "")
    return name + ("" if _LAYOUT[0] == "wide" else f"-{_LAYOUT[0]}")


def _generate(persons: int, weeks: int, folder: Path, part: int) -> None:
    from evalkit.demo.landspanel import generate_landspanel, kommune_counts

    only = None
    if part > 1:  # every part-th kommune by size: the files of the whole panel, a part of them
        counts = kommune_counts(persons)
        only = sorted(counts, key=lambda k: -counts[k])[part // 2 :: part]
    generate_landspanel(folder / _panel_name(persons, weeks, part), persons, n_weeks=weeks,
                        only=only, layout=_LAYOUT[0])  # fmt: skip


def write_dream(persons: int, weeks: int, folder: Path) -> None:
    """DREAM wide CSV (``;``, blank = no benefit, DREAM codes) and a participants file."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from evalkit.demo.landspanel import LANDSPANEL_FIRST_WEEK, _status_codes

    dream = {0: "", 1: "111", 2: "130", 3: "760", 4: "890", 5: "740", 6: "741", 7: "783",
             8: "651", 9: "997", 10: "998", 11: "999"}  # fmt: skip
    dictionary = pa.array([dream[i] for i in range(12)])
    w = pd.date_range(LANDSPANEL_FIRST_WEEK, periods=weeks, freq="7D").isocalendar()
    names = [f"y_{y % 100:02d}{k:02d}" for y, k in zip(w.year, w.week, strict=True)]
    rng = np.random.default_rng(5)
    start = rng.integers(0, weeks - 26, persons)
    ids = np.char.add("D", np.char.zfill(np.arange(persons).astype(str), 9))
    schema = pa.schema([("person_id", pa.string())] + [(n, pa.string()) for n in names])
    with pacsv.CSVWriter(
        folder / "dream.csv",
        schema,
        write_options=pacsv.WriteOptions(delimiter=";", quoting_style="none"),
    ) as out:
        for i in range(0, persons, 10_000):
            sl = slice(i, i + 10_000)
            m = len(start[sl])
            c = _status_codes(rng, start[sl], weeks, np.zeros(m), np.full(m, 0.03),
                              np.full(m, 0.9), np.full(m, 4), 2)  # fmt: skip
            cols = [pa.array(ids[sl])] + [dictionary.take(pa.array(c[:, j])) for j in range(weeks)]
            out.write_table(pa.Table.from_arrays(cols, schema=schema))
    days = pd.to_datetime(LANDSPANEL_FIRST_WEEK) + pd.to_timedelta(start * 7, "D")
    pd.DataFrame({"person_id": ids, "start_date": days}).to_parquet(folder / "deltagere.parquet")


def dream(persons: int, weeks: int, folder: Path) -> dict:
    import pandas as pd

    from evalkit.columnar import panel_spells

    part = pd.read_parquet(folder / "deltagere.parquet")
    load = _load()
    t = _clock()
    res = panel_spells(folder / "dream.csv", part, keep_spells=True)
    timing = _since(t)
    return {
        "what": f"DREAM wide CSV {persons:,} x {weeks} -> spells",
        **timing,
        "load_before": load,
        "load_after": _load(),
        "csv_gb": round((folder / "dream.csv").stat().st_size / GiB, 3),
        "persons": res.n_persons,
        "events": int(res.spells["event"].sum()),
        "peak_rss_gb": round(_rss(), 3),
    }


def write_long(persons: int, weeks: int, folder: Path) -> None:
    """Long Parquet (``person_id, week, status``: every person every week, sorted by
    person then week; Snappy, row groups of about a million rows) and a participants file."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from evalkit.demo.landspanel import LANDSPANEL_FIRST_WEEK, _status_codes
    from evalkit.schemas import STATUS_CATEGORIES

    dictionary = pa.array(list(STATUS_CATEGORIES))
    first = pd.Timestamp(LANDSPANEL_FIRST_WEEK).to_datetime64().astype("datetime64[D]")
    week = pa.array(first + np.arange(weeks) * np.timedelta64(7, "D"), pa.date32())
    rng = np.random.default_rng(5)
    start = rng.integers(0, weeks - 26, persons)
    ids = np.char.add("L", np.char.zfill(np.arange(persons).astype(str), 9))
    schema = pa.schema([("person_id", pa.string()), ("week", pa.date32()),
                        ("status", pa.dictionary(pa.int8(), pa.string()))])  # fmt: skip
    step = max(1, (1 << 20) // weeks)
    with pq.ParquetWriter(folder / "long.parquet", schema) as out:
        for i in range(0, persons, step):
            sl = slice(i, i + step)
            m = len(start[sl])
            c = _status_codes(rng, start[sl], weeks, np.zeros(m), np.full(m, 0.03),
                              np.full(m, 0.9), np.full(m, 4), 2)  # fmt: skip
            status = pa.DictionaryArray.from_arrays(pa.array(c.ravel().astype(np.int8)), dictionary)
            cols = [pa.array(np.repeat(ids[sl], weeks)), week.take(pa.array(np.tile(
                np.arange(weeks), m))), status]  # fmt: skip
            out.write_table(pa.Table.from_arrays(cols, schema=schema))
    days = pd.to_datetime(LANDSPANEL_FIRST_WEEK) + pd.to_timedelta(start * 7, "D")
    pd.DataFrame({"person_id": ids, "start_date": days}).to_parquet(folder / "deltagere.parquet")


def long(persons: int, weeks: int, folder: Path) -> dict:
    import pandas as pd

    from evalkit.columnar import panel_spells

    part = pd.read_parquet(folder / "deltagere.parquet")
    load = _load()
    t = _clock()
    res = panel_spells(folder / "long.parquet", part, keep_spells=True)
    timing = _since(t)
    return {
        "what": f"long Parquet {persons:,} x {weeks} -> spells",
        **timing,
        "load_before": load,
        "load_after": _load(),
        "parquet_gb": round((folder / "long.parquet").stat().st_size / GiB, 3),
        "persons": res.n_persons,
        "events": int(res.spells["event"].sum()),
        "peak_rss_gb": round(_rss(), 3),
    }


def pack(persons: int, weeks: int, folder: Path, part: int = 1) -> dict:
    """Convert a wide Parquet panel to the packed layout (``evalkit pack``)."""
    from evalkit.pack import pack_panel

    panel = folder / _panel_name(persons, weeks, part)
    out = folder / (panel.name + "-packed-out")
    load = _load()
    t = _clock()
    prov = pack_panel(panel, out)
    timing = _since(t)
    size = sum(f.stat().st_size for f in panel.rglob("*.parquet"))
    packed = sum(f.stat().st_size for f in out.rglob("*.parquet"))
    return {
        "what": f"pack: wide Parquet {prov['n_persons']:,} x {weeks} -> packed, 1 process",
        **timing,
        "load_before": load,
        "load_after": _load(),
        "files": len(prov["files"]),
        "wide_gb": round(size / GiB, 3),
        "packed_gb": round(packed / GiB, 3),
        "peak_rss_gb": round(_rss(), 3),
    }


def _child(args: argparse.Namespace, step: str) -> dict:
    cmd = [sys.executable, __file__, "--step", step, args.task, "--persons", str(args.persons),
           "--weeks", str(args.weeks), "--folder", str(args.folder), "--workers",
           str(args.workers), "--part", str(args.part), "--layout", args.layout]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("task", choices=["kernel", "parquet", "national", "dream", "long", "pack"])
    p.add_argument("--persons", type=int, default=1_000_000)
    p.add_argument("--weeks", type=int, default=260)
    p.add_argument("--folder", type=Path, default=None)
    p.add_argument("--keep", type=Path, default=None, help="generate here once; reuse")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--part", type=int, default=1, help="national: every K-th kommune")
    p.add_argument("--layout", choices=["wide", "packed"], default="wide")
    p.add_argument("--step", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    _LAYOUT[0] = args.layout
    if args.step is not None:  # one measurement in this (fresh) process
        folder = args.folder
        if args.step == "generate":
            t = _clock()
            if args.task == "dream":
                write_dream(args.persons, args.weeks, folder)
            elif args.task == "long":
                write_long(args.persons, args.weeks, folder)
            else:
                _generate(args.persons, args.weeks, folder, args.part)
            print(json.dumps({"what": "generate", **_since(t), "peak_rss_gb": round(_rss(), 3)}))
        elif args.task == "kernel":
            print(json.dumps(kernel(args.persons, args.weeks)))
        elif args.task == "parquet":
            print(json.dumps(parquet(args.persons, args.weeks, folder, args.workers)))
        elif args.task == "national":
            print(json.dumps(national(args.persons, args.weeks, folder, args.workers, args.part)))
        elif args.task == "long":
            print(json.dumps(long(args.persons, args.weeks, folder)))
        elif args.task == "pack":
            print(json.dumps(pack(args.persons, args.weeks, folder, args.part)))
        else:
            print(json.dumps(dream(args.persons, args.weeks, folder)))
        return
    print(f"load average at start: {_load()}")
    if args.keep is not None:
        args.folder = args.keep
        args.keep.mkdir(parents=True, exist_ok=True)
        ready = args.keep / (
            {"dream": "dream.csv", "long": "long.parquet"}[args.task]
            if args.task in ("dream", "long")
            else _panel_name(args.persons, args.weeks, args.part)
        )
        if args.task != "kernel" and not ready.exists():
            print(json.dumps(_child(args, "generate")))
        print(json.dumps(_child(args, "measure"), indent=1))
    else:
        with tempfile.TemporaryDirectory(dir=args.folder) as tmp:
            args.folder = Path(tmp)
            if args.task != "kernel":
                print(json.dumps(_child(args, "generate")))
            print(json.dumps(_child(args, "measure"), indent=1))
    print(f"load average at end: {_load()}")


if __name__ == "__main__":
    main()
