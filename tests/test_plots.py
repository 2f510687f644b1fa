"""Survival plots: what is drawn, the at-risk table, small-count suppression, alt text."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from survival_helpers import read_csv, unemp

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
    assert (
        f"Indsats (n = 1.848): 65,3\u00a0% efter 13 uger, {100 * s26:.1f}".replace(
            ".", ","
        ).replace("1,848", "1.848")
        in text
    )
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
