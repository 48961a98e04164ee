"""Polite, bounded-retry HTTP GET for every arXiv endpoint (httpx + tenacity).

Retries 429 (honouring Retry-After), 5xx, connection errors, timeouts and 200 responses whose
body is empty or unparseable (ropensci/aRxiv#67: "sometimes will return an http status of 200
with 0 search results"); every attempt waits its turn at the shared `Throttle`.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

import httpx
from tenacity import RetryCallState, RetryError, Retrying, retry_if_exception_type, stop_after_attempt

from paperbrief.retry_after import parse_retry_after
from paperbrief.sources.arxiv._throttle import Throttle
from paperbrief.sources.arxiv.errors import (
    ArxivEmptyPageError,
    ArxivError,
    ArxivHTTPError,
    ArxivNetworkError,
    ArxivParseError,
    ArxivTooLargeError,
    short_url,
)
from paperbrief.text import one_line

T = TypeVar("T")

_log = logging.getLogger("paperbrief.sources.arxiv")


class _Retryable(Exception):
    """Internal: an attempt failed in a way worth retrying; `error` is what the caller sees."""

    def __init__(self, error: ArxivError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


class HttpClient:
    """GET with the shared throttle, a descriptive User-Agent and bounded exponential-backoff retries."""

    def __init__(
        self,
        *,
        throttle: Throttle,
        user_agent: str,
        timeout: float = 30.0,
        retries: int = 4,
        backoff_seconds: float = 6.0,
        backoff_max_seconds: float = 120.0,
        max_retry_after_seconds: float = 600.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
        random_unit: Callable[[], float] = random.random,
    ) -> None:
        self.throttle = throttle
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self.max_retry_after_seconds = max_retry_after_seconds
        self._sleep = sleep
        self._random = random_unit  # U(0, 1) for the jitter; injectable for tests
        self._client = httpx.Client(
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            transport=transport,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def get(
        self,
        url: str,
        params: Mapping[str, str | int],
        parse: Callable[[bytes, str], T],
        *,
        max_bytes: int | None = None,
    ) -> T:
        """GET `url`, parse the body with `parse(body, url)`; typed `ArxivError` after the retries.

        With `max_bytes`, a body announced (Content-Length) or found (while reading) to be larger
        raises `ArxivTooLargeError` at once, without downloading the rest and without a retry.
        """
        retrying = Retrying(
            sleep=self._sleep or time.sleep,
            stop=stop_after_attempt(self.retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            before_sleep=self._log_retry,
            reraise=False,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(url, params, parse, max_bytes)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            if isinstance(last, _Retryable):
                error = last.error
                error.add_note_line(f"— gave up after {exc.last_attempt.attempt_number} attempt(s)")
                raise error from None
            raise  # pragma: no cover - only _Retryable is retried
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(
        self, url: str, params: Mapping[str, str | int], parse: Callable[[bytes, str], T], max_bytes: int | None
    ) -> T:
        request = self._client.build_request("GET", url, params=dict(params))
        full_url = str(request.url)
        with self.throttle.slot() as slot:
            try:
                # Streamed, so that a body over `max_bytes` is refused before it is downloaded.
                response = self._client.send(request, stream=True)
                try:
                    status = response.status_code
                    retry_after: float | None = None
                    if status == 429 or status >= 500:
                        retry_after = parse_retry_after(response.headers.get("Retry-After"))
                        if retry_after is not None:
                            # arXiv asked us to back off: hold the shared throttle for every thread until the
                            # wait is over, set before the slot is released so nobody slips in between.
                            slot.hold(min(retry_after, self.max_retry_after_seconds))
                    # Error pages are read whole (they are small and say why); the limit is for the content asked for.
                    body = _read_body(response, max_bytes if status == 200 else None, full_url)
                finally:
                    response.close()
            except httpx.TimeoutException as exc:
                raise _Retryable(ArxivNetworkError(f"timed out ({type(exc).__name__})", full_url)) from None
            except httpx.TransportError as exc:
                detail = str(exc) or type(exc).__name__
                raise _Retryable(ArxivNetworkError(f"connection failed: {detail}", full_url)) from None
        if status == 429 or status >= 500:
            reason = response.reason_phrase or ""
            raise _Retryable(ArxivHTTPError(f"HTTP {status} {reason}".strip(), full_url, status), retry_after)
        if status != 200:
            # 4xx: arXiv's error feeds say why (API error entry, "Feed error for query"); not retried.
            try:
                _parse_typed(parse, body, full_url)
            except ArxivParseError:
                pass
            except ArxivError:
                raise
            reason = response.reason_phrase or ""
            raise ArxivHTTPError(f"HTTP {status} {reason}".strip(), full_url, status)
        try:
            return _parse_typed(parse, body, full_url)
        except (ArxivParseError, ArxivEmptyPageError) as exc:
            raise _Retryable(exc) from None

    def _wait(self, state: RetryCallState) -> float:
        """Seconds before the next attempt: `max(Retry-After, backoff·2^(n-1) + jitter)`, capped.

        A persistent `Retry-After: 1` must not turn into a 1 s hammer (arxiv.py #203: 429s persist
        for hours), so the exponential part always applies; Retry-After can only lengthen it.
        """
        exc = state.outcome.exception() if state.outcome is not None else None
        attempt = int(state.attempt_number)
        # Exponential backoff with full-size jitter: backoff * 2^(n-1) (capped) + U(0, backoff).
        base = min(self.backoff_max_seconds, self.backoff_seconds * 2.0 ** (attempt - 1))
        wait = base + self._random() * self.backoff_seconds
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            wait = max(wait, min(exc.retry_after, self.max_retry_after_seconds))
        return wait

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        # The full URL of a 100-id batch is 1.5 KB: log the endpoint and `id_list=<100 ids>`.
        what = f"{exc.error.message} — {short_url(exc.error.url)}" if isinstance(exc, _Retryable) else str(exc)
        _log.warning("arXiv request failed (%s); retry %d in %.1fs", what, state.attempt_number, wait)


def _read_body(response: httpx.Response, max_bytes: int | None, url: str) -> bytes:
    """The decoded body, refusing one over `max_bytes` from its Content-Length or as soon as reading passes it.

    The limit applies to the decoded bytes (a small gzip body cannot expand past it); Content-Length
    is trusted for an early refusal only when the body is not content-encoded.
    """
    if max_bytes is None:
        return response.read()
    announced = response.headers.get("Content-Length", "")
    if announced.isdigit() and not response.headers.get("Content-Encoding") and int(announced) > max_bytes:
        size = int(announced)
        raise ArxivTooLargeError(f"body is {size:,} bytes, over the {max_bytes:,}-byte limit", url, max_bytes, size)
    chunks: list[bytes] = []
    read = 0
    for chunk in response.iter_bytes():
        read += len(chunk)
        if read > max_bytes:
            raise ArxivTooLargeError(f"body is over the {max_bytes:,}-byte limit (stopped reading)", url, max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_typed(parse: Callable[[bytes, str], T], body: bytes, url: str) -> T:
    """Run a parser; anything but an `ArxivError` it raises becomes an `ArxivParseError` with the URL."""
    try:
        return parse(body, url)
    except ArxivError:
        raise
    except Exception as exc:  # a parser bug or an unexpected value must never escape as a bare traceback
        raise ArxivParseError(f"unreadable response ({type(exc).__name__}: {one_line(exc)})", url) from exc
