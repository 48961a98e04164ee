"""Today's announcement: the rss.arxiv.org feed, completed past its item limit, enriched by the API.

Feed: https://info.arxiv.org/help/rss.html; enrichment by id: https://info.arxiv.org/help/api/user-manual.html.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from paperbrief.models import AnnounceType, Paper, category_counts
from paperbrief.sources.arxiv.announcement import Announcement, announce_kind
from paperbrief.sources.arxiv.errors import ArxivError
from paperbrief.sources.arxiv.parse import FeedPage
from paperbrief.text import one_line

FEED_LIMIT = 2000  # rss.arxiv.org: "Limit 2000 results" (arxiv-feed `.limit(2000)`)


@dataclass(frozen=True)
class FeedDay:
    """The feed's papers of the day, before the API enrichment: titles and abstracts are final.

    Handed to `on_feed` so a caller can start work (summaries) while the enrichment waits for
    its throttle slot; the papers are copies, so nothing the caller does reaches the enrichment.
    """

    date: dt.date | None
    papers: list[Paper]


FeedCallback = Callable[[FeedDay], None]

# Papers by id: the found ones by bare id, the ids still missing, the parser's notes (`_ids.lookup`).
Lookup = Callable[[Sequence[str]], tuple[dict[str, Paper], list[str], list[str]]]
_REPLACEMENTS = (AnnounceType.REPLACE, AnnounceType.REPLACE_CROSS)


def _unique(papers: Sequence[Paper]) -> list[Paper]:
    # One item per paper already (arXiv dedups combined feeds); guard anyway, first one wins.
    seen: dict[str, Paper] = {}
    for paper in papers:
        seen.setdefault(paper.arxiv_id, paper)
    return list(seen.values())


def _merge(feed: Paper, api: Paper) -> Paper:
    # The API has what the feed lacks (primary, comment, submission times, per-author names);
    # the feed says how and when the paper was announced.
    merged = api.model_copy(deep=True)
    merged.announce_type = feed.announce_type
    merged.announced = feed.announced
    merged.doi = api.doi or feed.doi
    merged.journal_ref = api.journal_ref or feed.journal_ref
    return merged


def complete_feed(
    feed: FeedPage, cats: Sequence[str], fetch_feed: Callable[[Sequence[str]], FeedPage]
) -> tuple[list[Paper], str | None, list[str]]:
    """The feed's items, one per id; a feed at rss.arxiv.org's 2000-item limit is re-read per category."""
    items = _unique(feed.papers)
    notes = list(feed.notes)
    if len(feed.papers) < FEED_LIMIT:
        return items, None, notes
    if len(cats) == 1:
        why = f"the {cats[0]} feed holds {len(feed.papers)} items, arXiv's limit: the day may be cut short"
        return items, why, notes
    # "Limit 2000 results": the combined feed may be cut (replacements go first, then crosses).
    # Each category's own feed has its own limit; merged by id, types recomputed for the whole set.
    truncated = []
    merged: dict[str, Paper] = {p.arxiv_id: p for p in items}
    replaced: set[str] = {p.arxiv_id for p in items if p.announce_type in _REPLACEMENTS}
    for category in cats:
        part = fetch_feed([category])
        notes.extend(part.notes)
        if part.papers and part.date != feed.date:
            # The feeds were rebuilt between our requests (midnight ET): never mix two days.
            return items, f"the {category} feed moved to {part.date} while the day was read; rerun", notes
        if len(part.papers) >= FEED_LIMIT:
            truncated.append(category)
        for paper in part.papers:
            if paper.announce_type in _REPLACEMENTS:
                replaced.add(paper.arxiv_id)
            merged.setdefault(paper.arxiv_id, paper)
    for paper in merged.values():
        paper.announced = feed.date
        paper.announce_type = announce_kind(paper, cats, replacement=paper.arxiv_id in replaced)
    partial = None
    if truncated:
        partial = (
            f"the feed of {', '.join(truncated)} holds {FEED_LIMIT} items, arXiv's limit: the day may be cut short"
        )
    return list(merged.values()), partial, notes


def enrich(
    date: dt.date | None,
    items: list[Paper],
    cats: Sequence[str],
    partial: str | None,
    notes: list[str],
    lookup: Lookup,
    on_feed: FeedCallback | None = None,
) -> Announcement:
    """The feed's items merged with the API's records; the feed's data alone if the API fails after retries.

    `on_feed` gets the feed's papers (copies) first, before the look-up waits for its throttle slot.
    """
    if on_feed is not None:
        on_feed(FeedDay(date, [p.model_copy(deep=True) for p in items]))
    try:
        found, missing, lookup_notes = lookup([p.versioned_id for p in items])
    except ArxivError as exc:
        # The feed listed every paper; only the API failed (after its retries). The day is still
        # worth a digest from the feed's data, with a warning: return it, marked, not nothing.
        return _feed_only(date, items, cats, partial, notes, exc)
    papers: list[Paper] = []
    enriched: list[Paper] = []
    for item in items:
        api = found.get(item.arxiv_id)
        if api is None:
            papers.append(item)  # keep the feed's data: listed in `missing`, never dropped
            continue
        merged = _merge(item, api)
        papers.append(merged)
        enriched.append(item)  # counted with the feed's categories, like `announced`
    return Announcement(
        date=date,
        papers=papers,
        announced=category_counts(items, cats),
        fetched=category_counts(enriched, cats),
        missing=missing,
        no_announcement=False,
        reason=None,
        source="rss",
        partial=partial,
        notes=notes + lookup_notes,
    )


def _feed_only(
    date: dt.date | None,
    items: list[Paper],
    cats: Sequence[str],
    partial: str | None,
    notes: list[str],
    error: ArxivError,
) -> Announcement:
    reason = f"the arXiv API failed after retries ({one_line(error)})"
    counts = category_counts(items, cats)
    return Announcement(
        date=date,
        papers=items,
        announced=counts,
        fetched=dict(counts),
        missing=[],
        no_announcement=False,
        reason=None,
        source="rss",
        partial="; ".join(
            [*([partial] if partial else []), f"{reason}: the papers carry the feed's data only (no comments)"]
        ),
        enrichment_error=reason,
        notes=notes,
    )
