"""Figures for reports: survival curves with numbers at risk, cumulative incidence.

Every function returns a matplotlib Figure and leaves global state alone: no
``matplotlib.use``, no rcParams changes, and the figure is made without pyplot, so it is
not in pyplot's list of open figures (a notebook shows a returned figure once, not once
for pyplot and once for the returned value). Numbers are formatted the Danish way through
:mod:`evalkit.formatting`, and counts under the disclosure threshold show as ``<5``.

What a survminer user looks for is here: the median line (``median_line``), the test's
p-value on the plot (``pvalue``), censoring marks that can be turned off
(``censor_marks``), a risk table aligned with the time axis, and weighted curves whose
risk table says what it counts (persons, or "vægtet"). The ``.plot()`` of every
curve-like result (Kaplan-Meier, Nelson-Aalen, cumulative incidence) draws through here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from evalkit._checks import check_option, check_positive_int
from evalkit._figure import NotebookFigure
from evalkit.formatting import fmt_count, fmt_number, fmt_percent

__all__ = [
    "RISK_COUNTS",
    "alt_text_survival",
    "format_pvalue",
    "plot_cumulative_hazard",
    "plot_cumulative_incidence",
    "plot_survival",
]

RISK_COUNTS = ("persons", "weighted")

_PERCENT = FuncFormatter(lambda v, _pos: fmt_percent(v, 0))


def _persons(result: Any) -> np.ndarray:
    """Persons (rows) at risk per table row: ``persons_at_risk`` of a weighted fit."""
    persons = getattr(result, "persons_at_risk", None)
    if persons is not None:
        return np.asarray(persons, dtype=float)
    return result.table["at_risk"].to_numpy(dtype=float)


def _visible(result: Any, threshold: int, cut: float | None = None) -> pd.DataFrame:
    """Table rows up to the last time with at least ``threshold`` persons at risk.

    ``cut`` (e.g. from the disclosure rules) ends the curve earlier: no row after it.
    """
    tab = result.table
    if cut is not None:
        tab = tab[tab["time"].to_numpy() <= cut]
    if threshold <= 0:
        return tab
    ok = np.flatnonzero(_persons(result)[: len(tab)] >= threshold)
    return tab.iloc[: ok[-1] + 1] if ok.size else tab.iloc[:0]


def _draw_km(
    ax: Any,
    result: Any,
    *,
    label: str | None,
    ci: bool,
    color: Any,
    threshold: int,
    censor_marks: bool = True,
    cut: float | None = None,
):
    """Step curve, CI band and censoring ticks of one Kaplan-Meier result on ``ax``."""
    tab = _visible(result, threshold, cut)
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
    if censor_marks and "censored" in tab:
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


def format_pvalue(p: Any) -> str:
    """A p-value for a figure, the Danish way: ``p = 0,034``, ``p < 0,001``.

    Examples
    --------
    >>> format_pvalue(0.0342), format_pvalue(2e-7), format_pvalue(0.5)
    ('p = 0,034', 'p < 0,001', 'p = 0,500')
    """
    value = float(getattr(p, "p_value", p))
    if not math.isfinite(value):
        return "p = –"
    if value < 0.001:
        return "p < 0,001"
    return f"p = {fmt_number(value, 3)}"


def _pvalue_text(pvalue: Any) -> str:
    """The text for the plot: the test's name when a test result is given."""
    text = format_pvalue(pvalue)
    if hasattr(pvalue, "p_value") and hasattr(pvalue, "rho"):
        name = "Log-rank" if float(pvalue.rho) == 0 else f"G-rho ({fmt_number(pvalue.rho, 1)})"
        return f"{name}: {text}"
    return text


