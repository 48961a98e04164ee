"""The summarize stage of a run: summaries cache first, each stored the moment it exists; highlights.

Runs that share a store share the work (docs/scale.md): a run claims the cache misses in batches
before summarizing them (`Store.claim_summaries`), summarizes only what it claimed, and waits for
the answers of papers another live run holds (`Store.wait_for_summaries`), claiming again whatever
that run did not deliver (it failed, was killed, or gave up). A heartbeat keeps the run's lease
alive meanwhile. A free backend (`Summarizer.free`: extractive) is stored in bursts and claims only
where the claims split a range between workers (`summarize_as_run`, for `backfill --summarize`), a
thousand papers at a time; nothing else here looks at which backend it holds.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TypedDict

from paperbrief.models import DigestEntry, Paper, RunStatus, Summary, SummaryStatus
from paperbrief.store import Store, StoreError
from paperbrief.summarize.base import HighlightsResult, Summarizer, Usage
from paperbrief.summarize.writer import SummaryWriter
from paperbrief.text import one_line

ProgressHook = Callable[[str, int, int], None]
"""Called as (stage, done, total) while a stage advances; the CLI draws a rich progress bar."""

Key = tuple[str, int]

_log = logging.getLogger(__name__)
_GOOD = (SummaryStatus.OK, SummaryStatus.EXTRACTIVE)

DEFAULT_CLAIM_BATCH = 16
"""The fewest papers a run claims at a time (`claim_batch_for` raises it for concurrent backends)."""

FREE_BATCH = 1000
"""Papers a free backend (`Summarizer.free`: extractive) claims at a time, and summaries per write burst.

Its answers cost nothing, so small batches bought nothing but transactions: at 80 a claim a
10,000-paper day spent ~2 s of store time in 125 claims and 125 bursts (issue 15). A thousand is
about a second of extractive work, so `backfill --summarize` workers still split a range.
"""
FREE_BURST_SECONDS = 5.0
"""A free backend's burst is written at the latest this long after its first summary."""


def claim_batch_for(concurrency: int, batch_size: int = 1) -> int:
    """Papers to claim at a time: twice what the backend has in flight at once, and at least 16.

    Big enough that a batch keeps every concurrent request busy, small enough that a second
    process finds papers left to take.
    """
    return max(DEFAULT_CLAIM_BATCH, 2 * max(1, concurrency) * max(1, batch_size))


@dataclass(frozen=True)
class ClaimOptions:
    """How a run shares papers with other runs on the same store (docs/scale.md)."""

    batch: int = DEFAULT_CLAIM_BATCH  # papers claimed at a time
    wait_seconds: float = 600.0  # give up on another run's papers after this long without any answer
    poll_seconds: float = 0.5  # how often a waiting run looks for the other run's answers
    window_seconds: float = 2.0  # a waiting run re-checks claims (and reports progress) this often
    # Claim even for a free backend (`Summarizer.free`): where the claims split a range between
    # workers (`summarize_as_run`: backfill --summarize). A `run` with a free backend takes no claims:
    # they would only keep it from making again, for nothing, what another run makes.
    split_free: bool = False


@dataclass
class StageSummaries:
    """What the summarize stage produced: summaries by (id, version), cache hits, usage and notes.

    `from_others` counts the papers another run summarized while this one waited for them.
    """

    summaries: dict[tuple[str, int], Summary]
    cached: int = 0
    usage: Usage = field(default_factory=Usage)
    notes: list[str] = field(default_factory=list)
    from_others: int = 0

    def for_paper(self, paper: Paper) -> Summary | None:
        """The summary of one paper (None when the run stopped before it arrived)."""
        return self.summaries.get((paper.arxiv_id, paper.version))


