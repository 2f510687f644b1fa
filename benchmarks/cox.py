"""Benchmark: evalkit's Cox regression against lifelines' CoxPHFitter (and a floor).

Run: ``.venv/bin/python benchmarks/cox.py [--sizes 10000 100000 1000000] [--repeat 3]``

Data (fixed seed): ``n`` persons, 3 standard-normal covariates with hazard ratios
exp(0.3), exp(-0.2), exp(0.1); exponential event times with a weekly hazard of 2 %,
censored uniformly on 1-260 weeks. Two layouts: *weekly* (whole weeks, so heavy ties,
the evaluations' case) and *continuous* (a uniform fraction of a week added, few ties).
Both fit Efron ties (lifelines' only method). Timed per size and layout in the same
run: ``evalkit.survival.cox(df, "t", "d", [...])`` (the public call with its input
checks, the fit, model-based standard errors and the tests) and lifelines
``CoxPHFitter().fit(df, "t", "d")``; coefficients are compared. CPU time of this
process (``time.process_time``) is reported beside wall time, because the machine may
be shared: CPU time is what the process itself used. Not a test; prints a Markdown table
and the ratios.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from evalkit.survival import cox


def _data(n: int, layout: str, seed: int = 20261202) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    rate = 0.02 * np.exp(x @ np.array([0.3, -0.2, 0.1]))
    t = rng.exponential(1 / rate)
    c = rng.integers(1, 261, n).astype(float)
    if layout == "weekly":
        t = np.ceil(t)
    else:
        c = c - rng.uniform(0, 1, n)
    df = pd.DataFrame(x, columns=["a", "b", "c"])
    df["t"] = np.minimum(t, c)
    df["d"] = (t <= c).astype(np.int8)
    return df


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    best_wall, best_cpu, out = np.inf, np.inf, None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best_wall, best_cpu, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--layouts", nargs="+", default=["weekly", "continuous"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--repeat-other", type=int, default=1)
    args = parser.parse_args()

    from lifelines import CoxPHFitter

    warnings.simplefilter("ignore")
    rows = []
    for layout in args.layouts:
        for n in args.sizes:
            df = _data(n, layout)
            cov = ["a", "b", "c"]
            ew, ec, fit = _time(lambda df=df, cov=cov: cox(df, "t", "d", cov), args.repeat)
            lw, lc, ll = _time(lambda df=df: CoxPHFitter().fit(df, "t", "d"), args.repeat_other)
            diff = float(np.max(np.abs(fit.coef.to_numpy() - ll.params_[cov].to_numpy())))
            rows.append(
                {
                    "layout": layout,
                    "n": n,
                    "evalkit cpu s": ec,
                    "evalkit wall s": ew,
                    "lifelines cpu s": lc,
                    "lifelines wall s": lw,
                    "ratio (cpu)": lc / ec,
                    "ratio (wall)": lw / ew,
                    "max |coef diff|": diff,
                }
            )
            print(f"{layout:>10} n={n:>9,}: evalkit {ec:.3f} s cpu, lifelines {lc:.3f} s "
                  f"cpu, ratio {lc / ec:.1f}", flush=True)  # fmt: skip
    table = pd.DataFrame(rows)
    print()
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print()
    print(f"load average at the end: {os.getloadavg()} on {os.cpu_count()} cores")
    big = table[table["n"] == max(args.sizes)]
    for _, r in big.iterrows():
        print(f"{r['layout']}: n = {r['n']:,} x 3 covariates (Efron) in {r['evalkit cpu s']:.2f} s "
              f"cpu (target < 2 s)")  # fmt: skip
    print(
        f"smallest ratio lifelines / evalkit (cpu): {table['ratio (cpu)'].min():.1f} (target >= 5)"
    )


if __name__ == "__main__":
    main()
