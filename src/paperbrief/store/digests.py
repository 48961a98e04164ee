"""Digests: one compressed JSON body per day and language, and which paper versions each published."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from paperbrief.models import Digest
from paperbrief.store.base import StoreBase, chunks, now
from paperbrief.store.schema import digest_archive, digest_papers
from paperbrief.store.search_index import set_search_days


class DigestsStore(StoreBase):
    """`save_digest`, `load_digest`, `digest_dates` and `published_before` (cross-day dedup)."""

    def save_digest(self, digest: Digest) -> None:
        """Store the digest of a day (replacing an earlier one of the same day and language)."""
        with self.transaction() as conn:
            _write_digest(conn, digest, now())

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
        with self.reading() as conn:
            body = conn.execute(query.order_by(*order).limit(1)).scalar()
        return Digest.model_validate_json(zlib.decompress(body)) if body is not None else None

    def digest_dates(self) -> list[dt.date]:
        """Dates that have a stored digest, newest first."""
        with self.reading() as conn:
            rows = conn.execute(sa.select(digest_archive.c.date).distinct().order_by(digest_archive.c.date.desc()))
            return list(rows.scalars())

    def published_before(self, date: dt.date, arxiv_ids: Sequence[str]) -> dict[str, int]:
        """Highest version of each id that appeared in a stored digest dated before `date`."""
        out: dict[str, int] = {}
        with self.reading() as conn:
            for chunk in chunks(sorted(set(arxiv_ids)), 500):
                query = (
                    sa.select(digest_papers.c.arxiv_id, sa.func.max(digest_papers.c.version))
                    .where(digest_papers.c.date < date, digest_papers.c.arxiv_id.in_(chunk))
                    .group_by(digest_papers.c.arxiv_id)
                )
                out.update({arxiv_id: int(version) for arxiv_id, version in conn.execute(query)})
        return out


def _write_digest(conn: Connection, digest: Digest, updated: dt.datetime) -> None:
    body = _compress_digest(digest)
    key = {"date": digest.date, "language": digest.language}
    if conn.dialect.name == "postgresql":
        # Two runs of one day finishing together: the second waits here for the first's commit, then
        # replaces its rows (else both delete nothing and the second insert breaks the primary key).
        # SQLite needs nothing: its writers already queue on BEGIN IMMEDIATE.
        lock = f"paperbrief.digest.{digest.date.isoformat()}.{digest.language}"
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:lock, 0))"), {"lock": lock})
    before = sa.select(digest_papers.c.arxiv_id).where(
        digest_papers.c.date == digest.date, digest_papers.c.language == digest.language
    )
    dropped = set(conn.execute(before).scalars())  # their search day may change too
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
    for chunk in chunks(rows, 500):
        conn.execute(digest_papers.insert(), list(chunk))
    set_search_days(conn, dropped | {e.paper.arxiv_id for e in digest.entries})  # the search index's day filter


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
