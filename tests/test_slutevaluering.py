"""The slutevaluering STAR asks for: narrative file, draft placeholders, ``run --final``."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import yaml

from evalkit.config import ConfigError, load_config
from evalkit.report.final import final_problems, load_final_report
from evalkit.report.narrative import PARTS, read_narrative, render_markdown

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ("herning-transport", "ringkobing-skjern-stv", "hedensted-samtale",
         "aalborg-jobparate", "herning-flere-skal-med")  # fmt: skip
COMPLETE = """# Slutevaluering: Test

## Implementering af kerneelementer
Værkstedet åbnede i **februar**.

## Afvigelser fra ansøgningen
Ingen.

## Erfaringer
Gode.

## forankring
Fortsætter.

## Dato og underskrift
Dato: 26. februar 2021
Underskriver: Jobcenterchef, Testby Kommune
"""


def _narrative(tmp_path: Path, text: str):
    path = tmp_path / "projekt.slutevaluering.md"
    path.write_text(text, encoding="utf-8")
    return read_narrative(path)


def test_complete_narrative_has_every_part_and_the_signature(tmp_path: Path) -> None:
    n = _narrative(tmp_path, COMPLETE)
    assert n.complete and n.problems == ()
    assert set(n.parts) == set(PARTS)
    assert n.parts["forankring"] == "Fortsætter."  # headings match regardless of case
    assert n.signed == dt.date(2021, 2, 26)
    assert n.signer == "Jobcenterchef, Testby Kommune"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda t: t.replace("## Erfaringer\nGode.\n", ""),
         "projekt.slutevaluering.md: heading '## Erfaringer': missing"),
        (lambda t: t.replace("Gode.", ""), "heading '## Erfaringer': empty"),
        (lambda t: t.replace("## Erfaringer", "## Erfaringr"),
         "heading '## Erfaringr': unknown heading (did you mean 'Erfaringer'?)"),
        (lambda t: t + "\n## Erfaringer\nIgen.\n", "heading '## Erfaringer': appears twice"),
        (lambda t: t.replace("# Slutevaluering: Test\n", "# Titel\n\nIndledning.\n"),
         "the file: text before the first '## heading' is not shown"),
        (lambda t: t.replace("Dato: 26. februar 2021\n", ""),
         "heading '## Dato og underskrift': missing the line 'Dato: yyyy-mm-dd'"),
        (lambda t: t.replace("26. februar 2021", "snart"),
         "expected a date like 2021-02-26 or 26. februar 2021, got 'snart'"),
        (lambda t: t.replace("Underskriver: Jobcenterchef, Testby Kommune", ""),
         "missing the line 'Underskriver: name and title'"),
    ],
)  # fmt: skip
def test_narrative_problems_name_file_and_heading(tmp_path: Path, change, problem: str) -> None:
    n = _narrative(tmp_path, change(COMPLETE))
    assert not n.complete
    assert any(problem in str(p) for p in n.problems), [str(p) for p in n.problems]


def test_missing_narrative_file_lists_every_heading(tmp_path: Path) -> None:
    n = read_narrative(tmp_path / "findes-ikke.slutevaluering.md")
    text = [str(p) for p in n.problems]
    assert (
        text[0]
        == "findes-ikke.slutevaluering.md: the file: no such file; write it beside the config"
    )
    assert [
        f"findes-ikke.slutevaluering.md: heading '## {h}': missing" for h, _ in PARTS.values()
    ] == text[1:]


def test_markdown_is_rendered_safely() -> None:
    out = render_markdown(
        "## Under\n\n<script>alert(1)</script> <b>x</b> [klik](javascript:alert(1)) "
        "![logo](https://example.org/logo.png) [STAR](https://star.dk)\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert "<script" not in out and "&lt;script&gt;" in out and "&lt;b&gt;" in out
    assert "<img" not in out  # a report loads nothing from the network
    assert 'href="javascript' not in out
    assert '<a href="https://star.dk">STAR</a>' in out
    assert "<h3>Under</h3>" in out and "<h2" not in out
    assert "<table>" in out


# --------------------------------------------------------------------------- config
BASE = {
    "slug": "test-projekt", "title": "Test", "kommune": "Herning", "pool": "Pulje",
    "period": {"start": "2020-01-01", "end": "2020-12-31"}, "target_groups": ["jobparat"],
    "data": {"participants": "p.csv", "status": "s.csv"},
}  # fmt: skip
BLOCK = {"journal_number": "J-1", "grant_recipient": "Herning Kommune",
         "project_manager": "Projektleder"}  # fmt: skip


def _config(tmp_path: Path, block, narrative: str | None = COMPLETE):
    path = tmp_path / "projekt.yaml"
    cfg = {**BASE, **({"slutevaluering": block} if block is not None else {})}
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    if narrative is not None:
        (tmp_path / "projekt.slutevaluering.md").write_text(narrative, encoding="utf-8")
    return load_config(path)


@pytest.mark.parametrize(
    ("block", "key", "message"),
    [
        ({**BLOCK, "journalnummer": "x"}, "slutevaluering.journalnummer", "unknown key"),
        ({**BLOCK, "journal_number": ["x"]}, "slutevaluering.journal_number", "expected a text"),
        ({**BLOCK, "time_plan": {"a": 1}}, "slutevaluering.time_plan", "expected a list"),
        ({**BLOCK, "time_plan": [{"activity": "A"}]}, r"slutevaluering.time_plan\[0\].planned",
         "missing"),
        ({**BLOCK, "time_plan": [{"activity": "A", "planned": "2020", "punkt": "x"}]},
         r"slutevaluering.time_plan\[0\].punkt", "unknown key"),
        ({**BLOCK, "time_plan": [{"activity": "A", "planned": "2020", "promise": "x"}]},
         r"slutevaluering.time_plan\[0\].promise", "no promise with id 'x'"),
        ({**BLOCK, "attachments": "regnskab"}, "slutevaluering.attachments", "expected a list"),
        ("ja", "slutevaluering", "expected a mapping"),
    ],
)  # fmt: skip
def test_block_errors_name_file_and_key(tmp_path: Path, block, key: str, message: str) -> None:
    cfg = _config(tmp_path, block)
    with pytest.raises(ConfigError, match=rf"projekt.yaml(, line \d+)?: key '{key}': .*{message}"):
        load_final_report(cfg)


def test_final_problems_list_what_is_missing(tmp_path: Path) -> None:
    assert final_problems(_config(tmp_path, BLOCK)) == []
    cfg = _config(
        tmp_path, {"journal_number": "J-1"}, COMPLETE.replace("## Erfaringer\nGode.\n", "")
    )
    assert final_problems(cfg) == [
        "projekt.yaml: key 'slutevaluering.grant_recipient': missing",
        "projekt.yaml: key 'slutevaluering.project_manager': missing",
        "projekt.slutevaluering.md: heading '## Erfaringer': missing",
    ]
    assert "key 'slutevaluering': missing" in final_problems(_config(tmp_path, None))[0]
    other = _config(tmp_path, {**BLOCK, "narrative": "andet.md"})
    assert (
        final_problems(other)[0] == "andet.md: the file: no such file; write it beside the config"
    )


@pytest.mark.parametrize("slug", SEEDS)
def test_demo_narratives_are_complete_and_marked_as_demo(slug: str) -> None:
    cfg = load_config(ROOT / "projects" / f"{slug}.yaml")
    assert final_problems(cfg) == []
    final = load_final_report(cfg)
    assert final.journal_number.startswith("DEMO-")
    for key in ("implementering", "afvigelser", "erfaringer", "forankring"):
        assert final.narrative.parts[key].startswith("*Demotekst")
    assert "demo" in final.narrative.signer


# --------------------------------------------------------------------------- cli
def _copy_demo(demo_root: Path, tmp_path: Path, slug: str) -> Path:
    root = tmp_path / "demo"
    shutil.copytree(demo_root / "projects", root / "projects")
    (root / "data_raw").symlink_to(demo_root / "data_raw")
    return root / "projects" / f"{slug}.yaml"


def test_run_final_refuses_listing_what_is_missing(demo_root: Path, tmp_path: Path, capsys) -> None:
    from evalkit.cli import main

    cfg = _copy_demo(demo_root, tmp_path, "herning-transport")
    md = cfg.with_name("herning-transport.slutevaluering.md")
    text = md.read_text(encoding="utf-8")
    md.write_text(re.sub(r"## Forankring\n.*?(?=\n## )", "", text, flags=re.S), encoding="utf-8")
    out = tmp_path / "reports"
    assert main(["run", str(cfg), "--final", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "not ready for the final slutevaluering; 1 thing(s) missing" in err
    assert "herning-transport.slutevaluering.md: heading '## Forankring': missing" in err
    assert not list(out.glob("*/*.html"))  # nothing rendered
    assert main(["run", str(cfg), "--final", "--kind", "statusrapport", "--out", str(out)]) == 2


def test_run_final_renders_only_the_slutevaluering_when_complete(
    demo_root: Path, tmp_path: Path, monkeypatch
) -> None:
    import evalkit.report.batch as batch
    from evalkit.cli import main

    queued = []
    monkeypatch.setattr(batch, "render_batch", lambda jobs, **kw: queued.extend(jobs) or [])
    cfg = _copy_demo(demo_root, tmp_path, "herning-transport")
    assert main(["run", str(cfg), "--final", "--out", str(tmp_path / "r")]) == 0
    assert [(Path(j.config).name, j.kind) for j in queued] == [
        ("herning-transport.yaml", "slutevaluering")
    ]


# --------------------------------------------------------------------------- report
@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_final_report_has_stars_parts_in_order(rendered_reports: dict) -> None:
    page = rendered_reports[("herning-transport", "slutevaluering")].read_text(encoding="utf-8")
    order = ["generelle-oplysninger", "implementering", "afvigelser", "loefter",
             "succeskriterier", "erfaringer", "bilag", "underskrift"]  # fmt: skip
    at = [page.index(f'<h2 id="{anchor}"') for anchor in order]
    assert at == sorted(at)
    assert "DEMO-2019-0000" in page and "Herning Kommune, Jobcenter Herning" in page
    assert "15. marts 2021" in page and "Revisors erklæring om projektregnskabet" in page
    assert "UDKAST" not in page and 'class="placeholder"' not in page
    assert "Demotekst" in page
    assert "Ansættelse af projektmedarbejder" in page and "Januar 2019" in page
    status = rendered_reports[("aalborg-jobparate", "statusrapport")].read_text(encoding="utf-8")
    assert 'id="generelle-oplysninger"' not in status and 'id="underskrift"' not in status
    assert 'id="loefter"' in status


@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_draft_marks_every_missing_part(demo_root: Path, tmp_path: Path) -> None:
    from evalkit.report import final, prepare

    cfg = _copy_demo(demo_root, tmp_path, "herning-flere-skal-med")
    md = cfg.with_name("herning-flere-skal-med.slutevaluering.md")
    text = md.read_text(encoding="utf-8")
    text = re.sub(r"## Erfaringer\n.*?(?=\n## )", "", text, flags=re.S)
    md.write_text(text.replace("Dato: 2019-11-29\n", ""), encoding="utf-8")
    raw = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    del raw["slutevaluering"]["journal_number"]
    cfg.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    a = prepare(cfg, "slutevaluering", generated="2026-01-01")
    html = "".join(
        f(a)
        for f in (final.general_information, final.time_plan, final.deviations,
                  final.experiences, final.attachments_and_signature)
    )  # fmt: skip
    assert "UDKAST – ikke klar til STAR" in html and "3 ting mangler" in html
    assert "slutevaluering.journal_number" in html
    assert "«## Erfaringer»" in html and "«## Dato og underskrift»" in html
    assert html.count('class="placeholder"') == 3
    res = a.results()
    assert res["inputs"]["narrative"] == final.load_final_report(a.config).narrative_sha256
    assert res["slutevaluering"]["draft"] is True and len(res["slutevaluering"]["missing"]) == 3
