"""Parser for the search API's Atom pages (export.arxiv.org/api/query).

Format: https://info.arxiv.org/help/api/user-manual.html#_details_of_atom_results_returned.
Public through `paperbrief.sources.arxiv.parse`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from paperbrief.models import Paper, split_arxiv_id
from paperbrief.sources.arxiv._xml import (
    ARXIV,
    ATOM,
    OPENSEARCH,
    arxiv_categories,
    as_utc,
    child_text,
    normalize,
    parse_datetime,
    parse_xml,
    sanitize_body,
)
from paperbrief.sources.arxiv.errors import ArxivAPIError, ArxivParseError


@dataclass
class ApiPage:
    """One page of the search API: opensearch counters and the entries, parsed."""

    total: int | None
    start: int | None
    per_page: int | None
    papers: list[Paper] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was repaired while reading (forbidden characters)


def parse_api(body: bytes, url: str = "") -> ApiPage:
    """Parse an API Atom page; its error feed (`…/api/errors#…`) → `ArxivAPIError`."""
    body, notes = sanitize_body(body, url)
    root = parse_xml(body, url)
    if root.tag != f"{{{ATOM}}}feed":
        raise ArxivParseError(f"not an Atom feed (root element {root.tag!r})", url)
    papers: list[Paper] = []
    for entry in root.iterfind(f"{{{ATOM}}}entry"):
        entry_id = child_text(entry, f"{{{ATOM}}}id") or ""
        if "/api/errors" in entry_id:
            message = child_text(entry, f"{{{ATOM}}}summary") or entry_id
            raise ArxivAPIError(f"arXiv API error: {message}", url)
        try:
            papers.append(_api_paper(entry, entry_id, url))
        except (ValueError, TypeError) as exc:  # includes pydantic's ValidationError
            raise ArxivParseError(f"API entry {entry_id}: {normalize(str(exc))}", url) from exc
    return ApiPage(
        total=_int(child_text(root, f"{{{OPENSEARCH}}}totalResults")),
        start=_int(child_text(root, f"{{{OPENSEARCH}}}startIndex")),
        per_page=_int(child_text(root, f"{{{OPENSEARCH}}}itemsPerPage")),
        papers=papers,
        notes=notes,
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _api_paper(entry: etree._Element, entry_id: str, url: str) -> Paper:
    try:
        arxiv_id, version = split_arxiv_id(entry_id)
    except ValueError as exc:
        raise ArxivParseError(f"API entry with an unreadable id {entry_id!r}", url) from exc
    primary_node = entry.find(f"{{{ARXIV}}}primary_category")
    primary = primary_node.get("term") if primary_node is not None else None
    categories = arxiv_categories([c.get("term", "") for c in entry.iterfind(f"{{{ATOM}}}category")], primary)
    authors = [name for a in entry.iterfind(f"{{{ATOM}}}author") if (name := child_text(a, f"{{{ATOM}}}name"))]
    return Paper(
        arxiv_id=arxiv_id,
        version=version or 1,
        title=child_text(entry, f"{{{ATOM}}}title") or "",
        authors=authors,
        abstract=child_text(entry, f"{{{ATOM}}}summary") or "",
        categories=categories,
        primary_category=primary or (categories[0] if categories else None),
        published=as_utc(parse_datetime(child_text(entry, f"{{{ATOM}}}published"))),
        updated=as_utc(parse_datetime(child_text(entry, f"{{{ATOM}}}updated"))),
        comment=child_text(entry, f"{{{ARXIV}}}comment"),
        journal_ref=child_text(entry, f"{{{ARXIV}}}journal_ref"),
        doi=child_text(entry, f"{{{ARXIV}}}doi"),
    )
