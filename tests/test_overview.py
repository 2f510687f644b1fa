"""The kommune overview of the index (evalkit.report.overview): published figures only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evalkit.disclosure import suppress_share
from evalkit.report.overview import overview_data, overview_html, read_results
from evalkit.report.publish import publish_index

X = [28, 19, 33, 12, 25, 30, 61, 8, 39, 20]
N = [40, 41, 38, 35, 44, 40, 90, 20, 41, 40]
NAMES = ["Ærø", "Aabenraa", "Herning", "Odense", "Samsø", "Struer", "Aarhus", "Læsø",
         "Fanø", "Lejre"]  # fmt: skip


def _results(name: str, x: int, n: int, thr: int = 5) -> dict:
    hidden = suppress_share(x, n, thr).suppressed
    share = {
        "id": "andel", "label": "Andel i job", "kind": "share", "unit": "share", "n": n,
        "estimate": None if hidden else x / n, "suppressed": hidden, "verdict": "usikkert",
        "details": {} if hidden else {"x": x},
    }  # fmt: skip
    oe = {
        "id": "oe", "label": "O/E", "kind": "survival_vs_reference", "unit": "ratio", "n": n,
        "estimate": x / (0.8 * n), "suppressed": False, "verdict": "usikkert",
        "details": {"observed": float(x), "expected": 0.8 * n},
    }  # fmt: skip
    return {"subset": {"kommune": name}, "kommune": name, "disclosure_threshold": thr,
            "report_kind": "slutevaluering", "criteria": [share, oe],
            "verdicts": {"andel": "usikkert", "oe": "usikkert"}, "n_participants": n,
            "title": f"T: {name}", "as_of": None}  # fmt: skip


def test_only_publishable_points_are_drawn() -> None:
    # Læsø: 8 of 20 is shown; Fanø: 39 of 41 hides its share (2 without), so it is left out
    data = overview_data([_results(k, x, n) for k, x, n in zip(NAMES, X, N, strict=True)])
    share = next(d for d in data if d.id == "andel")
    assert share.omitted == 1 and "Fanø" not in set(share.funnel.points["unit"])
    for x, n in zip(share.funnel.points["x"], share.funnel.points["size"], strict=True):
        assert not suppress_share(int(x), int(n), 5).suppressed
    shown = [(x, n) for k, x, n in zip(NAMES, X, N, strict=True) if k != "Fanø"]
    assert share.funnel.centre == pytest.approx(sum(x for x, _ in shown) / sum(n for _, n in shown))
    # O/E: Fanø's O = 39 of n = 41 would reveal 2 persons still on benefit: left out too
    oe = next(d for d in data if d.id == "oe")
    assert oe.kind == "ratio" and oe.funnel.centre == 1.0 and oe.omitted == 1
    assert len(oe.to_frame()) == 9


def test_too_few_units_give_no_figure() -> None:
    assert (
        overview_data([_results(k, x, n) for k, x, n in zip(NAMES[:2], X[:2], N[:2], strict=True)])
        == []
    )
    assert overview_html([], "g") == ""


def test_html_names_outliers_with_alt_text() -> None:
    data = overview_data([_results(k, x, n) for k, x, n in zip(NAMES, X, N, strict=True)])
    html = overview_html(data, "g")
    assert html.count("<img ") == 4 and html.count('src="data:image/png;base64,') == 4
    alts = re.findall(r'alt="([^"]+)"', html)
    assert all(a.startswith(("Tragtdiagram", "Larvediagram")) and len(a) > 80 for a in alts)
    share = data[0].funnel
    for name in share.outside(0.95)["unit"]:
        assert name in html
    assert "empirisk Bayes" in html and "1 kommuner er ikke vist" in html
    assert "ventes ca. 0,4 af 9 kommuner uden for 95 %-grænserne" in html.replace("\u00a0", " ")


def test_index_shows_the_overview(tmp_path: Path) -> None:
    for k, x, n in zip(NAMES, X, N, strict=True):
        folder = tmp_path / "proj" / k.lower()
        folder.mkdir(parents=True)
        (folder / "slutevaluering.results.json").write_text(
            json.dumps(_results(k, x, n), ensure_ascii=False), encoding="utf-8"
        )
        (folder / "slutevaluering.html").write_text("<html></html>", encoding="utf-8")
    page = publish_index(tmp_path, generated="2026-11-24").read_text(encoding="utf-8")
    assert "Kommunerne sammenlignet" in page and page.count("Tragtdiagram for") == 2
    assert "Usikkert" in page  # the verdict words of the reports
    assert len(read_results(tmp_path, ["proj/ærø/slutevaluering.html"])) == 1
