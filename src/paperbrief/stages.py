"""The stages of a run, each a function of the run's context that returns what the next one takes.

acquire → `Acquired` (the day's announcement) · `select_candidates` → `Candidates` · pick →
`Picked` (the selection) · summarize (pipeline.py) → `Summarized` · assemble → `Digest` ·
write → files · publish → `PublishReport` · judge → `Verdict`. None of them reads settings: the
pipeline entry builds a `RunContext` from them once (see docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperbrief import run_text
from paperbrief.models import Digest, DigestEntry, DigestStats, Paper, RunStatus, SummaryStatus, category_counts
from paperbrief.outcome import ExitCode
from paperbrief.select.candidates import Candidates
from paperbrief.sources.arxiv import Announcement
from paperbrief.sources.arxiv.schedule import ARXIV_TZ
from paperbrief.store import Store
from paperbrief.text import clean_text, has_forbidden_chars, one_line

if TYPE_CHECKING:
    from paperbrief.deliver import Channel, ChannelProblem
    from paperbrief.fulltext_stage import FullTextPlan
    from paperbrief.publish import PublishReport, SiteOptions
    from paperbrief.select import Selection, SelectOptions
    from paperbrief.sources.arxiv import ArxivSource
    from paperbrief.summarize.base import Summarizer

ProgressHook = Callable[[str, int, int], None]
"""Called as (stage, done, total) while a stage advances; the CLI draws a rich progress bar."""


class PipelineError(Exception):
    """A run cannot go on; the message is one line for the user."""


class RunUsageError(PipelineError):
    """The run was asked for something it cannot do (a bad date, an unconfigured LLM): exit 2."""


@dataclass(frozen=True)
class RunRequest:
    """What one `paperbrief run` asks for beyond the settings: which day, from where, what to publish."""

    date: dt.date | None = None
    sample: bool = False
    day_file: Path | None = None
    refresh: bool = False
    deliver: bool = True  # e-mail and chat
    site: bool = True  # rebuild OUT/site from the stored digests


@dataclass(frozen=True)
class RunContext:
    """Everything a run's stages share, built once from the settings by the pipeline entry."""

    store: Store
    run_id: int
    request: RunRequest
    language: str
    out_dir: Path
    categories: tuple[str, ...]
    include_replacements: bool
    select_options: SelectOptions
    summarizer: Summarizer
    highlights: bool = True
    reading_list: Path | None = None
    source: ArxivSource | None = None
    site: SiteOptions | None = None
    channels: tuple[Channel, ...] = ()
    channel_problems: tuple[ChannelProblem, ...] = ()
    progress: ProgressHook | None = None
    fulltext: FullTextPlan | None = None  # the top K papers read in full (issue 13)
    claim_batch: int = 16  # papers the summarize stage claims at a time (docs/scale.md)


@dataclass(frozen=True)
class Acquired:
    """The day's announcement, its date resolved, and how many loaded papers had forbidden characters removed."""

    date: dt.date
    announcement: Announcement
    cleaned: int = 0

    @property
    def missing_ids(self) -> list[str]:
        """Bare ids of announced papers the API never returned (the source lists versioned ids)."""
        return [_bare(m) for m in self.announcement.missing]


@dataclass(frozen=True)
class Picked:
    """The selection stage's result and its notes for the user."""

    selection: Selection
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Summarized:
    """The selected entries with their summaries in report order (numbered 1…n), the spend and highlights."""

    entries: list[DigestEntry]
    tokens: int = 0
    cost: float = 0.0
    priced: bool = True
    highlights: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """How a run ended: its status, the exit code for cron and one message per problem."""

    status: RunStatus
    exit_code: ExitCode
    messages: tuple[str, ...] = field(default_factory=tuple)


def acquire(ctx: RunContext, fetched: Announcement | None = None) -> Acquired:
    """The day's announcement: the bundled sample, a JSON day file, or arXiv (recorded in the store).

    `fetched` is arXiv's announcement when the caller already fetched it (the pipeline streams
    the day: it fetches in a thread of its own and records here, on the store's thread).
    """
    request = ctx.request
    if request.sample:
        from paperbrief.sources.sample import SAMPLE_DATE, load_sample_day

        if request.date is not None and request.date != SAMPLE_DATE:
            raise PipelineError(f"the bundled sample day is {SAMPLE_DATE}, not {request.date}")
        date, papers = load_sample_day()
        return _offline(ctx, date, papers, "sample")
    if request.day_file is not None:
        from paperbrief.sources.sample import DayFileError, load_day_file

        try:
            file_date, papers = load_day_file(request.day_file)
        except DayFileError as exc:
            raise PipelineError(str(exc)) from exc
        day = request.date or file_date
        if day is None:
            raise PipelineError(f"{request.day_file} does not say which day it is: pass --date")
        papers, cleaned = _cleaned(papers)
        for paper in papers:
            paper.announced = day
        return _offline(ctx, day, papers, "file", cleaned)
    if ctx.source is None:
        raise PipelineError("no arXiv source for an online run")
    cats = list(ctx.categories)
    announcement = fetched if fetched is not None else ctx.source.fetch_announcement(cats, request.date)
    date = announcement.date or request.date or today_in_arxiv_tz()
    if not announcement.no_announcement:
        ctx.store.record_announcement(date, announcement.papers)
    return Acquired(date, announcement)


