"""National demo panel: jobparate kontanthjælpsmodtagere in all 98 Danish kommuner.

:func:`generate_national` writes ``<out>/national/`` (Parquet, the same column names as
the seed projects): participants with a ``kommune`` column, a DREAM-like long weekly
panel, activities (virksomhedspraktik, løntilskud, småjob) and Jobindsats-like benchmarks
(the national curve and the monthly number of jobparate per kommune). The config
``projects/landsdaekkende-jobparate.yaml`` reads it, and
``evalkit run projects/landsdaekkende-jobparate.yaml --by kommune`` renders one report per
kommune.

Persons are simulated as in :mod:`evalkit.demo.generate` (Weibull time to self-support,
competing exits, returns to benefit), with a planted effect per kommune: a log hazard
ratio, a share in company-based activity and a trend in the number of jobparate (see
:func:`kommune_effects`). Sizes follow the population (:data:`KOMMUNER`), 40-400 persons
per kommune, about 6,000 in all; generation takes about a second.

Example
-------
>>> from evalkit.demo.national import generate_national   # doctest: +SKIP
>>> files = generate_national("data_raw/demo")              # doctest: +SKIP
>>> files["participants"].name                              # doctest: +SKIP
'deltagere.parquet'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.demo._writers import _write_table
from evalkit.demo.generate import (
    ACT_COLUMNS,
    BENCH_COLUMNS,
    CODE,
    PART_COLUMNS,
    Group,
    _covariates,
    _eta,
    _monday,
    _simulate_status,
    _weeks,
)

__all__ = [
    "FOLDER",
    "KOMMUNER",
    "PERIOD",
    "generate_national",
    "kommune_effects",
    "kommune_sizes",
]

FOLDER = "national"
PERIOD = (dt.date(2022, 1, 3), dt.date(2022, 12, 25))

# The 98 kommuner with their population in thousands (Danmarks Statistik, 1 January 2023,
# rounded); the population only sets the demo sizes.
KOMMUNER: tuple[tuple[str, float], ...] = (
    # Region Hovedstaden
    ("København", 654), ("Frederiksberg", 104), ("Albertslund", 28), ("Ballerup", 49),
    ("Brøndby", 35), ("Dragør", 14), ("Gentofte", 75), ("Gladsaxe", 70), ("Glostrup", 24),
    ("Herlev", 30), ("Hvidovre", 54), ("Høje-Taastrup", 51), ("Ishøj", 24),
    ("Lyngby-Taarbæk", 57), ("Rødovre", 41), ("Tårnby", 44), ("Vallensbæk", 17),
    ("Allerød", 26), ("Egedal", 44), ("Fredensborg", 41), ("Frederikssund", 46),
    ("Furesø", 41), ("Gribskov", 41), ("Halsnæs", 31), ("Helsingør", 63), ("Hillerød", 52),
    ("Hørsholm", 25), ("Rudersdal", 57), ("Bornholm", 39),
    # Region Sjælland
    ("Greve", 51), ("Køge", 62), ("Lejre", 29), ("Roskilde", 90), ("Solrød", 24),
    ("Faxe", 37), ("Guldborgsund", 60), ("Holbæk", 72), ("Kalundborg", 49), ("Lolland", 40),
    ("Næstved", 84), ("Odsherred", 33), ("Ringsted", 35), ("Slagelse", 80), ("Sorø", 30),
    ("Stevns", 23), ("Vordingborg", 46),
    # Region Syddanmark
    ("Assens", 41), ("Billund", 27), ("Esbjerg", 116), ("Fanø", 3.5), ("Fredericia", 52),
    ("Faaborg-Midtfyn", 52), ("Haderslev", 56), ("Kerteminde", 24), ("Kolding", 95),
    ("Langeland", 12), ("Middelfart", 39), ("Nordfyns", 29), ("Nyborg", 32),
    ("Odense", 207), ("Svendborg", 59), ("Sønderborg", 74), ("Tønder", 37), ("Varde", 50),
    ("Vejen", 43), ("Vejle", 120), ("Ærø", 6), ("Aabenraa", 59),
    # Region Midtjylland
    ("Favrskov", 49), ("Hedensted", 47), ("Horsens", 98), ("Norddjurs", 37), ("Odder", 23),
    ("Randers", 99), ("Samsø", 3.7), ("Silkeborg", 98), ("Skanderborg", 64),
    ("Syddjurs", 43), ("Aarhus", 361), ("Herning", 90), ("Holstebro", 59),
    ("Ikast-Brande", 42), ("Lemvig", 19), ("Ringkøbing-Skjern", 56), ("Skive", 46),
    ("Struer", 21), ("Viborg", 97),
    # Region Nordjylland
    ("Brønderslev", 36), ("Frederikshavn", 59), ("Hjørring", 64), ("Jammerbugt", 38),
    ("Læsø", 1.8), ("Mariagerfjord", 42), ("Morsø", 20), ("Rebild", 30), ("Thisted", 43),
    ("Vesthimmerlands", 36), ("Aalborg", 220),
)  # fmt: skip

_GROUP = Group("jobparat", 0, "kontanthjaelp", lam=0.08, shape=0.9, prior_weeks=4)
_PER_THOUSAND = 0.8  # persons per 1,000 inhabitants (then clipped to 40-400)
_FOLLOWUP_WEEKS = 30  # panel weeks after the period, so every start has 26 weeks
_LEAD_WEEKS = 8  # panel weeks before the period (benefit before start)


def kommune_sizes(
    kommuner: Sequence[str] | None = None, min_n: int = 40, max_n: int = 400
) -> dict[str, int]:
    """Persons simulated per kommune: about 0.8 per 1,000 inhabitants, within [min_n, max_n].

    Parameters
    ----------
    kommuner : sequence of str, optional
        A subset of the names in :data:`KOMMUNER` (default all 98).
    min_n, max_n : int
        Bounds of the size of one kommune.

    Raises
    ------
    ValueError
        For a name that is not one of the 98 kommuner.
    """
    population = dict(KOMMUNER)
    names = list(population) if kommuner is None else list(kommuner)
    unknown = [k for k in names if k not in population]
    if unknown:
        raise ValueError(f"kommuner must be names from KOMMUNER, but got {unknown!r}")
    return {k: int(np.clip(round(population[k] * _PER_THOUSAND), min_n, max_n)) for k in names}


def kommune_effects(seed: int = 2024) -> pd.DataFrame:
    """The planted effect of each of the 98 kommuner (deterministic from ``seed``).

    Returns
    -------
    DataFrame
        Index ``kommune``; columns ``log_hr`` (log hazard ratio of leaving benefit),
        ``p_company`` (share with company-based activity) and ``trend`` (relative change
        of the number of jobparate over the period).
    """
    rng = np.random.default_rng([seed, 98])
    n = len(KOMMUNER)
    return pd.DataFrame(
        {
            "log_hr": rng.normal(0.0, 0.25, n).round(4),
            "p_company": np.clip(rng.normal(0.6, 0.12, n), 0.15, 0.9).round(4),
            "trend": rng.normal(-0.08, 0.07, n).round(4),
        },
        index=pd.Index([k for k, _ in KOMMUNER], name="kommune"),
    )


def generate_national(
    out_dir: str | Path, seed: int = 2024, kommuner: Sequence[str] | None = None
) -> dict[str, Path]:
    """Simulate the national panel and write it to ``out_dir/national/``.

    Parameters
    ----------
    out_dir : str or Path
        The demo data folder (``data_raw/demo``).
    seed : int
        Random seed; the same seed and kommuner give byte-identical files.
    kommuner : sequence of str, optional
        Only these kommuner (for fast tests); default all 98. A kommune's persons and
        planted effects do not depend on which other kommuner are generated.

    Returns
    -------
    dict of str to Path
        Table name -> file written.
    """
    sizes = kommune_sizes(kommuner)
    effects = kommune_effects(seed).loc[list(sizes)]
    start, end = PERIOD
    weeks = _weeks(
        start - dt.timedelta(weeks=_LEAD_WEEKS), end + dt.timedelta(weeks=_FOLLOWUP_WEEKS)
    )
    first_start = int((pd.Timestamp(_monday(start)) - weeks[0]).days // 7)
    intake = int((pd.Timestamp(_monday(end)) - pd.Timestamp(_monday(start))).days // 7) + 1

    parts, statuses, hours_all, acts = [], [], [], []
    offset = 0
    for kommune, n in sizes.items():
        rng = np.random.default_rng([seed, 98, _code(kommune)])
        eff = effects.loc[kommune]
        cov = _covariates(rng, n, comparison=False)
        start_idx = first_start + rng.integers(0, intake, n)
        eta = _eta(cov) + eff["log_hr"]
        status, hours = _simulate_status(rng, start_idx, len(weeks), eta, _GROUP, 0.004, 4)
        ids = np.array([f"PNAT{i:06d}" for i in range(offset + 1, offset + n + 1)], dtype=object)
        # company-based activity: praktik, løntilskud or småjob (with ordinary hours)
        company = rng.random(n) < eff["p_company"]
        kind = rng.choice(["virksomhedspraktik", "loentilskud", "smaajob"], n, p=[0.5, 0.15, 0.35])
        a_start = start_idx + rng.integers(1, 16, n)
        a_len = rng.integers(4, 14, n)
        a_hours = np.where(kind == "smaajob", rng.integers(4, 16, n), rng.integers(15, 31, n))
        tau = np.arange(len(weeks))[None, :] - a_start[:, None]
        in_job = (company & (kind == "smaajob"))[:, None] & (tau >= 0) & (tau < a_len[:, None])
        on_benefit = status != "selvforsoergende"
        hours = np.where(in_job & on_benefit, a_hours[:, None].astype(float), hours)
        rows = np.flatnonzero(company)
        acts.append(
            pd.DataFrame(
                {
                    "person_id": ids[rows],
                    "type": kind[rows],
                    "start_date": weeks[np.clip(a_start[rows], 0, len(weeks) - 1)],
                    "end_date": weeks[np.clip(a_start[rows] + a_len[rows] - 1, 0, len(weeks) - 1)]
                    + pd.Timedelta(days=4),
                    "hours": a_hours[rows].astype(float),
                    "detail": np.where(kind[rows] == "smaajob", "hel", "ingen"),
                    "completed": np.nan,
                }
            )
        )
        started = weeks[start_idx] + pd.to_timedelta(rng.integers(0, 5, n), unit="D")
        left = (np.arange(len(weeks))[None, :] >= start_idx[:, None]) & (status != _GROUP.benefit)
        tau_end = np.where(left.any(axis=1), np.argmax(left, axis=1), start_idx + 52)
        tau_end = np.minimum(tau_end, start_idx + 52)
        ended = pd.DatetimeIndex(weeks[np.minimum(tau_end, len(weeks) - 1)]) + pd.Timedelta(days=4)
        parts.append(
            cov.assign(
                person_id=ids,
                arm="indsats",
                target_group=_GROUP.name,
                start_date=started.normalize(),
                end_date=ended.where(ended <= pd.Timestamp(end)),
                kommune=kommune,
                benefit_weeks_prior=_GROUP.prior_weeks,
            )
        )
        statuses.append(status)
        hours_all.append(hours)
        offset += n

    participants = pd.concat(parts, ignore_index=True)
    status = np.vstack(statuses)
    hours = np.vstack(hours_all)
    activities = pd.concat(acts, ignore_index=True).sort_values(
        ["start_date", "person_id"], kind="stable"
    )
    out = Path(out_dir) / FOLDER
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    inv = {v: k for k, v in PART_COLUMNS.items()}
    part_out = participants.rename(columns=inv)
    files["participants"] = _write_table(
        part_out[[c for c in PART_COLUMNS if c in part_out.columns]], out / "deltagere", "parquet"
    )
    codes = np.vectorize(CODE.__getitem__, otypes=[object])(status)
    long = pd.DataFrame(
        {
            "person_id": np.repeat(participants["person_id"].to_numpy(), len(weeks)),
            "uge": np.tile(weeks.strftime("%G%V").astype(int), len(participants)),
            "ydelse": codes.ravel(),
            "timer": hours.ravel(),
        }
    )
    files["status"] = _write_table(long, out / "ydelser", "parquet")
    files["activities"] = _write_table(
        activities.rename(columns={v: k for k, v in ACT_COLUMNS.items()})[list(ACT_COLUMNS)],
        out / "aktiviteter",
        "parquet",
    )
    bench = _benchmarks(seed, sizes)
    files["benchmarks"] = _write_table(
        bench.rename(columns={v: k for k, v in BENCH_COLUMNS.items()}), out / "landstal", "parquet"
    )
    return files


def _code(kommune: str) -> int:
    return next(i for i, (k, _) in enumerate(KOMMUNER) if k == kommune)


def _benchmarks(seed: int, sizes: dict[str, int]) -> pd.DataFrame:
    """The national curve and the monthly number of jobparate per kommune and nationally.

    The curve is the mixture ``mean_i exp(-lam exp(eta_i) t^shape)`` over 20,000 persons
    spread over all 98 kommuner by size, each with their kommune's planted effect, so it
    is the same whichever kommuner are generated. "Hele landet" counts are the sum over
    all 98 kommuner' planted levels.
    """
    rng = np.random.default_rng([seed, 98, 1000])
    every = kommune_effects(seed)
    all_sizes = kommune_sizes()
    weight = np.array([all_sizes[k] for k in every.index], dtype=float)
    nat = _covariates(rng, 20_000, comparison=False)
    k = rng.choice(len(every), len(nat), p=weight / weight.sum())
    eta = _eta(nat) + every["log_hr"].to_numpy()[k]
    t = np.arange(0, 105)
    surv = np.exp(-_GROUP.lam * np.exp(eta)[:, None] * t[None, :] ** _GROUP.shape).mean(axis=0)
    rows = [
        pd.DataFrame(
            {
                "area": "Hele landet",
                "period": [f"U{w:03d}" for w in t],
                "measure": "andel_paa_ydelse",
                "group": _GROUP.name,
                "value": surv.round(6),
            }
        )
    ]
    start, end = PERIOD
    months = pd.date_range(pd.Timestamp(start) - pd.DateOffset(months=1), end, freq="MS")
    periods = months.strftime("%YM%m")
    ramp = np.linspace(0.0, 1.0, len(months))

    def level(kommune: str, n: int) -> np.ndarray:
        return 2.5 * n * (1 + every.loc[kommune, "trend"] * ramp)

    for kommune, n in sizes.items():
        noise = np.random.default_rng([seed, 98, _code(kommune), 1]).normal(0, 0.01 * n, len(ramp))
        rows.append(
            pd.DataFrame(
                {
                    "area": kommune,
                    "period": periods,
                    "measure": "antal_jobparate",
                    "group": _GROUP.name,
                    "value": np.round(level(kommune, n) + noise).clip(1),
                }
            )
        )
    total = sum(level(k, n) for k, n in all_sizes.items())
    rows.append(
        pd.DataFrame(
            {
                "area": "Hele landet",
                "period": periods,
                "measure": "antal_jobparate",
                "group": _GROUP.name,
                "value": np.round(total),
            }
        )
    )
    return pd.concat(rows, ignore_index=True)
