"""One chat-completions request, done right: limits, budget, circuit breaker, retries, format detection, log.

Client: the official `openai` SDK (`AsyncOpenAI`, https://github.com/openai/openai-python) with
its own retries off (`max_retries=0`): retries are ours (tenacity), exponential with jitter, and
honour `Retry-After` / `retry-after-ms`. Which failures are retried, fail one paper or stop the
run is decided in `errors.py`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from paperbrief.store.db import Store, StoreError
from paperbrief.summarize.base import SummarizerFatalError
from paperbrief.summarize.llm import prompt as P
from paperbrief.summarize.llm.calllog import CallLogger, CallRecord, CallStatus
from paperbrief.summarize.llm.config import LLMConfig, ResponseFormat
from paperbrief.summarize.llm.errors import (
    BreakerOpen,
    BudgetReached,
    CallFailed,
    CircuitBreaker,
    Retryable,
    SchemaRejected,
    classify,
)
from paperbrief.summarize.llm.limits import Budget, RateLimiter

if TYPE_CHECKING:  # the SDK (seconds to import on a busy machine) loads with the first client (issue 15)
    import openai

log = logging.getLogger(__name__)

FORMAT_ARTIFACT_KIND = "llm-response-format"
# Longest Retry-After we wait for; the run deadline cuts shorter.
_MAX_RETRY_AFTER = 600.0
_OUTPUT_TOKEN_ESTIMATE = 400


@dataclass
class Call:
    """One successful HTTP call."""

    messages: list[dict[str, str]]
    paper_ids: list[str]
    text: str
    tokens_in: int
    tokens_out: int
    cost: float
    latency_ms: float
    fmt: ResponseFormat = ResponseFormat.JSON_OBJECT

    def record(self, status: CallStatus, error: str | None = None) -> CallRecord:
        """This call as a log record."""
        return CallRecord(
            self.messages, self.paper_ids, self.text, status, error, self.tokens_in, self.tokens_out, self.latency_ms
        )


@dataclass
class RunState:
    """What one pipeline run shares across its summarize and highlights calls.

    One budget (the caps hold for the whole run), one circuit breaker (after a fatal answer no
    call is made, highlights included), and the response format detected so far.

    The full-text chain summarizes in its own thread (and event loop) while the abstract summaries
    run in the calling one, so the budget is read and booked under `lock`: the check of the cap and
    the reservation of a request's estimate are one step, and a request is sent only while the
    tokens spent plus the estimates of the requests in flight are under `--max-tokens`.
    """

    budget: Budget
    breaker: CircuitBreaker
    detected_format: ResponseFormat | None = None
    saved_format: ResponseFormat | None = None
    in_flight_tokens: int = 0  # estimates of the requests sent and not yet answered
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def reserve(self, estimate: int) -> None:
        """Book `estimate` tokens for a request about to be sent, or raise `BudgetReached` (atomic)."""
        with self.lock:
            budget = self.budget
            over = budget.max_tokens is not None and budget.tokens + self.in_flight_tokens >= budget.max_tokens
            if over or budget.exhausted():
                raise BudgetReached
            self.in_flight_tokens += estimate

    def settle(self, estimate: int, tokens_in: int, tokens_out: int, cost: float, cached: int | None = None) -> None:
        """Replace a request's reservation with what it spent (0 tokens for a failed or cancelled one)."""
        with self.lock:
            self.in_flight_tokens = max(0, self.in_flight_tokens - estimate)
            self.budget.spend(tokens_in, tokens_out, cost, cached)

    def would_exceed(self, estimate: int) -> bool:
        """Whether a request of `estimate` tokens would take the run past `--max-tokens` (spent + in flight)."""
        with self.lock:
            budget = self.budget
            return budget.max_tokens is not None and (
                budget.tokens + self.in_flight_tokens + estimate > budget.max_tokens
            )


@dataclass
class Session:
    """One open client with its limits, for one summarize or highlights call; `spent` is its own usage."""

    client: openai.AsyncOpenAI
    semaphore: asyncio.Semaphore
    logger: CallLogger
    rpm: RateLimiter | None = None
    tpm: RateLimiter | None = None
    spent: Budget = field(default_factory=Budget)


