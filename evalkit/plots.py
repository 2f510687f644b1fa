"""Figures for reports: survival curves with numbers at risk, cumulative incidence.

Every function returns the matplotlib Figure and leaves global state alone (no
``matplotlib.use``, no rcParams changes). Numbers are formatted the Danish way through
:mod:`evalkit.formatting`, and counts under the disclosure threshold show as ``<5``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from evalkit._checks import check_positive_int
from evalkit.formatting import fmt_count, fmt_number, fmt_percent

__all__ = ["alt_text_survival", "plot_cumulative_incidence", "plot_survival"]

_PERCENT = FuncFormatter(lambda v, _pos: fmt_percent(v, 0))


def _visible(result: Any, threshold: int) -> pd.DataFrame:
    """Table rows up to the last time with at least ``threshold`` at risk."""
    tab = result.table
    if threshold <= 0:
        return tab
    ok = np.flatnonzero(tab["at_risk"].to_numpy() >= threshold)
    return tab.iloc[: ok[-1] + 1] if ok.size else tab.iloc[:0]


def _draw_km(ax: Any, result: Any, *, label: str | None, ci: bool, color: Any, threshold: int):
    """Step curve, CI band and censoring ticks of one Kaplan-Meier result on ``ax``."""
    tab = _visible(result, threshold)
    x = np.concatenate(([0.0], tab["time"].to_numpy()))
    s = np.concatenate(([1.0], tab["survival"].to_numpy()))
    (line,) = ax.step(x, s, where="post", label=label, color=color, linewidth=1.8)
    color = line.get_color()
    if ci and len(tab):
        lo = np.concatenate(([1.0], tab["lower"].to_numpy()))
        hi = np.concatenate(([1.0], tab["upper"].to_numpy()))
        lo = np.where(np.isnan(lo), s, lo)
        hi = np.where(np.isnan(hi), s, hi)
        ax.fill_between(x, lo, hi, step="post", color=color, alpha=0.18, linewidth=0)
    cens = tab[tab["censored"] > 0]
    if len(cens):
        ax.plot(
            cens["time"],
            cens["survival"],
            linestyle="none",
            marker="|",
            markersize=7,
            color=color,
            label="_nolegend_",
        )
    return line


def _check_curves(curves: Any) -> Mapping[str, Any]:
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError(
            f"curves must be a non-empty dict of label -> Kaplan-Meier result, "
            f"but was {type(curves).__name__}"
        )
    for label, res in curves.items():
        if not hasattr(res, "table") or "survival" not in res.table:
            raise TypeError(f"curves[{label!r}] must be a Kaplan-Meier result, but was {res!r}")
    return curves


def _check_reference(reference: Any) -> pd.DataFrame | None:
    if reference is None:
        return None
    if not isinstance(reference, pd.DataFrame) or not {"week", "survival"} <= set(
        reference.columns
    ):
        raise ValueError("reference must be a DataFrame with columns 'week' and 'survival'")
    return reference


def plot_survival(
    curves: Mapping[str, Any],
    *,
    reference: pd.DataFrame | None = None,
    ax: Any = None,
    at_risk: bool = True,
    ci: bool = True,
    threshold: int = 5,
    title: str | None = None,
    xlabel: str = "Uger siden start",
    ylabel: str = "Andel på ydelse",
) -> Figure:
    """Kaplan-Meier curves with CI bands, censoring ticks and numbers at risk.

    Parameters
    ----------
    curves : dict of str -> KaplanMeierResult
        Label -> fitted curve (e.g. ``{"Indsats": km1, "Sammenligning": km2}``).
    reference : DataFrame, optional
        National curve (columns ``week``, ``survival``) drawn as a dashed step line.
    ax : matplotlib Axes, optional
        Axes to draw on; by default a new figure with a table axis below.
    at_risk : bool
        Draw the table of numbers at risk under the plot at the x ticks.
    ci : bool
        Draw the pointwise confidence bands.
    threshold : int
        Disclosure threshold: counts ``0 < n < threshold`` show as ``"<threshold"``,
        and a curve stops at its last time with at least ``threshold`` at risk.
    title, xlabel, ylabel : str
        Texts (Danish defaults).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError, TypeError
        For empty or invalid curves, a bad reference or threshold.
    """
    curves = _check_curves(curves)
    reference = _check_reference(reference)
    threshold = check_positive_int(threshold, "threshold")
    table_ax = None
    created = ax is None
    if created:
        if at_risk:
            fig, (ax, table_ax) = plt.subplots(
                2,
                1,
                figsize=(8, 5.5),
                gridspec_kw={"height_ratios": [4, 0.4 + 0.3 * len(curves)]},
                sharex=True,
            )
        else:
            fig, ax = plt.subplots(figsize=(8, 4.5))
    else:
        fig = ax.figure
        if at_risk:
            table_ax = ax.inset_axes([0.0, -0.2 - 0.08 * len(curves), 1.0, 0.06 * len(curves)])
    colors = sns.color_palette("colorblind", len(curves))
    for (label, res), color in zip(curves.items(), colors, strict=True):
        _draw_km(
            ax,
            res,
            label=f"{label} (n = {fmt_number(res.n)})",
            ci=ci,
            color=color,
            threshold=threshold,
        )
    if reference is not None:
        w = reference["week"].to_numpy(dtype=float)
        s = reference["survival"].to_numpy(dtype=float)
        if w[0] > 0:
            w, s = np.concatenate(([0.0], w)), np.concatenate(([1.0], s))
        ax.step(w, s, where="post", linestyle="--", color="0.35", linewidth=1.5, label="Landstal")
    ax.set_ylim(0, 1.02)
    # the axis spans all follow-up, also where a curve is no longer drawn
    xmax = max(float(res.table["time"].max()) for res in curves.values())
    if reference is not None:
        xmax = max(xmax, float(reference["week"].max()))
    ax.set_xlim(0, xmax * 1.02 if xmax > 0 else 1.0)
    ax.yaxis.set_major_formatter(_PERCENT)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="upper right")
    if title:
        ax.set_title(title)
    if table_ax is not None:
        _at_risk_table(ax, table_ax, curves, threshold)
        table_ax.set_xlabel(xlabel)
    else:
        ax.set_xlabel(xlabel)
    if created:
        fig.tight_layout()
    return fig


def _at_risk_table(ax: Any, table_ax: Any, curves: Mapping[str, Any], threshold: int) -> None:
    """Numbers at risk at the x ticks of ``ax``, one row per curve, small counts hidden."""
    xmin, xmax = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if xmin <= t <= xmax]
    table_ax.set_xlim(xmin, xmax)
    table_ax.set_ylim(-0.5, len(curves) - 0.5)
    table_ax.set_yticks(range(len(curves)))
    table_ax.set_yticklabels(list(curves)[::-1])
    table_ax.tick_params(axis="y", length=0, pad=22)
    for spine in ("top", "right", "left"):
        table_ax.spines[spine].set_visible(False)
    table_ax.set_title("Antal i risiko", fontsize="small", loc="left")
    for row, res in enumerate(list(curves.values())[::-1]):
        counts = res.survival_at(ticks)["at_risk"].to_numpy()
        for t, n in zip(ticks, counts, strict=True):
            table_ax.text(
                t,
                row,
                fmt_count(int(np.rint(n)), threshold),
                ha="center",
                va="center",
                fontsize="small",
            )


def plot_cumulative_incidence(
    result: Any,
    *,
    ax: Any = None,
    labels: Mapping[int, str] | None = None,
    ci: bool = True,
    title: str | None = None,
    xlabel: str = "Uger siden start",
    ylabel: str = "Kumuleret andel",
) -> Figure:
    """Step curves of cumulative incidence per cause (and group) with CI bands.

    Parameters
    ----------
    result : CumulativeIncidenceResult
        From :func:`evalkit.survival.cumulative_incidence`.
    ax : matplotlib Axes, optional
    labels : dict of int -> str, optional
        Names of the causes (e.g. ``{1: "Job", 2: "Uddannelse"}``).
    ci : bool
        Draw the pointwise confidence bands.
    title, xlabel, ylabel : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not hasattr(result, "table") or "incidence" not in result.table:
        raise TypeError(f"result must be a cumulative incidence result, but was {result!r}")
    labels = dict(labels or {})
    fig, ax = plt.subplots(figsize=(8, 4.5)) if ax is None else (ax.figure, ax)
    keys = ["group", "cause"] if "group" in result.table else ["cause"]
    groups = list(result.table.groupby(keys, sort=False))
    colors = sns.color_palette("colorblind", max(len(groups), 1))
    for (key, sub), color in zip(groups, colors, strict=True):
        key = key if isinstance(key, tuple) else (key,)
        cause = int(key[-1])
        name = labels.get(cause, f"Årsag {cause}")
        if len(key) == 2:
            name = f"{key[0]}: {name}"
        x = np.concatenate(([0.0], sub["time"].to_numpy()))
        y = np.concatenate(([0.0], sub["incidence"].to_numpy()))
        ax.step(x, y, where="post", color=color, label=name, linewidth=1.8)
        if ci:
            lo = np.concatenate(([0.0], sub["lower"].to_numpy()))
            hi = np.concatenate(([0.0], sub["upper"].to_numpy()))
            ax.fill_between(
                x,
                np.nan_to_num(lo),
                np.nan_to_num(hi, nan=1.0),
                step="post",
                color=color,
                alpha=0.18,
                linewidth=0,
            )
    ax.set_ylim(0, 1)
    ax.set_xlim(left=0)
    ax.yaxis.set_major_formatter(_PERCENT)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="upper left")
    if title:
        ax.set_title(title)
    return fig


