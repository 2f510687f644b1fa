"""The report section "Sammenligningsgruppe" on a small synthetic comparison (fast).

The Analysis of the Herning demo project (quick to prepare) gets synthetic spells with a
comparison pool and a ``comparison`` config entry; the rendered Aalborg report is checked
in test_report_e2e.py and the estimates themselves in test_compare_survival.py.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from evalkit.report.analysis import prepare
from evalkit.report.comparison import comparison

COVS = ["age", "sex", "origin", "education"]


@pytest.fixture(scope="module")
def base(demo_config):
    return prepare(demo_config("herning-transport"), "slutevaluering", generated="2026-11-24")


def _spells(n1: int = 300, n0: int = 900, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = n1 + n0
    arm = np.array(["indsats"] * n1 + ["sammenligning"] * n0)
    age = np.clip(rng.normal(np.where(arm == "indsats", 33, 38), 10), 18, 64).round()
    df = pd.DataFrame(
        {
            "arm": arm,
            "age": age,
            "sex": rng.choice(["K", "M"], n),
            "origin": rng.choice(["dansk", "vestlig", "ikke-vestlig"], n, p=[0.7, 0.1, 0.2]),
            "education": rng.choice(["grundskole", "erhvervsfaglig", "videregaaende"], n),
        }
    )
    eta = 0.3 * (arm == "indsats") - 0.015 * (age - 35)
    t = np.ceil(rng.exponential(1 / (0.03 * np.exp(eta))))
    c = rng.integers(20, 70, n)
    return df.assign(duration=np.minimum(t, c), event=(t <= c).astype(int))


def _with(a, spells: pd.DataFrame, comparison_cfg=None, threshold: int = 5):
    cfg = dataclasses.replace(
        a.config,
        comparison={"covariates": COVS} if comparison_cfg is None else comparison_cfg,
        disclosure_threshold=threshold,
    )
    return dataclasses.replace(a, spells=spells, config=cfg)


def _text(html: str) -> str:
    return re.sub(r'src="data:image/png;base64,[^"]+"', 'src=""', html)


def test_empty_without_comparison_config_or_arm(base):
    assert base.config.comparison == {}
    assert comparison(base) == ""
    only_participants = _spells().query("arm == 'indsats'")
    assert comparison(_with(base, only_participants)) == ""
    assert comparison(_with(base, _spells(), comparison_cfg={})) == ""


def test_section_content(base):
    html = comparison(_with(base, _spells()))
    text = _text(html)
    assert text.startswith('<h2 id="sammenligning">Sammenligningsgruppe</h2>')
    assert html.count("<figure>") == 2  # love plot and survival curves
    alts = re.findall(r'alt="([^"]*)"', html)
    assert alts[0].startswith("Love plot") and "Deltagere (n = 300)" in alts[1]
    for caption in ("før og efter vægtning", "efter 13, 26 og 52 uger", "Forskel i andel"):
        assert caption in text
    assert "Cox-regression" in text and "Justeret for alder, køn, herkomst og uddannelse" in text
    assert "Vægtet sammenligningsgruppe</th>" in text
    assert "Sammenligningsgruppe (vægtet)" in text and "effektivt" in text
    assert "Køn: kvinde" in text and "Uddannelse: videregående" in text
    assert "−0,00" not in text and "-0," not in text  # true minus signs, no negative zero
    assert re.search(r"\d+,\d\s%", text.replace("\u00a0", " "))
    assert "Efter 26 uger er forskellen" in text


def test_small_cells_are_hidden(base):
    spells = _spells()
    idx = spells.index[spells["arm"] == "indsats"][:3]
    spells.loc[idx, "origin"] = "ukendt"  # 3 participants in a level
    text = _text(comparison(_with(base, spells)))
    row = re.search(r"Herkomst: ukendt</th>(.*?)</tr>", text).group(1)
    assert "&lt;5 pers." in row and "%" not in row


def test_survival_hidden_where_few_at_risk(base):
    text = _text(comparison(_with(base, _spells(), threshold=400)))
    # 300 participants < 400: nothing is compared
    assert "For få personer til en sammenligning" in text
    text = _text(comparison(_with(base, _spells(n1=300, n0=900), threshold=120)))
    body = re.search(r"efter 13, 26 og 52 uger.*?</table>", text).group(0)
    assert "–" in body  # week 52 has fewer than 120 participants at risk


def test_missing_covariates(base):
    spells = _spells()
    spells.loc[spells.index[:7], "age"] = np.nan
    text = _text(comparison(_with(base, spells)))
    assert "7 personer er udeladt" in text
    text = _text(comparison(_with(base, _spells().drop(columns="education"))))
    assert "data mangler baggrundsvariablene education" in text
    text = _text(comparison(_with(base, _spells(), comparison_cfg={"covariates": []})))
    assert "ingen baggrundsvariable" in text


def test_estimation_failure_is_reported(base):
    spells = _spells().assign(const=1.0)
    cfg = {"covariates": ["age", "const"]}
    text = _text(comparison(_with(base, spells, comparison_cfg=cfg)))
    assert "kunne ikke beregnes" in text and "rank deficient" in text
