"""End to end: demo data -> papermill notebook -> self-contained Danish HTML + results.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reports")]

CPR = re.compile(r"\b[0-3]\d[01]\d{3}-?\d{4}\b")


def _html(rendered_reports, slug: str, kind: str) -> str:
    return rendered_reports[(slug, kind)].read_text(encoding="utf-8")


def _results(rendered_reports, slug: str, kind: str) -> dict:
    path = rendered_reports[(slug, kind)].with_name(f"{kind}.results.json")
    return json.loads(path.read_text(encoding="utf-8"))


def test_report_is_danish_self_contained_and_shows_no_code(rendered_reports) -> None:
    html = _html(rendered_reports, "herning-transport", "slutevaluering")
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="da">' in html
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)=["']https?://""", html), "network resource referenced"
    assert "@import" not in html and "url(http" not in html
    # no code cells, prompts or tracebacks
    for marker in ("jp-InputArea", "In&nbsp;[", "Traceback", "from evalkit", "prepare("):
        assert marker not in html
    # header, table of contents, sections
    assert "Opkvalificering på transportområdet" in html
    assert 'aria-label="Indholdsfortegnelse"' in html
    for anchor in ("sammenfatning", "succeskriterier", "deltagerflow", "overlevelseskurve",
                   "metode", "proveniens"):  # fmt: skip
        assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html


def test_scorecard_rows_and_danish_numbers(rendered_reports) -> None:
    html = _html(rendered_reports, "herning-transport", "slutevaluering")
    res = _results(rendered_reports, "herning-transport", "slutevaluering")
    assert len(res["criteria"]) == 7
    for crit in res["criteria"]:
        assert crit["label"] in html.replace("&#x27;", "'")
        assert crit["verdict"] in ("opfyldt", "ikke opfyldt", "usikkert", "kan ikke afgøres",
                                   "intet mål")  # fmt: skip
    share = next(c for c in res["criteria"] if c["id"] == "selvforsoergelse")
    assert share["n"] == 30 and share["target"] == 0.75
    shown = f"{share['estimate'] * 100:.1f}".replace(".", ",") + "\u00a0%"
    assert shown in html  # Danish decimal comma and a (non-breaking) space before %
    assert re.search(r"\d+,\d\s%", html.replace("\u00a0", " "))


def test_figures_are_embedded_png_with_alt_text(rendered_reports) -> None:
    html = _html(rendered_reports, "herning-transport", "slutevaluering")
    imgs = re.findall(r"<img ([^>]*)>", html)
    assert imgs
    for attrs in imgs:
        assert 'src="data:image/png;base64,' in attrs
        alt = re.search(r'alt="([^"]*)"', attrs)
        assert alt and len(alt.group(1)) > 40 and "Deltagere" in alt.group(1)


def test_results_json_has_key_figures_and_inputs(rendered_reports) -> None:
    res = _results(rendered_reports, "aalborg-jobparate", "statusrapport")
    assert res["report_kind"] == "statusrapport" and res["as_of"] == "2019-12-31"
    assert set(res["verdicts"]) == {
        "beskaeftiget_26_uger",
        "andel_af_landet",
        "overlevelseskurve",
        "faerre_jobparate",
    }
    assert all(len(h) == 64 for h in res["inputs"].values())
    surv = res["survival"]["Deltagere"]
    assert 0 < surv["S26"] < 1 and surv["S26_ci"][0] < surv["S26"] < surv["S26_ci"][1]
    cmp = res["key_figures"]["comparison"]  # added by the comparison section as it renders
    hr = cmp["hazard_ratio_adjusted"]
    assert hr["lower"] < hr["estimate"] < hr["upper"] and cmp["smd_max_after"] < 0.1
    assert cmp["n_participants"] == res["n_participants"] and cmp["n_comparison"] > 0
    herning = _results(rendered_reports, "herning-transport", "slutevaluering")
    assert "comparison" not in herning["key_figures"]


def test_no_person_ids_or_cpr_in_outputs(rendered_reports) -> None:
    for path in rendered_reports.values():
        for file in (path, path.with_name(path.stem + ".results.json")):
            text = file.read_text(encoding="utf-8")
            assert not CPR.search(text)
            assert not re.search(r"P(HER|AAL|RIN|HED)\d{6}", text), f"person id in {file.name}"


def test_index_links_every_report(rendered_reports) -> None:
    index = next(iter(rendered_reports.values())).parents[1] / "index.html"
    html = index.read_text(encoding="utf-8")
    assert '<html lang="da">' in html
    assert "31. december 2019" in html and "2019-12-31" not in html  # Danish dates
    assert re.search(r">\d\.\d{3}<", html)  # Danish thousands separator (Aalborg n)
    for slug, kind in rendered_reports:
        assert f'href="{slug}/{kind}.html"' in html


