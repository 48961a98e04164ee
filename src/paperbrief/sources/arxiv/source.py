"""The arXiv source: today's announcement (feed + API enrichment), past days (API windows), OAI backfill.

`ArxivSource` holds the settings and the one throttled HTTP client; each way of reading arXiv lives
in a module of its own: `_today` (feed + enrichment), `_ids` (id look-up), `_window` (API windows),
`_backfill` (OAI-PMH). What they return is in `announcement`.

Data path and politeness follow https://info.arxiv.org/help/api/user-manual.html,
https://info.arxiv.org/help/rss.html, https://info.arxiv.org/help/oa/index.html and the terms of
use https://info.arxiv.org/help/api/tou.html (one request every 3 s, one connection at a time).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from paperbrief import __version__
from paperbrief.models import Paper
from paperbrief.sources.arxiv import _backfill, _ids, _today, _window
from paperbrief.sources.arxiv._backfill import MODERATION_SLACK, oai_set
from paperbrief.sources.arxiv._http import HttpClient
from paperbrief.sources.arxiv._ids import API_MAX_IDS
from paperbrief.sources.arxiv._throttle import Throttle
from paperbrief.sources.arxiv._today import FEED_LIMIT
from paperbrief.sources.arxiv._window import API_MAX_PAGE, API_MAX_WINDOW
from paperbrief.sources.arxiv.announcement import KNOWN_ARCHIVES, Announcement, check_categories, no_announcement
from paperbrief.sources.arxiv.errors import ArxivNotAnnouncedError
from paperbrief.sources.arxiv.parse import FeedPage, parse_announcement
from paperbrief.sources.arxiv.schedule import ARXIV_TZ, ArxivCalendar, NoAnnouncementReason

if TYPE_CHECKING:
    from paperbrief.store import Store

__all__ = [
    "API_MAX_IDS",
    "API_MAX_PAGE",
    "API_MAX_WINDOW",
    "FEED_LIMIT",
    "KNOWN_ARCHIVES",
    "MODERATION_SLACK",
    "Announcement",
    "ArxivSource",
    "check_categories",
    "oai_set",
    "user_agent",
]

_log = logging.getLogger("paperbrief.sources.arxiv")


def user_agent(contact: str = "") -> str:
    """`paperbrief/<version> (+contact)`, as arXiv asks of API clients."""
    reach = f"mailto:{contact}" if contact and "@" in contact and "://" not in contact else contact
    return f"paperbrief/{__version__} (+{reach or 'https://pypi.org/project/paperbrief/'})"


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

    @property
    def http_client(self) -> HttpClient:
        """The source's one throttled HTTP client, for other readers of arXiv in the same command (full text)."""
        return self._http

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> ArxivSource:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- today: the announcement feed + API enrichment (_today) -----------------------------

    def feed_url(self, categories: Sequence[str]) -> str:
        """`<rss base>/cs.AI+cs.CL`: one combined feed, deduplicated by arXiv."""
        return f"{self.rss_url}/{'+'.join(check_categories(categories))}"

    def fetch_feed(self, categories: Sequence[str]) -> FeedPage:
        """The current announcement feed, parsed (one request)."""
        return self._http.get(self.feed_url(categories), {}, parse_announcement)

    def fetch_announcement(
        self, categories: Sequence[str], date: dt.date | None = None, on_feed: _today.FeedCallback | None = None
    ) -> Announcement:
        """The announcement dated `date` (None = the feed's): feed + enrichment, or an API window for past days.

        For a feed day, `on_feed` gets the feed's papers before the enrichment (see `_today.FeedDay`).
        """
        cats = check_categories(categories)
        if date is not None and (reason := self.calendar.no_announcement_reason(date)) is not None:
            return no_announcement(date, cats, reason, source="calendar")
        if date is not None:
            self._refuse_future(date)
        feed = self.fetch_feed(cats)
        # An empty feed may carry no date at all: it is the current one, dated today (ET).
        feed_date = feed.date if feed.date is not None or feed.papers else self._today()
        if date is None or feed_date == date:
            if not feed.papers:
                day = feed_date or date
                why = (self.calendar.no_announcement_reason(day) if day else None) or NoAnnouncementReason.EMPTY_FEED
                return no_announcement(day, cats, why, source="rss")
            items, partial, notes = _today.complete_feed(feed, cats, self.fetch_feed)
            return _today.enrich(feed.date, items, cats, partial, notes, self._lookup, on_feed)
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

    # --- ids: API id_list batches (_ids) ----------------------------------------------------

    def fetch_ids(self, ids: Sequence[str]) -> list[Paper]:
        """Papers by id (`2602.04837`, `2602.04837v2`, `hep-th/9901001v2`); `ArxivMissingError` if any is absent."""
        return _ids.fetch_ids(self._http, self.api_url, self.batch_size, ids)

    def _lookup(self, ids: Sequence[str]) -> tuple[dict[str, Paper], list[str], list[str]]:
        return _ids.lookup(self._http, self.api_url, self.batch_size, ids)

    # --- past days: API submittedDate windows (_window) -------------------------------------

    def fetch_window(self, categories: Sequence[str], date: dt.date) -> Announcement:
        """Approximate a past announcement from the API's `submittedDate` window (see schedule.py)."""
        cats = check_categories(categories)
        if (reason := self.calendar.no_announcement_reason(date)) is not None:
            return no_announcement(date, cats, reason, source="calendar")
        self._refuse_future(date)
        found, notes = self._search(_window.window_query(self.calendar, cats, date))
        return _window.window_announcement(self.calendar, cats, date, found, notes)

    def search(self, query: str) -> list[Paper]:
        """All results of a `search_query`, paged by `page_size`, deduplicated by id (see `_window.search`)."""
        papers, notes = self._search(query)
        for note in notes:
            _log.warning("%s", note)
        return papers

    def _search(self, query: str) -> tuple[list[Paper], list[str]]:
        return _window.search(self._http, self.api_url, self.page_size, query)

    # --- long ranges: OAI-PMH (_backfill) ---------------------------------------------------

    def backfill(
        self, categories: Sequence[str], start: dt.date, end: dt.date, store: Store | None = None
    ) -> Iterator[list[Paper]]:
        """OAI-PMH ListRecords pages for [start, end] (datestamps), restartable from a token kept in `store`."""
        cats = check_categories(categories)
        if end < start:
            raise ValueError("backfill end is before start")
        yield from _backfill.backfill(
            self._http, self.oai_url, self.metadata_prefix, self.calendar, cats, start, end, store
        )