def summarize_entries(
    store: Store,
    summarizer: Summarizer,
    papers: Sequence[Paper],
    *,
    run_id: int | None = None,
    refresh: bool = False,
    progress: ProgressHook | None = None,
    claims: ClaimOptions | None = None,
) -> StageSummaries:
    """Summaries for papers: cached ones first, the rest from the summarizer, each stored on arrival.

    With a `run_id` the cache misses are claimed first, so that runs sharing the store never pay
    twice for one paper (see the module docstring); without one (or with `refresh`, which skips
    the cache and so asks again whatever others hold, or with a free backend unless
    `claims.split_free`) the run summarizes every miss itself. A
    `SummarizerFatalError` (bad key, dead endpoint, the store failing) propagates; every summary
    received before it is already stored, and the run's claims are released when it is closed.
    """
    keys = [(p.arxiv_id, p.version) for p in papers]
    cached = {} if refresh else store.get_summaries(keys, **_scope(summarizer))
    tally = _Tally(store, len(papers), len(cached), progress, free=summarizer.free)
    options = claims or ClaimOptions()
    if run_id is None or refresh or (summarizer.free and not options.split_free):
        missing = [p for p in papers if (p.arxiv_id, p.version) not in cached]
        # Called even with nothing missing: the backend's zero usage still says whether it is priced.
        with tally.writer:
            result = summarizer.summarize(missing, on_result=tally.keep)
        summaries = dict(cached)
        summaries.update({(s.arxiv_id, s.version): s for s in result.summaries})
        return StageSummaries(summaries, cached=len(cached), usage=result.usage, notes=list(result.notes))
    if summarizer.free:  # workers splitting a range: in batches worth a transaction each
        options = replace(options, batch=max(options.batch, FREE_BATCH))
    shared = _SharedWork(store, summarizer, run_id, options, tally, dict(cached))
    with keep_alive(store, run_id):
        shared.run(papers)
    return shared.result(cached=len(cached))


class _Tally:
    """Stores each summary on arrival and reports progress (answers from other runs included)."""

    def __init__(self, store: Store, total: int, done: int, progress: ProgressHook | None, *, free: bool) -> None:
        self.store = store
        # LLM summaries are written one by one, the moment each is paid for; free, local ones in
        # bursts (up to a claim batch per transaction, flushed on the way out of each `summarize` call).
        if free:
            self.writer = SummaryWriter(store, max_items=FREE_BATCH, max_wait=FREE_BURST_SECONDS)
        else:
            self.writer = SummaryWriter(store, max_items=1)
        self.total = total
        self.done = done
        self.progress = progress
        self.advance(0)

    def advance(self, count: int) -> None:
        self.done += count
        if self.progress:
            self.progress("summarize", self.done, self.total)

    def keep(self, summary: Summary) -> None:
        # Stored the moment it exists: Ctrl-C later loses nothing already paid for. The time is
        # set here so the digest shows the same value as the cached copy on a rerun.
        if summary.created is None:
            summary.created = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.writer.add(summary)
        self.advance(1)


