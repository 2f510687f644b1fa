"""Danish number, percentage and date formats for reports and plots (via Babel).

>>> fmt_percent(0.125)  # a non-breaking space before %
'12,5\xa0%'
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


def fmt_percent(share: float | None, decimals: int = 1) -> str:
    """Format a share (0.125) as a Danish percentage with a space: ``12,5 %``."""
    if _is_missing(share):
        return _MISSING
    return f"{fmt_number(100.0 * float(share), decimals)}\u00a0%"


def fmt_pp(diff: float | None, decimals: int = 1) -> str:
    """Format a difference of shares in percentage points with a sign: ``+3,2 pp``."""
    if _is_missing(diff):
        return _MISSING
    value = 100.0 * float(diff)
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{fmt_number(abs(value), decimals)}\u00a0pp"


def fmt_ci(
    lower: float | None, upper: float | None, kind: str = "percent", decimals: int = 1
) -> str:
    """Format a confidence interval as ``(10,2 %–15,1 %)``; ``kind`` is percent, pp or number."""
    if _is_missing(lower) or _is_missing(upper):
        return _MISSING
    f = {"percent": fmt_percent, "pp": fmt_pp, "number": fmt_number}[kind]
    return f"({f(lower, decimals)} til {f(upper, decimals)})"


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
