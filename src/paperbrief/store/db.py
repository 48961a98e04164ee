"""All database I/O of paperbrief: one SQLAlchemy 2 store, SQLite (WAL) by default.

Every write goes through a transaction (`engine.begin()`), so a crash or Ctrl-C leaves either the
whole unit of work or none of it. Schema changes are named migrations, applied in order and
recorded in `_migrations` (the approach of simonw/llm's `migrations.py`).
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from paperbrief.models import (
    AnnounceType,
    DeliveryStatus,
    Digest,
    Paper,
    RunStatus,
    Summary,
    SummaryStatus,
)


class StoreError(Exception):
    """The store cannot be opened or written; the message says why in one line."""


metadata = sa.MetaData()

papers = sa.Table(
    "papers",
    metadata,
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

announcements = sa.Table(
    "announcements",
    metadata,
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("arxiv_id", sa.String(64), primary_key=True),
    sa.Column("category", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("announce_type", sa.String(16), nullable=False),
)

summaries = sa.Table(
    "summaries",
    metadata,
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
    sa.Column("tokens_in", sa.Integer, nullable=False, default=0),
    sa.Column("tokens_out", sa.Integer, nullable=False, default=0),
    sa.Column("cost", sa.Float, nullable=False, default=0.0),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
)

llm_log = sa.Table(
    "llm_log",
    metadata,
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
    sa.Column("tokens_in", sa.Integer, nullable=False, default=0),
    sa.Column("tokens_out", sa.Integer, nullable=False, default=0),
    sa.Column("latency_ms", sa.Float, nullable=False, default=0.0),
)

runs = sa.Table(
    "runs",
    metadata,
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

# m001's uncompressed digest table, replaced by `digest_archive` in m004 (kept for the migration only).
_legacy_metadata = sa.MetaData()
_legacy_digests = sa.Table(
    "digests",
    _legacy_metadata,
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("language", sa.String(8), primary_key=True),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
)

# One row per day and language: the digest as zlib-compressed JSON. Compressed because a day is
# rebuilt from it for the site and e-mail, and a 10,000-paper day as a JSON column cost ~120 MB.
digest_archive = sa.Table(
    "digest_archive",
    metadata,
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("language", sa.String(8), primary_key=True),
    sa.Column("body_z", sa.LargeBinary, nullable=False),
    sa.Column("entries", sa.Integer, nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
)

# Which paper versions each digest published: "not repeated across days" without reading bodies.
digest_papers = sa.Table(
    "digest_papers",
    metadata,
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("language", sa.String(8), primary_key=True),
    sa.Column("arxiv_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("channel", sa.String(255), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.Text),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
)

artifacts = sa.Table(
    "artifacts",
    metadata,
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
)

reading_list = sa.Table(
    "reading_list",
    metadata,
    sa.Column("item_id", sa.String(255), primary_key=True),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("arxiv_id", sa.String(64)),
    sa.Column("added", sa.DateTime(timezone=True), nullable=False),
)

state = sa.Table(
    "state",
    metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
)

_migrations_table = sa.Table(
    "_migrations",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("applied", sa.DateTime(timezone=True), nullable=False),
)


def _m001_initial(conn: Connection) -> None:
    for table in (papers, announcements, summaries, llm_log, runs, _legacy_digests, deliveries):
        table.create(conn, checkfirst=True)


def _m002_artifacts_reading_list_state(conn: Connection) -> None:
    for table in (artifacts, reading_list, state):
        table.create(conn, checkfirst=True)


def _m003_indexes(conn: Connection) -> None:
    # Plain DDL, not sa.Index(...): an Index object would attach itself to the Table and be
    # created again by m001 on the next fresh database.
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_announcements_arxiv_id ON announcements (arxiv_id)")
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_llm_log_created ON llm_log (created)")


def _m004_compressed_digests(conn: Connection) -> None:
    digest_archive.create(conn, checkfirst=True)
    digest_papers.create(conn, checkfirst=True)
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_digest_papers_arxiv_id ON digest_papers (arxiv_id)")
    if not sa.inspect(conn).has_table("digests"):
        return
    for row in conn.execute(sa.select(_legacy_digests)):
        digest = Digest.model_validate(row.body)
        _write_digest(conn, digest, row.updated)
    _legacy_digests.drop(conn)


def add_column_if_missing(conn: Connection, table: str, column: str, ddl_type: str) -> None:
    """For later migrations: `ALTER TABLE … ADD COLUMN` unless m001 (built from today's tables) made it."""
    existing = {c["name"] for c in sa.inspect(conn).get_columns(table)}
    if column not in existing:
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {ddl_type}")


# Append-only: a released migration is never edited, only followed by a new one. m001/m002 create
# tables from the current Table objects, so a later migration that adds a column to an existing
# table must use `add_column_if_missing` (a fresh database already has it).
MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("m001_initial", _m001_initial),
    ("m002_artifacts_reading_list_state", _m002_artifacts_reading_list_state),
    ("m003_indexes", _m003_indexes),
    ("m004_compressed_digests", _m004_compressed_digests),
]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; every timestamp we store is UTC.
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def sqlite_url(path: Path) -> str:
    """SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


class Store:
    """The paperbrief database: papers, announcements, summaries (the LLM cache), runs, deliveries."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        is_sqlite = url.startswith("sqlite")
        connect_args: dict[str, Any] = {"timeout": 30} if is_sqlite else {}
        self.engine: Engine = sa.create_engine(url, connect_args=connect_args, future=True)
        if is_sqlite:
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        if migrate:
            self.migrate()

    @classmethod
    def open(cls, url: str) -> Store:
        """Open (and migrate) a store, turning driver errors into one-line `StoreError`s."""
        try:
            return cls(url)
        except sa.exc.DatabaseError as exc:
            raise StoreError(f"cannot open database {_redact_url(url)}: {_first_line(exc)}") from exc
        except sa.exc.NoSuchModuleError as exc:
            raise StoreError(f"unsupported database URL {_redact_url(url)}: {_first_line(exc)}") from exc
        except sa.exc.ArgumentError as exc:
            raise StoreError(f"bad database URL {_redact_url(url)}: {_first_line(exc)}") from exc
        except ImportError as exc:
            hint = " (pip install 'paperbrief[postgres]')" if url.startswith("postgres") else ""
            raise StoreError(f"the driver for {_redact_url(url)} is not installed: {exc.name or exc}{hint}") from exc

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One atomic unit of work: committed on success, rolled back on any exception."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            raise StoreError(f"database write failed: {_first_line(exc)}") from exc

    # --- migrations -------------------------------------------------------------------------

    def migrate(self) -> list[str]:
        """Apply pending named migrations; returns the names applied now."""
        applied_now: list[str] = []
        with self.engine.begin() as conn:
            _migrations_table.create(conn, checkfirst=True)
            done = set(conn.execute(sa.select(_migrations_table.c.name)).scalars())
        for name, step in MIGRATIONS:
            if name in done:
                continue
            with self.engine.begin() as conn:
                step(conn)
                conn.execute(_migrations_table.insert().values(name=name, applied=_now()))
            applied_now.append(name)
        return applied_now

    def applied_migrations(self) -> list[str]:
        """Names of the migrations recorded in this database."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(_migrations_table.c.name).order_by(_migrations_table.c.name))
            return list(rows.scalars())

    # --- papers and announcements -----------------------------------------------------------

    def upsert_papers(self, items: Iterable[Paper], conn: Connection | None = None) -> int:
        """Insert or update papers (keyed by id and version); returns how many were written."""
        rows = [_paper_row(p) for p in items]
        if not rows:
            return 0
        if conn is None:
            with self.transaction() as own:
                return self._upsert(own, papers, rows, ["arxiv_id", "version"])
        return self._upsert(conn, papers, rows, ["arxiv_id", "version"])

    def get_papers(self, ids: Sequence[tuple[str, int]]) -> dict[tuple[str, int], Paper]:
        """Papers by (id, version)."""
        found: dict[tuple[str, int], Paper] = {}
        wanted = set(ids)
        if not wanted:
            return found
        bare = sorted({i for i, _ in wanted})
        with self.engine.connect() as conn:
            for chunk in _chunks(bare, 500):
                for row in conn.execute(sa.select(papers).where(papers.c.arxiv_id.in_(chunk))):
                    key = (row.arxiv_id, row.version)
                    if key in wanted:
                        found[key] = _paper_from_row(row)
        return found

    def latest_papers(self, arxiv_ids: Sequence[str]) -> dict[str, Paper]:
        """The highest stored version of each id."""
        found: dict[str, Paper] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(arxiv_ids)), 500):
                for row in conn.execute(sa.select(papers).where(papers.c.arxiv_id.in_(chunk))):
                    if row.arxiv_id not in found or found[row.arxiv_id].version < row.version:
                        found[row.arxiv_id] = _paper_from_row(row)
        return found

    def record_announcement(self, date: dt.date, items: Sequence[Paper]) -> int:
        """Store a day's papers and their announcement rows in one transaction.

        One row per (date, paper, category): a paper listed in three categories is counted in each,
        which is what lets the digest compare announced and fetched counts per category.
        """
        with self.transaction() as conn:
            self.upsert_papers(items, conn)
            rows = []
            for paper in items:
                kind = paper.announce_type or AnnounceType.NEW
                for category in paper.categories or [paper.primary]:
                    rows.append(
                        {
                            "date": date,
                            "arxiv_id": paper.arxiv_id,
                            "category": category,
                            "version": paper.version,
                            "announce_type": str(kind),
                        }
                    )
            if rows:
                self._upsert(conn, announcements, rows, ["date", "arxiv_id", "category"])
            return len(rows)

    def announced_papers(self, date: dt.date) -> list[Paper]:
        """The papers announced on `date`, one per id, with their announce type and date set."""
        query = (
            sa.select(papers, announcements.c.announce_type)
            .join(
                announcements,
                sa.and_(
                    announcements.c.arxiv_id == papers.c.arxiv_id,
                    announcements.c.version == papers.c.version,
                ),
            )
            .where(announcements.c.date == date)
        )
        seen: dict[str, Paper] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                if row.arxiv_id in seen:
                    continue
                paper = _paper_from_row(row)
                paper.announce_type = AnnounceType(row.announce_type)
                paper.announced = date
                seen[row.arxiv_id] = paper
        return sorted(seen.values(), key=lambda p: p.arxiv_id, reverse=True)

    def announcement_dates(self, arxiv_id: str) -> list[tuple[dt.date, int, AnnounceType]]:
        """Every (date, version, type) on which a paper was announced, oldest first."""
        query = (
            sa.select(announcements.c.date, announcements.c.version, announcements.c.announce_type)
            .where(announcements.c.arxiv_id == arxiv_id)
            .distinct()
            .order_by(announcements.c.date)
        )
        with self.engine.connect() as conn:
            return [(r.date, r.version, AnnounceType(r.announce_type)) for r in conn.execute(query)]

    def published_before(self, date: dt.date, arxiv_ids: Sequence[str]) -> dict[str, int]:
        """Highest version of each id that appeared in a stored digest dated before `date`."""
        out: dict[str, int] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(arxiv_ids)), 500):
                query = (
                    sa.select(digest_papers.c.arxiv_id, sa.func.max(digest_papers.c.version))
                    .where(digest_papers.c.date < date, digest_papers.c.arxiv_id.in_(chunk))
                    .group_by(digest_papers.c.arxiv_id)
                )
                out.update({arxiv_id: int(version) for arxiv_id, version in conn.execute(query)})
        return out

    # --- summaries (the LLM cache) ----------------------------------------------------------

    def get_summaries(
        self,
        keys: Sequence[tuple[str, int]],
        *,
        model: str,
        prompt_version: str,
        language: str,
        include_failed: bool = False,
    ) -> dict[tuple[str, int], Summary]:
        """Cached summaries for (id, version) keys under one model, prompt version and language."""
        wanted = set(keys)
        found: dict[tuple[str, int], Summary] = {}
        if not wanted:
            return found
        bare = sorted({i for i, _ in wanted})
        with self.engine.connect() as conn:
            for chunk in _chunks(bare, 500):
                query = sa.select(summaries).where(
                    summaries.c.arxiv_id.in_(chunk),
                    summaries.c.model == model,
                    summaries.c.prompt_version == prompt_version,
                    summaries.c.language == language,
                )
                for row in conn.execute(query):
                    key = (row.arxiv_id, row.version)
                    if key not in wanted:
                        continue
                    summary = _summary_from_row(row)
                    if include_failed or summary.status in (SummaryStatus.OK, SummaryStatus.EXTRACTIVE):
                        found[key] = summary
        return found

    def put_summary(self, summary: Summary) -> None:
        """Store one summary at once, in its own transaction, so nothing paid for is lost."""
        self.put_summaries([summary])

    def put_summaries(self, items: Sequence[Summary]) -> None:
        """Store summaries atomically. A failure never overwrites a good cached answer."""
        rows = [_summary_row(s) for s in items]
        if not rows:
            return
        with self.transaction() as conn:
            good = [r for r in rows if r["status"] in (SummaryStatus.OK, SummaryStatus.EXTRACTIVE)]
            bad = [r for r in rows if r not in good]
            if good:
                self._upsert(conn, summaries, good, ["arxiv_id", "version", "model", "prompt_version", "language"])
            for row in bad:
                existing = conn.execute(
                    sa.select(summaries.c.status).where(
                        summaries.c.arxiv_id == row["arxiv_id"],
                        summaries.c.version == row["version"],
                        summaries.c.model == row["model"],
                        summaries.c.prompt_version == row["prompt_version"],
                        summaries.c.language == row["language"],
                    )
                ).scalar()
                if existing in (SummaryStatus.OK, SummaryStatus.EXTRACTIVE):
                    continue
                self._upsert(conn, summaries, [row], ["arxiv_id", "version", "model", "prompt_version", "language"])

    def count_summaries(self) -> int:
        """How many summaries (of any status) are stored."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(summaries)).scalar_one())

    # --- LLM log ----------------------------------------------------------------------------

    def log_llm_call(
        self,
        *,
        paper_ids: Sequence[str],
        model: str,
        prompt_version: str,
        prompt: str,
        response: str | None,
        status: str,
        error: str | None = None,
        tokens_in: int = 0,
        tokens_out: int = 0,
        latency_ms: float = 0.0,
        run_id: int | None = None,
    ) -> int:
        """Record one prompt and its response (like `llm logs`); returns the log id."""
        with self.transaction() as conn:
            result = conn.execute(
                llm_log.insert().values(
                    created=_now(),
                    run_id=run_id,
                    paper_ids=",".join(paper_ids),
                    model=model,
                    prompt_version=prompt_version,
                    prompt=prompt,
                    response=response,
                    status=status,
                    error=error,
                    tokens_in=tokens_in,
                    tokens_out=tokens_out,
                    latency_ms=latency_ms,
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def recent_llm_calls(self, limit: int = 10) -> list[dict[str, Any]]:
        """The newest LLM log rows, newest first."""
        query = sa.select(llm_log).order_by(llm_log.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def count_llm_calls(self, run_id: int | None = None) -> int:
        """How many LLM calls are logged (for one run, or in all)."""
        query = sa.select(sa.func.count()).select_from(llm_log)
        if run_id is not None:
            query = query.where(llm_log.c.run_id == run_id)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    # --- runs -------------------------------------------------------------------------------

    def start_run(self, date: dt.date, *, source: str, summarizer: str) -> int:
        """Open a run row; returns its id."""
        with self.transaction() as conn:
            result = conn.execute(
                runs.insert().values(
                    date=date,
                    started=_now(),
                    status=str(RunStatus.RUNNING),
                    source=source,
                    summarizer=summarizer,
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def finish_run(
        self,
        run_id: int,
        status: RunStatus,
        *,
        stats: dict[str, Any] | None = None,
        error: str | None = None,
        date: dt.date | None = None,
    ) -> None:
        """Close a run row with its outcome (and the day it turned out to be about, once known)."""
        values: dict[str, Any] = {"finished": _now(), "status": str(status), "stats": stats, "error": error}
        if date is not None:
            values["date"] = date
        with self.transaction() as conn:
            conn.execute(runs.update().where(runs.c.id == run_id).values(**values))

    def list_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest runs, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(runs).order_by(runs.c.id.desc()).limit(limit))
            return [dict(r._mapping) for r in rows]

    # --- digests ----------------------------------------------------------------------------

    def save_digest(self, digest: Digest) -> None:
        """Store the digest of a day (replacing an earlier one of the same day and language)."""
        with self.transaction() as conn:
            _write_digest(conn, digest, _now())

    def load_digest(
        self, date: dt.date, language: str | None = None, prefer_language: str | None = None
    ) -> Digest | None:
        """The stored digest of a day (only in `language` if given; in `prefer_language` if stored so), or None."""
        query = sa.select(digest_archive.c.body_z).where(digest_archive.c.date == date)
        if language:
            query = query.where(digest_archive.c.language == language)
        order: list[sa.ColumnElement[Any]] = []
        if prefer_language:
            # One query: the preferred language sorts first, then the most recently written.
            order.append(sa.case((digest_archive.c.language == prefer_language, 0), else_=1))
        order.append(digest_archive.c.updated.desc())
        with self.engine.connect() as conn:
            body = conn.execute(query.order_by(*order).limit(1)).scalar()
        return Digest.model_validate_json(zlib.decompress(body)) if body is not None else None

    def digest_dates(self) -> list[dt.date]:
        """Dates that have a stored digest, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(digest_archive.c.date).distinct().order_by(digest_archive.c.date.desc()))
            return list(rows.scalars())

    # --- deliveries -------------------------------------------------------------------------

    def delivery_status(self, date: dt.date, channel: str) -> DeliveryStatus | None:
        """Whether a day was already sent over a channel."""
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(deliveries.c.status).where(deliveries.c.date == date, deliveries.c.channel == channel)
            ).scalar()
        return DeliveryStatus(value) if value else None

    def record_delivery(self, date: dt.date, channel: str, status: DeliveryStatus, error: str | None = None) -> None:
        """Record one delivery attempt (sent or failed) for a day and channel."""
        with self.transaction() as conn:
            attempts = conn.execute(
                sa.select(deliveries.c.attempts).where(deliveries.c.date == date, deliveries.c.channel == channel)
            ).scalar()
            self._upsert(
                conn,
                deliveries,
                [
                    {
                        "date": date,
                        "channel": channel,
                        "status": str(status),
                        "attempts": (attempts or 0) + 1,
                        "last_error": error,
                        "updated": _now(),
                    }
                ],
                ["date", "channel"],
            )

    def list_deliveries(self, date: dt.date | None = None) -> list[dict[str, Any]]:
        """Delivery rows, optionally for one day."""
        query = sa.select(deliveries).order_by(deliveries.c.date.desc(), deliveries.c.channel)
        if date is not None:
            query = query.where(deliveries.c.date == date)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    # --- artifacts (highlights and other cached derived values) ------------------------------

    def get_artifact(self, kind: str, key: str) -> Any | None:
        """A cached derived value, e.g. a day's highlights."""
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(artifacts.c.value).where(artifacts.c.kind == kind, artifacts.c.key == key)
            ).scalar()

    def put_artifact(self, kind: str, key: str, value: Any) -> None:
        """Cache a derived value."""
        with self.transaction() as conn:
            self._upsert(
                conn, artifacts, [{"kind": kind, "key": key, "value": value, "created": _now()}], ["kind", "key"]
            )

    # --- reading list -----------------------------------------------------------------------

    def add_reading_items(self, items: Sequence[dict[str, Any]]) -> int:
        """Add or update reading-list items (`item_id`, `source`, `title`, `text`, `arxiv_id`)."""
        rows = [{**item, "added": _now()} for item in items]
        if not rows:
            return 0
        with self.transaction() as conn:
            return self._upsert(conn, reading_list, rows, ["item_id"])

    def reading_items(self) -> list[dict[str, Any]]:
        """Every reading-list item."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(reading_list).order_by(reading_list.c.item_id))
            return [dict(r._mapping) for r in rows]

    # --- key/value state (e.g. an OAI-PMH resumption token) -----------------------------------

    def get_state(self, key: str) -> str | None:
        """A persisted value, or None."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(state.c.value).where(state.c.key == key)).scalar()

    def set_state(self, key: str, value: str | None) -> None:
        """Persist (or with None, forget) a value."""
        with self.transaction() as conn:
            if value is None:
                conn.execute(state.delete().where(state.c.key == key))
            else:
                self._upsert(conn, state, [{"key": key, "value": value, "updated": _now()}], ["key"])

    # --- announcement days (selection's `explain`) ---------------------------------------------

    def announced_days(self) -> list[dt.date]:
        """Dates with a stored announcement, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(announcements.c.date).distinct().order_by(announcements.c.date.desc()))
            return list(rows.scalars())

    # --- helpers ----------------------------------------------------------------------------

    def table_counts(self) -> dict[str, int]:
        """Row count of every table (for diagnostics and tests)."""
        with self.engine.connect() as conn:
            return {
                t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                for t in metadata.sorted_tables
            }

    def _upsert(self, conn: Connection, table: sa.Table, rows: list[dict[str, Any]], keys: list[str]) -> int:
        dialect = conn.dialect.name
        if dialect in ("sqlite", "postgresql"):
            from sqlalchemy.dialects import postgresql, sqlite

            insert_fn = sqlite.insert if dialect == "sqlite" else postgresql.insert
            stmt: Any = insert_fn(table)
            update_cols = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
            stmt = stmt.on_conflict_do_update(index_elements=keys, set_=update_cols)
            for chunk in _chunks(rows, 500):
                conn.execute(stmt, chunk)
            return len(rows)
        for row in rows:  # portable fallback for other dialects
            cond = sa.and_(*[table.c[k] == row[k] for k in keys])
            if conn.execute(sa.select(sa.func.count()).select_from(table).where(cond)).scalar_one():
                conn.execute(table.update().where(cond).values(**row))
            else:
                conn.execute(table.insert().values(**row))
        return len(rows)


def _write_digest(conn: Connection, digest: Digest, updated: dt.datetime) -> None:
    body = _compress_digest(digest)
    key = {"date": digest.date, "language": digest.language}
    conn.execute(
        digest_archive.delete().where(
            digest_archive.c.date == digest.date, digest_archive.c.language == digest.language
        )
    )
    conn.execute(digest_archive.insert().values(**key, body_z=body, entries=len(digest.entries), updated=updated))
    conn.execute(
        digest_papers.delete().where(digest_papers.c.date == digest.date, digest_papers.c.language == digest.language)
    )
    rows = [{**key, "arxiv_id": e.paper.arxiv_id, "version": e.paper.version} for e in digest.entries]
    for chunk in _chunks(rows, 500):
        conn.execute(digest_papers.insert(), list(chunk))


def _compress_digest(digest: Digest) -> bytes:
    """The digest's JSON, zlib-compressed entry by entry: a 10,000-paper day never exists as one string."""
    packer = zlib.compressobj(6)
    head = digest.__pydantic_serializer__.to_json(digest, exclude={"entries"})
    parts = [packer.compress(b'{"entries":[')]
    for index, entry in enumerate(digest.entries):
        if index:
            parts.append(packer.compress(b","))
        parts.append(packer.compress(entry.__pydantic_serializer__.to_json(entry)))
    parts.append(packer.compress(b"]," + head[1:]))  # head is '{"date":…}': never empty
    parts.append(packer.flush())
    return b"".join(parts)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    # WAL lets a reader (e.g. `paperbrief serve`) work while a run writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _redact_url(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparseable URL>"


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _paper_row(paper: Paper) -> dict[str, Any]:
    return {
        "arxiv_id": paper.arxiv_id,
        "version": paper.version,
        "title": paper.title,
        "authors": list(paper.authors),
        "abstract": paper.abstract,
        "categories": list(paper.categories),
        "primary_category": paper.primary_category,
        "published": paper.published,
        "updated": paper.updated,
        "comment": paper.comment,
        "journal_ref": paper.journal_ref,
        "doi": paper.doi,
        "stored_at": _now(),
    }


def _paper_from_row(row: Any) -> Paper:
    return Paper(
        arxiv_id=row.arxiv_id,
        version=row.version,
        title=row.title,
        authors=list(row.authors),
        abstract=row.abstract,
        categories=list(row.categories),
        primary_category=row.primary_category,
        published=_as_utc(row.published),
        updated=_as_utc(row.updated),
        comment=row.comment,
        journal_ref=row.journal_ref,
        doi=row.doi,
    )


def _summary_row(summary: Summary) -> dict[str, Any]:
    return {
        "arxiv_id": summary.arxiv_id,
        "version": summary.version,
        "model": summary.model,
        "prompt_version": summary.prompt_version,
        "language": summary.language,
        "backend": summary.backend,
        "tldr": summary.tldr,
        "motivation": summary.motivation,
        "method": summary.method,
        "conclusion": summary.conclusion,
        "keywords": list(summary.keywords),
        "score": summary.score,
        "score_reason": summary.score_reason,
        "tokens_in": summary.tokens_in,
        "tokens_out": summary.tokens_out,
        "cost": summary.cost,
        "status": str(summary.status),
        "error": summary.error,
        "created": summary.created or _now(),
    }


def _summary_from_row(row: Any) -> Summary:
    return Summary(
        arxiv_id=row.arxiv_id,
        version=row.version,
        tldr=row.tldr,
        motivation=row.motivation,
        method=row.method,
        conclusion=row.conclusion,
        keywords=list(row.keywords),
        score=row.score,
        score_reason=row.score_reason,
        language=row.language,
        backend=row.backend,
        model=row.model,
        prompt_version=row.prompt_version,
        tokens_in=row.tokens_in,
        tokens_out=row.tokens_out,
        cost=row.cost,
        status=SummaryStatus(row.status),
        error=row.error,
        created=_as_utc(row.created),
    )
