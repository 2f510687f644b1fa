"""Replace CPR numbers by keyed pseudonyms before any file enters evalkit.

A pseudonym is ``HMAC-SHA256(key, cpr)`` in hex, cut to 16 characters. The same key
gives the same pseudonym in every file, so tables can still be joined; without the key
the CPR number cannot be recovered or checked by guessing. A CPR number is normalised to
its ten digits before hashing, so ``DDMMYY-SSSS``, ``DDMMYYSSSS``, ``DDMMYY SSSS`` and the
nine digits a spreadsheet leaves when it drops the leading zero (as text or as a number)
are the same person.

The key comes from the environment variable ``EVALKIT_PSEUDO_KEY`` or a key file kept
outside the repository (``--key-file``); there is no default key. An obviously weak key
(one repeated character, a short repeated pattern, a run like ``abcdef...``) is refused,
and a key file that other users can read gives a warning. See ``docs/privacy.md``.

Example
-------
>>> key = b"a key of at least 16 bytes"
>>> pseudonym("010203-1234", key) == pseudonym("0102031234", key) == pseudonym(102031234, key)
True
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import itertools
import os
import stat
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.schemas import cpr_digits, find_cpr, mask_text, mask_value

__all__ = [
    "KEY_ENV",
    "MIN_KEY_BYTES",
    "PSEUDONYM_LENGTH",
    "add_arguments",
    "load_key",
    "main",
    "pseudonym",
    "pseudonymise_file",
    "pseudonymise_frame",
    "run",
]

KEY_ENV = "EVALKIT_PSEUDO_KEY"
MIN_KEY_BYTES = 16
PSEUDONYM_LENGTH = 16
_HOW = (
    f"set the environment variable {KEY_ENV} (at least {MIN_KEY_BYTES} characters) or give "
    "--key-file with a file kept outside the repository, e.g. ~/.evalkit/pseudo.key"
)


def _normalise(value: object) -> str:
    """A CPR number in any form -> its ten digits; another id -> its stripped text."""
    digits = cpr_digits(value)
    if digits is not None:
        return digits
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def pseudonym(value: str | int, key: bytes) -> str:
    """The pseudonym of one id: HMAC-SHA256 hex, first 16 characters.

    Parameters
    ----------
    value : str or int
        A CPR number (``DDMMYY-SSSS``, ``DDMMYYSSSS``, ``DDMMYY SSSS`` or, as a number,
        with its leading zero lost) or another id.
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


