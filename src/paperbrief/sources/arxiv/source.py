"""The arXiv source: today's announcement (feed + API enrichment), past days (API windows), OAI backfill.

Data path and politeness follow https://info.arxiv.org/help/api/user-manual.html,
https://info.arxiv.org/help/rss.html, https://info.arxiv.org/help/oa/index.html and the terms of
use https://info.arxiv.org/help/api/tou.html (one request every 3 s, one connection at a time).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from paperbrief import __version__
from paperbrief.models import AnnounceType, Paper, category_counts, in_category, split_arxiv_id
from paperbrief.sources.arxiv._http import HttpClient
from paperbrief.sources.arxiv._throttle import Throttle
from paperbrief.sources.arxiv.errors import (
    ArxivCategoryError,
    ArxivEmptyPageError,
    ArxivError,
    ArxivMissingError,
    ArxivNotAnnouncedError,
    ArxivOAIError,
)
from paperbrief.sources.arxiv.parse import ApiPage, FeedPage, OaiPage, parse_announcement, parse_api, parse_oai
from paperbrief.sources.arxiv.schedule import ARXIV_TZ, ArxivCalendar, NoAnnouncementReason
from paperbrief.text import one_line

if TYPE_CHECKING:
    from paperbrief.store import Store

_log = logging.getLogger("paperbrief.sources.arxiv")

API_MAX_PAGE = 2000  # user manual §3.1.1.2: "slices of at most 2000"
API_MAX_WINDOW = 30000  # "limited to 30000 in slices of at most 2000"
API_MAX_IDS = 100  # ids per id_list call (DESIGN.md; URL length stays well under limits)
MODERATION_SLACK = dt.timedelta(days=7)  # papers held in moderation are announced days after submission

FEED_LIMIT = 2000  # rss.arxiv.org: "Limit 2000 results" (arxiv-feed `.limit(2000)`)
_CATEGORY_RE = re.compile(r"^[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]+)?$")
# arXiv's archives (https://arxiv.org/category_taxonomy); a category is `archive` or `archive.XX`.
KNOWN_ARCHIVES = frozenset(
    {
        "astro-ph",
        "cond-mat",
        "cs",
        "econ",
        "eess",
        "gr-qc",
        "hep-ex",
        "hep-lat",
        "hep-ph",
        "hep-th",
        "math",
        "math-ph",
        "nlin",
        "nucl-ex",
        "nucl-th",
        "physics",
        "q-bio",
        "q-fin",
        "quant-ph",
        "stat",
    }
)
# OAI-PMH set groups for archives whose group differs from their own name (help/oa: `physics:hep-th`).
_PHYSICS_ARCHIVES = frozenset(
    {
        "astro-ph",
        "cond-mat",
        "gr-qc",
        "hep-ex",
        "hep-lat",
        "hep-ph",
        "hep-th",
        "math-ph",
        "nlin",
        "nucl-ex",
        "nucl-th",
        "physics",
        "quant-ph",
    }
)


@dataclass
class Announcement:
    """One announcement day as fetched: every item (new, cross, replace, replace-cross) and its completeness."""

    date: dt.date | None
    papers: list[Paper] = field(default_factory=list)
    announced: dict[str, int] = field(default_factory=dict)
    fetched: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    no_announcement: bool = False
    reason: str | None = None
    source: str = "rss"
    partial: str | None = None  # why the day may be incomplete although no listed id is missing
    # Set when the feed listed every paper but the API enrichment failed after its retries: `papers`
    # then carry the feed's data only (no comment, primary = the feed's first category), `missing`
    # stays empty, and `partial` says so too, so a caller that knows only `partial` still warns.
    enrichment_error: str | None = None
    notes: list[str] = field(default_factory=list)  # repairs made while reading (e.g. a NUL byte removed)

    @property
    def complete(self) -> bool:
        """True when every announced paper was fetched (nothing missing) and nothing suggests a short day."""
        return not self.missing and self.announced == self.fetched and self.partial is None

    @property
    def enriched(self) -> bool:
        """False when the papers carry the feed's data only because the API enrichment failed."""
        return self.enrichment_error is None


