"""What `paperbrief fetch` and `paperbrief backfill` do: fetch a day, ids or a range from arXiv and store it.

The CLI parses flags, calls one of `fetch_day`, `fetch_papers` or `backfill_days` and maps the
returned outcome to an exit code (docs/sources.md). Errors: `ValueError` (bad input, e.g. an unknown
category or id) and `ArxivError` (arXiv failed after retries) propagate, except in `backfill_days`,
which reports what it stored before the failure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from paperbrief.models import AnnounceType, Paper, category_counts, in_category
from paperbrief.sources.arxiv.errors import ArxivError, ArxivMissingError
from paperbrief.sources.arxiv.schedule import today_in_arxiv_time
from paperbrief.sources.arxiv.source import Announcement, ArxivSource

if TYPE_CHECKING:
    from paperbrief.store import Store

__all__ = [
    "BackfillMethod",
    "BackfillOutcome",
    "DayMethod",
    "IdsOutcome",
    "backfill_days",
    "backfill_papers",
    "completeness_line",
    "day_problems",
    "fetch_day",
    "fetch_papers",
]


class DayMethod(StrEnum):
    """How `fetch_day` reads a day: the feed (+ API enrichment / windows), an API window, or OAI-PMH."""

    RSS = "rss"
    API = "api"
    OAI = "oai"


class BackfillMethod(StrEnum):
    """How `backfill_days` reads a range: OAI-PMH ListRecords, or one API window per announcement day."""

    OAI = "oai"
    API = "api"


@dataclass
class IdsOutcome:
    """Papers fetched by id (all stored) and the ids arXiv did not return after retries."""

    papers: list[Paper]
    missing: list[str] = field(default_factory=list)
    error: str | None = None  # the one-line message when some ids are missing


@dataclass
class BackfillOutcome:
    """Papers stored by `backfill_days`, the days that may be incomplete, and the error that stopped it."""

    stored: int = 0
    incomplete: list[dt.date] = field(default_factory=list)
    error: str | None = None  # set when arXiv failed after retries; `stored` papers are kept (rerun to resume)


def fetch_day(
    source: ArxivSource,
    store: Store,
    categories: Sequence[str],
    date: dt.date | None = None,
    method: DayMethod = DayMethod.RSS,
) -> Announcement:
    """Fetch one announcement day (None = the latest) and store its papers; check `day_problems` for a partial day."""
    if method is DayMethod.RSS:
        ann = source.fetch_announcement(categories, date)
    elif method is DayMethod.API:
        ann = source.fetch_window(categories, date or _latest_day(source))
    else:
        day = date or _latest_day(source)
        got: list[Paper] = []
        for page in source.backfill(categories, day, day, store):  # stores page by page
            got.extend(page)
        counts = category_counts(got, categories)
        ann = Announcement(date=day, papers=got, announced=counts, fetched=dict(counts), source="oai")
    if not ann.no_announcement and ann.date is not None and ann.source != "oai":
        store.record_announcement(ann.date, ann.papers)
    return ann


def day_problems(ann: Announcement) -> list[str]:
    """Why a fetched day is partial (exit 3): papers missing after retries, a possibly short day; empty if complete."""
    problems = []
    if ann.missing:
        shown = ", ".join(ann.missing[:10]) + (" …" if len(ann.missing) > 10 else "")
        problems.append(f"{len(ann.missing)} announced paper(s) missing after retries: {shown}")
    if ann.partial:
        problems.append(f"the day may be incomplete: {ann.partial}")
    return problems


def completeness_line(ann: Announcement) -> str:
    """`2026-02-05: announced 30 / fetched 30 (cs.AI 14/14, …) via rss`, plus why it may be incomplete."""
    per = ", ".join(f"{c} {ann.announced.get(c, 0)}/{ann.fetched.get(c, 0)}" for c in ann.announced)
    total_announced = len(ann.papers)
    total_fetched = total_announced - len(ann.missing)
    line = f"{ann.date}: announced {total_announced} / fetched {total_fetched} ({per}) via {ann.source}"
    return line + (f" — INCOMPLETE: {ann.partial}" if ann.partial else "")


def fetch_papers(source: ArxivSource, store: Store, ids: Sequence[str]) -> IdsOutcome:
    """Fetch papers by arXiv id and store them; ids still absent after retries are listed, what arrived is kept."""
    try:
        papers = source.fetch_ids(ids)
    except ArxivMissingError as exc:
        store.upsert_papers(exc.papers)
        return IdsOutcome(papers=list(exc.papers), missing=list(exc.missing), error=str(exc))
    store.upsert_papers(papers)
    return IdsOutcome(papers=papers)


def backfill_days(
    source: ArxivSource,
    store: Store,
    categories: Sequence[str],
    start: dt.date,
    end: dt.date,
    method: BackfillMethod = BackfillMethod.OAI,
    *,
    progress: Callable[[str], None] = lambda line: None,
    today: dt.date | None = None,
) -> BackfillOutcome:
    """Store every paper of [start, end], restartable (OAI tokens in the store); `progress` gets a line per page/day."""
    if end < start:
        raise ValueError("--to is before --from")
    outcome = BackfillOutcome()
    try:
        if method is BackfillMethod.OAI:
            for number, page in enumerate(source.backfill(categories, start, end, store), start=1):
                outcome.stored += len(page)
                progress(f"page {number}: {len(page)} papers ({outcome.stored} so far)")
        else:
            _backfill_windows(source, store, categories, start, end, today or today_in_arxiv_time(), progress, outcome)
    except ArxivError as exc:
        outcome.error = f"{exc} — {outcome.stored} papers stored so far; rerun to resume"
    return outcome


def _backfill_windows(
    source: ArxivSource,
    store: Store,
    categories: Sequence[str],
    start: dt.date,
    end: dt.date,
    today: dt.date,
    progress: Callable[[str], None],
    outcome: BackfillOutcome,
) -> None:
    if end > today:
        progress(f"stopping at today ({today}): later days are not announced yet")
    day = start
    while day <= min(end, today):
        if source.calendar.is_announcement_day(day):
            ann = source.fetch_window(categories, day)
            store.record_announcement(day, ann.papers)
            outcome.stored += len(ann.papers)
            note = f" — INCOMPLETE: {ann.partial}" if ann.partial else ""
            progress(f"{day}: {len(ann.papers)} papers{note}")
            if ann.partial:
                outcome.incomplete.append(day)
        day += dt.timedelta(days=1)


def backfill_papers(store: Store, categories: Sequence[str], start: dt.date, end: dt.date) -> list[Paper]:
    """The papers of a range that `backfill --summarize` summarizes, oldest day first (docs/scale.md).

    Every paper announced on a day of [start, end] in one of `categories` (an archive such as `cs`
    covers its subject classes) as a new submission or a cross-list, once, at the version
    announced; replacements are recorded but not summarized, as in `run`. The reader's filters
    and earlier digests are not applied: every worker must agree on the same papers, and any
    later digest of those days then finds its papers' summaries in the cache.
    """
    if end < start:
        raise ValueError("--to is before --from")
    kinds = {AnnounceType.NEW, AnnounceType.CROSS}
    chosen: dict[tuple[str, int], Paper] = {}
    day = start
    while day <= end:
        for paper in reversed(store.announced_papers(day)):  # oldest id first within a day
            kind = paper.announce_type or AnnounceType.NEW
            if kind in kinds and any(in_category(paper.categories, c) for c in categories):
                chosen.setdefault((paper.arxiv_id, paper.version), paper)
        day += dt.timedelta(days=1)
    return list(chosen.values())


def _latest_day(source: ArxivSource) -> dt.date:
    return source.calendar.latest_announcement_day(today_in_arxiv_time())
