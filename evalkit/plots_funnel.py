"""Figures for comparing kommuner: the funnel plot and the caterpillar plot.

Both take a :class:`evalkit.funnel.Funnel` (which holds only published, non-small figures)
and return a matplotlib Figure without touching global state. Numbers are Danish.

References
----------
Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. Stat Med
24:1185-1202.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from evalkit.formatting import fmt_number, fmt_percent
from evalkit.funnel import Funnel

__all__ = ["plot_caterpillar", "plot_funnel"]

_INSIDE, _OVER, _UNDER = "#4a4a4a", "#1b5e20", "#8b1a1a"
_LIMIT_STYLES = {0.95: ("--", 1.0), 0.998: (":", 1.3)}


def _formatter(kind: str) -> FuncFormatter:
    if kind == "share":
        return FuncFormatter(lambda v, _pos: fmt_percent(v, 0))
    return FuncFormatter(lambda v, _pos: fmt_number(v, 1))


def _level(level: float) -> str:
    return fmt_percent(level, 0 if round(level * 100, 6).is_integer() else 1)


def _colors(bands) -> list[str]:
    return [_OVER if b.startswith("over") else _UNDER if b.startswith("under") else _INSIDE
            for b in bands]  # fmt: skip


def plot_funnel(f: Funnel, *, xlabel: str, ylabel: str) -> Figure:
    """Each unit's estimate against its size, with the control limits around the centre.

    Parameters
    ----------
    f : Funnel
    xlabel, ylabel : str
        Danish axis labels (e.g. "Antal personer", "Andel i beskæftigelse").

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(8, 4.8))
    ax = fig.subplots()
    lim = f.limits
    for level in f.levels:
        style, width = _LIMIT_STYLES.get(level, ("-.", 1.0))
        for side in ("lower", "upper"):
            ax.plot(lim["size"], lim[f"{side}_{level:g}"], linestyle=style, linewidth=width,
                    color="#00567a", label=f"{_level(level)}-grænser" if side == "lower" else None)  # fmt: skip
    ax.axhline(f.centre, color="#00567a", linewidth=1.2,
               label=f"Landsværdi ({_formatter(f.kind)(f.centre, None)})")  # fmt: skip
    pts = f.points
    ax.scatter(pts["size"], pts["estimate"], s=18, c=_colors(pts["band"]), zorder=3,
               edgecolors="white", linewidths=0.4, label="Kommune")  # fmt: skip
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt_number(v)))
    ax.yaxis.set_major_formatter(_formatter(f.kind))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def plot_caterpillar(f: Funnel, *, xlabel: str, shrunken: bool = True) -> Figure:
    """The estimates sorted, each with its 95 % interval, and the centre as a line.

    With ``shrunken=True`` the empirical-Bayes values are drawn as open circles and
    labelled "udjævnet skøn (empirisk Bayes)".

    Returns
    -------
    matplotlib.figure.Figure
    """
    pts = f.points
    k = len(pts)
    fig = Figure(figsize=(7, max(3.0, 0.14 * k + 1.2)))
    ax = fig.subplots()
    y = list(range(k))
    colors = _colors(pts["band"])
    ax.hlines(y, pts["lower"], pts["upper"], colors=colors, linewidth=1.0)
    ax.scatter(
        pts["estimate"], y, s=12, c=colors, zorder=3, label="Skøn med 95 %-konfidensinterval"
    )
    if shrunken:
        ax.scatter(pts["shrunken"], y, s=16, facecolors="none", edgecolors="#00567a",
                   linewidths=0.8, zorder=4, label="Udjævnet skøn (empirisk Bayes)")  # fmt: skip
    ax.axvline(f.centre, color="#00567a", linewidth=1.0,
               label=f"Landsværdi ({_formatter(f.kind)(f.centre, None)})")  # fmt: skip
    ax.set_yticks(y)
    ax.set_yticklabels(list(pts["unit"]), fontsize=5.5 if k > 40 else 8)
    ax.set_ylim(-1, k)
    ax.xaxis.set_major_formatter(_formatter(f.kind))
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=7, frameon=True)
    fig.tight_layout()
    return fig
