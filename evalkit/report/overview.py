"""The kommune overview in ``reports/index.html``: funnel and caterpillar plots.

For a batch of per-kommune reports (``evalkit run CONFIG --by kommune``) the index shows,
for every criterion that is a share of persons or an O/E against the national curve, a
funnel plot (each kommune's estimate against its size, with 95 % and 99,8 % control limits
around the national value) and a caterpillar plot (the estimates sorted, with their 95 %
intervals, and the empirical-Bayes shrunken values as open circles), and names the kommuner
outside the limits. It replaces any ranking of the kommuner: with about 40 persons each,
most differences between kommuner are within chance.

Only published figures are used: each kommune's ``results.json`` (the same numbers its
own report shows). A kommune whose result is hidden there (small cells), or whose count or
complement is under the disclosure threshold, is left out of the figures and counted in
the text. The national value for shares is the pooled share of the kommuner shown, so it
too follows from published figures; for O/E it is 1 (the national curve).
:func:`overview_data` is the one place the figure data come from (``disclosure`` checks
it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from evalkit.disclosure import suppress_share
from evalkit.formatting import fmt_count, fmt_number, fmt_percent
from evalkit.funnel import Funnel, funnel

__all__ = ["CriterionOverview", "overview_data", "overview_html", "read_results"]

_SHARE_KINDS = ("share", "survey_share")
_RATIO_KINDS = ("survival_vs_reference",)
_MIN_UNITS = 3


@dataclass(frozen=True)
class CriterionOverview:
    """The published figure data of one criterion across the kommuner of a batch.

    Attributes
    ----------
    id, label : str
        The criterion.
    kind : str
        ``"share"`` or ``"ratio"`` (O/E).
    funnel : Funnel
        The kommuner shown (only publishable figures), limits and shrunken values.
    omitted : int
        Kommuner left out: result hidden (small cells) or not computed.
    threshold : int
        The disclosure threshold the figures respect.
    """

    id: str
    label: str
    kind: str
    funnel: Funnel
    omitted: int
    threshold: int

    def to_frame(self) -> pd.DataFrame:
        """The points drawn (one row per kommune)."""
        return self.funnel.to_frame()


def _point(crit: dict[str, Any], threshold: int) -> tuple[float, float] | None:
    """(x, size) of a kommune's published result, or None when it must not be drawn."""
    if crit.get("suppressed") or crit.get("estimate") is None:
        return None
    details = crit.get("details") or {}
    n = int(crit.get("n") or 0)
    if crit["kind"] in _SHARE_KINDS:
        if "x" not in details or n <= 0:
            return None
        x = int(details["x"])
        return (float(x), float(n)) if not suppress_share(x, n, threshold).suppressed else None
    observed, expected = details.get("observed"), details.get("expected")
    if observed is None or not expected or n <= 0:
        return None
    if suppress_share(round(observed), n, threshold).suppressed:
        return None  # a point (E, O/E) reveals O, the persons who left benefit
    return float(observed), float(expected)


def overview_data(results: list[dict[str, Any]]) -> list[CriterionOverview]:
    """The figure data of a batch, from its reports' ``results.json`` contents.

    Parameters
    ----------
    results : list of dict
        One parsed ``results.json`` per kommune (with ``subset``).

    Returns
    -------
    list of CriterionOverview
        One per share or O/E criterion with at least three kommuner to show.
    """
    order: list[str] = []
    found: dict[str, dict[str, Any]] = {}
    for data in results:
        unit = ", ".join((data.get("subset") or {}).values()) or str(data.get("kommune", ""))
        thr = int(data.get("disclosure_threshold", 5))
        for crit in data.get("criteria", []):
            if crit["kind"] not in (*_SHARE_KINDS, *_RATIO_KINDS):
                continue
            entry = found.setdefault(
                crit["id"],
                {"label": crit["label"], "kind": crit["kind"], "units": [], "x": [], "size": [],
                 "omitted": 0, "threshold": thr},
            )  # fmt: skip
            if crit["id"] not in order:
                order.append(crit["id"])
            entry["threshold"] = max(entry["threshold"], thr)
            point = _point(crit, thr)
            if point is None:
                entry["omitted"] += 1
                continue
            entry["units"].append(unit)
            entry["x"].append(point[0])
            entry["size"].append(point[1])
    out = []
    for cid in order:
        e = found[cid]
        if len(e["units"]) < _MIN_UNITS:
            continue
        kind = "share" if e["kind"] in _SHARE_KINDS else "ratio"
        out.append(
            CriterionOverview(
                id=cid,
                label=e["label"],
                kind=kind,
                funnel=funnel(e["units"], e["x"], e["size"], kind=kind),
                omitted=e["omitted"],
                threshold=e["threshold"],
            )
        )
    return out


def read_results(out_dir: Path, hrefs: list[str]) -> list[dict[str, Any]]:
    """The ``results.json`` beside each report ``href`` (relative to ``out_dir``)."""
    out = []
    for href in hrefs:
        path = out_dir / href.removesuffix(".html")
        path = path.with_name(path.name + ".results.json")
        out.append(json.loads(path.read_text(encoding="utf-8")))
    return out


def _value(kind: str, v: float) -> str:
    return fmt_percent(v) if kind == "share" else fmt_number(v, 2)


def _names(points: pd.DataFrame, kind: str) -> str:
    return ", ".join(
        f"{u} ({_value(kind, e)}, {'over' if b.startswith('over') else 'under'})"
        for u, e, b in zip(points["unit"], points["estimate"], points["band"], strict=True)
    )


