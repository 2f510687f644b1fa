"""Project configs: the five seed configs load; every config error names file, key, expectation."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from evalkit.config import ConfigError, load_config
from evalkit.criteria import check_criteria

ROOT = Path(__file__).resolve().parents[1]
SEEDS = {
    "herning-transport": "000",
    "ringkobing-skjern-stv": "001",
    "hedensted-samtale": "002",
    "aalborg-jobparate": "003",
    "herning-flere-skal-med": "004",
}


@pytest.mark.parametrize("slug", sorted(SEEDS))
def test_seed_configs_load(slug: str) -> None:
    cfg = load_config(ROOT / "projects" / f"{slug}.yaml")
    check_criteria(cfg)
    assert cfg.slug == slug and cfg.seed == SEEDS[slug]
    assert cfg.criteria, "every seed project declares its success criteria"
    assert {"participants", "status"} <= set(cfg.data)
    assert cfg.period.start < cfg.period.end
    assert all(src.path.is_absolute() for src in cfg.data.values())


def test_seed_targets_are_the_applications_numbers() -> None:
    def crit(slug: str, cid: str) -> dict:
        cfg = load_config(ROOT / "projects" / f"{slug}.yaml")
        return next(c for c in cfg.criteria if c["id"] == cid)

    assert crit("herning-transport", "selvforsoergelse")["target"] == 0.75
    assert crit("herning-transport", "virksomhedsbesoeg")["target"] == 75
    rksk = crit("ringkobing-skjern-stv", "aktivitetsparate_25pp")
    assert rksk["baseline"]["x"] == 51 and rksk["baseline"]["n"] == 350
    assert rksk["target_pp"] == 0.25
    assert crit("ringkobing-skjern-stv", "ressourceforloeb_20pp")["baseline"]["x"] == 45
    assert crit("aalborg-jobparate", "beskaeftiget_26_uger")["target"] == 0.68
    assert crit("aalborg-jobparate", "andel_af_landet")["target"] == 0.045
    assert crit("hedensted-samtale", "selvbooking")["target"] == 0.4
    assert crit("herning-flere-skal-med", "gruppe1_40pct")["target"] == 0.4


BASE = {
    "slug": "test-projekt",
    "title": "Test",
    "kommune": "Herning",
    "pool": "Pulje",
    "period": {"start": "2020-01-01", "end": "2020-12-31"},
    "target_groups": ["jobparat"],
    "data": {"participants": "p.csv", "status": "s.csv"},
}


def write(tmp_path: Path, cfg: dict) -> Path:
    path = tmp_path / "projekt.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


def test_minimal_config_defaults(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, BASE))
    assert cfg.spells_k == 4 and cfg.disclosure_threshold == 5
    assert cfg.reports == ("slutevaluering", "statusrapport")
    assert cfg.period.start == dt.date(2020, 1, 1)
    assert cfg.data["participants"].format == "csv"
    assert cfg.data["participants"].path == (tmp_path / "p.csv")


def _with(**changes) -> dict:
    cfg = {**BASE}
    for key, value in changes.items():
        cfg[key] = value
    return cfg


@pytest.mark.parametrize(
    ("cfg", "key", "message"),
    [
        ({k: v for k, v in BASE.items() if k != "title"}, "title", "missing"),
        (_with(titel="x"), "titel", "unknown key.*did you mean 'title'"),
        (_with(period={"start": "2020-13-01", "end": "2020-12-31"}), "period.start",
         "expected a date written yyyy-mm-dd, got '2020-13-01'"),
        (_with(period={"start": "2020-06-01", "end": "2020-01-01"}), "period.end",
         "must not be before period.start"),
        (_with(period={"start": "2020-01-01", "end": "2020-12-31", "baseline_start": "2019-01-01"}),
         "period.baseline_end", "give both"),
        (_with(period={"start": "2020-01-01"}), "period.end", "missing"),
        (_with(reports=["slutrapport"]), "reports\\[0\\]", "expected one of"),
        (_with(target_groups=[]), "target_groups", "non-empty list"),
        (_with(slug="Test Projekt"), "slug", "lower-case"),
        (_with(data={"participants": "p.csv"}), "data.status", "every project needs this table"),
        (_with(data={"participants": "p.docx", "status": "s.csv"}), "data.participants.format",
         "cannot tell the format of 'p.docx'"),
        (_with(data={"participants": {"file": "p.csv", "layout": "diagonal"}, "status": "s.csv"}),
         "data.participants.layout", "expected 'long' or 'wide'"),
        (_with(data={"participants": {"fil": "p.csv"}, "status": "s.csv"}),
         "data.participants.fil", "did you mean 'file'"),
        (_with(spells={"k": 0}), "spells.k", "whole number >= 1, got 0"),
        (_with(disclosure={"threshold": "fem"}), "disclosure.threshold", "got 'fem'"),
        (_with(criteria=[{"id": "a", "label": "A"}]), "criteria\\[0\\].kind", "missing"),
    ],
)  # fmt: skip
def test_config_errors_name_file_key_and_expectation(
    tmp_path: Path, cfg: dict, key: str, message: str
) -> None:
    path = write(tmp_path, cfg)
    with pytest.raises(ConfigError, match=rf"projekt.yaml(, line \d+)?: key '{key}': .*{message}"):
        load_config(path)


def test_yaml_syntax_error_gives_line(tmp_path: Path) -> None:
    path = tmp_path / "projekt.yaml"
    path.write_text("slug: a\ntitle: [unclosed\nkommune: x\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=re.escape("projekt.yaml: key '<yaml>': not valid YAML at line")
    ):
        load_config(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "findes-ikke.yaml")


@pytest.mark.parametrize(
    ("crit", "key", "message"),
    [
        ({"id": "a", "label": "A", "kind": "andel"}, "criteria\\[0\\].kind", "expected one of"),
        ({"id": "a", "label": "A", "kind": "share"}, "criteria\\[0\\].measure", "missing for kind"),
        ({"id": "a", "label": "A", "kind": "count", "activity": "x", "targett": 3},
         "criteria\\[0\\].targett", "unknown key"),
        ({"id": "a", "label": "A", "kind": "count", "activity": "x", "direction": "up"},
         "criteria\\[0\\].direction", "'min' or 'max'"),
    ],
)  # fmt: skip
def test_criteria_errors(tmp_path: Path, crit: dict, key: str, message: str) -> None:
    cfg = load_config(write(tmp_path, _with(criteria=[crit])))
    with pytest.raises(ConfigError, match=f"key '{key}': .*{message}"):
        check_criteria(cfg)


def test_duplicate_criterion_id(tmp_path: Path) -> None:
    c = {"id": "a", "label": "A", "kind": "count", "activity": "kursus"}
    cfg = load_config(write(tmp_path, _with(criteria=[c, c])))
    with pytest.raises(ConfigError, match=r"criteria\[1\]\.id': duplicate id 'a'"):
        check_criteria(cfg)
