"""Replace CPR numbers by keyed pseudonyms before any file enters evalkit.

A pseudonym is ``HMAC-SHA256(key, cpr)`` in hex, cut to 16 characters. The same key
gives the same pseudonym in every file, so tables can still be joined; without the key
the CPR number cannot be recovered or checked by guessing. ``DDMMYY-SSSS`` and
``DDMMYYSSSS`` are the same person.

The key comes from the environment variable ``EVALKIT_PSEUDO_KEY`` or a key file kept
outside the repository (``--key-file``); there is no default key. See ``docs/privacy.md``.

Example
-------
>>> pseudonym("010203-1234", b"a key of at least 16 bytes") == pseudonym(
...     "0102031234", b"a key of at least 16 bytes")
True
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.schemas import CPR_PATTERN, looks_like_cpr

__all__ = [
    "KEY_ENV",
    "MIN_KEY_BYTES",
    "PSEUDONYM_LENGTH",
    "load_key",
    "main",
    "pseudonym",
    "pseudonymise_file",
    "pseudonymise_frame",
]

KEY_ENV = "EVALKIT_PSEUDO_KEY"
MIN_KEY_BYTES = 16
PSEUDONYM_LENGTH = 16
_HOW = (
    f"set the environment variable {KEY_ENV} (at least {MIN_KEY_BYTES} characters) or give "
    "--key-file with a file kept outside the repository, e.g. ~/.evalkit/pseudo.key"
)


def _normalise(value: str) -> str:
    text = value.strip()
    if looks_like_cpr(text) and len(text) in (10, 11):
        return text.replace("-", "")
    return text


def pseudonym(value: str, key: bytes) -> str:
    """The pseudonym of one id: HMAC-SHA256 hex, first 16 characters.

    Parameters
    ----------
    value : str
        A CPR number (``DDMMYY-SSSS`` or ``DDMMYYSSSS``) or another id.
    key : bytes
        The secret key (at least 16 bytes).

    Returns
    -------
    str
    """
    _check_key(key)
    digest = hmac.new(key, _normalise(value).encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_LENGTH]


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes):
        raise TypeError(f"key must be bytes, but was {type(key).__name__}")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"key must be at least {MIN_KEY_BYTES} bytes, but had {len(key)}")


def pseudonymise_frame(df: pd.DataFrame, columns: Sequence[str], key: bytes) -> pd.DataFrame:
    """Return a copy of ``df`` with ``columns`` replaced by pseudonyms.

    Empty cells stay empty. Each distinct value is hashed once.

    Parameters
    ----------
    df : DataFrame
    columns : sequence of str
        The id columns (CPR numbers).
    key : bytes
        The secret key, see :func:`load_key`.

    Returns
    -------
    DataFrame

    Raises
    ------
    ValueError
        When a column is missing (the message lists the columns that exist) or the key is
        too short.
    """
    _check_key(key)
    if isinstance(columns, str):
        columns = [columns]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"columns {missing!r} not found; the data has {[str(c) for c in df.columns]!r}"
        )
    out = df.copy()
    for col in columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s.dtype):  # ids read as numbers lose leading zeros
            raise ValueError(
                f"column {col!r} holds numbers; store it as text to keep leading zeros"
            )
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        texts = [str(u).strip() for u in uniques]
        hashed = np.array([pseudonym(t, key) if t else "" for t in texts], dtype=object)
        values = np.where(codes < 0, None, hashed[np.maximum(codes, 0)] if len(hashed) else None)
        values = np.where(values == "", None, values)
        out[col] = pd.Series(values, index=s.index, dtype=object)
    return out


def _repo_root() -> Path | None:
    here = Path(__file__).resolve().parent
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return Path(top) if top else None


def load_key(env: str = KEY_ENV, key_file: str | Path | None = None) -> bytes:
    """Read the pseudonymisation key from a key file or the environment.

    Parameters
    ----------
    env : str, default ``"EVALKIT_PSEUDO_KEY"``
        Environment variable holding the key (used when ``key_file`` is None).
    key_file : str or Path, optional
        A file holding the key; it must lie outside the repository.

    Returns
    -------
    bytes
        The key (surrounding whitespace removed), at least 16 bytes.

    Raises
    ------
    ValueError
        When no key is given, the key is too short, or the key file is inside the
        repository (where it could be committed).
    """
    if key_file is not None:
        path = Path(key_file).expanduser().resolve()
        root = _repo_root()
        if root is not None and path.is_relative_to(root.resolve()):
            raise ValueError(
                f"key file {str(path)!r} lies inside the repository ({root}); keep it outside "
                "so it can never be committed, e.g. ~/.evalkit/pseudo.key"
            )
        if not path.is_file():
            raise ValueError(f"key file {str(path)!r} does not exist; {_HOW}")
        key = path.read_bytes().strip()
        source = f"key file {str(path)!r}"
    else:
        value = os.environ.get(env, "")
        if not value.strip():
            raise ValueError(f"no pseudonymisation key: {_HOW}")
        key = value.strip().encode("utf-8")
        source = f"environment variable {env}"
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(
            f"the key in {source} is too short ({len(key)} bytes); use at least "
            f"{MIN_KEY_BYTES}, e.g. from `python -c 'import secrets; print(secrets.token_hex(32))'`"
        )
    return key


def _read_any(src: Path) -> tuple[pd.DataFrame, dict]:
    from evalkit.io import _decode

    suffix = src.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(src), {}
    if suffix in (".xlsx", ".xlsm"):
        return pd.read_excel(src, dtype=str, keep_default_na=False), {}
    raw = src.read_bytes()
    try:
        raw.decode("utf-8")
        encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        encoding = "cp1252"
    text = _decode(raw, None)
    header = text.splitlines()[0] if text else ""
    sep = ";" if header.count(";") >= header.count(",") else ","
    df = pd.read_csv(src, sep=sep, dtype=str, keep_default_na=False, encoding=encoding)
    return df, {"sep": sep, "encoding": encoding}


def pseudonymise_file(src: str | Path, dst: str | Path, columns: Sequence[str], key: bytes) -> Path:
    """Write a copy of ``src`` with ``columns`` pseudonymised, in the same format.

    The output is written to a temporary file in the destination folder and moved into
    place with ``os.replace``, so a failed run never leaves a half-written file. The
    source is never modified.

    Parameters
    ----------
    src, dst : str or Path
        Input and output files (CSV, ``.xlsx`` or ``.parquet``); they must differ.
    columns : sequence of str
        The CPR columns.
    key : bytes
        See :func:`load_key`.

    Returns
    -------
    Path
        ``dst``.

    Raises
    ------
    ValueError
        When ``dst`` is ``src``, a column is missing, or CPR-shaped values remain in
        other columns (the message names the columns, never the values).
    """
    src, dst = Path(src), Path(dst)
    if not src.is_file():
        raise ValueError(f"input file {str(src)!r} does not exist")
    if dst.resolve() == src.resolve():
        raise ValueError("OUTPUT must differ from INPUT: raw files are never modified")
    df, fmt = _read_any(src)
    out = pseudonymise_frame(df, columns, key)
    left = [
        str(c)
        for c in out.columns
        if out[c].dtype == object
        and out[c].astype("string").str.contains(CPR_PATTERN, regex=True).fillna(False).any()
    ]
    if left:
        raise ValueError(
            f"CPR-shaped values remain in column(s) {left!r}; add them to --columns "
            "or remove them; nothing was written"
        )
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.stem}.", suffix=f".tmp{dst.suffix}", dir=dst.parent)
    os.close(fd)
    try:
        suffix = dst.suffix.lower()
        if suffix == ".parquet":
            out.to_parquet(tmp, index=False)
        elif suffix in (".xlsx", ".xlsm"):
            out.to_excel(tmp, index=False, engine="openpyxl")
        else:
            out.to_csv(
                tmp,
                sep=fmt.get("sep", ";"),
                index=False,
                encoding=fmt.get("encoding", "utf-8"),
            )
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dst


def main(argv: list[str] | None = None) -> int:
    """``evalkit pseudonymise INPUT OUTPUT --columns cpr [--key-file F]``.

    Returns
    -------
    int
        0 on success, 1 on an error (printed to stderr without any CPR number), 2 on bad
        usage.
    """
    parser = argparse.ArgumentParser(
        prog="evalkit pseudonymise",
        description="Replace CPR numbers by keyed pseudonyms (HMAC-SHA256, 16 hex chars).",
    )
    parser.add_argument("input", type=Path, help="raw file (CSV, .xlsx or .parquet)")
    parser.add_argument("output", type=Path, help="pseudonymised copy (same format)")
    parser.add_argument("--columns", nargs="+", required=True, help="columns holding CPR numbers")
    parser.add_argument("--key-file", type=Path, default=None, help="file holding the key")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    columns = [c for part in args.columns for c in part.split(",") if c]
    try:
        key = load_key(key_file=args.key_file)
        pseudonymise_file(args.input, args.output, columns, key)
    except (ValueError, OSError) as exc:
        print(f"evalkit pseudonymise: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.output} ({', '.join(columns)} pseudonymised)")
    return 0
