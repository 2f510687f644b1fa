"""The promise register: every promise of each seed application, accounted for in the report.

Per seed, the register (ids and kinds, in order) is held here; a change to a config's
``promises:`` must be made here too. Every entry must appear in the rendered register
section with its row id, and the reader must be able to follow each link.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from evalkit.config import ConfigError, load_config
from evalkit.promises import (
    AGGREGATES,
    KINDS,
    Planned,
    Promise,
    _from_implementation,
    account_promises,
    load_promises,
)

ROOT = Path(__file__).resolve().parents[1]
S, M, I = "succeskriterium", "maaling", "implementering"  # noqa: E741

# The register of each seed: (id, kind, source) in the config's order. The issue's
# examples (#11 §1) are all here: 000 mentor, weekly follow-up, praktik extent, status
# reports; 001 "88 flere borgere", places 60/30/30 planned and used, meetings every 4
# weeks, CV for everyone, quarterly indsatsgruppe meetings; 002 the three drejebøger,
# development days, tavlemøder, planned participants and staff; 003 "ca. 170 ... 18 %",
# >= 6 job conversations in 6 months, workshop within 2 weeks, caseload 50, 5 more staff;
# 004 rise in paid hours, activities 8/16/19 persons, the 3-day course, groups 2 and 3,
# the overview of the other Flere skal med kommuner.
REGISTERS: dict[str, list[tuple[str, str, str]]] = {
    "herning-transport": [
        ("selvforsoergelse", S, "criterion"),
        ("virksomhedsbesoeg", S, "criterion"),
        ("praktik", S, "criterion"),
        ("smaajob", S, "criterion"),
        ("uddannelseskoeb", S, "criterion"),
        ("praktik_omfang", M, "section"),
        ("timer_uge_for_uge", M, "section"),
        ("kurser", M, "section"),
        ("afsluttet_selvforsoergelse", M, "section"),
        ("fortsat_3_mdr", M, "criterion"),
        ("fortsat_6_mdr", M, "criterion"),
        ("besoeg_resultat", M, "section"),
        ("deltagere", I, "participants"),
        ("projektmedarbejder", I, "implementation"),
        ("ugentlig_opfoelgning", I, "measure"),
        ("mentor", I, "measure"),
        ("statusrapporter", I, "implementation"),
    ],
    "ringkobing-skjern-stv": [
        ("aktivitetsparate_25pp", S, "criterion"),
        ("pulje_aktivitetsparate_20pp", S, "criterion"),
        ("ressourceforloeb_20pp", S, "criterion"),
        ("pulje_ressourceforloeb_20pp", S, "criterion"),
        ("flere_borgere_88", S, "criterion"),
        ("bruttomaalgruppe_aktivitetsparate", I, "measure"),
        ("bruttomaalgruppe_ressourceforloeb", I, "measure"),
        ("projektleder", I, "implementation"),
        ("indsatsgruppemoeder", I, "implementation"),
        ("faellesmoeder", I, "implementation"),
        ("jobklub", I, "implementation"),
        ("kompetencemoeder", I, "implementation"),
        ("pladser_virksomhedscentre", I, "implementation"),
        ("pladser_traeningsbaner", I, "implementation"),
        ("pladser_forhaandsaftaler", I, "implementation"),
        ("pladser_brugt", I, "measure"),
        ("pladser_i_brug_virksomhedscentre", I, "measure"),
        ("pladser_i_brug_traeningsbaner", I, "measure"),
        ("pladser_i_brug_forhaandsaftaler", I, "measure"),
        ("jobboers", I, "implementation"),
        ("cv_alle", I, "measure"),
        ("opfoelgning_4_uger", I, "measure"),
        ("nye_succesmaal", I, "implementation"),
        ("moedeplan_2019", I, "implementation"),
    ],
    "hedensted-samtale": [
        ("medinddragende_jobparate", S, "criterion"),
        ("medinddragende_forsikrede", S, "criterion"),
        ("soegte_job_jobparate", S, "criterion"),
        ("soegte_job_forsikrede", S, "criterion"),
        ("selvbooking", S, "criterion"),
        ("joblog_jobparate", S, "criterion"),
        ("joblog_forsikrede", S, "criterion"),
        ("faerre_jobparate", S, "criterion"),
        ("ledighed_rang", S, "criterion"),
        ("kulturskifte", S, "not_measured"),
        ("drejebog_forberedelse", I, "implementation"),
        ("drejebog_lokal", I, "implementation"),
        ("drejebog_vidensdeling", I, "implementation"),
        ("udviklingsdage", I, "implementation"),
        ("tavlemoeder", I, "implementation"),
        ("undervisning_selvbooking_joblog", I, "implementation"),
        ("laeringsgruppemoeder", I, "implementation"),
        ("samtaledeltagelse", I, "implementation"),
        ("deltagere_jobparate", I, "participants"),
        ("deltagere_forsikrede", I, "participants"),
        ("jobkonsulenter_jobparate", I, "implementation"),
        ("teamledere", I, "implementation"),
        ("jobkonsulenter_forsikrede", I, "implementation"),
    ],
    "aalborg-jobparate": [
        ("beskaeftiget_26_uger", S, "criterion"),
        ("andel_af_landet", S, "criterion"),
        ("reduktion_170", S, "criterion"),
        ("overlevelseskurve", S, "criterion"),
        ("mere_jobsoegende", S, "measure"),
        ("joblog_brug", S, "measure"),
        ("virksomhedsrettet_tilbud", S, "measure"),
        ("jobsamtaler_6_mdr", S, "measure"),
        ("vaerksted_2_uger", S, "measure"),
        ("deltagere", I, "participants"),
        ("vaerksted_etableret", I, "implementation"),
        ("virksomhedskonsulenter", I, "implementation"),
        ("sagstal_50", I, "implementation"),
        ("flere_medarbejdere", I, "implementation"),
        ("sparringsmoeder", I, "implementation"),
        ("maanedlige_opgoerelser", I, "implementation"),
    ],
    "herning-flere-skal-med": [
        ("gruppe1_40pct", S, "criterion"),
        ("naaet_september_2018", S, "section"),
        ("landsgennemsnit", M, "section"),
        ("loen_40pct", S, "criterion"),
        ("loennede_timer_stigning", M, "measure"),
        ("landsoversigt", M, "section"),
        ("bruttomaalgruppe", I, "participants"),
        ("inddeling_grupper", I, "section"),
        ("personlig_jobformidler", I, "implementation"),
        ("jobformidlere_19", I, "implementation"),
        ("gruppe2_rehabilitering", I, "measure"),
        ("gruppe3_vurdering", I, "measure"),
        ("gruppeforloeb_8", I, "implementation"),
        ("synergaia_16", I, "implementation"),
        ("kursus_3_dage", I, "implementation"),
        ("paa_vej_i_job", I, "implementation"),
        ("cv_beskaeftigelsesmaal", I, "measure"),
    ],
}
SEEDS = {"herning-transport": "000", "ringkobing-skjern-stv": "001",
         "hedensted-samtale": "002", "aalborg-jobparate": "003",
         "herning-flere-skal-med": "004"}  # fmt: skip
# The seed documents lie beside the checkouts (/work/shared/seeds) on the workbench
_SEED_DIRS = [d / "shared" / "seeds" for d in (ROOT.parent, ROOT.parent.parent)]
SEED_FILES = {s: next((f for d in _SEED_DIRS if d.is_dir() for f in d.glob(f"{n}_*.txt")), None)
              for s, n in SEEDS.items()}  # fmt: skip


@pytest.mark.parametrize("slug", sorted(REGISTERS))
def test_register_is_the_applications(slug: str) -> None:
    promises = load_promises(load_config(ROOT / "projects" / f"{slug}.yaml"))
    assert [(p.id, p.kind, p.source) for p in promises] == REGISTERS[slug]


@pytest.mark.parametrize("slug", sorted(REGISTERS))
def test_register_quotes_the_seed_document(slug: str) -> None:
    """Each text is the application's own words (quotes may be joined by '…' or ' – ')."""
    seed = SEED_FILES[slug]
    if seed is None or not seed.is_file():
        pytest.skip("the seed documents are not on this machine")
    doc = " ".join(seed.read_text(encoding="utf-8").split())
    doc = re.sub(r"<[^>]+>", " ", doc)
    doc = " ".join(doc.replace("\u201d", '"').replace("«", '"').replace("»", '"').split())
    for p in load_promises(load_config(ROOT / "projects" / f"{slug}.yaml")):
        text = p.text.replace("«", '"').replace("»", '"').replace("\u201d", '"')
        for piece in re.split(r" – | …;? ?|…", text):
            piece = piece.strip(" .;")
            if len(piece) > 3:
                assert piece in doc, f"{slug} {p.id}: {piece!r} is not in the seed document"


