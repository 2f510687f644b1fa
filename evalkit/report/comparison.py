"""Report section "Sammenligningsgruppe": participants against a reweighted comparison pool.

Shown when the project config has a ``comparison`` entry and the data hold persons in
the arm ``sammenligning``; otherwise :func:`comparison` returns an empty :class:`Html`.
All numbers come from :func:`evalkit.compare_survival.adjusted_survival`; this module only
formats them (Danish labels and numbers, small cells hidden).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from evalkit import labels
from evalkit.compare import alt_text_love_plot, love_plot
from evalkit.compare_survival import AdjustedSurvivalResult, adjusted_survival
from evalkit.disclosure import suppress_share
from evalkit.formatting import fmt_ci, fmt_count, fmt_number, fmt_percent, fmt_pp
from evalkit.report.analysis import SURVIVAL_WEEKS, Analysis, _round_or_none
from evalkit.report.sections import Html, _e, _h2, _table, figure_html
from evalkit.results import Estimate

__all__ = ["comparison"]

ARM_TREATED = "indsats"
ARM_COMPARISON = "sammenligning"
_TREATMENT = "indsats"
_ANCHOR = "sammenligning"
_TITLE = "Sammenligningsgruppe"

# Danish words come from evalkit.labels (the one table); these names stay for old imports.
VARIABLE_NAMES = {code: text[:1].upper() + text[1:] for code, text in labels.VARIABLES.items()}
LEVEL_NAMES = {**labels.SEXES, **labels.EDUCATIONS, **labels.ORIGINS}
CURVE_LABELS = {
    "treated": "Deltagere",
    "control": "Sammenligningsgruppe (ujusteret)",
    "control_weighted": "Sammenligningsgruppe (vægtet)",
}


def _var(name: str) -> str:
    return VARIABLE_NAMES.get(name, name)


def _level(level: str) -> str:
    return LEVEL_NAMES.get(level, level)


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "–"
    return "< 0,001" if p < 0.001 else fmt_number(p, 3)


def _smd(x: float) -> str:
    """Signed SMD with two decimals and a true minus sign; no "−0,00"."""
    if not math.isfinite(x):
        return "–"
    x = round(float(x), 2) + 0.0  # + 0.0 turns -0.0 into 0.0
    return fmt_number(x, 2).replace("-", "−")


def _covariate_phrase(covariates: list[str]) -> str:
    names = [_var(c).split(" (")[0].lower() for c in covariates]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


def _small(count: float, n: int, threshold: int) -> bool:
    """True when a category level's count (a mean times n) would reveal a small group."""
    return suppress_share(min(round(count), n), n, threshold).suppressed


def _balance_html(res: AdjustedSurvivalResult, threshold: int) -> str:
    bal = res.balance
    n1, n0 = res.n_treated, res.n_control
    rows = []
    for r in bal.itertuples(index=False):
        label = _var(r.covariate) + (f": {_level(r.level)}" if r.level else "")
        if r.type == "continuous":
            cells = [fmt_number(r.mean_treated, 1), fmt_number(r.mean_control, 1)]
            cells += [_smd(r.smd_before), fmt_number(r.mean_control_weighted, 1)]
            cells.append(_smd(r.smd_after))
        elif _small(r.mean_treated * n1, n1, threshold) or _small(
            r.mean_control * n0, n0, threshold
        ):
            cells = [f"<{threshold} pers."] + ["–"] * 4
        else:
            cells = [fmt_percent(r.mean_treated), fmt_percent(r.mean_control)]
            cells += [_smd(r.smd_before), fmt_percent(r.mean_control_weighted)]
            cells.append(_smd(r.smd_after))
        rows.append([label, *cells])
    df = pd.DataFrame(
        rows,
        columns=[
            "Baggrundsvariabel",
            "Deltagere",
            "Sammenligningsgruppe",
            "Forskel før (SMD)",
            "Sammenligningsgruppe, vægtet",
            "Forskel efter (SMD)",
        ],
    )
    return _table(
        df,
        "Deltagere og sammenligningsgruppe før og efter vægtning: gennemsnit (alder) eller "
        "andel, og standardiseret middelværdiforskel (SMD)",
        numeric=df.columns[1:],
    )


