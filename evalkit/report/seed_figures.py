"""Figures for the seed sections: hours by week, monthly shares against targets, counts.

Every function returns a matplotlib Figure and changes no global state. Shares are on a
percent axis formatted the Danish way; lines that describe fewer persons than the
disclosure threshold are not drawn (the inputs already hold NaN there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from evalkit.formatting import fmt_number, fmt_percent

__all__ = ["plot_counts", "plot_first_hours", "plot_hours", "plot_hours_heatmap", "plot_monthly"]

_PERCENT = FuncFormatter(lambda v, _pos: fmt_percent(v, 0))
_NUMBER = FuncFormatter(lambda v, _pos: fmt_number(v))
_MONTHS_DA = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def _month_axis(ax, months: pd.DatetimeIndex) -> None:
    """Danish month labels (``jan 2019``), at most about a dozen ticks."""
    if len(months) == 0:
        return
    step = max(1, int(np.ceil(len(months) / 12)))
    ticks = months[::step]
    ax.set_xticks(ticks)
    ax.set_xticklabels(
        [f"{_MONTHS_DA[m.month - 1]} {m.year}" for m in ticks], rotation=45, ha="right"
    )


def plot_hours(dist: pd.DataFrame, xlabel: str = "Uger siden praktikstart") -> Figure:
    """Median and quartiles of weekly hours, and the share with any hours, by week.

    Parameters
    ----------
    dist : DataFrame
        From :func:`evalkit.seeds_measures.hours_distribution`, or from
        :func:`evalkit.praktik_hours.hours_by_state` (then the hours are those of the
        weeks on benefit, and the share self-supporting is drawn apart).
    """
    fig, (ax1, ax2) = plt.subplots(
        2, 1, figsize=(8, 6), sharex=True, gridspec_kw={"height_ratios": [3, 2]}
    )
    color = sns.color_palette("colorblind", 2)
    d = dist[dist["shown"]]
    x = d["week"].to_numpy(dtype=float)
    ax1.fill_between(x, d["q1"], d["q3"], color=color[0], alpha=0.2, linewidth=0,
                     label="Kvartiler (25 %-75 %)")  # fmt: skip
    ax1.plot(x, d["median"], color=color[0], marker="o", markersize=3, label="Median")
    ax1.set_ylabel("Ordinære timer pr. uge")
    ax1.yaxis.set_major_formatter(_NUMBER)
    ax1.set_ylim(bottom=0)
    ax1.legend(frameon=False, loc="upper left")
    ax2.fill_between(x, d["lower"], d["upper"], color=color[1], alpha=0.2, linewidth=0)
    share = d["share_hours"] if "share_hours" in d else d["share_any"]
    by_state = "share_self" in dist
    ax2.plot(x, share, color=color[1], marker="o", markersize=3,
             label="Med timer (af ugerne på ydelse)" if by_state else None)  # fmt: skip
    if by_state:  # self-supporting weeks shown apart from the praktik weeks
        e = dist[dist["share_self"].notna()]
        xe = e["week"].to_numpy(dtype=float)
        grey = "0.35"
        ax2.fill_between(xe, e["self_lower"], e["self_upper"], color=grey, alpha=0.12,
                         linewidth=0)  # fmt: skip
        ax2.plot(xe, e["share_self"], color=grey, linestyle="--", marker="s", markersize=3,
                 label="Selvforsørgende (af alle)")  # fmt: skip
        ax2.legend(frameon=False, loc="upper left", fontsize=8)
    ax2.set_ylabel("Andel")
    ax2.set_ylim(0, 1.02)
    ax2.yaxis.set_major_formatter(_PERCENT)
    ax2.set_xlabel(xlabel)
    for ax in (ax1, ax2):
        ax.axvline(0, color="0.4", linestyle=":", linewidth=1)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_first_hours(
    table: pd.DataFrame, xlabel: str = "Uger siden praktikstart", truth: pd.Series | None = None
) -> Figure:
    """The share who have had ordinary hours by week (1 - Kaplan-Meier), with its band.

    Parameters
    ----------
    table : DataFrame
        ``time``, ``share`` (1 - S), ``lower``, ``upper`` at each week.
    """
    fig, ax = plt.subplots(figsize=(8, 3.6))
    color = sns.color_palette("colorblind", 3)[2]
    t = table["time"].to_numpy(dtype=float)
    ax.fill_between(t, table["lower"], table["upper"], step="post", color=color, alpha=0.2,
                    linewidth=0)  # fmt: skip
    ax.step(t, table["share"], where="post", color=color, linewidth=2,
            label="Har haft ordinære timer")  # fmt: skip
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(_PERCENT)
    ax.set_ylabel("Andel")
    ax.set_xlabel(xlabel)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def plot_hours_heatmap(hours: pd.DataFrame, xlabel: str = "Uger siden praktikstart") -> Figure:
    """Hours per citizen (rows ``Borger 1..n``) and week as a heat map (internal report)."""
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.28 * max(len(hours), 1)))
    v = hours.to_numpy(dtype=float)
    im = ax.imshow(np.ma.masked_invalid(v), aspect="auto", cmap="viridis", vmin=0,
                   interpolation="nearest")  # fmt: skip
    ax.set_yticks(range(len(hours)))
    ax.set_yticklabels(hours.index)
    cols = list(hours.columns)
    step = max(1, len(cols) // 14)
    ax.set_xticks(range(0, len(cols), step))
    ax.set_xticklabels([str(c) for c in cols[::step]])
    ax.set_xlabel(xlabel)
    cbar = fig.colorbar(im, ax=ax, pad=0.01)
    cbar.set_label("Ordinære timer pr. uge")
    fig.tight_layout()
    return fig


def plot_monthly(
    series: Mapping[str, pd.DataFrame],
    *,
    references: Mapping[str, pd.Series] | None = None,
    targets: Sequence[tuple[str, float]] = (),
    points: Sequence[tuple[str, pd.Timestamp, float]] = (),
    levels: Sequence[tuple[str, pd.Timestamp, pd.Timestamp, float, float, float]] = (),
    ylabel: str = "Andel",
    title: str | None = None,
    ax=None,
) -> Figure:
    """Monthly shares with confidence bands, reference series, targets and baseline points.

    Parameters
    ----------
    series : dict of str -> DataFrame
        Label -> ``month``, ``share``, ``lower``, ``upper`` (solid line and band).
    references : dict of str -> Series, optional
        Label -> share by month (dashed lines, e.g. the national average, other kommuner).
    targets : sequence of (label, value)
        Horizontal dotted target lines.
    points : sequence of (label, month, value)
        Single marked values, e.g. the application's baseline.
    levels : sequence of (label, first month, last month, estimate, lower, upper)
        A level over a window of months with its interval, e.g. STV's end level (the
        average of the end window): a horizontal bar across the window and a box from
        ``lower`` to ``upper``.
    """
    created = ax is None
    if created:
        fig, ax = plt.subplots(figsize=(8, 4.5))
    else:
        fig = ax.figure
    colors = sns.color_palette("colorblind", 10)
    months: pd.DatetimeIndex = pd.DatetimeIndex([])
    for i, (label, d) in enumerate(series.items()):
        m = pd.DatetimeIndex(d["month"])
        months = months.union(m)
        ax.fill_between(m, d["lower"], d["upper"], color=colors[i], alpha=0.18, linewidth=0)
        ax.plot(m, d["share"], color=colors[i], linewidth=2, label=label)
    refs = references or {}
    greys = ["0.25", "0.45", "0.6", "0.7", "0.8"]
    for j, (label, s) in enumerate(refs.items()):
        s = s.dropna()
        months = months.union(pd.DatetimeIndex(s.index))
        style = "--" if j == 0 else "-."
        ax.plot(s.index, s.to_numpy(), linestyle=style, linewidth=1.3,
                color=greys[min(j, len(greys) - 1)], label=label)  # fmt: skip
    for k, (label, value) in enumerate(targets):
        ax.axhline(value, color=colors[(len(series) + 3 + k) % 10], linestyle=":",
                   linewidth=1.6, label=label)  # fmt: skip
    for k, (label, month, value) in enumerate(points):
        ax.plot([month], [value], marker="D", markersize=7, linestyle="none",
                color=colors[(len(series) + 6 + k) % 10], label=label)  # fmt: skip
    for k, (label, first, last, est, lower, upper) in enumerate(levels):
        span = pd.DatetimeIndex([pd.Timestamp(first), pd.Timestamp(last)])
        color = "0.15" if k == 0 else colors[(len(series) + 8 + k) % 10]
        ax.fill_between(span, [lower, lower], [upper, upper], color=color, alpha=0.22,
                        linewidth=0)  # fmt: skip
        ax.plot(span, [est, est], color=color, linewidth=3, label=label)
    ax.yaxis.set_major_formatter(_PERCENT)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(ylabel)
    _month_axis(ax, months)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=8, loc="best")
    if title:
        ax.set_title(title)
    if created:
        fig.tight_layout()
    return fig


def plot_counts(
    months: pd.DatetimeIndex,
    counts: Sequence[float],
    *,
    kind: str = "bar",
    targets: Sequence[tuple[str, float]] = (),
    ylabel: str = "Antal",
    label: str | None = None,
) -> Figure:
    """Monthly counts as bars (``kind="bar"``) or a line, with optional target lines."""
    fig, ax = plt.subplots(figsize=(8, 4))
    color = sns.color_palette("colorblind", 4)
    m = pd.DatetimeIndex(months)
    if kind == "bar":
        ax.bar(m, counts, width=20, color=color[0], label=label)
    else:
        ax.plot(m, counts, color=color[0], marker="o", markersize=3, label=label)
    for k, (text, value) in enumerate(targets):
        ax.axhline(value, color=color[1 + k % 3], linestyle=":", linewidth=1.6, label=text)
    ax.yaxis.set_major_formatter(_NUMBER)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(ylabel)
    _month_axis(ax, m)
    ax.grid(alpha=0.3, axis="y")
    if label or targets:
        ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig
