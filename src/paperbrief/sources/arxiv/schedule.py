"""arXiv's announcement calendar: which dates carry an announcement, which submissions it holds, which dates exist.

Source: https://info.arxiv.org/help/availability.html (schedule and holiday list); the facts used
here are copied into docs/sources.md ("The announcement calendar").

paperbrief keys a digest on the *announcement date printed in the feed* (channel `<pubDate>` in
RSS, entry `<published>` in Atom): the US-Eastern calendar date of the feed rebuilt at midnight
after the 20:00 ET announcement. So the Tuesday 20:00 ET announcement is the digest of
Wednesday, the Sunday 20:00 ET one is Monday's. Feed dates run Monday to Friday; the holiday
files (`holidays.toml` here, plus the user's own) list feed dates on which arXiv sends no mailing.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from collections.abc import Iterable
from enum import StrEnum
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

ARXIV_TZ = ZoneInfo("America/New_York")
"""arXiv's business time zone (cut-offs and announcements are in US Eastern time)."""

HOLIDAYS_SOURCE = "https://info.arxiv.org/help/availability.html"

USER_HOLIDAYS_FILE = "arxiv-holidays.toml"
"""File name of the user's own holiday list in the paperbrief home (same format as holidays.toml)."""

EARLIEST_DATE = dt.date(1991, 8, 14)
"""The first date paperbrief can serve: arXiv opened (hep-th, as xxx.lanl.gov) on 14 August 1991.

Days before the current feed are read from the search API's `submittedDate` window, which reaches
back to arXiv's first paper (hep-th/9108001); a category that did not exist yet (cs.* began in
1998) gives an empty window, reported as a possibly incomplete day, not as an error.
"""

# Submissions received before 14:00 ET on a cut-off day go out in that evening's announcement.
_CUTOFF = dt.time(14, 0)


class HolidayFileError(ValueError):
    """A holiday file that cannot be read (not TOML, or a `[[holiday]]` without a valid `date`)."""


class NoAnnouncementReason(StrEnum):
    """Why a date has no announcement."""

    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    EMPTY_FEED = "empty feed"


class DateCheck(StrEnum):
    """How a requested announcement date relates to what the sources can serve."""

    SERVABLE = "servable"
    FUTURE = "future"
    BEFORE_EARLIEST = "before earliest"


def read_holidays(text: str, origin: str = "holidays file") -> frozenset[dt.date]:
    """The dates of the `[[holiday]]` tables in TOML `text` (`date = 2026-12-25`, or a "YYYY-MM-DD" string)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise HolidayFileError(f"{origin}: not valid TOML ({exc})") from None
    entries = data.get("holiday", [])
    if not isinstance(entries, list):
        raise HolidayFileError(f"{origin}: `holiday` must be an array of tables ([[holiday]])")
    dates = set()
    for number, entry in enumerate(entries, start=1):
        value = entry.get("date") if isinstance(entry, dict) else None
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                value = None
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise HolidayFileError(f"{origin}: holiday #{number} needs `date = YYYY-MM-DD`")
        dates.add(value)
    return frozenset(dates)


@functools.cache
def bundled_holidays() -> frozenset[dt.date]:
    """The holidays shipped with paperbrief (`paperbrief/sources/arxiv/holidays.toml`)."""
    text = resources.files("paperbrief.sources.arxiv").joinpath("holidays.toml").read_text(encoding="utf-8")
    return read_holidays(text, "holidays.toml")


class ArxivCalendar:
    """arXiv's announcement calendar: Monday-to-Friday feed dates minus the holidays it is given."""

    def __init__(self, holidays: Iterable[dt.date] | None = None) -> None:
        self.holidays: frozenset[dt.date] = frozenset(holidays) if holidays is not None else bundled_holidays()

    @classmethod
    def load(cls, *extra_files: Path) -> ArxivCalendar:
        """The bundled holidays plus those of each existing file in `extra_files` (`HolidayFileError` if unreadable)."""
        dates = set(bundled_holidays())
        for path in extra_files:
            if not path.is_file():
                continue  # the user file is optional
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise HolidayFileError(f"{path}: cannot be read ({exc})") from None
            dates |= read_holidays(text, str(path))
        return cls(dates)

    def no_announcement_reason(self, date: dt.date) -> NoAnnouncementReason | None:
        """`weekend`/`holiday` when the calendar says `date` (a feed date) has no mailing, else None."""
        if date.weekday() >= 5:
            return NoAnnouncementReason.WEEKEND
        if date in self.holidays:
            return NoAnnouncementReason.HOLIDAY
        return None

    def is_announcement_day(self, date: dt.date) -> bool:
        """Whether a feed dated `date` is expected to hold an announcement."""
        return self.no_announcement_reason(date) is None

    def previous_announcement_day(self, date: dt.date) -> dt.date:
        """The latest announcement date strictly before `date`."""
        day = date - dt.timedelta(days=1)
        while not self.is_announcement_day(day):
            day -= dt.timedelta(days=1)
        return day

    def latest_announcement_day(self, today: dt.date) -> dt.date:
        """`today` if it is an announcement day, else the one before it."""
        return today if self.is_announcement_day(today) else self.previous_announcement_day(today)

    def submission_window(self, date: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """UTC [start, end) of the submissions announced in the feed dated `date` (approximate).

        Mon 14:00–Tue 14:00 ET → announced Tue 20:00 → feed dated Wed; Thu 14:00–Fri 14:00 → Sun
        20:00 → Mon; Fri 14:00–Mon 14:00 → Mon 20:00 → Tue. After a holiday the window starts at the
        previous announcement's cut-off, so the deferred submissions are included. Moderation holds
        (1-4 days) and reclassifications make any submission window approximate.
        """
        reason = self.no_announcement_reason(date)
        if reason is not None:
            raise ValueError(f"{date.isoformat()} has no announcement ({reason})")
        start = _cutoff(self.previous_announcement_day(date))
        end = _cutoff(date)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)

    def submitted_date_query(self, date: dt.date) -> str:
        """The API's `submittedDate:[… TO …]` clause (GMT, minute precision, both ends inclusive)."""
        start, end = self.submission_window(date)
        last = end - dt.timedelta(minutes=1)  # inclusive bounds: stop one minute before the cut-off
        return f"submittedDate:[{start:%Y%m%d%H%M} TO {last:%Y%m%d%H%M}]"


