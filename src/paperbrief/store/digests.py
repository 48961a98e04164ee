"""Digests: one compressed JSON body per reader, day and language, and which paper versions each published."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from paperbrief.models import Digest
from paperbrief.store.base import StoreBase, chunks, execute_many, now
from paperbrief.store.reader import DEFAULT_READER
from paperbrief.store.schema import digest_archive, digest_papers
from paperbrief.store.search_index import set_search_days


class DigestsStore(StoreBase):
    """`save_digest`, `load_digest`, `digest_dates` and `published_before` (cross-day dedup)."""

    def save_digest(self, digest: Digest, reader: str = DEFAULT_READER) -> None:
        """Store a reader's digest of a day (replacing their earlier one of the same day and language)."""
        with self.transaction() as conn:
            _write_digest(conn, digest, reader, now())

    def load_digest(
        self,
        date: dt.date,
        language: str | None = None,
        prefer_language: str | None = None,
        *,
        reader: str = DEFAULT_READER,
    ) -> Digest | None:
        """A reader's digest of a day (only in `language` if given; in `prefer_language` if stored so), or None."""
        query = sa.select(digest_archive.c.body_z).where(
            digest_archive.c.reader == reader, digest_archive.c.date == date
        )
        if language:
            query = query.where(digest_archive.c.language == language)
        order: list[sa.ColumnElement[Any]] = []
        if prefer_language:
            # One query: the preferred language sorts first, then the most recently written.
            order.append(sa.case((digest_archive.c.language == prefer_language, 0), else_=1))
        order.append(digest_archive.c.updated.desc())
        with self.reading() as conn:
            body = conn.execute(query.order_by(*order).limit(1)).scalar()
        return Digest.model_validate_json(zlib.decompress(body)) if body is not None else None

    def digest_dates(self, reader: str | None = None) -> list[dt.date]:
        """Dates that have a stored digest (of `reader` if given, else of anyone), newest first."""
        query = sa.select(digest_archive.c.date).distinct().order_by(digest_archive.c.date.desc())
        if reader is not None:
            query = query.where(digest_archive.c.reader == reader)
        with self.reading() as conn:
            return list(conn.execute(query).scalars())

    def published_before(self, date: dt.date, arxiv_ids: Sequence[str], reader: str = DEFAULT_READER) -> dict[str, int]:
        """Highest version of each id that appeared in one of the reader's stored digests dated before `date`."""
        out: dict[str, int] = {}
        with self.reading() as conn:
            for chunk in chunks(sorted(set(arxiv_ids)), 500):
                query = (
                    sa.select(digest_papers.c.arxiv_id, sa.func.max(digest_papers.c.version))
                    .where(
                        digest_papers.c.reader == reader,
                        digest_papers.c.date < date,
                        digest_papers.c.arxiv_id.in_(chunk),
                    )
                    .group_by(digest_papers.c.arxiv_id)
                )
                out.update({arxiv_id: int(version) for arxiv_id, version in conn.execute(query)})
        return out


def _write_digest(conn: Connection, digest: Digest, reader: str, updated: dt.datetime) -> None:
    body = _compress_digest(digest)
    key = {"reader": reader, "date": digest.date, "language": digest.language}
    if conn.dialect.name == "postgresql":
        # Two runs of one day finishing together: the second waits here for the first's commit, then
        # replaces its rows (else both delete nothing and the second insert breaks the primary key).
        # SQLite needs nothing: its writers already queue on BEGIN IMMEDIATE.
        lock = f"paperbrief.digest.{reader}.{digest.date.isoformat()}.{digest.language}"
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:lock, 0))"), {"lock": lock})
    same_papers = [digest_papers.c[k] == v for k, v in key.items()]
    dropped = set(conn.execute(sa.select(digest_papers.c.arxiv_id).where(*same_papers)).scalars())  # search day
    conn.execute(digest_archive.delete().where(*[digest_archive.c[k] == v for k, v in key.items()]))
    conn.execute(digest_archive.insert().values(**key, body_z=body, entries=len(digest.entries), updated=updated))
    conn.execute(digest_papers.delete().where(*same_papers))
    rows = [{**key, "arxiv_id": e.paper.arxiv_id, "version": e.paper.version} for e in digest.entries]
    execute_many(conn, digest_papers.insert(), rows)
    set_search_days(conn, dropped | {e.paper.arxiv_id for e in digest.entries})  # the search index's day filter


# zlib level 1: a 10,000-paper day compressed in ~0.25 s instead of ~0.85 s at level 6, for a body
# ~20% larger (8.6 vs 7.1 MB). Any level reads back with `zlib.decompress`, so bodies written before
# and after stay readable by the same code (issue 15).
_DIGEST_ZLIB_LEVEL = 1
# Entries serialized and compressed together: fewer calls, and the day never exists as one string.
_ENTRIES_PER_PART = 64


def _compress_digest(digest: Digest) -> bytes:
    """The digest's JSON, zlib-compressed some entries at a time: a 10,000-paper day never exists as one string."""
    packer = zlib.compressobj(_DIGEST_ZLIB_LEVEL)
    head = digest.__pydantic_serializer__.to_json(digest, exclude={"entries"})
    body = bytearray(packer.compress(b'{"entries":['))
    entries = digest.entries
    for start in range(0, len(entries), _ENTRIES_PER_PART):
        group = [e.__pydantic_serializer__.to_json(e) for e in entries[start : start + _ENTRIES_PER_PART]]
        body += packer.compress((b"," if start else b"") + b",".join(group))
    body += packer.compress(b"]," + head[1:])  # head is '{"date":…}': never empty
    body += packer.flush()
    return bytes(body)
