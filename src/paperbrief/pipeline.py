"""`run_day`: sources → store → select → summarize → render → publish, for one announcement day.

The pipeline entry: the one library module besides `factories.py` that reads settings. It builds a
`RunContext` from them once, runs the stages of `paperbrief.stages` (each returns what the next
takes), keeps the run's bookkeeping (the `runs` table) and builds the `RunOutcome` at the end.
See docs/architecture.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import queue
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from paperbrief.factories import (
    LLMNotConfiguredError,
    choose_summarizer,
    configure_channels,
    fulltext_fetcher_from_settings,
    llm_not_configured,
    select_options_from_settings,
    site_options_from_settings,
    source_from_settings,
)
from paperbrief.fulltext_stage import FullTextPlan, summarize_papers
from paperbrief.models import Digest, RunStatus
from paperbrief.outcome import ExitCode
from paperbrief.select.candidates import Candidates, select_candidates
from paperbrief.settings import Settings
from paperbrief.sources.arxiv import EARLIEST_DATE, Announcement, FeedDay, HolidayFileError, date_problem
from paperbrief.stages import (
    Acquired,
    Picked,
    PipelineError,
    ProgressHook,
    RunContext,
    RunRequest,
    RunUsageError,
    Summarized,
    Verdict,
    acquire,
    assemble,
    judge,
    no_announcement_digest,
    pick,
    publish,
    today_in_arxiv_tz,
    write,
)
from paperbrief.store import Store
from paperbrief.summarize.stage import ClaimOptions, claim_batch_for, highlight_entries, summarize_entries
from paperbrief.text import one_line as _one_line

if TYPE_CHECKING:
    from paperbrief.publish import PublishReport
    from paperbrief.sources.arxiv import ArxivSource

log = logging.getLogger(__name__)

__all__ = [
    "EARLIEST_DATE",
    "ExitCode",
    "PipelineError",
    "ProgressHook",
    "RunOutcome",
    "RunRequest",
    "RunUsageError",
    "check_run_date",
    "run_day",
    "summarize_entries",
]


@dataclass(frozen=True)
class RunOutcome:
    """The result of a run: the digest, the files written, what was published and an exit code for cron."""

    digest: Digest
    files: list[Path]
    status: RunStatus
    exit_code: ExitCode
    messages: list[str] = field(default_factory=list)
    run_id: int | None = None
    llm_calls: int = 0
    run_tokens: int = 0
    run_cost: float = 0.0
    run_priced: bool = True
    published: PublishReport | None = None
    already_digested: dict[str, dt.date | None] = field(default_factory=dict)


@dataclass(frozen=True)
class _Made:
    """What the stages made, before the run's bookkeeping."""

    digest: Digest
    files: list[Path]
    verdict: Verdict
    notes: tuple[str, ...] = ()
    summarized: Summarized | None = None
    published: PublishReport | None = None
    candidates: Candidates | None = None


def check_run_date(date: dt.date | None, today: dt.date | None = None) -> None:
    """Refuse a day no source can serve: before arXiv's first announcement, or after today (US Eastern)."""
    if date is None:
        return
    problem = date_problem(date, today=today or today_in_arxiv_tz())
    if problem is not None:
        raise RunUsageError(problem)


def run_day(
    settings: Settings,
    store: Store,
    request: RunRequest,
    progress: ProgressHook | None = None,
) -> RunOutcome:
    """Run the whole pipeline for one day and write its files; see `RunOutcome.exit_code`.

    Raises `RunUsageError` before any work for a day no source serves or an unconfigured LLM.
    """
    check_run_date(request.date)
    if settings.summarizer == "llm" and not settings.llm_configured:
        # A usage error before the run row exists (`choose_summarizer` would raise the same, later).
        raise RunUsageError(str(llm_not_configured(settings)))
    started = time.perf_counter()
    run_id = store.start_run(
        request.date or today_in_arxiv_tz(), source=_source_name(request), summarizer=settings.summarizer
    )
    timings: dict[str, float] = {}
    with _closing_run(store, run_id):
        ctx, notes = _context(settings, store, run_id, request, progress)
        try:
            made = _stages(ctx, timings)
        finally:
            if ctx.source is not None:
                ctx.source.close()
            close_fulltext_source(ctx)
    timings["total"] = round(time.perf_counter() - started, 3)
    return _finish(store, run_id, made, notes, timings)


@contextmanager
def _closing_run(store: Store, run_id: int) -> Iterator[None]:
    """A run row never stays "running": Ctrl-C/SIGTERM marks it interrupted, anything else failed."""
    try:
        yield
    except KeyboardInterrupt:
        store.finish_run(run_id, RunStatus.INTERRUPTED, error="interrupted (Ctrl-C or SIGTERM)")
        raise
    except BaseException as exc:  # SystemExit too
        store.finish_run(run_id, RunStatus.FAILED, error=_one_line(exc))
        raise


def _source_name(request: RunRequest) -> str:
    return "sample" if request.sample else "file" if request.day_file else "arxiv"


