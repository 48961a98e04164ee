"""What a failed LLM request means for the run (issue 9): retry it, fail this paper, or stop everything.

Fatal for the run (the same for every request, so repeating it only costs time): 401/403, an
unknown model, a 404 route, a 400 about the request's shape, connection refused, DNS and TLS
failures. Retryable: 429, 408/409/425, 5xx, timeouts, dropped connections. A 400 about one paper
(context length, content filter) fails that paper only. The circuit breaker shared by every
worker of a run stops all requests once a fatal answer arrived or enough timeouts in a row did.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the SDK is imported when a request fails or is sent, not at start-up (issue 15)
    import openai

from paperbrief.redact import mask_text
from paperbrief.summarize.base import FatalCause, SummarizerFatalError
from paperbrief.summarize.llm.config import LLMConfig
from paperbrief.text import one_line

RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529})
# A 400 about this paper's content, not the request's shape: only that paper fails.
_PER_PAPER_400 = (
    "context",
    "too long",
    "too many tokens",
    "maximum",
    "content_filter",
    "content management",
    "inspection",
    "safety",
    "sensitive",
    "moderation",
)
_MODEL_MISSING = ("does not exist", "not exist", "not found", "unknown model", "invalid model", "no such model")


class BudgetReached(Exception):
    """No new call may be issued: a cost or token cap was reached."""


class BreakerOpen(Exception):
    """No new call may be issued: the run is stopping (the breaker's error says why)."""


class CallFailed(Exception):
    """A call failed for good (after retries) for this paper only; the message is already redacted."""


class SchemaRejected(Exception):
    """The endpoint answered 400 to a json_schema request (format detection falls back)."""


class Retryable(Exception):
    """A transient failure worth another attempt; carries the redacted reason and Retry-After."""

    def __init__(
        self,
        message: str,
        retry_after: float | None = None,
        *,
        timeout: bool = False,
        connect: bool = False,
        answered: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.timeout = timeout  # no answer in time: counts towards the breaker's timeout streak
        self.connect = connect  # the connection itself could not be opened in time
        self.answered = answered  # the endpoint answered (429, 5xx): it is alive


class CircuitBreaker:
    """Shared by every worker of a run: once open, nothing is sent.

    The full-text chain (issue 13) summarizes in its own thread and event loop beside the abstract
    summaries, so the breaker's state is changed under a lock, and a request of the other loop is
    cancelled through that loop (`call_soon_threadsafe`), never from this thread.

    When timeouts open it, the requests still on the wire go to the same silent endpoint: they are
    cancelled at once (`sending` registers them) instead of each waiting out its own timeout.
    """

    def __init__(self, timeouts_to_open: int = 3) -> None:
        self.timeouts_to_open = timeouts_to_open
        self.error: SummarizerFatalError | None = None
        self._timeouts = 0
        self._sending: set[asyncio.Task[Any]] = set()
        self._aborted: set[asyncio.Task[Any]] = set()
        self._lock = threading.RLock()

    @contextmanager
    def sending(self) -> Iterator[None]:
        """Mark the current task as waiting for an answer (it may be aborted when the breaker opens)."""
        task = asyncio.current_task()
        if task is not None:
            with self._lock:
                self._sending.add(task)
        try:
            yield
        finally:
            with self._lock:
                self._sending.discard(task)

    def was_aborted(self) -> bool:
        """Whether the current task's cancellation came from the breaker (then it is undone)."""
        task = asyncio.current_task()
        with self._lock:
            if task is None or task not in self._aborted:
                return False
            self._aborted.discard(task)
        task.uncancel()
        return True

    def _abort_sending(self) -> None:
        with self._lock:
            tasks = [t for t in self._sending if not t.done()]
            self._aborted.update(tasks)
        for task in tasks:
            _cancel_in_its_loop(task)

    def check(self) -> None:
        """Raise `BreakerOpen` when the run is stopping."""
        if self.error is not None:
            raise BreakerOpen(str(self.error))

    def check_fatal(self) -> None:
        """Raise the run's fatal error when the breaker is open."""
        if self.error is not None:
            raise self.error

    def trip(self, error: SummarizerFatalError) -> None:
        """Open the breaker; the first cause is the one reported."""
        with self._lock:
            if self.error is None:
                self.error = error

    def record_answer(self) -> None:
        """The endpoint answered (even with an error status): the timeout streak ends."""
        with self._lock:
            self._timeouts = 0

    def record_timeout(self, config: LLMConfig, *, connect: bool) -> None:
        """One more request timed out; enough in a row open the breaker."""
        with self._lock:
            self._timeouts += 1
            if self._timeouts < self.timeouts_to_open:
                return
        self._abort_sending()
        if connect:
            message = (
                f"the LLM at {config.endpoint} does not accept connections "
                f"(timed out after {config.connect_timeout:g}s)"
            )
            self.trip(SummarizerFatalError(message, FatalCause.UNREACHABLE, config.endpoint))
        else:
            message = (
                f"the LLM at {config.endpoint} does not answer "
                f"({self._timeouts} requests in a row timed out after {config.timeout:g}s)"
            )
            self.trip(SummarizerFatalError(message, FatalCause.NO_ANSWER, config.endpoint))


def _cancel_in_its_loop(task: asyncio.Task[Any]) -> None:
    """Cancel `task` from its own event loop (another thread's loop is asked, not touched)."""
    loop = task.get_loop()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if loop is running:
        task.cancel()
        return
    with contextlib.suppress(RuntimeError):  # that loop is closed: its task is over
        loop.call_soon_threadsafe(task.cancel)


def classify(exc: Exception, config: LLMConfig, *, schema_sent: bool) -> Exception:
    """The exception a failed request becomes: `Retryable`, `SchemaRejected`, `CallFailed` or a fatal error."""
    import openai

    if isinstance(exc, TimeoutError):
        return Retryable(f"timeout after {config.timeout:g}s", timeout=True)
    if isinstance(exc, openai.APITimeoutError):
        if _connect_timeout(exc):
            return Retryable(f"connect timeout after {config.connect_timeout:g}s", timeout=True, connect=True)
        return Retryable(f"timeout after {config.timeout:g}s", timeout=True)
    if isinstance(exc, openai.APIConnectionError):
        return _connection(exc, config)
    if isinstance(exc, openai.APIStatusError):
        return _status(exc, config, schema_sent=schema_sent)
    if isinstance(exc, openai.OpenAIError):
        return CallFailed(mask_text(f"{type(exc).__name__}: {exc}", config.api_key))
    raise exc


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out and len(out) < 10:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def _connect_timeout(exc: BaseException) -> bool:
    return any(type(e).__name__ == "ConnectTimeout" for e in _chain(exc))


def _connection(exc: openai.APIConnectionError, config: LLMConfig) -> Exception:
    chain = _chain(exc)
    text = " ".join(str(e) for e in chain).lower()
    endpoint = config.endpoint
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "connection refused" in text:
        return SummarizerFatalError(f"the LLM at {endpoint} refused the connection", FatalCause.REFUSED, endpoint)
    dns_words = ("name or service not known", "nodename nor servname", "name resolution", "getaddrinfo")
    if any(isinstance(e, socket.gaierror) for e in chain) or any(w in text for w in dns_words):
        return SummarizerFatalError(
            f"the host of the LLM at {endpoint} cannot be found (DNS)", FatalCause.DNS, endpoint
        )
    tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
    if tls is not None or "certificate_verify_failed" in text:
        reason = mask_text(one_line(tls if tls is not None else exc)[:200], config.api_key)
        return SummarizerFatalError(f"TLS failed with the LLM at {endpoint}: {reason}", FatalCause.TLS, endpoint)
    return Retryable(mask_text(f"connection error: {exc.__cause__ or exc}", config.api_key))


def _status(exc: openai.APIStatusError, config: LLMConfig, *, schema_sent: bool) -> Exception:
    code = exc.status_code
    message = status_message(exc, config.api_key)
    if code in RETRYABLE_STATUS:
        from paperbrief.retry_after import retry_after_from_headers

        return Retryable(message, retry_after_from_headers(exc.response.headers), answered=True)
    if code == 400 and schema_sent and config.response_format == "auto":
        return SchemaRejected(message)
    return _fatal_status(exc, config, message) or CallFailed(message)


def _fatal_status(exc: openai.APIStatusError, config: LLMConfig, message: str) -> SummarizerFatalError | None:
    code = exc.status_code
    endpoint = config.endpoint
    label = error_code(exc)
    tag = f"HTTP {code} {label}" if label else f"HTTP {code}"
    lowered = message.lower()
    if code in (401, 403):
        return SummarizerFatalError(f"the LLM at {endpoint} rejected the API key ({tag})", FatalCause.KEY, endpoint)
    model_missing = "model" in lowered and any(w in lowered for w in _MODEL_MISSING)
    if code in (400, 404) and (label == "model_not_found" or model_missing):
        return SummarizerFatalError(
            f'model "{config.model}" not found at {endpoint} ({tag})', FatalCause.MODEL, endpoint
        )
    if code == 404:
        return SummarizerFatalError(
            f"the LLM at {endpoint} has no chat/completions route ({tag}): check the base URL",
            FatalCause.ROUTE,
            endpoint,
        )
    if code in (400, 422) and not any(w in lowered for w in _PER_PAPER_400):
        return SummarizerFatalError(
            f"the LLM at {endpoint} rejected the request's shape ({message[:200]})", FatalCause.REQUEST, endpoint
        )
    return None


def error_code(exc: openai.APIStatusError) -> str:
    """The provider's error code (`invalid_api_key`, `model_not_found`), else its type, else ''."""
    body: Any = exc.body
    inner = body.get("error", body) if isinstance(body, dict) else None
    if isinstance(inner, dict):
        for key in ("code", "type"):
            value = inner.get(key)
            if isinstance(value, str) and value and len(value) <= 60 and " " not in value:
                return value
    return ""


def status_message(exc: openai.APIStatusError, api_key: str | None) -> str:
    """`HTTP <status>: <provider message>`, one line, credentials redacted, at most 400 characters."""
    body: Any = exc.body
    detail: Any = body
    if isinstance(body, dict):
        inner = body.get("error", body)
        detail = inner.get("message", inner) if isinstance(inner, dict) else inner
    text = f"HTTP {exc.status_code}: {detail if detail is not None else exc.message}"
    return mask_text(" ".join(str(text).split()), api_key)[:400]
