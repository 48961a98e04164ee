"""ISO weeks (`2026-W08`): parsing, the last complete week, and the days a week spans.

ISO 8601 week dates, as Python's `date.isocalendar` implements them
(https://docs.python.org/3/library/datetime.html#datetime.date.isocalendar).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, order=True)
class IsoWeek:
    """One ISO week, Monday to Sunday."""

    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """`2026-W08` → IsoWeek(2026, 8); raises ValueError with a one-line message otherwise."""
        match = _WEEK_RE.match(text.strip())
        if match is None:
            raise ValueError(f"invalid week {text!r}: expected YYYY-Www, e.g. 2026-W08")
        year, week = int(match.group(1)), int(match.group(2))
        try:
            dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            raise ValueError(f"invalid week {text!r}: {year} has no ISO week {week}") from None
        return cls(year, week)

    @classmethod
    def of(cls, day: dt.date) -> IsoWeek:
        """The ISO week a day falls in."""
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def last_complete(cls, today: dt.date) -> IsoWeek:
        """The newest week that ended before `today` (the week of `today - 7 days`)."""
        return cls.of(today - dt.timedelta(days=7))

    @property
    def label(self) -> str:
        """`2026-W08`: the file names and the JSON's `week`."""
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> dt.date:
        """First day of the week."""
        return dt.date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> dt.date:
        """Last day of the week."""
        return self.monday + dt.timedelta(days=6)

    def days(self) -> list[dt.date]:
        """Monday to Sunday."""
        return [self.monday + dt.timedelta(days=i) for i in range(7)]

    def weekdays(self) -> list[dt.date]:
        """Monday to Friday: the days arXiv mails an announcement (holidays aside)."""
        return self.days()[:5]

    def shifted(self, weeks: int) -> IsoWeek:
        """The week `weeks` later (negative: earlier)."""
        return IsoWeek.of(self.monday + dt.timedelta(weeks=weeks))

    def __str__(self) -> str:
        return self.label
