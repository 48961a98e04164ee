"""Papers and the days they were announced on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from paperbrief.models import AnnounceType, Paper
from paperbrief.store.base import StoreBase, as_utc, chunks, clean, clean_strings, now
from paperbrief.store.schema import announcements, papers
from paperbrief.store.search_index import index_papers, set_search_days


class PapersStore(StoreBase):
    """Papers (keyed by id and version) and announcement rows (date, paper, category)."""

    def upsert_papers(self, items: Iterable[Paper], conn: Connection | None = None) -> int:
        """Insert or update papers (keyed by id and version); returns how many were written."""
        rows = _paper_rows(items)
        if not rows:
            return 0
        if conn is None:
            with self.transaction() as own:
                return self._write_papers(own, rows)
        return self._write_papers(conn, rows)

    def _write_papers(self, conn: Connection, rows: list[dict[str, Any]], *, set_days: bool = True) -> int:
        written = self.upsert(conn, papers, rows, ["arxiv_id", "version"])
        index_papers(conn, rows, set_days=set_days)  # the search index, same transaction
        return written

    def get_papers(self, ids: Sequence[tuple[str, int]]) -> dict[tuple[str, int], Paper]:
        """Papers by (id, version)."""
        found: dict[tuple[str, int], Paper] = {}
        wanted = set(ids)
        if not wanted:
            return found
        bare = sorted({i for i, _ in wanted})
        with self.reading() as conn:
            for chunk in chunks(bare, 500):
                for row in conn.execute(sa.select(papers).where(papers.c.arxiv_id.in_(chunk))):
                    key = (row.arxiv_id, row.version)
                    if key in wanted:
                        found[key] = _paper_from_row(row)
        return found

    def latest_papers(self, arxiv_ids: Sequence[str]) -> dict[str, Paper]:
        """The highest stored version of each id."""
        found: dict[str, Paper] = {}
        with self.reading() as conn:
            for chunk in chunks(sorted(set(arxiv_ids)), 500):
                for row in conn.execute(sa.select(papers).where(papers.c.arxiv_id.in_(chunk))):
                    if row.arxiv_id not in found or found[row.arxiv_id].version < row.version:
                        found[row.arxiv_id] = _paper_from_row(row)
        return found

    def record_announcement(self, date: dt.date, items: Sequence[Paper]) -> int:
        """Store a day's papers and their announcement rows in one transaction.

        One row per (date, paper, category): a paper listed in three categories is counted in each,
        so a per-category view of the day needs no second table. Returns the announcement rows written.
        """
        with self.transaction() as conn:
            # The days of these papers' documents are set below, once, after the announcement rows.
            self._write_papers(conn, _paper_rows(items), set_days=False)
            rows = []
            for paper in items:
                kind = paper.announce_type or AnnounceType.NEW
                for category in paper.categories or [paper.primary]:
                    rows.append(
                        {
                            "date": date,
                            "arxiv_id": paper.arxiv_id,
                            "category": clean(category),
                            "version": paper.version,
                            "announce_type": str(kind),
                        }
                    )
            if rows:
                self.upsert(conn, announcements, rows, ["date", "arxiv_id", "category"])
                set_search_days(conn, [p.arxiv_id for p in items])  # the search index's day filter
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
        with self.reading() as conn:
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
        with self.reading() as conn:
            return [(r.date, r.version, AnnounceType(r.announce_type)) for r in conn.execute(query)]

    def announced_days(self) -> list[dt.date]:
        """Dates with a stored announcement, newest first."""
        with self.reading() as conn:
            rows = conn.execute(sa.select(announcements.c.date).distinct().order_by(announcements.c.date.desc()))
            return list(rows.scalars())


def _paper_rows(items: Iterable[Paper]) -> list[dict[str, Any]]:
    stored_at = now()  # one write, one time
    return [_paper_row(p, stored_at) for p in items]


def _paper_row(paper: Paper, stored_at: dt.datetime) -> dict[str, Any]:
    # Text is cleaned at the store's edge: a NUL in one title must not fail the day's insert
    # (PostgreSQL rejects it) nor, later, the Atom feed (XML 1.0 forbids it).
    return {
        "arxiv_id": clean(paper.arxiv_id),
        "version": paper.version,
        "title": clean(paper.title),
        "authors": clean_strings(paper.authors),
        "abstract": clean(paper.abstract),
        "categories": clean_strings(paper.categories),
        "primary_category": clean(paper.primary_category),
        "published": paper.published,
        "updated": paper.updated,
        "comment": clean(paper.comment),
        "journal_ref": clean(paper.journal_ref),
        "doi": clean(paper.doi),
        "stored_at": stored_at,
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
        published=as_utc(row.published),
        updated=as_utc(row.updated),
        comment=row.comment,
        journal_ref=row.journal_ref,
        doi=row.doi,
    )