def _published_curves(res: AdjustedSurvivalResult, threshold: int) -> dict[str, object]:
    """The curves as the report may show them (:func:`evalkit.disclosure.publishable_curve`).

    Participants and the unweighted comparison group are drawn from grouped life tables
    (every step and censoring count 0 or at least ``threshold``; None when not
    publishable). The weighted comparison curve is read off at the times of the grouped
    unweighted comparison curve only, and shows its persons (not weights) at risk, so it
    steps where that curve steps and reveals no count of its own.
    """
    from evalkit.disclosure import publishable_curve

    treated = publishable_curve(res.curves["treated"], threshold)
    plain = publishable_curve(res.curves["control"], threshold)
    weighted = None
    if plain is not None:
        grid = plain.table
        at = res.curves["control_weighted"].survival_at(grid["time"].to_numpy())
        table = grid.assign(
            survival=at["survival"].to_numpy(),
            lower=at["lower"].to_numpy(),
            upper=at["upper"].to_numpy(),
            std_err=np.nan,
        )
        weighted = dataclasses.replace(res.curves["control_weighted"], table=table)
    return {"treated": treated, "control": plain, "control_weighted": weighted}


def _plot_curves(curves: dict[str, object]) -> dict[str, object]:
    """The published curves by their Danish labels (those that can be shown)."""
    return {CURVE_LABELS[k]: km for k, km in curves.items() if km is not None}


def _survival_html(res: AdjustedSurvivalResult, curves: dict[str, object], threshold: int) -> str:
    rows = []
    for key, label in CURVE_LABELS.items():
        n = fmt_count(res.curves[key].n, threshold)
        if key == "control_weighted":
            n += f" (effektivt {fmt_number(res.ess_control)})"
        row = {"Gruppe": label, "n": n}
        km = curves[key]
        at = km.survival_at(list(SURVIVAL_WEEKS)) if km is not None else None
        for i, week in enumerate(SURVIVAL_WEEKS):
            ok = at is not None and at["at_risk"].iloc[i] >= threshold
            row[f"Uge {fmt_number(week)}"] = (
                f"{fmt_percent(at['survival'].iloc[i])} "
                f"{fmt_ci(at['lower'].iloc[i], at['upper'].iloc[i])}"
                if ok
                else "–"
            )
        rows.append(row)
    return _table(
        pd.DataFrame(rows),
        "Andel stadig på ydelse efter 13, 26 og 52 uger med 95 %-konfidensinterval",
        numeric=("n",),
    )


def _published_difference(res: AdjustedSurvivalResult, curves: dict[str, object]) -> pd.DataFrame:
    """The difference at 13, 26, 52 weeks between the published curves.

    The estimate is the difference of the two published curves (so it reveals nothing
    they do not); the interval keeps the width the comparison model gives the
    difference of the ungrouped curves. NaN where either curve is not published.
    """
    out = res.difference.copy()
    t, w = curves["treated"], curves["control_weighted"]
    if t is None or w is None:
        out[["estimate", "lower", "upper"]] = np.nan
        return out
    times = out["time"].to_numpy(dtype=float)
    est = t.survival_at(times)["survival"].to_numpy() - w.survival_at(times)["survival"].to_numpy()
    shift = est - out["estimate"].to_numpy()
    return out.assign(estimate=est, lower=out["lower"] + shift, upper=out["upper"] + shift)


def _difference_html(
    res: AdjustedSurvivalResult,
    difference: pd.DataFrame,
    curves: dict[str, object],
    threshold: int,
) -> str:
    """The difference table, from :func:`_published_difference` (p from its own interval)."""
    from scipy import stats

    rows = []
    z = stats.norm.isf(0.025)
    for r in difference.itertuples(index=False):
        risks = [
            km.survival_at([r.time])["at_risk"].iloc[0] if km is not None else 0
            for km in (curves["treated"], curves["control"])
        ]
        ok = min(risks) >= threshold and math.isfinite(r.estimate)
        se = (r.upper - r.lower) / (2 * z)
        p = float(2 * stats.norm.sf(abs(r.estimate) / se)) if ok and se > 0 else math.nan
        rows.append(
            {
                "Uger efter start": fmt_number(r.time),
                "Forskel (deltagere − vægtet sammenligningsgruppe)": fmt_pp(r.estimate)
                if ok
                else "–",
                "95 %-konfidensinterval": fmt_ci(r.lower, r.upper, kind="pp") if ok else "–",
                "p-værdi": _p(p) if ok else "–",
            }
        )
    df = pd.DataFrame(rows)
    return _table(
        df,
        "Forskel i andel stadig på ydelse mellem deltagere og den vægtede sammenligningsgruppe",
        numeric=df.columns[1:],
    )


