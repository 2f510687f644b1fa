"""Helpers shared by the seed sections: Danish texts, suppression-aware cells, criteria lookup."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import pandas as pd

from evalkit import labels
from evalkit.criteria import CriterionResult
from evalkit.disclosure import SECONDARY_MARK, suppress_share
from evalkit.formatting import fmt_ci, fmt_count, fmt_number, fmt_percent
from evalkit.report.analysis import Analysis
from evalkit.report.sections import Html, _e, _h2

_MONTHS_DA = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
              "september", "oktober", "november", "december")  # fmt: skip


def _month(m: pd.Timestamp) -> str:
    return f"{_MONTHS_DA[m.month - 1]} {m.year}"


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "–"
    return "p < 0,001" if p < 0.001 else f"p = {fmt_number(p, 3)}"


def _share_cells(x: int, n: int, lower: float, upper: float, thr: int) -> tuple[str, str]:
    """Share and CI texts, or dashes when the share would reveal a small group."""
    if n == 0:
        return "–", "–"
    s = suppress_share(int(x), int(n), thr)
    if s.suppressed:
        return "–", "–"
    return s.shown, fmt_ci(lower, upper)


def _masked(df: pd.DataFrame, thr: int) -> pd.DataFrame:
    """Monthly shares with ``share/lower/upper`` NaN where the share must be hidden."""
    out = df.copy()
    hide = [
        n == 0 or suppress_share(int(x), int(n), thr).suppressed
        for x, n in zip(df["x"], df["n"], strict=True)
    ]
    out.loc[hide, ["share", "lower", "upper"]] = math.nan
    return out


def _na(anchor: str, title: str, reason: str) -> Html:
    return Html(_h2(anchor, title) + f"<p><strong>Kan ikke afgøres</strong>: {_e(reason)}.</p>")


def _criteria(a: Analysis, kind: str, **match: Any) -> list[tuple[dict, CriterionResult]]:
    """The configured criteria of ``kind`` (with matching keys) and their results."""
    results = {r.id: r for r in a.criteria}
    out = []
    for crit in a.config.criteria:
        if crit["kind"] != kind:
            continue
        if all(crit.get(k) == v for k, v in match.items()):
            out.append((crit, results[crit["id"]]))
    return out


def _people(a: Analysis) -> pd.DataFrame:
    return a.participants


def _start(a: Analysis) -> dt.date:
    return a.config.period.start


def _ci(lower: float, upper: float, kind: str = "percent", decimals: int = 1) -> str:
    """A confidence interval for running text: ``0,81 til 1,89``, ``10,2 pct. til 15,1 pct.``."""
    return fmt_ci(lower, upper, kind=kind, decimals=decimals, text=True).strip("()")


def _pct(share: float, decimals: int = 1) -> str:
    """A share in running text (paragraphs, alt text): ``12,5 pct.``; tables keep ``%``."""
    return fmt_percent(share, decimals, text=True)


def _end(sentence: str) -> str:
    """``sentence`` with one final full stop (none added after ``pct.``)."""
    return sentence if sentence.endswith(".") else sentence + "."


def _no_source(table: str) -> str:
    """Why a section cannot be computed: the data source is not in the project's data."""
    return f"datakilden «{labels.label('table', table)}» findes ikke i projektets data"


def _count_share(x: int, n: int, lower: float, upper: float, thr: int) -> tuple[str, str, str, str]:
    """Count, share, CI and reason texts; the count is hidden with the share.

    When the share would reveal a small group (``suppress_share``), the count ``x`` is
    hidden too (``x``, or ``<5`` when small itself), since ``n - x`` follows from it.
    """
    if n == 0:
        return fmt_count(x, thr), "–", "–", "ingen i nævneren"
    s = suppress_share(int(x), int(n), thr)
    if s.suppressed:
        # ``x`` means "at least the threshold": a zero or small count is shown as such
        count = fmt_count(x, thr) if x < thr else SECONDARY_MARK
        return count, "–", "–", s.reason
    return fmt_count(x, thr), s.shown, fmt_ci(lower, upper), ""


_PERIOD = re.compile(r"^(\d{4})M(\d{2})$")


def _period(period: str) -> str:
    """A Jobindsats period in Danish: ``2017M08`` -> ``august 2017`` (others unchanged)."""
    m = _PERIOD.match(str(period))
    return f"{_MONTHS_DA[int(m.group(2)) - 1]} {m.group(1)}" if m else str(period)


def _target_text(crit: dict) -> str:
    t = crit.get("target")
    if t is None:
        return "intet mål"
    sign = "mindst" if crit.get("direction", "min") == "min" else "højst"
    return f"{sign} {fmt_percent(t)}"
