"""Full-text search over every stored paper: SQLite FTS5 (bm25) or PostgreSQL full-text search.

The read side of the index kept by `search_index.py`: every term of a query must match; hits are
ranked by FTS5's bm25 on SQLite and `ts_rank_cd` on PostgreSQL (the same papers match on both,
only the scores differ). A paper's day is the day it was first digested, else first announced,
looked up only when a date filter needs it. See docs/search.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from paperbrief.models import Paper, Summary
from paperbrief.store.base import StoreBase, chunks
from paperbrief.store.papers import _paper_from_row
from paperbrief.store.schema import announcements, digest_papers, papers, summaries
from paperbrief.store.search_index import (
    GOOD_STATUSES,
    SEARCH_TABLES,
    build_search_index,
    fts5_query,
    parse_terms,
    pg_query,
)
from paperbrief.store.summaries import _summary_from_row

__all__ = ["SEARCH_TABLES", "SearchFilter", "SearchHit", "SearchStore", "parse_terms"]

# bm25 weights of the FTS5 columns title, authors, abstract, summary, keywords. (bm25() in ORDER BY
# measured faster than `rank MATCH 'bm25(…)' ORDER BY rank`: 141 vs 395 ms for 模型 over 100,000 papers.)
_BM25 = "bm25(search_fts, 8.0, 4.0, 1.0, 2.0, 4.0)"


@dataclass(frozen=True)
class SearchFilter:
    """What narrows a search: the paper's day (digest day, else announcement day), a category, ids to leave out."""

    since: dt.date | None = None
    until: dt.date | None = None
    category: str | None = None
    limit: int = 20
    exclude: frozenset[str] = frozenset()  # e.g. the papers a reader hid


@dataclass(frozen=True)
class SearchHit:
    """One matching paper: its newest stored version, good summaries, relevance and days."""

    paper: Paper
    score: float
    digests: list[dt.date]
    announced: dt.date | None
    summaries: list[Summary] = field(default_factory=list)

    @property
    def date(self) -> dt.date | None:
        """The day the paper was first digested, else the day it was first announced."""
        return self.digests[0] if self.digests else self.announced


def _filters(flt: SearchFilter) -> tuple[str, dict[str, Any]]:
    """SQL conditions (on the documents `d`: categories, day) and parameters for a filter."""
    conds: list[str] = []
    params: dict[str, Any] = {}
    if flt.category:
        wanted = flt.category.strip().lower()
        if "." in wanted:
            conds.append("d.categories LIKE :cat ESCAPE '\\'")
            params["cat"] = f"% {_escape_like(wanted)} %"
        else:  # a whole archive: cs matches cs.CL
            conds.append("(d.categories LIKE :cat ESCAPE '\\' OR d.categories LIKE :arch ESCAPE '\\')")
            params["cat"] = f"% {_escape_like(wanted)} %"
            params["arch"] = f"% {_escape_like(wanted)}.%"
    if flt.since:
        conds.append("d.day >= :since")
        params["since"] = flt.since
    if flt.until:
        conds.append("d.day <= :until")
        params["until"] = flt.until
    return "".join(f" AND {c}" for c in conds), params


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SearchStore(StoreBase):
    """`search_papers` over the index; `paper_summaries` and `paper_digest_dates` for one paper."""

    def search_papers(self, query: str, flt: SearchFilter | None = None) -> list[SearchHit]:
        """Papers matching every term of `query`, most relevant first (at most `flt.limit`)."""
        flt = flt or SearchFilter()
        terms = parse_terms(query)
        if not terms or flt.limit <= 0:
            return []
        where, params = _filters(flt)
        # At most len(exclude) of the top hits are left out: asking for that many more keeps `limit` exact
        # and the fast ranked-in-FTS5 path (a NOT IN list would not reach inside it).
        params["limit"] = flt.limit + len(flt.exclude)
        if self.dialect == "postgresql":
            tsquery, qparams = pg_query(terms)
            params.update(qparams)
            sql = (
                f"SELECT d.arxiv_id, ts_rank_cd(d.document, q.query) AS score FROM search_docs d,"
                f" (SELECT {tsquery} AS query) q WHERE d.document @@ q.query{where}"
                " ORDER BY score DESC, d.arxiv_id DESC LIMIT :limit"
            )
        elif where:
            params["match"] = fts5_query(terms)
            sql = (
                f"SELECT d.arxiv_id, -{_BM25} AS score FROM search_fts JOIN search_docs d"
                f" ON d.doc_id = search_fts.rowid WHERE search_fts MATCH :match{where}"
                " ORDER BY score DESC, d.arxiv_id DESC LIMIT :limit"
            )
        else:
            # Ranked inside FTS5 alone: only the top hits meet search_docs.
            params["match"] = fts5_query(terms)
            sql = (
                f"SELECT d.arxiv_id, h.score FROM (SELECT rowid AS doc_id, -{_BM25} AS score FROM search_fts"
                " WHERE search_fts MATCH :match ORDER BY score DESC, rowid DESC LIMIT :limit) h"
                " JOIN search_docs d ON d.doc_id = h.doc_id ORDER BY h.score DESC, d.arxiv_id DESC"
            )
        with self.reading() as conn:  # one connection and snapshot for the ranking and the hits
            rows = conn.execute(sa.text(sql), params)
            ranked = [(r.arxiv_id, float(r.score)) for r in rows if r.arxiv_id not in flt.exclude][: flt.limit]
            return _hits(conn, ranked)

    def paper_summaries(self, arxiv_id: str) -> list[Summary]:
        """Every good stored summary of a paper (any version, model, language), newest first."""
        with self.reading() as conn:
            return _good_summaries(conn, [arxiv_id]).get(arxiv_id, [])

    def paper_digest_dates(self, arxiv_id: str) -> list[dt.date]:
        """The days whose stored digest carried the paper, oldest first."""
        with self.reading() as conn:
            return _days(conn, [arxiv_id])[arxiv_id][0]

    def rebuild_search_index(self) -> int:
        """Index every stored paper again (not needed in normal use); returns the documents indexed."""
        with self.transaction() as conn:
            build_search_index(conn)
            return int(conn.execute(sa.text("SELECT count(*) FROM search_docs")).scalar_one())