def _default() -> ArxivCalendar:
    return ArxivCalendar()


def no_announcement_reason(date: dt.date) -> NoAnnouncementReason | None:
    """`weekend`/`holiday` by the bundled calendar (see `ArxivCalendar` for the user's holidays)."""
    return _default().no_announcement_reason(date)


def is_announcement_day(date: dt.date) -> bool:
    """Whether a feed dated `date` is expected to hold an announcement (bundled calendar)."""
    return _default().is_announcement_day(date)


def previous_announcement_day(date: dt.date) -> dt.date:
    """The latest announcement date strictly before `date` (bundled calendar)."""
    return _default().previous_announcement_day(date)


def submission_window(date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC [start, end) of the submissions announced in the feed dated `date` (bundled calendar)."""
    return _default().submission_window(date)


def submitted_date_query(date: dt.date) -> str:
    """The API's `submittedDate:[… TO …]` clause for `date` (bundled calendar)."""
    return _default().submitted_date_query(date)


def _cutoff(date: dt.date) -> dt.datetime:
    # The feed dated D holds the announcement made the evening before (Sun-Thu 20:00 ET); its
    # submissions closed at 14:00 ET that day, except for Sunday's, which closed Friday 14:00.
    evening = date - dt.timedelta(days=1)
    deadline = evening - dt.timedelta(days=2) if evening.weekday() == 6 else evening
    return dt.datetime.combine(deadline, _CUTOFF, tzinfo=ARXIV_TZ)


def feed_date_of(moment: dt.datetime) -> dt.date:
    """The feed date in force at `moment`: the US-Eastern calendar date (feeds rebuild at midnight ET)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ARXIV_TZ).date()


def today_in_arxiv_time() -> dt.date:
    """Today's feed date (the US-Eastern calendar date now)."""
    return feed_date_of(dt.datetime.now(dt.UTC))


def classify_date(date: dt.date, *, today: dt.date | None = None) -> DateCheck:
    """Whether a requested announcement date can be served: after `today` (ET) or before `EARLIEST_DATE` cannot."""
    if date > (today or today_in_arxiv_time()):
        return DateCheck.FUTURE
    if date < EARLIEST_DATE:
        return DateCheck.BEFORE_EARLIEST
    return DateCheck.SERVABLE


def date_problem(date: dt.date, *, today: dt.date | None = None) -> str | None:
    """One-line reason a requested date cannot be served (for a usage error, exit 2), or None if it can."""
    now = today or today_in_arxiv_time()
    check = classify_date(date, today=now)
    if check is DateCheck.FUTURE:
        return f"{date.isoformat()} is in the future (today is {now.isoformat()} in America/New_York)"
    if check is DateCheck.BEFORE_EARLIEST:
        return (
            f"{date.isoformat()} is before arXiv's first announcement (14 August 1991): "
            f"the earliest supported date is {EARLIEST_DATE.isoformat()}"
        )
    return None