def test_render_is_deterministic(rendered_reports, demo_root: Path, tmp_path: Path) -> None:
    from evalkit.report.render import render_report

    again = render_report(
        demo_root / "projects" / "herning-transport.yaml",
        "slutevaluering",
        out_dir=tmp_path,
        generated="2026-11-24",
    )
    first = rendered_reports[("herning-transport", "slutevaluering")]
    assert again.html.read_bytes() == first.read_bytes()
    assert again.results.read_bytes() == first.with_name("slutevaluering.results.json").read_bytes()


def test_comparison_section_only_with_a_comparison_group(rendered_reports) -> None:
    html = _html(rendered_reports, "aalborg-jobparate", "statusrapport")
    assert 'href="#sammenligning"' in html and 'id="sammenligning"' in html
    section = html[html.index('id="sammenligning"') :]
    assert "Sammenligningsgruppe (vægtet)" in section and "Hazard ratio" in section
    alts = re.findall(r'alt="([^"]*)"', section)
    assert any(a.startswith("Love plot") for a in alts)
    herning = _html(rendered_reports, "herning-transport", "slutevaluering")
    assert 'id="sammenligning"' not in herning and "Sammenligningsgruppe" not in herning


# --------------------------------------------------------------------------- seed sections
@pytest.fixture(scope="session")
def seed_reports(demo_root: Path) -> dict[str, Path]:
    """Two more renders: Hedensted (joblog criteria) and the internal transport report."""
    from evalkit.report.publish import publish_index
    from evalkit.report.render import render_report

    out = demo_root / "reports-seeds"
    hed = render_report(demo_root / "projects" / "hedensted-samtale.yaml", "slutevaluering",
                        out_dir=out, generated="2026-11-24")  # fmt: skip
    intern = render_report(demo_root / "projects" / "herning-transport.yaml", "slutevaluering",
                           out_dir=out, generated="2026-11-24", internal=True)  # fmt: skip
    publish_index(out, generated="2026-11-24")
    return {"hedensted": hed.html, "intern": intern.html}


def test_seed_sections_in_the_public_transport_report(rendered_reports) -> None:
    html = _html(rendered_reports, "herning-transport", "slutevaluering")
    for anchor in ("praktik", "praktik-timer", "kurser", "virksomhedsbesoeg", "fastholdelse"):
        assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html
    # the seed sections follow the scorecard
    assert html.index('id="succeskriterier"') < html.index('id="praktik"')
    assert "Borger " not in html and "INTERN" not in html
    assert re.search(r"O/E = \d,\d\d \(95 %-konfidensinterval", html.replace("\u00a0", " "))


def test_hedensted_report_shows_computed_joblog_criteria(seed_reports) -> None:
    html = seed_reports["hedensted"].read_text(encoding="utf-8")
    res = json.loads(seed_reports["hedensted"].with_name("slutevaluering.results.json").read_text())
    for cid in ("soegte_job_jobparate", "soegte_job_forsikrede", "joblog_jobparate"):
        assert res["verdicts"][cid] in ("opfyldt", "ikke opfyldt", "usikkert")
        crit = next(c for c in res["criteria"] if c["id"] == cid)
        assert crit["n"] > 0 and crit["lower"] is not None
    # computed, but fewer than 5 non-users: the share is withheld; the verdict is the one
    # every hidden value gives (usikkert)
    forsikrede = next(c for c in res["criteria"] if c["id"] == "joblog_forsikrede")
    assert forsikrede["suppressed"] and forsikrede["estimate"] is None and forsikrede["n"] > 0
    assert res["verdicts"]["joblog_forsikrede"] == "usikkert"
    change = next(c for c in res["criteria"] if c["id"] == "soegte_job_jobparate")
    assert change["method"] == "paired-delta-log-ratio-of-means" and change["unit"] == "change"
    for anchor in ("survey", "soegte-job", "selvbooking-joblog", "antal-jobparate",
                   "ledighed-rang"):  # fmt: skip
        assert f'href="#{anchor}"' in html
    scorecard = html.split('id="succeskriterier"')[1].split("</table>")[0]
    assert "Søgte job pr. uge før" in html
    # every hidden result says why in its own row
    assert scorecard.count("skjult (små tal)") <= scorecard.count("diskretionering")
    assert not re.search(r"P(HER|AAL|RIN|HED)\d{6}", html)


def test_internal_report_is_marked_lists_citizens_and_stays_out_of_the_index(
    seed_reports,
) -> None:
    path = seed_reports["intern"]
    assert path.name == "slutevaluering-intern.html"
    html = path.read_text(encoding="utf-8")
    header = re.search(r'<header class="report-header">.*?</header>', html, re.S).group(0)
    assert "INTERN – må ikke offentliggøres" in header
    assert "Pr. borger (intern)" in html and ">Borger 1<" in html
    assert not re.search(r"P(HER|AAL|RIN|HED)\d{6}", html)
    results = path.with_name("slutevaluering-intern.results.json").read_text(encoding="utf-8")
    assert "Borger" not in results and not re.search(r"PHER\d{6}", results)
    index = (path.parents[1] / "index.html").read_text(encoding="utf-8")
    assert "intern" not in index and 'href="hedensted-samtale/slutevaluering.html"' in index
