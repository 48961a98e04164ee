"""Writing a digest's files: `DIR/YYYY-MM-DD.md` and `DIR/YYYY-MM-DD.json`, atomically, in UTF-8."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from paperbrief.models import Digest
from paperbrief.render.json_out import iter_json
from paperbrief.render.markdown import iter_markdown


class OutputError(Exception):
    """An output file cannot be written; the message says which and why in one line."""


def write_text_atomic(path: Path, text: str) -> None:
    """Write UTF-8 text so readers see the old file or the new one, never half of it.

    A temp file in the same directory is fsynced, then `os.replace`d over `path` (atomic on POSIX
    and Windows, https://docs.python.org/3/library/os.html#os.replace).
    """
    write_chunks_atomic(path, [text])


def write_chunks_atomic(path: Path, chunks: Iterable[str]) -> None:
    """`write_text_atomic` for text produced in chunks (streamed renderers)."""
    write_files_together([(path, chunks)])


def write_files_together(files: Sequence[tuple[Path, Iterable[str]]]) -> list[Path]:
    """Write several UTF-8 files as one unit: all of them are replaced, or none is.

    Every file is first rendered into an fsynced temp file beside its target; only then are the
    temp files renamed over the targets (`os.replace`, atomic per file,
    https://docs.python.org/3/library/os.html#os.replace). If a rename fails after an earlier one
    succeeded, the earlier targets get their previous content back (kept as a hard link, or a copy
    where the file system has no links). On any failure the temp files are removed; an `OSError`
    becomes an `OutputError` with a one-line message, anything else (a rendering bug, Ctrl-C) is re-raised.
    """
    temps: list[Path] = []
    backups: list[Path] = []
    replaced: list[tuple[Path, Path | None]] = []  # (target, its previous content or None if it was new)
    current = files[0][0] if files else Path()
    try:
        for path, chunks in files:
            current = path
            temps.append(_write_temp(path, chunks))
        for index, ((path, _chunks), tmp) in enumerate(zip(files, temps, strict=True)):
            current = path
            # The last rename needs no way back: if it fails, its target is untouched anyway.
            backup = _keep_previous(path) if index + 1 < len(files) else None
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
        for leftover in (*temps, *backups):
            with contextlib.suppress(OSError):
                leftover.unlink()
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {current}: {_reason(exc)}") from exc
        raise
    for backup in backups:
        with contextlib.suppress(OSError):
            backup.unlink()
    return [path for path, _chunks in files]


def _write_temp(path: Path, chunks: Iterable[str]) -> Path:
    """Render `chunks` into a new fsynced temp file in `path`'s directory (mode 644) and return it."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the files are meant to be shared and served
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp


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
    return write_files_together(
        [(out_dir / f"{stem}.md", iter_markdown(digest)), (out_dir / f"{stem}.json", iter_json(digest))]
    )
