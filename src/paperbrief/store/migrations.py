"""Named schema migrations: fixed DDL and data steps, applied in order under a lock.

Each migration is one function holding the tables *as they were* when it was released (its own
`MetaData`, never today's `schema.py`), so a database of any age replays the same history (the
approach of simonw/llm's `migrations.py`). Append-only: a released migration is never edited,
only followed by a new one. Applied names are recorded in `_migrations`.

Two processes opening a brand-new store do not race: every step runs in a transaction that first
takes a lock — SQLite's write lock (`BEGIN IMMEDIATE`, waiting out the busy timeout) or a PostgreSQL
transaction-level advisory lock — and re-reads `_migrations` under it.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from paperbrief.store.base import SQLITE_BUSY_TIMEOUT_S

# pg_advisory_xact_lock key of paperbrief's migrations ("pbmigrat" as a 63-bit number).
PG_MIGRATION_LOCK = 0x70626D6967726174

Migration = Callable[[Connection], None]


def _m001_initial(conn: Connection) -> None:
    md = sa.MetaData()
    sa.Table(
        "papers",
        md,
        sa.Column("arxiv_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("authors", sa.JSON, nullable=False),
        sa.Column("abstract", sa.Text, nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("primary_category", sa.String(64)),
        sa.Column("published", sa.DateTime(timezone=True)),
        sa.Column("updated", sa.DateTime(timezone=True)),
        sa.Column("comment", sa.Text),
        sa.Column("journal_ref", sa.Text),
        sa.Column("doi", sa.String(255)),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "announcements",
        md,
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("arxiv_id", sa.String(64), primary_key=True),
        sa.Column("category", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("announce_type", sa.String(16), nullable=False),
    )
    sa.Table(
        "summaries",
        md,
        sa.Column("arxiv_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("model", sa.String(128), primary_key=True),
        sa.Column("prompt_version", sa.String(32), primary_key=True),
        sa.Column("language", sa.String(8), primary_key=True),
        sa.Column("backend", sa.String(32), nullable=False),
        sa.Column("tldr", sa.Text),
        sa.Column("motivation", sa.Text),
        sa.Column("method", sa.Text),
        sa.Column("conclusion", sa.Text),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("score", sa.Integer),
        sa.Column("score_reason", sa.Text),
        sa.Column("tokens_in", sa.Integer, nullable=False),
        sa.Column("tokens_out", sa.Integer, nullable=False),
        sa.Column("cost", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "llm_log",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.Integer),
        sa.Column("paper_ids", sa.Text, nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("prompt_version", sa.String(32), nullable=False),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("response", sa.Text),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("tokens_in", sa.Integer, nullable=False),
        sa.Column("tokens_out", sa.Integer, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
    )
    sa.Table(
        "runs",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("summarizer", sa.String(32), nullable=False),
        sa.Column("stats", sa.JSON),
        sa.Column("error", sa.Text),
    )
    sa.Table(
        "digests",
        md,
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("language", sa.String(8), primary_key=True),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "deliveries",
        md,
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("channel", sa.String(255), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    md.create_all(conn)


def _m002_artifacts_reading_list_state(conn: Connection) -> None:
    md = sa.MetaData()
    sa.Table(
        "artifacts",
        md,
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "reading_list",
        md,
        sa.Column("item_id", sa.String(255), primary_key=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("arxiv_id", sa.String(64)),
        sa.Column("added", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "state",
        md,
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    md.create_all(conn)


def _m003_indexes(conn: Connection) -> None:
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_announcements_arxiv_id ON announcements (arxiv_id)")
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_llm_log_created ON llm_log (created)")


def _m004_compressed_digests(conn: Connection) -> None:
    md = sa.MetaData()
    archive = sa.Table(
        "digest_archive",
        md,
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("language", sa.String(8), primary_key=True),
        sa.Column("body_z", sa.LargeBinary, nullable=False),
        sa.Column("entries", sa.Integer, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    index = sa.Table(
        "digest_papers",
        md,
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("language", sa.String(8), primary_key=True),
        sa.Column("arxiv_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    legacy = sa.Table(
        "digests",
        sa.MetaData(),
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("language", sa.String(8), primary_key=True),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    md.create_all(conn)
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_digest_papers_arxiv_id ON digest_papers (arxiv_id)")
    if not sa.inspect(conn).has_table("digests"):
        return
    # A data step on the JSON itself (not through today's `Digest` model): the archive body is the
    # same digest JSON with its entries first, zlib-compressed.
    for row in conn.execute(sa.select(legacy)).all():
        body: dict[str, Any] = dict(row.body)
        entries: list[dict[str, Any]] = list(body.pop("entries", []))
        text = json.dumps({"entries": entries, **body}, ensure_ascii=False, separators=(",", ":"))
        key = {"date": row.date, "language": row.language}
        conn.execute(
            archive.insert().values(
                **key, body_z=zlib.compress(text.encode()), entries=len(entries), updated=row.updated
            )
        )
        published = {e["paper"]["arxiv_id"]: int(e["paper"].get("version", 1)) for e in entries}
        if published:
            conn.execute(index.insert(), [{**key, "arxiv_id": i, "version": v} for i, v in published.items()])
    legacy.drop(conn)


def _m005_run_leases_and_summary_claims(conn: Connection) -> None:
    conn.exec_driver_sql("ALTER TABLE runs ADD COLUMN host VARCHAR(255)")
    conn.exec_driver_sql("ALTER TABLE runs ADD COLUMN pid INTEGER")
    md = sa.MetaData()
    lease_type = sa.DateTime(timezone=True).compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE runs ADD COLUMN lease_until {lease_type}")
    sa.Table(
        "summary_claims",
        md,
        sa.Column("arxiv_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("model", sa.String(128), primary_key=True),
        sa.Column("prompt_version", sa.String(32), primary_key=True),
        sa.Column("language", sa.String(8), primary_key=True),
        sa.Column("run_id", sa.Integer),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed", sa.DateTime(timezone=True)),
    )
    md.create_all(conn)
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_summary_claims_run_id ON summary_claims (run_id)")
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_runs_status ON runs (status)")


def _m006_summary_unsupported_numbers(conn: Connection) -> None:
    # Issue 16: the numbers a summary states that its source does not (a JSON array of strings).
    # Nullable: summaries stored before were never checked and read as [].
    json_type = sa.JSON().compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE summaries ADD COLUMN unsupported_numbers {json_type}")


def _m007_fulltexts(conn: Connection) -> None:
    # Full-text summaries (issue 13): two more fields and where their text came from.
    conn.exec_driver_sql("ALTER TABLE summaries ADD COLUMN experiments TEXT")
    conn.exec_driver_sql("ALTER TABLE summaries ADD COLUMN limitations TEXT")
    conn.exec_driver_sql("ALTER TABLE summaries ADD COLUMN text_source VARCHAR(16)")
    md = sa.MetaData()
    sa.Table(
        "fulltexts",
        md,
        sa.Column("arxiv_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("text_z", sa.LargeBinary),
        sa.Column("notes", sa.JSON, nullable=False),
        sa.Column("figure", sa.LargeBinary),
        sa.Column("figure_type", sa.String(32)),
        sa.Column("figure_width", sa.Integer),
        sa.Column("figure_height", sa.Integer),
        sa.Column("figure_caption", sa.Text),
        sa.Column("fetched", sa.DateTime(timezone=True), nullable=False),
    )
    md.create_all(conn)


def _m008_feedback(conn: Connection) -> None:
    md = sa.MetaData()
    sa.Table(
        "feedback",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("reader", sa.String(128), nullable=False),
        sa.Column("arxiv_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
    )
    sa.Table(
        "reader_models",
        md,
        sa.Column("reader", sa.String(128), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("model", sa.LargeBinary, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    md.create_all(conn)
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_feedback_reader ON feedback (reader, id)")


def _m009_search(conn: Connection) -> None:
    # The full-text index of docs/search.md: one document per arXiv id, written by the store's write
    # path from then on (store/search.py). SQLite: FTS5, porter + unicode61 over CJK-bigram text;
    # PostgreSQL: a weighted tsvector under a GIN index.
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "CREATE TABLE search_docs (doc_id BIGSERIAL PRIMARY KEY, arxiv_id VARCHAR(64) NOT NULL UNIQUE,"
            " version INTEGER NOT NULL, categories TEXT NOT NULL, day DATE, document TSVECTOR NOT NULL)"
        )
        conn.exec_driver_sql("CREATE INDEX ix_search_docs_document ON search_docs USING GIN (document)")
    else:
        conn.exec_driver_sql(
            "CREATE TABLE search_docs (doc_id INTEGER PRIMARY KEY, arxiv_id VARCHAR(64) NOT NULL UNIQUE,"
            " version INTEGER NOT NULL, categories TEXT NOT NULL, day DATE)"
        )
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE search_fts USING fts5(title, authors, abstract, summary, keywords,"
            " tokenize='porter unicode61 remove_diacritics 2')"
        )
    # Data step: index the papers and summaries stored before this migration.
    from paperbrief.store.search_index import build_search_index

    build_search_index(conn)


def _m010_llm_batches(conn: Connection) -> None:
    md = sa.MetaData()
    sa.Table(
        "llm_batches",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.String(128)),
        sa.Column("endpoint", sa.String(255), nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("prompt_version", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("provider_status", sa.String(32)),
        sa.Column("input_file_id", sa.String(128)),
        sa.Column("output_file_id", sa.String(128)),
        sa.Column("error_file_id", sa.String(128)),
        sa.Column("first_day", sa.Date),
        sa.Column("last_day", sa.Date),
        sa.Column("requests", sa.Integer, nullable=False),
        sa.Column("estimated_tokens", sa.Integer, nullable=False),
        sa.Column("estimated_cost", sa.Float),
        sa.Column("error", sa.Text),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "llm_batch_items",
        md,
        sa.Column("batch", sa.Integer, primary_key=True),
        sa.Column("arxiv_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
    )
    md.create_all(conn)
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_llm_batches_state ON llm_batches (state)")
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_llm_batch_items_paper ON llm_batch_items (arxiv_id, version)")


def _m011_reader_digests(conn: Connection) -> None:
    """Digests and reading lists per reader (issue 12 lab mode): `reader` joins their keys, `me` for existing rows."""
    # SQLite cannot alter a primary key: each table is rebuilt as NAME_m011, filled, and renamed.
    md, me = sa.MetaData(), sa.text("'me'")
    rebuilt = [
        sa.Table(
            "digest_archive_m011",
            md,
            sa.Column("reader", sa.String(128), primary_key=True, server_default=me),
            sa.Column("date", sa.Date, primary_key=True),
            sa.Column("language", sa.String(8), primary_key=True),
            sa.Column("body_z", sa.LargeBinary, nullable=False),
            sa.Column("entries", sa.Integer, nullable=False),
            sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        ),
        sa.Table(
            "digest_papers_m011",
            md,
            sa.Column("reader", sa.String(128), primary_key=True, server_default=me),
            sa.Column("date", sa.Date, primary_key=True),
            sa.Column("language", sa.String(8), primary_key=True),
            sa.Column("arxiv_id", sa.String(64), primary_key=True),
            sa.Column("version", sa.Integer, nullable=False),
        ),
        sa.Table(
            "reading_list_m011",
            md,
            sa.Column("reader", sa.String(128), primary_key=True, server_default=me),
            sa.Column("item_id", sa.String(255), primary_key=True),
            sa.Column("source", sa.String(32), nullable=False),
            sa.Column("title", sa.Text, nullable=False),
            sa.Column("text", sa.Text, nullable=False),
            sa.Column("arxiv_id", sa.String(64)),
            sa.Column("added", sa.DateTime(timezone=True), nullable=False),
        ),
    ]
    md.create_all(conn)
    for table in rebuilt:
        old = table.name.removesuffix("_m011")
        columns = ", ".join(c.name for c in table.columns if c.name != "reader")
        conn.exec_driver_sql(f"INSERT INTO {table.name} (reader, {columns}) SELECT 'me', {columns} FROM {old}")
        conn.exec_driver_sql(f"DROP TABLE {old}")
        conn.exec_driver_sql(f"ALTER TABLE {table.name} RENAME TO {old}")
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_digest_papers_arxiv_id ON digest_papers (arxiv_id)")
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_digest_papers_reader_date ON digest_papers (reader, date)")


MIGRATIONS: list[tuple[str, Migration]] = [
    ("m001_initial", _m001_initial),
    ("m002_artifacts_reading_list_state", _m002_artifacts_reading_list_state),
    ("m003_indexes", _m003_indexes),
    ("m004_compressed_digests", _m004_compressed_digests),
    ("m005_run_leases_and_summary_claims", _m005_run_leases_and_summary_claims),
    ("m006_summary_unsupported_numbers", _m006_summary_unsupported_numbers),
    ("m007_fulltexts", _m007_fulltexts),
    ("m008_feedback", _m008_feedback),
    ("m009_search", _m009_search),
    ("m010_llm_batches", _m010_llm_batches),
    ("m011_reader_digests", _m011_reader_digests),
]

_ledger = sa.Table(
    "_migrations",
    sa.MetaData(),
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("applied", sa.DateTime(timezone=True), nullable=False),
)


def applied_migrations(conn: Connection) -> list[str]:
    """Names recorded in `_migrations` (none when the table does not exist yet)."""
    if not sa.inspect(conn).has_table("_migrations"):
        return []
    return sorted(conn.execute(sa.select(_ledger.c.name)).scalars())


def pending_migrations(engine: Engine) -> list[str]:
    """Names not yet applied, read without taking any lock (a read-only store can answer)."""
    with engine.connect() as conn:
        done = set(applied_migrations(conn))
    return [name for name, _ in MIGRATIONS if name not in done]


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the migration lock from its first statement."""
    if engine.dialect.name == "sqlite":
        with engine.execution_options(sqlite_immediate=True).begin() as conn:
            yield conn
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
        yield conn


