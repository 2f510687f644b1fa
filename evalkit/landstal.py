"""The national curve (landstal) as a product: ``evalkit landstal PANEL --out landstal.parquet``.

:func:`compute_landstal` streams a national panel (wide Parquet or DREAM wide CSV,
:mod:`evalkit.columnar`) block by block to the survival estimators' sufficient statistics
and writes the Kaplan-Meier curves of time on benefit until self-support by target group
and start quarter (and over all quarters, ``start_quarter = "alle"``), week by week, with
pointwise 95 % confidence limits (log-log). Memory does not grow with the number of persons.

Disclosure: each curve is the Kaplan-Meier estimate of its grouped life table
(:func:`evalkit.disclosure.survival.grouped_life_table`): every count of events and
censorings it rests on is 0 or at least ``threshold``; a group with 1 to ``threshold - 1``
events or censorings in all is left out, and a curve ends at the last week with at least
``threshold`` at risk.

Provenance goes into the Parquet metadata (key ``evalkit.landstal``, JSON): the input's
SHA-256 (over its files' relative paths and bytes), the date, the evalkit version, the
spell rules, the panel's first and last week and the number of persons.
:func:`read_landstal` returns the table and this provenance; a project uses the result as
its landstal with the config key ``landstal:`` (``docs/config.md``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from evalkit._files import atomic_write
from evalkit.columnar import COMPETING, panel_spells
from evalkit.disclosure.survival import grouped_life_table
from evalkit.survival_counts import SurvivalCounts

__all__ = [
    "ALL_QUARTERS",
    "META_KEY",
    "benchmark_rows",
    "compute_landstal",
    "input_sha256",
    "landstal_table",
    "provenance_text",
    "read_landstal",
]

META_KEY = b"evalkit.landstal"
ALL_QUARTERS = "alle"
_COLUMNS = (
    "target_group", "start_quarter", "week", "at_risk", "events", "censored", "survival",
    "lower", "upper", "n",
)  # fmt: skip


def input_sha256(path: str | Path) -> str:
    """SHA-256 over the relative paths and bytes of a file or of every file in a folder."""
    p = Path(path)
    files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file())
    h = hashlib.sha256()
    for f in files:
        h.update(str(f.relative_to(p) if f != p else f.name).encode() + b"\0")
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 22), b""):
                h.update(chunk)
    return h.hexdigest()


def _curve(arr: np.ndarray, threshold: int) -> pd.DataFrame | None:
    """Week-by-week Kaplan-Meier curve from counts (3, T), grouped for disclosure."""
    from scipy.stats import norm

    from evalkit.survival.km import _confint

    ev, ex, en = arr
    n = int(ex.sum())
    if en.any():  # delayed entry: no grouping; counts at risk rise with entries
        at_risk = np.cumsum(ex[::-1])[::-1] - np.cumsum(en[::-1])[::-1]
        d = ev.astype(float)
    elif ev.sum() == 0:  # no exit at all: no curve to draw
        return None
    else:
        t = np.flatnonzero(ex > 0)
        g = grouped_life_table(t, ev[t], ex[t] - ev[t], threshold)
        if g is None:
            return None
        T = ex.size
        gev = np.zeros(T)
        gex = np.zeros(T)
        idx = g["time"].to_numpy().astype(np.int64)
        gev[idx] = g["events"].to_numpy()
        gex[idx] = g["events"].to_numpy() + g["censored"].to_numpy()
        ev, ex = gev, gex
        at_risk = np.cumsum(ex[::-1])[::-1]
        d = ev
    y = at_risk.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(np.where(d > 0, 1.0 - d / y, 1.0))
        se_log = np.sqrt(np.cumsum(np.where(d > 0, d / (y * (y - d)), 0.0)))
        lower, upper = _confint(surv, se_log, "log-log", float(norm.isf(0.025)))
    keep = np.flatnonzero(y >= threshold)
    if keep.size == 0:
        return None
    last = int(keep.max()) + 1
    weeks = np.arange(last)
    return pd.DataFrame(
        {
            "week": weeks.astype(np.int32),
            "at_risk": y[:last].astype(np.int64),
            "events": d[:last].astype(np.int64),
            "censored": (ex[:last] - d[:last]).astype(np.int64),
            "survival": surv[:last],
            "lower": lower[:last],
            "upper": upper[:last],
            "n": np.full(last, n, np.int64),
        }
    )


def landstal_table(counts: SurvivalCounts, threshold: int = 5) -> pd.DataFrame:
    """Curves by target group and start quarter, and by target group over all quarters."""
    frames = []
    groups = counts.groups()
    for tg in sorted({g for g, _ in groups}):
        keys = [k for k in groups if k[0] == tg]
        for quarter, arr in [(ALL_QUARTERS, counts.pooled(keys))] + [
            (k[1], counts.counts[k]) for k in keys
        ]:
            c = _curve(arr, threshold)
            if c is not None:
                frames.append(c.assign(target_group=tg, start_quarter=quarter))
    if not frames:
        return pd.DataFrame({c: [] for c in _COLUMNS})
    return pd.concat(frames, ignore_index=True)[list(_COLUMNS)]


def compute_landstal(
    panel: str | Path,
    out: str | Path,
    *,
    participants: pd.DataFrame | None = None,
    k: int = 4,
    competing: Sequence[str] = COMPETING,
    as_of: dt.date | None = None,
    date: dt.date | None = None,
    threshold: int = 5,
    codes: dict[str, str] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
) -> dict[str, Any]:
    """Compute the national curves of a panel and write them to ``out`` (Parquet).

    Parameters
    ----------
    panel : str or Path
        Wide Parquet panel (file or folder), or DREAM wide CSV or long Parquet
        (``person_id, week, status``; then ``participants``).
    out : str or Path
        The Parquet file to write (atomically).
    participants : DataFrame, optional
        For a CSV or long panel: ``person_id, start_date[, target_group]``.
    k, competing, as_of
        The spell rules (``docs/spells.md``).
    date : date, optional
        The date recorded as computed (default today; fixed for reproducible files).
    threshold : int
        Disclosure threshold (smallest count published).
    codes : dict, optional
        Extra status codes (as ``data.status.codes``).
    workers : int
        Read the files of a Parquet folder on a Dask LocalCluster of this many worker
        processes (:func:`evalkit.columnar.panel_spells`); the result is the same file.
    scheduler : str, optional
        An existing Dask scheduler (``tcp://host:8786``) instead; its workers must see
        the panel at the same path.

    Returns
    -------
    dict
        The provenance written to the metadata.
    """
    res = panel_spells(
        panel, participants, k=k, competing=competing, as_of=as_of, keep_spells=False,
        codes=codes, workers=workers, scheduler=scheduler,
    )  # fmt: skip
    table = landstal_table(res.counts, threshold)
    from evalkit import __version__

    last = res.weeks[-1].date() if len(res.weeks) else None
    if as_of is not None and last is not None:
        last = min(last, as_of)
    prov = {
        "input": Path(panel).name,
        "input_sha256": input_sha256(panel),
        "date": (date or dt.date.today()).isoformat(),
        "evalkit_version": __version__,
        "k": k,
        "competing": list(competing),
        "as_of": as_of.isoformat() if as_of else None,
        "first_week": res.weeks[0].date().isoformat() if len(res.weeks) else None,
        "last_week": last.isoformat() if last else None,
        "n_persons": res.n_persons,
        "n_weeks": res.n_weeks,
        "threshold": threshold,
    }
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    arrow = arrow.replace_schema_metadata(
        {**(arrow.schema.metadata or {}), META_KEY: json.dumps(prov, sort_keys=True).encode()}
    )
    atomic_write(out, lambda tmp: pq.write_table(arrow, tmp))
    return prov


def read_landstal(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The table and provenance of a file written by :func:`compute_landstal`.

    Raises
    ------
    ValueError
        When the file is not a landstal file (no provenance or missing columns).
    """
    t = pq.read_table(path)
    meta = (t.schema.metadata or {}).get(META_KEY)
    if meta is None:
        raise ValueError(f"{path}: expected a file written by 'evalkit landstal' (no provenance)")
    frame = t.to_pandas()
    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: expected the columns {list(_COLUMNS)}; missing {missing}")
    return frame, json.loads(meta)


def benchmark_rows(
    path: str | Path, target_group: str, start_quarter: str = ALL_QUARTERS
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One curve of a landstal file as canonical benchmark rows (``U000``, ``U001``, ...).

    The rows are those of a Jobindsats-style national curve (``area`` "Hele landet",
    ``measure`` "andel_paa_ydelse"), so the report and the criterion
    ``survival_vs_reference`` use it as they use such a curve.

    Raises
    ------
    ValueError
        For a file that is not a landstal file or has no such curve (naming the curves it has).
    """
    table, prov = read_landstal(path)
    rows = table[
        (table["target_group"] == target_group) & (table["start_quarter"] == start_quarter)
    ]
    if len(rows) == 0:
        have = sorted(
            {f"{g}/{q}" for g, q in zip(table.target_group, table.start_quarter, strict=True)}
        )
        raise ValueError(
            f"{path}: no curve for target group {target_group!r} and start quarter "
            f"{start_quarter!r}; the file has {have[:8]}"
        )
    rows = rows.sort_values("week")
    bench = pd.DataFrame(
        {
            "area": "Hele landet",
            "period": [f"U{w:03d}" for w in rows["week"]],
            "measure": "andel_paa_ydelse",
            "group": target_group,
            "value": rows["survival"].to_numpy(float),
        }
    )
    prov = {**prov, "target_group": target_group, "start_quarter": start_quarter}
    return bench, prov


def provenance_text(prov: dict[str, Any]) -> str:
    """One Danish sentence saying where a landstal curve comes from."""
    from evalkit.formatting import fmt_date, fmt_number

    quarter = (
        "alle startkvartaler"
        if prov.get("start_quarter", ALL_QUARTERS) == ALL_QUARTERS
        else f"start i {prov['start_quarter'].replace('K', '. kvartal ')}"
    )
    first = dt.date.fromisoformat(prov["first_week"])
    last = dt.date.fromisoformat(prov["last_week"])
    return (
        f"Landstallet er beregnet med evalkit landstal (version {prov['evalkit_version']}) "
        f"den {fmt_date(prov['date'])} over landspanelet «{prov['input']}» med "
        f"{fmt_number(prov['n_persons'])} personer, ugerne {first.isocalendar()[1]}/"
        f"{first.isocalendar()[0]} til {last.isocalendar()[1]}/{last.isocalendar()[0]}: "
        f"Kaplan-Meier for målgruppen {prov['target_group']}, {quarter}, afgang efter "
        f"{prov['k']} sammenhængende uger uden ydelse. Inputtets SHA-256 begynder "
        f"{prov['input_sha256'][:12]}."
    )
