"""Suppression across reports published together (issue #12): the audit, the coordination
pass of ``evalkit run`` and ``evalkit check-disclosure``.

The fast tests render with a stand-in for the notebooks: each "report" is the participant
flow table of one kommune (or of the whole country, the sum of the kommuner) through the
real ``suppress`` (with the cells the pass asks it to hide), written as a page with its
results.json. The slow test renders the real notebooks for a small national batch in
which one kommune hides a cell of 3 that the whole country minus the others gave back.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from evalkit.cli import main
from evalkit.disclosure import suppress
from evalkit.disclosure.audit import attack, read_reports
from evalkit.report.batch import BatchJob, BatchOutcome
from evalkit.report.publish import PublicationRefused, PublishLog, publish_batch
from evalkit.report.subset import slugify

ROOT = Path(__file__).resolve().parents[1]
SLUG = "landsdaekkende-jobparate"
CAPTION = "Deltagere efter målgruppe og status"
# kommune -> (active, ended) of the one target group; Samsø has 3 active
KOMMUNER = {"Samsø": (3, 37), "Læsø": (12, 28), "Aalborg": (64, 112)}


@pytest.fixture
def config(tmp_path: Path) -> str:
    (tmp_path / "projects").mkdir()
    shutil.copy(ROOT / "projects" / f"{SLUG}.yaml", tmp_path / "projects")
    return str(tmp_path / "projects" / f"{SLUG}.yaml")


def _page(counts: tuple[int, int], hide, raw: bool = False) -> str:
    table = pd.DataFrame([counts], index=["jobparate"], columns=["Aktive", "Afsluttet"])
    cells = [(r, "I alt" if c == "Startet i alt" else c) for cap, r, c in hide if cap == CAPTION]
    shown = suppress(table, hide=cells, threshold=1 if raw else 5).display()
    head = "".join(f"<th>{h}</th>" for h in ["Målgruppe", "Aktive", "Afsluttet", "Startet i alt"])
    body = "".join(
        f"<tr><td>{label}</td>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>"
        for label, row in zip(shown.index, shown.to_numpy().tolist(), strict=True)
    )
    return (
        f"<html><body><main><h2 id='deltagerflow'>Deltagere</h2><table><caption>{CAPTION}"
        f"</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></main>"
        "</body></html>"
    )


def fake_render(
    jobs: list[BatchJob], data=KOMMUNER, calls: list | None = None, raw: str = ""
) -> list:
    """Stand-in for render_batch: one page and results.json per job (the kommune ``raw``
    without suppression)."""
    out = []
    for job in jobs:
        if calls is not None:
            calls.append((job.subset and dict(job.subset), job.hide))
        kommune = (job.subset or {}).get("kommune")
        counts = data[kommune] if kommune else tuple(map(sum, zip(*data.values(), strict=True)))
        folder = Path(job.out_dir) / SLUG
        folder = folder / slugify(kommune) if kommune else folder
        folder.mkdir(parents=True, exist_ok=True)
        html, res = folder / f"{job.kind}.html", folder / f"{job.kind}.results.json"
        html.write_text(_page(counts, job.hide, raw=kommune == raw), encoding="utf-8")
        record = {"project": SLUG, "report_kind": job.kind, "n_participants": sum(counts),
                  "disclosure_threshold": 5, **({"subset": dict(job.subset)} if kommune else {})}  # fmt: skip
        res.write_text(json.dumps(record), encoding="utf-8")
        out.append(BatchOutcome(job, str(html), str(res)))
    return out


def _jobs(config: str, out: Path, whole: bool = True) -> list[BatchJob]:
    subsets = ([None] if whole else []) + [{"kommune": k} for k in KOMMUNER]
    return [BatchJob(config, "slutevaluering", str(out), subset=s) for s in subsets]


def _cells(out: Path, kommune: str) -> list[list[str]]:
    page = read_reports(out)
    rep = next(r for r in page if r.name == f"{SLUG}/{slugify(kommune)}/slutevaluering.html")
    return next(t.rows for t in rep.tables if t.caption == CAPTION)


# --------------------------------------------------------------------------- the pass
def test_without_the_pass_the_whole_minus_the_other_kommuner_gives_back_a_hidden_cell(
    config: str, tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    publish_batch(_jobs(config, out), out, fake_render, coordinate=False)
    assert _cells(out, "Samsø")[0][1] == "<5"  # Samsø hides its 3 active ...
    found = attack(read_reports(out))
    assert {(f.report, f.cell, f.value) for f in found} >= {
        (f"{SLUG}/samsoe/slutevaluering.html", (CAPTION, "jobparate", "Aktive"), 3)
    }  # ... and 79 - 12 - 64 gives them back


def test_the_pass_hides_a_complementary_cell_and_publishes_a_clean_set(
    config: str, tmp_path: Path
) -> None:
    out, calls, log = tmp_path / "reports", [], PublishLog()
    render = functools.partial(fake_render, calls=calls)
    outcomes = publish_batch(_jobs(config, out), out, render, log=log)
    assert attack(read_reports(out)) == []
    # Læsø's 12 active (the smallest shown count of the link) is hidden, and its own
    # suppression protects it; only Læsø was rendered again
    assert _cells(out, "Læsø")[0][1:3] == ["x", "x"]
    assert _cells(out, "Aalborg")[0][1] == "64"
    assert log.rounds == 1 and list(log.hidden) == [f"{SLUG}/laesoe/slutevaluering.html"]
    assert calls[4:] == [({"kommune": "Læsø"}, ((CAPTION, "I alt", "Aktive"),
                                                 (CAPTION, "jobparate", "Aktive")))]  # fmt: skip
    assert all(Path(o.html).is_relative_to(out) and Path(o.html).is_file() for o in outcomes)
    assert not list(tmp_path.glob(".reports-udgivelse-*"))  # the staging folder is gone


def test_the_pass_includes_the_reports_already_published(config: str, tmp_path: Path) -> None:
    """The whole-country report was published by an earlier run; only the kommuner are
    new: the complementary cell is hidden in a new report, never in the published one."""
    out = tmp_path / "reports"
    publish_batch(_jobs(config, out)[:1], out, fake_render)
    before = (out / SLUG / "slutevaluering.html").read_bytes()
    log = PublishLog()
    publish_batch(_jobs(config, out, whole=False), out, fake_render, log=log)
    assert (out / SLUG / "slutevaluering.html").read_bytes() == before
    assert log.rounds == 1 and attack(read_reports(out)) == []


def test_a_set_that_cannot_be_made_safe_is_refused_and_nothing_is_published(
    config: str, tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    publish_batch(_jobs(config, out)[:1], out, fake_render)
    published = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def ignores_hide(jobs: list[BatchJob]) -> list:  # a renderer that hides nothing more
        return fake_render([dataclasses.replace(j, hide=()) for j in jobs])

    with pytest.raises(PublicationRefused, match="efter 2 runder") as info:
        publish_batch(_jobs(config, out, whole=False), out, ignores_hide, rounds=2)
    assert any("samsoe" in line and "«Aktive»" in line for line in info.value.lines)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == published
    assert not list(tmp_path.glob(".reports-udgivelse-*"))
    # a count shown in a table of a new report: no other report's cell can protect it
    with pytest.raises(PublicationRefused, match="ingen celle i en ny rapport") as info:
        publish_batch(_jobs(config, out, whole=False), out,
                      functools.partial(fake_render, raw="Samsø"))  # fmt: skip
    assert any("samsoe" in line and "vist i tabel" in line for line in info.value.lines)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == published


def test_a_kommune_without_a_report_is_the_whole_minus_the_published_ones(
    config: str, tmp_path: Path
) -> None:
    """Ærø (3 participants) gets no report, only a line in the index; with every other
    kommune and the whole country published, their difference is Ærø's count."""
    from evalkit.report.render import write_skipped

    data = {**KOMMUNER, "Ærø": (1, 2)}
    render = functools.partial(fake_render, data=data)
    jobs = _jobs(config, tmp_path / "x")  # the whole and the kommuner of KOMMUNER
    for out, coordinate in ((tmp_path / "off", False), (tmp_path / "on", True)):
        write_skipped(out, config, "slutevaluering", {"kommune": "Ærø"}, "færre end 5 deltagere")
        if not coordinate:
            publish_batch(jobs, out, render, coordinate=False)
            found = {(f.report, f.what, f.value) for f in attack(read_reports(out))}
            assert (f"{SLUG}/aeroe/slutevaluering.skipped.json", "deltagere (ingen rapport)",
                    3) in found  # fmt: skip
            continue
        with pytest.raises(PublicationRefused, match="ingen celle i en ny rapport") as info:
            publish_batch(jobs, out, render)
        assert any("aeroe" in line and "deltagere (ingen rapport)" in line
                   for line in info.value.lines)  # fmt: skip
        assert not list(out.rglob("*.html"))