def _new_figure(rows: int, figsize: tuple[float, float], ratios: Sequence[float] | None):
    """A Figure outside pyplot (see the module docstring) and its axes."""
    fig = NotebookFigure(figsize=figsize)
    if rows == 1:
        return fig, [fig.add_subplot()]
    axes = fig.subplots(rows, 1, sharex=True, gridspec_kw={"height_ratios": list(ratios)})
    return fig, list(axes)


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
    censor_marks: bool = True,
    median_line: bool = False,
    pvalue: Any = None,
    cut: Mapping[str, float] | None = None,
    risk_counts: str = "persons",
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
        Draw the table of numbers at risk under the plot at the x ticks, aligned with
        the time axis, one row per curve (labels in the curves' colours).
    ci : bool
        Draw the pointwise confidence bands.
    threshold : int
        Disclosure threshold: counts ``0 < n < threshold`` show as ``"<threshold"``,
        and a curve stops at its last time with at least ``threshold`` persons at risk.
    title, xlabel, ylabel : str
        Texts (Danish defaults).
    censor_marks : bool
        Mark censoring times with ticks (survminer's ``censor``).
    median_line : bool
        Dotted lines from S = 50 % across to each curve's median and down to the time
        axis (survminer's ``surv.median.line = "hv"``); curves without a median get none.
    pvalue : float or LogrankResult, optional
        A p-value to print in the plot, e.g. a grouped fit's ``test`` (then named
        "Log-rank"). ``KaplanMeierResult.plot()`` passes its own test.
    cut : dict of str -> float, optional
        The last time each curve may be drawn (e.g. from the disclosure rules); counts
        after it are not shown either.
    risk_counts : {"persons", "weighted"}
        What the risk table counts for a weighted curve: persons under observation
        (default; the title says "personer"), or the sums of weights, labelled "vægtet".

    Returns
    -------
    matplotlib.figure.Figure
        Not registered with pyplot (show it by returning or ``display``-ing it).

    Raises
    ------
    ValueError, TypeError
        For empty or invalid curves, a bad reference, threshold, cut or risk_counts.
    """
    curves = _check_curves(curves)
    reference = _check_reference(reference)
    threshold = check_positive_int(threshold, "threshold")
    check_option("risk_counts", risk_counts, RISK_COUNTS)
    cut = _check_cut(cut, curves)
    table_ax = None
    created = ax is None
    if created:
        if at_risk:
            fig, (ax, table_ax) = _new_figure(2, (8, 5.5), [4, 0.4 + 0.3 * len(curves)])
        else:
            fig, (ax,) = _new_figure(1, (8, 4.5), None)
    else:
        fig = ax.figure
        if at_risk:
            table_ax = ax.inset_axes(
                [0.0, -0.2 - 0.08 * len(curves), 1.0, 0.06 * len(curves)], sharex=ax
            )
    colors = sns.color_palette("colorblind", len(curves))
    for (label, res), color in zip(curves.items(), colors, strict=True):
        _draw_km(
            ax,
            res,
            label=f"{label} (n = {fmt_number(res.n)})",
            ci=ci,
            color=color,
            threshold=threshold,
            censor_marks=censor_marks,
            cut=cut.get(label),
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
    if median_line:
        _median_lines(ax, curves, colors, threshold, cut)
    if pvalue is not None:
        ax.text(
            0.02,
            0.04,
            _pvalue_text(pvalue),
            transform=ax.transAxes,
            ha="left",
            va="bottom",
            fontsize="medium",
        )
    ax.yaxis.set_major_formatter(_PERCENT)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="upper right")
    if title:
        ax.set_title(title)
    if table_ax is not None:
        _at_risk_table(ax, table_ax, curves, threshold, colors, cut, risk_counts)
        table_ax.set_xlabel(xlabel)
    else:
        ax.set_xlabel(xlabel)
    if created:
        fig.tight_layout()
    return fig


def _check_cut(cut: Any, curves: Mapping[str, Any]) -> dict[str, float]:
    if cut is None:
        return {}
    if not isinstance(cut, Mapping):
        raise TypeError(f"cut must be a dict of curve label -> time, but was {cut!r}")
    unknown = [k for k in cut if k not in curves]
    if unknown:
        raise ValueError(f"cut names curves that are not drawn: {unknown!r}")
    return {k: float(v) for k, v in cut.items()}


def _median_lines(
    ax: Any, curves: Mapping[str, Any], colors: Any, threshold: int, cut: Mapping[str, float]
) -> None:
    """Dotted lines at S = 0.5 to each drawn curve's median and down to the axis."""
    shown = []
    for (label, res), color in zip(curves.items(), colors, strict=True):
        med = float(getattr(res, "median", math.nan))
        tab = _visible(res, threshold, cut.get(label))
        if math.isfinite(med) and len(tab) and med <= float(tab["time"].max()):
            shown.append((med, color))
    if not shown:
        return
    right = max(m for m, _ in shown)
    ax.plot([0, right], [0.5, 0.5], linestyle=":", color="0.3", linewidth=1.0,
            label="_nolegend_")  # fmt: skip
    for med, color in shown:
        ax.plot([med, med], [0, 0.5], linestyle=":", color=color, linewidth=1.0,
                label="_nolegend_")  # fmt: skip


def _at_risk_table(
    ax: Any,
    table_ax: Any,
    curves: Mapping[str, Any],
    threshold: int,
    colors: Any = None,
    cut: Mapping[str, float] | None = None,
    risk_counts: str = "persons",
) -> None:
    """Numbers at risk at the x ticks of ``ax``, one row per curve, small counts hidden.

    Persons are counted (also for a weighted curve, unless ``risk_counts="weighted"``,
    which shows the weighted numbers and labels the row "vægtet").
    """
    cut = cut or {}
    xmin, xmax = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if xmin <= t <= xmax]
    table_ax.set_xlim(xmin, xmax)
    table_ax.set_ylim(-0.5, len(curves) - 0.5)
    table_ax.set_yticks(range(len(curves)))
    any_weighted = any(getattr(res, "weighted", False) for res in curves.values())
    labels = []
    for label, res in curves.items():
        weighted = getattr(res, "weighted", False)
        labels.append(f"{label}, vægtet" if weighted and risk_counts == "weighted" else label)
    table_ax.set_yticklabels(labels[::-1])
    if colors is not None:
        for tick, color in zip(table_ax.get_yticklabels(), list(colors)[::-1], strict=True):
            tick.set_color(color)
    table_ax.tick_params(axis="y", length=0, pad=22)
    table_ax.tick_params(axis="x", labelbottom=True)
    for spine in ("top", "right", "left"):
        table_ax.spines[spine].set_visible(False)
    title = "Antal i risiko"
    if any_weighted and risk_counts == "persons":
        title = "Antal personer i risiko"
    table_ax.set_title(title, fontsize="small", loc="left")
    for row, (label, res) in enumerate(list(curves.items())[::-1]):
        times = np.asarray(ticks, dtype=float)
        persons = _risk_at(res, times, weighted=False)
        shown = _risk_at(res, times, weighted=True) if risk_counts == "weighted" else persons
        end = cut.get(label)
        for t, n, m in zip(times, shown, persons, strict=True):
            if end is not None and t > end:
                continue
            if getattr(res, "weighted", False) and risk_counts == "weighted":
                text = "<" + str(threshold) if 0 < m < threshold else fmt_number(n, 1)
            else:
                text = fmt_count(int(np.rint(n)), threshold)
            table_ax.text(t, row, text, ha="center", va="center", fontsize="small")


def _risk_at(res: Any, times: np.ndarray, weighted: bool) -> np.ndarray:
    """Number at risk at ``times``: the risk set of the first table time >= t (0 after)."""
    tt = res.table["time"].to_numpy()
    k = np.searchsorted(tt, times, side="left")
    counts = res.table["at_risk"].to_numpy(dtype=float) if weighted else _persons(res)
    return np.append(counts, 0.0)[k]


def plot_cumulative_incidence(
    result: Any,
    *,
    ax: Any = None,
    labels: Mapping[int, str] | None = None,
    ci: bool = True,
    title: str | None = None,
    xlabel: str = "Uger siden start",
    ylabel: str = "Kumuleret andel",
    show_tests: bool = True,
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
    show_tests : bool
        Print the p-values of Gray's tests (with groups) in the plot.

    Returns
    -------
    matplotlib.figure.Figure
        Not registered with pyplot. Each curve runs on to its group's last follow-up
        time, as ``cmprsk``'s.
    """
    if not hasattr(result, "table") or "incidence" not in result.table:
        raise TypeError(f"result must be a cumulative incidence result, but was {result!r}")
    labels = dict(labels or {})
    if ax is None:
        fig, (ax,) = _new_figure(1, (8, 4.5), None)
    else:
        fig = ax.figure
    followup = dict(getattr(result, "followup", {}) or {})
    keys = ["group", "cause"] if "group" in result.table else ["cause"]
    groups = list(result.table.groupby(keys, sort=False))
    colors = sns.color_palette("colorblind", max(len(groups), 1))
    for (key, sub), color in zip(groups, colors, strict=True):
        key = key if isinstance(key, tuple) else (key,)
        cause = int(key[-1])
        name = labels.get(cause, f"Årsag {cause}")
        if len(key) == 2:
            name = f"{key[0]}: {name}"
        # as cmprsk's curves: on to the group's last follow-up time
        end = followup.get(key[0] if len(key) == 2 else None, float(sub["time"].max()))
        end = max(end, float(sub["time"].max()))
        x = np.concatenate(([0.0], sub["time"].to_numpy(), [end]))
        y = np.concatenate(([0.0], sub["incidence"].to_numpy()))
        y = np.append(y, y[-1])
        ax.step(x, y, where="post", color=color, label=name, linewidth=1.8)
        if ci:
            lo = np.concatenate(([0.0], sub["lower"].to_numpy()))
            hi = np.concatenate(([0.0], sub["upper"].to_numpy()))
            lo, hi = np.append(lo, lo[-1]), np.append(hi, hi[-1])
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
    tests = getattr(result, "tests", None)
    if show_tests and tests is not None and len(tests):
        parts = [
            f"{labels.get(int(r.cause), f'Årsag {int(r.cause)}')}: {format_pvalue(r.p_value)}"
            for r in tests.itertuples(index=False)
        ]
        ax.text(0.98, 0.04, "Grays test – " + "; ".join(parts), transform=ax.transAxes,
                ha="right", va="bottom", fontsize="small")  # fmt: skip
    _finish_share_axes(ax, xlabel, ylabel, title)
    return fig


def _finish_share_axes(ax: Axes, xlabel: str, ylabel: str, title: str | None) -> None:
    """Percent y axis, labels, light grid, legend top left and the title (if any)."""
    ax.yaxis.set_major_formatter(_PERCENT)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="upper left")
    if title:
        ax.set_title(title)


def plot_cumulative_hazard(
    curves: Mapping[str, Any],
    *,
    ax: Any = None,
    ci: bool = True,
    censor_marks: bool = False,
    title: str | None = None,
    xlabel: str = "Uger siden start",
    ylabel: str = "Kumuleret hazard",
) -> Figure:
    """Nelson-Aalen cumulative hazards as step curves with their (log-scale) bands.

    Parameters
    ----------
    curves : dict of str -> NelsonAalenResult
        Label -> fitted cumulative hazard (:func:`evalkit.survival.nelson_aalen`).
    ax : matplotlib Axes, optional
    ci : bool
        Draw the pointwise confidence bands.
    censor_marks : bool
        Ticks at times with censorings (when the table has a ``censored`` column).
    title, xlabel, ylabel : str

    Returns
    -------
    matplotlib.figure.Figure
        Not registered with pyplot.

    Raises
    ------
    ValueError, TypeError
        For empty curves or results without a ``cumhaz`` column.
    """
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError(
            "curves must be a non-empty dict of label -> Nelson-Aalen result, "
            f"but was {type(curves).__name__}"
        )
    for label, res in curves.items():
        if not hasattr(res, "table") or "cumhaz" not in res.table:
            raise TypeError(f"curves[{label!r}] must be a Nelson-Aalen result, but was {res!r}")
    if ax is None:
        fig, (ax,) = _new_figure(1, (8, 4.5), None)
    else:
        fig = ax.figure
    colors = sns.color_palette("colorblind", len(curves))
    for (label, res), color in zip(curves.items(), colors, strict=True):
        tab = res.table
        x = np.concatenate(([0.0], tab["time"].to_numpy()))
        y = np.concatenate(([0.0], tab["cumhaz"].to_numpy()))
        ax.step(x, y, where="post", color=color, linewidth=1.8,
                label=f"{label} (n = {fmt_number(res.n)})")  # fmt: skip
        if ci:
            lo = np.concatenate(([0.0], tab["lower"].to_numpy()))
            hi = np.concatenate(([0.0], tab["upper"].to_numpy()))
            ok = np.isfinite(lo) & np.isfinite(hi)
            ax.fill_between(x[ok], lo[ok], hi[ok], step="post", color=color, alpha=0.18,
                            linewidth=0)  # fmt: skip
        if censor_marks and "censored" in tab:
            cens = tab[tab["censored"] > 0]
            ax.plot(cens["time"], cens["cumhaz"], linestyle="none", marker="|",
                    markersize=7, color=color, label="_nolegend_")  # fmt: skip
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
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
            f"{fmt_percent(s, text=True)} efter {fmt_number(w)} uger"
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
                bits.append(f"{fmt_percent(s[i], text=True)} efter {fmt_number(week)} uger")
        if bits:
            parts.append("Landstal (stiplet linje): " + ", ".join(bits) + ".")
    return " ".join(parts)
