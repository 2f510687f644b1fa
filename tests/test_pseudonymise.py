"""Keyed pseudonyms, key loading, atomic file writing and the CLI entry point."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pandas as pd
import pytest

from evalkit import pseudonymise as ps

KEY = b"0123456789abcdef-test-key"


def test_pseudonym_is_keyed_hmac_truncated():
    expected = hmac.new(KEY, b"0102031234", hashlib.sha256).hexdigest()[:16]
    assert ps.pseudonym("010203-1234", KEY) == expected
    assert ps.pseudonym("0102031234", KEY) == expected
    assert ps.pseudonym(" 010203-1234 ", KEY) == expected
    assert ps.pseudonym("0102031234", KEY + b"x") != expected


def test_pseudonymise_frame_stable_and_joinable():
    a = pd.DataFrame({"cpr": ["010203-1234", "311299-4321", None, ""], "x": [1, 2, 3, 4]})
    b = pd.DataFrame({"cpr": ["0102031234"]})
    pa_, pb = ps.pseudonymise_frame(a, ["cpr"], KEY), ps.pseudonymise_frame(b, "cpr", KEY)
    assert pa_.loc[0, "cpr"] == pb.loc[0, "cpr"]
    assert pa_["cpr"].iloc[2] is None and pa_["cpr"].iloc[3] is None
    assert a.loc[0, "cpr"] == "010203-1234"  # input untouched
    assert pa_["cpr"].str.len().dropna().eq(16).all()


def test_pseudonymise_frame_errors():
    df = pd.DataFrame({"cpr": ["010203-1234"]})
    with pytest.raises(ValueError, match=r"columns \['cprnr'\] not found; the data has \['cpr'\]"):
        ps.pseudonymise_frame(df, ["cprnr"], KEY)
    with pytest.raises(ValueError, match="key must be at least 16 bytes, but had 3"):
        ps.pseudonymise_frame(df, ["cpr"], b"abc")


@pytest.mark.parametrize(
    "form", ["010203-1234", "0102031234", "010203 1234", " 010203-1234 ", "102031234", 102031234]
)
def test_same_person_same_pseudonym_in_every_form(form):
    """Dash, no dash, a space, the leading zero lost (text or number): one pseudonym."""
    df = pd.DataFrame({"cpr": pd.Series([form], dtype=object)})
    assert ps.pseudonymise_frame(df, ["cpr"], KEY).loc[0, "cpr"] == ps.pseudonym("0102031234", KEY)
    ints = pd.DataFrame({"cpr": pd.array([102031234, 3112994321], dtype="int64")})
    out = ps.pseudonymise_frame(ints, ["cpr"], KEY)["cpr"].tolist()
    assert out == [ps.pseudonym("010203-1234", KEY), ps.pseudonym("311299-4321", KEY)]


def test_load_key_from_env(monkeypatch):
    monkeypatch.setenv("EVALKIT_PSEUDO_KEY", KEY.decode())
    assert ps.load_key() == KEY


def test_load_key_refuses_without_key(monkeypatch):
    monkeypatch.delenv("EVALKIT_PSEUDO_KEY", raising=False)
    with pytest.raises(ValueError, match="no pseudonymisation key: set the environment variable"):
        ps.load_key()


def test_load_key_refuses_short_key(monkeypatch):
    monkeypatch.setenv("EVALKIT_PSEUDO_KEY", "short")
    with pytest.raises(ValueError, match="too short"):
        ps.load_key()


def test_load_key_file_outside_repo(tmp_path):
    path = tmp_path / "pseudo.key"
    path.write_bytes(KEY + b"\n")
    path.chmod(0o600)
    assert ps.load_key(key_file=path) == KEY


def test_load_key_refuses_file_inside_repo():
    inside = Path(ps.__file__).resolve().parent.parent / "some.key"
    with pytest.raises(ValueError, match="lies inside the repository"):
        ps.load_key(key_file=inside)


def test_load_key_missing_file(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        ps.load_key(key_file=tmp_path / "nope.key")


def _raw_csv(path: Path) -> None:
    path.write_bytes("cpr;navn;by\n010203-1234;Åse;Ærø\n311299-4321;Bo;Køge\n".encode("cp1252"))


def test_pseudonymise_file_csv_keeps_format(tmp_path):
    src, dst = tmp_path / "raw.csv", tmp_path / "out" / "clean.csv"
    _raw_csv(src)
    ps.pseudonymise_file(src, dst, ["cpr"], KEY)
    text = dst.read_bytes().decode("cp1252")
    assert "010203" not in text and "Ærø" in text
    assert text.splitlines()[0] == "cpr;navn;by"
    assert text.splitlines()[1].split(";")[0] == ps.pseudonym("0102031234", KEY)
    assert [p.name for p in dst.parent.iterdir()] == ["clean.csv"]  # no temp file left


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_pseudonymise_file_binary_formats(tmp_path, suffix):
    df = pd.DataFrame({"cpr": ["010203-1234"], "n": ["1"]})
    src, dst = tmp_path / f"raw{suffix}", tmp_path / f"clean{suffix}"
    df.to_parquet(src) if suffix == ".parquet" else df.to_excel(src, index=False)
    ps.pseudonymise_file(src, dst, ["cpr"], KEY)
    out = pd.read_parquet(dst) if suffix == ".parquet" else pd.read_excel(dst, dtype=str)
    assert out.loc[0, "cpr"] == ps.pseudonym("0102031234", KEY)


def test_pseudonymise_file_refuses_leftover_cpr_and_writes_nothing(tmp_path):
    src, dst = tmp_path / "raw.csv", tmp_path / "clean.csv"
    src.write_text("cpr;note\n010203-1234;ring 311299-4321\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"remain in column\(s\) \['note'\]") as info:
        ps.pseudonymise_file(src, dst, ["cpr"], KEY)
    assert "311299" not in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw.csv"]


def test_pseudonymise_file_refuses_overwriting_source(tmp_path):
    src = tmp_path / "raw.csv"
    _raw_csv(src)
    with pytest.raises(ValueError, match="OUTPUT must differ from INPUT"):
        ps.pseudonymise_file(src, src, ["cpr"], KEY)


def test_main_success_and_errors(tmp_path, monkeypatch, capsys):
    src, dst = tmp_path / "raw.csv", tmp_path / "clean.csv"
    _raw_csv(src)
    monkeypatch.delenv("EVALKIT_PSEUDO_KEY", raising=False)
    assert ps.main([str(src), str(dst), "--columns", "cpr"]) == 1
    err = capsys.readouterr().err
    assert "no pseudonymisation key" in err and "EVALKIT_PSEUDO_KEY" in err
    assert not dst.exists()
    keyfile = tmp_path / "k.key"
    keyfile.write_bytes(KEY)
    assert ps.main([str(src), str(dst), "--columns", "cpr", "--key-file", str(keyfile)]) == 0
    assert dst.exists()
    assert ps.main([str(src)]) == 2  # missing OUTPUT and --columns
