"""Seed 000, Herning, transport: praktik, hours week by week, courses, visits, retention."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit import praktik_hours as ph
from evalkit import seeds_measures as sm
from evalkit.baseline import wilson
from evalkit.disclosure import UnprotectableTable, publishable_curve, suppress, suppress_share
from evalkit.formatting import fmt_ci, fmt_count, fmt_date, fmt_number, fmt_percent
from evalkit.report import seed_figures as sf
from evalkit.report.analysis import Analysis
from evalkit.report.sections import Html, _e, _h2, _table, figure_html, withheld_table
from evalkit.report.seeds._common import (
    _ci,
    _count_share,
    _criteria,
    _na,
    _no_source,
    _pct,
    _people,
    _share_cells,
    _start,
)
from evalkit.survival import kaplan_meier

__all__ = ["fastholdelse", "kurser", "praktik", "praktik_timer", "virksomhedsbesoeg"]


def praktik(a: Analysis) -> Html:
    """Participants with at least one virksomhedspraktik, and the number of praktikker."""
    title = "Virksomhedspraktik"
    if a.data.activities is None:
        return _na("praktik", title, _no_source("activities"))
    thr = a.config.disclosure_threshold
    p = _people(a)
    u = sm.activity_uptake(p, a.data.activities, ["virksomhedspraktik"], _start(a), a.cutoff)
    x, n = int(u.persons.details["x"]), u.persons.n
    count, share, ci, why = _count_share(x, n, u.persons.lower, u.persons.upper, thr)
    total = u.total
    per = total.estimate / n
    rows = [
        {"Opgørelse": "Deltagere med mindst én virksomhedspraktik", "Antal": count,
         "n": fmt_count(n, thr), "Andel": share, "95 %-konfidensinterval": ci},
        {"Opgørelse": "Virksomhedspraktikker i alt", "Antal": fmt_count(int(total.estimate), thr),
         "n": fmt_count(n, thr), "Andel": "–",
         "95 %-konfidensinterval": "eksakt (registeropgørelse)"},
    ]  # fmt: skip
    got = (
        f"har {count} ({_pct(u.persons.estimate)}, 95 %-konfidensinterval "
        f"{_ci(u.persons.lower, u.persons.upper)}) været"
        if not why
        else f"har næsten alle været (antal og andel vises ikke: {why})"
    )
    text = (
        f"<p>Af {fmt_count(n, thr)} deltagere {got} i mindst én virksomhedspraktik fra "
        f"projektstart til {fmt_date(a.cutoff)}. "
        f"I alt er der registreret {fmt_count(int(total.estimate), thr)} praktikforløb, "
        f"i gennemsnit {fmt_number(per, 1)} pr. deltager. Andelen har Wilsons "
        "95 %-konfidensinterval; antallet er en eksakt optælling af de registrerede forløb "
        "og har intet konfidensinterval.</p>"
    )
    table = _table(pd.DataFrame(rows), "Virksomhedspraktik: deltagere og forløb",
                   numeric=("Antal", "n"))  # fmt: skip
    table += _extent(p, a, thr)
    return Html(_h2("praktik", title) + text + table)


def _extent(p: pd.DataFrame, a: Analysis, thr: int) -> str:
    """Omfang af virksomhedspraktikker: weeks and hours (register figures)."""
    ext = ph.praktik_extent(p, a.data.activities, _start(a), a.cutoff)
    if len(ext) < thr:
        return ""
    q = ext["weeks"].quantile([0.25, 0.5, 0.75]).to_numpy()
    h = ext["hours_per_week"].dropna()
    rows = [
        {"Omfang": "Uger i praktik i alt", "Værdi": fmt_number(int(ext["weeks"].sum()))},
        {"Omfang": "Uger pr. praktik, median (kvartiler)",
         "Værdi": f"{fmt_number(q[1], 1)} ({fmt_number(q[0], 1)} til {fmt_number(q[2], 1)})"},
    ]  # fmt: skip
    if len(h) >= thr:
        hq = h.quantile([0.25, 0.5, 0.75]).to_numpy()
        rows += [
            {"Omfang": "Timer pr. uge i praktikken, median (kvartiler)",
             "Værdi": f"{fmt_number(hq[1], 1)} ({fmt_number(hq[0], 1)} til "
                      f"{fmt_number(hq[2], 1)})"},
            {"Omfang": "Praktiktimer i alt (uger gange timer pr. uge)",
             "Værdi": fmt_number(float(ext["hours"].sum()))},
        ]  # fmt: skip
    return (
        "<p>Omfanget af praktikkerne (ansøgningen: «Omfang af virksomhedspraktikker»): "
        f"{fmt_count(len(ext), thr)} praktikker begyndt i perioden, deres længde i "
        "kalenderuger fra start til slut (en igangværende til opgørelsesdatoen) og de "
        "registrerede timer pr. uge. Tallene er eksakte optællinger.</p>"
        + _table(pd.DataFrame(rows), "Omfang af virksomhedspraktikkerne")
    )


def praktik_timer(a: Analysis) -> Html:
    """Ordinary hours by week since the first praktik, weeks on benefit apart from self-support."""
    title = "Ordinære timer uge for uge efter praktikstart"
    if a.data.activities is None:
        return _na("praktik-timer", title, _no_source("activities"))
    thr = a.config.disclosure_threshold
    args = (_people(a), a.data.activities, a.data.status, "virksomhedspraktik", _start(a),
            a.cutoff)  # fmt: skip
    hours = sm.hours_by_week(*args, weeks_before=4, weeks_after=26, cutoff=a.cutoff)
    if len(hours) < thr:
        return _na("praktik-timer", title, f"færre end {thr} deltagere har været i praktik")
    states = ph.weekly_states(*args, weeks_before=4, weeks_after=26, cutoff=a.cutoff)
    dist = ph.hours_by_state(hours, states, threshold=thr)
    text = (
        f"<p>De ordinære løntimer pr. uge fra de ugentlige ydelsesdata for de "
        f"{fmt_count(len(hours), thr)} deltagere, der har været i virksomhedspraktik. Uge 0 "
        "er ugen, hvor deltagerens første praktik begyndte; negative uger ligger før. "
        "Ansøgningen vil følge «den løbende progression i praktikken i forhold til ordinære "
        "løntimer – uge for uge pr. borger», så ugerne holdes adskilt: timerne (median, "
        "kvartiler og andelen med mindst én time, Wilsons 95 %-konfidensinterval) beskrives "
        "kun for ugerne på ydelse, i eller efter praktikken, og en uge som selvforsørgende "
        "(ofte fuld tid) vises for sig som andelen selvforsørgende. Uger med færre end "
        f"{thr} deltagere på ydelse vises ikke.</p>"
    )
    shown = dist[dist["shown"]]
    wk_last = int(shown["week"].max()) if len(shown) else 0
    med = shown.set_index("week")["median"]
    alt = (
        "Deltagere i virksomhedspraktik: median og kvartiler af ordinære timer pr. uge i "
        "ugerne på ydelse, andelen med timer og andelen selvforsørgende, uge for uge fra 4 "
        f"uger før til {wk_last} uger efter praktikstart."
        + (f" I uge 0 er medianen {fmt_number(med.get(0), 1)} timer; i uge {wk_last} "
           f"{fmt_number(med.iloc[-1], 1)} timer." if 0 in med.index else "")
    )  # fmt: skip
    fig = figure_html(
        sf.plot_hours(dist), alt,
        "Ordinære timer pr. uge i ugerne på ydelse (median og kvartiler), andel med timer "
        "og andel selvforsørgende (95 %-konfidensbånd).",
    )  # fmt: skip
    rows = []
    for r in dist.itertuples(index=False):
        ok = bool(r.shown)
        share, ci = _share_cells(int(r.x_hours), int(r.n_benefit), r.lower, r.upper, thr) if (
            ok) else ("–", "–")  # fmt: skip
        self_share, _ = _share_cells(int(r.n_self), int(r.n), r.self_lower, r.self_upper, thr)
        rows.append({
            "Uge": str(r.week), "n": fmt_count(int(r.n), thr),
            "I praktik": fmt_count(int(r.n_praktik), thr),
            "På ydelse": fmt_count(int(r.n_benefit), thr),
            "Median (timer)": fmt_number(r.median, 1) if ok else "–",
            "Kvartiler (timer)": f"{fmt_number(r.q1, 1)} til {fmt_number(r.q3, 1)}"
            if ok else "–",
            "Andel med timer": share, "95 %-konfidensinterval": ci,
            "Selvforsørgende": self_share,
        })  # fmt: skip
    table = _table(pd.DataFrame(rows), "Ordinære timer pr. uge efter uger siden praktikstart",
                   numeric=("Uge", "n", "I praktik", "På ydelse", "Median (timer)"))  # fmt: skip
    out = _h2("praktik-timer", title) + text + fig + table + _first_hours(hours, states, thr)
    if a.internal:
        out += _per_citizen(hours)
    return Html(out)


_FIRST_WEEKS = (0, 2, 4, 5, 8, 13, 26)


def _first_hours(hours: pd.DataFrame, states: pd.DataFrame, thr: int) -> str:
    """The share who have had ordinary hours by week w of the praktik (1 - Kaplan-Meier)."""
    f = ph.first_hours(hours, states)
    if len(f) < thr or f["event"].sum() == 0:
        return ""
    # drawn, tabulated and described from the grouped life table: no step, censoring or
    # difference of numbers at risk is a group of 1..thr-1 (evalkit.disclosure)
    km = publishable_curve(kaplan_meier(f["duration"], f["event"]), thr)
    if km is None:
        return (
            '<h3 id="praktik-timer-foerste">Første uge med ordinære timer</h3><p>Kurven '
            f"vises ikke: færre end {thr} deltagere har haft ordinære timer, eller færre end "
            f"{thr} er censureret (diskretionering).</p>"
        )
    tab = km.table
    curve = pd.DataFrame({"time": np.r_[0.0, tab["time"].to_numpy(dtype=float)],
                          "share": np.r_[0.0, 1 - tab["survival"].to_numpy()],
                          "lower": np.r_[0.0, 1 - tab["upper"].to_numpy()],
                          "upper": np.r_[0.0, 1 - tab["lower"].to_numpy()]})  # fmt: skip
    at = km.survival_at(list(_FIRST_WEEKS))
    rows = []
    for r in at.itertuples(index=False):
        ok = r.at_risk >= thr
        rows.append({"Uge": str(int(r.time)), "I risiko": fmt_count(int(r.at_risk), thr),
                     "Har haft ordinære timer": fmt_percent(1 - r.survival) if ok else "–",
                     "95 %-konfidensinterval": fmt_ci(1 - r.upper, 1 - r.lower) if ok else "–"})  # fmt: skip
    last = at[at["at_risk"] >= thr].tail(1)
    alt = (
        f"Deltagere i virksomhedspraktik (n = {fmt_count(len(f), thr)}): andelen, der har haft "
        "ordinære timer, efter uger siden praktikstart (1 minus Kaplan-Meier)"
        + (f"; {_pct(1 - last['survival'].iloc[0])} i uge {int(last['time'].iloc[0])}."
           if len(last) else ".")
    )  # fmt: skip
    return (
        '<h3 id="praktik-timer-foerste">Første uge med ordinære timer</h3><p>Andelen af '
        "deltagerne i praktik, der har haft ordinære løntimer (mens de var på ydelse), efter "
        "uger siden praktikstart, som 1 minus Kaplan-Meier: en deltager, der bliver "
        "selvforsørgende eller forlader ydelsen uden at have haft timer, følges til ugen før "
        "og tæller derefter ikke med (censurering), så andelen viser forløbet, hvis alle var "
        "blevet på ydelse. Log-log 95 %-konfidensbånd.</p>"
        + figure_html(sf.plot_first_hours(curve), alt,
                      "Andel der har haft ordinære timer efter uger siden praktikstart.")
        + _table(pd.DataFrame(rows), "Andel der har haft ordinære timer, uge for uge",
                 numeric=("Uge", "I risiko"))
    )  # fmt: skip


def _per_citizen(hours: pd.DataFrame) -> str:
    """Internal report only: hours per citizen (Borger 1..n) and week."""
    alt = (
        f"Deltagere i virksomhedspraktik, intern visning: ordinære timer pr. uge for hver af "
        f"{len(hours)} borgere (Borger 1 til Borger {len(hours)}) fra 4 uger før til 26 uger "
        "efter praktikstart, som farvekort."
    )
    fig = figure_html(sf.plot_hours_heatmap(hours), alt,
                      "Ordinære timer pr. uge pr. borger (intern).")  # fmt: skip
    weeks = [c for c in hours.columns if c >= 0]
    shown = hours[weeks].apply(lambda col: col.map(lambda v: fmt_number(v, 1)))
    shown.columns = [f"Uge {c}" for c in weeks]
    shown = shown.reset_index().rename(columns={"borger": "Borger"})
    return (
        '<h3 id="praktik-timer-borger">Pr. borger (intern)</h3>'
        '<p class="intern">Kun i den interne rapport: hver borgers ordinære timer uge for '
        "uge fra praktikstart. Borgerne er nummereret efter praktikstart; numrene er ikke "
        "personnumre og kan ikke føres tilbage til data uden kommunens egne lister. "
        "«–» betyder, at ugen ikke er observeret.</p>"
        + fig
        + _table(shown, "Ordinære timer pr. uge pr. borger (intern)", numeric=shown.columns[1:])
    )


def kurser(a: Analysis) -> Html:
    """Courses started and completed, by kind."""
    title = "Kurser og uddannelseskøb"
    if a.data.activities is None:
        return _na("kurser", title, _no_source("activities"))
    thr = a.config.disclosure_threshold
    tab = sm.course_table(a.data.activities, _start(a), a.cutoff)
    if tab.empty:
        return _na("kurser", title, "ingen kurser registreret i perioden")
    started, done = int(tab["started"].sum()), int(tab["completed"].sum())
    try:
        sup = suppress(tab[["started", "completed"]], threshold=thr, margins=True).display()
    except UnprotectableTable:
        return Html(
            _h2("kurser", title) + withheld_table("Kurser startet og gennemført efter type")
        )
    shown = sup[["started", "completed"]].reset_index()
    shown.columns = ["Kursus", "Startet", "Gennemført"]
    kinds = next((c.get("detail") for c, _ in _criteria(a, "count")
                  if c.get("activity") == "kursus" and c.get("detail")), None)  # fmt: skip
    filtered = ""
    if kinds:
        shown.insert(1, "Tæller med i kriteriet", ["ja" if k in kinds else (
            "–" if k == "I alt" else "nej") for k in shown["Kursus"]])  # fmt: skip
        n_kind = int(tab.loc[tab.index.isin(kinds), "started"].sum())
        filtered = (
            f" Succeskriteriet tæller kun kurser rettet mod transportområdet "
            f"({_e(', '.join(kinds))}): {fmt_count(n_kind, thr)} af de {fmt_count(started, thr)}."
        )
    e = wilson(done, started)
    count, _, _, why = _count_share(done, started, e.lower, e.upper, thr)
    text = (
        f"<p>Fra projektstart til {fmt_date(a.cutoff)} er der startet "
        f"{fmt_count(started, thr)} kurser (eksakt antal fra registreringerne), og "
        + (
            f"{count} af dem er gennemført ({_pct(e.estimate)}, 95 %-konfidensinterval "
            f"{_ci(e.lower, e.upper)})"
            if not why
            else f"andelen gennemførte vises ikke ({why})"
        )
        + f".{filtered} Tabellen viser kurserne efter type.</p>"
    )
    return Html(_h2("kurser", title) + text
                + _table(shown, "Kurser startet og gennemført efter type",
                         numeric=("Startet", "Gennemført")))  # fmt: skip


def virksomhedsbesoeg(a: Analysis) -> Html:
    """Number of company visits and their outcome."""
    title = "Virksomhedsbesøg og resultat"
    if a.data.activities is None:
        return _na("virksomhedsbesoeg", title, _no_source("activities"))
    thr = a.config.disclosure_threshold
    visits = sm.visit_outcomes(a.data.activities, _start(a), a.cutoff)
    total = int(visits.sum())
    if total == 0:
        return _na("virksomhedsbesoeg", title, "ingen virksomhedsbesøg registreret")
    try:
        st = suppress(visits.to_frame("Antal"), threshold=thr, margins=False)
    except UnprotectableTable:
        caption = "Virksomhedsbesøg efter resultat"
        return Html(_h2("virksomhedsbesoeg", title) + withheld_table(caption))
    sup = st.display()
    rows = []
    for outcome, count in visits.items():
        # a share of the total shows its count: hidden wherever the count is hidden
        s = suppress_share(int(count), total, thr)
        rows.append({"Resultat af besøget": str(outcome), "Antal": sup.loc[outcome, "Antal"],
                     "Andel af besøgene": "–" if st.mask.loc[outcome, "Antal"]
                     else s.shown})  # fmt: skip
    rows.append({"Resultat af besøget": "I alt", "Antal": fmt_count(total, thr),
                 "Andel af besøgene": fmt_percent(1.0)})  # fmt: skip
    text = (
        f"<p>Fra projektstart til {fmt_date(a.cutoff)} er der gennemført "
        f"{fmt_count(total, thr)} virksomhedsbesøg (eksakt antal fra registreringerne; "
        "et antal af det, der er sket, har ingen stikprøveusikkerhed). "
        "Resultatet af hvert besøg er registreret af projektmedarbejderen.</p>"
    )
    return Html(_h2("virksomhedsbesoeg", title) + text
                + _table(pd.DataFrame(rows), "Virksomhedsbesøg efter resultat",
                         numeric=("Antal",)))  # fmt: skip


def fastholdelse(a: Analysis) -> Html:
    """Exits to self-support, and the share still self-supporting 3 and 6 months later."""
    title = "Selvforsørgelse og fastholdelse"
    thr = a.config.disclosure_threshold
    sp = a.spells[a.spells["arm"] == "indsats"]
    if len(sp) < thr:
        return _na("fastholdelse", title, f"færre end {thr} deltagere")
    ret = sm.retention(sp, end=a.cutoff)
    labels = {
        "exit": "Afsluttet til selvforsørgelse (af alle deltagere)",
        "still_13": "Fortsat selvforsørgende 3 måneder (13 uger) efter",
        "still_26": "Fortsat selvforsørgende 6 måneder (26 uger) efter",
    }
    rows = []
    for key, r in ret.iterrows():
        count, share, ci, _ = _count_share(int(r.x), int(r.n), r.lower, r.upper, thr)
        rows.append({"Opgørelse": labels[key], "Antal": count,
                     "n": fmt_count(int(r.n), thr), "Andel": share,
                     "95 %-konfidensinterval": ci})  # fmt: skip
    k = a.config.spells_k
    text = (
        f"<p>En deltager er afsluttet til selvforsørgelse i den første uge af {k} "
        "sammenhængende uger uden offentlig ydelse. Fastholdelsen måles blandt dem, hvis "
        "status 13 og 26 uger efter afgangen er observeret i data (n er derfor mindre for "
        "de seneste afgange).</p>"
    )
    return Html(_h2("fastholdelse", title) + text
                + _table(pd.DataFrame(rows), "Afgang til selvforsørgelse og fastholdelse",
                         numeric=("Antal", "n")))  # fmt: skip
