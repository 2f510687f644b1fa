"""Time loading and validating an Aalborg-sized project (12,500 persons x 260 weeks).

Writes a participants CSV and a DREAM wide CSV (``;``, cp1252, decimal comma) to a
temporary folder, then times :func:`evalkit.io.load_project` on them. Run with::

    .venv/bin/python benchmarks/loading.py [--persons 12500] [--weeks 260] [--repeat 3]

The figure is recorded in ``docs/performance.md`` (section "Loading and validation").
"""

from __future__ import annotations

import argparse
import datetime
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.config import DataSource, Period, ProjectConfig
from evalkit.io import load_project


def _iso_weeks(n: int, start: datetime.date = datetime.date(2019, 1, 7)) -> list[str]:
    out = []
    for i in range(n):
        y, w, _ = (start + datetime.timedelta(weeks=i)).isocalendar()
        out.append(f"y_{y % 100:02d}{w:02d}")
    return out


def write_files(folder: Path, persons: int, weeks: int, seed: int = 1) -> ProjectConfig:
    """Write the two input files and return a config pointing at them."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("p", np.char.zfill(np.arange(persons).astype(str), 15))
    start = pd.Timestamp("2019-01-07") + pd.to_timedelta(rng.integers(0, 100, persons) * 7, "D")
    part = pd.DataFrame(
        {
            "person_id": ids,
            "arm": np.where(rng.random(persons) < 0.2, "indsats", "sammenligning"),
            "maalgruppe": "jobparat",
            "startdato": start.strftime("%d-%m-%Y"),
            "slutdato": "",
            "kommune": "Aalborg",
            "alder": rng.integers(18, 65, persons),
            "koen": np.where(rng.random(persons) < 0.5, "K", "M"),
        }
    )
    part.to_csv(folder / "deltagere.csv", sep=";", index=False, encoding="cp1252")
    codes = np.array(["", "130", "111", "890", "760", "651"], dtype=object)
    values = codes[
        rng.choice(len(codes), size=(persons, weeks), p=[0.4, 0.3, 0.1, 0.1, 0.05, 0.05])
    ]
    cols = _iso_weeks(weeks)
    wide = pd.DataFrame(values, columns=cols)
    wide.insert(0, "person_id", ids)
    wide.to_csv(folder / "dream.csv", sep=";", index=False, encoding="cp1252")
    return ProjectConfig(
        path=folder / "bench.yaml",
        slug="bench",
        title="bench",
        kommune="Aalborg",
        pool="bench",
        period=Period(datetime.date(2019, 1, 1), datetime.date(2023, 12, 31)),
        target_groups=("jobparat",),
        data={
            "participants": DataSource(
                "participants",
                folder / "deltagere.csv",
                "csv",
                columns={
                    "maalgruppe": "target_group",
                    "startdato": "start_date",
                    "slutdato": "end_date",
                    "alder": "age",
                    "koen": "sex",
                },
            ),
            "status": DataSource("status", folder / "dream.csv", "csv", layout="wide"),
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=12_500)
    parser.add_argument("--weeks", type=int, default=260)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = write_files(Path(tmp), args.persons, args.weeks)
        size = (Path(tmp) / "dream.csv").stat().st_size / 1e6
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            data = load_project(config)
            times.append(time.perf_counter() - t0)
    print(
        f"{args.persons} persons x {args.weeks} weeks (DREAM wide CSV {size:.1f} MB, "
        f"{len(data.status):,} status rows): load_project best {min(times):.2f} s, "
        f"median {float(np.median(times)):.2f} s over {args.repeat} runs"
    )


if __name__ == "__main__":
    main()
