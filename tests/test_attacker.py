"""The attacker itself is tested: on deliberately leaky pages it must find every leak.

The pages are built with the report's own helpers (``_table``, ``figure_html``, the seed
figures), so they look exactly like published sections. The two leaks of issue #12 are
here as regression fixtures: Hedensted's hidden survey share recovered from the answer
distribution (33 of 37, so 4 answered 1-3), and Herning's week -1 hidden in the hours
table but drawn in the figure beside it (2 of 28).
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
from attacker import Report, System, _propagate, attack, read_html, solve

from evalkit.baseline import wilson
from evalkit.disclosure import suppress
from evalkit.report import seed_figures as sf
from evalkit.report.figure_data import FIGURE_DATA_ENV
from evalkit.report.sections import _h2, _table, figure_html
from evalkit.survival import kaplan_meier


def _page(body: str) -> str:
    return f"<html><body><main>{body}</main></body></html>"


def _read(body: str, figure_dir=None, results=None, name="rapport.html") -> Report:
    figures = {}
    if figure_dir is not None:
        figures = {p.stem: json.loads(p.read_text()) for p in figure_dir.glob("*.json")}
    return read_html(_page(body), name, 5, results, figures)


@pytest.fixture
def figure_dir(tmp_path, monkeypatch):
    folder = tmp_path / "figurer"
    monkeypatch.setenv(FIGURE_DATA_ENV, str(folder))
    return folder


# --------------------------------------------------------------------------- issue #12
def _hedensted_survey() -> str:
    """The survey section as rendered before the fix: share hidden, answers shown."""
    share = pd.DataFrame(
        [
            {"Gruppe": "Jobparate", "Svar (n)": "37", "Svar 4-5": "x", "Andel": "–",
             "95 %-konfidensinterval": "–", "Mål": "mindst 90,0 %"},
            {"Gruppe": "Forsikrede ledige", "Svar (n)": "159", "Svar 4-5": "148",
             "Andel": "93,1\u00a0%", "95 %-konfidensinterval": "(88,0 % til 96,1 %)",
             "Mål": "mindst 90,0 %"},
        ]
    )  # fmt: skip
    answers = pd.DataFrame(
        {
            "Svar 1": [1, 6],
            "Svar 2": [1, 2],
            "Svar 3": [2, 3],
            "Svar 4": [15, 77],
            "Svar 5": [18, 71],
        },
        index=["Jobparate", "Forsikrede ledige"],
    )
    dist = suppress(answers).display().reset_index().rename(columns={"index": "Gruppe"})
    return (
        _h2("survey", "Borgernes vurdering af samtalen")
        + _table(share, "Andel der finder samtalen medinddragende")
        + _table(dist, "Fordeling af svarene (antal)")
    )


def test_finds_the_hedensted_survey_share_from_the_answer_distribution() -> None:
    found = attack([_read(_hedensted_survey())])
    assert [(f.value, "resten af n" in f.what) for f in found] == [(4, True)]
    assert "Jobparate" in found[0].what and "Svar 4-5" in found[0].what


def _herning_hours(week_minus_1_drawn: bool) -> pd.DataFrame:
    rows = []
    for week in range(-4, 3):
        x = {-4: 0, -3: 0, -2: 0, -1: 2, 0: 8, 1: 8, 2: 11}[week]
        e = wilson(x, 28)
        hidden = week == -1
        rows.append({"week": week, "n": 28, "x_any": x, "share_any": x / 28,
                     "lower": e.lower, "upper": e.upper, "median": 0.0, "q1": 0.0,
                     "q3": 5.0, "shown": True})  # fmt: skip
        if hidden and not week_minus_1_drawn:
            rows[-1].update(share_any=math.nan, lower=math.nan, upper=math.nan)
    return pd.DataFrame(rows)


def _hours_section(dist: pd.DataFrame) -> str:
    table = pd.DataFrame(
        [
            {"Uge": str(r.week), "n": str(r.n), "Median (timer)": "0,0",
             "Andel med timer": "–" if r.week == -1 else f"{100 * r.x_any / r.n:.1f} %".replace(".", ","),
             "95 %-konfidensinterval": "–"}
            for r in dist.itertuples()
        ]
    )  # fmt: skip
    return (
        _h2("praktik-timer", "Ordinære timer uge for uge efter praktikstart")
        + figure_html(sf.plot_hours(dist), "timer", "Ordinære timer")
        + _table(table, "Ordinære timer pr. uge efter uger siden praktikstart")
    )


def test_finds_the_herning_week_hidden_in_the_table_but_drawn_in_the_figure(figure_dir) -> None:
    body = _hours_section(_herning_hours(week_minus_1_drawn=True))
    found = attack([_read(body, figure_dir)])
    assert [(f.value, f.what) for f in found] == [(2, "figur praktik-timer: antal i -1")]


def test_a_week_left_out_of_the_figure_and_its_band_is_not_found(figure_dir) -> None:
    body = _hours_section(_herning_hours(week_minus_1_drawn=False))
    assert attack([_read(body, figure_dir)]) == []


def test_the_band_alone_reveals_the_count(figure_dir) -> None:
    dist = _herning_hours(week_minus_1_drawn=True)
    dist.loc[dist["week"] == -1, "share_any"] = math.nan  # the line gap, but the band drawn
    found = attack([_read(_hours_section(dist), figure_dir)])
    assert [f.value for f in found] == [2]
    assert "bånd" in found[0].how


# --------------------------------------------------------------------------- other leaks
def test_a_small_count_shown_in_a_table_is_found() -> None:
    t = pd.DataFrame({"Gruppe": ["A", "B"], "Antal": ["12", "3"]})
    found = attack([_read(_h2("s", "S") + _table(t, "Deltagere"))])
    assert [(f.value, f.how) for f in found] == [(3, "vist i tabel")]


def test_a_margin_with_one_hidden_cell_is_differenced() -> None:
    t = pd.DataFrame({"Resultat": ["a", "b", "c", "I alt"], "Antal": ["16", "12", "<5", "31"]})
    found = attack([_read(_h2("s", "S") + _table(t, "Besøg"))])
    assert [f.value for f in found] == [3]


def test_a_shown_share_reveals_a_cell_hidden_as_x() -> None:
    """Herning's status report: småjob hidden as x, but its share of the visits shown."""
    t = pd.DataFrame(
        {"Resultat af besøget": ["praktikaftale", "ingen aftale", "småjob", "ansættelse", "I alt"],
         "Antal": ["16", "12", "x", "<5", "39"],
         "Andel af besøgene": ["41,0 %", "30,8 %", "20,5 %", "–", "100,0 %"]}
    )  # fmt: skip
    found = attack([_read(_h2("b", "Besøg") + _table(t, "Virksomhedsbesøg efter resultat"))])
    assert [f.value for f in found] == [3]


