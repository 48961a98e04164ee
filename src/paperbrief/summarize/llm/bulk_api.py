"""The provider's Files and Batch endpoints through the official `openai` SDK, with our retries.

https://platform.openai.com/docs/api-reference/files and …/batch. Transient failures (429, 5xx,
timeouts, dropped connections) are retried with exponential back-off (tenacity); a 404/405 on
`/files` or `/batches` means the provider has no Batch API (`NoBatchAPIError`); a rejected key or
any other answer is a `BulkError` with one redacted line.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import openai
from openai.types import Batch
from tenacity import Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from paperbrief.redact import mask_text
from paperbrief.summarize.llm.bulk_build import CHAT_COMPLETIONS
from paperbrief.summarize.llm.config import LLMConfig
from paperbrief.summarize.llm.errors import RETRYABLE_STATUS, status_message
from paperbrief.text import one_line

T = TypeVar("T")
# Uploading a large file takes longer than one answer: its own timeout.
UPLOAD_TIMEOUT = 600.0


class BulkError(Exception):
    """Bulk mode cannot go on; the message is one line, credentials redacted."""


class NoBatchAPIError(BulkError):
    """The provider answered 404/405 on `/files` or `/batches`: it has no Batch API."""


class CutOffError(Exception):
    """A file download ended before its last line (the connection dropped, or the body was short)."""


class _Transient(Exception):
    """A failure worth another attempt."""


class BatchAPI:
    """Upload, create, retrieve, find and download, for one endpoint and key (the key never in a message)."""

    def __init__(self, config: LLMConfig, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self._sleep = sleep
        self.client = openai.OpenAI(
            api_key=config.api_key or "not-needed",
            base_url=config.base_url or None,
            timeout=openai.Timeout(config.timeout, connect=config.connect_timeout),
            max_retries=0,
        )

    def __repr__(self) -> str:  # never shows the key
        return f"BatchAPI(endpoint={self.config.endpoint!r})"

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def upload(self, data: bytes) -> str:
        """Upload a batch input file (`purpose="batch"`); returns its file id."""
        file = self._call(
            "upload the batch file",
            lambda: self.client.files.create(
                file=("paperbrief-batch.jsonl", data, "application/jsonl"), purpose="batch", timeout=UPLOAD_TIMEOUT
            ),
            route="/files",
        )
        return file.id

    def create(self, input_file_id: str, metadata: dict[str, str]) -> Batch:
        """Create the batch over an uploaded file (24 h window, chat completions)."""
        return self._call(
            "create the batch",
            lambda: self.client.batches.create(
                input_file_id=input_file_id,
                endpoint=CHAT_COMPLETIONS,
                completion_window="24h",
                metadata=metadata,
            ),
            route="/batches",
        )

    def retrieve(self, batch_id: str) -> Batch:
        """The batch's current state."""
        return self._call("check the batch", lambda: self.client.batches.retrieve(batch_id))

    def find(self, input_file_id: str) -> Batch | None:
        """A batch already created over this input file (a crash between create and storing its id)."""

        def scan() -> Batch | None:
            for batch in self.client.batches.list(limit=100):
                if batch.input_file_id == input_file_id:
                    return batch
            return None

        return self._call("list the batches", scan, route="/batches")

    def lines(self, file_id: str) -> Iterator[tuple[bytes, bool]]:
        """Stream a result file as (line, ended by a newline); raises `CutOffError` when it ends early.

        The connection dropping or a short body (`Content-Length`) is a cut-off; a last line
        without its newline may be one too (the caller checks whether it is whole JSON).
        """
        try:
            with self.client.files.with_streaming_response.content(file_id) as response:
                rest = b""
                for chunk in response.iter_bytes():
                    rest += chunk
                    *whole, rest = rest.split(b"\n")
                    yield from ((line, True) for line in whole if line.strip())
                if rest.strip():
                    yield rest, False
        except openai.APIStatusError as exc:
            if exc.status_code in RETRYABLE_STATUS:
                raise CutOffError(status_message(exc, self.config.api_key)) from None
            raise BulkError(f"cannot download file {file_id}: {status_message(exc, self.config.api_key)}") from None
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise CutOffError(self._reason(exc)) from None
        except Exception as exc:
            if _is_transport_error(exc):
                raise CutOffError(self._reason(exc)) from None
            raise

    # --- retries and error mapping --------------------------------------------------------

    def _call(self, what: str, fn: Callable[[], T], route: str | None = None) -> T:
        attempts = self.config.retries + 1
        retrying = Retrying(
            retry=retry_if_exception(lambda e: isinstance(e, _Transient)),
            stop=stop_after_attempt(attempts),
            wait=wait_random_exponential(multiplier=self.config.retry_wait_base, max=self.config.retry_wait_max),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(what, fn, route)
        except _Transient as exc:
            raise BulkError(f"cannot {what} at {self.config.endpoint}: {exc} (after {attempts} attempts)") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, what: str, fn: Callable[[], T], route: str | None) -> T:
        endpoint = self.config.endpoint
        try:
            return fn()
        except openai.APIStatusError as exc:
            message = status_message(exc, self.config.api_key)
            code = exc.status_code
            if code in RETRYABLE_STATUS:
                raise _Transient(message) from None
            if route == "/batches" and code == 404 and "file" in message.lower():
                raise BulkError(f"cannot {what} at {endpoint}: the input file is gone ({message})") from None
            if route is not None and code in (404, 405):
                raise NoBatchAPIError(
                    f"the provider at {endpoint} has no Batch API ({message[:120]} on {route}): "
                    "summarize live instead (paperbrief backfill … --summarize, or paperbrief run)"
                ) from None
            if code in (401, 403):
                raise BulkError(f"the provider at {endpoint} rejected the API key ({message[:120]})") from None
            raise BulkError(f"cannot {what} at {endpoint}: {message}") from None
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise _Transient(self._reason(exc)) from None

    def _reason(self, exc: BaseException) -> str:
        cause: Any = exc.__cause__ or exc
        return mask_text(f"{type(cause).__name__}: {one_line(cause)}", self.config.api_key)[:300]


def _is_transport_error(exc: BaseException) -> bool:
    """An httpx/httpx2 transport failure (a dropped connection while streaming a body)."""
    return any(type(e).__module__.split(".")[0] in ("httpx", "httpx2", "httpcore") for e in _chain(exc))


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out and len(out) < 10:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out
