"""The store: named migrations, idempotent writes, transactions, the summary cache."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from paperbrief.models import AnnounceType, DeliveryStatus, Paper, Summary, SummaryStatus
from paperbrief.sources.sample import load_sample_day
from paperbrief.store import Store, StoreError
from paperbrief.store.db import MIGRATIONS, sqlite_url

DAY = dt.date(2026, 2, 4)


def _summary(arxiv_id: str, status: SummaryStatus = SummaryStatus.OK, score: int | None = 70) -> Summary:
    return Summary(
        arxiv_id=arxiv_id,
        version=1,
        tldr="一句话 🚀 $\\alpha$",
        keywords=["a", "b"],
        score=score,
        model="m",
        prompt_version="p1",
        language="zh",
        backend="llm",
        status=status,
        error=None if status != SummaryStatus.FAILED else "boom",
    )


def test_migrations_from_an_empty_file_apply_all_in_order_once(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    first = Store(sqlite_url(path))
    assert first.applied_migrations() == sorted(name for name, _ in MIGRATIONS)
    assert first.migrate() == []  # second time: nothing pending
    tables = set(sa.inspect(first.engine).get_table_names())
    assert {"papers", "announcements", "summaries", "runs", "llm_log", "deliveries", "digest_archive"} <= tables
    assert "digests" not in tables  # m004 replaced it


def test_sqlite_store_uses_wal(sqlite_store: Store) -> None:
    """SQLite-specific: the journal mode of the file."""
    store = sqlite_store
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_recording_a_day_twice_does_not_duplicate_rows(store: Store) -> None:
    date, papers = load_sample_day()
    store.record_announcement(date, papers)
    counts = store.table_counts()
    store.record_announcement(date, papers)
    assert store.table_counts() == counts
    assert counts["papers"] == 30
    # one announcement row per (paper, category)
    assert counts["announcements"] == sum(len(p.categories) for p in papers)
    again = store.announced_papers(date)
    assert [p.arxiv_id for p in again] == [p.arxiv_id for p in papers]
    assert again[0].published == papers[0].published


def test_a_failure_in_the_middle_of_a_write_leaves_nothing_half_written(store: Store) -> None:
    """A real database error (a trigger aborting the 20th announcement row) rolls back the whole day."""
    date, papers = load_sample_day()
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER crash BEFORE INSERT ON announcements "
                f"WHEN NEW.arxiv_id = '{papers[19].arxiv_id}' BEGIN SELECT RAISE(ABORT, 'simulated crash'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION crash() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.arxiv_id = '{papers[19].arxiv_id}' THEN RAISE EXCEPTION 'simulated crash'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER crash BEFORE INSERT ON announcements FOR EACH ROW EXECUTE FUNCTION crash()"
            )
    with pytest.raises(sa.exc.DBAPIError, match="simulated crash"):
        store.record_announcement(date, papers)
    counts = store.table_counts()
    assert counts["papers"] == 0
    assert counts["announcements"] == 0


def test_summary_cache_is_keyed_by_model_prompt_version_and_language(store: Store) -> None:
    store.put_summary(_summary("2602.04837"))
    key = [("2602.04837", 1)]
    assert store.get_summaries(key, model="m", prompt_version="p1", language="zh")[key[0]].tldr == "一句话 🚀 $\\alpha$"
    assert store.get_summaries(key, model="other", prompt_version="p1", language="zh") == {}
    assert store.get_summaries(key, model="m", prompt_version="p2", language="zh") == {}
    assert store.get_summaries(key, model="m", prompt_version="p1", language="en") == {}


def test_a_failure_never_overwrites_a_good_cached_summary(store: Store) -> None:
    store.put_summary(_summary("2602.04837"))
    store.put_summary(_summary("2602.04837", SummaryStatus.FAILED, score=None))
    key = ("2602.04837", 1)
    cached = store.get_summaries([key], model="m", prompt_version="p1", language="zh")
    assert cached[key].status == SummaryStatus.OK
    assert cached[key].score == 70


def test_failed_summaries_are_not_served_from_the_cache(store: Store) -> None:
    store.put_summary(_summary("2602.04836", SummaryStatus.FAILED, score=None))
    key = ("2602.04836", 1)
    assert store.get_summaries([key], model="m", prompt_version="p1", language="zh") == {}
    both = store.get_summaries([key], model="m", prompt_version="p1", language="zh", include_failed=True)
    assert both[key].error == "boom"


def test_deliveries_count_attempts_per_day_and_channel(store: Store) -> None:
    store.record_delivery(DAY, "email", DeliveryStatus.FAILED, "refused")
    assert store.delivery_status(DAY, "email") == DeliveryStatus.FAILED
    store.record_delivery(DAY, "email", DeliveryStatus.SENT)
    rows = store.list_deliveries(DAY)
    assert [(r["channel"], r["status"], r["attempts"]) for r in rows] == [("email", "sent", 2)]


def test_old_style_ids_and_unicode_round_trip(store: Store) -> None:
    paper = Paper(
        arxiv_id="hep-th/9901001",
        version=2,
        title="Über $\\mathcal{N}=4$ — 超对称 🌌",
        authors=["José Núñez", "王小明"],
        abstract="",
        categories=["hep-th"],
        announce_type=AnnounceType.REPLACE,
    )
    store.record_announcement(DAY, [paper])
    [back] = store.announced_papers(DAY)
    assert back.title == paper.title
    assert back.authors == paper.authors
    assert back.announce_type == AnnounceType.REPLACE


def test_a_corrupt_database_file_gives_a_one_line_store_error(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not a database\x00" * 200)
    with pytest.raises(StoreError) as info:
        Store.open(sqlite_url(path))
    assert "\n" not in str(info.value)
    assert "not a database" in str(info.value)


def test_a_password_in_the_database_url_is_not_shown_in_errors() -> None:
    with pytest.raises(StoreError) as info:
        Store.open("nosuchdialect://user:s3cret@localhost/db")
    assert "s3cret" not in str(info.value)


def test_state_and_artifacts_round_trip(store: Store) -> None:
    store.set_state("oai:token", "abc")
    assert store.get_state("oai:token") == "abc"
    store.set_state("oai:token", None)
    assert store.get_state("oai:token") is None
    store.put_artifact("highlights", "k", {"text": "今日看点"})
    assert store.get_artifact("highlights", "k") == {"text": "今日看点"}


def test_database_is_plain_sqlite_readable_by_other_tools(sqlite_store: Store, tmp_path: Path) -> None:
    """SQLite-specific: the file opens with Python's own sqlite3."""
    store = sqlite_store
    store.put_summary(_summary("2602.04837"))
    with sqlite3.connect(tmp_path / "pb.db") as conn:
        assert conn.execute("select count(*) from summaries").fetchone() == (1,)


def test_a_digest_round_trips_through_the_compressed_archive(store: Store) -> None:
    from paperbrief.models import Digest, DigestEntry

    date, papers = load_sample_day()
    entries = [DigestEntry(number=i + 1, paper=p, summary=_summary(p.arxiv_id)) for i, p in enumerate(papers)]
    digest = Digest(date=date, entries=entries, highlights="- **主题**：🚀 [1]", warnings=["⚠ x"])
    store.save_digest(digest)
    assert store.load_digest(date) == digest
    empty = Digest(date=date + dt.timedelta(days=1), no_announcement=True, no_announcement_reason="weekend")
    store.save_digest(empty)
    assert store.load_digest(empty.date) == empty
    assert store.digest_dates() == [empty.date, date]