class _SharedWork:
    """The claim protocol of docs/scale.md for one run: claim a batch, summarize it, else wait."""

    def __init__(
        self,
        store: Store,
        summarizer: Summarizer,
        run_id: int,
        options: ClaimOptions,
        tally: _Tally,
        summaries: dict[Key, Summary],
    ) -> None:
        self.store = store
        self.summarizer = summarizer
        self.run_id = run_id
        self.options = options
        self.tally = tally
        self.summaries = summaries
        self.scope = _scope(summarizer)
        self.attempted: set[Key] = set()  # each paper is asked for at most once per run
        self.usage: Usage | None = None
        self.notes: list[str] = []
        self.from_others = 0

    def run(self, papers: Sequence[Paper]) -> None:
        by_key = {(p.arxiv_id, p.version): p for p in papers}
        idle_since = time.monotonic()
        todo = list(by_key)
        while True:
            # Filtered from the last round's list (which only shrinks), not from the whole day again.
            todo = [k for k in todo if k not in self.summaries and k not in self.attempted]
            if not todo:
                break
            batch = self._claim(todo)
            if batch:
                self._summarize([by_key[k] for k in batch])
                idle_since = time.monotonic()
            elif self._collect(todo):
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= self.options.wait_seconds:
                self._give_up(todo)
                break
        if self.usage is None:
            # Nothing to summarize here: the backend's zero usage still says whether it is priced.
            self._summarize([])
        self._adopt_better_answers(list(by_key))

    def _claim(self, todo: list[Key]) -> list[Key]:
        """Claim the next batch, looking at a window of keys first: offering the store the whole day
        each time made claiming quadratic in the day's size; the whole list is offered only when
        every key of the window is held by another run."""
        limit = max(1, self.options.batch)
        # A free backend's batches are large: a window of twice the batch still leaves room for
        # a second worker's held keys, and each key offered costs a claim-row write.
        window = todo[: limit * (2 if self.summarizer.free else 4)]
        batch = self.store.claim_summaries(self.run_id, window, limit=limit, **self.scope)
        if not batch and len(window) < len(todo):
            batch = self.store.claim_summaries(self.run_id, todo, limit=limit, **self.scope)
        return batch

    def _summarize(self, papers: list[Paper]) -> None:
        batch = [(p.arxiv_id, p.version) for p in papers]
        self.attempted.update(batch)
        with self.tally.writer:  # flushed before the claims below are released
            result = self.summarizer.summarize(papers, on_result=self.tally.keep)
        self.usage = result.usage if self.usage is None else self.usage + result.usage
        self.notes.extend(n for n in result.notes if n not in self.notes)
        self.summaries.update({(s.arxiv_id, s.version): s for s in result.summaries})
        # A paper this run failed (or skipped for its budget) is free at once for another live run
        # to try, instead of being held until this run ends.
        undelivered = [k for k in batch if (s := self.summaries.get(k)) is None or s.status not in _GOOD]
        if undelivered:
            self.store.release_claims(self.run_id, undelivered)

    def _collect(self, todo: list[Key]) -> bool:
        """Wait a little for papers other runs hold; keep the answers that arrived; True if any did."""
        found = self.store.wait_for_summaries(
            todo,
            timeout=self.options.window_seconds,
            poll_seconds=self.options.poll_seconds,
            **self.scope,
        )
        new = {k: s for k, s in found.items() if k not in self.summaries}
        self.summaries.update(new)
        self.from_others += len(new)
        self.tally.advance(len(new))
        return bool(new)

    def _give_up(self, todo: list[Key]) -> None:
        """Papers a live run held for `wait_seconds` without a single answer: failed here, not paid twice."""
        waited = f"{self.options.wait_seconds:g}"
        error = f"another run still held this paper after {waited} s without answering; run again later"
        for arxiv_id, version in todo:
            self.summaries[(arxiv_id, version)] = Summary(
                arxiv_id=arxiv_id,
                version=version,
                language=self.summarizer.language,
                backend=self.summarizer.backend,
                model=self.summarizer.model,
                prompt_version=self.summarizer.prompt_version,
                status=SummaryStatus.FAILED,
                error=error,
            )
        self.notes.append(f"{len(todo)} papers were still held by another run after {waited} s: not summarized")

    def _adopt_better_answers(self, keys: list[Key]) -> None:
        """A paper this run failed that another run has answered since: show that answer instead."""
        weak = [k for k in keys if (s := self.summaries.get(k)) is not None and s.status not in _GOOD]
        if not weak:
            return
        better = self.store.get_summaries(weak, **self.scope)
        self.summaries.update(better)
        self.from_others += len(better)

    def result(self, *, cached: int) -> StageSummaries:
        notes = list(self.notes)
        if self.from_others:
            notes.append(f"{self.from_others} summaries came from another run working on the same papers")
        usage = self.usage if self.usage is not None else Usage()
        return StageSummaries(self.summaries, cached=cached, usage=usage, notes=notes, from_others=self.from_others)


class _Scope(TypedDict):
    """The summary cache key of a summarizer, as keywords of the store's summary and claim methods."""

    model: str
    prompt_version: str
    language: str


def _scope(summarizer: Summarizer) -> _Scope:
    """The summary cache key of a summarizer (what claims and cached answers are keyed on)."""
    return {"model": summarizer.model, "prompt_version": summarizer.prompt_version, "language": summarizer.language}


