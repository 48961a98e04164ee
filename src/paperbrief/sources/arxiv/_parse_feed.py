"""Parser for rss.arxiv.org announcement feeds, Atom and RSS 2.0.

Formats: https://info.arxiv.org/help/atom_specifications.html and
https://info.arxiv.org/help/rss_specifications.html. Public through `paperbrief.sources.arxiv.parse`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from lxml import etree

from paperbrief.models import AnnounceType, Paper, split_arxiv_id
from paperbrief.sources.arxiv._xml import (
    ARXIV,
    ATOM,
    DC,
    arxiv_categories,
    child_text,
    child_texts,
    normalize,
    parse_datetime,
    parse_xml,
    sanitize_body,
    split_authors,
)
from paperbrief.sources.arxiv.errors import ArxivFeedError, ArxivParseError
from paperbrief.sources.arxiv.schedule import feed_date_of

FEED_ERROR_PREFIX = "Feed error for query"

_DESCRIPTION_RE = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:)?(?P<abstract>.*)$", re.DOTALL
)


@dataclass
class FeedPage:
    """One announcement feed: its date (None only for a dateless empty feed) and its items."""

    date: dt.date | None
    papers: list[Paper] = field(default_factory=list)
    title: str = ""
    notes: list[str] = field(default_factory=list)  # what was repaired while reading (forbidden characters)


def parse_announcement(body: bytes, url: str = "") -> FeedPage:
    """Parse an rss.arxiv.org feed, Atom or RSS 2.0; "Feed error for query" → `ArxivFeedError`."""
    body, notes = sanitize_body(body, url)
    root = parse_xml(body, url)
    page: FeedPage | None = None
    if root.tag == f"{{{ATOM}}}feed":
        page = _parse_atom_feed(root, url)
    elif root.tag == "rss" and (channel := root.find("channel")) is not None:
        page = _parse_rss_channel(channel, url)
    if page is not None:
        page.notes.extend(notes)
        return page
    raise ArxivParseError(f"not an announcement feed (root element {root.tag!r})", url)


def _parse_atom_feed(root: etree._Element, url: str) -> FeedPage:
    title = child_text(root, f"{{{ATOM}}}title") or ""
    if title.startswith(FEED_ERROR_PREFIX):
        detail = child_text(root, f"{{{ATOM}}}subtitle") or _feed_error_detail(root) or title
        raise ArxivFeedError(f"arXiv feed error: {detail}", url)
    papers: list[Paper] = []
    dates: list[dt.date] = []
    for entry in root.iterfind(f"{{{ATOM}}}entry"):
        published = parse_datetime(child_text(entry, f"{{{ATOM}}}published"))
        if published is not None:
            dates.append(feed_date_of(published))
        categories = [c.get("term", "") for c in entry.iterfind(f"{{{ATOM}}}category")]
        papers.append(
            _announced_paper(
                raw_id=child_text(entry, f"{{{ATOM}}}id"),
                link=_atom_link(entry),
                title=child_text(entry, f"{{{ATOM}}}title"),
                description="".join(entry.find(f"{{{ATOM}}}summary").itertext())
                if entry.find(f"{{{ATOM}}}summary") is not None
                else "",
                categories=categories,
                announce_type=child_text(entry, f"{{{ARXIV}}}announce_type"),
                creators=child_text(entry, f"{{{DC}}}creator"),
                doi=child_text(entry, f"{{{ARXIV}}}DOI") or child_text(entry, f"{{{ARXIV}}}doi"),
                journal_ref=child_text(entry, f"{{{ARXIV}}}journal_reference"),
                url=url,
            )
        )
    date = dates[0] if dates else None
    if date is None:
        # An empty Atom feed has no <published>: its build time (just after midnight ET) dates it.
        updated = parse_datetime(child_text(root, f"{{{ATOM}}}updated"))
        date = feed_date_of(updated) if updated else None
    for paper in papers:
        paper.announced = date
    return FeedPage(date=date, papers=papers, title=title)


def _feed_error_detail(root: etree._Element) -> str | None:
    for entry in root.iterfind(f"{{{ATOM}}}entry"):
        return child_text(entry, f"{{{ATOM}}}summary") or child_text(entry, f"{{{ATOM}}}title")
    return None


def _atom_link(entry: etree._Element) -> str | None:
    for link in entry.iterfind(f"{{{ATOM}}}link"):
        if link.get("rel", "alternate") == "alternate":
            href: str | None = link.get("href")
            return href
    return None


def _parse_rss_channel(channel: etree._Element, url: str) -> FeedPage:
    title = child_text(channel, "title") or ""
    if title.startswith(FEED_ERROR_PREFIX):
        detail = child_text(channel, "description") or title
        raise ArxivFeedError(f"arXiv feed error: {detail}", url)
    pub = parse_datetime(child_text(channel, "pubDate"))
    date = feed_date_of(pub) if pub else None
    papers: list[Paper] = []
    for item in channel.iterfind("item"):
        if date is None:
            item_pub = parse_datetime(child_text(item, "pubDate"))
            date = feed_date_of(item_pub) if item_pub else None
        papers.append(
            _announced_paper(
                raw_id=child_text(item, "guid"),
                link=child_text(item, "link"),
                title=child_text(item, "title"),
                description="".join(item.find("description").itertext())
                if item.find("description") is not None
                else "",
                categories=child_texts(item, "category"),
                announce_type=child_text(item, f"{{{ARXIV}}}announce_type"),
                creators=child_text(item, f"{{{DC}}}creator"),
                doi=child_text(item, f"{{{ARXIV}}}DOI") or child_text(item, f"{{{ARXIV}}}doi"),
                journal_ref=child_text(item, f"{{{ARXIV}}}journal_reference"),
                url=url,
            )
        )
    for paper in papers:
        paper.announced = date
    return FeedPage(date=date, papers=papers, title=title)


def _announced_paper(
    *,
    raw_id: str | None,
    link: str | None,
    title: str | None,
    description: str,
    categories: list[str],
    announce_type: str | None,
    creators: str | None,
    doi: str | None,
    journal_ref: str | None,
    url: str,
) -> Paper:
    match = _DESCRIPTION_RE.match(description or "")
    abstract = match.group("abstract") if match else description
    kind = announce_type or (match.group("type") if match else None)
    candidates = [c for c in (raw_id, match.group("id") if match else None, link) if c]
    arxiv_id: str | None = None
    version: int | None = None
    for candidate in candidates:
        try:
            arxiv_id, version = split_arxiv_id(candidate)
        except ValueError:
            continue
        if version is not None:
            break
    if arxiv_id is None:
        raise ArxivParseError(f"feed item without an arXiv id: {candidates[:1] or title!r}", url)
    try:
        announce = AnnounceType(kind) if kind else None
    except ValueError as exc:
        raise ArxivParseError(f"unknown announce type {kind!r} for {arxiv_id}", url) from exc
    return Paper(
        arxiv_id=arxiv_id,
        version=version or 1,
        title=normalize(title),
        authors=split_authors(creators),
        abstract=normalize(abstract),
        categories=arxiv_categories(categories),
        # The feed does not flag the primary; arXiv lists it first (enrichment confirms it).
        primary_category=None,
        doi=doi,
        journal_ref=journal_ref,
        announce_type=announce,
    )
