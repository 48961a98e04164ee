"""Rising and falling terms: a week's paper counts per term against the mean of earlier weeks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel

from paperbrief.models import DigestEntry
from paperbrief.weekly.terms import entry_terms


class Direction(StrEnum):
    """Whether a term rose or fell against the baseline."""

    RISING = "rising"
    FALLING = "falling"


class Trend(BaseModel):
    """One term: papers this week (`count`), mean papers per baseline week (`previous`) and the change."""

    term: str
    count: int
    previous: float
    change: float
    direction: Direction


def count_terms(entries: Sequence[DigestEntry]) -> Counter[str]:
    """Papers per term (a paper counts once per term however often it says it)."""
    counts: Counter[str] = Counter()
    for entry in entries:
        counts.update(entry_terms(entry))
    return counts


def compute_trends(
    current: Sequence[DigestEntry],
    baseline: Sequence[Sequence[DigestEntry]],
    limit: int = 8,
    min_papers: int = 2,
) -> list[Trend]:
    """Up to `limit` rising then `limit` falling terms of `current` against the mean of the `baseline` weeks.

    `baseline` holds one list of papers per earlier week that has any stored digest; with none,
    `previous` is 0 and every frequent term rises. A term needs `min_papers` papers in the week or
    in the baseline mean to count, so one-off phrases do not fill the list.
    """
    now = count_terms(current)
    before: Counter[str] = Counter()
    for week in baseline:
        before.update(count_terms(week))
    weeks = len(baseline)
    trends: list[Trend] = []
    for term in set(now) | set(before):
        count = now.get(term, 0)
        previous = round(before.get(term, 0) / weeks, 2) if weeks else 0.0
        if max(count, previous) < min_papers:
            continue
        change = round(count - previous, 2)
        if change == 0:
            continue
        direction = Direction.RISING if change > 0 else Direction.FALLING
        trends.append(Trend(term=term, count=count, previous=previous, change=change, direction=direction))
    rising = sorted((t for t in trends if t.direction is Direction.RISING), key=lambda t: (-t.change, -t.count, t.term))
    falling = sorted((t for t in trends if t.direction is Direction.FALLING), key=lambda t: (t.change, t.term))
    return rising[:limit] + falling[:limit]
