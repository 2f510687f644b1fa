"""Danish labels (evalkit.labels) and Danish number words (evalkit.formatting)."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from pathlib import Path

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


# --------------------------------------------------------------------------- every report
# What a reader sees: the page's text, alt texts and ARIA labels, what every figure draws
# (legend, axis labels, tick labels, texts) and the labels results.json publishes.
_STAND_INS = re.compile(
    r"(?<![\w-])("
    + "|".join(map(re.escape, sorted(labels.ascii_codes(), key=len, reverse=True)))
    + r")(?![\w-])",
    re.IGNORECASE,
)
# a target-group code where a label belongs ("Deltagere, jobparat" for "..., jobparate")
_RAW_GROUP = re.compile(r"Deltagere, (jobparat|aktivitetsparat|forsikret|ressourceforloeb)\b")
_PP = re.compile(r"\d[\s\u00a0]pp\b")
# a percentage in running text must be "12,5 pct." ("95 %-konfidensinterval" is a term)
_PERCENT_IN_TEXT = re.compile(r"\d[\s\u00a0]%(?!-)")
_MACHINE_KEYS = {"id", "kind", "unit", "direction", "ci_side", "method", "project", "inputs",
                 "report_kind", "evalkit_version", "verdicts", "as_of", "period", "start",
                 "end", "reference", "source", "date"}  # fmt: skip


def _visible(html_text: str) -> tuple[str, str]:
    """(all text a reader sees, running text: paragraphs, list items and alt texts)."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", html_text, flags=re.S)
    page = re.sub(r'src="data:[^"]*"', "", page)
    attrs = [html.unescape(a) for a in re.findall(r'(?:alt|aria-label|title)="([^"]*)"', page)]
    alts = [html.unescape(a) for a in re.findall(r'alt="([^"]*)"', page)]
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    running = [
        html.unescape(re.sub(r"<[^>]+>", " ", m))
        for m in re.findall(r"<(?:p|li)\b[^>]*>(.*?)</(?:p|li)>", page, flags=re.S)
    ]
    return " ".join([text, *attrs]), " ".join([*running, *alts])


def _figure_texts(html_text: str, folder: Path) -> list[str]:
    out = []
    for data in re.findall(r'src="data:image/png;base64,([^"]+)"', html_text):
        digest = hashlib.sha256(base64.b64decode(data)).hexdigest()
        fig = json.loads((folder / f"{digest}.json").read_text(encoding="utf-8"))
        for ax in fig["axes"]:
            out += [ax["title"], ax["xlabel"], ax["ylabel"], *ax["legend"],
                    *ax["xticklabels"], *ax["yticklabels"], *(t["text"] for t in ax["texts"]),
                    *(ln["label"] for ln in ax["lines"] if not ln["label"].startswith("_"))]  # fmt: skip
    return out


def _published_labels(value, key: str = "") -> list[str]:
    if key in _MACHINE_KEYS:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        out = list(value) if key in ("survival", "subset") else []
        for k, v in value.items():
            out += _published_labels(v, k)
        return out
    if isinstance(value, list):
        return [s for v in value for s in _published_labels(v, key)]
    return []


def danish_problems(html_path: Path, figures: Path) -> list[str]:
    """ASCII stand-ins, raw codes and non-Danish units a reader of this report would see."""
    page = html_path.read_text(encoding="utf-8")
    text, running = _visible(page)
    results = json.loads(html_path.with_suffix(".results.json").read_text(encoding="utf-8"))
    seen = {
        "tekst": text,
        "figurer": " | ".join(_figure_texts(page, figures)),
        "results.json": " | ".join(_published_labels(results)),
    }
    problems = []
    for where, content in seen.items():
        problems += [f"{where}: {m!r}" for m in sorted(set(_STAND_INS.findall(content)))]
        problems += [f"{where}: {m.group(0)!r}" for m in _RAW_GROUP.finditer(content)]
        problems += [f"{where}: {m.group(0)!r}" for m in _PP.finditer(content)]
    running = re.sub(r"«[^»]*»", " ", running)  # quotations keep the source's own spelling
    for m in _PERCENT_IN_TEXT.finditer(running):
        problems.append(f"løbende tekst: {running[max(0, m.start() - 40) : m.end() + 5]!r}")
    return problems


def test_the_scanner_finds_what_todays_reports_showed(tmp_path: Path) -> None:
    """On a page as reports were before the label table, every kind of problem is found."""
    figures = tmp_path / "fig"
    figures.mkdir()
    page = tmp_path / "r.html"
    page.write_text(
        "<html><body><p>Konkurrerende afgange (uddannelse, foertidspension, udvandret, doed)"
        " afslutter forløbet; andelen er 12,5\u00a0%.</p><table><caption>x</caption><tr>"
        "<td>Ressourceforloeb</td><td>+3,2\u00a0pp</td><td>12,5\u00a0%</td></tr></table>"
        '<img alt="Deltagere, jobparat (n = 44): 71,5\u00a0% efter 13 uger" src="">'
        "<p>Wilsons 95 %-konfidensinterval.</p></body></html>",
        encoding="utf-8",
    )
    page.with_suffix(".results.json").write_text(
        json.dumps(
            {
                "survival": {"Deltagere, ressourceforloeb": {}},
                "criteria": [{"id": "smaajob", "label": "Småjob"}],
            }
        ),
        encoding="utf-8",
    )
    found = danish_problems(page, figures)
    text = "\n".join(found)
    for word in ("'foertidspension'", "'doed'", "'Ressourceforloeb'", "'2\\xa0pp'",
                 "Deltagere, jobparat", "results.json: 'ressourceforloeb'",
                 "andelen er 12,5", "71,5"):  # fmt: skip
        assert word in text, word
    assert "smaajob" not in text and "95 %-konfidensinterval" not in text
    assert "caption" not in text and "12,5\\xa0%</td>" not in text


@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_every_demo_report_is_danish_throughout(demo_reports) -> None:
    """No ASCII stand-in, raw code or 'pp' reaches a reader of any demo report, and
    running text writes percentages as 'pct.' (tables and figures keep '%')."""
    figures = next(iter(demo_reports.values())).parents[1] / "_figurdata"
    problems = {
        f"{slug} {kind}": found
        for (slug, kind), path in sorted(demo_reports.items())
        if (found := danish_problems(path, figures))
    }
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
