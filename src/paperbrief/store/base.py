"""What every part of the store shares: the engine, transactions, upserts and the store's edge rules.

Edge rules: text is cleaned of characters XML 1.0 and PostgreSQL forbid before it is written
(`paperbrief.text.clean_text`), timestamps are UTC, and every driver failure while writing surfaces
as one one-line `StoreError` (a full disk included) so the caller can stop.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from paperbrief.redact import mask_text
from paperbrief.text import clean_text, has_forbidden_chars, one_line

# SQLite waits this long for another process's write lock before giving up (PRAGMA busy_timeout).
SQLITE_BUSY_TIMEOUT_S = 60.0


class StoreError(Exception):
    """The store cannot be opened or written; the message says why in one line."""


def sqlite_url(path: Path) -> str:
    """SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def now() -> dt.datetime:
    """The current time in UTC (every stored timestamp is UTC)."""
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored timestamp as an aware UTC datetime (SQLite hands back naive ones)."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def clean(value: Any) -> Any:
    """`value` with `clean_text` applied to every string inside it (lists and dicts included)."""
    if value is None:
        return None
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, Mapping):
        return {k: clean(v) for k, v in value.items()}
    return value


def clean_strings(values: Sequence[str]) -> list[str]:
    """`clean` of a list of strings (authors, keywords), with one scan when none needs it."""
    if not has_forbidden_chars("\n".join(values)):
        return list(values)
    return [clean_text(v) for v in values]


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """`items` in slices of at most `size` (keeps `IN (…)` lists under driver limits)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def is_read_only_file(path: Path) -> bool:
    """Whether an existing SQLite file (or its folder, where SQLite keeps the WAL) cannot be written."""
    if not path.exists():
        return False
    return not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK)


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine for `url`; SQLite in WAL mode, writers take the lock up front (`BEGIN IMMEDIATE`)."""
    if not url.startswith("sqlite"):
        return sa.create_engine(url, future=True, pool_pre_ping=True)
    path = sqlite_path(url)
    connect_args: dict[str, Any] = {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
    if read_only and path is not None:
        # immutable=1 when even the folder is read-only: SQLite could not create the -shm file there.
        flags = "mode=ro" if os.access(path.parent, os.W_OK) else "mode=ro&immutable=1"
        url = f"sqlite:///file:{path}?{flags}&uri=true"
    engine = sa.create_engine(url, connect_args=connect_args, future=True)
    sa.event.listen(engine, "connect", _sqlite_on_connect if not read_only else _sqlite_on_connect_read_only)
    sa.event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # The driver must not open transactions on its own: `_sqlite_on_begin` does, so that a
    # writer can say BEGIN IMMEDIATE (recipe from SQLAlchemy's SQLite dialect documentation).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    # WAL lets a reader (e.g. `paperbrief serve`) work while a run writes.
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    # Switching a new file to WAL needs an exclusive lock and SQLite reports "database is locked"
    # at once (no busy handler) while another process holds any lock on it: two processes opening
    # a brand-new store hit this. Retry within the busy timeout.
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_on_connect_read_only(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None


def _sqlite_on_begin(conn: Connection) -> None:
    # A writer takes the write lock before its first read, so two writers queue on the busy
    # timeout instead of one failing with "database is locked" when it upgrades a read lock.
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def write_error(exc: BaseException) -> StoreError:
    """A one-line `StoreError` for a failed write (full disk, read-only file, lost server …)."""
    return StoreError(f"database write failed: {mask_text(one_line(exc))}")


class StoreBase:
    """The engine and the transaction helpers every part of the store builds on."""

    engine: Engine
    read_only: bool
    # How long a run (and its claims) counts as alive after its last sign of life.
    lease: dt.timedelta

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql` (or another SQLAlchemy dialect name)."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One atomic unit of work: committed on success, rolled back on any exception.

        On SQLite it holds the write lock from its start. Driver failures of the database itself
        (disk full, read-only, locked past the busy timeout) become a one-line `StoreError`.
        """
        engine = self.engine.execution_options(sqlite_immediate=True) if self.dialect == "sqlite" else self.engine
        try:
            with engine.begin() as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            raise write_error(exc) from exc

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads; a failing database becomes a one-line `StoreError`."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            raise StoreError(f"database read failed: {mask_text(one_line(exc))}") from exc

    @staticmethod
    def upsert(conn: Connection, table: sa.Table, rows: list[dict[str, Any]], keys: list[str]) -> int:
        """Insert `rows`, updating the non-key columns of rows whose `keys` already exist."""
        dialect = conn.dialect.name
        if dialect in ("sqlite", "postgresql"):
            from sqlalchemy.dialects import postgresql, sqlite

            insert_fn = sqlite.insert if dialect == "sqlite" else postgresql.insert
            stmt: Any = insert_fn(table)
            update_cols = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
            stmt = stmt.on_conflict_do_update(index_elements=keys, set_=update_cols)
            execute_many(conn, stmt, rows)  # SQLite's fast path; PostgreSQL's driver takes the ordinary one
            return len(rows)
        for row in rows:  # portable fallback for other dialects
            cond = sa.and_(*[table.c[k] == row[k] for k in keys])
            if conn.execute(sa.select(sa.func.count()).select_from(table).where(cond)).scalar_one():
                conn.execute(table.update().where(cond).values(**row))
            else:
                conn.execute(table.insert().values(**row))
        return len(rows)


def execute_many(
    conn: Connection, statement: sa.Insert | sa.Update | sa.TextClause, rows: Sequence[Mapping[str, Any]]
) -> None:
    """`conn.execute(statement, rows)` for many rows, on drivers with positional parameters (SQLite).

    Each value goes through the bind processor SQLAlchemy itself would apply (the column type's
    implementation for this dialect), so the stored values are the same; what is skipped is the
    per-row parameter machinery, ~10 µs a row (issue 15: 10,000 papers, summaries and announcement
    rows a day). Other drivers, and statements with parameters the rows do not carry, take the
    ordinary path.
    """
    if not rows:
        return
    compiled = statement.compile(dialect=conn.dialect)
    names = compiled.positiontup
    if (
        not compiled.positional
        or names is None
        or any(n not in rows[0] or compiled.binds[n].expanding for n in names)
        or "POSTCOMPILE" in compiled.string
    ):
        conn.execute(statement, list(rows))
        return
    dialect = conn.dialect
    processors = [compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
    for chunk in chunks(rows, 1000):  # converted values of at most 1,000 rows exist at once
        columns = []  # column by column: one map() per processed column instead of a call per value
        for name, processor in zip(names, processors, strict=True):
            values = [r[name] for r in chunk]
            columns.append(values if processor is None else list(map(processor, values)))
        conn.exec_driver_sql(compiled.string, list(zip(*columns, strict=True)))