def alt_text_survival(
    curves: Mapping[str, Any],
    reference: pd.DataFrame | None = None,
    weeks: Sequence[float] = (13, 26, 52),
    threshold: int = 5,
) -> str:
    """A Danish alt text for :func:`plot_survival` with n, S(t) at chosen weeks and median.

    Values are only reported at weeks where at least ``threshold`` are still at risk.

    Examples
    --------
    >>> from evalkit.survival import kaplan_meier
    >>> km = kaplan_meier([5, 10, 20, 30, 40, 50], [1, 1, 1, 0, 1, 1])
    >>> alt_text_survival({"Indsats": km}, weeks=(13,), threshold=1)[:60]
    'Overlevelseskurve: andel på ydelse efter uger siden start. I'
    """
    curves = _check_curves(curves)
    reference = _check_reference(reference)
    parts = ["Overlevelseskurve: andel på ydelse efter uger siden start."]
    for label, res in curves.items():
        at = res.survival_at(list(weeks))
        bits = [
            f"{fmt_percent(s)} efter {fmt_number(w)} uger"
            for w, s, n in zip(weeks, at["survival"], at["at_risk"], strict=True)
            if n >= threshold
        ]
        text = f"{label} (n = {fmt_number(res.n)})"
        text += ": " + ", ".join(bits) if bits else ": for få i risiko til at vise andele"
        med = res.median
        text += (
            f"; median {fmt_number(med, 0 if float(med).is_integer() else 1)} uger."
            if not math.isnan(med)
            else "; medianen er ikke nået."
        )
        parts.append(text)
    if reference is not None:
        w = reference["week"].to_numpy(dtype=float)
        s = reference["survival"].to_numpy(dtype=float)
        bits = []
        for week in weeks:
            i = np.searchsorted(w, week, side="right") - 1
            if 0 <= i and week <= w[-1]:
                bits.append(f"{fmt_percent(s[i])} efter {fmt_number(week)} uger")
        if bits:
            parts.append("Landstal (stiplet linje): " + ", ".join(bits) + ".")
    return " ".join(parts)
