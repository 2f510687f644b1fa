"""The result of prepare(): a compact repr and notebook view without any person id."""

from __future__ import annotations

import pytest

from evalkit.report import prepare


@pytest.fixture(scope="module")
def analysis(demo_config):
    return prepare(demo_config("herning-transport"), "slutevaluering", generated="2026-11-24")


def test_repr_and_html_show_no_person_id(analysis):
    ids = set(analysis.data.participants["person_id"].astype(str))
    ids |= set(analysis.data.status["person_id"].astype(str))
    assert len(ids) > 20
    text, html = repr(analysis), analysis._repr_html_()
    for shown in (text, html, str(analysis)):
        leaked = [i for i in ids if i in shown]
        assert not leaked, f"person ids in the view: {leaked[:3]}"


def test_repr_is_compact_and_informative(analysis):
    text = repr(analysis)
    assert len(text.splitlines()) < 40
    assert "herning-transport" in text and "slutevaluering" in text
    assert f"Deltagere startet  {len(analysis.participants)}" in text
    for c in analysis.criteria:
        assert f"{c.id}: {c.verdict}" in text
    html = analysis._repr_html_()
    assert html.count("<table") == 3 and "Deltagere" in html
    assert len(html) < 20_000
