"""The weekly report: the week's papers from the stored digests, trends against four earlier weeks, themes.

JSON contract (docs/weekly.md): `week`, `papers` (`arxiv_id`, `title`, `score`, …), `trends`
(`term`, `count`, `previous`, …) and `themes` (`title`, `text`, `papers`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from paperbrief.models import Digest, DigestEntry
from paperbrief.reader_view import SHARED_READER, ReaderView, load_reader_digest
from paperbrief.render.numbers_marks import is_full_text, unsupported_in
from paperbrief.store import Store
from paperbrief.weekly.period import IsoWeek
from paperbrief.weekly.themes import Theme, ThemeWriter, cluster_entries, terms_theme
from paperbrief.weekly.trends import Trend, compute_trends

BASELINE_WEEKS = 4


class WeeklyPaper(BaseModel):
    """One paper of the week: `rank` 1 is the best (by the reader's model, else by score, else by place)."""

    arxiv_id: str
    version: int = 1
    title: str
    score: int | None = None
    rank: int
    date: dt.date
    authors: list[str] = Field(default_factory=list)
    primary_category: str
    categories: list[str] = Field(default_factory=list)
    url: str
    tldr: str | None = None
    reader_score: float | None = None
    # Issue 16: the numbers of `tldr` its source does not state, and whether that source was the
    # paper's full text (the ⚠ mark's wording says which); empty for a clean tldr.
    unsupported_numbers: list[str] = Field(default_factory=list)
    full_text: bool = False


class DayCount(BaseModel):
    """Papers per primary category on one day of the week."""

    date: dt.date
    categories: dict[str, int] = Field(default_factory=dict)


class WeeklyReport(BaseModel):
    """A week's report as written to `DIR/<week>.json`."""

    week: str
    start: dt.date
    end: dt.date
    language: str = "zh"
    reader: str | None = None
    ranking: str = "score"
    hidden: int = 0
    updated: dt.datetime | None = None
    days: list[dt.date] = Field(default_factory=list)
    missing_days: list[dt.date] = Field(default_factory=list)
    no_announcement_days: list[dt.date] = Field(default_factory=list)
    baseline_weeks: list[str] = Field(default_factory=list)
    papers: list[WeeklyPaper] = Field(default_factory=list)
    trends: list[Trend] = Field(default_factory=list)
    themes: list[Theme] = Field(default_factory=list)
    per_day: list[DayCount] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        """No paper was digested that week."""
        return not self.papers


@dataclass
class WeekDigests:
    """The stored digests of one week and what is missing."""

    week: IsoWeek
    digests: list[Digest] = field(default_factory=list)
    missing: list[dt.date] = field(default_factory=list)

    def entries(self) -> list[DigestEntry]:
        """Each paper once (its first day of the week), in day then report order."""
        seen: set[str] = set()
        out: list[DigestEntry] = []
        for digest in self.digests:
            for entry in digest.entries:
                if entry.paper.arxiv_id not in seen:
                    seen.add(entry.paper.arxiv_id)
                    out.append(entry)
        return out


def load_week(store: Store, week: IsoWeek, language: str | None = None, reader: str = SHARED_READER) -> WeekDigests:
    """The week's stored digests of `reader` (Monday to Sunday; a day they have none of: the shared
    reader's, see `load_reader_digest`); weekdays without any are `missing`."""
    found = WeekDigests(week)
    for day in week.days():
        digest = load_reader_digest(store, day, reader, prefer_language=language)
        if digest is not None:
            found.digests.append(digest)
        elif day in week.weekdays():
            found.missing.append(day)
    return found


def _score(entry: DigestEntry) -> int | None:
    return entry.summary.score if entry.summary is not None else None


def without_hidden(week: WeekDigests, hidden: frozenset[str]) -> WeekDigests:
    """The week with the papers a reader hid taken out of every digest."""
    if not hidden:
        return week
    digests = [
        d.model_copy(update={"entries": [e for e in d.entries if e.paper.arxiv_id not in hidden]}) for d in week.digests
    ]
    return WeekDigests(week.week, digests, list(week.missing))


def rank_week(week: WeekDigests, reader_scores: Mapping[str, float] | None = None) -> list[tuple[DigestEntry, dt.date]]:
    """The week's papers, best first: by the reader's model score when given, else by score (unscored
    last); ties by day and place in the day's digest."""
    items: list[tuple[float, float, dt.date, int, DigestEntry]] = []
    seen: set[str] = set()
    for digest in week.digests:
        for place, entry in enumerate(digest.entries):
            if entry.paper.arxiv_id in seen:
                continue
            seen.add(entry.paper.arxiv_id)
            score = _score(entry)
            if reader_scores:
                key: tuple[float, float] = (0.0, -reader_scores.get(entry.paper.arxiv_id, float("-inf")))
            else:
                key = (0.0 if score is not None else 1.0, -float(score or 0))
            items.append((*key, digest.date, place, entry))
    items.sort(key=lambda t: t[:4])
    return [(t[4], t[2]) for t in items]


def _paper(entry: DigestEntry, day: dt.date, rank: int, reader_score: float | None = None) -> WeeklyPaper:
    paper = entry.paper
    return WeeklyPaper(
        arxiv_id=paper.arxiv_id,
        version=paper.version,
        title=paper.title,
        score=_score(entry),
        rank=rank,
        date=day,
        authors=list(paper.authors),
        primary_category=paper.primary,
        categories=list(paper.categories),
        url=paper.abs_url,
        tldr=entry.summary.tldr if entry.summary is not None else None,
        reader_score=reader_score,
        unsupported_numbers=unsupported_in(entry.summary, entry.summary.tldr if entry.summary is not None else None),
        full_text=is_full_text(entry.summary),
    )


def _per_day(week: WeekDigests) -> list[DayCount]:
    rows = []
    for digest in week.digests:
        counts = Counter(e.paper.primary for e in digest.entries)
        rows.append(DayCount(date=digest.date, categories=dict(sorted(counts.items()))))
    return rows


@dataclass
class BuiltWeek:
    """The report and the digest entries behind its papers (the site's cards need the full entries)."""

    report: WeeklyReport
    entries: list[DigestEntry]


def build_weekly(
    store: Store,
    week: IsoWeek,
    language: str = "zh",
    reader: str | None = None,
    writer: ThemeWriter | None = None,
    view: ReaderView | None = None,
) -> BuiltWeek:
    """Build the report of `week` from the store; `writer` None names themes by their top terms.

    With a reader's `view`, the papers they hid are left out everywhere (papers, trends, themes,
    counts), and the papers are ranked by their learned model when it is ready.
    """
    hidden = view.hidden if view is not None else frozenset()
    name = reader or (view.reader if view is not None else SHARED_READER)  # whose stored digests
    loaded = load_week(store, week, language, name)
    current = without_hidden(loaded, hidden)
    baseline = [
        without_hidden(load_week(store, week.shifted(-i), language, name), hidden) for i in range(1, BASELINE_WEEKS + 1)
    ]
    with_data = [b for b in baseline if b.digests]
    scores = view.scores([e.paper for e in current.entries()]) if view is not None else {}
    ranked = rank_week(current, scores)
    entries = [entry for entry, _ in ranked]
    report = WeeklyReport(
        week=week.label,
        start=week.monday,
        end=week.sunday,
        language=language,
        reader=reader,
        ranking="reader" if scores else "score",
        hidden=len(loaded.entries()) - len(current.entries()),
        updated=max((d.generated for d in current.digests if d.generated is not None), default=None),
        days=[d.date for d in current.digests],
        missing_days=current.missing,
        no_announcement_days=[d.date for d in current.digests if d.no_announcement],
        baseline_weeks=[b.week.label for b in with_data],
        papers=[
            _paper(entry, day, rank, scores.get(entry.paper.arxiv_id)) for rank, (entry, day) in enumerate(ranked, 1)
        ],
        trends=compute_trends(entries, [b.entries() for b in with_data]) if entries else [],
        per_day=_per_day(current),
    )
    clusters = cluster_entries(entries)
    report.themes = [writer.write(c) if writer is not None else terms_theme(c) for c in clusters]
    if writer is not None and writer.errors:
        report.notes.extend(dict.fromkeys(writer.errors))
    if entries and not clusters:
        report.notes.append(f"{len(entries)} papers: too few for themes")
    if not with_data and entries:
        report.notes.append("no digest stored in the four previous weeks: every frequent term counts as rising")
    return BuiltWeek(report, entries)
