"""The LLM summarizer: one validated chat-completions call per paper (or per batch), concurrent,
rate-limited, budgeted and fault-isolated, over any OpenAI-compatible endpoint.

Client: the official `openai` SDK (`AsyncOpenAI`, https://github.com/openai/openai-python) with
its own retries off (`max_retries=0`): retries are ours (tenacity), exponential with jitter, and
honour `Retry-After` / `retry-after-ms`. Every attempt is logged in the store like `llm logs`
(https://llm.datasette.io/en/stable/logging.html), with the API key redacted everywhere.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import random
import re
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, cast

import openai
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from paperbrief.models import DigestEntry, Paper, Summary, SummaryStatus
from paperbrief.retry_after import retry_after_from_headers
from paperbrief.store.db import Store, StoreError
from paperbrief.summarize.base import ResultCallback, Summarizer
from paperbrief.summarize.llm import prompt as P
from paperbrief.summarize.llm.limits import Budget, LLMUsage, Prices, RateLimiter, public_url, redact
from paperbrief.summarize.llm.parse import AnswerError, SummaryAnswer, extract_json, parse_batch, parse_summary

log = logging.getLogger(__name__)

FORMAT_ARTIFACT_KIND = "llm-response-format"
HIGHLIGHTS_ARTIFACT_KIND = "highlights"
# Longest Retry-After we wait for; the run deadline cuts shorter.
_MAX_RETRY_AFTER = 600.0
_OUTPUT_TOKEN_ESTIMATE = 400
_RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529})


class ResponseFormat(StrEnum):
    """How structured output is requested (https://platform.openai.com/docs/guides/structured-outputs)."""

    AUTO = "auto"
    JSON_SCHEMA = "json_schema"
    JSON_OBJECT = "json_object"


class CallStatus(StrEnum):
    """Status of one logged LLM call."""

    OK = "ok"
    INVALID = "invalid"
    PARTIAL = "partial"
    ERROR = "error"
    CANCELLED = "cancelled"  # Ctrl-C or the run deadline while the request was on the wire


class LLMConfigError(ValueError):
    """The LLM summarizer was configured with impossible values; one-line message."""


class _CallbackError(Exception):
    """`on_result` raised: not a paper failure, it stops the run (the cause is re-raised)."""


class _BudgetReached(Exception):
    """No new call may be issued: a cost or token cap was reached."""


class _CallFailed(Exception):
    """A call failed for good (after retries); the message is already redacted."""


class _SchemaRejected(Exception):
    """The endpoint answered 400 to a json_schema request."""


class _Retryable(Exception):
    """A transient failure worth another attempt; carries the redacted reason and Retry-After."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class _Call:
    """One successful HTTP call."""

    messages: list[dict[str, str]]
    paper_ids: list[str]
    text: str
    tokens_in: int
    tokens_out: int
    cost: float
    latency_ms: float
    fmt: ResponseFormat = ResponseFormat.JSON_OBJECT


@dataclass
class _Run:
    """State of one `asummarize` (or highlights) run: client, limits, budget, results."""

    client: openai.AsyncOpenAI
    semaphore: asyncio.Semaphore
    budget: Budget
    rpm: RateLimiter | None
    tpm: RateLimiter | None
    results: dict[tuple[str, int], Summary] = field(default_factory=dict)
    on_result: ResultCallback | None = None
    store: Store | None = None
    prompt_version: str | None = None


class LLMSummarizer:
    """Summarizer backend over an OpenAI-compatible chat-completions endpoint (see docs/llm.md)."""

    backend = "llm"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        language: str = "zh",
        concurrency: int = 8,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        timeout: float = 120.0,
        retries: int = 4,
        run_deadline: float | None = None,
        temperature: float = 0.0,
        batch_size: int = 1,
        response_format: Literal["auto", "json_schema", "json_object"] = "auto",
        max_cost: float | None = None,
        max_tokens: int | None = None,
        prices: Mapping[str, tuple[float, float] | Sequence[float]] | None = None,
        store: Store | None = None,
        run_id: int | None = None,
        retry_wait_max: float = 60.0,
        retry_wait_base: float = 1.0,
    ) -> None:
        if not model:
            raise LLMConfigError("no LLM model configured (set PAPERBRIEF_LLM_MODEL or [llm] model)")
        if language not in ("zh", "en"):
            raise LLMConfigError(f"unsupported summary language {language!r}: use zh or en")
        if concurrency < 1 or batch_size < 1 or retries < 0 or timeout <= 0:
            raise LLMConfigError("concurrency and batch_size must be ≥ 1, retries ≥ 0, timeout > 0")
        self.model = model
        self.base_url = base_url
        self._api_key = api_key
        self.language = language
        self.concurrency = concurrency
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self.timeout = timeout
        self.retries = retries
        self.run_deadline = run_deadline
        self.temperature = temperature
        self.batch_size = batch_size
        self.response_format = ResponseFormat(response_format)
        self.max_cost = max_cost
        self.max_tokens = max_tokens
        self.prices = Prices({k: (float(v[0]), float(v[1])) for k, v in (prices or {}).items()})
        if max_cost is not None and self.prices.lookup(model) is None:
            raise LLMConfigError(f"max_cost is set but llm prices has no entry for model {model!r}")
        self.store = store
        self.run_id = run_id
        self.retry_wait_max = retry_wait_max
        self.retry_wait_base = retry_wait_base
        self.prompt_version = P.PROMPT_VERSION
        auto = self.response_format is ResponseFormat.AUTO
        self._format: ResponseFormat | None = None if auto else self.response_format
        self._format_saved: ResponseFormat | None = None
        # One budget per instance (an instance is one run): summaries, re-asks and highlights all
        # spend from it, so the caps hold for the whole run and `usage` is the run's true total.
        self._budget = Budget(max_cost=max_cost, max_tokens=max_tokens)
        self._ssl: ssl.SSLContext | None = None
        self.highlights_note: str | None = None

    def __repr__(self) -> str:  # never shows the key
        return f"LLMSummarizer(model={self.model!r}, base_url={public_url(self.base_url)!r})"

    @property
    def usage(self) -> LLMUsage:
        """Calls, tokens and cost of every call this instance made (re-asks and highlights included)."""
        budget = self._budget
        return LLMUsage(
            calls=budget.calls,
            tokens_in=budget.tokens_in,
            tokens_out=budget.tokens_out,
            cost=budget.cost,
            priced=self.prices.lookup(self.model) is not None,
        )

    @property
    def endpoint(self) -> str:
        """The base URL without credentials (used in logs and as the format-detection cache key)."""
        return public_url(self.base_url)

    # --- public API -------------------------------------------------------------------------

    def summarize(self, papers: Sequence[Paper], on_result: ResultCallback | None = None) -> list[Summary]:
        """Summarize papers (cache misses), one Summary per paper in input order; runs its own event loop."""
        return asyncio.run(self.asummarize(papers, on_result))

    async def asummarize(self, papers: Sequence[Paper], on_result: ResultCallback | None = None) -> list[Summary]:
        """The async core of `summarize`: call from a running event loop."""
        if not papers:
            return []
        async with self._open_run(on_result) as run:
            groups = self._groups(papers)
            tasks = [asyncio.create_task(self._do_group(run, g)) for g in groups]
            try:
                timeout = None if self.run_deadline is None else max(0.0, self.run_deadline)
                done, pending = await asyncio.wait(tasks, timeout=timeout)
            except asyncio.CancelledError:
                await _cancel_all(tasks)
                raise
            if pending:
                await _cancel_all(pending)
                for paper in papers:
                    self._finish(run, paper, self._failed(paper, "deadline: the run deadline passed first"))
            for task in done:
                exc = task.exception()
                if exc is not None:  # only on_result / store errors get here: papers never raise
                    await _cancel_all(tasks)
                    if isinstance(exc, _CallbackError) and isinstance(exc.__cause__, Exception):
                        raise exc.__cause__
                    raise exc
            return [run.results[(p.arxiv_id, p.version)] for p in papers]

    # --- run plumbing -----------------------------------------------------------------------

    def _open_run(
        self, on_result: ResultCallback | None, store: Store | None = None, prompt_version: str | None = None
    ) -> _RunContext:
        return _RunContext(self, on_result, store, prompt_version)

    def _new_client(self) -> openai.AsyncOpenAI:
        # Local servers (Ollama, vLLM) take any key; the SDK needs a non-empty one.
        return openai.AsyncOpenAI(
            api_key=self._api_key or "not-needed",
            base_url=self.base_url or None,
            timeout=self.timeout,
            max_retries=0,
            http_client=openai.DefaultAsyncHttpxClient(verify=self._tls_context()),
        )

    def _tls_context(self) -> ssl.SSLContext:
        # Loading the CA bundle costs 20-90 ms; build it once per summarizer, not once per run.
        # It is the SDK's own default context (trust store and SSL_CERT_* environment honoured).
        if self._ssl is None:
            try:
                import httpx2 as http_lib  # the transport of openai ≥ 3
            except ImportError:  # pragma: no cover - openai 1.x/2.x use httpx
                import httpx as http_lib  # type: ignore[no-redef]
            self._ssl = http_lib.create_ssl_context()
        return self._ssl

    def _groups(self, papers: Sequence[Paper]) -> list[list[Paper]]:
        unique: dict[tuple[str, int], Paper] = {}
        for paper in papers:
            unique.setdefault((paper.arxiv_id, paper.version), paper)
        items = list(unique.values())
        k = self.batch_size
        return [items[i : i + k] for i in range(0, len(items), k)]

    def _finish(self, run: _Run, paper: Paper, summary: Summary) -> None:
        key = (paper.arxiv_id, paper.version)
        if key in run.results:
            return
        run.results[key] = summary
        if run.on_result is not None:
            try:
                run.on_result(summary)
            except Exception as exc:
                raise _CallbackError(str(exc)) from exc

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

    def _failed(self, paper: Paper, reason: str, tokens_in: int = 0, tokens_out: int = 0, cost: float = 0.0) -> Summary:
        return self._summary(
            paper,
            status=SummaryStatus.FAILED,
            error=redact(reason, self._api_key)[:500],
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost=cost,
        )

    def _ok(self, paper: Paper, answer: SummaryAnswer, tokens_in: int, tokens_out: int, cost: float) -> Summary:
        return self._summary(
            paper,
            tldr=answer.tldr,
            motivation=answer.motivation,
            method=answer.method,
            conclusion=answer.conclusion,
            keywords=answer.keywords,
            score=answer.score,
            score_reason=answer.score_reason,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost=cost,
            status=SummaryStatus.OK,
        )

    def _skipped(self, paper: Paper, tokens_in: int = 0, tokens_out: int = 0, cost: float = 0.0) -> Summary:
        # A batch paper retried alone after the budget ran out keeps its share of the batch call.
        return self._summary(
            paper,
            status=SummaryStatus.SKIPPED_BUDGET,
            error="skipped: LLM budget reached",
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost=cost,
        )

    # --- per paper / per batch ----------------------------------------------------------------

    async def _do_group(self, run: _Run, group: list[Paper]) -> None:
        if len(group) == 1:
            self._finish(run, group[0], await self._safe_one(run, group[0]))
            return
        try:
            await self._do_batch(run, group)
        except _CallbackError:
            raise
        except Exception as exc:  # a bug must not cost the other papers: fall back to single calls
            log.warning("batch of %d failed unexpectedly (%s); retrying alone", len(group), type(exc).__name__)
            await asyncio.gather(*(self._do_group(run, [p]) for p in group if not self._done(run, p)))

    def _done(self, run: _Run, paper: Paper) -> bool:
        return (paper.arxiv_id, paper.version) in run.results

    async def _safe_one(self, run: _Run, paper: Paper, carried: tuple[int, int, float] = (0, 0, 0.0)) -> Summary:
        try:
            return await self._one(run, paper, carried)
        except Exception as exc:  # fault isolation: an unexpected error fails this paper only
            log.exception("summarizing %s failed unexpectedly", paper.versioned_id)
            return self._failed(paper, f"internal error: {type(exc).__name__}: {exc}", *carried)

    async def _one(self, run: _Run, paper: Paper, carried: tuple[int, int, float]) -> Summary:
        tin, tout, cost = carried
        messages = [
            {"role": "system", "content": P.system_prompt(self.language)},
            {"role": "user", "content": P.user_prompt([paper])},
        ]
        ids = [paper.versioned_id]
        try:
            call = await self._chat(run, messages, ids, P.summary_schema(batch=False))
        except _BudgetReached:
            return self._skipped(paper, tin, tout, cost)
        except _CallFailed as exc:
            return self._failed(paper, str(exc), tin, tout, cost)
        tin, tout, cost = tin + call.tokens_in, tout + call.tokens_out, cost + call.cost
        try:
            answer = parse_summary(call.text)
            self._log(call, CallStatus.OK)
            return self._ok(paper, answer, tin, tout, cost)
        except AnswerError as exc:
            first_error = str(exc)
            self._log(call, CallStatus.INVALID, first_error)
        # One re-ask with the validation error, then give up: never invent a value.
        retry_messages = [
            *messages,
            {"role": "assistant", "content": call.text},
            {"role": "user", "content": P.reask_prompt(first_error)},
        ]
        try:
            again = await self._chat(run, retry_messages, ids, P.summary_schema(batch=False))
        except _BudgetReached:
            return self._failed(paper, f"invalid answer ({first_error}); no re-ask: budget reached", tin, tout, cost)
        except _CallFailed as exc:
            return self._failed(paper, f"invalid answer ({first_error}); re-ask failed: {exc}", tin, tout, cost)
        tin, tout, cost = tin + again.tokens_in, tout + again.tokens_out, cost + again.cost
        try:
            answer = parse_summary(again.text)
        except AnswerError as exc:
            self._log(again, CallStatus.INVALID, str(exc))
            return self._failed(paper, f"invalid answer after re-ask: {exc}", tin, tout, cost)
        self._log(again, CallStatus.OK)
        return self._ok(paper, answer, tin, tout, cost)

    async def _do_batch(self, run: _Run, group: list[Paper]) -> None:
        """k papers in one request; ids checked; missing, invalid or extra-id papers retried alone.

        The batch call's usage is split evenly over the k papers sent (remainder to the first
        ones); a paper retried alone adds its own calls on top of its share.
        """
        messages = [
            {"role": "system", "content": P.system_prompt(self.language, batch=True)},
            {"role": "user", "content": P.user_prompt(group)},
        ]
        by_id = {p.arxiv_id: p for p in group}
        try:
            call = await self._chat(run, messages, [p.versioned_id for p in group], P.summary_schema(batch=True))
        except _BudgetReached:
            for paper in group:
                self._finish(run, paper, self._skipped(paper))
            return
        except _CallFailed as exc:
            log.warning("batch call failed (%s); retrying its papers alone", exc)
            await asyncio.gather(*(self._do_group(run, [p]) for p in group))
            return
        try:
            good, problems = parse_batch(call.text, list(by_id))
        except AnswerError as exc:
            good, problems = {}, {pid: str(exc) for pid in by_id}
        status = CallStatus.OK if not problems else CallStatus.PARTIAL if good else CallStatus.INVALID
        self._log(call, status, "; ".join(f"{k}: {v}" for k, v in problems.items()) or None)
        shares = _split(len(group), call.tokens_in, call.tokens_out, call.cost)
        retry: list[tuple[Paper, tuple[int, int, float]]] = []
        for paper, share in zip(group, shares, strict=True):
            answer = good.get(paper.arxiv_id)
            if answer is not None:
                self._finish(run, paper, self._ok(paper, answer, *share))
            else:
                retry.append((paper, share))

        async def alone(paper: Paper, share: tuple[int, int, float]) -> None:
            self._finish(run, paper, await self._safe_one(run, paper, share))

        await asyncio.gather(*(alone(p, s) for p, s in retry))

    # --- one HTTP call with format detection, limits, retries, logging ------------------------

    async def _chat(self, run: _Run, messages: list[dict[str, str]], ids: list[str], schema: dict[str, Any]) -> _Call:
        """One logical call: the format is read when the request is sent, so a fallback found by
        one request applies to every request still waiting for a slot."""
        while True:
            try:
                call = await self._chat_with_retries(run, messages, ids, schema)
            except _SchemaRejected as exc:
                if self.response_format is ResponseFormat.AUTO:
                    if self._format is ResponseFormat.JSON_SCHEMA:
                        log.info("%s rejected json_schema (%s); using json_object", self.endpoint, exc)
                    self._format = ResponseFormat.JSON_OBJECT
                    continue
                raise _CallFailed(str(exc)) from None
            self._remember_format(call.fmt)
            return call

    def _current_format(self) -> ResponseFormat:
        if self._format is None:
            cached = self._load_format()
            self._format = cached or ResponseFormat.JSON_SCHEMA
            self._format_saved = cached
        return self._format

    def _load_format(self) -> ResponseFormat | None:
        if self.store is None:
            return None
        try:
            value = self.store.get_artifact(FORMAT_ARTIFACT_KIND, self.endpoint)
        except StoreError:
            return None
        if isinstance(value, dict) and value.get("response_format") in ("json_schema", "json_object"):
            return ResponseFormat(value["response_format"])
        return None

    def _remember_format(self, fmt: ResponseFormat) -> None:
        # Only a detected (auto) format is worth caching; an explicit one is the user's choice.
        if self._format_saved is fmt or self.response_format is not ResponseFormat.AUTO or self.store is None:
            return
        self._format_saved = fmt
        try:
            self.store.put_artifact(FORMAT_ARTIFACT_KIND, self.endpoint, {"response_format": str(fmt)})
        except StoreError as exc:
            log.warning("cannot cache the response format: %s", exc)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            # Honour the server's Retry-After, plus a little jitter so waiters do not stampede.
            base = min(exc.retry_after, _MAX_RETRY_AFTER)
            return base + random.uniform(0, min(1.0, 0.1 * base))
        return float(wait_random_exponential(multiplier=self.retry_wait_base, max=self.retry_wait_max)(state))

    async def _chat_with_retries(
        self, run: _Run, messages: list[dict[str, str]], ids: list[str], schema: dict[str, Any]
    ) -> _Call:
        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda e: isinstance(e, _Retryable)),
            stop=stop_after_attempt(self.retries + 1),
            wait=self._wait,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._attempt(run, messages, ids, schema)
        except _Retryable as exc:
            raise _CallFailed(f"{exc} (after {self.retries + 1} attempts)") from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(  # noqa: C901 — issue 10 splits this function; the exemption goes with it
        self, run: _Run, messages: list[dict[str, str]], ids: list[str], schema: dict[str, Any]
    ) -> _Call:
        async with run.semaphore:
            fmt = self._current_format()
            payload = schema if fmt is ResponseFormat.JSON_SCHEMA else dict(P.JSON_OBJECT_FORMAT)
            estimate = sum(len(m["content"]) for m in messages) // 3 + _OUTPUT_TOKEN_ESTIMATE
            if run.rpm is not None:
                await run.rpm.acquire(1)
            if run.tpm is not None:
                await run.tpm.acquire(estimate)
            if run.budget.exhausted():
                raise _BudgetReached
            started = time.perf_counter()
            error: str | None = None
            status = CallStatus.ERROR
            try:
                async with asyncio.timeout(self.timeout):
                    response = await run.client.chat.completions.create(
                        model=self.model,
                        messages=cast(Any, messages),
                        temperature=self.temperature,
                        response_format=cast(Any, payload),
                    )
            except TimeoutError:
                error = f"timeout after {self.timeout:g}s"
                raise _Retryable(error) from None
            except openai.APITimeoutError:
                error = f"timeout after {self.timeout:g}s"
                raise _Retryable(error) from None
            except openai.APIConnectionError as exc:
                error = redact(f"connection error: {exc.__cause__ or exc}", self._api_key)
                raise _Retryable(error) from None
            except openai.APIStatusError as exc:
                error = self._status_message(exc)
                if exc.status_code in _RETRYABLE_STATUS:
                    raise _Retryable(error, retry_after_from_headers(exc.response.headers)) from None
                if exc.status_code == 400 and payload.get("type") == "json_schema":
                    raise _SchemaRejected(error) from None
                raise _CallFailed(error) from None
            except openai.OpenAIError as exc:
                error = redact(f"{type(exc).__name__}: {exc}", self._api_key)
                raise _CallFailed(error) from None
            except asyncio.CancelledError:
                # Ctrl-C or the run deadline: the request may have reached the server (and be billed),
                # so it is logged; the usage is unknown. Nothing here awaits: the cancel goes on at once.
                error, status = "cancelled before the answer arrived", CallStatus.CANCELLED
                raise
            finally:
                if error is not None:
                    latency = (time.perf_counter() - started) * 1000
                    run.budget.spend(0, 0, 0.0)
                    try:
                        self._log_raw(messages, ids, None, status, error, 0, 0, latency, run.prompt_version, run.store)
                    except Exception as log_exc:  # never replace the error (or the cancel) in flight
                        log.warning("cannot log an LLM call: %s", type(log_exc).__name__)
            latency = (time.perf_counter() - started) * 1000
        text = _answer_text(response)
        usage = response.usage
        tin = int(usage.prompt_tokens) if usage and usage.prompt_tokens else 0
        tout = int(usage.completion_tokens) if usage and usage.completion_tokens else 0
        cost = self.prices.cost(self.model, tin, tout)
        run.budget.spend(tin, tout, cost)
        if run.tpm is not None and (tin or tout):
            run.tpm.adjust(tin + tout - estimate)
        return _Call(messages, ids, text, tin, tout, cost, latency, fmt)

    def _status_message(self, exc: openai.APIStatusError) -> str:
        body = exc.body
        detail: Any = body
        if isinstance(body, dict):
            inner = body.get("error", body)
            detail = inner.get("message", inner) if isinstance(inner, dict) else inner
        text = f"HTTP {exc.status_code}: {detail if detail is not None else exc.message}"
        return redact(" ".join(str(text).split()), self._api_key)[:400]

    # --- logging ----------------------------------------------------------------------------

    def _log(
        self,
        call: _Call,
        status: CallStatus,
        error: str | None = None,
        prompt_version: str | None = None,
        store: Store | None = None,
    ) -> None:
        self._log_raw(
            call.messages,
            call.paper_ids,
            call.text,
            status,
            error,
            call.tokens_in,
            call.tokens_out,
            call.latency_ms,
            prompt_version,
            store,
        )

    def _log_raw(
        self,
        messages: list[dict[str, str]],
        ids: list[str],
        response: str | None,
        status: CallStatus,
        error: str | None,
        tokens_in: int,
        tokens_out: int,
        latency_ms: float,
        prompt_version: str | None = None,
        store: Store | None = None,
    ) -> None:
        store = store if store is not None else self.store
        if store is None:
            return
        prompt_text = "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in messages)
        try:
            store.log_llm_call(
                paper_ids=ids,
                model=self.model,
                prompt_version=prompt_version or self.prompt_version,
                # The prompt is our text plus paper data: only the literal key could ever be in it.
                prompt=prompt_text.replace(self._api_key, "****") if self._api_key else prompt_text,
                response=None if response is None else redact(response, self._api_key),
                status=str(status),
                error=None if error is None else redact(error, self._api_key),
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                latency_ms=round(latency_ms, 1),
                run_id=self.run_id,
            )
        except StoreError as exc:  # the log must never cost a summary
            log.warning("cannot log an LLM call: %s", exc)

    # --- highlights (issue 5) ---------------------------------------------------------------

    def highlights_key(self, entries: Sequence[DigestEntry]) -> str:
        """Cache key of a day's highlights: model, prompt version, language and, per numbered entry,
        its versioned id, summary status and a hash of its tldr (a new tldr means new highlights)."""
        parts = [self.model, P.HIGHLIGHTS_PROMPT_VERSION, self.language]
        for index, entry in enumerate(entries, start=1):
            summary = entry.summary
            status = str(summary.status) if summary is not None else "none"
            tldr = (summary.tldr or "") if summary is not None else ""
            digest = hashlib.sha256(tldr.encode("utf-8")).hexdigest()[:16]
            parts.append(f"{entry.number or index}:{entry.paper.versioned_id}:{status}:{digest}")
        return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()

    def write_highlights(
        self, entries: Sequence[DigestEntry], store: Store | None = None, *, refresh: bool = False
    ) -> str | None:
        """The day's 3–5 themes as Markdown citing paper numbers like [3], or None; runs its own loop."""
        return asyncio.run(self.awrite_highlights(entries, store=store, refresh=refresh))

    async def awrite_highlights(
        self, entries: Sequence[DigestEntry], store: Store | None = None, *, refresh: bool = False
    ) -> str | None:
        """Async core of `write_highlights`: one call over the numbered tldrs, validated and cached.

        Only papers whose summary is `ok` are sent (and may be cited). Returns None (and sets
        `highlights_note` to why, when it is worth telling) when fewer than two papers are ok, the
        run's budget is spent, the call fails or no theme survives validation; the digest never
        fails for its highlights. `refresh` skips the cache lookup (the answer is stored again).
        """
        self.highlights_note = None
        store = store if store is not None else self.store
        items = _highlight_items(entries)
        if len(items) < 2:
            return None
        key = self.highlights_key(entries)
        if store is not None and not refresh:
            try:
                cached = store.get_artifact(HIGHLIGHTS_ARTIFACT_KIND, key)
            except StoreError:
                cached = None
            if isinstance(cached, dict) and isinstance(cached.get("markdown"), str):
                return str(cached["markdown"])
        if self._budget.exhausted():
            return self._no_highlights("LLM budget reached")
        messages = [
            {"role": "system", "content": P.highlights_system_prompt(self.language)},
            {"role": "user", "content": P.highlights_user_prompt(items)},
        ]
        numbers = {n for n, _, _ in items}
        ids = [id_ for _, id_ in _highlight_ids(entries)]
        async with self._open_run(None, store, P.HIGHLIGHTS_PROMPT_VERSION) as run:
            try:
                call = await self._chat(run, messages, ids, P.highlights_schema())
            except _BudgetReached:
                return self._no_highlights("LLM budget reached")
            except _CallFailed as exc:
                return self._no_highlights(f"call failed: {exc}")
        try:
            markdown = render_highlights(call.text, numbers, self.language)
        except AnswerError as exc:
            self._log(call, CallStatus.INVALID, str(exc), P.HIGHLIGHTS_PROMPT_VERSION, store)
            return self._no_highlights(f"answer rejected: {exc}")
        self._log(call, CallStatus.OK, None, P.HIGHLIGHTS_PROMPT_VERSION, store)
        if store is not None:
            value = {
                "markdown": markdown,
                "model": self.model,
                "prompt_version": P.HIGHLIGHTS_PROMPT_VERSION,
                "tokens_in": call.tokens_in,
                "tokens_out": call.tokens_out,
                "cost": call.cost,
            }
            try:
                store.put_artifact(HIGHLIGHTS_ARTIFACT_KIND, key, value)
            except StoreError as exc:
                log.warning("cannot cache highlights: %s", exc)
        return markdown

    def _no_highlights(self, reason: str) -> str | None:
        """Record why the day has no highlights (for the run's notes) and return None."""
        self.highlights_note = f"highlights skipped: {redact(reason, self._api_key)}"
        log.warning("%s", self.highlights_note)
        return None


