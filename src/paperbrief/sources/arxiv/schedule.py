"""arXiv's announcement calendar: which dates carry an announcement, and which submissions it holds.

Source: https://info.arxiv.org/help/availability.html (schedule and holiday list).

paperbrief keys a digest on the *announcement date printed in the feed* (channel `<pubDate>` in
RSS, entry `<published>` in Atom): the US-Eastern calendar date of the feed rebuilt at midnight
after the 20:00 ET announcement. So the Tuesday 20:00 ET announcement is the digest of
Wednesday, the Sunday 20:00 ET one is Monday's. Feed dates run Monday to Friday; the holiday
table below lists feed dates on which arXiv sends no mailing (e.g. Friday 2026-12-25).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from zoneinfo import ZoneInfo

ARXIV_TZ = ZoneInfo("America/New_York")
"""arXiv's business time zone (cut-offs and announcements are in US Eastern time)."""

HOLIDAYS_SOURCE = "https://info.arxiv.org/help/availability.html"

# The one table of arXiv holidays: dates with no mailing. 2026 from HOLIDAYS_SOURCE (copied into
# ../shared/arxiv-access.md). Other years are not listed there; add them here when arXiv
# publishes them (an unlisted holiday still shows up as an empty feed, reason "empty feed").
HOLIDAYS: frozenset[dt.date] = frozenset(
    dt.date(2026, month, day)
    for month, day in ((1, 1), (1, 19), (6, 19), (7, 3), (9, 7), (11, 26), (12, 25), (12, 29), (12, 31))
)

# Submissions received before 14:00 ET on a cut-off day go out in that evening's announcement.
_CUTOFF = dt.time(14, 0)


class NoAnnouncementReason(StrEnum):
    """Why a date has no announcement."""

    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    EMPTY_FEED = "empty feed"


def no_announcement_reason(date: dt.date) -> NoAnnouncementReason | None:
    """`weekend`/`holiday` when the calendar says `date` (a feed date) has no mailing, else None."""
    if date.weekday() >= 5:
        return NoAnnouncementReason.WEEKEND
    if date in HOLIDAYS:
        return NoAnnouncementReason.HOLIDAY
    return None


def is_announcement_day(date: dt.date) -> bool:
    """Whether a feed dated `date` is expected to hold an announcement."""
    return no_announcement_reason(date) is None


def previous_announcement_day(date: dt.date) -> dt.date:
    """The latest announcement date strictly before `date`."""
    day = date - dt.timedelta(days=1)
    while not is_announcement_day(day):
        day -= dt.timedelta(days=1)
    return day


def _cutoff(date: dt.date) -> dt.datetime:
    # The feed dated D holds the announcement made the evening before (Sun-Thu 20:00 ET); its
    # submissions closed at 14:00 ET that day, except for Sunday's, which closed Friday 14:00.
    evening = date - dt.timedelta(days=1)
    deadline = evening - dt.timedelta(days=2) if evening.weekday() == 6 else evening
    return dt.datetime.combine(deadline, _CUTOFF, tzinfo=ARXIV_TZ)


def submission_window(date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC [start, end) of the submissions announced in the feed dated `date` (approximate).

    Mon 14:00–Tue 14:00 ET → announced Tue 20:00 → feed dated Wed; Thu 14:00–Fri 14:00 → Sun
    20:00 → Mon; Fri 14:00–Mon 14:00 → Mon 20:00 → Tue. After a holiday the window starts at the
    previous announcement's cut-off, so the deferred submissions are included. Moderation holds
    (1-4 days) and reclassifications make any submission window approximate.
    """
    reason = no_announcement_reason(date)
    if reason is not None:
        raise ValueError(f"{date.isoformat()} has no announcement ({reason})")
    start = _cutoff(previous_announcement_day(date))
    end = _cutoff(date)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def submitted_date_query(date: dt.date) -> str:
    """The API's `submittedDate:[… TO …]` clause (GMT, minute precision, both ends inclusive)."""
    start, end = submission_window(date)
    last = end - dt.timedelta(minutes=1)  # inclusive bounds: stop one minute before the cut-off
    return f"submittedDate:[{start:%Y%m%d%H%M} TO {last:%Y%m%d%H%M}]"


def feed_date_of(moment: dt.datetime) -> dt.date:
    """The feed date in force at `moment`: the US-Eastern calendar date (feeds rebuild at midnight ET)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ARXIV_TZ).date()
