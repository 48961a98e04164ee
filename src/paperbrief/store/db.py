"""The `Store` facade: one object over the store's parts, SQLite (WAL) by default, PostgreSQL too.

Every write goes through a transaction, so a crash or Ctrl-C leaves either the whole unit of work
or none of it. The parts live by aggregate: papers and announcements (`papers.py`), summaries and
the LLM log (`summaries.py`), claims (`claims.py`), runs (`runs.py`), digests (`digests.py`),
deliveries (`deliveries.py`), reader data (`reader.py`); the schema in `schema.py`, its history
in `migrations.py`.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from paperbrief.redact import mask_text, mask_url
from paperbrief.store import migrations
from paperbrief.store.base import (
    StoreError,
    is_read_only_file,
    make_engine,
    sqlite_path,
    sqlite_url,
)
from paperbrief.store.batches import BatchesStore
from paperbrief.store.claims import ClaimsStore
from paperbrief.store.deliveries import DeliveriesStore
from paperbrief.store.digests import DigestsStore
from paperbrief.store.feedback import FeedbackStore
from paperbrief.store.fulltexts import FullTextRecord, FullTextsStore
from paperbrief.store.migrations import MIGRATIONS
from paperbrief.store.papers import PapersStore
from paperbrief.store.reader import ReaderStore
from paperbrief.store.readers import ReadersStore
from paperbrief.store.runs import RunsStore
from paperbrief.store.schema import metadata
from paperbrief.store.search import SearchStore
from paperbrief.text import one_line

__all__ = ["MIGRATIONS", "FullTextRecord", "Store", "StoreError", "metadata", "sqlite_url"]

# A run that shows no sign of life (LLM call, claim, heartbeat) for this long counts as dead on
# other hosts; on its own host a run is dead as soon as its process is gone.
DEFAULT_LEASE_SECONDS = 900.0


class Store(
    PapersStore,
    ClaimsStore,
    RunsStore,
    DigestsStore,
    DeliveriesStore,
    ReaderStore,
    FullTextsStore,
    SearchStore,
    BatchesStore,
    FeedbackStore,
    ReadersStore,
):
    """The paperbrief database: papers, announcements, summaries (the LLM cache), runs, deliveries …"""

    def __init__(
        self,
        url: str,
        *,
        migrate: bool = True,
        read_only: bool | None = None,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        self.url = url
        path = sqlite_path(url)
        self.read_only = read_only if read_only is not None else path is not None and is_read_only_file(path)
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.engine = make_engine(url, read_only=self.read_only)
        if migrate:
            self.migrate()

    @classmethod
    def open(cls, url: str, *, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Store:
        """Open (and migrate) a store, turning driver errors into one-line `StoreError`s.

        A SQLite file this process cannot write is opened read-only when it needs no migration,
        so `logs`, `explain` and the like still work; writing to it then fails with a `StoreError`.
        """
        try:
            try:
                return cls(url, lease_seconds=lease_seconds)
            except sa.exc.OperationalError as exc:
                if not _is_read_only_error(exc, url):
                    raise
                return cls(url, read_only=True, lease_seconds=lease_seconds)
        except StoreError as exc:
            raise StoreError(f"cannot open database {mask_url(url)}: {exc}") from exc
        except sa.exc.DatabaseError as exc:
            raise StoreError(f"cannot open database {mask_url(url)}: {mask_text(one_line(exc))}") from exc
        except sa.exc.NoSuchModuleError as exc:
            raise StoreError(f"unsupported database URL {mask_url(url)}: {mask_text(one_line(exc))}") from exc
        except sa.exc.ArgumentError as exc:
            raise StoreError(f"bad database URL {mask_url(url)}: {mask_text(one_line(exc))}") from exc
        except ImportError as exc:
            hint = " (pip install 'paperbrief[postgres]')" if url.startswith("postgres") else ""
            raise StoreError(f"the driver for {mask_url(url)} is not installed: {exc.name or exc}{hint}") from exc

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def migrate(self) -> list[str]:
        """Apply pending named migrations under the migration lock; returns the names applied now."""
        if self.read_only:
            pending = migrations.pending_migrations(self.engine)
            if pending:
                raise StoreError(f"the database is read-only and needs migrations: {', '.join(pending)}")
            return []
        return migrations.migrate(self.engine)

    def applied_migrations(self) -> list[str]:
        """Names of the migrations recorded in this database."""
        with self.reading() as conn:
            return migrations.applied_migrations(conn)

    def table_counts(self) -> dict[str, int]:
        """Row count of every table (for diagnostics and tests)."""
        with self.reading() as conn:
            return {
                t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                for t in metadata.sorted_tables
            }


def _is_read_only_error(exc: sa.exc.OperationalError, url: str) -> bool:
    """Whether opening failed only because a SQLite file (or its folder) cannot be written."""
    path = sqlite_path(url)
    text = one_line(exc).lower()
    return path is not None and path.exists() and ("readonly" in text or "read-only" in text)