def test_a_status_report_against_the_final_report(config: str, tmp_path: Path) -> None:
    """The status report (published) shows 10 ended, the final report 13: three persons
    ended in between. The pass hides the final report's count (never the published one)."""
    counts = {"statusrapport": (30, 10), "slutevaluering": (32, 13)}

    def render(jobs: list[BatchJob]) -> list:
        out = []
        for job in jobs:
            folder = Path(job.out_dir) / SLUG
            folder.mkdir(parents=True, exist_ok=True)
            html, res = folder / f"{job.kind}.html", folder / f"{job.kind}.results.json"
            html.write_text(_page(counts[job.kind], job.hide), encoding="utf-8")
            record = {"project": SLUG, "report_kind": job.kind, "as_of": job.as_of,
                      "n_participants": sum(counts[job.kind]), "disclosure_threshold": 5}  # fmt: skip
            res.write_text(json.dumps(record), encoding="utf-8")
            out.append(BatchOutcome(job, str(html), str(res)))
        return out

    out = tmp_path / "reports"
    status = BatchJob(config, "statusrapport", str(out), as_of="2022-06-30")
    final = BatchJob(config, "slutevaluering", str(out))
    publish_batch([status], out, render)
    off = tmp_path / "off"
    shutil.copytree(out, off)
    publish_batch([final], off, render, coordinate=False)
    found = {(f.report, f.cell, f.value) for f in attack(read_reports(off))}
    assert (f"{SLUG}/slutevaluering.html", None, 3) in found  # 13 - 10
    log = PublishLog()
    publish_batch([final], out, render, log=log)
    assert attack(read_reports(out)) == []
    assert list(log.hidden) == [f"{SLUG}/slutevaluering.html"]
    page = next(r for r in read_reports(out) if r.name == f"{SLUG}/slutevaluering.html")
    assert next(t for t in page.tables if t.caption == CAPTION).rows[0][2] == "x"