class Transport:
    """Sends chat-completions requests for one summarizer; the run's mutable state is in `state`."""

    def __init__(self, config: LLMConfig, state: RunState, store: Store | None = None) -> None:
        self.config = config
        self.state = state
        self.store = store
        self._ssl: ssl.SSLContext | None = None

    def __repr__(self) -> str:  # never shows the key
        return f"Transport(endpoint={self.config.endpoint!r})"

    @asynccontextmanager
    async def session(self, logger: CallLogger) -> AsyncIterator[Session]:
        """Open a client and the limits for one call of the summarizer; the client is closed after."""
        config = self.config
        session = Session(
            client=self._new_client(),
            semaphore=asyncio.Semaphore(config.concurrency),
            logger=logger,
            rpm=RateLimiter(config.requests_per_minute) if config.requests_per_minute else None,
            tpm=RateLimiter(config.tokens_per_minute) if config.tokens_per_minute else None,
        )
        try:
            yield session
        finally:
            # Shielded: closing sockets must finish even when the run is being cancelled.
            await asyncio.shield(session.client.close())

    def _new_client(self) -> openai.AsyncOpenAI:
        import openai

        config = self.config
        # Local servers (Ollama, vLLM) take any key; the SDK needs a non-empty one.
        return openai.AsyncOpenAI(
            api_key=config.api_key or "not-needed",
            base_url=config.base_url or None,
            timeout=openai.Timeout(config.timeout, connect=config.connect_timeout),
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

    # --- one logical call ---------------------------------------------------------------------

    async def chat(
        self, session: Session, messages: list[dict[str, str]], ids: list[str], schema: dict[str, Any]
    ) -> Call:
        """One logical call; raises `BudgetReached`, `BreakerOpen` or `CallFailed` (redacted).

        The format is read when the request is sent, so a fallback found by one request applies
        to every request still waiting for a slot.
        """
        while True:
            try:
                call = await self._with_retries(session, messages, ids, schema)
            except SchemaRejected as exc:
                if self.config.response_format is ResponseFormat.AUTO:
                    if self.state.detected_format is ResponseFormat.JSON_SCHEMA:
                        log.info("%s rejected json_schema (%s); using json_object", self.config.endpoint, exc)
                    self.state.detected_format = ResponseFormat.JSON_OBJECT
                    continue
                raise CallFailed(str(exc)) from None
            self._remember_format(call.fmt)
            return call

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, Retryable) and exc.retry_after is not None:
            # Honour the server's Retry-After, plus a little jitter so waiters do not stampede.
            base = min(exc.retry_after, _MAX_RETRY_AFTER)
            return base + random.uniform(0, min(1.0, 0.1 * base))
        wait = wait_random_exponential(multiplier=self.config.retry_wait_base, max=self.config.retry_wait_max)
        return float(wait(state))

    async def _sleep(self, seconds: float) -> None:
        """Wait before a retry, but no longer once the breaker is open (a Retry-After may be minutes)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while self.state.breaker.error is None and (left := end - loop.time()) > 0:
            await asyncio.sleep(min(left, 0.25))

    async def _with_retries(
        self, session: Session, messages: list[dict[str, str]], ids: list[str], schema: dict[str, Any]
    ) -> Call:
        attempts = self.config.retries + 1
        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda e: isinstance(e, Retryable)),
            stop=stop_after_attempt(attempts),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._attempt(session, messages, ids, schema)
        except Retryable as exc:
            raise CallFailed(f"{exc} (after {attempts} attempts)") from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(
        self, session: Session, messages: list[dict[str, str]], ids: list[str], schema: dict[str, Any]
    ) -> Call:
        async with session.semaphore:
            self.state.breaker.check()
            fmt = self._current_format()
            payload = schema if fmt is ResponseFormat.JSON_SCHEMA else dict(P.JSON_OBJECT_FORMAT)
            estimate = estimate_tokens(messages)
            await self._acquire_limits(session, estimate)
            self.state.breaker.check()  # the limits may have waited while another worker hit a fatal answer
            self.state.reserve(estimate)  # raises BudgetReached; atomic across the run's threads
            started = time.perf_counter()
            try:
                with self.state.breaker.sending():
                    response = await self._post(session, messages, payload)
            except asyncio.CancelledError:
                # Ctrl-C, the run deadline or the breaker: the request may have reached the server (and
                # be billed), so it is logged; the usage is unknown. Nothing here awaits.
                self._log_failure(
                    session,
                    messages,
                    ids,
                    CallStatus.CANCELLED,
                    "cancelled before the answer arrived",
                    started,
                    estimate,
                )
                if self.state.breaker.was_aborted():
                    raise BreakerOpen(str(self.state.breaker.error)) from None
                raise
            except Exception as exc:
                failure = self._judge(exc, schema_sent=payload.get("type") == "json_schema")
                self._log_failure(session, messages, ids, CallStatus.ERROR, str(failure), started, estimate)
                raise failure from None
            except BaseException:
                self.state.settle(estimate, 0, 0, 0.0)
                raise
            self.state.breaker.record_answer()
            return self._call(session, response, messages, ids, fmt, estimate, started)

    async def _acquire_limits(self, session: Session, estimate: int) -> None:
        if session.rpm is not None:
            await session.rpm.acquire(1)
        if session.tpm is not None:
            await session.tpm.acquire(estimate)

    async def _post(self, session: Session, messages: list[dict[str, str]], payload: dict[str, Any]) -> Any:
        # A total deadline around the SDK call: the SDK's own timeout is per read, not per request.
        async with asyncio.timeout(self.config.timeout):
            return await session.client.chat.completions.create(
                model=self.config.model,
                messages=cast(Any, messages),
                temperature=self.config.temperature,
                response_format=cast(Any, payload),
            )

    def _judge(self, exc: Exception, *, schema_sent: bool) -> Exception:
        """The failure to raise for `exc`, feeding the circuit breaker on the way."""
        failure = classify(exc, self.config, schema_sent=schema_sent)
        breaker = self.state.breaker
        if isinstance(failure, SummarizerFatalError):
            breaker.trip(failure)
            return BreakerOpen(str(failure))
        if isinstance(failure, Retryable) and failure.timeout:
            breaker.record_timeout(self.config, connect=failure.connect)
            if breaker.error is not None:
                return BreakerOpen(str(breaker.error))
        elif not isinstance(failure, Retryable) or failure.answered:
            breaker.record_answer()  # an HTTP answer, even an error, shows the endpoint is alive
        return failure

    def _log_failure(
        self,
        session: Session,
        messages: list[dict[str, str]],
        ids: list[str],
        status: CallStatus,
        error: str,
        started: float,
        estimate: int,
    ) -> None:
        latency = (time.perf_counter() - started) * 1000
        self.state.settle(estimate, 0, 0, 0.0)
        session.spent.spend(0, 0, 0.0)
        try:
            session.logger.log(CallRecord(messages, ids, None, status, error, 0, 0, latency))
        except Exception as log_exc:  # never replace the error (or the cancel) in flight
            log.warning("cannot log an LLM call: %s", type(log_exc).__name__)

    def _call(
        self,
        session: Session,
        response: Any,
        messages: list[dict[str, str]],
        ids: list[str],
        fmt: ResponseFormat,
        estimate: int,
        started: float,
    ) -> Call:
        latency = (time.perf_counter() - started) * 1000
        usage = getattr(response, "usage", None)
        tin = int(usage.prompt_tokens) if usage and usage.prompt_tokens else 0
        tout = int(usage.completion_tokens) if usage and usage.completion_tokens else 0
        cached = _cached_tokens(usage)
        cost = self.config.prices.cost(self.config.model, tin, tout, cached)
        self.state.settle(estimate, tin, tout, cost, cached)
        session.spent.spend(tin, tout, cost, cached)
        if session.tpm is not None and (tin or tout):
            session.tpm.adjust(tin + tout - estimate)
        return Call(messages, ids, _answer_text(response), tin, tout, cost, latency, fmt)

    # --- response format detection ------------------------------------------------------------

    def _current_format(self) -> ResponseFormat:
        state = self.state
        if self.config.response_format is not ResponseFormat.AUTO:
            return self.config.response_format
        if state.detected_format is None:
            cached = self._load_format()
            state.detected_format = cached or ResponseFormat.JSON_SCHEMA
            state.saved_format = cached
        return state.detected_format

    def _load_format(self) -> ResponseFormat | None:
        if self.store is None:
            return None
        try:
            value = self.store.get_artifact(FORMAT_ARTIFACT_KIND, self.config.endpoint)
        except StoreError:
            return None
        if isinstance(value, dict) and value.get("response_format") in ("json_schema", "json_object"):
            return ResponseFormat(value["response_format"])
        return None

    def _remember_format(self, fmt: ResponseFormat) -> None:
        # Only a detected (auto) format is worth caching; an explicit one is the user's choice.
        state = self.state
        if state.saved_format is fmt or self.config.response_format is not ResponseFormat.AUTO or self.store is None:
            return
        state.saved_format = fmt
        try:
            self.store.put_artifact(FORMAT_ARTIFACT_KIND, self.config.endpoint, {"response_format": str(fmt)})
        except StoreError as exc:
            log.warning("cannot cache the response format: %s", exc)


def estimate_tokens(messages: list[dict[str, str]], output: int = _OUTPUT_TOKEN_ESTIMATE) -> int:
    """A generous token estimate of a request, counted before sending: ~3 characters a token, a CJK character one."""
    text = "".join(m["content"] for m in messages)
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return (len(text) - cjk) // 3 + cjk + output


def _cached_tokens(usage: Any) -> int | None:
    """Cached input tokens when the provider reports them (OpenAI `prompt_tokens_details`, DeepSeek)."""
    details = getattr(usage, "prompt_tokens_details", None)
    value = getattr(details, "cached_tokens", None) if details is not None else None
    if value is None:
        extra = getattr(usage, "model_extra", None) or {}
        value = extra.get("prompt_cache_hit_tokens")
    return int(value) if isinstance(value, int) else None


def _answer_text(response: Any) -> str:
    choices = getattr(response, "choices", None) or []
    if not choices:
        return ""
    content = getattr(choices[0].message, "content", None)
    return content if isinstance(content, str) else ""
