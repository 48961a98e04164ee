"""One line of a batch's output or error file → a validated summary, a failure, or "unanswered".

Line shape (https://platform.openai.com/docs/guides/batch#5-retrieve-the-results):
`{"custom_id": …, "response": {"status_code": 200, "body": <chat completion>}, "error": null}`, or
`{"custom_id": …, "response": null, "error": {"code": "batch_expired", "message": …}}`. A 200
answer goes through the live parser and pydantic model (`parse.parse_summary`); an invalid one
fails its paper with the reason (bulk mode never re-asks: the paper can be redone live).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from paperbrief.models import Paper, Summary, SummaryStatus
from paperbrief.redact import mask_text
from paperbrief.store.batches import BatchLogLine, ItemState
from paperbrief.summarize.llm.calllog import CallStatus
from paperbrief.summarize.llm.config import LLMConfig
from paperbrief.summarize.llm.parse import AnswerError, parse_summary

# Error codes of requests the provider never ran: left for a rerun, not failed.
UNRUN_CODES = frozenset({"batch_expired", "batch_cancelled"})
REDO_LIVE = "redo it live (paperbrief run / backfill --summarize) or rerun bulk"


@dataclass(frozen=True)
class LineOutcome:
    """What one line means for its paper: the summary to store (if any), the item state, the log row."""

    summary: Summary | None
    state: ItemState
    log: BatchLogLine
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    cached_tokens: int | None = None


@dataclass(frozen=True)
class LineReader:
    """Reads lines for one batch: the config (model, key, prices), prompt version and price factor."""

    config: LLMConfig
    prompt_version: str
    price_factor: float

    def read(self, line: dict[str, Any], paper: Paper, prompt: str) -> LineOutcome:
        """The outcome of one parsed line about `paper` (whose request's messages were `prompt`)."""
        ids = [paper.versioned_id]
        error = line.get("error")
        response = line.get("response")
        if isinstance(error, dict) and error:
            code = str(error.get("code") or "error")
            message = self._safe(f"{code}: {error.get('message') or ''}".strip())
            if code in UNRUN_CODES:
                log = BatchLogLine(ids, prompt, None, str(CallStatus.CANCELLED), message, 0, 0, *self._model)
                return LineOutcome(None, ItemState.UNANSWERED, log)
            return self._failed(paper, prompt, f"batch request failed ({message}); {REDO_LIVE}", None)
        if not isinstance(response, dict):
            return self._failed(paper, prompt, f"batch line has neither a response nor an error; {REDO_LIVE}", None)
        status = response.get("status_code")
        raw_body = response.get("body")
        body: dict[str, Any] = raw_body if isinstance(raw_body, dict) else {}
        if status != 200:
            inner = body.get("error")
            detail = inner.get("message") if isinstance(inner, dict) else None
            reason = self._safe(f"HTTP {status}" + (f": {detail}" if detail else ""))
            return self._failed(paper, prompt, f"batch request failed ({reason}); {REDO_LIVE}", None)
        return self._answer(paper, prompt, body)

    def _answer(self, paper: Paper, prompt: str, body: dict[str, Any]) -> LineOutcome:
        text = _content(body)
        raw_usage = body.get("usage")
        usage: dict[str, Any] = raw_usage if isinstance(raw_usage, dict) else {}
        tin = _int(usage.get("prompt_tokens"))
        tout = _int(usage.get("completion_tokens"))
        cached = _cached(usage)
        cost = self.config.prices.cost(self.config.model, tin, tout) * self.price_factor
        ids = [paper.versioned_id]
        try:
            answer = parse_summary(text)
        except AnswerError as exc:
            reason = self._safe(str(exc))
            log = BatchLogLine(ids, prompt, self._safe(text), str(CallStatus.INVALID), reason, tin, tout, *self._model)
            summary = self._summary(
                paper,
                status=SummaryStatus.FAILED,
                error=f"invalid answer in bulk ({reason}); not re-asked: {REDO_LIVE}"[:500],
                tokens_in=tin,
                tokens_out=tout,
                cost=cost,
            )
            return LineOutcome(summary, ItemState.FAILED, log, tin, tout, cost, cached)
        log = BatchLogLine(ids, prompt, self._safe(text), str(CallStatus.OK), None, tin, tout, *self._model)
        summary = self._summary(
            paper, **answer.model_dump(), status=SummaryStatus.OK, tokens_in=tin, tokens_out=tout, cost=cost
        )
        return LineOutcome(summary, ItemState.OK, log, tin, tout, cost, cached)

    def _failed(self, paper: Paper, prompt: str, reason: str, text: str | None) -> LineOutcome:
        reason = self._safe(reason)[:500]
        log = BatchLogLine([paper.versioned_id], prompt, text, str(CallStatus.ERROR), reason, 0, 0, *self._model)
        summary = self._summary(paper, status=SummaryStatus.FAILED, error=reason)
        return LineOutcome(summary, ItemState.FAILED, log)

    def _summary(self, paper: Paper, **values: Any) -> Summary:
        return Summary(
            arxiv_id=paper.arxiv_id,
            version=paper.version,
            language=self.config.language,
            backend="llm",
            model=self.config.model,
            prompt_version=self.prompt_version,
            created=dt.datetime.now(dt.UTC).replace(microsecond=0),
            **values,
        )

    @property
    def _model(self) -> tuple[str, str]:
        return self.config.model, self.prompt_version

    def _safe(self, text: str) -> str:
        return mask_text(text, self.config.api_key)


def _content(body: dict[str, Any]) -> str:
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return ""
    message = choices[0].get("message")
    content = message.get("content") if isinstance(message, dict) else None
    return content if isinstance(content, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _cached(usage: dict[str, Any]) -> int | None:
    details = usage.get("prompt_tokens_details")
    value = details.get("cached_tokens") if isinstance(details, dict) else None
    return value if isinstance(value, int) else None