# --------------------------------------------------------------------------- the CLI
def test_check_disclosure_exit_code_and_lines(config: str, tmp_path: Path, capsys) -> None:
    leaky, clean = tmp_path / "leaky", tmp_path / "clean"
    publish_batch(_jobs(config, leaky), leaky, fake_render, coordinate=False)
    publish_batch(_jobs(config, clean), clean, fake_render)
    assert main(["check-disclosure", str(leaky)]) == 1
    out = capsys.readouterr().out
    assert (
        f"{SLUG}/samsoe/slutevaluering.html: tabel «{CAPTION}», række «jobparate», kolonne "
        "«Aktive» kan regnes ud" in out
    )
    assert "4 rapport(er) læst som ét sæt" in out and "antal under tærsklen kan regnes ud" in out
    # the recovered count itself is not printed, nor any person
    assert " 3 " not in out.replace("«", " ").replace("»", " ") and "= 3" not in out
    assert main(["check-disclosure", str(clean)]) == 0
    assert "intet antal under tærsklen kan regnes ud" in capsys.readouterr().out
    assert main(["check-disclosure", str(tmp_path / "projects")]) == 2
    assert "no reports" in capsys.readouterr().err


def test_run_refuses_a_set_it_cannot_make_safe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """``evalkit run --by kommune`` (notebooks stood in for): exit 1, the finding named by
    report, table, row and column, and nothing written to --out."""
    from evalkit.demo.national import generate_national
    from evalkit.report import batch

    (tmp_path / "projects").mkdir()
    shutil.copy(ROOT / "projects" / f"{SLUG}.yaml", tmp_path / "projects")
    generate_national(tmp_path / "data_raw" / "demo", kommuner=tuple(KOMMUNER))
    monkeypatch.setattr(
        batch, "render_batch", lambda jobs, **kw: fake_render(list(jobs), raw="Samsø")
    )
    config, out = str(tmp_path / "projects" / f"{SLUG}.yaml"), tmp_path / "reports"
    assert main(["run", config, "--by", "kommune", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "udgivelsen afvist" in err and "intet er offentliggjort" in err
    assert f"{SLUG}/samsoe/slutevaluering.html: tabel «{CAPTION}», række «jobparate»" in err
    assert not list(out.rglob("*.html")) and not list(tmp_path.glob(".reports-udgivelse-*"))


def test_the_index_counts_criteria_not_persons() -> None:
    """The index's tables of status reports count criteria by progress word: no persons
    (``evalkit check-disclosure`` on ``make demo``'s output found them as counts of 1-4)."""
    from evalkit.disclosure.audit import read_html

    page = (
        "<html><body><table><caption>Statusrapporter: antal succeskriterier efter vurdering "
        "mod delmålet</caption><thead><tr><th>Rapport</th><th>På sporet</th><th>Ikke på "
        "sporet</th><th>Usikkert</th></tr></thead><tbody><tr><td>Herning</td><td>2</td>"
        "<td>1</td><td>0</td></tr></tbody></table></body></html>"
    )
    assert attack([read_html(page, "index.html")]) == []


def test_suppress_hides_the_cells_asked_for_and_protects_them() -> None:
    t = pd.DataFrame({"Aktive": [10, 20, 30], "Afsluttet": [12, 0, 40]}, index=["A", "B", "C"])
    shown = suppress(t, hide=[("B", "Aktive"), ("B", "Afsluttet"), ("Z", "Aktive")]).display()
    assert shown.loc["B", "Aktive"] == "x"  # hidden, not small: "x", never "<5"
    assert shown.loc["B", "Afsluttet"] == "0"  # a zero reveals nobody: never hidden
    # its row and column get a second hidden cell, so neither total gives it back
    assert (shown.loc["B"] == "x").sum() >= 2 and (shown["Aktive"] == "x").sum() >= 2
    assert suppress(t).n_suppressed == 0


# --------------------------------------------------------------------------- real reports
@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_a_national_batch_with_a_small_cell_in_one_kommune_is_published_safe(
    tmp_path: Path, capsys
) -> None:
    """Three kommuner of the national demo; Samsø has 3 participants still active. The
    whole-country report is published first, then the kommune batch (as ``make demo``):
    the pass hides a second kommune's active count, and the set is clean."""
    from evalkit.demo.national import generate_national

    (tmp_path / "projects").mkdir()
    shutil.copy(ROOT / "projects" / f"{SLUG}.yaml", tmp_path / "projects")
    generate_national(tmp_path / "data_raw" / "demo", kommuner=("Læsø", "Aalborg", "Samsø"))
    f = tmp_path / "data_raw" / "demo" / "national" / "deltagere.parquet"
    p = pd.read_parquet(f)
    still = p.index[(p["kommune"] == "Samsø") & p["slutdato"].isna()]
    day = pd.Timestamp("2022-12-24")
    p.loc[still[3:], "slutdato"] = (p.loc[still[3:], "startdato"] + pd.Timedelta(days=70)).clip(
        upper=day
    )
    p.to_parquet(f, index=False)
    config, out = str(tmp_path / "projects" / f"{SLUG}.yaml"), tmp_path / "reports"
    assert main(["run", config, "--out", str(out), "--date", "2026-11-24"]) == 0
    assert main(["run", config, "--by", "kommune", "--out", str(out), "--date", "2026-11-24"]) == 0
    assert "Diskretionering på tværs af rapporterne:" in capsys.readouterr().out
    assert _cells(out, "Samsø")[0][1] == "<5"
    hidden = [k for k in ("Læsø", "Aalborg") if _cells(out, k)[0][1] == "x"]
    assert hidden  # a second kommune hides its active count for Samsø's sake
    assert attack(read_reports(out)) == []
    assert main(["check-disclosure", str(out)]) == 0


# --------------------------------------------------------------------------- the index
def _leaky_index(out_dir, generated=None) -> str:
    """An overview that shows Samsø's 3 active participants (what the index must never)."""
    return _page(KOMMUNER["Samsø"], (), raw=True)


def test_the_index_is_audited_with_the_reports_before_it_is_written(
    config: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """``evalkit index``: a clean overview is written; one that would reveal a count is
    not, and the published one is removed (it was not audited with these reports), with
    exit 1 and the finding named, not the count."""
    from evalkit.report import render

    out = tmp_path / "reports"
    publish_batch(_jobs(config, out), out, fake_render)
    assert main(["index", "--out", str(out)]) == 0
    before = (out / "index.html").read_bytes()
    assert f"{SLUG}/slutevaluering.html" in before.decode("utf-8")
    assert main(["check-disclosure", str(out)]) == 0
    capsys.readouterr()
    monkeypatch.setattr(render, "index_page", _leaky_index)
    assert main(["index", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "oversigten afvist" in err and "index.html er ikke skrevet" in err
    assert f"index.html: tabel «{CAPTION}», række «jobparate», kolonne «Aktive»" in err
    assert " 3 " not in err.replace("«", " ").replace("»", " ") and "= 3" not in err
    assert not (out / "index.html").exists()  # the old overview is not left beside them
    assert sorted(p.name for p in out.iterdir()) == [SLUG]  # no temporary file


def test_the_index_is_not_blamed_for_what_the_reports_give_away(
    config: str, tmp_path: Path
) -> None:
    """Reports published without the pass leak a count by themselves: the index (which
    adds nothing) is still written; only counts the index adds refuse it."""
    from evalkit.report.publish import publish_index

    out = tmp_path / "reports"
    publish_batch(_jobs(config, out), out, fake_render, coordinate=False)
    assert attack(read_reports(out))  # the reports alone give Samsø's count back
    assert publish_index(out, generated="2026-11-24") == out.resolve() / "index.html"


def test_run_refuses_an_index_that_reveals_a_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """``evalkit run`` publishes the index of a clean set; an index that would reveal a
    count is not written and the run exits 1."""
    from evalkit.demo.national import generate_national
    from evalkit.report import batch, render

    (tmp_path / "projects").mkdir()
    shutil.copy(ROOT / "projects" / f"{SLUG}.yaml", tmp_path / "projects")
    generate_national(tmp_path / "data_raw" / "demo", kommuner=tuple(KOMMUNER))
    monkeypatch.setattr(batch, "render_batch", lambda jobs, **kw: fake_render(list(jobs)))
    config = str(tmp_path / "projects" / f"{SLUG}.yaml")
    clean, leaky = tmp_path / "clean", tmp_path / "leaky"
    assert main(["run", config, "--by", "kommune", "--out", str(clean)]) == 0
    assert (clean / "index.html").is_file() and "Oversigt:" in capsys.readouterr().out
    monkeypatch.setattr(render, "index_page", _leaky_index)
    assert main(["run", config, "--by", "kommune", "--out", str(leaky)]) == 1
    err = capsys.readouterr().err
    assert "oversigten afvist" in err and "index.html: tabel «" in err
    assert not (leaky / "index.html").exists()
    assert not [p for p in leaky.iterdir() if p.name.startswith(".")]
