"""Writing a digest's files: `DIR/YYYY-MM-DD.md` and `DIR/YYYY-MM-DD.json`, atomically, in UTF-8."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
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
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write to {path.parent}: {exc.strerror or exc}") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        # Also on Ctrl-C or a rendering error: never leave a half-written temp file behind.
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise


def write_digest_files(digest: Digest, out_dir: Path) -> list[Path]:
    """Render and write `out_dir/DATE.md` and `out_dir/DATE.json`; returns the paths written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output directory {out_dir}: {exc.strerror or exc}") from exc
    if not out_dir.is_dir():
        raise OutputError(f"output path {out_dir} is not a directory")
    stem = digest.date.isoformat()
    written: list[Path] = []
    for suffix, chunks in ((".md", iter_markdown(digest)), (".json", iter_json(digest))):
        path = out_dir / f"{stem}{suffix}"
        write_chunks_atomic(path, chunks)
        written.append(path)
    return written