def _text(c: CriterionOverview) -> str:
    f = c.funnel
    k = len(f.points)
    what = "andel" if c.kind == "share" else "O/E"
    out99 = f.outside(0.998)
    out95 = f.outside(0.95)
    only95 = out95[~out95["unit"].isin(out99["unit"])]
    parts = [
        f"{fmt_count(k)} kommuner er vist; landsværdien er {_value(c.kind, f.centre)}"
        + (
            " (den samlede andel for de viste kommuner)."
            if c.kind == "share"
            else " (O/E = 1: som landskurven)."
        )
    ]
    if len(out99):
        parts.append(f"Uden for 99,8 %-grænserne: {_names(out99, c.kind)}.")
    if len(only95):
        parts.append(f"Uden for 95 %-grænserne (men inden for 99,8 %): {_names(only95, c.kind)}.")
    if not len(out95):
        parts.append("Ingen kommune ligger uden for 95 %-grænserne.")
    parts.append(
        f"Ved tilfældighed alene ventes ca. {fmt_number(0.05 * k, 1)} af {fmt_count(k)} "
        f"kommuner uden for 95 %-grænserne og ca. {fmt_number(0.002 * k, 1)} uden for "
        f"99,8 %-grænserne, så en kommune uden for 95 %-grænserne er ikke i sig selv "
        f"bevis på en forskel; kommunerne inden for grænserne kan ikke skelnes fra "
        f"landsværdien ud fra deres egne tal."
    )
    if c.omitted:
        parts.append(
            f"{fmt_count(c.omitted)} kommuner er ikke vist, fordi deres {what} enten er skjult, "
            f"ville afsløre færre end {c.threshold} personer (diskretionering) eller ikke kunne "
            "beregnes."
        )
    return " ".join(parts)


def _alt_funnel(c: CriterionOverview) -> str:
    f = c.funnel
    size = "antal personer" if c.kind == "share" else "forventede afgange"
    lo, hi = f.points["size"].min(), f.points["size"].max()
    out95 = f.outside(0.95)
    names = ", ".join(out95["unit"]) if len(out95) else "ingen"
    return (
        f"Tragtdiagram for «{c.label}»: {len(f.points)} kommuners "
        f"{'andel' if c.kind == 'share' else 'O/E'} mod {size} ({fmt_number(lo)} til "
        f"{fmt_number(hi)}), med 95 %- og 99,8 %-kontrolgrænser omkring landsværdien "
        f"{_value(c.kind, f.centre)}. Uden for 95 %-grænserne: {names}."
    )


def _alt_caterpillar(c: CriterionOverview) -> str:
    pts = c.funnel.points
    first, last = pts.iloc[0], pts.iloc[-1]
    return (
        f"Larvediagram for «{c.label}»: {len(pts)} kommuners skøn med 95 %-konfidensinterval, "
        f"sorteret fra {first['unit']} ({_value(c.kind, first['estimate'])}) til "
        f"{last['unit']} ({_value(c.kind, last['estimate'])}), med landsværdien "
        f"{_value(c.kind, c.funnel.centre)} som lodret linje og udjævnede skøn (empirisk "
        "Bayes) som åbne cirkler."
    )


def overview_html(data: list[CriterionOverview], anchor: str) -> str:
    """The overview section of one batch group: text, funnel and caterpillar per criterion."""
    if not data:
        return ""
    from evalkit.plots_funnel import plot_caterpillar, plot_funnel
    from evalkit.report.sections import _e, figure_html

    parts = [
        f'<h3 id="{_e(anchor)}-oversigt">Kommunerne sammenlignet</h3>',
        "<p>Kommunerne rangordnes ikke: med få personer pr. kommune skyldes de fleste forskelle "
        "tilfældigheder. Tragtdiagrammet (funnel plot) viser hver kommunes resultat mod dens "
        "størrelse med kontrolgrænser omkring landsværdien (Spiegelhalter 2005; eksakte "
        "binomial- og Poisson-grænser): 95 % og 99,8 %. Larvediagrammet (caterpillar plot) "
        "viser de samme resultater sorteret, hver med sit 95 %-konfidensinterval. De åbne "
        "cirkler er udjævnede skøn (empirisk Bayes): kommunens resultat trukket mod "
        "landsværdien, mere jo færre personer; de er ikke kommunens eget resultat.</p>",
    ]
    for c in data:
        ylabel = "Andel" if c.kind == "share" else "O/E (observerede/forventede afgange)"
        xlabel = "Antal personer (logaritmisk akse)" if c.kind == "share" else (
            "Forventede afgange (logaritmisk akse)")  # fmt: skip
        parts.append(f"<h4>{_e(c.label)}</h4><p>{_e(_text(c))}</p>")
        parts.append(
            figure_html(
                plot_funnel(c.funnel, xlabel=xlabel, ylabel=ylabel),
                _alt_funnel(c),
                f"Tragtdiagram: {c.label}. Stiplet: 95 %-grænser; prikket: 99,8 %-grænser.",
            )
        )
        parts.append(
            figure_html(
                plot_caterpillar(c.funnel, xlabel=ylabel),
                _alt_caterpillar(c),
                f"Larvediagram: {c.label}, med 95 %-konfidensintervaller og udjævnede skøn "
                "(empirisk Bayes, åbne cirkler).",
            )
        )
    return "".join(parts)
