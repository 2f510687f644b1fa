"""Danish labels (evalkit.labels) and Danish number words (evalkit.formatting)."""

from __future__ import annotations

import math

import pytest

from evalkit import labels
from evalkit.formatting import fmt_ci, fmt_percent, fmt_pp
from evalkit.schemas import ACTIVITY_TYPES, EDUCATIONS, STATUS_CATEGORIES


def test_every_schema_code_has_a_danish_label() -> None:
    assert set(STATUS_CATEGORIES) <= set(labels.STATUS)
    assert set(ACTIVITY_TYPES) <= set(labels.ACTIVITY_TYPES)
    assert set(EDUCATIONS) <= set(labels.EDUCATIONS)
    for table in labels.KINDS.values():
        for text in table.values():
            assert not any(s in text for s in ("oe", "aa", "ae")), text


@pytest.mark.parametrize(
    ("kind", "code", "text"),
    [
        ("status", "foertidspension", "førtidspension"),
        ("status", "doed", "død"),
        ("status", "selvforsoergende", "selvforsørgende"),
        ("status", "oevrig", "øvrig"),
        ("target_group", "ressourceforloeb", "ressourceforløb"),
        ("target_group", "jobparat", "jobparate"),
        ("target_group", "forsikret", "forsikrede ledige"),
        ("activity", "virksomhedsbesoeg", "virksomhedsbesøg"),
        ("activity", "smaajob", "småjob"),
        ("activity", "loentilskud", "løntilskud"),
        ("education", "videregaaende", "videregående"),
        ("cause", "selvforsoergelse", "selvforsørgelse"),
        ("target_group", "unge", "unge"),  # a project's own word is shown as it is
    ],
)
def test_label(kind: str, code: str, text: str) -> None:
    assert labels.label(kind, code) == text


def test_label_rejects_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match=r"kind must be one of .* but was 'groups'"):
        labels.label("groups", "jobparat")


def test_join_labels_is_a_danish_list() -> None:
    assert labels.join_labels("status", ["uddannelse", "foertidspension", "udvandret", "doed"]) == (
        "uddannelse, førtidspension, udvandret og død"
    )
    assert labels.join_labels("status", ["doed"]) == "død"
    assert labels.join_labels("status", []) == ""


def test_ascii_codes_are_the_stand_ins_and_raw_keys() -> None:
    codes = labels.ascii_codes()
    for code in ("foertidspension", "doed", "ressourceforloeb", "smaajob", "virksomhedsbesoeg",
                 "selvforsoergende", "kontanthjaelp", "videregaaende", "andel_paa_ydelse",
                 "samtale_medinddragende"):  # fmt: skip
        assert code in codes
    for word in ("jobparat", "uddannelse", "dagpenge", "kursus", "K"):
        assert word not in codes  # Danish words (or one letter) are not stand-ins


def test_percent_and_percentage_points_in_tables_and_running_text() -> None:
    assert fmt_percent(0.125) == "12,5\u00a0%"
    assert fmt_percent(0.125, text=True) == "12,5\u00a0pct."
    assert fmt_pp(0.25) == "+25,0\u00a0procentpoint"
    assert fmt_pp(-0.032, text=True) == "\u22123,2\u00a0pct.-point"
    assert fmt_pp(0.0) == "±0,0\u00a0procentpoint"
    assert (
        fmt_ci(-0.01, 0.05, kind="pp") == "(\u22121,0\u00a0procentpoint til +5,0\u00a0procentpoint)"
    )
    assert fmt_ci(0.1, 0.2, text=True) == "(10,0\u00a0pct. til 20,0\u00a0pct.)"
    assert fmt_ci(1.234, 2.5, kind="number", decimals=2) == "(1,23 til 2,50)"
    assert fmt_percent(math.nan, text=True) == "–"


def test_formatting_options_are_checked() -> None:
    with pytest.raises(TypeError, match="text must be True or False, but was 'ja'"):
        fmt_percent(0.1, text="ja")
    with pytest.raises(ValueError, match=r"kind must be one of .* but was 'procent'"):
        fmt_ci(0.1, 0.2, kind="procent")
