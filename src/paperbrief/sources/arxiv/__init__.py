"""arXiv sources: the day's announcement feed, API enrichment and windows, OAI-PMH backfill.

The public names are the source (`ArxivSource`, its `Throttle`), what it returns (`Announcement`),
its errors, the announcement calendar and the fetch functions the CLI calls. Parsers for saved
responses are in `paperbrief.sources.arxiv.parse`. See docs/sources.md and
https://info.arxiv.org/help/api/tou.html for the politeness rules.
"""

from paperbrief.sources.arxiv._throttle import Throttle
from paperbrief.sources.arxiv._today import FeedCallback, FeedDay
from paperbrief.sources.arxiv.errors import (
    ArxivAPIError,
    ArxivCategoryError,
    ArxivEmptyPageError,
    ArxivError,
    ArxivFeedError,
    ArxivHTTPError,
    ArxivMissingError,
    ArxivNetworkError,
    ArxivNotAnnouncedError,
    ArxivOAIError,
    ArxivParseError,
)
from paperbrief.sources.arxiv.schedule import (
    EARLIEST_DATE,
    ArxivCalendar,
    DateCheck,
    HolidayFileError,
    NoAnnouncementReason,
    classify_date,
    date_problem,
)
from paperbrief.sources.arxiv.source import Announcement, ArxivSource

__all__ = [
    "EARLIEST_DATE",
    "Announcement",
    "ArxivAPIError",
    "ArxivCalendar",
    "ArxivCategoryError",
    "ArxivEmptyPageError",
    "ArxivError",
    "ArxivFeedError",
    "ArxivHTTPError",
    "ArxivMissingError",
    "ArxivNetworkError",
    "ArxivNotAnnouncedError",
    "ArxivOAIError",
    "ArxivParseError",
    "ArxivSource",
    "DateCheck",
    "FeedCallback",
    "FeedDay",
    "HolidayFileError",
    "NoAnnouncementReason",
    "Throttle",
    "classify_date",
    "date_problem",
]
