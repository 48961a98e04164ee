"""arXiv sources: the day's announcement feed, API enrichment and windows, OAI-PMH backfill.

See docs/sources.md and https://info.arxiv.org/help/api/tou.html for the politeness rules.
"""

from paperbrief.sources.arxiv._throttle import Throttle
from paperbrief.sources.arxiv.errors import (
    ArxivAPIError,
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
    HOLIDAYS,
    NoAnnouncementReason,
    is_announcement_day,
    no_announcement_reason,
    submission_window,
    submitted_date_query,
)
from paperbrief.sources.arxiv.source import Announcement, ArxivSource, category_counts, oai_set, user_agent

__all__ = [
    "HOLIDAYS",
    "Announcement",
    "ArxivAPIError",
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
    "Throttle",
    "category_counts",
    "is_announcement_day",
    "no_announcement_reason",
    "oai_set",
    "submission_window",
    "submitted_date_query",
    "user_agent",
]