def user_agent(contact: str = "") -> str:
    """`paperbrief/<version> (+contact)`, as arXiv asks of API clients."""
    reach = f"mailto:{contact}" if contact and "@" in contact and "://" not in contact else contact
    return f"paperbrief/{__version__} (+{reach or 'https://pypi.org/project/paperbrief/'})"


def oai_set(category: str) -> str:
    """OAI-PMH set of a category: `cs.AI` → `cs:cs:AI`, `hep-th` → `physics:hep-th`, `cs` → `cs`."""
    archive, _, subject = category.partition(".")
    group = "physics" if archive in _PHYSICS_ARCHIVES else archive
    if subject:
        return f"{group}:{archive}:{subject}"
    return archive if group == archive else f"{group}:{archive}"


def check_categories(categories: Sequence[str]) -> list[str]:
    """Validated, deduplicated categories (`archive` or `archive.XX`, known archive); `ArxivCategoryError` if not."""
    cats = [c.strip() for c in categories if c.strip()]
    if not cats:
        raise ArxivCategoryError("no arXiv categories given")
    bad = [c for c in cats if not _CATEGORY_RE.match(c)]
    if bad:
        raise ArxivCategoryError(
            f"not an arXiv category: {', '.join(bad)} (expected `archive` or `archive.XX`, e.g. cs or cs.AI)"
        )
    unknown = [c for c in cats if c.partition(".")[0] not in KNOWN_ARCHIVES]
    if unknown:
        raise ArxivCategoryError(
            f"unknown arXiv archive in: {', '.join(unknown)} (known: {', '.join(sorted(KNOWN_ARCHIVES))})"
        )
    return list(dict.fromkeys(cats))


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


def _kind(paper: Paper, categories: Sequence[str], *, replacement: bool) -> AnnounceType:
    # Same rule as rss.arxiv.org (feed/database.py): relative to the requested set of categories.
    primary_in = any(in_category([paper.primary], c) for c in categories)
    if replacement:
        return AnnounceType.REPLACE if primary_in else AnnounceType.REPLACE_CROSS
    return AnnounceType.NEW if primary_in else AnnounceType.CROSS