@contextmanager
def keep_alive(store: Store, run_id: int, every: float | None = None) -> Iterator[None]:
    """Renew the run's lease (and its claims') from a background thread while the block runs.

    The period defaults to a third of the store's lease, so two missed beats still leave the run
    alive. A failing heartbeat is logged, never raised: the run's own writes will say why.
    """
    period = every if every is not None else max(0.05, store.lease.total_seconds() / 3)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(period):
            try:
                store.heartbeat(run_id)
            except StoreError as exc:
                _log.warning("heartbeat of run %s failed: %s", run_id, one_line(exc))

    thread = threading.Thread(target=beat, name=f"paperbrief-heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=max(5.0, period))


@dataclass(frozen=True)
class RunSummaries:
    """A summarize-only run (`paperbrief backfill --summarize`): its run id, status and summaries."""

    run_id: int
    status: RunStatus
    stage: StageSummaries
    papers: int

    @property
    def failed(self) -> int:
        """Papers without a good summary at the end (failed, skipped for the budget, or never answered)."""
        return self.papers - self.summarized

    @property
    def summarized(self) -> int:
        """Papers with a good summary (this run's, another run's or the cache's)."""
        return sum(1 for s in self.stage.summaries.values() if s.status in _GOOD)


def summarize_as_run(
    store: Store,
    papers: Sequence[Paper],
    make_summarizer: Callable[[int], Summarizer],
    *,
    date: dt.date,
    source: str,
    summarizer_name: str,
    claims: ClaimOptions | None = None,
    progress: ProgressHook | None = None,
) -> RunSummaries:
    """Summarize stored papers as a run of their own (a `runs` row with `source`), sharing them through claims.

    Several processes calling this on the same papers split them (no paper paid twice, none lost).
    The run is closed `ok`, `partial` (some papers without a good summary), `interrupted`
    (Ctrl-C/SIGTERM, re-raised) or `failed` (any other exception, re-raised); closing it releases
    its claims.
    """
    run_id = store.start_run(date, source=source, summarizer=summarizer_name)
    try:
        summarizer = make_summarizer(run_id)
        shared = replace(claims or ClaimOptions(), split_free=True)  # workers split the papers, whatever the backend
        stage = summarize_entries(store, summarizer, papers, run_id=run_id, claims=shared, progress=progress)
    except KeyboardInterrupt:
        store.finish_run(run_id, RunStatus.INTERRUPTED, error="interrupted (Ctrl-C or SIGTERM)")
        raise
    except BaseException as exc:
        store.finish_run(run_id, RunStatus.FAILED, error=one_line(exc))
        raise
    unique = len({(p.arxiv_id, p.version) for p in papers})
    outcome = RunSummaries(run_id, RunStatus.OK, stage, unique)
    status = RunStatus.PARTIAL if outcome.failed else RunStatus.OK
    stats = {
        "papers": unique,
        "summarized": outcome.summarized,
        "failed": outcome.failed,
        "cached": stage.cached,
        "from_others": stage.from_others,
        "run_llm_calls": store.count_llm_calls(run_id),
        "run_tokens": stage.usage.tokens,
        "run_cost": stage.usage.cost if stage.usage.priced else None,
    }
    store.finish_run(run_id, status, stats=stats, error="; ".join(stage.notes) or None)
    return RunSummaries(run_id, status, stage, unique)


def highlight_entries(
    store: Store, summarizer: Summarizer, entries: Sequence[DigestEntry], *, refresh: bool = False
) -> HighlightsResult:
    """The day's highlights from the summarizer (markdown None when it writes none or they failed).

    Highlights are optional: any failure becomes a note, never an error of the run.
    """
    if not entries:
        return HighlightsResult(None)
    try:
        result = summarizer.highlights(entries, store, refresh=refresh)
    except Exception as exc:  # the digest never fails for its highlights
        return HighlightsResult(None, notes=[f"highlights skipped: {one_line(exc)}"])
    return result if result is not None else HighlightsResult(None)