class _RunContext:
    """Opens the HTTP client and the run's limits; closes the client (async context manager)."""

    def __init__(
        self,
        owner: LLMSummarizer,
        on_result: ResultCallback | None,
        store: Store | None = None,
        prompt_version: str | None = None,
    ) -> None:
        self.owner = owner
        self.on_result = on_result
        self.store = store
        self.prompt_version = prompt_version
        self.run: _Run | None = None

    async def __aenter__(self) -> _Run:
        owner = self.owner
        self.run = _Run(
            client=owner._new_client(),
            semaphore=asyncio.Semaphore(owner.concurrency),
            budget=owner._budget,
            rpm=RateLimiter(owner.requests_per_minute) if owner.requests_per_minute else None,
            tpm=RateLimiter(owner.tokens_per_minute) if owner.tokens_per_minute else None,
            on_result=self.on_result,
            store=self.store,
            prompt_version=self.prompt_version,
        )
        return self.run

    async def __aexit__(self, *exc: object) -> None:
        if self.run is not None:
            # Shielded: closing sockets must finish even when the run is being cancelled.
            await asyncio.shield(self.run.client.close())


async def _cancel_all(tasks: Sequence[asyncio.Task[Any]] | set[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _split(k: int, tokens_in: int, tokens_out: int, cost: float) -> list[tuple[int, int, float]]:
    """An even split of a batch call's usage over k papers (integer remainders to the first ones)."""
    out = []
    for i in range(k):
        tin = tokens_in // k + (1 if i < tokens_in % k else 0)
        tout = tokens_out // k + (1 if i < tokens_out % k else 0)
        out.append((tin, tout, cost / k))
    return out


def _answer_text(response: Any) -> str:
    choices = getattr(response, "choices", None) or []
    if not choices:
        return ""
    message = choices[0].message
    content = getattr(message, "content", None)
    return content if isinstance(content, str) else ""


def _highlight_ids(entries: Sequence[DigestEntry]) -> list[tuple[DigestEntry, str]]:
    """The entries worth highlighting: an `ok` summary with a tldr (failed and skipped papers are
    neither sent nor citable), with their versioned ids."""
    return [
        (e, e.paper.versioned_id)
        for e in entries
        if e.summary is not None and e.summary.status is SummaryStatus.OK and (e.summary.tldr or "").strip()
    ]


def _highlight_items(entries: Sequence[DigestEntry]) -> list[tuple[int, str, str]]:
    numbers = {id(e): e.number or index for index, e in enumerate(entries, start=1)}
    return [
        (numbers[id(e)], e.paper.title, (e.summary.tldr or "") if e.summary else "") for e, _ in _highlight_ids(entries)
    ]


# A citation: digits in ASCII or full-width brackets, as a list ("1, 2", "1、2", "1 and 2") and/or
# ranges ("1-3", "1–3", "1~3"); the whitespace before it goes with it when it is dropped.
_SEP = r"(?:\s*(?:[,，、;；]|and|&)\s*|\s*[-–—~～]\s*|\s+)"
_CITATION_RE = re.compile(rf"(\s*)[\[【［]\s*(\d+(?:{_SEP}\d+)*)\s*[\]】］]")
_ITEM_RE = re.compile(r"(\d+)(?:\s*[-–—~～]\s*(\d+))?")
_MAX_RANGE = 20


def _cited_numbers(inner: str, numbers: set[int]) -> list[int]:
    """Every known number cited inside one bracket, in the order written, once.

    A range is expanded only when both ends are papers of the day (and it is short); otherwise its
    ends count as single numbers, so "[1-999]" cites [1], not the whole day.
    """
    out: list[int] = []
    for match in _ITEM_RE.finditer(inner):
        lo = int(match.group(1))
        hi = int(match.group(2)) if match.group(2) else lo
        if lo in numbers and hi in numbers and lo <= hi and hi - lo <= _MAX_RANGE:
            out += [n for n in range(lo, hi + 1) if n in numbers]
        else:
            out += [n for n in (lo, hi) if n in numbers]
    return list(dict.fromkeys(out))


def _clean_citations(text: str, numbers: set[int]) -> str:
    """Citations normalised to separate `[n]` brackets; numbers not in the day removed."""

    def replace(match: re.Match[str]) -> str:
        cited = _cited_numbers(match.group(2), numbers)
        return match.group(1) + "".join(f"[{n}]" for n in cited) if cited else ""

    return _CITATION_RE.sub(replace, text).strip()


def render_highlights(text: str, numbers: set[int], language: str = "zh") -> str:
    """Validate a highlights answer into Markdown bullets citing only the day's papers as `[n]`.

    Every number in `[...]`/`【...】` counts, lists and ranges included; unknown numbers are
    removed (with the bracket when none is left). A theme left with no valid citation is dropped;
    no theme left is an `AnswerError`.
    """
    data = extract_json(text)
    themes = data.get("themes") if isinstance(data, dict) else None
    if not isinstance(themes, list):
        raise AnswerError('highlights answer has no "themes" array')
    lines: list[str] = []
    for theme in themes[:5]:
        if not isinstance(theme, dict):
            continue
        title = _clean_citations(" ".join(str(theme.get("title") or "").split()), numbers)
        body = _clean_citations(" ".join(str(theme.get("text") or "").split()), numbers)
        cited = [int(n) for n in re.findall(r"\[(\d+)\]", body)]
        listed = [n for n in theme.get("papers") or [] if isinstance(n, int) and not isinstance(n, bool)]
        extra = list(dict.fromkeys(n for n in listed if n in numbers and n not in cited))
        if extra:
            body = f"{body} " + "".join(f"[{n}]" for n in extra)
            cited += extra
        if not cited or not body:
            continue
        colon = "：" if language == "zh" else ": "
        lines.append(f"- **{title}**{colon}{body}" if title else f"- {body}")
    if not lines:
        raise AnswerError("no highlight theme cites a paper of the day")
    return "\n".join(lines)


def write_highlights(
    entries: Sequence[DigestEntry],
    *,
    summarizer: Summarizer,
    store: Store | None = None,
    refresh: bool = False,
) -> str | None:
    """The day's highlights (3–5 themes citing paper numbers) written by `summarizer`'s model, or None.

    Only entries with an `ok` summary are sent; `refresh` bypasses the highlights cache. Takes any
    `Summarizer` (what the pipeline holds) but only an `LLMSummarizer` can write highlights:
    any other backend is a `TypeError`.
    """
    if not isinstance(summarizer, LLMSummarizer):
        raise TypeError(f"highlights need an LLMSummarizer, not {type(summarizer).__name__}")
    return summarizer.write_highlights(entries, store=store, refresh=refresh)
