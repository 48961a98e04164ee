"""Writing a digest's files: `DIR/YYYY-MM-DD.md` and `DIR/YYYY-MM-DD.json`, atomically, in UTF-8."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

from paperbrief.models import Digest
from paperbrief.render.json_out import iter_json_cleaned
from paperbrief.render.markdown import iter_markdown_cleaned
from paperbrief.render.safe import clean_digest_views

_MODE = 0o644  # mkstemp creates 0600; the files are meant to be shared and served
_BLOCK = 1 << 16
# Our temp and backup names: `.` + target name + `.` + mkstemp's 8 random characters + `.tmp`/`.bak`
# (https://docs.python.org/3/library/tempfile.html#tempfile.mkstemp). Nothing else is ever swept.
_OUR_TEMP_RE = re.compile(r"^\..+\.[a-z0-9_]{8}\.(?:tmp|bak)$")
STALE_TEMP_SECONDS = 300.0
"""A temp file untouched this long belongs to a killed run, not to a live writer (which keeps writing)."""


class OutputError(Exception):
    """An output file cannot be written; the message says which and why in one line."""


def write_text_atomic(path: Path, text: str) -> None:
    """Write UTF-8 text so readers see the old file or the new one, never half of it.

    A temp file in the same directory is fsynced, then `os.replace`d over `path` (atomic on POSIX
    and Windows, https://docs.python.org/3/library/os.html#os.replace). A file that already holds
    exactly these bytes is left alone (same inode and mtime).
    """
    write_chunks_atomic(path, [text])


def write_chunks_atomic(path: Path, chunks: Iterable[str]) -> None:
    """`write_text_atomic` for text produced in chunks (streamed renderers)."""
    write_files_together([(path, chunks)])


def write_bytes_atomic(path: Path, data: bytes, *, sweep: bool = True) -> None:
    """`write_text_atomic` for bytes; an identical file is detected before any temp file is made.

    `sweep=False` skips `sweep_stale_temp_files` (a caller writing many files sweeps once itself).
    """
    if _holds(path, len(data), io.BytesIO(data)):
        return
    write_files_together([(path, [data])], sweep=sweep)


def sweep_stale_temp_files(directory: Path, max_age: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove our own temp/backup files (`.2026-03-02.md.k3x9_a2q.tmp`) left in `directory` by killed runs.

    Only names of our pattern, only regular files, only when unmodified for `max_age` seconds (a
    concurrent writer's temp file is fresh). Never raises: a file that cannot be removed stays.
    Returns the files removed.
    """
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        if not _OUR_TEMP_RE.match(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime >= max_age:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def write_files_together(
    files: Sequence[tuple[Path, Iterable[str] | Iterable[bytes]]], *, sweep: bool = True
) -> list[Path]:
    """Write several files (str chunks are encoded as UTF-8) as one unit: all are replaced, or none is.

    Every file is first rendered into a temp file beside its target; a target that already holds
    exactly those bytes is left untouched (no rename, same mtime: a site rebuild does not rewrite
    its whole history), the other temp files are fsynced. Only then are they renamed over the
    targets (`os.replace`, atomic per file, https://docs.python.org/3/library/os.html#os.replace).
    If a rename fails after an earlier one succeeded, the earlier targets get their previous
    content back (kept as a hard link, or a copy where the file system has no links). On any
    failure the temp files are removed; an `OSError` becomes an `OutputError` with a one-line
    message, anything else (a rendering bug, Ctrl-C) is re-raised. Returns every target path,
    unchanged ones included. Temp names are unique (mkstemp), so two processes writing the same
    targets never share one; with `sweep`, stale temp files of killed runs are removed first from
    each target's directory (`sweep_stale_temp_files`).
    """
    if sweep:
        _sweep_parents([path for path, _chunks in files])
    pending: list[tuple[Path, Path]] = []  # (target, its new content in a temp file)
    backups: list[Path] = []
    replaced: list[tuple[Path, Path | None]] = []  # (target, its previous content or None if it was new)
    current = files[0][0] if files else Path()
    try:
        for path, chunks in files:
            current = path
            tmp = _write_temp(path, chunks)
            if tmp is not None:
                pending.append((path, tmp))
        for index, (path, tmp) in enumerate(pending):
            current = path
            # The last rename needs no way back: if it fails, its target is untouched anyway.
            backup = _keep_previous(path) if index + 1 < len(pending) else None
            if backup is not None:
                backups.append(backup)
            os.replace(tmp, path)
            replaced.append((path, backup))
    except BaseException as exc:
        # Also on Ctrl-C or a rendering error: restore what was replaced, leave no temp file behind.
        for path, backup in reversed(replaced):
            with contextlib.suppress(OSError):
                if backup is not None:
                    os.replace(backup, path)
                else:
                    path.unlink()
        for leftover in (*(tmp for _path, tmp in pending), *backups):
            with contextlib.suppress(OSError):
                leftover.unlink()
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {current}: {_reason(exc)}") from exc
        raise
    for backup in backups:
        with contextlib.suppress(OSError):
            backup.unlink()
    return [path for path, _chunks in files]


def _sweep_parents(paths: Sequence[Path]) -> None:
    for directory in dict.fromkeys(path.parent for path in paths):
        sweep_stale_temp_files(directory)


def _write_temp(path: Path, chunks: Iterable[str] | Iterable[bytes]) -> Path | None:
    """Render `chunks` into a new fsynced temp file in `path`'s directory (mode 644) and return it.

    Returns None (and removes the temp file) when `path` already holds exactly these bytes.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w+b") as handle:
            for chunk in chunks:
                handle.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
            size = handle.tell()
            handle.flush()
            handle.seek(0)
            unchanged = _holds(path, size, handle)
            if not unchanged:
                os.fsync(handle.fileno())
        if unchanged:
            tmp.unlink()
            return None
        os.chmod(tmp, _MODE)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def _holds(path: Path, size: int, new: BinaryIO) -> bool:
    """Whether `path` is a regular mode-644 file whose bytes are `new`'s `size` bytes (size compared first)."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or stat.S_IMODE(info.st_mode) != _MODE or info.st_size != size:
            return False
        with path.open("rb") as old:
            while block := old.read(_BLOCK):
                if new.read(len(block)) != block:
                    return False
    except OSError:
        return False  # unreadable or gone: write it, and let that report the real problem
    return not new.read(1)


def _keep_previous(path: Path) -> Path | None:
    """A second name for `path`'s current content (to restore it), or None when `path` does not exist."""
    if not path.is_file():
        return None  # nothing to restore; a directory in the way makes os.replace fail anyway
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".bak", dir=path.parent)
    os.close(fd)
    backup = Path(name)
    try:
        backup.unlink()
        os.link(path, backup)  # no copy: the old content stays under a second name
    except OSError:
        try:
            shutil.copyfile(path, backup)  # a file system without hard links (some network/FUSE mounts)
        except BaseException:
            with contextlib.suppress(OSError):
                backup.unlink()
            raise
    return backup


def _reason(exc: OSError) -> str:
    return " ".join(str(exc.strerror or exc).split())


def write_digest_files(digest: Digest, out_dir: Path) -> list[Path]:
    """Render and write `out_dir/DATE.md` and `out_dir/DATE.json` as one unit; returns the paths written.

    Both are rendered to temp files first and renamed last, so a failure leaves the previous pair
    as it was (see `write_files_together`).
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output directory {out_dir}: {_reason(exc)}") from exc
    if not out_dir.is_dir():
        raise OutputError(f"output path {out_dir} is not a directory")
    stem = digest.date.isoformat()
    # One look at each entry serves both files' cleaning (`clean_digest_views`).
    shown, data = clean_digest_views(digest)
    return write_files_together(
        [(out_dir / f"{stem}.md", iter_markdown_cleaned(shown)), (out_dir / f"{stem}.json", iter_json_cleaned(data))]
    )
