"""arXiv sources: the day's announcement feed, API enrichment and windows, OAI-PMH backfill.

See docs/sources.md and https://info.arxiv.org/help/api/tou.html for the politeness rules.
"""

from paperbrief.models import category_counts
from paperbrief.sources.arxiv._throttle import Slot, Throttle
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
    short_url,
)
from paperbrief.sources.arxiv.schedule import (
    HOLIDAYS,
    NoAnnouncementReason,
    is_announcement_day,
    no_announcement_reason,
    submission_window,
    submitted_date_query,
)
from paperbrief.sources.arxiv.source import (
    FEED_LIMIT,
    KNOWN_ARCHIVES,
    Announcement,
    ArxivSource,
    check_categories,
    oai_set,
    user_agent,
)

__all__ = [
    "FEED_LIMIT",
    "HOLIDAYS",
    "KNOWN_ARCHIVES",
    "Announcement",
    "ArxivAPIError",
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
    "NoAnnouncementReason",
    "Slot",
    "Throttle",
    "category_counts",
    "check_categories",
    "is_announcement_day",
    "no_announcement_reason",
    "oai_set",
    "short_url",
    "submission_window",
    "submitted_date_query",
    "user_agent",
]
