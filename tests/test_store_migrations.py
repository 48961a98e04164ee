"""Migrations replay history: every historic schema upgrades to today's, keeping its data.

The SQLite databases in tests/data/store/as_of_m00N.sql were made by the store code as released
(commit ca8afa1, scripts/make_historic_stores.py) and filled through its own methods; they are the
independent oracle of what an old user's file looks like. On PostgreSQL the history is replayed
step by step with `migrate(until=…)`.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from paperbrief.models import DeliveryStatus, RunStatus
from paperbrief.store import Store
from paperbrief.store.db import MIGRATIONS, sqlite_url
from paperbrief.store.migrations import migrate
from paperbrief.store.schema import metadata
from paperbrief.store.search_index import SEARCH_TABLES

HISTORY = Path(__file__).parent / "data" / "store"
ALL = [name for name, _ in MIGRATIONS]
SAMPLE_DAY = dt.date(2026, 2, 4)
# The sample day's five newest ids, as the historic generator stored them.
FIRST_FIVE = ["2602.04883", "2602.04877", "2602.04876", "2602.04870", "2602.04868"]


def _schema(engine: sa.Engine) -> dict[str, set[str]]:
    inspector = sa.inspect(engine)
    return {t: {c["name"] for c in inspector.get_columns(t)} for t in inspector.get_table_names()}


def _tables(engine: sa.Engine) -> dict[str, set[str]]:
    """`_schema` without the search index (m009: dialect-specific DDL outside `metadata`, FTS5 on SQLite)."""
    return {t: c for t, c in _schema(engine).items() if not t.startswith(SEARCH_TABLES)}


def _indexes(engine: sa.Engine) -> set[str]:
    inspector = sa.inspect(engine)
    return {i["name"] for t in inspector.get_table_names() for i in inspector.get_indexes(t) if i["name"]}


def _historic(tmp_path: Path, upto: int) -> str:
    path = tmp_path / f"as_of_m00{upto}.db"
    with sqlite3.connect(path) as conn:
        conn.executescript((HISTORY / f"as_of_m00{upto}.sql").read_text(encoding="utf-8"))
    return sqlite_url(path)


def test_an_empty_database_gets_every_migration_and_todays_schema(store_url: str) -> None:
    store = Store.open(store_url)
    assert store.applied_migrations() == sorted(ALL)
    assert store.migrate() == []
    expected = {t.name: {c.name for c in t.columns} for t in metadata.sorted_tables}
    # The search index (m009) is dialect-specific DDL outside `metadata` (FTS5 on SQLite).
    assert _tables(store.engine) == expected
    assert {t for t in _schema(store.engine) if t.startswith(SEARCH_TABLES)} >= {"search_docs"}
    assert "digests" not in _schema(store.engine)
    store.close()


@pytest.mark.parametrize("upto", [1, 2, 3])
def test_a_sqlite_store_made_by_the_released_code_upgrades_with_its_data(tmp_path: Path, upto: int) -> None:
    """SQLite-specific: the historic files are SQLite files written by the code of the time."""
    url = _historic(tmp_path, upto)
    store = Store.open(url)
    assert store.applied_migrations() == sorted(ALL)
    fresh = Store.open(sqlite_url(tmp_path / "fresh.db"))
    assert _schema(store.engine) == _schema(fresh.engine)
    assert _indexes(store.engine) == _indexes(fresh.engine)

    assert [p.arxiv_id for p in store.announced_papers(SAMPLE_DAY)] == FIRST_FIVE
    cached = store.get_summaries([(FIRST_FIVE[0], 1)], model="m", prompt_version="p1", language="zh")
    assert cached[(FIRST_FIVE[0], 1)].tldr == "一句话 🚀 $\\alpha$"
    [run] = store.list_runs()
    assert (run.status, run.stats, run.lease_until) == (RunStatus.OK, {"papers": 5}, None)
    assert [(d.channel, d.status, d.attempts) for d in store.list_deliveries()] == [("email", DeliveryStatus.SENT, 1)]
    assert store.recent_llm_calls(1)[0].prompt == "prompt"
    # m004 moved the JSON digest into the compressed archive and indexed what it published.
    digest = store.load_digest(SAMPLE_DAY)
    assert digest is not None
    assert [e.paper.arxiv_id for e in digest.entries] == FIRST_FIVE[:3]
    assert digest.highlights == "- 今日 [1]"
    assert digest.entries[0].summary is not None and digest.entries[0].summary.score == 80
    later = SAMPLE_DAY + dt.timedelta(days=1)
    assert store.published_before(later, FIRST_FIVE) == {i: 1 for i in FIRST_FIVE[:3]}
    if upto >= 2:
        assert store.get_state("oai:token") == "abc"
        assert store.get_artifact("highlights", "k") == {"text": "今日看点"}
        assert [r.item_id for r in store.reading_items()] == ["arxiv:1"]
    # and it works as a store of today: runs get leases, claims can be taken
    run_id = store.start_run(SAMPLE_DAY, source="sample", summarizer="llm")
    assert store.claim_summaries(run_id, [(FIRST_FIVE[1], 1)], model="m", prompt_version="p1", language="zh") == [
        (FIRST_FIVE[1], 1)
    ]
    store.close()
    fresh.close()


@pytest.mark.parametrize("upto", ALL[:-1])
def test_every_historic_schema_upgrades_on_each_backend(store_url: str, upto: str) -> None:
    """Replay history up to `upto`, add a digest the m001 way (a JSON row), then upgrade."""
    engine = sa.create_engine(store_url)
    assert migrate(engine, until=upto) == ALL[: ALL.index(upto) + 1]
    legacy = ALL.index(upto) < ALL.index("m004_compressed_digests")
    if legacy:
        body = {
            "date": "2026-02-04",
            "language": "zh",
            "entries": [
                {"number": 1, "paper": {"arxiv_id": "2602.00001", "version": 2, "title": "标题 🚀", "abstract": ""}}
            ],
            "highlights": "- **主题** [1]",
        }
        with engine.begin() as conn:
            table = sa.table(
                "digests", sa.column("date"), sa.column("language"), sa.column("body"), sa.column("updated")
            )
            conn.execute(
                table.insert().values(
                    date=SAMPLE_DAY,
                    language="zh",
                    body=json.dumps(body, ensure_ascii=False),
                    updated=dt.datetime(2026, 2, 4, tzinfo=dt.UTC),
                )
            )
    engine.dispose()
    store = Store.open(store_url)
    assert store.applied_migrations() == sorted(ALL)
    expected = {t.name: {c.name for c in t.columns} for t in metadata.sorted_tables}
    assert _tables(store.engine) == expected
    if legacy:
        digest = store.load_digest(SAMPLE_DAY)
        assert digest is not None
        assert (digest.entries[0].paper.title, digest.entries[0].paper.version) == ("标题 🚀", 2)
        assert store.published_before(SAMPLE_DAY + dt.timedelta(days=1), ["2602.00001"]) == {"2602.00001": 2}
    store.close()
