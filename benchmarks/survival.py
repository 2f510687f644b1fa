"""Benchmark: evalkit survival estimators vs lifelines, statsmodels and a bincount floor.

Run: ``.venv/bin/python benchmarks/survival.py [--n 10000000] [--n-other N]``

Generates ``--n`` weekly spells (durations 1-260, two groups, fixed seed) and times in the
same run: Kaplan-Meier (evalkit, lifelines ``KaplanMeierFitter``, statsmodels
``SurvfuncRight``, a bare ``np.bincount`` floor) and the log-rank test (evalkit,
lifelines ``logrank_test``, statsmodels ``survdiff``). The other libraries are timed at
``--n-other`` spells (default: the same ``--n``) and evalkit again at that size, so
ratios always compare equal sizes. Also reports the peak memory (tracemalloc) of the
evalkit calls relative to the input arrays. Not a test; prints a Markdown table.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings
from collections.abc import Callable

import numpy as np

from evalkit.survival import kaplan_meier, logrank


def _data(n: int, seed: int = 20240501):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 2, n).astype(np.int8)
    # weekly hazard 1.5 % (group 0) or 1.2 % (group 1); administrative end at 260 weeks
    p = np.where(group == 0, 0.015, 0.012)
    dur = rng.geometric(p)
    cens = rng.integers(1, 261, n)
    events = (dur <= cens).astype(np.int8)
    durations = np.minimum(dur, cens).astype(np.int64)
    return durations, events, group


def _time(fn: Callable[[], object], repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return float(best)


def _floor_km(durations, events):
    tot = np.bincount(durations)
    ev = np.bincount(durations, weights=events)
    risk = np.cumsum(tot[::-1])[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.cumprod(1 - np.where(risk > 0, ev / risk, 0.0))


def _peak(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--n-other", type=int, default=None, help="size for lifelines/statsmodels")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n, n_other = args.n, args.n_other or args.n

    import pandas as pd
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test
    from statsmodels.duration.survfunc import SurvfuncRight, survdiff

    warnings.simplefilter("ignore")
    dur, ev, grp = _data(n)
    rows = []
    t_km = _time(lambda: kaplan_meier(dur, ev), args.repeat)
    t_floor = _time(lambda: _floor_km(dur, ev), args.repeat)
    t_lr = _time(lambda: logrank(dur, ev, grp), args.repeat)
    rows.append(("KM", "evalkit kaplan_meier", n, t_km, 1.0))
    rows.append(("KM", "np.bincount floor", n, t_floor, t_km / t_floor))
    rows.append(("log-rank", "evalkit logrank", n, t_lr, 1.0))

    d2, e2, g2 = (dur, ev, grp) if n_other == n else _data(n_other)
    t_km2 = t_km if n_other == n else _time(lambda: kaplan_meier(d2, e2), args.repeat)
    t_lr2 = t_lr if n_other == n else _time(lambda: logrank(d2, e2, g2), args.repeat)
    rep = 1
    t_ll = _time(lambda: KaplanMeierFitter().fit(d2, e2), rep)
    rows.append(("KM", "lifelines KaplanMeierFitter", n_other, t_ll, t_ll / t_km2))
    t_sm = _time(lambda: SurvfuncRight(d2, e2), rep)
    rows.append(("KM", "statsmodels SurvfuncRight", n_other, t_sm, t_sm / t_km2))
    a, b = g2 == 0, g2 == 1
    t_lllr = _time(lambda: logrank_test(d2[a], d2[b], e2[a], e2[b]), rep)
    rows.append(("log-rank", "lifelines logrank_test", n_other, t_lllr, t_lllr / t_lr2))
    t_smlr = _time(lambda: survdiff(d2, e2, g2), rep)
    rows.append(("log-rank", "statsmodels survdiff", n_other, t_smlr, t_smlr / t_lr2))

    inp = dur.nbytes + ev.nbytes
    mem_km = _peak(lambda: kaplan_meier(dur, ev)) / inp
    mem_lr = _peak(lambda: logrank(dur, ev, grp)) / (inp + grp.nbytes)

    table = pd.DataFrame(
        rows, columns=["task", "implementation", "n", "seconds", "ratio (x evalkit)"]
    )
    table["n"] = table["n"].map(lambda v: f"{v:,}")
    table["seconds"] = table["seconds"].map(lambda v: f"{v:.3f}")
    table["ratio (x evalkit)"] = table["ratio (x evalkit)"].map(lambda v: f"{v:.2f}")
    print(table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False))
    print()
    print(f"KM at n = {n:,}: {t_km / t_floor:.2f}x the bincount floor (target <= 3)")
    print(f"KM: lifelines / evalkit = {t_ll / t_km2:.1f} (target >= 5)")
    print(f"log-rank: statsmodels survdiff / evalkit = {t_smlr / t_lr2:.1f} (target >= 5)")
    print(f"peak memory / input arrays: KM {mem_km:.2f}, log-rank {mem_lr:.2f} (target < 3)")
    print(f"input: durations int64, events int8, groups int8; {inp / 1e6:.0f} MB for KM")


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