def _context(
    settings: Settings, store: Store, run_id: int, request: RunRequest, progress: ProgressHook | None
) -> tuple[RunContext, tuple[str, ...]]:
    """The run's context, built once from the settings (the only place a run reads them)."""
    from paperbrief.select import FilterSyntaxError

    try:
        select_options = select_options_from_settings(settings)
    except (FilterSyntaxError, ValueError) as exc:
        raise PipelineError(f"invalid selection settings: {_one_line(exc)}") from exc
    try:
        summarizer, fallback = choose_summarizer(settings, store, run_id)
    except LLMNotConfiguredError as exc:
        raise RunUsageError(str(exc)) from exc
    notes = (fallback,) if fallback else ()
    channels, problems = configure_channels(settings)
    offline = request.sample or request.day_file is not None
    # One arXiv source per run: its throttle spaces every request of the run (feed, enrichment,
    # reading-list ids) one `arxiv_delay_seconds` apart, as arXiv's ToU asks.
    try:
        source = None if offline else source_from_settings(settings)
    except HolidayFileError as exc:  # the user's holidays file is unreadable: a setting to fix
        raise RunUsageError(_one_line(exc)) from exc
    ctx = RunContext(
        store=store,
        run_id=run_id,
        request=request,
        language=settings.language,
        out_dir=settings.out_dir,
        categories=tuple(settings.arxiv_categories),
        include_replacements=settings.arxiv_include_replacements,
        select_options=select_options,
        summarizer=summarizer,
        highlights=settings.select_highlights,
        reading_list=settings.select_reading_list,
        source=source,
        site=site_options_from_settings(settings),
        channels=tuple(channels),
        channel_problems=tuple(problems),
        progress=progress,
        fulltext=fulltext_plan(settings, source),
        claim_batch=claim_batch_for(settings.llm_concurrency, settings.llm_batch_size),
    )
    return ctx, notes


def fulltext_plan(settings: Settings, source: ArxivSource | None) -> FullTextPlan | None:
    """The run's full-text plan: off when `fulltext_top` is 0; an offline run reads through a source of its own."""
    if settings.fulltext_top <= 0:
        return None
    reader = source if source is not None else source_from_settings(settings)
    return FullTextPlan(
        top=settings.fulltext_top,
        fetcher=fulltext_fetcher_from_settings(settings, reader),
        out_dir=settings.out_dir,
        token_cap=settings.fulltext_token_cap,
        on_close=None if source is not None else reader.close,
    )


def close_fulltext_source(ctx: RunContext) -> None:
    """Close the HTTP client of an offline run's full-text reader (an online run's is `ctx.source`)."""
    if ctx.fulltext is not None:
        ctx.fulltext.close()


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    t0 = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - t0, 3)


def _stages(ctx: RunContext, timings: dict[str, float]) -> _Made:
    with _timed(timings, "fetch"):
        acquired, early = _acquire_streaming(ctx, timings)
    if acquired.announcement.no_announcement:
        # A weekend or holiday: the digest says so; nothing to select, summarize or deliver.
        digest = no_announcement_digest(ctx, acquired)
        return _Made(digest, write(ctx, digest), judge(acquired, digest, None))
    candidates = select_candidates(
        ctx.store,
        acquired.date,
        acquired.announcement.papers,
        include_replacements=ctx.include_replacements,
        reader=ctx.select_options.reader,
    )
    with _timed(timings, "select"):
        picked = pick(ctx, candidates)
    with _timed(timings, "summarize"):
        summarized = _with_early_spend(_summarize(ctx, picked, acquired.date), early)
    digest = assemble(ctx, acquired, candidates, picked, summarized)
    with _timed(timings, "render"):
        files = write(ctx, digest)
    with _timed(timings, "publish"):
        published = publish(ctx, digest)
    notes = _candidate_notes(candidates) + picked.notes + summarized.notes
    return _Made(digest, files, judge(acquired, digest, published), notes, summarized, published, candidates)


def _acquire_streaming(ctx: RunContext, timings: dict[str, float]) -> tuple[Acquired, Summarized | None]:
    """`acquire`, streamed: the feed's papers are selected and summarized while the enrichment waits.

    arXiv's API look-up waits for its throttle slot (3 s after the feed by default); titles and
    abstracts are already final in the feed, so the summaries (and the highlights) are made then,
    stored in the summary cache. The run then goes on exactly as before on the enriched day: its
    selection and summaries hit that cache (a paper the enriched data selects differently is
    summarized then), so the digest is the one an unstreamed run makes. See docs/benchmarks.md.
    Not streamed: offline days, `--refresh` (the run proper would pay twice) and extractive runs.
    """
    request = ctx.request
    offline = ctx.source is None or request.sample or request.day_file is not None
    if offline or request.refresh or ctx.summarizer.backend != "llm":
        return acquire(ctx), None
    assert ctx.source is not None
    source = ctx.source
    feeds: queue.SimpleQueue[FeedDay] = queue.SimpleQueue()
    started = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="arxiv-fetch")
    try:
        future: Future[Announcement] = pool.submit(
            source.fetch_announcement, list(ctx.categories), ctx.request.date, feeds.put
        )
        feed = _wait_for_feed(feeds, future)
        early = None
        if feed is not None:
            timings["feed"] = round(time.perf_counter() - started, 3)
            with _timed(timings, "early_summaries"):
                early = _summarize_early(ctx, feed)
        announcement = future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # on Ctrl-C the fetch thread ends with the source
    return acquire(ctx, fetched=announcement), early


