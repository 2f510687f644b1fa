"""The report's survival curve when some participants started before the status data.

A kommune often delivers the weekly status panel from a fixed date, after the first
participants started: their weeks before it are unobserved, so they enter the risk sets
late (left truncation, ``docs/spells.md``). Here the Hedensted demo project's panel is
cut so that it begins nine weeks after the project start; the report must then publish
the grouped counting-process curve (``evalkit.disclosure.publishable_curve``) and say so.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.disclosure import publishable_curve
from evalkit.report import sections
from evalkit.report.analysis import prepare

SLUG = "hedensted-samtale"


@pytest.fixture(scope="module")
def late(demo_root: Path, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("late")
    (root / "projects").mkdir()
    shutil.copy(demo_root / "projects" / f"{SLUG}.yaml", root / "projects")
    shutil.copytree(demo_root / "data_raw" / "demo" / SLUG, root / "data_raw" / "demo" / SLUG)
    folder = root / "data_raw" / "demo" / SLUG
    parts = pd.read_csv(folder / "deltagere.csv", sep=";", encoding="utf-8-sig")
    first = pd.to_datetime(parts["startdato"], format="%d-%m-%Y").min()
    cut = int((first + pd.Timedelta(weeks=9)).strftime("%G%V"))
    # the panel as delivered from week `cut` on (the file's own bytes, rows dropped)
    lines = (folder / "ydelser.csv").read_bytes().decode("utf-8-sig").splitlines(keepends=True)
    weeks = np.array([int(line.split(";")[1]) for line in lines[1:]])
    assert weeks.min() < cut
    kept = [lines[0], *(line for line, w in zip(lines[1:], weeks, strict=True) if w >= cut)]
    (folder / "ydelser.csv").write_bytes("".join(kept).encode("utf-8-sig"))
    return prepare(root / "projects" / f"{SLUG}.yaml", "slutevaluering", generated="2026-11-24")


def test_the_analysis_has_delayed_entry_and_publishes_the_grouped_curve(late) -> None:
    spells = late.spells
    started_before = spells[(spells["arm"] == "indsats") & (spells["entry"] >= 0)]
    assert len(started_before) >= 20
    assert all(km.entry for km in late.curves.values())
    published = late.published_curves
    assert published and all(km is not None and km.entry for km in published.values())
    for label, km in late.curves.items():
        pub = published[label]
        assert pub.n == km.n
        again = publishable_curve(km, late.config.disclosure_threshold)
        pd.testing.assert_frame_equal(pub.table, again.table)
        for col in ("events", "censored"):
            v = pub.table[col].to_numpy()
            assert ((v == 0) | (v >= late.config.disclosure_threshold)).all()


def test_the_survival_section_shows_the_curve_and_says_it_handles_delayed_entry(late) -> None:
    html = str(sections.survival(late))
    assert "forsinket indgang" in html and "venstretrunkering" in html
    assert "Kurven vises ikke" not in html
    assert "<img" in html  # the figure is drawn
    results = late.results()["survival"]
    assert all(entry.get("published", True) for entry in results.values())
    # the test against the national curve counts each person from their entry too
    part = late.spells[late.spells["arm"] == "indsats"]
    used = int((part["duration"] > part["entry"]).sum())
    assert used < len(part) and f"log-rank test, n = {used})" in html
