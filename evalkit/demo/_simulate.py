"""The person-level simulation shared by the demo projects and the national panel.

Time until self-support is Weibull with proportional hazards, a competing exit has a
constant hazard, and after self-support a person may return to benefit (see
``docs/demo-data.md``). Everything is vectorised over persons and weeks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalkit.config import COMPETING as _COMPETING

__all__: list[str] = []


_COMPETING_P = (0.55, 0.2, 0.15, 0.1)


@dataclass(frozen=True)
class Group:
    """One target group of a project: size, benefit and Weibull scale of time to self-support."""

    name: str
    n: int
    benefit: str
    lam: float  # Weibull scale: cumulative hazard at week 1 for eta = 0
    shape: float = 0.9
    prior_weeks: int = 30


def _monday(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def _weeks(first: dt.date, last: dt.date) -> pd.DatetimeIndex:
    return pd.date_range(_monday(first), _monday(last), freq="7D")


def _covariates(rng: np.random.Generator, n: int, comparison: bool) -> pd.DataFrame:
    """Baseline covariates; the comparison pool is older and longer on benefit (selection)."""
    age = np.clip(rng.normal(38 if comparison else 33, 11, n), 18, 64).round().astype(int)
    sex = np.where(rng.random(n) < (0.5 if comparison else 0.45), "K", "M")
    origin = rng.choice(["dansk", "vestlig", "ikke-vestlig"], n, p=[0.72, 0.08, 0.20])
    education = rng.choice(
        ["grundskole", "gymnasial", "erhvervsfaglig", "videregaaende"],
        n,
        p=[0.45, 0.15, 0.3, 0.1] if comparison else [0.38, 0.17, 0.33, 0.12],
    )
    return pd.DataFrame({"age": age, "sex": sex, "origin": origin, "education": education})


def _eta(cov: pd.DataFrame) -> np.ndarray:
    """Linear predictor of the covariates (log hazard ratios, planted)."""
    return (
        -0.015 * (cov["age"].to_numpy() - 35)
        + np.where(cov["origin"].to_numpy() == "ikke-vestlig", -0.3, 0.0)
        + np.where(cov["education"].to_numpy() == "grundskole", -0.25, 0.0)
        + np.where(cov["sex"].to_numpy() == "K", -0.05, 0.0)
    )


def _simulate_status(
    rng: np.random.Generator,
    start_idx: np.ndarray,
    n_weeks: int,
    eta: np.ndarray,
    group: Group,
    competing_rate: float,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Status category matrix (persons x weeks, object codes) and hours (float)."""
    n = len(start_idx)
    e = rng.exponential(1.0, n)
    t_self = np.ceil((e / (group.lam * np.exp(eta))) ** (1.0 / group.shape)).astype(int)
    t_comp = np.ceil(rng.exponential(1.0 / competing_rate, n)).astype(int)
    cause = rng.choice(len(_COMPETING), n, p=_COMPETING_P)
    run1 = k + rng.geometric(1 / 40, n)  # first self-supporting run, at least k weeks
    back = rng.geometric(1 / 12, n)  # weeks back on benefit after it
    prior = np.minimum(group.prior_weeks, rng.integers(1, group.prior_weeks + 1, n) + 4)

    tau = np.arange(n_weeks)[None, :] - start_idx[:, None]
    status = np.full((n, n_weeks), "selvforsoergende", dtype=object)
    on_benefit = tau >= -prior[:, None]
    status[on_benefit] = group.benefit
    competed = (t_comp < t_self)[:, None] & (tau >= t_comp[:, None])
    after = (t_comp >= t_self)[:, None] & (tau >= t_self[:, None])
    rel = tau - t_self[:, None]
    self_run = after & ((rel < run1[:, None]) | (rel >= (run1 + back)[:, None]))
    status[self_run] = "selvforsoergende"
    causes = np.array(_COMPETING, dtype=object)[cause]
    status[competed] = np.broadcast_to(causes[:, None], status.shape)[competed]

    hours = np.zeros((n, n_weeks), dtype=float)
    employed = self_run & (rng.random((n, n_weeks)) < 0.9)
    hours[employed] = 37.0
    return status, hours


def _monthly_activity(
    rng: np.random.Generator, n: int, months: pd.DatetimeIndex, p_from: float, p_to: float, p0: int
) -> np.ndarray:
    """Persons x months indicator of company-based activity with a planted share path.

    The share is ``p_from`` up to month index ``p0`` (baseline), then rises linearly to
    ``p_to`` at the last month; persistence comes from a latent person propensity.
    """
    m = len(months)
    target = np.full(m, p_from)
    ramp = np.arange(m - p0) / max(m - p0 - 1, 1)
    target[p0:] = p_from + (p_to - p_from) * np.clip(ramp * 1.6, 0, 1)
    latent = rng.normal(size=(n, 1))
    noise = rng.normal(size=(n, m))
    score = 0.8 * latent + 0.6 * noise
    from scipy.stats import norm

    thresh = norm.ppf(1 - target)
    return score > thresh[None, :]


def _runs_to_rows(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of True in each row of ``mask``: (row, first column, last column), row-major."""
    padded = np.pad(mask.astype(np.int8), ((0, 0), (1, 1)))
    d = np.diff(padded, axis=1)
    r_start, c_start = np.nonzero(d == 1)
    _, c_end = np.nonzero(d == -1)
    return r_start, c_start, c_end - 1
