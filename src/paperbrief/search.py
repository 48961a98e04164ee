"""Search every stored paper: ranked results with their days and a snippet (docs/search.md).

The store ranks (`Store.search_papers`: FTS5 bm25 on SQLite, `ts_rank_cd` on PostgreSQL); this
module turns its hits into results for the CLI, the MCP server and scripts, and cuts a snippet
around the first match in the summary, else the abstract, else the title.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Sequence
from typing import Any, Protocol

from pydantic import BaseModel

from paperbrief.reader_view import ReaderView
from paperbrief.store.search import SearchFilter, SearchHit, parse_terms

SNIPPET_CHARS = 160
# With a reader's ready model: the top READER_POOL x limit hits by relevance are re-ranked by
# z(relevance) + READER_WEIGHT x z(model score), so relevance leads and the reader's taste reorders
# close hits (a paper one standard deviation better for the reader moves like half a deviation of relevance).
READER_POOL = 3
READER_WEIGHT = 0.5


class Searchable(Protocol):
    """What search needs of a store (`paperbrief.store.Store` has it)."""

    def search_papers(self, query: str, flt: SearchFilter | None = None) -> list[SearchHit]:
        """Ranked hits."""
        ...


class SearchResult(BaseModel):
    """One search result; `--json` and the MCP tool print these objects."""

    arxiv_id: str
    version: int
    title: str
    authors: list[str]
    categories: list[str]
    score: float
    date: dt.date | None
    digests: list[dt.date]
    announced: dt.date | None
    tldr: str | None
    snippet: str
    url: str
    reader_score: float | None = None


def search(
    store: Searchable,
    query: str,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    category: str | None = None,
    limit: int = 20,
    view: ReaderView | None = None,
) -> list[SearchResult]:
    """The stored papers matching every term of `query`, most relevant first.

    With a reader's `view`: without the papers they hid and, once their model is ready, the top
    hits re-ranked by relevance blended with the model's score (docs/search.md).
    """
    if since and until and since > until:
        raise ValueError(f"--since {since} is after --until {until}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    model = view is not None and view.model is not None
    flt = SearchFilter(
        since=since,
        until=until,
        category=category,
        limit=limit * READER_POOL if model else limit,
        exclude=view.hidden if view is not None else frozenset(),
    )
    hits = store.search_papers(query, flt)
    terms = parse_terms(query)
    if view is None or not model:
        return [_result(hit, terms) for hit in hits]
    scores = view.scores([hit.paper for hit in hits])
    blended = _blend([hit.score for hit in hits], [scores.get(hit.paper.arxiv_id, 0.0) for hit in hits])
    order = sorted(range(len(hits)), key=lambda i: (-blended[i], -hits[i].score, hits[i].paper.arxiv_id))
    return [_result(hits[i], terms, scores.get(hits[i].paper.arxiv_id)) for i in order[:limit]]


def _zscores(values: Sequence[float]) -> list[float]:
    mean = statistics.fmean(values)
    spread = statistics.pstdev(values) if len(values) > 1 else 0.0
    return [(v - mean) / spread if spread > 1e-12 else 0.0 for v in values]


def _blend(relevance: Sequence[float], reader: Sequence[float]) -> list[float]:
    if not relevance:
        return []
    return [r + READER_WEIGHT * m for r, m in zip(_zscores(relevance), _zscores(reader), strict=True)]


def _result(hit: SearchHit, terms: Sequence[str], reader_score: float | None = None) -> SearchResult:
    paper = hit.paper
    summary = hit.summaries[0] if hit.summaries else None
    texts = [
        *(t for s in hit.summaries for t in (s.tldr, s.motivation, s.method, s.conclusion) if t),
        paper.abstract,
        paper.title,
    ]
    return SearchResult(
        arxiv_id=paper.arxiv_id,
        version=paper.version,
        title=paper.title,
        authors=list(paper.authors),
        categories=list(paper.categories),
        score=round(hit.score, 6),
        date=hit.date,
        digests=hit.digests,
        announced=hit.announced,
        tldr=summary.tldr if summary else None,
        snippet=make_snippet(texts, terms),
        url=f"https://arxiv.org/abs/{paper.arxiv_id}",
        reader_score=None if reader_score is None else round(reader_score, 6),
    )


def make_snippet(texts: Sequence[str], terms: Sequence[str], width: int = SNIPPET_CHARS) -> str:
    """About `width` characters of the first text that contains a term, matches in `**…**`.

    A term matches case-insensitively as written or, for stemmed hits (distill → distillation),
    by its first letters at a word start. With no visible match, the start of the first text.
    """
    patterns = [_term_pattern(t) for t in terms]
    for text in texts:
        spans = [m.span() for p in patterns for m in p.finditer(text)]
        if spans:
            return _window(text, sorted(spans), width)
    first = next((t for t in texts if t), "")
    return _clip(first, width)


def _term_pattern(term: str) -> re.Pattern[str]:
    words = term.split()
    if len(words) == 1 and term.isascii() and len(term) > 5:
        # A stem: the index matches distill/distillation/distilled alike (porter).
        return re.compile(r"\b" + re.escape(term[: max(5, len(term) - 5)]) + r"\w*", re.IGNORECASE)
    return re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)


def _window(text: str, spans: list[tuple[int, int]], width: int) -> str:
    first_start = spans[0][0]
    start = max(0, first_start - width // 3)
    space = text.find(" ", start, first_start)
    if start > 0 and space != -1:  # begin at a word, not inside one
        start = space + 1
    end = min(len(text), start + width)
    pieces, cursor = [], start
    for s, e in spans:
        if s < cursor or e > end:
            continue
        pieces.append(text[cursor:s])
        pieces.append(f"**{text[s:e]}**")
        cursor = e
    pieces.append(text[cursor:end])
    body = " ".join("".join(pieces).split())
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def _clip(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def results_as_json(results: Sequence[SearchResult]) -> list[dict[str, Any]]:
    """Results as JSON-ready dicts (dates as YYYY-MM-DD)."""
    return [r.model_dump(mode="json") for r in results]