# --------------------------------------------------------------------------- schema
BASE = {
    "slug": "test-projekt",
    "title": "Test",
    "kommune": "Herning",
    "pool": "Pulje",
    "period": {"start": "2020-01-01", "end": "2020-12-31"},
    "target_groups": ["jobparat"],
    "data": {"participants": "p.csv", "status": "s.csv", "implementation": "i.csv"},
    "criteria": [{"id": "a", "label": "A", "kind": "count", "activity": "kursus"}],
    "sections": ["kurser"],
}
OK = {"id": "m", "kind": "implementering", "text": "møder", "where": "5.1",
      "implementation": "sum", "planned": {"every_months": 3}}  # fmt: skip


def _config(tmp_path: Path, *promises: dict, **changes):
    cfg = {**BASE, **changes, "promises": list(promises)}
    path = tmp_path / "projekt.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return load_config(path)


@pytest.mark.parametrize(
    ("entry", "key", "message"),
    [
        ({**OK, "tekst": "x"}, r"promises\[0\].tekst", "unknown key.*did you mean 'text'"),
        ({k: v for k, v in OK.items() if k != "where"}, r"promises\[0\].where", "missing"),
        ({**OK, "id": "Møder"}, r"promises\[0\].id", "lower-case letters"),
        ({**OK, "kind": "aktivitet"}, r"promises\[0\].kind", "expected one of succeskriterium"),
        ({**OK, "not_measured": "x"}, r"promises\[0\]", "exactly one of .*got implementation, not_measured"),
        ({k: v for k, v in OK.items() if k != "implementation"}, r"promises\[0\]", "got none"),
        ({**OK, "implementation": "mean"}, r"promises\[0\].implementation", "expected one of sum"),
        ({**OK, "implementation": "date"}, r"promises\[0\].planned", "does not fit implementation: date"),
        ({**OK, "planned": {"share": 1.5}}, r"promises\[0\].planned.share", "fraction from 0 to 1"),
        ({**OK, "planned": {"every_month": 3}}, r"promises\[0\].planned.every_month",
         "did you mean 'every_months'"),
        ({**OK, "planned": [30, 20]}, r"promises\[0\].planned", "must not decrease"),
        ({**OK, "planned": {"by": "31-03-2019"}, "implementation": "date"},
         r"promises\[0\].planned.by", "yyyy-mm-dd, got '31-03-2019'"),
        ({"id": "c", "kind": "succeskriterium", "text": "t", "where": "w", "criterion": "b"},
         r"promises\[0\].criterion", "no criterion with id 'b'; ids: a"),
        ({"id": "c", "kind": "succeskriterium", "text": "t", "where": "w", "criterion": "a",
          "planned": 3}, r"promises\[0\].planned", "takes its target from the criterion"),
        ({"id": "c", "kind": "maaling", "text": "t", "where": "w", "section": "praktik"},
         r"promises\[0\].section", "not in the config's sections: kurser"),
        ({"id": "c", "kind": "maaling", "text": "t", "where": "w", "measure": "flere_end_basline"},
         r"promises\[0\].measure", "did you mean 'flere_end_baseline'"),
        ({"id": "c", "kind": "implementering", "text": "t", "where": "w",
          "participants": {"group": "forsikret"}}, r"promises\[0\].participants.group",
         "target groups"),
        ({**OK, "persons": "ja"}, r"promises\[0\].persons", "true or false"),
        ({**OK, "args": {"a": 1}}, r"promises\[0\].args", "only a measure entry"),
    ],
)  # fmt: skip
def test_register_errors_name_file_and_key(
    tmp_path: Path, entry: dict, key: str, message: str
) -> None:
    entry = {k: v for k, v in entry.items() if v is not None}
    cfg = _config(tmp_path, entry)
    with pytest.raises(ConfigError, match=rf"projekt.yaml(, line \d+)?: key '{key}': .*{message}"):
        load_promises(cfg)


