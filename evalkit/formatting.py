"""Danish number, percentage and date formats for reports and plots (via Babel).

Tables, figures and legends write a share as ``12,5 %`` and a difference of shares in
``procentpoint``; running text (paragraphs, alt text) writes ``12,5 pct.`` and
``pct.-point``, as Danmarks Statistik does. Pass ``text=True`` for running text.
Words for codes (target groups, status categories, ...) come from :mod:`evalkit.labels`.

>>> fmt_percent(0.125)  # a non-breaking space before %
'12,5\xa0%'
>>> fmt_percent(0.125, text=True)
'12,5\xa0pct.'
>>> fmt_pp(0.032)
'+3,2\xa0procentpoint'
>>> fmt_pp(-0.032, text=True)
'\u22123,2\xa0pct.-point'
>>> fmt_number(1234)
'1.234'
>>> fmt_date(datetime.date(2026, 3, 3))
'3. marts 2026'
>>> fmt_percent(-0.15)
'\u221215,0\xa0%'
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

__all__ = [
    "LOCALE",
    "fmt_ci",
    "fmt_count",
    "fmt_date",
    "fmt_number",
    "fmt_percent",
    "fmt_pp",
]

LOCALE = "da_DK"
_MISSING = "–"


def _is_missing(x: Any) -> bool:
    try:
        return x is None or (isinstance(x, float) and math.isnan(x))
    except TypeError:
        return False


def fmt_number(x: float | int | None, decimals: int = 0) -> str:
    """Format a number the Danish way: ``1.234,5``, ``−3,2`` (typographic minus).

    Missing values are shown as an en dash.
    """
    if _is_missing(x):
        return _MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(x, format=pattern, locale=LOCALE).replace("-", "\u2212")


def _check_text(text: object) -> bool:
    if not isinstance(text, bool):
        raise TypeError(f"text must be True or False, but was {text!r}")
    return text


def fmt_percent(share: float | None, decimals: int = 1, *, text: bool = False) -> str:
    """Format a share (0.125) as a Danish percentage: ``12,5 %``, in running text ``12,5 pct.``.

    The space before the unit is a non-breaking space.
    """
    text = _check_text(text)
    if _is_missing(share):
        return _MISSING
    return f"{fmt_number(100.0 * float(share), decimals)}\u00a0{'pct.' if text else '%'}"


def fmt_pp(diff: float | None, decimals: int = 1, *, text: bool = False) -> str:
    """Format a difference of shares in percentage points with a sign.

    ``+3,2 procentpoint`` in tables and figures, ``+3,2 pct.-point`` in running text.
    """
    text = _check_text(text)
    if _is_missing(diff):
        return _MISSING
    value = 100.0 * float(diff)
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    unit = "pct.-point" if text else "procentpoint"
    return f"{sign}{fmt_number(abs(value), decimals)}\u00a0{unit}"


_CI_KINDS = ("percent", "pp", "number")


def fmt_ci(
    lower: float | None,
    upper: float | None,
    kind: str = "percent",
    decimals: int = 1,
    *,
    text: bool = False,
) -> str:
    """Format a confidence interval as ``(10,2 % til 15,1 %)``; ``kind`` is percent, pp or number.

    Raises
    ------
    ValueError
        For an unknown ``kind``.
    """
    if kind not in _CI_KINDS:
        raise ValueError(f"kind must be one of {_CI_KINDS}, but was {kind!r}")
    text = _check_text(text)
    if _is_missing(lower) or _is_missing(upper):
        return _MISSING
    if kind == "number":
        return f"({fmt_number(lower, decimals)} til {fmt_number(upper, decimals)})"
    f = fmt_percent if kind == "percent" else fmt_pp
    return f"({f(lower, decimals, text=text)} til {f(upper, decimals, text=text)})"


def fmt_count(n: int | None, threshold: int = 0) -> str:
    """Format a count; counts ``0 < n < threshold`` are shown as ``<threshold``."""
    if _is_missing(n):
        return _MISSING
    if threshold and 0 < int(n) < threshold:
        return f"<{threshold}"
    return fmt_number(int(n))


def fmt_date(d: datetime.date | str | None) -> str:
    """Format a date the Danish long way: ``3. marts 2026``."""
    if _is_missing(d):
        return _MISSING
    if isinstance(d, str):
        d = datetime.date.fromisoformat(d[:10])
    if isinstance(d, datetime.datetime):
        d = d.date()
    return format_date(d, format="d. MMMM y", locale=LOCALE)