def _cox_html(res: AdjustedSurvivalResult, covariates: list[str]) -> str:
    rows = []
    for model, label in (
        ("adjusted", f"Justeret for {_covariate_phrase(covariates)}"),
        ("weighted", "Vægtet sammenligningsgruppe"),
        ("unadjusted", "Ujusteret"),
    ):
        hr = res.hazard_ratio(model)
        rows.append(
            {
                "Model": label,
                "Hazard ratio": fmt_number(hr.estimate, 2),
                "95 %-konfidensinterval": fmt_ci(hr.lower, hr.upper, kind="number", decimals=2),
                "p-værdi": _p(hr.p_value),
                "n": fmt_number(hr.n),
                "Afgange": fmt_number(hr.details["n_events"]),
            }
        )
    df = pd.DataFrame(rows)
    return _table(
        df,
        "Cox-regression: afgangsrate til selvforsørgelse for deltagere i forhold til "
        "sammenligningsgruppen",
        numeric=df.columns[1:],
    )


def _balance_sentence(res: AdjustedSurvivalResult) -> str:
    after = res.balance["smd_after"].abs()
    before = res.balance["smd_before"].abs()
    worst = int(before.to_numpy().argmax())
    text = (
        f"Før vægtning er den største forskel {fmt_number(before.iloc[worst], 2)} "
        f"({_var(res.balance['covariate'].iloc[worst]).split(' (')[0].lower()}). "
    )
    over = int((after > 0.1).sum())
    if over == 0:
        text += (
            "Efter vægtning er alle forskelle under 0,1, som er den sædvanlige grænse for "
            "god balance."
        )
    else:
        text += (
            f"Efter vægtning ligger {over} forskel(le) stadig over 0,1, så grupperne er ikke "
            "helt sammenlignelige, og resultaterne skal læses med forsigtighed."
        )
    return text


def _key_figures(
    res: AdjustedSurvivalResult,
    d26: pd.DataFrame,
    n1: int,
    n0: int,
    hazard_ratios: dict[str, Estimate],
) -> dict[str, object]:
    """The comparison's key figures for results.json (group-level numbers only)."""

    def est(e: Estimate) -> dict[str, float | None]:
        return {k: _round_or_none(getattr(e, k)) for k in ("estimate", "lower", "upper", "p_value")}

    out: dict[str, object] = {
        "n_participants": n1,
        "n_comparison": n0,
        "effective_n_comparison": _round_or_none(res.ess_control, 1),
        "smd_max_before": _round_or_none(res.balance["smd_before"].abs().max()),
        "smd_max_after": _round_or_none(res.balance["smd_after"].abs().max()),
        **{f"hazard_ratio_{model}": est(e) for model, e in hazard_ratios.items()},
    }
    if len(d26) and math.isfinite(float(d26["estimate"].iloc[0])):
        r = d26.iloc[0]
        out["difference_S26"] = {k: _round_or_none(r[k]) for k in ("estimate", "lower", "upper")}
    return out


