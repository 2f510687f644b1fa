"""Atomic file output: write to a temporary file beside the target, then rename.

An interrupted run therefore never leaves a half-written report or data file.
:func:`replace_together` extends this to several files of one folder (a report's HTML and
its ``results.json``): they are all replaced or none is, even when the process is killed
between two renames (see ``docs/validation.md``, "Outputs").
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

__all__ = [
    "atomic_write",
    "atomic_write_text",
    "recover",
    "recover_tree",
    "replace_together",
    "sha256_file",
]

_TX_PREFIX = ".evalkit-tx-"
_JOURNAL = "commit.json"


def atomic_write(path: str | Path, writer: Callable[[str], None]) -> Path:
    """Call ``writer(tmp_path)`` and move the result to ``path`` atomically.

    The temporary file lies in the target folder (so ``os.replace`` is atomic) and keeps
    the target's suffix (so writers that choose a format by suffix work). On any error
    the temporary file is removed and the target is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        writer(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically."""
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding=encoding))


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    import hashlib

    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- transactions


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) and SIGTERM while the block runs; deliver them after."""
    block = getattr(signal, "pthread_sigmask", None)
    if block is None:  # pragma: no cover - not POSIX; the journal still makes it safe
        yield
        return
    old = block(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        block(signal.SIG_SETMASK, old)


def _roll_forward(tx: Path) -> None:
    """Finish a committed transaction: move its staged files into place, in journal order.

    Idempotent: a file already moved (by an earlier, interrupted roll-forward or by another
    process recovering at the same time) is skipped.
    """
    journal = json.loads((tx / _JOURNAL).read_text(encoding="utf-8"))
    folder = tx.parent
    for name in journal["replace"]:
        with contextlib.suppress(FileNotFoundError):
            os.replace(tx / name, folder / name)
    for name in journal["remove"]:
        (folder / name).unlink(missing_ok=True)
    shutil.rmtree(tx, ignore_errors=True)


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would end the process there: assume it runs
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def recover(folder: str | Path) -> None:
    """Bring every interrupted transaction in ``folder`` to an end.

    A transaction whose journal was written is rolled forward (its files all become the
    new ones); one that never got its journal is rolled back (its staged files are
    deleted), unless the process that started it is still running.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return
    for tx in sorted(folder.glob(f"{_TX_PREFIX}*")):
        if (tx / _JOURNAL).is_file():
            _roll_forward(tx)
            continue
        try:
            pid = int(tx.name.removeprefix(_TX_PREFIX).split("-")[0])
        except ValueError:
            pid = -1
        if pid == os.getpid() or (pid > 0 and _alive(pid)):
            continue  # still being staged by a running process
        shutil.rmtree(tx, ignore_errors=True)


def recover_tree(root: str | Path, depth: int = 2) -> None:
    """:func:`recover` in ``root`` and its subfolders down to ``depth`` levels."""
    root = Path(root)
    folders = [root]
    for level in range(depth):
        folders += sorted(p for p in root.glob("/".join(["*"] * (level + 1))) if p.is_dir())
    for folder in folders:
        if not folder.name.startswith(_TX_PREFIX):
            recover(folder)


def replace_together(
    folder: str | Path,
    files: Mapping[str, bytes | str | Path],
    remove: Sequence[str] = (),
) -> list[Path]:
    """Replace several files of one folder together: afterwards all are new, or all old.

    The new contents are staged in a hidden transaction folder inside ``folder`` (so every
    rename stays on one file system); then a journal naming them is written atomically
    (the commit point); then the files are moved into place in the order given, the files
    in ``remove`` are deleted and the transaction folder is removed. Ctrl-C and SIGTERM are
    held back during the moves. If the process dies anyway after the commit point, the
    next :func:`recover` of the folder (run by this function, by
    :func:`evalkit.report.publish.publish_index` and by every report written there) finishes
    the moves; before it, nothing has changed.

    Parameters
    ----------
    folder : path
        The target folder (created if missing).
    files : mapping of str to bytes, str or Path
        File name -> new content (bytes, text written as UTF-8, or a file to copy).
    remove : sequence of str
        File names to delete in the same transaction (e.g. a stale marker).

    Returns
    -------
    list of Path
        The paths written, in the order of ``files``.
    """
    folder = Path(folder)
    for name in [*files, *remove]:
        if not name or Path(name).name != name or name.startswith(_TX_PREFIX):
            raise ValueError(f"files must be plain file names in the folder, but was {name!r}")
    folder.mkdir(parents=True, exist_ok=True)
    recover(folder)
    tx = folder / f"{_TX_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}"
    tx.mkdir()
    umask = os.umask(0)
    os.umask(umask)
    try:
        for name, content in files.items():
            staged = tx / name
            if isinstance(content, Path):
                shutil.copyfile(content, staged)
            else:
                data = content.encode("utf-8") if isinstance(content, str) else content
                with open(staged, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            os.chmod(staged, 0o666 & ~umask)
    except BaseException:
        shutil.rmtree(tx, ignore_errors=True)
        raise
    journal = {"replace": list(files), "remove": [n for n in remove if n not in files]}
    with _signals_deferred():  # no Ctrl-C between the commit point and the moves
        try:
            atomic_write_text(tx / _JOURNAL, json.dumps(journal))  # the commit point
        except BaseException:
            shutil.rmtree(tx, ignore_errors=True)
            raise
        _roll_forward(tx)
    return [folder / name for name in files]