def _wait_for_feed(feeds: queue.SimpleQueue[FeedDay], future: Future[Announcement]) -> FeedDay | None:
    """The feed's papers as soon as they are parsed, or None when the fetch ended without them."""
    while True:
        try:
            return feeds.get(timeout=0.02)
        except queue.Empty:
            if future.done():
                return None if feeds.empty() else feeds.get_nowait()


def _summarize_early(ctx: RunContext, feed: FeedDay) -> Summarized | None:
    """Select and summarize the feed's papers (results land in the store's caches; the spend is returned)."""
    if not feed.papers:
        return None
    date = feed.date or ctx.request.date or today_in_arxiv_tz()
    # No reading-list refresh here: it fetches ids through the same throttle as the enrichment.
    early = dataclasses.replace(ctx, reading_list=None)
    try:
        candidates = select_candidates(
            ctx.store,
            date,
            feed.papers,
            include_replacements=ctx.include_replacements,
            reader=ctx.select_options.reader,
        )
        return _summarize(early, pick(early, candidates), date)
    except Exception as exc:  # the run proper meets (and reports) the same problem on the enriched day
        log.info("early summaries stopped: %s", _one_line(exc))
        return None


def _with_early_spend(summarized: Summarized, early: Summarized | None) -> Summarized:
    """The run's spend includes the early summaries (the run proper found them in the cache)."""
    if early is None:
        return summarized
    return dataclasses.replace(
        summarized,
        tokens=summarized.tokens + early.tokens,
        cost=summarized.cost + early.cost,
        priced=summarized.priced and early.priced,
    )


def _candidate_notes(candidates: Candidates) -> tuple[str, ...]:
    days = candidates.already_digested
    if not days:
        return ()
    by_day = sorted({d.isoformat() if d else "an earlier day" for d in days.values()})
    return (
        f"{len(days)} papers were already in an earlier digest and are not repeated (digest of {', '.join(by_day)})",
    )


def _summarize(ctx: RunContext, picked: Picked, date: dt.date) -> Summarized:
    """Summaries for the selected entries (cache first), the score cut, report order and the highlights."""
    from paperbrief.render.layout import ordered_entries
    from paperbrief.select import SelectMode, finalize_by_score

    summarizer = ctx.summarizer
    entries = picked.selection.entries
    stage = summarize_papers(
        ctx.store,
        summarizer,
        [e.paper for e in entries],
        ctx.fulltext,
        refresh=ctx.request.refresh,
        progress=ctx.progress,
        run_id=ctx.run_id,  # claims: runs sharing the store never pay twice for a paper
        claims=ClaimOptions(batch=ctx.claim_batch),
    )
    for entry in entries:
        entry.summary = stage.for_paper(entry.paper)
    if picked.selection.mode is SelectMode.SCORE:
        entries = finalize_by_score(entries, ctx.select_options.max_papers)
    entries = ordered_entries(Digest(date=date, entries=entries))  # report order, numbered 1…n
    usage = stage.usage
    notes = list(stage.notes)
    highlights = None
    if ctx.highlights and entries:
        made = highlight_entries(ctx.store, summarizer, entries, refresh=ctx.request.refresh)
        highlights = made.markdown
        notes.extend(made.notes)
        usage = usage + made.usage
    return Summarized(entries, usage.tokens, usage.cost, usage.priced, highlights, tuple(notes))


def _finish(store: Store, run_id: int, made: _Made, notes: tuple[str, ...], timings: dict[str, float]) -> RunOutcome:
    """Close the run row with its stats and build the outcome once."""
    summarized = made.summarized
    tokens, cost, priced = (summarized.tokens, summarized.cost, summarized.priced) if summarized else (0, 0.0, True)
    llm_calls = store.count_llm_calls(run_id)
    already = made.candidates.already_digested if made.candidates is not None else {}
    messages = [*notes, *made.notes, *made.verdict.messages]
    stats = made.digest.stats.model_dump(mode="json")
    stats["timings"] = timings
    stats["run_llm_calls"] = llm_calls
    stats["run_tokens"] = tokens
    stats["run_cost"] = cost if priced else None
    stats["already_digested"] = {k: (v.isoformat() if v else None) for k, v in already.items()}
    store.finish_run(run_id, made.verdict.status, stats=stats, error="; ".join(messages) or None, date=made.digest.date)
    return RunOutcome(
        digest=made.digest,
        files=made.files,
        status=made.verdict.status,
        exit_code=made.verdict.exit_code,
        messages=messages,
        run_id=run_id,
        llm_calls=llm_calls,
        run_tokens=tokens,
        run_cost=cost,
        run_priced=priced,
        published=made.published,
        already_digested=dict(already),
    )
