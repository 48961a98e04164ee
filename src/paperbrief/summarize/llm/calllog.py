"""The LLM call log: every attempt stored like `llm logs` (https://llm.datasette.io/en/stable/logging.html).

The API key is redacted from everything written; a store failure never costs a summary.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from paperbrief.redact import mask_text
from paperbrief.store.db import Store, StoreError

log = logging.getLogger(__name__)


class CallStatus(StrEnum):
    """Status of one logged LLM call."""

    OK = "ok"
    INVALID = "invalid"
    PARTIAL = "partial"
    ERROR = "error"
    CANCELLED = "cancelled"  # Ctrl-C or the run deadline while the request was on the wire


@dataclass(frozen=True)
class CallRecord:
    """One attempt as logged: what was sent, what came back (None when nothing did), usage, timing."""

    messages: list[dict[str, str]]
    paper_ids: list[str]
    response: str | None
    status: CallStatus
    error: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: float = 0.0


class CallLogger:
    """Writes `CallRecord`s to the store's LLM log (a no-op without a store)."""

    def __init__(
        self, store: Store | None, model: str, prompt_version: str, api_key: str | None, run_id: int | None = None
    ) -> None:
        self.store = store
        self.model = model
        self.prompt_version = prompt_version
        self._api_key = api_key
        self.run_id = run_id

    def __repr__(self) -> str:  # never shows the key
        return f"CallLogger(model={self.model!r}, prompt_version={self.prompt_version!r})"

    def log(self, record: CallRecord) -> None:
        """Store one record; a store error is a warning, never an exception."""
        if self.store is None:
            return
        key = self._api_key
        prompt_text = "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in record.messages)
        try:
            self.store.log_llm_call(
                paper_ids=record.paper_ids,
                model=self.model,
                prompt_version=self.prompt_version,
                # The prompt is our text plus paper data: only the literal key could ever be in it.
                prompt=prompt_text.replace(key, "****") if key else prompt_text,
                response=None if record.response is None else mask_text(record.response, key),
                status=str(record.status),
                error=None if record.error is None else mask_text(record.error, key),
                tokens_in=record.tokens_in,
                tokens_out=record.tokens_out,
                latency_ms=round(record.latency_ms, 1),
                run_id=self.run_id,
            )
        except StoreError as exc:  # the log must never cost a summary
            log.warning("cannot log an LLM call: %s", exc)