def migrate(engine: Engine, *, until: str | None = None) -> list[str]:
    """Apply pending migrations in order (up to and including `until`); returns the names applied now.

    One transaction per migration, each under the lock and re-checking what is applied, so a second
    process waits and then finds nothing left to do.
    """
    names = [name for name, _ in MIGRATIONS]
    last = names.index(until) if until is not None else len(names) - 1
    wanted = MIGRATIONS[: last + 1]
    if not [n for n in pending_migrations(engine) if n in dict(wanted)]:
        return []
    applied_now: list[str] = []
    for name, step in wanted:
        if _apply_locked(engine, name, step):
            applied_now.append(name)
    return applied_now


def _apply_locked(engine: Engine, name: str, step: Migration) -> bool:
    """Apply one migration under the lock unless it is recorded; whether it was applied now.

    SQLite answers some lock conflicts at once, without its busy handler (e.g. while another
    process is switching a brand-new file to WAL): such a "database is locked" is retried for as
    long as the busy timeout would have waited.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            with _locked(engine) as conn:
                _ledger.create(conn, checkfirst=True)
                if name in applied_migrations(conn):
                    return False
                step(conn)
                conn.execute(_ledger.insert().values(name=name, applied=dt.datetime.now(dt.UTC)))
                return True
        except sa.exc.OperationalError as exc:
            locked = engine.dialect.name == "sqlite" and "database is locked" in str(exc)
            if not locked or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
