"""Output files under concurrency and after crashes (issue 11): unique temp names, stale temp files swept."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from fakes.digests import sample_digest
from paperbrief.render.files import STALE_TEMP_SECONDS, sweep_stale_temp_files, write_digest_files
from paperbrief.render.json_out import render_json
from paperbrief.render.markdown import render_markdown
from paperbrief.render.site import build_site

OLD = time.time() - 3600  # an hour ago: a run killed long before this write


def _touch(path: Path, mtime: float | None = None, data: bytes = b"half a report") -> Path:
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def test_leftover_temp_files_of_a_killed_run_are_removed_by_the_next_write(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    stale = [
        _touch(out / ".2026-03-02.md.k3x9_a2q.tmp", OLD, b"x" * 100_000),
        _touch(out / ".2026-03-02.json.0abcdefg.tmp", OLD),
        _touch(out / ".2026-02-04.md.zz9y8x7w.bak", OLD),  # a kept previous version that was never restored
    ]
    kept = [
        _touch(out / ".2026-03-02.md.fresh123.tmp"),  # another process is writing it right now
        _touch(out / ".notes.tmp", OLD),  # not our pattern (no random part)
        _touch(out / "draft.tmp", OLD),
        _touch(out / ".2026-03-02.md.SHOUT123.tmp", OLD),  # mkstemp never uses capitals
        _touch(out / "2026-03-01.md", OLD),
    ]
    folder = out / ".looks.like.ab12cd34.tmp"  # a directory is never removed
    folder.mkdir()
    os.utime(folder, (OLD, OLD))
    written = write_digest_files(sample_digest(), out)
    assert [p.name for p in written] == ["2026-02-04.md", "2026-02-04.json"]
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in kept) and folder.is_dir()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*(p.name for p in kept), folder.name, *(p.name for p in written)]
    )


def test_sweep_keeps_files_younger_than_the_limit(tmp_path: Path) -> None:
    young = _touch(tmp_path / ".2026-03-02.md.abcd1234.tmp", time.time() - STALE_TEMP_SECONDS / 2)
    old = _touch(tmp_path / ".2026-03-02.md.efgh5678.tmp", time.time() - STALE_TEMP_SECONDS - 5)
    assert sweep_stale_temp_files(tmp_path) == [old]
    assert young.exists() and not old.exists()
    assert sweep_stale_temp_files(tmp_path / "missing") == []  # never raises


def test_site_build_sweeps_its_folder(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    stale = _touch(site / ".2026-02-04.html.q1w2e3r4.tmp", OLD)
    built = build_site([sample_digest()], tmp_path)
    assert not stale.exists()
    assert sorted(p.name for p in site.iterdir()) == sorted(p.name for p in built.files)


_WRITER = textwrap.dedent(
    """
    import datetime as dt, sys
    sys.path.insert(0, sys.argv[3])
    from pathlib import Path
    from fakes.digests import sample_digest
    from paperbrief.render.files import write_digest_files
    digest = sample_digest(sys.argv[2])
    for i in range(25):
        write_digest_files(digest, Path(sys.argv[1]))
    """
)


def test_two_processes_writing_the_same_out_never_collide(tmp_path: Path) -> None:
    """Two real processes write the same pair 25 times each: both succeed, every file is whole, no temp is left."""
    out = tmp_path / "out"
    tests_dir = str(Path(__file__).parent)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(out), language, tests_dir],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for language in ("zh", "en")
    ]
    for proc in procs:
        _stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr.decode("utf-8", "replace")
    zh, en = sample_digest("zh"), sample_digest("en")
    md = (out / "2026-02-04.md").read_text(encoding="utf-8")
    js = (out / "2026-02-04.json").read_text(encoding="utf-8")
    assert md in (render_markdown(zh), render_markdown(en))
    assert js in (render_json(zh), render_json(en))
    assert sorted(p.name for p in out.iterdir()) == ["2026-02-04.json", "2026-02-04.md"]
    assert dt.date(2026, 2, 4).isoformat() in md