class ArxivSource:
    """Client for arXiv's feed, search API and OAI-PMH sharing one ToU-safe throttle."""

    def __init__(
        self,
        rss_url: str = "https://rss.arxiv.org/atom",
        api_url: str = "https://export.arxiv.org/api/query",
        oai_url: str = "https://oaipmh.arxiv.org/oai",
        delay_seconds: float = 3.0,
        timeout: float = 30.0,
        retries: int = 4,
        contact: str = "",
        throttle: Throttle | None = None,
        *,
        throttle_path: Path | None = None,
        page_size: int = 100,
        batch_size: int = API_MAX_IDS,
        backoff_seconds: float | None = None,
        backoff_max_seconds: float = 120.0,
        max_retry_after_seconds: float = 600.0,
        metadata_prefix: str = "arXivRaw",
        transport: httpx.BaseTransport | None = None,
        today: Callable[[], dt.date] | None = None,
        calendar: ArxivCalendar | None = None,
        sleep: Callable[[float], None] | None = None,
        random_unit: Callable[[], float] = random.random,
    ) -> None:
        if not 1 <= page_size <= API_MAX_PAGE:
            raise ValueError(f"page_size must be 1..{API_MAX_PAGE}")
        if not 1 <= batch_size <= API_MAX_IDS:
            raise ValueError(f"batch_size must be 1..{API_MAX_IDS}")
        if retries < 0:
            raise ValueError("retries must be >= 0")
        self.rss_url = rss_url.rstrip("/")
        self.api_url = api_url
        self.oai_url = oai_url
        self.page_size = page_size
        self.batch_size = batch_size
        self.metadata_prefix = metadata_prefix
        # Weekends and holidays (the bundled list unless the caller adds the user's, see factories.py).
        self.calendar = calendar if calendar is not None else ArxivCalendar()
        # Today's date in arXiv's time zone (a feed is dated by the ET calendar); injectable for tests.
        self._today = today or (lambda: dt.datetime.now(ARXIV_TZ).date())
        # `throttle_path` (a lock file, e.g. `<home>/arxiv-throttle.lock`) spaces requests across every
        # process on the machine; None keeps the spacing within this process only.
        self.throttle = throttle if throttle is not None else Throttle(delay_seconds, lock_path=throttle_path)
        self._http = HttpClient(
            throttle=self.throttle,
            user_agent=user_agent(contact),
            timeout=timeout,
            retries=retries,
            # Backoff scales with the configured delay (2x, so 6 s under arXiv's 3 s rule).
            backoff_seconds=backoff_seconds if backoff_seconds is not None else 2 * self.throttle.delay_seconds,
            backoff_max_seconds=backoff_max_seconds,
            max_retry_after_seconds=max_retry_after_seconds,
            transport=transport,
            sleep=sleep,  # the waits between retries (injectable, like the jitter's random source)
            random_unit=random_unit,
        )

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> ArxivSource:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- today: the announcement feed + API enrichment --------------------------------------

    def feed_url(self, categories: Sequence[str]) -> str:
        """`<rss base>/cs.AI+cs.CL`: one combined feed, deduplicated by arXiv."""
        return f"{self.rss_url}/{'+'.join(check_categories(categories))}"

    def fetch_feed(self, categories: Sequence[str]) -> FeedPage:
        """The current announcement feed, parsed (one request)."""
        return self._http.get(self.feed_url(categories), {}, parse_announcement)

    def fetch_announcement(self, categories: Sequence[str], date: dt.date | None = None) -> Announcement:
        """The announcement dated `date` (None = the feed's): feed + enrichment, or an API window for past days."""
        cats = check_categories(categories)
        if date is not None and (reason := self.calendar.no_announcement_reason(date)) is not None:
            return self._nothing(date, cats, reason, source="calendar")
        if date is not None:
            self._refuse_future(date)
        feed = self.fetch_feed(cats)
        # An empty feed may carry no date at all: it is the current one, dated today (ET).
        feed_date = feed.date if feed.date is not None or feed.papers else self._today()
        if date is None or feed_date == date:
            if not feed.papers:
                day = feed_date or date
                why = (self.calendar.no_announcement_reason(day) if day else None) or NoAnnouncementReason.EMPTY_FEED
                return self._nothing(day, cats, why, source="rss")
            items, partial, notes = self._complete_feed(feed, cats)
            return self._enrich(feed.date, items, cats, partial, notes)
        if feed_date is not None and date > feed_date:
            raise ArxivNotAnnouncedError(
                f"{date.isoformat()} is not announced yet (the feed is dated {feed_date.isoformat()})",
                self.feed_url(cats),
            )
        return self.fetch_window(cats, date)

    def _refuse_future(self, date: dt.date) -> None:
        today = self._today()
        if date > today:
            raise ArxivNotAnnouncedError(
                f"{date.isoformat()} is in the future (today is {today.isoformat()} in America/New_York)"
            )

    def _complete_feed(self, feed: FeedPage, cats: Sequence[str]) -> tuple[list[Paper], str | None, list[str]]:
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
        replaced: set[str] = {
            p.arxiv_id for p in items if p.announce_type in (AnnounceType.REPLACE, AnnounceType.REPLACE_CROSS)
        }
        for category in cats:
            part = self.fetch_feed([category])
            notes.extend(part.notes)
            if part.papers and part.date != feed.date:
                # The feeds were rebuilt between our requests (midnight ET): never mix two days.
                return items, f"the {category} feed moved to {part.date} while the day was read; rerun", notes
            if len(part.papers) >= FEED_LIMIT:
                truncated.append(category)
            for paper in part.papers:
                if paper.announce_type in (AnnounceType.REPLACE, AnnounceType.REPLACE_CROSS):
                    replaced.add(paper.arxiv_id)
                merged.setdefault(paper.arxiv_id, paper)
        for paper in merged.values():
            paper.announced = feed.date
            paper.announce_type = _kind(paper, cats, replacement=paper.arxiv_id in replaced)
        partial = None
        if truncated:
            partial = (
                f"the feed of {', '.join(truncated)} holds {FEED_LIMIT} items, arXiv's limit: the day may be cut short"
            )
        return list(merged.values()), partial, notes

    def _nothing(
        self, date: dt.date | None, cats: Sequence[str], reason: NoAnnouncementReason, *, source: str
    ) -> Announcement:
        zeros = dict.fromkeys(cats, 0)
        return Announcement(
            date=date,
            announced=dict(zeros),
            fetched=dict(zeros),
            no_announcement=True,
            reason=str(reason),
            source=source,
        )

    def _enrich(
        self, date: dt.date | None, items: list[Paper], cats: Sequence[str], partial: str | None, notes: list[str]
    ) -> Announcement:
        try:
            found, missing, lookup_notes = self._lookup([p.versioned_id for p in items])
        except ArxivError as exc:
            # The feed listed every paper; only the API failed (after its retries). The day is still
            # worth a digest from the feed's data, with a warning: return it, marked, not nothing.
            return self._feed_only(date, items, cats, partial, notes, exc)
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
        self,
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

    # --- ids: API id_list batches -----------------------------------------------------------

    def fetch_ids(self, ids: Sequence[str]) -> list[Paper]:
        """Papers by id (`2602.04837`, `2602.04837v2`, `hep-th/9901001v2`); `ArxivMissingError` if any is absent."""
        wanted = [i.strip() for i in ids if i.strip()]
        for raw in wanted:
            split_arxiv_id(raw)  # ValueError with the bad id, before any request
        found, missing, notes = self._lookup(wanted)
        for note in notes:
            _log.warning("%s", note)
        papers = []
        for raw in dict.fromkeys(wanted):
            bare, _ = split_arxiv_id(raw)
            if bare in found and raw not in missing:
                papers.append(found[bare])
        if missing:
            raise ArxivMissingError(missing, papers, self.api_url)
        return papers

    def _lookup(self, ids: Sequence[str]) -> tuple[dict[str, Paper], list[str], list[str]]:
        found: dict[str, Paper] = {}
        pending = list(dict.fromkeys(ids))
        missing: list[str] = []
        notes: list[str] = []
        # Two passes: ids missing from the first answer are asked once more (the API's answers are
        # sometimes short, aRxiv#67); what is still absent is reported, never dropped.
        for _ in range(2):
            missing = []
            for start in range(0, len(pending), self.batch_size):
                batch = pending[start : start + self.batch_size]
                page = self._id_batch(batch)
                notes.extend(page.notes)
                got = {p.arxiv_id: p for p in page.papers}
                for raw in batch:
                    bare, version = split_arxiv_id(raw)
                    paper = got.get(bare)
                    if paper is None or (version is not None and paper.version != version):
                        missing.append(raw)
                    else:
                        found[bare] = paper
            if not missing:
                break
            pending = missing
        return found, missing, notes

    def _id_batch(self, batch: Sequence[str]) -> ApiPage:
        # An empty answer is not retried here: unknown ids legitimately return 200 with zero
        # entries, and `_lookup` asks once more for whatever is missing.
        params: dict[str, str | int] = {"id_list": ",".join(batch), "start": 0, "max_results": len(batch)}
        return self._http.get(self.api_url, params, parse_api)

    # --- past days: API submittedDate windows -----------------------------------------------

    def fetch_window(self, categories: Sequence[str], date: dt.date) -> Announcement:
        """Approximate a past announcement from the API's `submittedDate` window (see schedule.py)."""
        cats = check_categories(categories)
        if (reason := self.calendar.no_announcement_reason(date)) is not None:
            return self._nothing(date, cats, reason, source="calendar")
        self._refuse_future(date)
        start, end = self.calendar.submission_window(date)
        query = "(" + " OR ".join(f"cat:{c}" for c in cats) + ") AND " + self.calendar.submitted_date_query(date)
        papers = []
        found, notes = self._search(query)
        for paper in found:
            # sortBy/date filters have been flaky (arxiv.py #184): re-check the window client-side.
            if paper.published is not None and not start <= paper.published < end:
                continue
            paper.announced = date
            paper.announce_type = _kind(paper, cats, replacement=False)
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

    def search(self, query: str) -> list[Paper]:
        """All results of a `search_query`, paged by `page_size`, deduplicated by id (see `_search`)."""
        papers, notes = self._search(query)
        for note in notes:
            _log.warning("%s", note)
        return papers

    def _search(self, query: str) -> tuple[list[Paper], list[str]]:
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
                "max_results": self.page_size,
                "sortBy": "submittedDate",
                "sortOrder": "ascending",
            }
            page = self._http.get(self.api_url, params, _expect_entries(start, total))
            notes.extend(page.notes)
            if page.total is not None:
                total = page.total
            if not page.papers:
                break
            fresh = [p for p in page.papers if p.arxiv_id not in seen]
            if not fresh and len(page.papers) >= self.page_size:
                raise ArxivError(f"pagination returned only duplicates at start={start}", self.api_url)
            for paper in fresh:
                seen[paper.arxiv_id] = paper
            start += len(page.papers)
            if len(page.papers) < self.page_size:
                break
            if start >= API_MAX_WINDOW:
                raise ArxivError(f"more than {API_MAX_WINDOW} results: narrow the query", self.api_url)
        return list(seen.values()), notes

    # --- long ranges: OAI-PMH ---------------------------------------------------------------

    def backfill(
        self, categories: Sequence[str], start: dt.date, end: dt.date, store: Store | None = None
    ) -> Iterator[list[Paper]]:
        """OAI-PMH ListRecords pages for [start, end] (datestamps), restartable from a token kept in `store`."""
        cats = check_categories(categories)
        if end < start:
            raise ValueError("backfill end is before start")
        seen: set[str] = set()
        for category in cats:
            spec = oai_set(category)
            key = f"arxiv.oai.{self.metadata_prefix}.{spec}.{start.isoformat()}.{end.isoformat()}"
            token = store.get_state(key) if store is not None else None
            fresh_params: dict[str, str | int] = {
                "verb": "ListRecords",
                "metadataPrefix": self.metadata_prefix,
                "set": spec,
                "from": start.isoformat(),
                "until": end.isoformat(),
            }
            params = {"verb": "ListRecords", "resumptionToken": token} if token else fresh_params
            while True:
                try:
                    page = self._http.get(self.oai_url, params, parse_oai)
                except ArxivOAIError as exc:
                    # Tokens expire daily (help/oa): a stale persisted token restarts the set once.
                    if exc.code == "badResumptionToken" and params is not fresh_params and token:
                        token = None
                        params = fresh_params
                        continue
                    raise
                for note in page.notes:
                    _log.warning("%s", note)
                papers = self._oai_papers(page, cats, seen)
                if store is not None:
                    self._store_page(store, papers)
                    store.set_state(key, page.token)
                yield papers
                if not page.token:
                    break
                params = {"verb": "ListRecords", "resumptionToken": page.token}

    def _oai_papers(self, page: OaiPage, cats: Sequence[str], seen: set[str]) -> list[Paper]:
        out = []
        for record in page.records:
            paper = record.paper
            if paper is None or paper.arxiv_id in seen:
                continue
            seen.add(paper.arxiv_id)
            stamp = record.datestamp
            # Datestamps are last-modified dates: only a version dated just before an announcement
            # day counts as announced then; older records are metadata refreshes (arxivscraper #8).
            if stamp is not None and self.calendar.is_announcement_day(stamp):
                window_start, window_end = self.calendar.submission_window(stamp)
                ref = paper.updated or paper.published
                if ref is not None and window_start - MODERATION_SLACK <= ref < window_end:
                    paper.announced = stamp
                    paper.announce_type = _kind(paper, cats, replacement=paper.version > 1)
            out.append(paper)
        return out

    @staticmethod
    def _store_page(store: Store, papers: Sequence[Paper]) -> None:
        by_date: dict[dt.date, list[Paper]] = {}
        loose: list[Paper] = []
        for paper in papers:
            if paper.announced is not None:
                by_date.setdefault(paper.announced, []).append(paper)
            else:
                loose.append(paper)
        for day, items in by_date.items():
            store.record_announcement(day, items)
        store.upsert_papers(loose)


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
