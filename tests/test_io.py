"""Loaders: Danish CSV conventions, Excel, Parquet, week formats, DREAM wide -> long."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalkit.config import ConfigError, DataSource, load_config
from evalkit.io import DEFAULT_STATUS_CODES, DataValidationError, read_table
from evalkit.schemas import STATUS_CATEGORIES

HEADER = "person_id;arm;maalgruppe;startdato;slutdato;alder;ydelsesuger_foer\n"
ROWS = "p001;indsats;jobparat;07-01-2019;;34;40,5\np002;sammenligning;jobparat;2019-01-14;01-03-2019;51;12\n"
COLS = {
    "maalgruppe": "target_group",
    "startdato": "start_date",
    "slutdato": "end_date",
    "alder": "age",
    "ydelsesuger_foer": "benefit_weeks_prior",
}


def _participants(path: Path, fmt: str = "csv", **kw) -> DataSource:
    return DataSource("participants", path, fmt, columns=COLS, **kw)


def test_default_status_codes_map_to_categories():
    assert set(DEFAULT_STATUS_CODES.values()) <= set(STATUS_CATEGORIES)
    assert DEFAULT_STATUS_CODES[""] == "selvforsoergende"
    assert DEFAULT_STATUS_CODES["130"] == "kontanthjaelp"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1"])
def test_csv_encodings_detected(tmp_path: Path, encoding: str):
    path = tmp_path / "deltagere.csv"
    path.write_bytes(
        (
            HEADER.replace("arm", "arm;kommune")
            + ROWS.replace(";indsats", ";indsats;Næstved").replace(
                ";sammenligning", ";sammenligning;Ærø"
            )
        ).encode(encoding)
    )
    df = read_table(_participants(path))
    assert df["kommune"].tolist() == ["Næstved", "Ærø"]


def test_danish_numbers_and_dates(tmp_path: Path):
    path = tmp_path / "deltagere.csv"
    path.write_text(HEADER + ROWS, encoding="cp1252")
    df = read_table(_participants(path))
    assert df["start_date"].tolist() == [pd.Timestamp("2019-01-07"), pd.Timestamp("2019-01-14")]
    assert df["end_date"].isna().tolist() == [True, False]
    assert df["benefit_weeks_prior"].tolist()[0] == 40.5
    assert df["age"].dtype == "Int64"
    assert list(df.columns[:4]) == ["person_id", "arm", "target_group", "start_date"]
    assert df["sex"].isna().all()  # optional column absent -> all missing


def test_comma_separated_with_decimal_point(tmp_path: Path):
    path = tmp_path / "deltagere.csv"
    text = (HEADER + ROWS.replace("40,5", "40.5")).replace(";", ",")
    path.write_text(text, encoding="utf-8")
    df = read_table(_participants(path))
    assert df["benefit_weeks_prior"].tolist() == [40.5, 12.0]


def test_thousands_separator_in_semicolon_file(tmp_path: Path):
    path = tmp_path / "landstal.csv"
    path.write_text(
        "area;period;measure;group;value\nA;2019M01;n;alle;1.234\nA;2019M02;s;alle;0.135\n"
        "A;2019Q2;s;alle;1.234,5\n"
    )
    df = read_table(DataSource("benchmarks", path, "csv"))
    assert df["value"].tolist() == [1234.0, 0.135, 1234.5]


def test_blank_lines_keep_line_numbers(tmp_path: Path):
    path = tmp_path / "deltagere.csv"
    path.write_text(HEADER + "\n" + ROWS.replace(";51;", ";x;"), encoding="utf-8")
    with pytest.raises(DataValidationError, match="line 4, column 'alder'"):
        read_table(_participants(path))


def test_excel_named_sheet_and_dates(tmp_path: Path):
    path = tmp_path / "deltagere.xlsx"
    df = pd.DataFrame(
        {
            "person_id": ["p001", "p002"],
            "arm": ["indsats", "sammenligning"],
            "maalgruppe": ["jobparat", "jobparat"],
            "startdato": [datetime.datetime(2019, 1, 7), datetime.datetime(2019, 1, 14)],
            "alder": [34, 51],
        }
    )
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"x": [1]}).to_excel(xw, sheet_name="Forside", index=False)
        df.to_excel(xw, sheet_name="deltagere", index=False)
    out = read_table(_participants(path, "excel", sheet="deltagere"))
    assert out["start_date"].tolist() == [pd.Timestamp("2019-01-07"), pd.Timestamp("2019-01-14")]
    assert out["age"].tolist() == [34, 51]


def test_parquet_typed_columns(tmp_path: Path):
    path = tmp_path / "ydelser.parquet"
    pd.DataFrame(
        {
            "person_id": ["p1", "p1"],
            "uge": pd.to_datetime(["2020-01-29", "2020-02-05"]),  # Wednesdays
            "ydelse": [130, 111],
            "timer": [0.0, 12.5],
        }
    ).to_parquet(path)
    src = DataSource(
        "status", path, "parquet", columns={"uge": "week", "ydelse": "status", "timer": "hours"}
    )
    out = read_table(src)
    assert out["week"].tolist() == [pd.Timestamp("2020-01-27"), pd.Timestamp("2020-02-03")]
    assert out["status"].tolist() == ["kontanthjaelp", "dagpenge"]
    assert out["hours"].tolist() == [0.0, 12.5]


@pytest.mark.parametrize(
    "week", ["2020-W05", "2020W05", "202005", "27-01-2020", "2020-01-30", "31-01-2020"]
)
def test_week_formats(tmp_path: Path, week: str):
    path = tmp_path / "ydelser.csv"
    path.write_text(f"person_id;week;status\np1;{week};kontanthjaelp\n")
    out = read_table(DataSource("status", path, "csv"))
    assert out["week"].iloc[0] == pd.Timestamp("2020-01-27")


def test_week_53_valid_in_long_year(tmp_path: Path):
    path = tmp_path / "ydelser.csv"
    path.write_text("person_id;week;status\np1;2020-W53;\np1;2021-W01;111\n")
    out = read_table(DataSource("status", path, "csv"))
    assert out["week"].tolist() == [pd.Timestamp("2020-12-28"), pd.Timestamp("2021-01-04")]
    assert out["status"].tolist() == ["selvforsoergende", "dagpenge"]


def test_config_codes_override_defaults(tmp_path: Path):
    path = tmp_path / "ydelser.csv"
    path.write_text("person_id;week;status\np1;2020-W05;KH\n")
    src = DataSource("status", path, "csv", codes={"KH": "kontanthjaelp"})
    assert read_table(src)["status"].tolist() == ["kontanthjaelp"]


def test_dream_wide_to_long(tmp_path: Path):
    path = tmp_path / "dream.csv"
    path.write_text(
        "cpr_pseudo;y_2052;y_2053;y_2101;t_2053\nab1;130;;890;12,5\nab2;;;651;\n",
        encoding="cp1252",
    )
    src = DataSource("status", path, "csv", layout="wide", columns={"cpr_pseudo": "person_id"})
    out = read_table(src)
    assert out.columns.tolist() == ["person_id", "week", "status", "hours"]
    assert len(out) == 6
    assert out["week"].iloc[:3].tolist() == list(
        pd.to_datetime(["2020-12-21", "2020-12-28", "2021-01-04"])
    )
    assert out["status"].tolist() == [
        "kontanthjaelp",
        "selvforsoergende",
        "sygedagpenge",
        "selvforsoergende",
        "selvforsoergende",
        "uddannelse",
    ]
    assert out["hours"].tolist() == [0.0, 12.5, 0.0, 0.0, 0.0, 0.0]
    assert isinstance(out["status"].dtype, pd.CategoricalDtype)


def test_dream_two_digit_years():
    from evalkit._parse import _iso_monday

    got = _iso_monday(np.array([1995, 2015, 2019]), np.array([1, 53, 53]))
    assert pd.Timestamp(got[0]) == pd.Timestamp("1995-01-02")
    assert pd.Timestamp(got[1]) == pd.Timestamp("2015-12-28")
    assert np.isnat(got[2])


# ---------------------------------------------------------------- config typos (ConfigError)

CONFIG = """\
slug: test
title: Test
kommune: Aalborg
pool: test
period: {start: 2019-01-01, end: 2020-12-31}
target_groups: [jobparat]
data:
  participants: deltagere.csv
  status: {file: dream.csv, layout: wide}
