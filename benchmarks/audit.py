"""Time the disclosure audit of a published set (``evalkit check-disclosure``).

    .venv/bin/python benchmarks/audit.py REPORTS_DIR [--repeat 3]

``REPORTS_DIR`` is a folder of published reports, e.g. the output of ``make demo`` (the
seed projects and the national batch: the whole country and 98 kommuner). Prints the
number of reports, constraints and unknowns, the findings and the wall and CPU seconds
of each repeat (reading the pages included), with the machine's load average.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from evalkit.disclosure.coordinate import audit_dir


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("root", type=Path)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    for i in range(args.repeat):
        load = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        result = audit_dir([args.root])
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        sys_ = result.reader.sys
        print(
            f"run {i + 1}: {result.reports} reports, {len(sys_.cons)} constraints, "
            f"{len(sys_.lo)} unknowns, {len(result.findings)} findings: {wall:.1f} s wall, "
            f"{cpu:.1f} s CPU (load {load:.1f})"
        )


if __name__ == "__main__":
    main()