def test_duplicate_id_and_missing_own_figures(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"promises\[1\]\.id': duplicate id 'm'"):
        load_promises(_config(tmp_path, OK, OK))
    data = {"participants": "p.csv", "status": "s.csv"}
    with pytest.raises(ConfigError, match=r"promises\[0\]\.implementation': needs .*data"):
        load_promises(_config(tmp_path, OK, data=data))
    assert load_promises(_config(tmp_path, data=data)) == ()
    path = tmp_path / "projekt.yaml"
    path.write_text(yaml.safe_dump({**BASE, "promises": {"a": 1}}), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'promises': expected a list"):
        load_promises(load_config(path))


# --------------------------------------------------------------------------- planned
@pytest.mark.parametrize(
    ("planned", "start", "cutoff", "expected"),
    [
        (Planned(every_months=3), "2017-01-01", "2017-12-31", 4),
        (Planned(every_months=3), "2016-11-01", "2018-12-31", 8),
        (Planned(every_months=3), "2016-11-01", "2017-10-31", 4),
        (Planned(every_months=6), "2019-01-07", "2019-12-31", 1),
        (Planned(every_months=6), "2019-01-07", "2020-12-27", 3),
        (Planned(every_months=1), "2019-01-31", "2019-02-27", 0),
        (Planned(every_weeks=1), "2016-09-05", "2016-09-11", 1),
        (Planned(every_weeks=4), "2016-09-05", "2016-10-02", 1),
        (Planned(every_weeks=1), "2016-09-05", "2016-09-01", 0),
        (Planned(value=3), "2016-09-05", "2017-09-01", None),
    ],
)
def test_planned_frequency_counts_whole_periods(
    planned: Planned, start: str, cutoff: str, expected: int | None
) -> None:
    d = dt.date.fromisoformat
    assert planned.expected(d(start), d(cutoff)) == expected


# --------------------------------------------------------------------------- own figures
_DATES = ["2020-02-01", "2020-05-01", "2021-01-05", "2020-01-01", "2020-06-30",
          "2020-03-31", "2020-06-30", "2020-01-15", "2020-03-01", "2020-04-01"]  # fmt: skip
RECORDS = pd.DataFrame(
    {
        "item": ["m", "m", "m", "p", "p", "s", "s", "d", "d", "b"],
        "date": pd.to_datetime(_DATES),
        "value": [1, 1, 1, 45, 52, 18, 20, 0, 1, 3],
        "of": [None, None, None, None, None, 20, 20, None, None, None],
    }
)


def _promise(pid: str, aggregate: str, **kw) -> Promise:
    return Promise(pid, "implementering", "t", "w", "implementation", aggregate=aggregate, **kw)


@pytest.mark.parametrize(
    ("promise", "estimate", "expected", "date", "suppressed"),
    [
        (_promise("m", "sum", planned=Planned(every_months=3)), 2.0, 2.0, None, False),
        (_promise("p", "last", planned=Planned(value=60)), 52.0, math.nan, "2020-06-30", False),
        (_promise("s", "share", planned=Planned(share=1.0)), 38 / 40, math.nan, None, False),
        (_promise("s", "share", persons=True), 38 / 40, math.nan, None, True),
        (_promise("d", "date"), 1.0, math.nan, "2020-03-01", False),
        (_promise("b", "sum", persons=True), 3.0, math.nan, None, True),
        (_promise("b", "sum"), 3.0, math.nan, None, False),
    ],
)
def test_own_figures_sum_last_share_date_before_the_cutoff(
    promise: Promise, estimate: float, expected: float, date: str | None, suppressed: bool
) -> None:
    r = _from_implementation(promise, RECORDS, dt.date(2020, 1, 1), dt.date(2020, 6, 30), 5)
    assert r.status == "egne tal"
    assert r.estimate == pytest.approx(estimate, rel=1e-12)
    assert (math.isnan(r.expected) and math.isnan(expected)) or r.expected == expected
    assert (r.date.isoformat() if r.date else None) == date
    assert r.suppressed is suppressed
    assert r.to_dict()["estimate"] is None if suppressed else r.to_dict()["estimate"] is not None


def test_own_figures_missing_or_empty_say_why() -> None:
    p = _promise("m", "sum")
    r = _from_implementation(p, None, dt.date(2020, 1, 1), dt.date(2020, 6, 30), 5)
    assert r.status == "ikke målt" and "egne tal" in r.reason
    r = _from_implementation(p, RECORDS, dt.date(2020, 1, 1), dt.date(2020, 1, 31), 5)
    assert r.status == "ikke målt" and "ingen registrering" in r.reason
    r = _from_implementation(_promise("d", "date"), RECORDS, dt.date(2020, 1, 1),
                             dt.date(2020, 2, 1), 5)  # fmt: skip
    assert r.status == "egne tal" and r.date is None and r.reason == "endnu ikke gennemført"
    assert set(AGGREGATES) == {"sum", "last", "share", "date"}


def test_own_figures_file_errors_name_file_line_and_column(tmp_path: Path) -> None:
    from evalkit.io import validate_project

    (tmp_path / "p.csv").write_text(
        "person_id;arm;target_group;start_date\nA1;indsats;jobparat;01-02-2020\n"
    )
    (tmp_path / "s.csv").write_text("person_id;week;status\nA1;2020-W05;130\n")
    (tmp_path / "i.csv").write_text(
        "punkt;dato;antal;ud_af\nm;01-03-2020;1;\nmoeder;01-04-2020;1;\nm;01-05-2020;5;4\n",
        encoding="utf-8",
    )
    data = {**BASE["data"], "implementation": {"file": "i.csv", "columns": {
        "punkt": "item", "dato": "date", "antal": "value", "ud_af": "of"}}}  # fmt: skip
    cfg = _config(tmp_path, OK, data=data)
    problems = [str(p) for p in validate_project(cfg)]
    assert any(re.search(r"i\.csv.*line 3.*punkt.*promise with implementation.*\(m\)", p)
               and "'moeder'" in p for p in problems), problems  # fmt: skip
    assert any(re.search(r"i\.csv.*line 4.*antal.*not above the denominator", p)
               for p in problems), problems  # fmt: skip


# --------------------------------------------------------------------------- reports
@pytest.fixture(scope="session")
def registers(demo_config) -> dict:
    """The slutevaluering of each seed, prepared once (no notebook render)."""
    from evalkit.report import prepare

    return {slug: prepare(demo_config(slug), "slutevaluering", generated="2026-01-01")
            for slug in REGISTERS}  # fmt: skip


@pytest.mark.slow
@pytest.mark.xdist_group("reports")
@pytest.mark.parametrize("slug", sorted(REGISTERS))
def test_every_promise_is_accounted_for_in_the_report(registers: dict, slug: str) -> None:
    from evalkit.report.promises import promise_register

    a = registers[slug]
    html = str(promise_register(a))
    assert [r.id for r in a.promises.results] == [pid for pid, _, _ in REGISTERS[slug]]
    for r in a.promises.results:
        row = re.search(rf'<tr id="loefte-{r.id}">(.*?)</tr>', html, re.S)
        assert row, f"{slug}: promise {r.id} is missing from the report"
        cells = row.group(1)
        assert r.promise.text.split()[0] in cells
        if r.status == "ikke målt":
            assert "Ikke målt" in cells and len(re.sub(r"<[^>]+>", "", cells)) > 40
        assert "nan" not in cells
    counts = a.promises.counts()
    assert sum(counts.values()) == len(REGISTERS[slug])
    assert f"rummer {len(REGISTERS[slug])} løfter" in html
    # every implementation item of the demo has the project's own figures
    for r in a.promises.results:
        if r.promise.source == "implementation":
            assert r.status == "egne tal", (slug, r.id, r.reason)
    results = a.results()["promises"]
    assert [d["id"] for d in results] == [pid for pid, _, _ in REGISTERS[slug]]


@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_planned_against_actual_in_the_demo(registers: dict) -> None:
    """The demo's own figures give real deviations (e.g. 2 of 3 development days)."""
    from evalkit.report.promises import promise_register

    html = str(promise_register(registers["hedensted-samtale"]))
    row = re.search(r'<tr id="loefte-udviklingsdage">(.*?)</tr>', html, re.S).group(1)
    assert "3 udviklingsdage" in row and "2 udviklingsdage" in row
    stv = {r.id: r for r in registers["ringkobing-skjern-stv"].promises.results}
    assert stv["indsatsgruppemoeder"].expected == 8  # quarterly, Nov 2016 - Dec 2018
    assert stv["pladser_virksomhedscentre"].estimate == 62
    # "88 flere borgere": the criterion of the month's stock, persons at the end (average of
    # October-December 2018) minus those at the baseline (docs/definitions.md)
    crit = next(c for c in registers["ringkobing-skjern-stv"].criteria
                if c.id == "aktivitetsparate_88_flere")  # fmt: skip
    x_end = sum(crit.details["end_x"]) / 3
    assert stv["flere_borgere_88"].estimate == pytest.approx(x_end - crit.details["baseline_x"])


@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_status_report_uses_own_figures_up_to_its_date(demo_config) -> None:
    from evalkit.report import prepare

    a = prepare(demo_config("hedensted-samtale"), "statusrapport", generated="2026-01-01")
    by = {r.id: r for r in a.promises.results}
    assert a.cutoff == dt.date(2017, 2, 28)
    assert by["drejebog_lokal"].date == dt.date(2017, 2, 10)
    assert by["drejebog_vidensdeling"].date is None  # finished 30 May 2017, after the cut
    assert by["tavlemoeder"].expected == 25  # weekly from 5 September 2016 (176 days)


@pytest.mark.slow
@pytest.mark.xdist_group("reports")
def test_rendered_reports_show_the_register_and_its_links(rendered_reports: dict) -> None:
    from evalkit.report.promises import SECTION_TITLES

    for (slug, _kind), path in rendered_reports.items():
        page = path.read_text(encoding="utf-8")
        for pid, _, _ in REGISTERS[slug]:
            assert f'id="loefte-{pid}"' in page, (slug, pid)
        for target in re.findall(r'href="#([^"]+)"', page):
            assert f'id="{target}"' in page, (slug, target)
        for name, body in re.findall(r'<div id="afsnit-([a-z0-9_]+)">\s*<h2[^>]*>(.*?)</h2>',
                                     page, re.S):  # fmt: skip
            assert SECTION_TITLES[name] == body.strip(), name
        assert "Hvert succeskriterium fra projektets ansøgning er beregnet" not in page


def test_section_titles_cover_every_seed_section() -> None:
    from evalkit.report.promises import SECTION_TITLES
    from evalkit.report.seeds import SECTIONS

    assert set(SECTION_TITLES) == set(SECTIONS)
    assert set(KINDS) == {S, M, I}


def test_account_without_register_is_empty(demo_config) -> None:
    from evalkit.criteria import EvaluationContext

    cfg = load_config(demo_config("herning-transport"))
    cfg = type(cfg)(**{**cfg.__dict__, "raw": {k: v for k, v in cfg.raw.items()
                                               if k != "promises"}})  # fmt: skip
    ctx = EvaluationContext(cfg, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    assert len(account_promises(ctx, [])) == 0


def test_docs_list_every_entry() -> None:
    """docs/promises.md lists each seed's register as the configs have it."""
    doc = (ROOT / "docs" / "promises.md").read_text(encoding="utf-8")
    for slug in REGISTERS:
        part = doc.split(f"(`projects/{slug}.yaml`", 1)[1].split("\n### ", 1)[0]
        rows = re.findall(r"^\| [SMI]\d+ \| `([a-z0-9_]+)` \|.*\| ([^|]+) \|$", part, re.M)
        config = load_promises(load_config(ROOT / "projects" / f"{slug}.yaml"))
        assert [pid for pid, _ in rows] == [p.id for p in config], slug
        for (pid, how), p in zip(rows, config, strict=True):
            expected = {
                "criterion": f"criterion `{p.criterion}`",
                "section": f"section `{p.section}`",
                "measure": f"measure `{p.measure}`",
                "implementation": f"own figures: `{p.aggregate}`",
                "participants": "participants",
                "not_measured": "ikke målt",
            }[p.source]
            assert how.strip().startswith(expected), (slug, pid, how)


def test_half_yearly_status_reports_are_rendered_as_a_series(
    demo_config, tmp_path: Path, monkeypatch
) -> None:
    """000: «halvårslige statusrapporter til STAR»: one status report per half year."""
    import evalkit.report.batch as batch
    from evalkit.cli import main

    queued = []
    monkeypatch.setattr(batch, "render_batch", lambda jobs, **kw: queued.extend(jobs) or [])
    cfg = demo_config("herning-transport")
    assert main(["run", str(cfg), "--kind", "statusrapport", "--out", str(tmp_path)]) == 0
    assert [(j.as_of, j.suffix) for j in queued] == [
        (None, ""),
        ("2019-07-06", "-2019-07-06"),
        ("2020-01-06", "-2020-01-06"),
        ("2020-07-06", "-2020-07-06"),
    ]
    queued.clear()
    main(
        [
            "run",
            str(cfg),
            "--kind",
            "statusrapport",
            "--as-of",
            "2019-09-30",
            "--out",
            str(tmp_path),
        ]
    )
    assert [(j.as_of, j.suffix) for j in queued] == [("2019-09-30", "")]  # one date asked for


def test_status_every_months_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "projekt.yaml"
    raw = {**BASE, "period": {**BASE["period"], "status_every_months": 0}}
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'period.status_every_months': .*>= 1, got 0"):
        load_config(path)