def _weakness(key: bytes) -> str | None:
    """Why a key is obviously weak (never showing it), or None.

    Weak: fewer than 5 different characters (``aaaa...``, ``abab...``); a pattern of up to
    8 characters repeated (``passwordpassword``); mostly a run of consecutive characters
    (``abcdefghijklmnop``, ``1234567890123456``).
    """
    if len(set(key)) < 5:
        return f"it has only {len(set(key))} different character(s)"
    for period in range(1, 9):
        if len(key) >= 2 * period and key == (key[:period] * (len(key) // period + 1))[: len(key)]:
            return f"it repeats a pattern of {period} characters"
    steps = [b - a for a, b in itertools.pairwise(key)]
    if sum(abs(d) == 1 for d in steps) >= 0.8 * len(steps):
        return "it is a run of consecutive characters"
    return None


def pseudonymise_frame(df: pd.DataFrame, columns: Sequence[str], key: bytes) -> pd.DataFrame:
    """Return a copy of ``df`` with ``columns`` replaced by pseudonyms.

    Empty cells stay empty. Each distinct value is hashed once, after normalising a CPR
    number in any form (text or number, with or without the leading zero) to its ten
    digits, so the same person gets the same pseudonym whatever the form.

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
        When a column is missing (the message lists the columns that exist, masked) or the
        key is too short.
    """
    _check_key(key)
    if isinstance(columns, str):
        columns = [columns]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        names = [str(mask_value(c)) for c in df.columns]
        if any(n != str(c) for n, c in zip(names, df.columns, strict=True)):
            raise ValueError(
                f"columns {missing!r} not found: the first line holds CPR numbers, so the "
                "file has no header line naming its columns; add one (e.g. cpr;...) and run "
                "again"
            )
        raise ValueError(f"columns {missing!r} not found; the data has {names!r}")
    out = df.copy()
    for col in columns:
        s = out[col]
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        texts = [_normalise(u) for u in uniques]
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
        When no key is given, the key is too short or obviously weak, or the key file is
        inside the repository (where it could be committed).

    Warns
    -----
    UserWarning
        When the key file can be read by other users (``chmod 600`` it).
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
        mode = path.stat().st_mode
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            warnings.warn(
                f"key file {str(path)!r} can be read by other users (mode "
                f"{stat.filemode(mode)}); make it private: chmod 600 {path}",
                UserWarning,
                stacklevel=2,
            )
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
    weak = _weakness(key)
    if weak is not None:
        raise ValueError(
            f"the key in {source} is too weak ({weak}); make a random one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`"
        )
    return key


def _read_any(src: Path) -> tuple[pd.DataFrame, dict]:
    from evalkit._read import _decode, _not_text

    suffix = src.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(src), {}
    if suffix in (".xlsx", ".xlsm"):  # number cells stay numbers (a CPR may be one)
        return pd.read_excel(src, dtype=object, keep_default_na=False), {}
    raw = src.read_bytes()
    what = _not_text(raw)
    if what is not None:
        raise ValueError(f"input file {src.name!r} is not a text file (CSV) but {what}")
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


def _leftover(out: pd.DataFrame, src: Path) -> list[str]:
    """Columns (masked names) still holding CPR numbers in any form, text or number."""
    frame = out.reset_index(drop=True)
    problems = find_cpr(frame, src.name, np.arange(2, len(frame) + 2), limit=1)
    if any(p.column is None for p in problems):
        raise ValueError(
            f"the first line of {src.name!r} holds CPR numbers: the file has no header line "
            "naming its columns; add one and run again; nothing was written"
        )
    return sorted({str(p.column) for p in problems if p.column}, key=str)


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
    if any(cpr_digits(c) is not None for c in df.columns):
        _leftover(df.iloc[:0], src)  # raises: the header line is a data row
    out = pseudonymise_frame(df, columns, key)
    left = _leftover(out, src)
    if left:
        raise ValueError(
            f"CPR-shaped values remain in column(s) {left!r} (as text or as numbers); add "
            "them to --columns or remove them; nothing was written"
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``evalkit pseudonymise`` (shared by its own parser and ``evalkit``)."""
    parser.add_argument(
        "input", metavar="INPUT", type=Path, help="raw file (CSV, .xlsx or .parquet)"
    )
    parser.add_argument(
        "output", metavar="OUTPUT", type=Path, help="pseudonymised copy (same format)"
    )
    parser.add_argument(
        "--columns",
        nargs="+",
        required=True,
        metavar="COLUMN",
        help="columns holding CPR numbers (any form: with or without '-', a space, or the "
        "leading zero lost); the others are checked for CPR numbers left behind",
    )
    parser.add_argument(
        "--key-file",
        type=Path,
        default=None,
        help=f"file holding the key, outside the repository, readable only by you (default: "
        f"the environment variable {KEY_ENV})",
    )
    parser.epilog = (
        "Exit codes: 0 written, 1 refused (nothing written), 2 usage. Make a key with "
        "python -c 'import secrets; print(secrets.token_hex(32))'."
    )


def run(args: argparse.Namespace) -> int:
    """Run ``evalkit pseudonymise`` with parsed arguments (see :func:`add_arguments`)."""
    columns = [c for part in args.columns for c in part.split(",") if c]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            key = load_key(key_file=args.key_file)
        for w in caught:
            print(f"evalkit pseudonymise: warning: {w.message}", file=sys.stderr)
        pseudonymise_file(args.input, args.output, columns, key)
    except (ValueError, OSError) as exc:
        print(f"evalkit pseudonymise: {mask_text(str(exc))}", file=sys.stderr)
        return 1
    print(f"wrote {args.output} ({', '.join(columns)} pseudonymised)")
    return 0


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
    add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return run(args)
