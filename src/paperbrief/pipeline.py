"""`run_day`: sources → store → select → summarize → render → deliver, for one announcement day.

Each stage is a module with typed functions over the data model; this module only wires them and
keeps the run's bookkeeping (the `runs` table, exit codes). See docs/pipeline.md.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from paperbrief.factories import select_options_from_settings, source_from_settings, summarizer_from_settings
from paperbrief.models import (
    AnnounceType,
    Digest,
    DigestEntry,
    DigestStats,
    Paper,
    RunStatus,
    SummaryStatus,
    category_counts,
    split_arxiv_id,
)
from paperbrief.render.layout import ordered_entries
from paperbrief.settings import Settings
from paperbrief.sources.arxiv.schedule import ARXIV_TZ
from paperbrief.store import Store
from paperbrief.summarize.base import Summarizer
from paperbrief.summarize.stage import highlight_entries, summarize_entries

if TYPE_CHECKING:
    from paperbrief.select import Selection
    from paperbrief.sources.arxiv import ArxivSource
from paperbrief.select.modes import SelectMode


class PipelineError(Exception):
    """A run cannot go on; the message is one line for the user."""


class ExitCode:
    """Process exit codes cron can act on (docs/cli.md); the CLI exits with these."""

    OK = 0
    FAILURE = 1  # nothing usable was produced, or every summary failed
    USAGE = 2  # a bad flag or value (Click's own code)
    PARTIAL = 3  # the digest was written, but papers are missing or a delivery failed
    INTERRUPTED = 130  # Ctrl-C: everything already paid for is kept


@dataclass
class RunOptions:
    """What one `paperbrief run` asks for; None means 'take it from settings'."""

    date: dt.date | None = None
    sample: bool = False
    day_file: Path | None = None
    out_dir: Path | None = None
    summarizer: str | None = None
    language: str | None = None
    max_papers: int | None = None
    select_mode: str | None = None
    include_cross: bool | None = None
    refresh: bool = False
    deliver: bool = True


@dataclass
class RunOutcome:
    """The result of a run: the digest, the files written, and an exit code for cron."""

    digest: Digest
    files: list[Path]
    status: RunStatus
    exit_code: int
    messages: list[str] = field(default_factory=list)
    run_id: int | None = None
    llm_calls: int = 0
    run_tokens: int = 0
    run_cost: float = 0.0
    run_priced: bool = True


ProgressHook = Callable[[str, int, int], None]
"""Called as (stage, done, total) while a stage advances; the CLI draws a rich progress bar."""


def choose_summarizer(
    settings: Settings, store: Store, run_id: int | None, requested: str | None, notes: list[str]
) -> Summarizer:
    """The summarizer a run uses: the LLM when configured, else extractive (saying so)."""
    from paperbrief.summarize.extractive import ExtractiveSummarizer

    kind = requested or settings.summarizer
    if kind in ("llm", "auto") and settings.llm_configured:
        return summarizer_from_settings(settings, store, run_id)
    if kind == "llm" or (kind == "auto" and settings.llm_model is None and _llm_partly_set(settings)):
        notes.append(
            "no LLM configured (set PAPERBRIEF_LLM_MODEL and PAPERBRIEF_LLM_BASE_URL or an API key): "
            "falling back to the extractive summarizer"
        )
    elif kind == "auto":
        notes.append("no LLM configured: using the extractive summarizer (no scores)")
    return ExtractiveSummarizer(language=settings.language)


def _llm_partly_set(settings: Settings) -> bool:
    return bool(settings.llm_base_url or settings.llm_api_key)


def run_day(
    settings: Settings,
    store: Store,
    options: RunOptions,
    progress: ProgressHook | None = None,
    console: Console | None = None,
) -> RunOutcome:
    """Run the whole pipeline for one day and write its files; see `RunOutcome.exit_code`."""
    console = console or Console(stderr=True, quiet=True)
    notes: list[str] = []
    timings: dict[str, float] = {}
    language = options.language or settings.language
    out_dir = options.out_dir or settings.out_dir
    source_name = "sample" if options.sample else "file" if options.day_file else "arxiv"
    requested_summarizer = options.summarizer or settings.summarizer

    started = time.perf_counter()
    date_hint = options.date or _today_in_arxiv_tz()
    run_id = store.start_run(date_hint, source=source_name, summarizer=requested_summarizer)
    # One arXiv source per run: its throttle spaces every request of the run (feed, enrichment,
    # reading-list ids) one `arxiv_delay_seconds` apart, as arXiv's ToU asks.
    offline = options.sample or options.day_file is not None
    source = None if offline else source_from_settings(settings)
    try:
        outcome = _run(settings, store, options, run_id, notes, timings, language, out_dir, progress, console, source)
    except KeyboardInterrupt:
        store.finish_run(run_id, RunStatus.INTERRUPTED, error="interrupted (Ctrl-C)")
        raise
    except BaseException as exc:  # SystemExit too: a run row never stays "running"
        store.finish_run(run_id, RunStatus.FAILED, error=_one_line(exc))
        raise
    finally:
        if source is not None:
            source.close()
    timings["total"] = round(time.perf_counter() - started, 3)
    outcome.run_id = run_id
    outcome.llm_calls = store.count_llm_calls(run_id)
    stats = outcome.digest.stats.model_dump(mode="json")
    stats["timings"] = timings
    stats["run_llm_calls"] = outcome.llm_calls
    stats["run_tokens"] = outcome.run_tokens
    stats["run_cost"] = outcome.run_cost if outcome.run_priced else None
    store.finish_run(
        run_id, outcome.status, stats=stats, error="; ".join(outcome.messages) or None, date=outcome.digest.date
    )
    return outcome


def _run(
    settings: Settings,
    store: Store,
    options: RunOptions,
    run_id: int,
    notes: list[str],
    timings: dict[str, float],
    language: str,
    out_dir: Path,
    progress: ProgressHook | None,
    console: Console,
    source: ArxivSource | None,
) -> RunOutcome:
    from paperbrief.render.files import write_digest_files

    # 1. sources: the day's announcement
    t0 = time.perf_counter()
    acquired = _acquire(settings, store, options, source)
    timings["fetch"] = round(time.perf_counter() - t0, 3)
    date = acquired.date
    if acquired.no_announcement:
        digest = Digest(
            date=date,
            language=language,
            no_announcement=True,
            no_announcement_reason=acquired.reason,
            generated=_now(),
            source=acquired.source,
            stats=DigestStats(announced=acquired.announced, fetched=acquired.fetched),
        )
        digest = _keep_generation_time(store, digest)
        store.save_digest(digest)
        files = write_digest_files(digest, out_dir)
        return RunOutcome(digest, files, RunStatus.NO_ANNOUNCEMENT, ExitCode.OK, notes)

    # 2. candidates: announce types, dedup across categories, versions and days
    candidates, dedup_notes = select_candidates(
        store,
        date,
        acquired.papers,
        include_replacements=settings.arxiv_include_replacements,
    )
    notes.extend(dedup_notes)

    # 3. selection
    t0 = time.perf_counter()
    selection = _select(settings, store, candidates, options, notes, source)
    timings["select"] = round(time.perf_counter() - t0, 3)

    # 4. summaries, cache first
    t0 = time.perf_counter()
    summarizer = choose_summarizer(settings, store, run_id, options.summarizer, notes)
    entries = selection.entries
    stage = summarize_entries(store, summarizer, [e.paper for e in entries], refresh=options.refresh, progress=progress)
    notes.extend(stage.notes)
    timings["summarize"] = round(time.perf_counter() - t0, 3)
    for entry in entries:
        entry.summary = stage.for_paper(entry.paper)
    if selection.mode is SelectMode.SCORE:
        from paperbrief.select import finalize_by_score

        entries = finalize_by_score(entries, options.max_papers or settings.max_papers)

    # 5. report order, numbering, enrichment, highlights
    entries = ordered_entries(Digest(date=date, entries=entries))  # report order, numbered 1…n
    digest = Digest(
        date=date,
        language=language,
        entries=entries,
        generated=_now(),
        source=acquired.source,
        warnings=list(acquired.warnings),
    )
    digest.stats = _stats(acquired, len(candidates), entries, summarizer)
    usage = stage.usage
    if settings.select_highlights:
        highlights = highlight_entries(store, summarizer, entries, refresh=options.refresh)
        digest.highlights = highlights.markdown
        notes.extend(highlights.notes)
        usage = usage + highlights.usage
    digest.warnings.extend(selection.notes)  # e.g. "no paper matched your interest profile today"
    digest = _keep_generation_time(store, digest)

    # 6. render and store the digest
    t0 = time.perf_counter()
    store.save_digest(digest)
    files = write_digest_files(digest, out_dir)
    timings["render"] = round(time.perf_counter() - t0, 3)

    status, code, messages = _judge(acquired, digest)
    outcome = RunOutcome(digest, files, status, code, notes + messages)
    outcome.run_tokens, outcome.run_cost, outcome.run_priced = usage.tokens, usage.cost, usage.priced

    # 7. publish: site, feed, e-mail and chat (each channel once per day)
    if options.deliver:
        t0 = time.perf_counter()
        from paperbrief.cli.publish import publish_after_run

        report = publish_after_run(digest, store, settings, out_dir, console)
        timings["publish"] = round(time.perf_counter() - t0, 3)
        if report is not None and report.failed:
            outcome.messages.append(f"delivery failed on: {', '.join(report.failed)} (retried next run)")
            if outcome.exit_code == ExitCode.OK:
                outcome.exit_code = ExitCode.PARTIAL
                outcome.status = RunStatus.PARTIAL
    return outcome


@dataclass
class _Acquired:
    date: dt.date
    papers: list[Paper]
    announced: dict[str, int]
    fetched: dict[str, int]
    missing: list[str]
    no_announcement: bool
    reason: str | None
    source: str
    warnings: list[str] = field(default_factory=list)
    partial: str | None = None  # the day may be incomplete (empty API window, feed at its 2000-item limit)


def _acquire(settings: Settings, store: Store, options: RunOptions, source: ArxivSource | None) -> _Acquired:
    if options.sample:
        from paperbrief.sources.sample import SAMPLE_DATE, load_sample_day

        if options.date is not None and options.date != SAMPLE_DATE:
            raise PipelineError(f"the bundled sample day is {SAMPLE_DATE}, not {options.date}")
        date, papers = load_sample_day()
        store.record_announcement(date, papers)
        counts = category_counts(papers, settings.arxiv_categories)
        return _Acquired(date, papers, counts, dict(counts), [], False, None, "sample")

    if options.day_file is not None:
        from paperbrief.sources.sample import DayFileError, load_day_file

        try:
            file_date, papers = load_day_file(options.day_file)
        except DayFileError as exc:
            raise PipelineError(str(exc)) from exc
        day = options.date or file_date
        if day is None:
            raise PipelineError(f"{options.day_file} does not say which day it is: pass --date")
        for paper in papers:
            paper.announced = day
        store.record_announcement(day, papers)
        counts = category_counts(papers, settings.arxiv_categories)
        return _Acquired(day, papers, counts, dict(counts), [], False, None, "file")

    if source is None:
        raise PipelineError("no arXiv source for an online run")
    announcement = source.fetch_announcement(settings.arxiv_categories, options.date)
    date = announcement.date or options.date or _today_in_arxiv_tz()
    if announcement.no_announcement:
        return _Acquired(date, [], {}, {}, [], True, announcement.reason, announcement.source)
    store.record_announcement(date, announcement.papers)
    warnings = []
    if announcement.partial:
        warnings.append(f"the day may be incomplete: {announcement.partial}")
    if announcement.missing:
        warnings.append(
            f"{len(announcement.missing)} announced papers could not be fetched: "
            + ", ".join(announcement.missing[:20])
            + (" …" if len(announcement.missing) > 20 else "")
        )
    return _Acquired(
        date,
        list(announcement.papers),
        dict(announcement.announced),
        dict(announcement.fetched),
        [split_arxiv_id(m)[0] for m in announcement.missing],  # the source lists versioned ids
        False,
        None,
        announcement.source,
        warnings,
        announcement.partial,
    )


def select_candidates(
    store: Store,
    date: dt.date,
    papers: Sequence[Paper],
    *,
    include_replacements: bool,
) -> tuple[list[Paper], list[str]]:
    """The papers a digest may contain: one per id, the right announce types, none digested before.

    A paper already in an earlier digest comes back only when a newer version was announced and
    `include_replacements` is set (see https://info.arxiv.org/help/rss_specifications.html).
    """
    # Cross-lists always go on to the selection stage, which applies `include_cross` (and keeps a
    # watched author's cross-list even when cross-lists are off).
    kinds = {AnnounceType.NEW, AnnounceType.CROSS}
    if include_replacements:
        kinds |= {AnnounceType.REPLACE, AnnounceType.REPLACE_CROSS}
    by_id: dict[str, Paper] = {}
    for paper in papers:
        if (paper.announce_type or AnnounceType.NEW) not in kinds:
            continue
        kept = by_id.get(paper.arxiv_id)
        if kept is None or paper.version > kept.version:
            by_id[paper.arxiv_id] = paper
    earlier = store.published_before(date, list(by_id))
    notes: list[str] = []
    dropped = 0
    for arxiv_id, version in earlier.items():
        paper = by_id[arxiv_id]
        if paper.version <= version or not include_replacements:
            del by_id[arxiv_id]
            dropped += 1
    # Replacements are recorded but not summarized: one re-enters only as the newer version of a
    # paper an earlier digest carried, never as a first appearance.
    replacements = {AnnounceType.REPLACE, AnnounceType.REPLACE_CROSS}
    unseen = [i for i, p in by_id.items() if p.announce_type in replacements and i not in earlier]
    for arxiv_id in unseen:
        del by_id[arxiv_id]
    if dropped:
        notes.append(f"{dropped} papers were already in an earlier digest and are not repeated")
    return sorted(by_id.values(), key=lambda p: p.arxiv_id, reverse=True), notes


def _select(
    settings: Settings,
    store: Store,
    candidates: list[Paper],
    options: RunOptions,
    notes: list[str],
    source: ArxivSource | None,
) -> Selection:
    from paperbrief.select import FilterSyntaxError, select_papers

    try:
        select_options = select_options_from_settings(settings, max_papers=options.max_papers, mode=options.select_mode)
    except (FilterSyntaxError, ValueError) as exc:
        raise PipelineError(f"invalid selection settings: {_one_line(exc)}") from exc
    if options.include_cross is not None:
        select_options.include_cross = options.include_cross
    if settings.select_reading_list is not None:
        _import_reading_list(store, settings.select_reading_list, source, notes)
    return select_papers(candidates, select_options, store.reading_items())


def _import_reading_list(store: Store, path: Path, source: ArxivSource | None, notes: list[str]) -> None:
    """Refresh the stored reading list from the file named in settings (idempotent; fetches only new ids)."""
    from paperbrief.select import ReadingListError, import_reading_list

    try:
        report = import_reading_list(path, store, fetch_ids=source.fetch_ids if source else None)
        if report.skipped:
            skipped = len(report.skipped)
            notes.append(f"reading list {path}: {skipped} entries skipped (see `paperbrief profile import`)")
    except (ReadingListError, OSError) as exc:
        # The stored reading list still ranks today's papers; the file problem is reported, not fatal.
        notes.append(f"reading list not refreshed: {_one_line(exc)}")


def _stats(acquired: _Acquired, candidates: int, entries: Sequence[DigestEntry], summarizer: Summarizer) -> DigestStats:
    summaries = [e.summary for e in entries if e.summary is not None]
    return DigestStats(
        announced=acquired.announced,
        fetched=acquired.fetched,
        # A paper the API never returned stays in `papers` with its feed data and is listed in `missing`.
        announced_total=len({p.arxiv_id for p in acquired.papers} | set(acquired.missing)),
        fetched_total=len({p.arxiv_id for p in acquired.papers} - set(acquired.missing)),
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


def _judge(acquired: _Acquired, digest: Digest) -> tuple[RunStatus, int, list[str]]:
    messages: list[str] = []
    stats = digest.stats
    status, code = RunStatus.OK, ExitCode.OK
    if acquired.missing:
        messages.append(f"{len(acquired.missing)} announced papers are missing after retries (partial data kept)")
        status, code = RunStatus.PARTIAL, ExitCode.PARTIAL
    if acquired.partial:
        messages.append(f"the day may be incomplete: {acquired.partial}")
        status, code = RunStatus.PARTIAL, ExitCode.PARTIAL
    if stats.selected and stats.failed == stats.selected:
        messages.append(f"all {stats.failed} summaries failed")
        status, code = RunStatus.FAILED, ExitCode.FAILURE
    elif stats.failed:
        messages.append(f"{stats.failed} of {stats.selected} summaries failed (shown as failed in the report)")
    if stats.skipped:
        messages.append(f"{stats.skipped} papers skipped: budget reached")
    return status, code, messages


def _keep_generation_time(store: Store, digest: Digest) -> Digest:
    """Reuse the stored digest's generation time when nothing else changed: reruns write identical files."""
    previous = store.load_digest(digest.date, digest.language)
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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _today_in_arxiv_tz() -> dt.date:
    return dt.datetime.now(ARXIV_TZ).date()  # arXiv's business day


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