def _offline(ctx: RunContext, date: dt.date, papers: list[Paper], source: str, cleaned: int = 0) -> Acquired:
    ctx.store.record_announcement(date, papers)
    counts = category_counts(papers, list(ctx.categories))
    announcement = Announcement(date=date, papers=papers, announced=counts, fetched=dict(counts), source=source)
    return Acquired(date, announcement, cleaned)


def _cleaned(papers: Sequence[Paper]) -> tuple[list[Paper], int]:
    """Papers with the characters XML 1.0 and PostgreSQL forbid removed from every text field, and how many changed."""
    out: list[Paper] = []
    changed = 0
    for paper in papers:
        data = paper.model_dump()
        clean = _clean_value(data)
        if clean != data:
            changed += 1
            paper = Paper.model_validate(clean)
        out.append(paper)
    return out, changed


def _clean_value(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value) if has_forbidden_chars(value) else value
    if isinstance(value, list):
        return [_clean_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean_value(v) for k, v in value.items()}
    return value


def pick(ctx: RunContext, candidates: Candidates) -> Picked:
    """The selection of the day's candidates (refreshing the reading list from its file first)."""
    from paperbrief.select import select_papers
    from paperbrief.select.modes import learned_model_for

    notes = _import_reading_list(ctx) if ctx.reading_list is not None else ()
    items = ctx.store.reading_items(ctx.select_options.reader)
    learned = learned_model_for(ctx.store, ctx.select_options, items)
    selection = select_papers(candidates.papers, ctx.select_options, items, learned=learned)
    return Picked(selection, notes)


def _import_reading_list(ctx: RunContext) -> tuple[str, ...]:
    """Refresh the stored reading list from its file (idempotent; fetches only new ids)."""
    from paperbrief.select import ReadingListError, import_reading_list

    path = ctx.reading_list
    assert path is not None
    fetch = ctx.source.fetch_ids if ctx.source is not None else None
    try:
        report = import_reading_list(path, ctx.store, fetch_ids=fetch, reader=ctx.select_options.reader)
    except (ReadingListError, OSError) as exc:
        # The stored reading list still ranks today's papers; the file problem is reported, not fatal.
        return (f"reading list not refreshed: {one_line(exc)}",)
    if report.skipped:
        return (f"reading list {path}: {len(report.skipped)} entries skipped (see `paperbrief profile import`)",)
    return ()


def assemble(
    ctx: RunContext, acquired: Acquired, candidates: Candidates, picked: Picked, summarized: Summarized
) -> Digest:
    """The day's digest: the summarized entries, stats, highlights and warnings in the report's language."""
    entries = summarized.entries
    digest = Digest(
        date=acquired.date,
        language=ctx.language,
        entries=entries,
        generated=now(),
        source=acquired.announcement.source,
        warnings=_warnings(ctx.language, acquired, candidates),
        stats=_stats(acquired, len(candidates.papers), entries, ctx.summarizer),
        highlights=summarized.highlights,
    )
    digest.warnings.extend(picked.selection.notes)  # e.g. "no paper matched your interest profile today"
    return keep_generation_time(ctx.store, digest, ctx.select_options.reader)


def no_announcement_digest(ctx: RunContext, acquired: Acquired) -> Digest:
    """The digest of a day without an announcement (weekend, holiday, empty feed)."""
    announcement = acquired.announcement
    digest = Digest(
        date=acquired.date,
        language=ctx.language,
        no_announcement=True,
        no_announcement_reason=announcement.reason,
        generated=now(),
        source=announcement.source,
        stats=DigestStats(announced=dict(announcement.announced), fetched=dict(announcement.fetched)),
    )
    return keep_generation_time(ctx.store, digest, ctx.select_options.reader)


def _warnings(language: str, acquired: Acquired, candidates: Candidates) -> list[str]:
    announcement = acquired.announcement
    warnings = []
    if announcement.enrichment_error:
        warnings.append(run_text.feed_only(language, announcement.enrichment_error))
    elif announcement.partial:
        warnings.append(run_text.incomplete_day(language, announcement.partial))
    if announcement.missing:
        warnings.append(run_text.missing_papers(language, announcement.missing))
    warnings.extend(run_text.source_note(language, note) for note in announcement.notes)
    if acquired.cleaned:
        warnings.append(run_text.cleaned_text(language, acquired.cleaned))
    if candidates.already_digested:
        warnings.append(run_text.already_digested(language, candidates.already_digested))
    return warnings