def _hits(conn: Connection, ranked: list[tuple[str, float]]) -> list[SearchHit]:
    ids = [i for i, _ in ranked]
    papers_by_id = _newest_papers(conn, ids)
    days = _days(conn, ids)
    good = _good_summaries(conn, ids)
    out = []
    for arxiv_id, score in ranked:
        paper = papers_by_id.get(arxiv_id)
        if paper is None:
            continue
        digests, announced = days.get(arxiv_id, ([], None))
        mine = [s for s in good.get(arxiv_id, []) if s.version == paper.version]
        out.append(SearchHit(paper=paper, score=score, digests=digests, announced=announced, summaries=mine))
    return out


def _newest_papers(conn: Connection, ids: Sequence[str]) -> dict[str, Paper]:
    found: dict[str, Paper] = {}
    for chunk in chunks(sorted(set(ids)), 500):
        for row in conn.execute(sa.select(papers).where(papers.c.arxiv_id.in_(chunk))):
            if row.arxiv_id not in found or found[row.arxiv_id].version < row.version:
                found[row.arxiv_id] = _paper_from_row(row)
    return found


def _days(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[list[dt.date], dt.date | None]]:
    digests: dict[str, set[dt.date]] = {}
    announced: dict[str, dt.date] = {}
    for chunk in chunks(sorted(set(ids)), 500):
        query = sa.select(digest_papers.c.arxiv_id, digest_papers.c.date).where(digest_papers.c.arxiv_id.in_(chunk))
        for arxiv_id, day in conn.execute(query):
            digests.setdefault(arxiv_id, set()).add(day)
        first = (
            sa.select(announcements.c.arxiv_id, sa.func.min(announcements.c.date))
            .where(announcements.c.arxiv_id.in_(chunk))
            .group_by(announcements.c.arxiv_id)
        )
        announced.update({arxiv_id: day for arxiv_id, day in conn.execute(first)})
    return {i: (sorted(digests.get(i, set())), announced.get(i)) for i in ids}


def _good_summaries(conn: Connection, ids: Sequence[str]) -> dict[str, list[Summary]]:
    out: dict[str, list[Summary]] = {}
    for chunk in chunks(sorted(set(ids)), 500):
        query = (
            sa.select(summaries)
            .where(summaries.c.arxiv_id.in_(chunk), summaries.c.status.in_(GOOD_STATUSES))
            .order_by(summaries.c.created.desc())
        )
        for row in conn.execute(query):
            out.setdefault(row.arxiv_id, []).append(_summary_from_row(row))
    return out
