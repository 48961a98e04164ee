"""The store's edges: hostile text, read-only files, full disks, secrets in URLs, both backends via the CLI."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from paperbrief.cli import main
from paperbrief.models import DeliveryStatus, Paper, Summary
from paperbrief.store import Store, StoreError
from paperbrief.store.db import sqlite_url

DAY = dt.date(2026, 2, 4)
HISTORY = Path(__file__).parent / "data" / "store"


def test_a_nul_byte_in_any_stored_text_never_fails_an_insert(store: Store) -> None:
    """Issue 11: one NUL in a title made PostgreSQL's insert fail (DataError) and, later, the Atom feed."""
    paper = Paper(
        arxiv_id="2602.04837",
        version=1,
        title="Bad\x00 title\x0b with controls 🚀",
        authors=["A\x00 B", "王小明"],
        abstract="x\x00y\ufffe",
        categories=["cs.LG"],
        comment="c\x01",
    )
    store.record_announcement(DAY, [paper])
    [back] = store.announced_papers(DAY)
    assert (back.title, back.authors, back.abstract, back.comment) == (
        "Bad title with controls 🚀",
        ["A B", "王小明"],
        "xy",
        "c",
    )
    store.put_summary(
        Summary(
            arxiv_id="2602.04837",
            version=1,
            tldr="t\x00l;dr",
            keywords=["k\x00"],
            model="m",
            prompt_version="p",
            language="zh",
            backend="llm",
        )
    )
    cached = store.get_summaries([("2602.04837", 1)], model="m", prompt_version="p", language="zh")
    assert cached[("2602.04837", 1)].tldr == "tl;dr"
    assert cached[("2602.04837", 1)].keywords == ["k"]
    store.log_llm_call(
        paper_ids=["2602.04837"], model="m", prompt_version="p", prompt="a\x00b", response="c\x00d", status="ok"
    )
    assert (store.recent_llm_calls(1)[0].prompt, store.recent_llm_calls(1)[0].response) == ("ab", "cd")
    store.record_delivery(DAY, "email", DeliveryStatus.FAILED, "refused\x00")
    assert store.list_deliveries()[0].last_error == "refused"
    store.put_artifact("highlights", "k", {"text": "今日\x00看点", "items": ["a\x00"]})
    assert store.get_artifact("highlights", "k") == {"text": "今日看点", "items": ["a"]}
    store.add_reading_items([{"item_id": "x", "source": "bibtex", "title": "T\x00", "text": "t\x00", "arxiv_id": None}])
    assert store.reading_items()[0].title == "T"
    store.set_state("k", "v\x00")
    assert store.get_state("k") == "v"


@pytest.fixture
def immutable() -> Iterator[list[Path]]:
    """Paths made read-only for the test (root ignores file modes, so `chattr +i` when root), restored after."""
    paths: list[Path] = []
    yield paths
    for path in reversed(paths):
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            path.chmod(0o755 if path.is_dir() else 0o644)


def _make_read_only(paths: list[Path], *targets: Path) -> None:
    for path in targets:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "+i", str(path)], check=True)
        else:
            path.chmod(0o555 if path.is_dir() else 0o444)
        paths.append(path)


def test_a_read_only_store_can_still_be_read_and_writes_fail_in_one_line(tmp_path: Path, immutable: list[Path]) -> None:
    """SQLite-specific: a file (and folder) this process cannot write, e.g. a shared or backed-up home."""
    home = tmp_path / "home"
    home.mkdir()
    db = home / "paperbrief.db"
    store = Store.open(sqlite_url(db))
    store.log_llm_call(
        paper_ids=["2602.04837"], model="m", prompt_version="p", prompt="the prompt", response="{}", status="ok"
    )
    store.close()
    _make_read_only(immutable, db, home)
    with pytest.raises(sqlite3.OperationalError):  # the premise: the file really cannot be written
        sqlite3.connect(db).execute("CREATE TABLE probe (x)")
    reader = Store.open(sqlite_url(db))
    assert reader.read_only
    assert reader.recent_llm_calls(1)[0].prompt == "the prompt"
    with pytest.raises(StoreError) as info:
        reader.set_state("k", "v")
    assert "\n" not in str(info.value) and "readonly" in str(info.value)
    reader.close()
    result = CliRunner().invoke(main, ["--home", str(home), "logs", "--short"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "#1 " in result.output


def test_a_read_only_store_that_needs_migrations_says_so(tmp_path: Path, immutable: list[Path]) -> None:
    """SQLite-specific: an old file (as of m003) that cannot be written cannot be upgraded either."""
    folder = tmp_path / "old"
    folder.mkdir()
    db = folder / "pb.db"
    with sqlite3.connect(db) as conn:
        conn.executescript((HISTORY / "as_of_m003.sql").read_text(encoding="utf-8"))
    _make_read_only(immutable, db, folder)
    with pytest.raises(StoreError) as info:
        Store.open(sqlite_url(db))
    assert "read-only and needs migrations: m004_compressed_digests" in str(info.value)


def test_a_full_disk_surfaces_as_one_line_store_error(tmp_path: Path) -> None:
    """SQLite-specific: SQLite's own page limit gives the same SQLITE_FULL as a full disk."""
    store = Store.open(sqlite_url(tmp_path / "pb.db"))
    pages = store.engine.connect().exec_driver_sql("PRAGMA page_count").scalar()

    def _cap(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    store.engine.dispose()
    sa.event.listen(store.engine, "connect", _cap)
    with pytest.raises(StoreError) as info:
        store.log_llm_call(
            paper_ids=["x"], model="m", prompt_version="p", prompt="p" * 200_000, response=None, status="ok"
        )
    message = str(info.value)
    assert message.startswith("database write failed: ")
    assert "full" in message and "\n" not in message


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://127.0.0.1:1/pb?user=u&password=s3cr3t-in-query",
        "postgresql+psycopg://u:s3cr3t-in-query@127.0.0.1:1/pb",
    ],
)
def test_a_password_in_the_database_url_is_masked_in_cannot_open_errors(url: str) -> None:
    """Issue 11: `…/pb?user=u&password=…` was printed in clear in the `cannot open database` error."""
    with pytest.raises(StoreError) as info:
        Store.open(url)
    message = str(info.value)
    assert message.startswith("cannot open database postgresql+psycopg://")
    assert "s3cr3t-in-query" not in message
    assert "****" in message and "\n" not in message


def test_the_sample_day_runs_end_to_end_on_each_backend_and_a_rerun_adds_nothing(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERBRIEF_DATABASE_URL", store_url)
    monkeypatch.chdir(tmp_path)
    args = ["--home", str(tmp_path / "home"), "run", "--sample", "--out", str(tmp_path / "out")]
    first = CliRunner().invoke(main, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    store = Store.open(store_url)
    counts = store.table_counts()
    assert counts["papers"] == 30 and counts["digest_archive"] == 1
    again = CliRunner().invoke(main, args, catch_exceptions=False)
    assert again.exit_code == 0, again.output
    after = store.table_counts()
    assert {k: v for k, v in after.items() if k != "runs"} == {k: v for k, v in counts.items() if k != "runs"}
    assert [r.status for r in store.list_runs()] == ["ok", "ok"]
    store.close()
