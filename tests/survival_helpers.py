"""Shared loaders for the survival tests: R reference values in tests/fixtures/survival.

Regenerate with ``Rscript tests/fixtures/make_survival_fixtures.R`` (R is not needed to
run the tests).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

FIXTURES = Path(__file__).parent / "fixtures" / "survival"
RTOL = 1e-6


@cache
def read_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / name)


@cache
def read_json(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def unemp() -> pd.DataFrame:
    df = read_csv("unempdur.csv").copy()
    df["cause"] = np.select(
        [df.censor1 == 1, df.censor2 == 1, df.censor3 == 1], [1, 2, 3], default=0
    )
    return df


def lung_complete() -> pd.DataFrame:
    return read_csv("lung.csv").dropna(subset=["ph_ecog"])


def km_data(case: str):
    """(durations, events, weights) of a Kaplan-Meier fixture case."""
    if case == "unemp":
        d = unemp()
        return d.spell, d.censor1, None
    if case == "unemp_ui_yes":
        d = unemp()
        d = d[d.ui == "yes"]
        return d.spell, d.censor1, None
    if case in ("weighted", "weighted_greenwood"):
        d = read_csv("weighted.csv")
        return d.time, d.status, d.weight
    if case == "intweight":
        d = read_csv("weighted.csv")
        return d.time, d.status, d.intweight
    d = read_csv(f"{case}.csv")
    return d.time, d.status, None


def assert_close(actual, expected, rtol: float = RTOL, name: str = "") -> None:
    """Relative closeness with NaN (R NA) required at the same places."""
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    np.testing.assert_allclose(a, e, rtol=rtol, atol=0, equal_nan=True, err_msg=name)
