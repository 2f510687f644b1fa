"""The sections of a Danish evaluation report, as HTML fragments.

Every function takes an :class:`~evalkit.report.analysis.Analysis` and returns an
:class:`Html` object, which a notebook displays as rich output. Headings carry ids so
the page template can build a table of contents. Figures are embedded as PNG with a
Danish alt text; every estimate is shown with n and a confidence interval; counts are
passed through :mod:`evalkit.disclosure`.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable

import matplotlib.figure
import matplotlib.pyplot as plt
import pandas as pd

import evalkit
from evalkit import labels
from evalkit._files import sha256_file
from evalkit._provenance import environment
from evalkit.criteria import CriterionResult
from evalkit.disclosure import UnprotectableTable, suppress
from evalkit.formatting import (
    fmt_ci,
    fmt_count,
    fmt_date,
    fmt_number,
    fmt_percent,
    fmt_pp,
)
from evalkit.report.analysis import SURVIVAL_WEEKS, Analysis
from evalkit.verdicts import PROGRESS_WORDS, VERDICTS

__all__ = [
    "Html",
    "figure_html",
    "header",
    "method",
    "participant_flow",
    "provenance",
    "scorecard",
    "summary",
    "survival",
    "verdict_word",
]

KIND_TITLES = {"slutevaluering": "Slutevaluering", "statusrapport": "Statusrapport"}
_VERDICT_CLASS = {
    "opfyldt": "ok",
    "ikke opfyldt": "no",
    "usikkert": "unsure",
    "kan ikke afgøres": "na",
    "intet mål": "na",
}
# The status report's words for the same categories (evalkit.verdicts.PROGRESS_WORDS).
_STATUS_WORDS = dict(PROGRESS_WORDS)
_EXACT_CI = {
    "register": "eksakt (registeropgørelse)",
    "census": "totaltælling (hele målgruppen)",
}
GROUP_NAMES = labels.TARGET_GROUPS  # kept for old imports; the table is evalkit.labels


_PARAMETER_NAMES = {
    "config": "Konfiguration",
    "kind": "Rapporttype",
    "as_of": "Opgørelsesdato",
    "generated": "Dannet",
    "k": "Uger uden ydelse før afgang (k)",
    "internal": "Intern rapport",
    "subset": "Afgrænsning",
}


class Html(str):
    """A piece of HTML that Jupyter displays as rich output."""

    def _repr_html_(self) -> str:
        return str(self)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def withheld_table(caption: str) -> str:
    """What a report shows instead of a table no pattern of hidden cells protects.

    :func:`evalkit.disclosure.suppress` raises
    :class:`~evalkit.disclosure.UnprotectableTable` when even hiding every other
    non-zero cell leaves a small count recoverable; the section then publishes neither the
    table nor numbers taken from it.
    """
    return (
        f"<p>{_e(caption)}: vises ikke, da der er for få personer i tabellen til at skjule "
        "små tal (diskretionering).</p>"
    )


def _h2(anchor: str, title: str) -> str:
    return f'<h2 id="{anchor}">{_e(title)}</h2>'


def _table(
    df: pd.DataFrame,
    caption: str,
    numeric: Iterable[str] = (),
    classes: dict[str, dict[str, str]] | None = None,
) -> str:
    """An accessible HTML table; ``classes`` maps column -> value -> CSS class.

    The table sits in a focusable, named region so a table wider than the screen scrolls
    in its own box and can be scrolled from the keyboard.
    """
    numeric = set(numeric)
    classes = classes or {}
    num_th = ' class="num"'
    head = "".join(
        f'<th scope="col"{num_th if c in numeric else ""}>{_e(c)}</th>' for c in df.columns
    )
    rows = []
    for rec in df.itertuples(index=False):
        cells = []
        for i, (col, val) in enumerate(zip(df.columns, rec, strict=True)):
            names = (["num"] if col in numeric else []) + (
                [classes[col][val]] if val in classes.get(col, {}) else []
            )
            cls = f' class="{" ".join(names)}"' if names else ""
            tag = "th" if i == 0 else "td"
            scope = ' scope="row"' if i == 0 else ""
            cells.append(f"<{tag}{scope}{cls}>{_e(val)}</{tag}>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="table-scroll" role="region" tabindex="0" aria-label="{_e(caption)}">'
        f"<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def figure_html(fig: matplotlib.figure.Figure, alt: str, caption: str) -> str:
    """Embed a figure as a PNG data URI with alt text and a caption; closes the figure."""
    from evalkit.report.figure_data import record_figure

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    record_figure(fig, buf.getvalue())  # only with EVALKIT_FIGURE_DATA set (audits, tests)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_e(alt)}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _group(name: str) -> str:
    return labels.target_group(name)


# --------------------------------------------------------------------------- sections
def header(a: Analysis) -> Html:
    """Title block: project, kommune, pool, period and report kind."""
    c = a.config
    kind = KIND_TITLES[a.kind]
    as_of = f" pr. {fmt_date(a.as_of)}" if a.as_of else ""
    intern = (
        '<p class="intern"><strong>INTERN – må ikke offentliggøres</strong></p>'
        if getattr(a, "internal", False)
        else ""
    )
    return Html(
        f'<header class="report-header">{intern}<p class="kind">{_e(kind)}{_e(as_of)}</p>'
        f"<h1>{_e(c.title)}</h1>"
        f'<dl class="facts"><dt>Kommune</dt><dd>{_e(c.kommune)}</dd>'
        f"<dt>Pulje</dt><dd>{_e(c.pool)}</dd>"
        f"<dt>Projektperiode</dt><dd>{fmt_date(c.period.start)} – {fmt_date(c.period.end)}</dd>"
        f"<dt>Målgrupper</dt><dd>{_e(', '.join(_group(g) for g in c.target_groups))}</dd>"
        f"<dt>Dannet</dt><dd>{fmt_date(a.generated)}</dd></dl></header>"
    )


def _fmt_estimate(r: CriterionResult) -> tuple[str, str]:
    if r.verdict == "kan ikke afgøres" and r.n == 0:
        return "–", "–"
    if r.suppressed:
        return "skjult (små tal)", "–"
    ci_exact = _EXACT_CI.get(r.basis) or (_EXACT_CI["census"] if r.census else None)
    if r.unit == "rank":
        return f"nr. {fmt_number(r.estimate)} af {fmt_number(r.n)}", _EXACT_CI["register"]
    if r.unit == "count":
        return fmt_number(r.estimate), _EXACT_CI["register"]
    if r.unit in ("share", "change"):
        est, ci = fmt_percent(r.estimate), fmt_ci(r.lower, r.upper)
    elif r.unit == "pp":
        est, ci = fmt_pp(r.estimate), fmt_ci(r.lower, r.upper, kind="pp")
    elif r.unit == "ratio":
        est, ci = fmt_number(r.estimate, 2), fmt_ci(r.lower, r.upper, kind="number", decimals=2)
    else:
        est, ci = fmt_number(r.estimate), fmt_ci(r.lower, r.upper, kind="number", decimals=1)
    return est, (ci_exact or ci)


def _fmt_target(r: CriterionResult, value: float | None = None) -> str:
    """The target (or ``value``, e.g. the path's value at the as-of date) as the report shows it."""
    target = r.target if value is None else value
    if target is None:
        return "intet mål"
    sign = "mindst" if r.direction == "min" else "højst"
    if r.unit in ("share",):
        return f"{sign} {fmt_percent(target)}"
    if r.unit == "pp" or r.kind == "change_pp":
        return f"{sign} {fmt_pp(target)}"
    if r.unit == "change" or r.kind == "count_change":
        return f"{sign} {fmt_percent(target)}"
    if r.unit == "rank" or r.kind == "rank":
        return f"{sign} nr. {fmt_number(target)}"
    if r.unit == "ratio":
        return f"{sign} {fmt_number(target, 2)}"
    decimals = 0 if float(target).is_integer() else 1
    return f"{sign} {fmt_number(target, decimals)}"


def verdict_word(r: CriterionResult, status: bool = False) -> str:
    """The category a report counts a criterion under: its verdict, or in a status report
    its progress ("på sporet", ...)."""
    if status:
        return r.progress or _STATUS_WORDS[r.verdict]
    return r.verdict


def _verdict_cell(r: CriterionResult, status: bool) -> str:
    if status:
        return r.progress_text or r.progress or _STATUS_WORDS[r.verdict]
    return r.verdict_text or r.verdict


def scorecard(a: Analysis) -> Html:
    """The success criteria: estimate, CI, n, target and verdict for each.

    A status report judges each criterion against its path at the as-of date
    (:mod:`evalkit.progress`) and shows that value beside the end target.
    """
    status = a.kind == "statusrapport"
    rows, classes = [], {}
    for r in a.criteria:
        est, ci = _fmt_estimate(r)
        remark = (r.progress_remark if status else r.remark) or r.reason
        if status and r.progress_what and r.progress_estimate is not None:
            # the path is of another quantity (the month's share): show what is judged
            est = f"{fmt_percent(r.progress_estimate)} ({r.progress_what})"
            ci = fmt_ci(r.progress_lower, r.progress_upper)
            remark = (
                f"Delmålet gælder {r.progress_what} (n = {fmt_count(r.progress_n)}); "
                f"gennemsnittet over perioden til nu er {_fmt_estimate(r)[0]}. "
                f"{remark[:1].upper()}{remark[1:]}"
            )
        row = {"Succeskriterium": r.label, ("Slutmål" if status else "Mål"): _fmt_target(r)}
        if status:
            row[f"Delmål pr. {fmt_date(a.cutoff)}"] = (
                _fmt_target(r, r.path_value) if r.path_value is not None else _fmt_target(r)
            )
        cell = _verdict_cell(r, status)
        category = verdict_word(r, status)
        words = _STATUS_WORDS if status else {v: v for v in VERDICTS}
        kind = next((v for v, w in words.items() if w == category), "kan ikke afgøres")
        classes[cell] = f"verdict {_VERDICT_CLASS[kind]}"
        row.update(
            {
                "Resultat": est,
                "95 %-konfidensinterval": ci,
                "n": fmt_count(r.n) if r.n else "–",
                "Vurdering": cell,
                "Bemærkning": remark,
            }
        )
        rows.append(row)
    df = pd.DataFrame(rows)
    body = _table(
        df,
        "Succeskriterier: resultat, usikkerhed og vurdering",
        numeric=("n",),
        classes={"Vurdering": classes},
    )
    intro = (
        "<p>Tabellen viser de succeskriterier, der kan beregnes ud fra data; kan et "
        "kriterium ikke afgøres, står begrundelsen i tabellen. Afsnittet «Ansøgningens "
        "løfter» gør rede for hvert løfte i ansøgningen, også dem, der ikke er målt. "
        "Vurderingen følger én regel: «opfyldt», når hele 95 %-konfidensintervallet ligger "
        "på den rigtige side af målet, «ikke opfyldt», når det ligger på den forkerte side, "
        "og «usikkert», når intervallet omfatter målet; så står der også, hvilken vej "
        "resultatet peger. Antal fra registreringer, rang og opgørelser af hele målgruppen "
        "(totaltællinger) har ingen stikprøveusikkerhed og sammenlignes direkte med "
        "målet.</p>"
    )
    if status:
        intro += (
            f"<p>Tallene er foreløbige og opgjort pr. {fmt_date(a.cutoff)}. Hvert kriterium "
            "vurderes mod sit delmål på den dato: et punkt på vejen fra udgangspunktet ved "
            "projektstart til slutmålet ved projektets afslutning (en ret linje, eller "
            "gennem de delmål, ansøgningen nævner). «På sporet» betyder, at resultatet "
            "ligger på den rigtige side af delmålet, «ikke på sporet» på den forkerte side, "
            "og «usikkert», at konfidensintervallet omfatter delmålet. Det er ingen garanti "
            "for slutresultatet.</p>"
        )
    return Html(_h2("succeskriterier", "Succeskriterier") + intro + body)


def summary(a: Analysis) -> Html:
    """Short Danish summary: participants and verdict counts (progress in a status report)."""
    status = a.kind == "statusrapport"
    counts = pd.Series([verdict_word(r, status) for r in a.criteria]).value_counts()
    n = len(a.participants)
    thr = a.config.disclosure_threshold
    parts = [
        f"<p>Opgørelsen omfatter {fmt_count(n, thr)} deltagere, der er startet senest "
        f"{fmt_date(a.cutoff)}.</p>"
    ]
    if len(a.criteria):
        words = [_STATUS_WORDS[v] if status else v for v in VERDICTS]
        items = "".join(
            f"<li>{_e(v.capitalize())}: {int(counts.get(v, 0))} af {len(a.criteria)} kriterier</li>"
            for v in words
            if counts.get(v, 0)
        )
        parts.append(f"<ul>{items}</ul>")
    if status:
        parts.append(
            "<p>Dette er en statusrapport: hvert kriterium vurderes mod sit delmål pr. "
            f"{fmt_date(a.cutoff)} (på sporet, ikke på sporet eller usikkert), og tallene "
            "viser projektets foreløbige stand.</p>"
        )
    return Html(_h2("sammenfatning", "Sammenfatning") + "".join(parts))


def participant_flow(a: Analysis) -> Html:
    """Participants started, active and ended by target group, with suppression."""
    p = a.participants
    cutoff = pd.Timestamp(a.cutoff)
    ended = p["end_date"].notna() & (p["end_date"] <= cutoff)
    table = (
        pd.DataFrame(
            {
                "Målgruppe": p["target_group"].map(_group),
                "Aktive": (~ended).astype(int),
                "Afsluttet": ended.astype(int),
            }
        )
        .groupby("Målgruppe", sort=True)
        .sum()
    )
    caption = "Deltagere efter målgruppe og status"
    hide = [
        (row, "I alt" if col == "Startet i alt" else col) for row, col in a.hidden_cells(caption)
    ]
    try:
        sup = suppress(table, threshold=a.config.disclosure_threshold, margins=True, hide=hide)
    except UnprotectableTable:
        return Html(_h2("deltagerflow", "Deltagere") + withheld_table(caption))
    shown = sup.display().reset_index()
    shown.columns = ["Målgruppe", *[str(c) for c in shown.columns[1:]]]
    shown = shown.rename(columns={"I alt": "Startet i alt"})
    text = (
        f"<p>Deltagere startet i projektet til og med {fmt_date(a.cutoff)}, fordelt på "
        f"målgruppe og på, om de stadig er aktive. Tal under {a.config.disclosure_threshold} "
        "vises som «&lt;" + str(a.config.disclosure_threshold) + "», og andre celler skjules "
        "(«x»), så de ikke kan regnes ud fra totalerne.</p>"
    )
    return Html(
        _h2("deltagerflow", "Deltagere") + text + _table(shown, caption, numeric=shown.columns[1:])
    )


def survival(a: Analysis) -> Html:
    """Survival curve of time on benefit with numbers at risk and a table of S(t)."""
    from evalkit.plots import alt_text_survival, plot_survival

    # With a configured comparison group, its curves (unadjusted and reweighted) are shown
    # in the comparison section; here the participants are drawn against the national curve.
    shown = {
        label: km
        for label, km in a.published_curves.items()
        if not (a.config.comparison and label.startswith("Sammenligningsgruppe"))
    }
    if not shown:
        return Html(_h2("overlevelseskurve", "Tid på ydelse") + "<p>Ingen forløb at vise.</p>")
    thr = a.config.disclosure_threshold
    k = a.config.spells_k
    curves = {label: km for label, km in shown.items() if km is not None}
    hidden = [label for label, km in shown.items() if km is None]
    fig_html = ""
    if curves:
        fig = plot_survival(curves, reference=a.reference_curve, threshold=thr, title=None)
        alt = alt_text_survival(curves, reference=a.reference_curve, threshold=thr)
        fig_html = figure_html(
            fig,
            alt,
            "Andel stadig på ydelse efter uger siden start (Kaplan-Meier, 95 %-konfidensbånd, "
            f"uger grupperet, så hvert trin rummer mindst {thr} afgange). "
            f"Afgang = første uge i {k} sammenhængende uger uden ydelse." + a.reference_note,
        )
    if hidden:
        fig_html += (
            f"<p>Kurven vises ikke for {_e(', '.join(hidden))}: der er færre end {thr} "
            f"afgange eller færre end {thr} censurerede i alt, så kurven ville vise en lille "
            "gruppe (diskretionering).</p>"
        )
    rows = []
    for label, km in shown.items():
        row = {"Gruppe": label, "n": fmt_count(a.curves[label].n, thr)}
        if km is None:
            row.update({f"Uge {week}": "–" for week in SURVIVAL_WEEKS})
            row["Median (uger)"] = "–"
            rows.append(row)
            continue
        at = km.survival_at(list(SURVIVAL_WEEKS))
        for week, r in zip(SURVIVAL_WEEKS, at.itertuples(index=False), strict=True):
            ok = r.at_risk >= thr
            row[f"Uge {week}"] = (
                f"{fmt_percent(r.survival)} {fmt_ci(r.lower, r.upper)}" if ok else "–"
            )
        med = km.median
        lo, hi = km.median_ci
        row["Median (uger)"] = (
            f"{fmt_number(med)} ({fmt_number(lo)} til {fmt_number(hi)})"
            if pd.notna(med)
            else "ikke nået"
        )
        rows.append(row)
    table = _table(
        pd.DataFrame(rows),
        "Andel stadig på ydelse efter 13, 26 og 52 uger med 95 %-konfidensinterval",
        numeric=("n",),
    )
    text = (
        "<p>Overlevelseskurven viser, hvor stor en andel af deltagerne der stadig er på "
        f"offentlig forsørgelse et givet antal uger efter start. En person regnes som "
        f"afgået til selvforsørgelse i den første uge af {k} sammenhængende uger uden "
        "ydelse. Personer, der går på uddannelse, pension, udvandrer eller dør, censureres "
        "ved afgangen; kurven vises kun, så længe mindst "
        f"{thr} personer er i risiko. Ugerne er grupperet, så hvert trin i kurven rummer "
        f"mindst {thr} afgange, og censurerede tælles, når der er samlet mindst {thr}; "
        "ellers kunne antallet i et trin læses af kurven (diskretionering).</p>"
    )
    late = [f"«{label}»" for label, km in curves.items() if km.entry]
    if late:
        names = late[0] if len(late) == 1 else ", ".join(late[:-1]) + " og " + late[-1]
        text += (
            f"<p>Nogle bag {'kurven' if len(late) == 1 else 'kurverne'} for "
            f"{_e(names)} startede før dataenes første uge. Deres "
            "uger før den er ikke set, så en afgang dér kunne ikke registreres: de tælles "
            "først med blandt dem i risiko fra dataenes første uge (forsinket indgang, "
            "venstretrunkering), og forløb, der sluttede inden, indgår ikke. "
            f"{'Kurven tager' if len(late) == 1 else 'Kurverne tager'} højde for det. "
            "Indgangene grupperes som afgangene og tælles, når der er samlet "
            f"mindst {thr}.</p>"
        )
    return Html(
        _h2("overlevelseskurve", "Tid på ydelse (overlevelseskurve)")
        + text
        + fig_html
        + _reference_test(a)
        + table
    )


def _reference_test(a: Analysis) -> str:
    """The one-sample log-rank test against the national curve, as a sentence."""
    from evalkit.report.seeds import survival_test_sentence

    return survival_test_sentence(a)


def method(a: Analysis) -> Html:
    """Method, definitions and data sources."""
    c = a.config
    k = c.spells_k
    comp = labels.join_labels("status", c.competing)
    text = (
        "<ul>"
        f"<li><strong>Selvforsørgelse</strong>: første uge i en periode på {k} sammenhængende "
        "uger uden offentlig ydelse (ugentlige ydelsesdata, DREAM-lignende).</li>"
        f"<li><strong>Konkurrerende afgange</strong> ({_e(comp)}) afslutter forløbet uden "
        "afgang til selvforsørgelse.</li>"
        f"<li><strong>Opfølgning</strong> slutter {k - 1} uger før dataenes sidste uge, fordi "
        "en senere afgang endnu ikke kan bekræftes.</li>"
        "<li><strong>Andele</strong> vises med Wilsons 95 %-konfidensinterval; forskelle i "
        "andele med Newcombes hybride score-interval. Antal fra registreringer (fx "
        "virksomhedsbesøg) er eksakte og vises uden konfidensinterval.</li>"
        "<li><strong>Vurdering</strong>: «opfyldt» eller «ikke opfyldt», når hele "
        "konfidensintervallet ligger på samme side af målet, ellers «usikkert»; "
        "registeropgørelser, rang og totaltællinger af hele målgruppen sammenlignes direkte "
        "med målet. Et skjult resultat (små tal) får kun en vurdering, hvis den er den "
        "samme for alle værdier, det kan have.</li>"
        "<li><strong>Kurver</strong>: Kaplan-Meier med Greenwoods varians og log-log "
        "konfidensbånd; sammenligning med landstal ved én-stikprøve log-rank test.</li>"
        f"<li><strong>Diskretionering</strong>: antal under {c.disclosure_threshold} vises ikke.</li>"
        + (
            "<li><strong>Sammenligningsgruppe</strong>: propensity score (logistisk regression "
            "på baggrundsvariablene) og ATT-vægte p/(1 − p) til ikke-deltagerne; vægtet "
            "Kaplan-Meier med robust (infinitesimal jackknife) varians; forskel i andel på "
            "ydelse med et interval, der tager højde for den estimerede propensity score; "
            "Cox-regression justeret for baggrundsvariablene.</li>"
            if c.comparison
            else ""
        )
        + _asof_method(a)
        + "</ul>"
    )
    return Html(_h2("metode", "Metode og data") + text)


def _asof_method(a: Analysis) -> str:
    """The as-of cut of a status report (evalkit.asof) as one list item; empty otherwise."""
    cut = getattr(a, "cut", None)
    if cut is None:
        return ""
    day = fmt_date(cut.as_of)
    year, week, _ = cut.last_week.isocalendar()
    month = f"{fmt_date(cut.last_month).split(' ', 1)[1]}"
    text = (
        f"<li><strong>Opgørelsesdato</strong>: rapporten bruger kun data dateret senest "
        f"{day}: deltagere startet senest denne dag (en senere afslutning kendes ikke, så "
        f"de regnes som aktive), ugentlige ydelser for de uger, der sluttede senest denne "
        f"dag (til og med uge {week} {year}), aktiviteter begyndt senest denne dag "
        "(igangværende regnes som igangværende), joblog og spørgeskemasvar til og med "
        f"dagen og Jobindsats-perioder, der var afsluttet (seneste måned: {month})."
    )
    if cut.curve_weeks is not None and a.reference_curve is not None:
        text += (
            " Landskurven har ingen dato i datagrundlaget; den bruges som fast reference "
            f"til og med uge {cut.curve_weeks} efter start, den længste mulige opfølgning."
        )
    for source, why in sorted(cut.not_used.items()):
        text += f" {_e(labels.label('table', source).capitalize())}: {_e(why)}."
    return text + "</li>"


def provenance(a: Analysis) -> Html:
    """evalkit version, parameters, the environment and SHA-256 of the config and inputs."""
    params = pd.DataFrame(
        [
            {"Parameter": _PARAMETER_NAMES.get(k, k), "Værdi": "" if v is None else str(v)}
            for k, v in a.parameters.items()
        ]
    )
    env = environment()
    env_rows = [("Python", env["python"]), ("evalkit", env["evalkit"])]
    env_rows += sorted(env["libraries"].items())
    commit = env["git_commit"]
    if commit:
        changed = " (med lokale ændringer)" if commit.endswith("+") else ""
        env_rows.append(("git-commit", commit.rstrip("+") + changed))
    software = pd.DataFrame([{"Program": k, "Version": v} for k, v in env_rows])
    config_hash = sha256_file(a.config.path)
    files = pd.DataFrame(
        [{"Tabel": f"konfiguration ({a.config.path.name})", "SHA-256": config_hash}]
        + [
            {"Tabel": labels.label("table", table), "SHA-256": digest}
            for table, digest in sorted(a.data.files.items())
        ]
    )
    cut = getattr(a, "cut", None)
    caption = (
        f"Konfiguration og inddata til og med {fmt_date(cut.as_of)} (SHA-256 af "
        "konfigurationsfilen og af de anvendte rækker)"
        if cut is not None
        else "Konfiguration og inddata (SHA-256 af hver fil)"
    )
    rows_used = (
        " En statusrapport kender sine data ved de rækker, den bruger (dateret senest "
        "opgørelsesdatoen), ikke ved filerne: senere rækker i de samme filer ændrer den ikke."
        if cut is not None
        else ""
    )
    return Html(
        _h2("proveniens", "Om rapporten")
        + f"<p>Dannet med evalkit {_e(evalkit.__version__)} den {fmt_date(a.generated)}. "
        f"Samme data og parametre giver de samme tal og figurer.{rows_used}</p>"
        + _table(params, "Parametre")
        + _table(
            files,
            caption,
            classes={"SHA-256": dict.fromkeys([config_hash, *a.data.files.values()], "hash")},
        )
        + _table(software, "Programmel (Python og de vigtigste biblioteker)")
    )
