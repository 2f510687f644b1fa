"""Survival plots: what is drawn, the at-risk table, small-count suppression, alt text."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from survival_helpers import read_csv, unemp

from evalkit.formatting import fmt_number
from evalkit.plots import alt_text_survival, plot_cumulative_incidence, plot_survival
from evalkit.survival import cumulative_incidence, kaplan_meier


@pytest.fixture
def curves():
    d = unemp()
    return {
        "Indsats": kaplan_meier(d.spell[d.ui == "yes"], d.censor1[d.ui == "yes"]),
        "Sammenligning": kaplan_meier(d.spell[d.ui == "no"], d.censor1[d.ui == "no"]),
    }


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_lines_bands_reference_and_legend(curves):
    ref = read_csv("reference_weibull.csv")
    fig = plot_survival(curves, reference=ref, title="Tid på ydelse")
    ax = fig.axes[0]
    styles = [line.get_linestyle() for line in ax.get_lines()]
    # per curve: one step line + one line of censoring ticks; plus the dashed reference
    assert len(ax.get_lines()) == 5
    assert styles.count("--") == 1
    assert len(ax.collections) == 2  # two CI bands
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Indsats (n = 1.848)", "Sammenligning (n = 1.495)", "Landstal"]
    assert ax.get_title() == "Tid på ydelse"
    assert ax.yaxis.get_major_formatter()(0.5, 0) == "50\u00a0%"


def test_without_ci_and_without_table(curves):
    fig = plot_survival(curves, ci=False, at_risk=False)
    assert len(fig.axes) == 1
    assert len(fig.axes[0].collections) == 0
    assert fig.axes[0].get_xlabel() == "Uger siden start"


def test_at_risk_table_shows_danish_counts(curves):
    fig = plot_survival(curves)
    table_ax = fig.axes[1]
    texts = _texts(fig)
    assert "1.848" in texts and "1.495" in texts  # numbers at risk at week 0
    assert [t.get_text() for t in table_ax.get_yticklabels()] == ["Sammenligning", "Indsats"]


def test_small_counts_are_suppressed_and_curve_stops():
    t = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], dtype=float)
    d = np.array([1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1])
    fit = kaplan_meier(t, d)
    fig = plot_survival({"Lille": fit}, threshold=5)
    texts = _texts(fig)
    assert "<5" in texts
    assert not any(x in texts for x in ("1", "2", "3", "4"))
    line = fig.axes[0].get_lines()[0]
    # last time with >= 5 at risk is week 8 (5 at risk)
    assert line.get_xdata().max() == 8


def test_draws_on_given_axes(curves):
    fig, ax = plt.subplots()
    out = plot_survival(curves, ax=ax)
    assert out is fig
    assert len(ax.get_lines()) == 4


def test_alt_text_content(curves):
    ref = read_csv("reference_weibull.csv")
    text = alt_text_survival(curves, reference=ref)
    assert text.startswith("Overlevelseskurve: andel på ydelse efter uger siden start.")
    s26 = curves["Indsats"].survival_at([26]).survival.iloc[0]
    s26_text = f"{100 * s26:.1f}".replace(".", ",")
    assert f"Indsats (n = 1.848): 65,3\u00a0pct. efter 13 uger, {s26_text}\u00a0pct." in text
    assert "52 uger" not in text.split("Landstal")[0]  # too few at risk at week 52
    assert "median 20 uger" in text
    assert "Landstal (stiplet linje): " in text


def test_cumulative_incidence_plot():
    d = unemp()
    res = cumulative_incidence(d.spell, d.cause, d.ui)
    fig = plot_cumulative_incidence(res, labels={1: "Job"})
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 6  # 2 groups x 3 causes
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "no: Job" in legend and "yes: Årsag 2" in legend


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"curves": {}}, ValueError, r"curves must be a non-empty dict"),
        ({"curves": {"a": 1}}, TypeError, r"curves\['a'\] must be a Kaplan-Meier result"),
        ({"reference": pd.DataFrame({"x": [1]})}, ValueError, r"reference must be a DataFrame"),
        ({"threshold": 0}, ValueError, r"threshold must be at least 1"),
    ],
)
def test_plot_errors(kwargs, err, match):
    args = {"curves": {"a": kaplan_meier([1, 2], [1, 0])}}
    args.update(kwargs)
    with pytest.raises(err, match=match):
        plot_survival(**args)


def test_figures_stay_out_of_pyplot(curves):
    # a returned figure must not also sit in pyplot's list (a notebook would show it twice)
    from evalkit.survival import nelson_aalen

    plt.close("all")
    d = unemp()
    figs = [
        plot_survival(curves),
        plot_survival(curves, at_risk=False),
        plot_cumulative_incidence(cumulative_incidence(d.spell, d.cause, d.ui)),
        curves["Indsats"].plot(),
        kaplan_meier(d.spell, d.censor1, groups=d.ui).plot(),
        nelson_aalen(d.spell, d.censor1).plot(),
        cumulative_incidence(d.spell, d.cause).plot(),
    ]
    assert plt.get_fignums() == []
    assert all(isinstance(f, Figure) for f in figs)
    # ... and shows itself in a notebook even when pyplot has never been used
    assert figs[0]._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_median_line_pvalue_and_censor_marks():
    d = read_csv("aml.csv")
    fit = kaplan_meier(d.time, d.status, groups=d.x)
    fig = fit.plot(median_line=True, censor_marks=False)
    ax = fig.axes[0]
    dotted = [ln for ln in ax.get_lines() if ln.get_linestyle() == ":"]
    # one horizontal line at 50 % to the largest median, one vertical per curve
    assert sorted(tuple(ln.get_xdata()) for ln in dotted) == [(0, 31), (23, 23), (31, 31)]
    assert not [ln for ln in ax.get_lines() if ln.get_marker() == "|"]
    assert "Log-rank: p = 0,065" in _texts(fig)
    marks = fit.plot()
    assert [ln for ln in marks.axes[0].get_lines() if ln.get_marker() == "|"]


def test_risk_table_is_aligned_with_the_time_axis(curves):
    fig = plot_survival(curves)
    ax, table_ax = fig.axes
    assert table_ax.get_shared_x_axes().joined(ax, table_ax)
    assert ax.get_xlim() == table_ax.get_xlim()
    fig.canvas.draw()
    a, b = ax.get_position(), table_ax.get_position()
    assert (a.x0, a.x1) == pytest.approx((b.x0, b.x1))
    # the row labels have the colours of their curves
    lines = {ln.get_label().split(" (n")[0]: ln.get_color() for ln in ax.get_lines()[::2]}
    for tick in table_ax.get_yticklabels():
        assert tick.get_color() == lines[tick.get_text()]


def test_weighted_curve_risk_table_counts_persons_or_says_weighted():
    rng = np.random.default_rng(2)
    t = rng.integers(1, 30, 200)
    e = rng.integers(0, 2, 200)
    w = rng.uniform(0.1, 0.6, 200)  # sums of weights far below the number of persons
    fit = kaplan_meier(t, e, weights=w)
    fig = plot_survival({"Vægtet": fit}, threshold=5)
    assert fig.axes[1].get_title(loc="left") == "Antal personer i risiko"
    assert "200" in _texts(fig)  # persons at week 0, not the sum of weights
    fig = plot_survival({"Vægtet": fit}, threshold=5, risk_counts="weighted")
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == ["Vægtet, vægtet"]
    total = fmt_number(float(w.sum()), 1)
    assert total in _texts(fig)


def test_cut_ends_a_curve_and_its_counts(curves):
    fig = plot_survival(curves, cut={"Indsats": 10})
    line = fig.axes[0].get_lines()[0]
    assert line.get_xdata().max() <= 10
    with pytest.raises(ValueError, match=r"cut names curves that are not drawn: \['x'\]"):
        plot_survival(curves, cut={"x": 3})
    with pytest.raises(ValueError, match=r"risk_counts must be one of"):
        plot_survival(curves, risk_counts="rows")


def test_cumulative_incidence_runs_to_follow_up_and_prints_gray():
    d = unemp()
    res = cumulative_incidence(d.spell, d.cause, d.ui)
    fig = res.plot(labels={1: "Job"})
    ends = {ln.get_label(): ln.get_xdata().max() for ln in fig.axes[0].get_lines()}
    assert ends["no: Job"] == 27 and ends["yes: Job"] == 28
    assert any(t.startswith("Grays test – Job: p < 0,001") for t in _texts(fig))


def test_cumulative_hazard_plot():
    from evalkit.plots import plot_cumulative_hazard
    from evalkit.survival import nelson_aalen

    d = unemp()
    fig = plot_cumulative_hazard({"Alle": nelson_aalen(d.spell, d.censor1)})
    (line,) = fig.axes[0].get_lines()
    assert line.get_label() == "Alle (n = 3.343)" and len(fig.axes[0].collections) == 1
    with pytest.raises(TypeError, match=r"must be a Nelson-Aalen result"):
        plot_cumulative_hazard({"a": kaplan_meier([1, 2], [1, 0])})