def comparison(a: Analysis) -> Html:
    """The section "Sammenligningsgruppe" (empty when the project has no comparison group).

    Parameters
    ----------
    a : Analysis
        From :func:`evalkit.report.prepare`; uses ``a.spells`` (both arms with their
        baseline covariates), ``a.config.comparison["covariates"]``,
        ``a.config.disclosure_threshold`` and ``a.reference_curve``.

    Returns
    -------
    Html
        Heading (id ``sammenligning``), explanation, balance table, love plot, survival
        curves with the national curve, S(13), S(26), S(52) per curve, the difference from
        the weighted comparison group and the Cox hazard ratios.
    """
    from evalkit.plots import alt_text_survival, plot_survival

    config = a.config
    spells = a.spells
    if not config.comparison or not (spells["arm"] == ARM_COMPARISON).any():
        return Html("")
    head = _h2(_ANCHOR, _TITLE)
    thr = config.disclosure_threshold
    covariates = [str(c) for c in (config.comparison.get("covariates") or [])]
    missing_cols = [c for c in covariates if c not in spells.columns]
    if not covariates or missing_cols:
        why = (
            "projektets konfiguration angiver ingen baggrundsvariable"
            if not covariates
            else f"data mangler baggrundsvariablene {', '.join(missing_cols)}"
        )
        return Html(head + f"<p>Sammenligningen kan ikke laves: {_e(why)}.</p>")
    data = spells[spells["arm"].isin([ARM_TREATED, ARM_COMPARISON])]
    complete = data[covariates].notna().all(axis=1)
    dropped = int((~complete).sum())
    data = data[complete].assign(**{_TREATMENT: lambda d: (d["arm"] == ARM_TREATED).astype(int)})
    n1 = int(data[_TREATMENT].sum())
    n0 = len(data) - n1
    if min(n1, n0) < thr:
        return Html(
            head + f"<p>For få personer til en sammenligning (færre end {thr} i en af "
            "grupperne).</p>"
        )
    try:
        res = adjusted_survival(data, _TREATMENT, covariates, times=SURVIVAL_WEEKS)
    except ValueError as err:
        return Html(
            head + "<p>Sammenligningen kunne ikke beregnes med de valgte baggrundsvariable "
            f"(teknisk årsag: <code>{_e(err)}</code>).</p>"
        )

    phrase = _covariate_phrase(covariates)
    intro = (
        f"<p>Sammenligningsgruppen er {fmt_count(n0, thr)} personer fra kommunens egne "
        f"borgere i målgruppen, som ikke deltog i projektet; deltagerne er "
        f"{fmt_count(n1, thr)}. De to grupper var ikke ens fra starten, så en direkte "
        "sammenligning kan skyldes forskelle i, hvem der var med, og ikke projektet. Derfor "
        f"vægtes sammenligningsgruppen, så den ligner deltagerne på {_e(phrase)}: "
        "personer, der ligner deltagerne meget, tæller mere, og personer, der ligner dem "
        "lidt, tæller mindre (propensity score-vægtning). Vægtningen kan kun tage højde for "
        "forskelle, der er målt; forskelle i fx motivation eller helbred kan stadig spille "
        "ind.</p>"
    )
    if dropped:
        intro += (
            f"<p>{fmt_count(dropped, thr)} personer er udeladt, fordi de mangler oplysning "
            "om en af baggrundsvariablene.</p>"
        )

    balance_text = (
        "<p>Tabellen viser, hvor forskellige grupperne er før og efter vægtning. Forskellen "
        "måles som standardiseret middelværdiforskel (SMD): forskellen i gennemsnit eller "
        f"andel divideret med spredningen. {_e(_balance_sentence(res))} Den effektive "
        f"størrelse af den vægtede sammenligningsgruppe er {fmt_number(res.ess_control)} "
        "personer.</p>"
    )
    named = res.balance.assign(
        covariate=res.balance["covariate"].map(lambda c: _var(c).split(" (")[0]),
        level=res.balance["level"].map(_level),
    )
    love = figure_html(
        love_plot(named),
        alt_text_love_plot(named),
        "Standardiserede middelværdiforskelle før (åbne cirkler) og efter vægtning (fyldte "
        "cirkler). Den stiplede linje ved 0,1 er grænsen for god balance.",
    )

    published = _published_curves(res, thr)
    curves = _plot_curves(published)
    k = config.spells_k
    curve_fig = ""
    if curves:
        fig = plot_survival(curves, reference=a.reference_curve, threshold=thr, title=None)
        curve_fig = figure_html(
            fig,
            alt_text_survival(curves, reference=a.reference_curve, threshold=thr),
            "Andel stadig på ydelse efter uger siden start for deltagere og "
            "sammenligningsgruppe, uvægtet og vægtet (Kaplan-Meier, 95 %-konfidensbånd, uger "
            f"grupperet, så hvert trin rummer mindst {thr} afgange). Afgang = første uge i "
            f"{k} sammenhængende uger uden ydelse. Antal i risiko er personer." + a.reference_note,
        )
    missing = [label for key, label in CURVE_LABELS.items() if published[key] is None]
    if missing:
        curve_fig += (
            f"<p>Kurven vises ikke for {_e(', '.join(missing))}: der er færre end {thr} "
            f"afgange eller færre end {thr} censurerede i alt (diskretionering).</p>"
        )
    curve_text = (
        "<p>Kurverne viser, hvor stor en andel der stadig er på ydelse et givet antal uger "
        "efter start. Jo lavere kurven ligger, jo hurtigere kommer personerne i "
        "selvforsørgelse. Den vægtede sammenligningsgruppe viser, hvordan det ville være gået "
        "personer, der ligner deltagerne, uden projektet. Konfidensbåndet for den vægtede "
        "kurve bruger en robust varians, fordi vægtene ikke er hele tal. Tal vises kun, når "
        f"mindst {thr} personer stadig er i risiko.</p>"
    )

    difference = _published_difference(res, published)
    d26 = difference.loc[difference["time"] == 26]
    diff_text = (
        "<p>Forskellen mellem deltagerne og den vægtede sammenligningsgruppe i andelen, der "
        "stadig er på ydelse, er et mål for projektets betydning for deltagerne. Et negativt "
        "tal betyder, at færre deltagere end forventet er på ydelse. Vi opgør forskellen ved "
        "13, 26 og 52 uger i stedet for en samlet test, fordi den kan læses direkte i "
        "procentpoint og svarer til projektets mål om beskæftigelse 26 uger efter start. "
        "Konfidensintervallet tager højde for, at vægtene selv er beregnet ud fra data.</p>"
    )
    if len(d26) and math.isfinite(float(d26["estimate"].iloc[0])):
        r = d26.iloc[0]
        diff_text += (
            f"<p>Efter 26 uger er forskellen {fmt_pp(r['estimate'], text=True)} "
            f"{fmt_ci(r['lower'], r['upper'], kind='pp', text=True)}.</p>"
        )

    hr = res.hazard_ratio()
    hr_u = res.hazard_ratio("unadjusted")
    hr_w = res.hazard_ratio("weighted")
    hrs = {"adjusted": hr, "weighted": hr_w, "unadjusted": hr_u}
    a.key_figures["comparison"] = _key_figures(res, d26, n1, n0, hrs)
    if hr.lower > 1:
        verdict = "deltagerne kommer hurtigere i selvforsørgelse end sammenlignelige personer"
    elif hr.upper < 1:
        verdict = "deltagerne kommer langsommere i selvforsørgelse end sammenlignelige personer"
    else:
        verdict = "der er ingen statistisk sikker forskel på deltagerne og sammenlignelige personer"
    cox_text = (
        "<p>Cox-regressionen sammenligner, hvor hurtigt de to grupper kommer i "
        "selvforsørgelse, uge for uge. En hazard ratio over 1 betyder, at deltagerne kommer "
        f"hurtigere i selvforsørgelse end sammenligningsgruppen. Justeret for {_e(phrase)} er "
        f"hazard ratio {fmt_number(hr.estimate, 2)} "
        f"{fmt_ci(hr.lower, hr.upper, kind='number', decimals=2)}: {verdict} uden for "
        "projektet. "
        f"Uden justering er den {fmt_number(hr_u.estimate, 2)}; forskellen mellem de to tal "
        "viser, hvor meget forskellene i baggrund betyder for en direkte sammenligning. "
        "Sammenlignet med den vægtede sammenligningsgruppe er hazard ratio "
        f"{fmt_number(hr_w.estimate, 2)} "
        f"{fmt_ci(hr_w.lower, hr_w.upper, kind='number', decimals=2)}; den gælder for "
        "deltagerne som helhed, mens den justerede sammenligner personer med samme "
        "baggrund, så de to tal kan afvige lidt fra hinanden.</p>"
    )
    return Html(
        head
        + intro
        + "<h3>Balance mellem grupperne</h3>"
        + balance_text
        + _balance_html(res, thr)
        + love
        + "<h3>Tid på ydelse</h3>"
        + curve_text
        + curve_fig
        + _survival_html(res, published, thr)
        + diff_text
        + _difference_html(res, difference, published, thr)
        + "<h3>Afgangsrate (Cox-regression)</h3>"
        + cox_text
        + _cox_html(res, covariates)
    )
