"""The LLM summarizer: one validated chat-completions call per paper (or per batch), concurrent,
rate-limited, budgeted and fault-isolated, over any OpenAI-compatible endpoint (see docs/llm.md).

One `LLMSummarizer` is one pipeline run: its `RunState` (budget, circuit breaker, detected
response format) is shared by every `summarize` and `highlights` call it serves. Each call keeps
its own results in a `_Job`; nothing else on the instance changes while it works.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from paperbrief.models import DigestEntry, Paper, Summary, SummaryStatus, TextSource
from paperbrief.redact import mask_text
from paperbrief.store.db import Store
from paperbrief.summarize.base import (
    FatalCause,
    HighlightsResult,
    ResultCallback,
    Scoring,
    SummarizeResult,
    SummarizerFatalError,
    Usage,
)
from paperbrief.summarize.llm import prompt as P
from paperbrief.summarize.llm.calllog import CallLogger, CallStatus
from paperbrief.summarize.llm.config import LLMConfig
from paperbrief.summarize.llm.errors import BreakerOpen, BudgetReached, CallFailed, CircuitBreaker
from paperbrief.summarize.llm.fulltext import FullTextWriter
from paperbrief.summarize.llm.highlights import HighlightsWriter
from paperbrief.summarize.llm.limits import Budget
from paperbrief.summarize.llm.numbers_check import NumberChecker, NumbersTally
from paperbrief.summarize.llm.parse import AnswerError, SummaryAnswer, parse_batch, parse_summary
from paperbrief.summarize.llm.transport import RunState, Session, Transport
from paperbrief.summarize.llm.truncate import cap_papers
from paperbrief.text import one_line

log = logging.getLogger(__name__)

Key = tuple[str, int]
Carried = tuple[int, int, float]


class _CallbackError(Exception):
    """`on_result` raised: not a paper failure, it stops the run (the cause is kept)."""


@dataclass
class _Job:
    """One `summarize` call: its session, callback and the summaries final so far."""

    session: Session
    on_result: ResultCallback | None
    results: dict[Key, Summary] = field(default_factory=dict)
    numbers: NumbersTally = field(default_factory=NumbersTally)  # what the number check cost (issue 16)


class LLMSummarizer:
    """Summarizer backend over an OpenAI-compatible chat-completions endpoint (see docs/llm.md)."""

    backend = "llm"
    scoring = Scoring.SCORES
    free = False  # every answer is paid for: stored the moment it exists

    def __init__(self, config: LLMConfig, store: Store | None = None, run_id: int | None = None) -> None:
        self.config = config
        self.store = store
        self.run_id = run_id
        self.prompt_version = P.PROMPT_VERSION
        state = RunState(
            Budget(max_cost=config.max_cost, max_tokens=config.max_tokens), CircuitBreaker(config.timeouts_to_open)
        )
        self.transport = Transport(config, state, store)
        self._highlights = HighlightsWriter(config, self.transport, run_id)
        self._numbers = NumberChecker(config, self.transport, store, run_id)

    def __repr__(self) -> str:  # never shows the key
        return f"LLMSummarizer(model={self.model!r}, base_url={self.config.endpoint!r})"

    @property
    def model(self) -> str:
        """The model name (part of the summary cache key)."""
        return self.config.model

    @property
    def language(self) -> str:
        """The summaries' language (part of the summary cache key)."""
        return self.config.language

    @property
    def usage(self) -> Usage:
        """Everything this instance (one run) spent: summaries, re-asks and highlights."""
        return self.transport.state.budget.usage(self.config.priced)

    # --- public API -------------------------------------------------------------------------

    def summarize(self, papers: Sequence[Paper], on_result: ResultCallback | None = None) -> SummarizeResult:
        """Summarize papers (cache misses), one Summary per paper in input order; runs its own event loop.

        Raises `SummarizerFatalError` when the run cannot go on (bad key, unknown model, dead or
        silent endpoint, `on_result` raising); summaries handed to `on_result` before are kept.
        """
        return asyncio.run(self.asummarize(papers, on_result))

    async def asummarize(self, papers: Sequence[Paper], on_result: ResultCallback | None = None) -> SummarizeResult:
        """The async core of `summarize`: call from a running event loop."""
        self.transport.state.breaker.check_fatal()
        if not papers:
            return SummarizeResult([], Usage(priced=self.config.priced))
        capped, notes = cap_papers(papers, self.config.max_input_tokens)
        logger = CallLogger(self.store, self.model, self.prompt_version, self.config.api_key, self.run_id)
        async with self.transport.session(logger) as session:
            job = _Job(session, on_result)
            await self._run_groups(job, capped)
        usage = session.spent.usage(self.config.priced)
        self.transport.state.breaker.check_fatal()
        numbers_note = job.numbers.note()
        notes = [*notes, numbers_note] if numbers_note else notes
        return SummarizeResult([job.results[(p.arxiv_id, p.version)] for p in papers], usage, notes)

    def highlights(
        self, entries: Sequence[DigestEntry], store: Store | None = None, *, refresh: bool = False
    ) -> HighlightsResult | None:
        """The day's 3–5 themes as Markdown citing paper numbers like [3]; runs its own event loop."""
        return asyncio.run(self.ahighlights(entries, store, refresh=refresh))

    async def ahighlights(
        self, entries: Sequence[DigestEntry], store: Store | None = None, *, refresh: bool = False
    ) -> HighlightsResult:
        """Async core of `highlights` (one call over the numbered tldrs, validated and cached)."""
        return await self._highlights.write(entries, store if store is not None else self.store, refresh=refresh)

    def summarize_fulltext(self, paper: Paper, body: str, source: TextSource) -> tuple[Summary | None, Usage]:
        """One paper's summary from the chosen sections of its full text (issue 13); runs its own event loop."""
        writer = FullTextWriter(self.config, self.transport, self.store, self.run_id)
        return asyncio.run(writer.summarize(paper, body, source))

    # --- the groups of one call ---------------------------------------------------------------

    async def _run_groups(self, job: _Job, papers: Sequence[Paper]) -> None:
        tasks = [asyncio.create_task(self._do_group(job, g)) for g in self._groups(papers)]
        deadline = None if self.config.run_deadline is None else max(0.0, self.config.run_deadline)
        try:
            done, pending = await asyncio.wait(tasks, timeout=deadline, return_when=asyncio.FIRST_EXCEPTION)
        except asyncio.CancelledError:
            await _cancel_all(tasks)
            raise
        failed = next((t for t in done if not t.cancelled() and t.exception() is not None), None)
        if failed is not None:  # only on_result errors get here: papers never raise
            await _cancel_all(tasks)  # stop calling at once: the answers could not be kept anyway
            self._raise_callback_error(failed.exception())
        if pending:
            await _cancel_all(pending)
            if self.transport.state.breaker.error is None:
                for paper in papers:
                    self._finish(job, paper, self._failed(paper, "deadline: the run deadline passed first"))

    def _raise_callback_error(self, exc: BaseException | None) -> None:
        error = self.transport.state.breaker.error
        cause = exc.__cause__ if isinstance(exc, _CallbackError) and exc.__cause__ is not None else exc
        if error is None or error.cause is not FatalCause.STORE:
            error = self._store_failure(cause)
        raise error from cause

    def _store_failure(self, cause: BaseException | None) -> SummarizerFatalError:
        """Open the breaker at once (before any other worker sends) with the store's failure."""
        message = f"cannot store a summary ({one_line(cause) if cause else 'unknown error'}): stopped calling the LLM"
        error = SummarizerFatalError(mask_text(message, self.config.api_key), FatalCause.STORE, self.config.endpoint)
        self.transport.state.breaker.trip(error)
        return error

    def _groups(self, papers: Sequence[Paper]) -> list[list[Paper]]:
        unique: dict[Key, Paper] = {}
        for paper in papers:
            unique.setdefault((paper.arxiv_id, paper.version), paper)
        items = list(unique.values())
        k = self.config.batch_size
        return [items[i : i + k] for i in range(0, len(items), k)]

    def _finish(self, job: _Job, paper: Paper, summary: Summary | None) -> None:
        key = (paper.arxiv_id, paper.version)
        if summary is None or key in job.results:
            return
        job.results[key] = summary
        if job.on_result is not None:
            try:
                job.on_result(summary)
            except Exception as exc:
                self._store_failure(exc)
                raise _CallbackError(str(exc)) from exc

    # --- summaries ----------------------------------------------------------------------------

    def _summary(self, paper: Paper, **values: Any) -> Summary:
        return Summary(
            arxiv_id=paper.arxiv_id,
            version=paper.version,
            language=self.language,
            backend=self.backend,
            model=self.model,
            prompt_version=self.prompt_version,
            created=dt.datetime.now(dt.UTC),
            **values,
        )

    def _failed(self, paper: Paper, reason: str, carried: Carried = (0, 0, 0.0)) -> Summary:
        tin, tout, cost = carried
        error = mask_text(reason, self.config.api_key)[:500]
        return self._summary(paper, status=SummaryStatus.FAILED, error=error, tokens_in=tin, tokens_out=tout, cost=cost)

    def _ok(self, paper: Paper, answer: SummaryAnswer, carried: Carried, unsupported: Sequence[str] = ()) -> Summary:
        tin, tout, cost = carried
        return self._summary(
            paper,
            **answer.model_dump(),
            tokens_in=tin,
            tokens_out=tout,
            cost=cost,
            status=SummaryStatus.OK,
            unsupported_numbers=list(unsupported),
        )

    async def _checked(self, job: _Job, paper: Paper, answer: SummaryAnswer, carried: Carried) -> Summary:
        """A validated answer after the number check (and its one re-ask when a number is unsupported)."""
        kept = await self._numbers.checked(job.session, paper, answer, carried, job.numbers)
        return self._ok(paper, kept.answer, kept.carried, kept.unsupported)

    def _skipped(self, paper: Paper, carried: Carried = (0, 0, 0.0)) -> Summary:
        # A batch paper retried alone after the budget ran out keeps its share of the batch call.
        tin, tout, cost = carried
        return self._summary(
            paper,
            status=SummaryStatus.SKIPPED_BUDGET,
            error="skipped: LLM budget reached",
            tokens_in=tin,
            tokens_out=tout,
            cost=cost,
        )

    # --- per paper / per batch ----------------------------------------------------------------

    async def _do_group(self, job: _Job, group: list[Paper]) -> None:
        if len(group) == 1:
            self._finish(job, group[0], await self._safe_one(job, group[0]))
            return
        try:
            await self._do_batch(job, group)
        except _CallbackError:
            raise
        except Exception as exc:  # a bug must not cost the other papers: fall back to single calls
            log.warning("batch of %d failed unexpectedly (%s); retrying alone", len(group), type(exc).__name__)
            await asyncio.gather(
                *(self._do_group(job, [p]) for p in group if (p.arxiv_id, p.version) not in job.results)
            )

    async def _safe_one(self, job: _Job, paper: Paper, carried: Carried = (0, 0, 0.0)) -> Summary | None:
        try:
            return await self._one(job, paper, carried)
        except BreakerOpen:
            return None  # the run is stopping: this paper gets no summary (the next run asks again)
        except Exception as exc:  # fault isolation: an unexpected error fails this paper only
            log.exception("summarizing %s failed unexpectedly", paper.versioned_id)
            return self._failed(paper, f"internal error: {type(exc).__name__}: {exc}", carried)

    async def _ask(
        self, job: _Job, paper: Paper, messages: list[dict[str, str]], carried: Carried
    ) -> tuple[SummaryAnswer | Summary, str, Carried]:
        """One call and its validation: (answer or final summary, answer text, usage so far)."""
        ids = [paper.versioned_id]
        try:
            call = await self.transport.chat(job.session, messages, ids, P.summary_schema(batch=False))
        except BudgetReached:
            return self._skipped(paper, carried), "", carried
        except CallFailed as exc:
            return self._failed(paper, str(exc), carried), "", carried
        carried = (carried[0] + call.tokens_in, carried[1] + call.tokens_out, carried[2] + call.cost)
        try:
            answer = parse_summary(call.text)
        except AnswerError as exc:
            job.session.logger.log(call.record(CallStatus.INVALID, str(exc)))
            raise _Invalid(str(exc), call.text, carried) from None
        job.session.logger.log(call.record(CallStatus.OK))
        return answer, call.text, carried

    async def _one(self, job: _Job, paper: Paper, carried: Carried) -> Summary:
        messages = [
            {"role": "system", "content": P.system_prompt(self.language)},
            {"role": "user", "content": P.user_prompt([paper])},
        ]
        try:
            result, _, carried = await self._ask(job, paper, messages, carried)
        except _Invalid as first:
            return await self._reask(job, paper, messages, first)
        return result if isinstance(result, Summary) else await self._checked(job, paper, result, carried)

    async def _reask(self, job: _Job, paper: Paper, messages: list[dict[str, str]], first: _Invalid) -> Summary:
        # One re-ask with the validation error, then give up: never invent a value.
        retry_messages = [
            *messages,
            {"role": "assistant", "content": first.text},
            {"role": "user", "content": P.reask_prompt(first.reason)},
        ]
        try:
            result, _, carried = await self._ask(job, paper, retry_messages, first.carried)
        except _Invalid as again:
            return self._failed(paper, f"invalid answer after re-ask: {again.reason}", again.carried)
        if isinstance(result, Summary):
            if result.status is SummaryStatus.SKIPPED_BUDGET:
                reason = f"invalid answer ({first.reason}); no re-ask: budget reached"
            else:
                reason = f"invalid answer ({first.reason}); re-ask failed: {result.error}"
            return self._failed(paper, reason, first.carried)
        return await self._checked(job, paper, result, carried)

    async def _do_batch(self, job: _Job, group: list[Paper]) -> None:
        """k papers in one request; ids checked; missing, invalid or extra-id papers retried alone.

        The batch call's usage is split evenly over the k papers sent (remainder to the first
        ones); a paper retried alone adds its own calls on top of its share.
        """
        messages = [
            {"role": "system", "content": P.system_prompt(self.language, batch=True)},
            {"role": "user", "content": P.user_prompt(group)},
        ]
        ids = [p.versioned_id for p in group]
        try:
            call = await self.transport.chat(job.session, messages, ids, P.summary_schema(batch=True))
        except BreakerOpen:
            return
        except BudgetReached:
            for paper in group:
                self._finish(job, paper, self._skipped(paper))
            return
        except CallFailed as exc:
            log.warning("batch call failed (%s); retrying its papers alone", exc)
            await asyncio.gather(*(self._do_group(job, [p]) for p in group))
            return
        try:
            good, problems = parse_batch(call.text, [p.arxiv_id for p in group])
        except AnswerError as exc:
            good, problems = {}, {p.arxiv_id: str(exc) for p in group}
        status = CallStatus.OK if not problems else CallStatus.PARTIAL if good else CallStatus.INVALID
        job.session.logger.log(call.record(status, "; ".join(f"{k}: {v}" for k, v in problems.items()) or None))
        checked: list[tuple[Paper, SummaryAnswer, Carried]] = []
        retry: list[tuple[Paper, Carried]] = []
        for paper, share in zip(group, _split(len(group), call.tokens_in, call.tokens_out, call.cost), strict=True):
            answer = good.get(paper.arxiv_id)
            if answer is not None:
                checked.append((paper, answer, share))
            else:
                retry.append((paper, share))

        async def check(paper: Paper, answer: SummaryAnswer, share: Carried) -> None:
            self._finish(job, paper, await self._checked(job, paper, answer, share))

        async def alone(paper: Paper, share: Carried) -> None:
            self._finish(job, paper, await self._safe_one(job, paper, share))

        await asyncio.gather(*(check(p, a, s) for p, a, s in checked), *(alone(p, s) for p, s in retry))


class _Invalid(Exception):
    """An answer failed validation (already logged as invalid); carries what a re-ask needs."""

    def __init__(self, reason: str, text: str, carried: Carried) -> None:
        super().__init__(reason)
        self.reason = reason
        self.text = text
        self.carried = carried


async def _cancel_all(tasks: Sequence[asyncio.Task[Any]] | set[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _split(k: int, tokens_in: int, tokens_out: int, cost: float) -> list[Carried]:
    """An even split of a batch call's usage over k papers (integer remainders to the first ones)."""
    out = []
    for i in range(k):
        tin = tokens_in // k + (1 if i < tokens_in % k else 0)
        tout = tokens_out // k + (1 if i < tokens_out % k else 0)
        out.append((tin, tout, cost / k))
    return out
