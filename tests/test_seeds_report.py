"""Seed sections on the demo projects: what each seed's report shows, without papermill.

``prepare`` + ``seed_sections`` run in about a second per project (Aalborg: 3-4 s), so
every seed is checked here; the rendered HTML is checked in ``test_report_e2e.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from evalkit.config import ConfigError, load_config
from evalkit.demo import PLANTED
from evalkit.io import load_project
from evalkit.joblog import joblog_summary
from evalkit.report import prepare
from evalkit.report import sections as s
from evalkit.report.seeds import SECTIONS, check_sections, seed_sections

IDS = re.compile(r"P(HER|AAL|RIN|HED)\d{6}")


@pytest.fixture(scope="module")
def analysis(demo_config):
    cache: dict[tuple[str, str, bool], object] = {}

    def get(slug: str, kind: str = "slutevaluering", internal: bool = False):
        key = (slug, kind, internal)
        if key not in cache:
            cache[key] = prepare(demo_config(slug), kind, generated="2026-11-24",
                                 internal=internal)  # fmt: skip
        return cache[key]

    return get


def _text(html: str) -> str:
    html = re.sub(r'src="data:image/png;base64,[^"]+"', "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ")


def test_every_project_lists_known_sections(demo_config) -> None:
    from evalkit.demo import PROJECTS

    for slug in PROJECTS:
        config = load_config(demo_config(slug))
        assert config.sections, f"{slug} has no seed sections"
        check_sections(config)


def test_unknown_section_is_a_config_error_naming_the_key(tmp_path: Path, demo_config) -> None:
    raw = yaml.safe_load(demo_config("herning-transport").read_text(encoding="utf-8"))
    raw["sections"] = ["praktik", "kurs"]
    raw["data"]["dir"] = str(demo_config("herning-transport").parent / raw["data"]["dir"])
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'sections\[1\]'.*'kurs'.*did you mean 'kurser'"):
        check_sections(load_config(path))
    with pytest.raises(ConfigError, match=r"sections\[1\]"):
        prepare(path)


def test_validate_command_reports_an_unknown_section(tmp_path: Path, demo_config, capsys) -> None:
    from evalkit.cli import main

    raw = yaml.safe_load(demo_config("herning-transport").read_text(encoding="utf-8"))
    raw["sections"] = ["praktik", "kurs"]
    raw["data"]["dir"] = str(demo_config("herning-transport").parent / raw["data"]["dir"])
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert "key 'sections[1]'" in capsys.readouterr().err


def test_transport_praktik_hours_courses_visits_retention(analysis) -> None:
    a = analysis("herning-transport")
    html = seed_sections(a)
    text = _text(html)
    for anchor in ("praktik", "praktik-timer", "kurser", "virksomhedsbesoeg", "fastholdelse"):
        assert f'id="{anchor}"' in html
    # counts of what was registered are exact: no Poisson interval anywhere
    assert "Virksomhedspraktikker i alt" in text and "Poisson" not in text
    assert "eksakt antal fra registreringerne" in text
    assert "Median (timer)" in text and "Andel med timer" in text and "Selvforsørgende" in text
    assert "Første uge med ordinære timer" in text and "Omfang af virksomhedspraktikkerne" in text
    assert "Tæller med i kriteriet" in text  # courses aimed at transport
    assert "kørekort C" in text and "Gennemført" in text
    assert "ingen aftale" in text and "Resultat af besøget" in text
    assert "Fortsat selvforsørgende 3 måneder" in text and "6 måneder" in text
    assert "Borger " not in text and "intern" not in text.lower()
    assert not IDS.search(html)
    assert len(re.findall(r"<img ", html)) == 2  # hours by week, and the first hours


def test_internal_variant_adds_hours_per_citizen_without_ids(analysis) -> None:
    a = analysis("herning-transport", internal=True)
    html = seed_sections(a)
    text = _text(html)
    assert a.internal and a.parameters["internal"] is True
    assert "Pr. borger (intern)" in text and "Borger 1 " in text
    n = len(re.findall(r"<th scope=\"row\"[^>]*>Borger \d+</th>", html))
    assert n >= 5
    assert not IDS.search(html)
    assert "INTERN – må ikke offentliggøres" in s.header(a)
    assert "INTERN" not in s.header(analysis("herning-transport"))


def test_stv_monthly_shares_of_the_stock_against_baseline_target_and_nation(analysis) -> None:
    a = analysis("ringkobing-skjern-stv")
    text = _text(seed_sections(a))
    assert "Aktivitetsparate" in text and "Ressourceforløb" in text
    assert "august 2016" in text and "december 2018 (slutvindue)" in text
    assert "Landsgennemsnit" in text and "månedlige bestand" in text
    html = seed_sections(a)
    alts = [t.replace("\u00a0", " ") for t in re.findall(r'alt="([^"]+)"', html)]
    assert len(alts) == 2 and all("Målgruppens månedlige bestand" in t for t in alts)
    # the data's baseline 38 of 330 (11,5 %) + 25 and + 20 procentpoint
    assert any("mål 36,5 pct., 31,5 pct." in t for t in alts), alts
    assert "Baseline er beregnet fra data: i august 2016 var 38 af 330" in text
    assert "ansøgningens tal er 51 af 350 (14,6 pct.) i august 2016" in text
    assert (
        "Data dækker ikke juni 2016, så baseline er ansøgningens tal: 45 af 197 (22,8 pct.)" in text
    )
    assert "mod ansøgningens 88 flere borgere" in text


def test_hedensted_survey_joblog_selfbooking_count_and_rank(analysis) -> None:
    a = analysis("hedensted-samtale")
    text = _text(seed_sections(a))
    assert "Andel der finder samtalen medinddragende" in text
    assert "Søgte job pr. uge før" in text and "parrede" in text
    assert re.search(r"Jobparate \d+ \d+,\d \d+,\d \d+,\d %", text)
    assert "Andel selvbookede samtaler efter målgruppe" in text and "0,0 %" in text
    assert "Andel der bruger jobloggen før og under forløbet" in text and "40,0 %" in text
    assert "fra september 2016 til august 2017" in text and "\u221215,0 pct." in text
    assert "ligger nr. 1 af 94 jobcentre" in text and "landets 94 jobcentre" in text
    verdicts = {c.id: c for c in a.criteria}
    for cid in ("soegte_job_jobparate", "soegte_job_forsikrede", "joblog_jobparate"):
        assert verdicts[cid].verdict in ("opfyldt", "ikke opfyldt", "usikkert"), verdicts[cid]
    # 99 % of ~190 leaves fewer than 5 non-users: the share is hidden; every hidden value
    # leaves 99 % inside the interval, so "usikkert" is published, with why 99 % cannot
    # be confirmed at this n at all
    forsikrede = verdicts["joblog_forsikrede"]
    assert forsikrede.suppressed and forsikrede.verdict == "usikkert"
    assert forsikrede.leaning is None and forsikrede.n_needed is None
    assert "diskretionering" in forsikrede.reason and "det kræver mindst 381" in forsikrede.remark


def test_hedensted_answer_distribution_left_out_when_no_pattern_protects_it(
    analysis, monkeypatch
) -> None:
    """When ``suppress`` finds no safe pattern (too few answers), the survey section
    leaves the answer distribution out with a note instead of failing the report."""
    from evalkit.disclosure import UnprotectableTable
    from evalkit.report.seeds import samtale

    def refuse(*args, **kwargs):
        raise UnprotectableTable("no suppression pattern protects ...")

    shown = _text(samtale.samtale_survey(analysis("hedensted-samtale")))
    assert "Fordeling af svarene (antal) Gruppe og spørgsmål Svar 1" in shown
    monkeypatch.setattr(samtale, "suppress", refuse)
    text = _text(samtale.samtale_survey(analysis("hedensted-samtale")))
    assert "Andel der finder samtalen medinddragende" in text  # the share table stays
    assert "Gruppe og spørgsmål" not in text
    assert (
        "Fordeling af svarene (antal): vises ikke, da der er for få personer i tabellen til "
        "at skjule små tal (diskretionering)." in text
    )


@pytest.mark.parametrize(
    ("slug", "module", "section", "caption", "numbers"),
    [
        ("aalborg-jobparate", "sections", "participant_flow", "Deltagere efter målgruppe og status", "Målgruppe"),
        ("herning-transport", "transport", "kurser", "Kurser startet og gennemført efter type", "Kursus"),
        ("herning-transport", "transport", "virksomhedsbesoeg", "Virksomhedsbesøg efter resultat", "Resultat af besøget"),
        ("herning-flere-skal-med", "flere_skal_med", "gruppefordeling", "Deltagere efter gruppe", "Gruppe"),
    ],
)  # fmt: skip
def test_a_table_no_pattern_protects_is_left_out_with_a_note(
    analysis, monkeypatch, slug: str, module: str, section: str, caption: str, numbers: str
) -> None:
    """#12: a table ``suppress`` refuses (UnprotectableTable) is replaced by a note, and the
    section publishes no number of it, instead of failing the whole report."""
    import importlib

    from evalkit.disclosure import UnprotectableTable

    mod = importlib.import_module(
        "evalkit.report.sections" if module == "sections" else f"evalkit.report.seeds.{module}"
    )

    def refuse(*args, **kwargs):
        raise UnprotectableTable("no suppression pattern protects ...")

    a = analysis(slug)
    before = _text(getattr(mod, section)(a))
    assert f"{caption} {numbers}" in before  # the table is there ...
    monkeypatch.setattr(mod, "suppress", refuse)
    after = _text(getattr(mod, section)(a))
    assert f"{caption}: vises ikke, da der er for få personer i tabellen" in after
    assert numbers not in after.replace(caption, "")  # ... and now neither it nor its numbers
    assert not re.search(r"\d", after.replace(caption, ""))


def test_aalborg_inflow_employment_share_of_denmark_and_reference_test(analysis) -> None:
    a = analysis("aalborg-jobparate", "statusrapport")
    text = _text(seed_sections(a))
    assert "nye deltagere på 12 måneder" in text and "Poisson" not in text
    assert "I beskæftigelse 26 uger efter start" in text and "1. kvartal 2019" in text
    alts = " ".join(re.findall(r'alt="([^"]+)"', seed_sections(a))).replace("\u00a0", " ")
    assert "målet er højst 4,5 pct." in alts and "Aalborgs andel af alle jobparate" in alts
    surv = _text(s.survival(a))
    assert re.search(r"O/E = \d,\d\d \(95 %-konfidensinterval \d,\d\d til \d,\d\d\), p", surv)
    crit = next(c for c in a.criteria if c.id == "overlevelseskurve")
    assert f"{crit.estimate:.2f}".replace(".", ",") in surv
    # the national curve is `evalkit landstal` over the national demo panel, and says so
    from evalkit.landstal import read_landstal

    table, prov = read_landstal(a.config.landstal["file"])
    assert prov["n_persons"] == 50_000 and prov["date"] == "2019-01-02"
    curve = table[(table.target_group == "jobparat") & (table.start_quarter == "alle")]
    ref = a.reference_curve["survival"].tolist()  # a status report cuts it at its date
    assert len(ref) > 26 and ref == curve["survival"].tolist()[: len(ref)]
    assert "Landstallet er beregnet med evalkit landstal" in surv
    assert "50.000 personer, ugerne 1/2016 til 52/2018" in surv
    assert prov["input_sha256"][:12] in surv


def test_flere_skal_med_groups_group1_monthly_and_pay(analysis) -> None:
    a = analysis("herning-flere-skal-med")
    html = seed_sections(a)
    text = _text(html)
    assert "gruppe 1" in text and "gruppe 3" in text and "I alt 255" in text
    assert "mod målet 40,0 pct." in html.replace("\u00a0", " ")
    assert "Kommunens egen opgørelse" in text and "mere end 3 sammenhængende måneder" in text
    # the other Flere skal med kommuner on the same definition (bilag 3)
    assert "Flere skal med-kommunerne med samme definition" in text
    for kommune in ("Holstebro", "Viborg", "Silkeborg", "Ikast-Brande"):
        assert kommune in text
    # the application's denominator for the pay share: group 1, with all groups beside it
    assert "Gruppe 1: alle virksomhedsrettede forløb" in text and "Alle grupper" in text
    assert "Andelen i lønnede timer måned for måned" in text
    assert "Gruppe 1, 2 og 3: forløb og status ved udgangen" in text


def test_sections_dispatch_table_is_complete() -> None:
    assert len(SECTIONS) == 19
    assert all(callable(f) and f.__doc__ for f in SECTIONS.values())


# --------------------------------------------------------------------------- demo data
def test_demo_joblog_recovers_the_planted_values(demo_config) -> None:
    config = load_config(demo_config("hedensted-samtale"))
    data = load_project(config)
    part = data.participants
    s_ = joblog_summary(part, data.joblog, ["jobparat", "forsikret"], cutoff=config.period.end)
    truth = PLANTED["hedensted-samtale"]
    for g, tol in (("jobparat", 0.3), ("forsikret", 0.1)):
        r = s_.loc[g]
        assert r.mean_before == pytest.approx(truth[f"joblog_rate_before_{g}"], rel=tol)
        assert r.mean_during == pytest.approx(truth[f"joblog_rate_during_{g}"], rel=tol)
        assert r.x_before / r.n_before == pytest.approx(
            truth[f"joblog_use_before_{g}"], abs=0.15)  # fmt: skip
        assert r.x_during / r.n_during == pytest.approx(
            truth[f"joblog_use_during_{g}"], abs=0.15)  # fmt: skip
        assert r.lower < r.change < r.upper


def test_demo_jobindsats_percent_files_load_as_fractions(demo_root: Path, demo_config) -> None:
    raw = (demo_root / "data_raw/demo/herning-flere-skal-med/landstal.csv").read_text("cp1252")
    assert ";100,0\n" in raw or ";100\n" in raw  # the curve starts at 100 %
    for slug in ("herning-flere-skal-med", "ringkobing-skjern-stv"):
        b = load_project(load_config(demo_config(slug))).benchmarks
        shares = b[b["measure"].str.startswith("andel")]
        assert shares["value"].between(0, 1).all() and shares["value"].max() > 0.1


def test_stv_difference_in_differences_against_the_national_trend(analysis) -> None:
    import pandas as pd

    from evalkit import measures, stock
    from evalkit.formatting import fmt_ci, fmt_pp
    from evalkit.seeds_measures import NATIONAL, benchmark_series

    a = analysis("ringkobing-skjern-stv")
    text = _text(seed_sections(a))
    assert "Forskel-i-forskelle mod landsudviklingen" in text
    # recompute the aktivitetsparate row from the data and the benchmarks: the month's
    # stock (kontanthjælp in some week of the month), August 2016 and October-December 2018
    p = a.participants[a.participants["target_group"] == "aktivitetsparat"]
    months = pd.DatetimeIndex(["2016-08-01", "2018-10-01", "2018-11-01", "2018-12-01"])
    s = stock.monthly_stock(p, a.data.status, months, ["kontanthjaelp"])
    y = measures.monthly_activity(p, a.data.activities, a.data.status, months) & s
    c = stock.clustered_share_contrast(y, s, [-1, 1 / 3, 1 / 3, 1 / 3])
    nat = benchmark_series(a.data.benchmarks, "andel_virksomhedsrettet", "aktivitetsparat")
    nat = nat[NATIONAL]
    d_nat = nat.loc[months[1:]].mean() - nat.loc[months[0]]
    did = c.estimate - d_nat
    row = f"{fmt_pp(did)} {fmt_ci(c.lower - d_nat, c.upper - d_nat, kind='pp')}"
    assert row.replace("\u00a0", " ") in text


def test_stv_figure_draws_the_clustered_intervals_of_the_section(analysis, monkeypatch) -> None:
    # the monthly figure's band and end-level box are the person-clustered intervals the
    # section's text and the scorecard state, not Wilson intervals
    import numpy as np
    import pandas as pd

    from evalkit import measures, stock
    from evalkit.baseline import wilson
    from evalkit.report import seed_figures as sf
    from evalkit.report.seeds import stv as stv_section

    a = analysis("ringkobing-skjern-stv")
    calls: list[dict] = []
    real = sf.plot_monthly

    def spy(series, **kw):
        calls.append({"series": series, **kw})
        return real(series, **kw)

    monkeypatch.setattr(stv_section.sf, "plot_monthly", spy)
    html = stv_section.virksomhedsrettet_maaned(a)
    assert len(calls) == 2 and "Wilson" not in _text(html)
    by_id = {r.id: r for r in a.criteria}
    for call, (group, cid) in zip(
        calls,
        [
            ("aktivitetsparat", "aktivitetsparate_25pp"),
            ("ressourceforloeb", "ressourceforloeb_20pp"),
        ],
        strict=True,
    ):
        (band,) = call["series"].values()
        people = a.participants[a.participants["target_group"] == group]
        months = pd.DatetimeIndex(band["month"])
        s_ = stock.monthly_stock(people, a.data.status, months, stock.GROUP_BENEFITS[group])
        y = measures.monthly_activity(people, a.data.activities, a.data.status, months) & s_
        for k in (0, len(months) // 2, len(months) - 1):
            w = np.zeros(len(months))
            w[k] = 1.0
            c = stock.clustered_share_contrast(y, s_, w).to_estimate()
            assert band["lower"].iloc[k] == pytest.approx(c.lower, rel=1e-9)
            assert band["upper"].iloc[k] == pytest.approx(c.upper, rel=1e-9)
            wil = wilson(int(band["x"].iloc[k]), int(band["n"].iloc[k]))
            assert band["lower"].iloc[k] != pytest.approx(wil.lower, rel=1e-6)
        # the end-level box is the interval of the end level in the scorecard's criterion
        ((_, first, last, est, lo, hi),) = call["levels"]
        d = by_id[cid].details
        assert first == pd.Timestamp("2018-10-01") and last == pd.Timestamp("2018-12-01")
        assert (est, lo, hi) == pytest.approx((d["end_share"], d["end_lower"], d["end_upper"]))