"""


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ("  participants:", "  particpants:", r"data\.particpants'.*did you mean 'participants'"),
        ("layout: wide", "layout: wde", r"data\.status\.layout'.*expected 'long' or 'wide'"),
        ("file: dream.csv", "file: dream.xls", r"data\.status\.format'.*cannot tell the format"),
        ("layout: wide", "layuot: wide", r"data\.status\.layuot'.*did you mean 'layout'"),
    ],
)
def test_config_typos_raise_config_error(tmp_path: Path, old: str, new: str, match: str):
    path = tmp_path / "p.yaml"
    path.write_text(CONFIG.replace(old, new))
    with pytest.raises(ConfigError, match=match):
        load_config(path)


# ---------------------------------------------------------------- property-based tests

_text = (
    st.text(alphabet=st.sampled_from(list("abcxyzæøåÆØÅ -_éü")), min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool)
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            _text,
            st.floats(0, 1e6, allow_nan=False).map(lambda x: round(x, 3)),
            st.integers(0, 10**6),
            st.dates(datetime.date(1990, 1, 1), datetime.date(2040, 12, 31)),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_danish_csv_round_trip(tmp_path_factory, rows):
    """Any table written as Danish CSV (';', decimal comma, cp1252) reads back equal."""
    df = pd.DataFrame(
        {
            "area": [r[0] for r in rows],
            "period": "2019M01",
            "measure": "m",
            "group": "alle",
            "value": [r[1] for r in rows],
        }
    )
    path = tmp_path_factory.mktemp("rt") / "landstal.csv"
    df.to_csv(path, sep=";", decimal=",", index=False, encoding="cp1252")
    out = read_table(DataSource("benchmarks", path, "csv"))
    pd.testing.assert_frame_equal(out, df, check_dtype=False)


@settings(max_examples=60, deadline=None)
@given(st.dates(datetime.date(1991, 1, 1), datetime.date(2088, 12, 31)))
def test_week_parsing_round_trips(day: datetime.date):
    from evalkit._parse import _weeks

    year, week, _ = day.isocalendar()
    monday = pd.Timestamp(day - datetime.timedelta(days=day.weekday()))
    texts = pd.Series(
        [f"{year}-W{week:02d}", f"{year}{week:02d}", day.strftime("%d-%m-%Y"), day.isoformat()],
        dtype="string",
    )
    assert (_weeks(texts) == monday).all()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    n_persons=st.integers(1, 6),
    first=st.dates(datetime.date(2015, 1, 1), datetime.date(2030, 12, 31)),
    n_weeks=st.integers(1, 60),
    data=st.data(),
)
def test_dream_wide_long_round_trip(tmp_path_factory, n_persons, first, n_weeks, data):
    """Long panel -> DREAM wide CSV -> read_table gives the long panel back."""
    codes = [c for c in DEFAULT_STATUS_CODES if c != "652"]
    monday = first - datetime.timedelta(days=first.weekday())
    weeks = [monday + datetime.timedelta(weeks=i) for i in range(n_weeks)]
    names = [f"y_{w.isocalendar()[0] % 100:02d}{w.isocalendar()[1]:02d}" for w in weeks]
    cells = data.draw(
        st.lists(st.sampled_from(codes), min_size=n_persons * n_weeks, max_size=n_persons * n_weeks)
    )
    hours = data.draw(
        st.lists(
            st.sampled_from([0.0, 7.5, 12.0, 37.0]),
            min_size=n_persons * n_weeks,
            max_size=n_persons * n_weeks,
        )
    )
    ids = [f"p{i:03d}" for i in range(n_persons)]
    wide = pd.DataFrame(np.array(cells, dtype=object).reshape(n_persons, n_weeks), columns=names)
    hw = pd.DataFrame(
        np.array(hours).reshape(n_persons, n_weeks), columns=[n.replace("y_", "t_") for n in names]
    )
    wide = pd.concat([pd.DataFrame({"person_id": ids}), wide, hw], axis=1)
    path = tmp_path_factory.mktemp("wide") / "dream.csv"
    wide.to_csv(path, sep=";", decimal=",", index=False, encoding="cp1252")
    out = read_table(DataSource("status", path, "csv", layout="wide"))
    expected = pd.DataFrame(
        {
            "person_id": np.repeat(ids, n_weeks),
            "week": pd.to_datetime(np.tile(np.array(weeks, dtype="datetime64[D]"), n_persons)),
            "status": [DEFAULT_STATUS_CODES[c] for c in cells],
            "hours": hours,
        }
    )
    pd.testing.assert_frame_equal(
        out.astype({"status": str}), expected, check_dtype=False, check_index_type=False
    )


def test_file_sha256_is_computed_once_and_again_for_a_changed_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's reports do not hash an unchanged input again; a rewritten one is, even
    with the same size and modification time (its change time moves)."""
    import hashlib
    import os

    from evalkit import io as io_mod

    f = tmp_path / "ydelser.csv"
    f.write_bytes(b"person_id;uge\n1;2019-01\n")
    first = io_mod.file_sha256(f)
    assert first == hashlib.sha256(f.read_bytes()).hexdigest()
    opened = []
    real_open = Path.open
    monkeypatch.setattr(
        Path, "open", lambda self, *a, **k: opened.append(self) or real_open(self, *a, **k)
    )
    assert io_mod.file_sha256(f) == first and opened == []  # from the cache
    stat = f.stat()
    f.write_bytes(b"person_id;uge\n2;2019-01\n")  # same size
    os.utime(f, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the old modification time
    opened.clear()
    again = io_mod.file_sha256(f)
    assert again == hashlib.sha256(b"person_id;uge\n2;2019-01\n").hexdigest() != first
    assert opened == [f]
