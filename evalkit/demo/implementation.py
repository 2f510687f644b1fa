"""Demo data: the project's own figures for the promise register (``implementering.*``).

A projektleder keeps a record of what the project did: meetings held, places
established, playbooks finished, staff in post, follow-ups made against those due. In the
demo each seed project gets such a file (one row per record: ``punkt`` = the promise id,
``dato``, ``antal`` and, for a share, ``ud_af``), written the way the kommune exports its
other tables. Figures that depend on the simulated citizens (group 1's size) are read
back from the generated files, so the own figures agree with the data. Most commitments are met; a few fall
short, as they do in practice (e.g. two of Hedensted's three development days), so the
reports show deviations. See ``docs/demo-data.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.demo._writers import _write_table

__all__ = ["FORMATS", "IMPLEMENTATION_COLUMNS", "generate_implementation"]

# Raw column name -> canonical name (data.implementation.columns in the configs)
IMPLEMENTATION_COLUMNS = {"punkt": "item", "dato": "date", "antal": "value", "ud_af": "of"}
# The format a projektleder's file comes in (Excel where the kommune exports Excel/Parquet)
FORMATS = {
    "herning-transport": "csv-dk",
    "ringkobing-skjern-stv": "excel",
    "hedensted-samtale": "csv-utf8",
    "aalborg-jobparate": "excel",
    "herning-flere-skal-med": "csv-dk",
}

_Record = tuple[str, dt.date, float, float | None]


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _every(
    item: str,
    first: dt.date,
    last: dt.date,
    rng: np.random.Generator,
    months: int = 0,
    weeks: int = 0,
    p_held: float = 1.0,
) -> list[_Record]:
    """One record per period (value 1), each held with probability ``p_held``."""
    if weeks:
        dates = pd.date_range(first, last, freq=f"{7 * weeks}D")
    else:
        dates = pd.date_range(first, last, freq=f"{months}MS") + pd.Timedelta(days=14)
        dates = dates[dates <= pd.Timestamp(last)]
    held = rng.random(len(dates)) < p_held
    return [(item, d.date(), 1.0, None) for d, ok in zip(dates, held, strict=True) if ok]


def _monthly_share(
    item: str,
    first: dt.date,
    last: dt.date,
    due: int,
    rng: np.random.Generator,
    p: float,
) -> list[_Record]:
    """One record per month: ``due`` things due, binomially many done."""
    ends = pd.date_range(first, last, freq="ME")
    done = rng.binomial(due, p, len(ends))
    return [(item, e.date(), float(k), float(due)) for e, k in zip(ends, done, strict=True)]


def _read(path: Path, table: str, columns: dict[str, str]) -> pd.DataFrame:
    from evalkit.config import DataSource
    from evalkit.io import read_table

    fmt = {".csv": "csv", ".xlsx": "excel", ".parquet": "parquet"}[path.suffix]
    return read_table(DataSource(table, path, fmt, columns=columns))


def _transport(files: dict[str, Path], rng: np.random.Generator) -> list[_Record]:
    start = _d("2019-01-07")
    rec: list[_Record] = [("projektmedarbejder", start, 1.0, None)]
    rec += [("statusrapporter", _d(d), 1.0, None) for d in ("2019-07-31", "2020-01-31", "2020-07-31")]  # fmt: skip
    # The weekly follow-up and the mentor are in the activity data (samtale
    # "virksomhedsopfølgning", praktik detail "med mentor"): measures, not own figures.
    return rec


def _stv(files: dict[str, Path], rng: np.random.Generator) -> list[_Record]:
    start, end = _d("2016-11-01"), _d("2018-12-31")
    rec: list[_Record] = [("projektleder", start, 1.0, None)]
    rec += _every("indsatsgruppemoeder", start, end, rng, months=3, p_held=0.9)
    rec += _every("kompetencemoeder", start, end, rng, months=2, p_held=0.9)
    rec += _monthly_share("faellesmoeder", _d("2017-01-01"), end, 80, rng, 0.85)
    rec += [
        ("jobklub", _d("2017-01-16"), 1.0, None),
        ("jobboers", _d("2017-03-01"), 1.0, None),
        ("nye_succesmaal", _d("2018-11-20"), 1.0, None),
        ("moedeplan_2019", _d("2018-12-12"), 1.0, None),
    ]
    # Fixed places established (a stock), every half year
    stocks = {
        "pladser_virksomhedscentre": (45, 52, 57, 61, 62),
        "pladser_traeningsbaner": (12, 19, 25, 29, 31),
        "pladser_forhaandsaftaler": (4, 11, 18, 23, 26),
    }
    dates = [_d(d) for d in ("2016-11-01", "2017-06-30", "2017-12-31", "2018-06-30", "2018-12-31")]
    for item, values in stocks.items():
        rec += [(item, d, float(v), None) for d, v in zip(dates, values, strict=True)]
    return rec


def _samtale(files: dict[str, Path], rng: np.random.Generator) -> list[_Record]:
    start, end = _d("2016-09-05"), _d("2017-08-27")
    rec: list[_Record] = [
        ("drejebog_forberedelse", _d("2016-12-15"), 1.0, None),
        ("drejebog_lokal", _d("2017-02-10"), 1.0, None),
        ("drejebog_vidensdeling", _d("2017-05-30"), 1.0, None),
        # two of the three development days were held
        ("udviklingsdage", _d("2016-10-20"), 1.0, None),
        ("udviklingsdage", _d("2017-01-25"), 1.0, None),
        # the two teaching modules: one before the project started
        ("undervisning_selvbooking_joblog", _d("2016-08-25"), 1.0, None),
        ("undervisning_selvbooking_joblog", _d("2016-09-15"), 1.0, None),
        ("jobkonsulenter_jobparate", start, 4.0, None),
        ("teamledere", start, 2.0, None),
        ("jobkonsulenter_forsikrede", start, 10.0, None),
        ("jobkonsulenter_forsikrede", _d("2017-04-01"), 9.0, None),
    ]
    # weekly board meetings from the recruitment portal's start (1 December), most held
    rec += _every("tavlemoeder", _d("2016-12-01"), end, rng, weeks=1, p_held=0.85)
    rec += _every("laeringsgruppemoeder", start, end, rng, months=1, p_held=0.95)
    rec += _monthly_share("samtaledeltagelse", start, end, 14, rng, 0.8)
    return rec


def _jobparate(files: dict[str, Path], rng: np.random.Generator) -> list[_Record]:
    start, end = _d("2019-01-07"), _d("2020-12-27")
    rec: list[_Record] = [
        ("vaerksted_etableret", _d("2019-02-04"), 1.0, None),
        ("virksomhedskonsulenter", _d("2019-05-01"), 1.0, None),
        ("flere_medarbejdere", _d("2019-02-01"), 3.0, None),
        ("flere_medarbejdere", _d("2019-04-01"), 5.0, None),
    ]
    caseload = (68, 58, 52, 49, 51, 50, 48)
    quarters = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="QE")
    rec += [("sagstal_50", q.date(), float(v), None) for q, v in zip(quarters, caseload, strict=True)]  # fmt: skip
    rec += _monthly_share("sparringsmoeder", start, end, 30, rng, 0.9)
    rec += _every("maanedlige_opgoerelser", start, end, rng, months=1, p_held=1.0)
    return rec


def _flere_skal_med(files: dict[str, Path], rng: np.random.Generator) -> list[_Record]:
    from evalkit.demo.generate import PART_COLUMNS

    people = _read(files["participants"], "participants", PART_COLUMNS)
    group1 = int(((people["arm"] == "indsats") & (people["subgroup"] == "gruppe 1")).sum())
    return [
        ("personlig_jobformidler", _d("2017-12-31"), float(group1), float(group1)),
        ("jobformidlere_19", _d("2017-09-01"), 12.0, None),
        ("jobformidlere_19", _d("2018-06-01"), 17.0, None),
        ("jobformidlere_19", _d("2019-01-01"), 19.0, None),
        ("gruppeforloeb_8", _d("2018-03-15"), 8.0, None),
        ("synergaia_16", _d("2018-05-01"), 9.0, None),
        ("synergaia_16", _d("2018-11-01"), 7.0, None),
        ("kursus_3_dage", _d("2017-10-10"), 1.0, None),
        ("kursus_3_dage", _d("2017-10-11"), 1.0, None),
        ("kursus_3_dage", _d("2017-11-07"), 1.0, None),
        ("paa_vej_i_job", _d("2017-11-01"), 1.0, None),
    ]


_BUILDERS: dict[str, Callable[[dict[str, Path], np.random.Generator], list[_Record]]] = {
    "herning-transport": _transport,
    "ringkobing-skjern-stv": _stv,
    "hedensted-samtale": _samtale,
    "aalborg-jobparate": _jobparate,
    "herning-flere-skal-med": _flere_skal_med,
}


def generate_implementation(
    slug: str, out_dir: str | Path, files: dict[str, Path], seed: int = 2024
) -> dict[str, Path]:
    """Write the project's own figures of demo project ``slug``.

    Parameters
    ----------
    slug : str
        A seed project of :data:`FORMATS`.
    out_dir : path
        The demo root; the file goes to ``out_dir/<slug>/implementering.<ext>``.
    files : dict of str to Path
        The project's generated tables (activities and participants are read back).
    seed : int, default 2024

    Returns
    -------
    dict
        ``{"implementation": path}``.

    Raises
    ------
    ValueError
        For a slug that is not a seed project.
    """
    if slug not in _BUILDERS:
        raise ValueError(f"slug must be one of {sorted(_BUILDERS)}, but was {slug!r}")
    rng = np.random.default_rng([seed, sum(map(ord, slug)), 7])
    records = _BUILDERS[slug](files, rng)
    frame = pd.DataFrame(records, columns=list(IMPLEMENTATION_COLUMNS))
    frame["dato"] = pd.to_datetime(frame["dato"])
    frame = frame.sort_values(["dato", "punkt"], kind="stable").reset_index(drop=True)
    path = _write_table(frame, Path(out_dir) / slug / "implementering", FORMATS[slug])
    return {"implementation": path}
