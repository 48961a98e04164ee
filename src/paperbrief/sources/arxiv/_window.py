"""Past days: the search API's `submittedDate` window of an announcement, paged to the end.

https://info.arxiv.org/help/api/user-manual.html (paging: "slices of at most 2000", 30000 in all).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from paperbrief.models import Paper, category_counts
from paperbrief.sources.arxiv._http import HttpClient
from paperbrief.sources.arxiv.announcement import Announcement, announce_kind
from paperbrief.sources.arxiv.errors import ArxivEmptyPageError, ArxivError
from paperbrief.sources.arxiv.parse import ApiPage, parse_api
from paperbrief.sources.arxiv.schedule import ArxivCalendar

API_MAX_PAGE = 2000  # user manual §3.1.1.2: "slices of at most 2000"
API_MAX_WINDOW = 30000  # "limited to 30000 in slices of at most 2000"


def window_query(calendar: ArxivCalendar, cats: Sequence[str], date: dt.date) -> str:
    """The `search_query` of `date`'s submission window in `cats`."""
    return "(" + " OR ".join(f"cat:{c}" for c in cats) + ") AND " + calendar.submitted_date_query(date)


def window_announcement(
    calendar: ArxivCalendar, cats: Sequence[str], date: dt.date, found: list[Paper], notes: list[str]
) -> Announcement:
    """The announcement of `date` approximated from the papers the window query `found`."""
    start, end = calendar.submission_window(date)
    papers = []
    for paper in found:
        # sortBy/date filters have been flaky (arxiv.py #184): re-check the window client-side.
        if paper.published is not None and not start <= paper.published < end:
            continue
        paper.announced = date
        paper.announce_type = announce_kind(paper, cats, replacement=False)
        papers.append(paper)
    counts = category_counts(papers, cats)
    partial = None
    if not papers:
        # A weekday that is not a holiday always has submissions in these categories' window; an
        # empty answer is the API's silent failure mode (aRxiv #67), not a quiet empty day.
        partial = (
            f"the API returned no papers for the {date.isoformat()} submission window of "
            f"{', '.join(cats)} although it is an announcement day"
        )
    return Announcement(
        date=date,
        papers=papers,
        announced=counts,
        fetched=dict(counts),
        source="api",
        partial=partial,
        notes=notes,
    )


def search(http: HttpClient, api_url: str, page_size: int, query: str) -> tuple[list[Paper], list[str]]:
    """All results of a `search_query` and the parser's notes.

    totalResults is unreliable both ways (arxiv-api group; autobib #183): after a full page the
    next one is always asked for, and paging stops only on a short or empty page. An empty page
    while totalResults (this page's or an earlier one's) promises more is retried, then an error.
    """
    seen: dict[str, Paper] = {}
    notes: list[str] = []
    start = 0
    total: int | None = None
    while True:
        params: dict[str, str | int] = {
            "search_query": query,
            "start": start,
            "max_results": page_size,
            "sortBy": "submittedDate",
            "sortOrder": "ascending",
        }
        page = http.get(api_url, params, _expect_entries(start, total))
        notes.extend(page.notes)
        if page.total is not None:
            total = page.total
        if not page.papers:
            break
        fresh = [p for p in page.papers if p.arxiv_id not in seen]
        if not fresh and len(page.papers) >= page_size:
            raise ArxivError(f"pagination returned only duplicates at start={start}", api_url)
        for paper in fresh:
            seen[paper.arxiv_id] = paper
        start += len(page.papers)
        if len(page.papers) < page_size:
            break
        if start >= API_MAX_WINDOW:
            raise ArxivError(f"more than {API_MAX_WINDOW} results: narrow the query", api_url)
    return list(seen.values()), notes


def _expect_entries(start: int, earlier_total: int | None) -> Callable[[bytes, str], ApiPage]:
    """A page parser that rejects (so the HTTP layer retries) an empty page totalResults says is not the end."""

    def parse(body: bytes, url: str) -> ApiPage:
        page = parse_api(body, url)
        # The page's own totalResults counts (it may correct an earlier lie); else the last one seen.
        claimed = page.total if page.total is not None else earlier_total
        if not page.papers and claimed is not None and start < claimed:
            raise ArxivEmptyPageError(f"empty page although totalResults={claimed} (start={start})", url)
        return page

    return parse
