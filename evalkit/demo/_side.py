"""Side data of the demo projects: ordinary hours in praktik, the Joblog extract, survey
answers and the Jobindsats-like benchmark tables.

The hours and the Joblog come from their own random streams, so that adding them did not
change anything else in a project's data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from evalkit.demo._definitions import jobcentre_unemployment, joblog_week
from evalkit.demo._planted import PLANTED
from evalkit.demo._simulate import _covariates, _eta, _monday

if TYPE_CHECKING:
    from evalkit.demo.generate import DemoProject

__all__: list[str] = []


def _praktik_hours(
    seed: int,
    slug: str,
    s: np.ndarray,
    n_weeks: int,
    slope: np.ndarray,
    status: np.ndarray,
    hours: np.ndarray,
) -> np.ndarray:
    """Ordinary hours of praktik participants while on benefit (see PLANTED)."""
    rng = np.random.default_rng([seed, sum(map(ord, slug)), 1])
    truth = PLANTED["herning-transport"]
    n = len(s)
    ever = rng.random(n) < truth["p_hours_after_praktik"]
    first = s + rng.geometric(1 / truth["weeks_to_first_hours"], n) - 1
    start_h = rng.integers(4, 9, n).astype(float)
    tau = np.arange(n_weeks)[None, :] - first[:, None]
    h = np.minimum(start_h[:, None] + tau * slope * 4, 30.0)
    h = np.round(h * 2) / 2
    # a week without shifts now and then, but never the first week with hours
    h = np.where((rng.random((n, n_weeks)) < 0.1) & (tau != 0), 0.0, h)
    on_benefit = status != "selvforsoergende"
    paid = ever[:, None] & (tau >= 0) & on_benefit
    return np.where(paid, h, np.where(on_benefit, 0.0, hours))


def _joblog(
    seed: int, spec: DemoProject, participants: pd.DataFrame, weeks: pd.DatetimeIndex
) -> pd.DataFrame:
    """Joblog extract: one row per person and week with jobs applied for (see PLANTED).

    Users log in about 85 % of the weeks of a window (13 weeks before the start week, and
    from it up to 26 weeks or the end date); a person's level is gamma(5, 1/5) times the
    group's weekly rate; the extract runs to the project end. Side stream: nothing else in
    the project changes.
    """
    rng = np.random.default_rng([seed, sum(map(ord, spec.slug)), 2])
    truth = PLANTED[spec.slug]
    rows = []
    last = pd.Timestamp(_monday(spec.project_end))
    for group, g in participants.groupby("target_group", sort=True):
        n = len(g)
        pb, pd_ = truth[f"joblog_use_before_{group}"], truth[f"joblog_use_during_{group}"]
        use_b = rng.random(n) < pb
        use_d = use_b | (rng.random(n) < (pd_ - pb) / (1 - pb))
        level = rng.gamma(5.0, 1 / 5.0, n)
        start = g["start_date"] - pd.to_timedelta(g["start_date"].dt.dayofweek, unit="D")
        end = g["end_date"].fillna(last)
        for w, offsets, use in (("before", range(-13, 0), use_b), ("during", range(26), use_d)):
            rate = truth[f"joblog_rate_{w}_{group}"]
            ids = g["person_id"].to_numpy()
            rows += [joblog_week(rng, ids, start, k, use, end, last, rate, level) for k in offsets]
    log = pd.concat(rows, ignore_index=True)
    return log.sort_values(["date", "person_id"], kind="stable").reset_index(drop=True)


def _as_jobindsats(bench: pd.DataFrame, extras: tuple[str, ...]) -> pd.DataFrame:
    """Write shares as Jobindsats does (percent) for the projects that say so.

    ``pct_all``: every value in percent (the config says ``unit: percent``);
    ``pct_column``: monthly shares in percent with a unit column ``enhed`` (``Pct.``,
    ``andel`` for the curve, ``antal`` for counts).
    """
    if "pct_all" in extras:
        return bench.assign(value=(bench["value"] * 100).round(2))
    if "pct_column" in extras:
        monthly = bench["period"].str.match(r"^\d{4}M\d{2}$") & bench["measure"].str.startswith(
            "andel"
        )
        out = bench.assign(value=np.where(monthly, (bench["value"] * 100).round(2), bench["value"]))
        share = bench["measure"].str.startswith("andel")
        out["unit"] = np.where(monthly, "Pct.", np.where(share, "andel", "antal"))
        return out
    return bench


def _benchmarks(
    rng: np.random.Generator,
    spec: DemoProject,
    participants: pd.DataFrame,
    weeks: pd.DatetimeIndex,
    seed: int = 2024,
) -> pd.DataFrame:
    """National curve (mixture over a simulated national population) and monthly indicators."""
    rows: list[pd.DataFrame] = []
    g = spec.groups[0]
    nat = _covariates(rng, 20_000, comparison=True)
    eta = _eta(nat)
    t = np.arange(0, 105)
    surv = np.exp(-g.lam * np.exp(eta)[:, None] * t[None, :] ** g.shape).mean(axis=0)
    rows.append(
        pd.DataFrame(
            {
                "area": "Hele landet",
                "period": [f"U{w:03d}" for w in t],
                "measure": "andel_paa_ydelse",
                "group": g.name,
                "value": surv.round(6),
            }
        )
    )
    months = pd.date_range(
        spec.project_start - pd.DateOffset(months=4), spec.project_end, freq="MS"
    )
    periods = months.strftime("%YM%m")
    m = len(months)
    if spec.monthly_activity:
        areas = ["Hele landet"] + (
            ["Holstebro", "Viborg", "Silkeborg", "Ikast-Brande"]
            if "other_kommuner" in spec.extras
            else []
        )
        for area in areas:
            for grp, base in {"aktivitetsparat": 0.20, "ressourceforloeb": 0.13}.items():
                lvl = base + (0.0 if area == "Hele landet" else rng.uniform(-0.04, 0.08))
                path = lvl + np.linspace(0, 0.04, m) + rng.normal(0, 0.006, m)
                rows.append(
                    pd.DataFrame(
                        {
                            "area": area,
                            "period": periods,
                            "measure": "andel_virksomhedsrettet",
                            "group": grp,
                            "value": path.round(4),
                        }
                    )
                )
    if "national_share" in spec.extras:
        share = np.linspace(0.054, 0.046, m) + rng.normal(0, 0.0008, m)
        national = np.round(34_000 + rng.normal(0, 300, m)).astype(int)
        rows.append(
            pd.DataFrame(
                {
                    "area": "Hele landet",
                    "period": periods,
                    "measure": "antal_jobparate",
                    "group": "jobparat",
                    "value": national,
                }
            )
        )
        rows.append(
            pd.DataFrame(
                {
                    "area": spec.kommune,
                    "period": periods,
                    "measure": "antal_jobparate",
                    "group": "jobparat",
                    "value": np.round(national * share),
                }
            )
        )
    if "samtaler" in spec.extras:
        # levels of 98 draws (kept, so the stream is unchanged); 94 jobcentres by month
        rate = np.clip(rng.normal(4.2, 0.9, 98), 1.8, 8)
        rate[-1] = 2.3
        rows.append(jobcentre_unemployment(seed, spec.slug, spec.kommune, rate, months))
        n_jobparat = np.round(410 * np.linspace(1.0, 0.83, m) + rng.normal(0, 5, m))
        rows.append(
            pd.DataFrame(
                {
                    "area": spec.kommune,
                    "period": periods,
                    "measure": "antal_jobparate",
                    "group": "jobparat",
                    "value": n_jobparat,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _survey(
    rng: np.random.Generator, participants: pd.DataFrame, side: np.random.Generator
) -> pd.DataFrame:
    """Survey answers (1-5) to 'samtalen var medinddragende'; ~80 % respond.

    The answer date is 2 to 12 weeks after the respondent's start, drawn from the side
    stream ``side`` so that the answers themselves do not change.
    """
    resp = participants[rng.random(len(participants)) < 0.8]
    p = np.where(
        resp["target_group"].to_numpy() == "jobparat",
        PLANTED["hedensted-samtale"]["p_involving_jobparat"],
        PLANTED["hedensted-samtale"]["p_involving_forsikret"],
    )
    agree = rng.random(len(resp)) < p
    answer = np.where(agree, rng.integers(4, 6, len(resp)), rng.integers(1, 4, len(resp)))
    days = side.integers(14, 85, len(resp))
    return pd.DataFrame(
        {
            "respondent": [f"R{i:04d}" for i in range(len(resp))],
            "group": resp["target_group"].to_numpy(),
            "question": "samtale_medinddragende",
            "answer": answer,
            "date": (resp["start_date"] + pd.to_timedelta(days, unit="D")).to_numpy(),
        }
    )