def test_x_means_at_least_the_threshold_so_a_small_sum_pins_both_cells() -> None:
    """Row total 20, shown 14: the '<5' and the 'x' share 6, so they are 1 and 5."""
    t = pd.DataFrame({"Gruppe": ["A", "I alt"], "a": ["14", "14"], "b": ["<5", "<5"],
                      "c": ["x", "x"], "I alt": ["20", "20"]})  # fmt: skip
    found = attack([_read(_h2("s", "S") + _table(t, "T"))])
    assert sorted({f.value for f in found}) == [1]


def test_kaplan_meier_steps_with_n_reveal_small_event_counts(figure_dir) -> None:
    from evalkit.plots import plot_survival

    t = [2, 2, 5, 8, 8, 8, 8, 8, 12, 15, 15, 15, 16, 16]
    km = kaplan_meier(t, [1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
    body = _h2("overlevelseskurve", "Tid") + figure_html(
        plot_survival({"Deltagere": km}, threshold=5), "Overlevelseskurve", "KM"
    )
    found = attack([_read(body, figure_dir)])
    assert [(f.what.rsplit(": ", 1)[-1], f.value) for f in found] == [
        ("afgange i uge 12", 1),
        ("afgange i uge 2", 2),
    ]


def test_a_verdict_narrows_a_hidden_share() -> None:
    """n = 40, hidden because fewer than 5 lack it: x is 36..39 (Wilson lower 0,769..0,871).

    "opfyldt" (the whole interval above the target) against 0,85 leaves only x = 39, one
    person without; against 0,82 it leaves 38 or 39, which reveals no single count.
    """
    crit = {"id": "k", "kind": "share", "unit": "share", "n": 40, "estimate": None,
            "lower": None, "upper": None, "target": 0.85, "direction": "min",
            "verdict": "opfyldt", "suppressed": True,
            "reason": "færre end 5 uden for andelen", "details": {}}  # fmt: skip
    results = {"project": "p", "criteria": [crit], "disclosure_threshold": 5}
    found = attack([_read("", results=results)])
    assert [(f.value, "resten" in f.what) for f in found] == [(1, True)]
    crit["target"] = 0.82
    assert attack([_read("", results=results)]) == []
    crit.update(verdict="kan ikke afgøres", target=0.85)  # published as the rule says
    assert attack([_read("", results=results)]) == []


def test_the_whole_minus_the_published_parts_reveals_the_hidden_part() -> None:
    def flow(name: str, aktive: str, afsluttet: str, total: str, subset=None, n=0) -> Report:
        t = pd.DataFrame(
            {"Målgruppe": ["jobparate", "I alt"], "Aktive": [aktive] * 2,
             "Afsluttet": [afsluttet] * 2, "Startet i alt": [total] * 2}
        )  # fmt: skip
        res = {"project": "p", "report_kind": "slutevaluering", "n_participants": n,
               **({"subset": subset} if subset else {}), "disclosure_threshold": 5}  # fmt: skip
        body = _h2("deltagerflow", "Deltagere") + _table(t, "Deltagere efter målgruppe og status")
        return _read(body, results=res, name=name)

    parts = [
        flow("a.html", "<5", "x", "40", {"kommune": "A"}, 40),
        flow("b.html", "10", "30", "40", {"kommune": "B"}, 40),
    ]
    whole = flow("alle.html", "13", "67", "80", None, 80)
    found = attack([*parts, whole])
    assert {f.value for f in found} == {3}
    assert attack(parts) == []  # the parts alone are safe


def test_the_parts_must_add_up_to_the_whole_before_they_are_differenced() -> None:
    t = pd.DataFrame({"Målgruppe": ["jobparate"], "Aktive": ["<5"], "Afsluttet": ["x"],
                      "Startet i alt": ["40"]})  # fmt: skip
    body = _h2("d", "D") + _table(t, "Deltagere efter målgruppe og status")
    part = _read(body, results={"project": "p", "n_participants": 40, "subset": {"k": "A"}})
    whole = _read(
        _h2("d", "D")
        + _table(pd.DataFrame({"Målgruppe": ["jobparate"], "Aktive": ["13"], "Afsluttet": ["77"],
                               "Startet i alt": ["90"]}), "Deltagere efter målgruppe og status"),
        results={"project": "p", "n_participants": 90},
        name="alle.html",
    )  # fmt: skip
    assert attack([part, whole]) == []  # other parts (50 persons) are not published


# --------------------------------------------------------------------------- no false alarms
def test_a_properly_suppressed_table_reveals_nothing() -> None:
    counts = pd.DataFrame({"ja": [3, 10, 25], "nej": [12, 20, 2]}, index=["A", "B", "C"])
    shown = suppress(counts).display().reset_index().rename(columns={"index": "Gruppe"})
    assert attack([_read(_h2("s", "S") + _table(shown, "T"))]) == []


# --------------------------------------------------------------------------- the solver
def _brute(cons, lows, highs, n_vars, top=6):
    """Every integer point of the box [lows, highs] (capped) meeting the constraints."""
    pts = []
    ranges = [range(int(lows[i]), int(min(highs[i], top)) + 1) for i in range(n_vars)]
    for p in itertools.product(*ranges):
        if all(lo - 1e-9 <= sum(a * p[i] for i, a in terms.items()) <= hi + 1e-9
               for terms, lo, hi in cons):  # fmt: skip
            pts.append(p)
    return pts


@pytest.mark.parametrize("seed", range(25))
def test_the_solver_pins_exactly_what_brute_force_pins(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_vars = 4
    truth = rng.integers(0, 7, n_vars)
    cons = []
    for _ in range(rng.integers(1, 4)):
        idx = rng.choice(n_vars, size=rng.integers(1, n_vars + 1), replace=False)
        terms = {int(i): 1.0 for i in idx}
        v = float(sum(truth[i] for i in idx))
        cons.append((terms, v, v))
    lows = [0] * n_vars
    highs = [6] * n_vars
    sys = System()
    for i in range(n_vars):
        sys.var(str(i), 0, 6)
        sys.target(str(i), "r", f"v{i}", 7, "")
    for terms, lo, hi in cons:
        sys.add({str(i): a for i, a in terms.items()}, lo, hi, "")
    pts = _brute(cons, lows, highs, n_vars)
    pinned = {i for i in range(n_vars) if len({p[i] for p in pts}) == 1 and 0 < pts[0][i] < 7}
    found = {int(f.what[1:]) for f in solve(sys)}
    assert found == pinned


def test_propagation_handles_unbounded_unknowns() -> None:
    sys = System()
    sys.var("a", 15, 15)
    sys.var("b", 18, 18)
    sys.var("x", 5)  # hidden as x: at least 5, no upper bound
    sys.add({"a": 1.0, "b": 1.0, "x": -1.0}, 0, 0, "sum")
    assert _propagate(sys)
    assert (sys.lo["x"], sys.hi["x"]) == (33, 33)