def write(ctx: RunContext, digest: Digest) -> list[Path]:
    """Store the digest, then write OUT/DATE.md and OUT/DATE.json."""
    from paperbrief.render.files import write_digest_files

    ctx.store.save_digest(digest, ctx.select_options.reader)
    return write_digest_files(digest, ctx.out_dir)


def publish(ctx: RunContext, digest: Digest) -> PublishReport:
    """The site (unless turned off), then e-mail and chat (when delivery is on)."""
    from paperbrief.publish import publish_digest

    deliver = ctx.request.deliver
    return publish_digest(
        digest,
        ctx.store,
        ctx.out_dir,
        site=ctx.site if ctx.request.site else None,
        channels=ctx.channels if deliver else (),
        problems=ctx.channel_problems if deliver else (),
        reader=ctx.select_options.reader,
    )


def judge(acquired: Acquired, digest: Digest, published: PublishReport | None) -> Verdict:
    """The run's status and exit code: FAILURE when every summary failed, PARTIAL for gaps or failed deliveries."""
    messages: list[str] = []
    stats = digest.stats
    status, code = RunStatus.OK, ExitCode.OK
    if digest.no_announcement:
        status = RunStatus.NO_ANNOUNCEMENT
    announcement = acquired.announcement
    if announcement.missing:
        messages.append(f"{len(announcement.missing)} announced papers are missing after retries (partial data kept)")
        status, code = RunStatus.PARTIAL, ExitCode.PARTIAL
    if announcement.partial:
        messages.append(f"the day may be incomplete: {announcement.partial}")
        status, code = RunStatus.PARTIAL, ExitCode.PARTIAL
    if stats.selected and stats.failed == stats.selected:
        messages.append(f"all {stats.failed} summaries failed")
        status, code = RunStatus.FAILED, ExitCode.FAILURE
    elif stats.failed:
        messages.append(f"{stats.failed} of {stats.selected} summaries failed (shown as failed in the report)")
    if stats.skipped:
        messages.append(f"{stats.skipped} papers skipped: budget reached")
    if published is not None and published.failed:
        messages.append(f"delivery failed on: {', '.join(published.failed)} (retried next run)")
        if code == ExitCode.OK:
            status, code = RunStatus.PARTIAL, ExitCode.PARTIAL
    return Verdict(status, code, tuple(messages))


def _stats(acquired: Acquired, candidates: int, entries: Sequence[DigestEntry], summarizer: Summarizer) -> DigestStats:
    announcement = acquired.announcement
    missing = set(acquired.missing_ids)
    summaries = [e.summary for e in entries if e.summary is not None]
    return DigestStats(
        announced=dict(announcement.announced),
        fetched=dict(announcement.fetched),
        # A paper the API never returned stays in `papers` with its feed data and is listed in `missing`.
        announced_total=len({p.arxiv_id for p in announcement.papers} | missing),
        fetched_total=len({p.arxiv_id for p in announcement.papers} - missing),
        candidates=candidates,
        selected=len(entries),
        summarized=sum(s.status in (SummaryStatus.OK, SummaryStatus.EXTRACTIVE) for s in summaries),
        failed=sum(s.status == SummaryStatus.FAILED for s in summaries),
        skipped=sum(s.status == SummaryStatus.SKIPPED_BUDGET for s in summaries),
        tokens_in=sum(s.tokens_in for s in summaries),
        tokens_out=sum(s.tokens_out for s in summaries),
        cost=round(sum(s.cost for s in summaries), 6),
        backend=summarizer.backend,
        model=summarizer.model,
        prompt_version=summarizer.prompt_version,
    )


def keep_generation_time(store: Store, digest: Digest, reader: str = "me") -> Digest:
    """Reuse the stored digest's generation time when nothing else changed: reruns write identical files."""
    previous = store.load_digest(digest.date, digest.language, reader=reader)
    if previous is None or previous.generated is None:
        return digest
    if _comparable(previous) == _comparable(digest):
        digest.generated = previous.generated
    return digest


def _comparable(digest: Digest) -> dict[str, Any]:
    body = digest.model_dump(mode="json", exclude={"generated"})
    for entry in body.get("entries", []):
        if entry.get("summary"):
            entry["summary"].pop("created", None)
    return body


def _bare(versioned: str) -> str:
    from paperbrief.models import split_arxiv_id

    return split_arxiv_id(versioned)[0]


def now() -> dt.datetime:
    """The current UTC time to the second (what digests and summaries record)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def today_in_arxiv_tz() -> dt.date:
    """Today in arXiv's business time zone (US Eastern)."""
    return dt.datetime.now(ARXIV_TZ).date()
