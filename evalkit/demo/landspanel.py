"""A synthetic national panel of any size as wide Parquet, partitioned by kommune.

:func:`generate_landspanel` writes ``<out>/kommune=<name>/part-NNN.parquet``: one row per
person with ``person_id``, ``target_group``, ``start_date``, ``age``, ``sex``, ``origin``,
``education`` and a status column ``y_YYWW`` per ISO week (dictionary-encoded strings, the
categories of ``STATUS_CATEGORIES``), the wide layout of ``docs/data-format.md`` that
:mod:`evalkit.columnar` and ``evalkit landstal`` read. Persons are simulated as in
:mod:`evalkit.demo.generate` (Weibull time to self-support with the planted covariate
effects, competing exits with a weekly hazard of 0.004, returns to benefit), drawn like the
comparison pool: the jobparat curve is the comparison arm's true curve of the Aalborg demo
(``lam`` 0.03, shape 0.9), so ``evalkit landstal`` over this panel estimates it.

The panel is generated kommune by kommune in chunks of at most ``chunk`` persons, each from
its own random stream (seed, kommune, chunk), so 5,000,000 persons need no more memory than
one chunk, and the same arguments give the same files.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from evalkit.demo._simulate import _COMPETING, _COMPETING_P, Group, _covariates, _eta
from evalkit.demo.national import KOMMUNER
from evalkit.schemas import STATUS_CATEGORIES

__all__ = [
    "DEMO_DATE",
    "DEMO_PERSONS",
    "GROUPS",
    "LANDSPANEL_FIRST_WEEK",
    "demo_landstal",
    "generate_landspanel",
    "kommune_counts",
]

# target groups of the panel: share of persons and the planted Weibull time to self-support
GROUPS: tuple[tuple[Group, float], ...] = (
    (Group("jobparat", 0, "kontanthjaelp", lam=0.03, shape=0.9, prior_weeks=4), 0.7),
    (Group("aktivitetsparat", 0, "kontanthjaelp", lam=0.004, shape=1.0, prior_weeks=30), 0.3),
)
LANDSPANEL_FIRST_WEEK = dt.date(2016, 1, 4)  # ISO 2016-W01
_FOLLOW = 26  # every start has at least 26 panel weeks after it
_COMP_RATE = 0.004
_K = 4


def kommune_counts(n: int) -> dict[str, int]:
    """Persons per kommune for ``n`` in all: by population, largest remainder (sums to n)."""
    pop = np.array([p for _, p in KOMMUNER], dtype=float)
    exact = n * pop / pop.sum()
    base = np.floor(exact).astype(np.int64)
    rest = n - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")[:rest]
    base[order] += 1
    return {name: int(c) for (name, _), c in zip(KOMMUNER, base, strict=True)}


def _status_codes(
    rng: np.random.Generator,
    start: np.ndarray,
    n_weeks: int,
    eta: np.ndarray,
    lam: np.ndarray,
    shape: np.ndarray,
    prior_weeks: np.ndarray,
    benefit: int,
) -> np.ndarray:
    """int8 status matrix (persons x weeks), the model of ``_simulate_status``."""
    n = len(start)
    e = rng.exponential(1.0, n)
    t_self = np.ceil((e / (lam * np.exp(eta))) ** (1.0 / shape)).astype(np.int64)
    t_comp = np.ceil(rng.exponential(1.0 / _COMP_RATE, n)).astype(np.int64)
    cause = rng.choice(len(_COMPETING), n, p=_COMPETING_P)
    run1 = _K + rng.geometric(1 / 40, n)
    back = rng.geometric(1 / 12, n)
    prior = np.minimum(prior_weeks, rng.integers(1, prior_weeks + 1, n) + 4)
    comp_code = np.array([STATUS_CATEGORIES.index(c) for c in _COMPETING], np.int8)[cause]
    # clip the person times to the panel so int32 is enough
    cap = n_weeks + 1
    t_self, t_comp = np.minimum(t_self, cap), np.minimum(t_comp, cap)
    ends = np.minimum(t_self + run1, cap), np.minimum(t_self + run1 + back, cap)
    tau = np.arange(n_weeks, dtype=np.int32)[None, :] - start.astype(np.int32)[:, None]
    status = np.where(tau >= -prior[:, None], np.int8(benefit), np.int8(0))
    competed = (t_comp < t_self)[:, None] & (tau >= t_comp[:, None])
    status[competed] = np.broadcast_to(comp_code[:, None], status.shape)[competed]
    after = (t_comp >= t_self)[:, None] & (tau >= t_self[:, None])
    self_run = after & ((tau < ends[0][:, None]) | (tau >= ends[1][:, None]))
    status[self_run] = 0
    return status


def _person_ids(kommune_code: int, first: int, n: int) -> pa.Array:
    num = pc.cast(pa.array(np.arange(first + 1, first + n + 1, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(f"L{kommune_code:02d}", pc.utf8_lpad(num, 7, "0"), "")


def generate_landspanel(
    out_dir: str | Path,
    n: int,
    seed: int = 2024,
    n_weeks: int = 156,
    first_week: dt.date = LANDSPANEL_FIRST_WEEK,
    chunk: int = 100_000,
    only: Sequence[str] | None = None,
    layout: str = "wide",
) -> Path:
    """Write a national panel of ``n`` persons as wide Parquet, partitioned by kommune.

    Parameters
    ----------
    out_dir : str or Path
        The panel folder (written to a temporary sibling and moved into place).
    n : int
        Persons in all (spread over the 98 kommuner by population).
    seed : int
        Random seed; the same arguments give the same files.
    n_weeks : int
        Panel weeks from ``first_week`` (starts lie in the first ``n_weeks - 26``).
    first_week : date
        Monday of the first week.
    chunk : int
        Persons generated (and written) at a time (and per row group).
    only : sequence of str, optional
        Write only these kommuner, with the persons they have in the panel of ``n``: a
        part of a panel too large to write, with the same files (benchmarks).

    Returns
    -------
    Path
        The panel folder.
    """
    if layout not in ("wide", "packed"):
        raise ValueError(f"layout must be 'wide' or 'packed', but was {layout!r}")
    if n < 1 or n_weeks <= _FOLLOW:
        raise ValueError(f"n must be >= 1 and n_weeks > {_FOLLOW}, but were {n} and {n_weeks}")
    out = Path(out_dir)
    tmp = out.with_name(out.name + ".tmp")
    if tmp.exists():
        import shutil

        shutil.rmtree(tmp)
    weeks = pd.date_range(pd.Timestamp(first_week), periods=n_weeks, freq="7D")
    iso = weeks.isocalendar()
    names = [f"y_{y % 100:02d}{w:02d}" for y, w in zip(iso.year, iso.week, strict=True)]
    dictionary = pa.array(list(STATUS_CATEGORIES), pa.string())
    tg_dict = pa.array([g.name for g, _ in GROUPS], pa.string())
    share = np.array([s for _, s in GROUPS])
    benefit = STATUS_CATEGORIES.index("kontanthjaelp")
    chunk = max(1_000, min(chunk, 20_000_000 // n_weeks))  # about 20 M cells per chunk
    for code, (kommune, count) in enumerate(kommune_counts(n).items()):
        if only is not None and kommune not in only:
            continue
        folder = tmp / f"kommune={kommune}"
        for part, first in enumerate(range(0, count, chunk)):
            m = min(chunk, count - first)
            rng = np.random.default_rng([seed, 314, code, part])
            cov = _covariates(rng, m, comparison=True)
            g = rng.choice(len(GROUPS), m, p=share)
            lam = np.array([gr.lam for gr, _ in GROUPS])[g]
            shp = np.array([gr.shape for gr, _ in GROUPS])[g]
            prior = np.array([gr.prior_weeks for gr, _ in GROUPS])[g]
            start = rng.integers(0, n_weeks - _FOLLOW, m)
            day = rng.integers(0, 5, m)
            status = _status_codes(rng, start, n_weeks, _eta(cov), lam, shp, prior, benefit)
            start_date = (weeks[start] + pd.to_timedelta(day, unit="D")).to_numpy("datetime64[D]")
            cols = {
                "person_id": _person_ids(code, first, m),
                "target_group": pa.DictionaryArray.from_arrays(
                    pa.array(g.astype(np.int8)), tg_dict
                ),
                "start_date": pa.array(start_date, pa.date32()),
                "age": pa.array(cov["age"].to_numpy(np.int16)),
                "sex": pa.array(cov["sex"].to_numpy()),
                "origin": pa.array(cov["origin"].to_numpy()),
                "education": pa.array(cov["education"].to_numpy()),
            }
            if layout == "packed":
                data = pa.py_buffer(np.ascontiguousarray(status).tobytes())
                cols["status_" + names[0][2:]] = pa.FixedSizeBinaryArray.from_buffers(
                    pa.binary(n_weeks), m, [None, data]
                )
            for j, name in enumerate(names if layout == "wide" else []):
                cols[name] = pa.DictionaryArray.from_arrays(
                    pa.array(np.ascontiguousarray(status[:, j])), dictionary
                )
            del status
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(
                pa.table(cols),
                folder / f"part-{part:03d}.parquet",
                row_group_size=chunk,  # one row group per chunk
                compression="snappy",  # Arrow's, DuckDB's and Spark's default
            )
    if out.exists():
        import shutil

        shutil.rmtree(out)
    os.replace(tmp, out)
    return out


DEMO_PERSONS = 50_000
DEMO_DATE = dt.date(2019, 1, 2)  # the demo landstal's "computed" date (fixed: same bytes)


def demo_landstal(out_dir: str | Path, seed: int = 2024) -> Path:
    """The demo's national panel (50,000 persons, 2016-2018) and its landstal.

    Writes ``<out>/landspanel/`` and ``<out>/landstal.parquet`` (``evalkit landstal`` over
    the panel, recorded as computed on :data:`DEMO_DATE`); the Aalborg demo config uses it
    as its national curve (``landstal:``).
    """
    from evalkit.landstal import compute_landstal

    out = Path(out_dir)
    panel = generate_landspanel(out / "landspanel", DEMO_PERSONS, seed=seed, n_weeks=156)
    target = out / "landstal.parquet"
    compute_landstal(panel, target, date=DEMO_DATE)
    return target
