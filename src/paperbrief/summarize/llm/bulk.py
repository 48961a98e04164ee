"""Bulk mode: summarize a backfill's papers through the provider's Batch API (see docs/bulk.md).

Flow: cache misses only → JSONL (one live-identical request per paper) → budget check → upload
(`files.create(purpose="batch")`) → batch row in the store → `batches.create` → batch id in the
store at once → poll with bounded back-off → stream the output and error files, validating and
storing each answer as it is read. A rerun first picks up any batch of the same endpoint and
cache key still open in the store (never uploads again), so Ctrl-C or a crash loses nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from openai.types import Batch

from paperbrief.models import Paper
from paperbrief.redact import mask_text
from paperbrief.store import Store
from paperbrief.store.batches import BatchRow, BatchState, ItemState
from paperbrief.summarize.llm import prompt as P
from paperbrief.summarize.llm.bulk_api import BatchAPI, BulkError, CutOffError, NoBatchAPIError
from paperbrief.summarize.llm.bulk_build import (
    DEFAULT_PRICE_FACTOR,
    BudgetRefused,
    CacheKey,
    Estimate,
    build_jsonl,
    check_budget,
    messages_for,
)
from paperbrief.summarize.llm.bulk_read import LineReader
from paperbrief.summarize.llm.config import LLMConfig, ResponseFormat
from paperbrief.summarize.llm.transport import FORMAT_ARTIFACT_KIND
from paperbrief.summarize.llm.truncate import cap_papers

__all__ = [
    "BudgetRefused",
    "BulkError",
    "BulkOptions",
    "BulkOutcome",
    "BulkReport",
    "BulkRunner",
    "BulkStatus",
    "NoBatchAPIError",
    "papers_in_range",
]

Key = tuple[str, int]
# Provider statuses after which nothing changes any more (https://platform.openai.com/docs/guides/batch#4-check-the-status-of-a-batch).
FINAL_STATUSES = frozenset({"completed", "expired", "cancelled", "failed"})


class BulkOutcome(StrEnum):
    """How a bulk invocation ended."""

    NOTHING_TO_DO = "nothing-to-do"  # every paper of the range has a good summary
    SUBMITTED = "submitted"  # uploaded and created, not waited for (--no-wait)
    WAITING = "waiting"  # still running when --max-wait ran out: rerun to pick it up
    DONE = "done"  # every answer read and stored


@dataclass(frozen=True)
class BulkOptions:
    """How bulk mode polls and prices; defaults suit a real provider (results within 24 h)."""

    price_factor: float = DEFAULT_PRICE_FACTOR
    poll_first: float = 10.0
    poll_max: float = 300.0
    poll_growth: float = 1.5
    max_wait: float = 26 * 3600.0  # the 24 h window plus the provider's finalizing time
    wait: bool = True
    download_attempts: int = 3
    # OpenAI's limits per batch (https://platform.openai.com/docs/guides/batch#rate-limits).
    max_requests: int = 50_000
    max_file_bytes: int = 200 * 1024 * 1024


@dataclass(frozen=True)
class BulkStatus:
    """One status line while a batch runs (the CLI draws it with rich)."""

    batch_id: str
    provider_status: str
    completed: int
    failed: int
    total: int
    next_check: float


@dataclass
class BulkReport:
    """What one invocation did: batches touched, papers per outcome, usage, notes."""

    outcome: BulkOutcome = BulkOutcome.NOTHING_TO_DO
    batch_ids: list[str] = field(default_factory=list)
    resumed: bool = False
    estimate: Estimate | None = None
    ok: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (versioned id, reason)
    unanswered: list[str] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    notes: list[str] = field(default_factory=list)


def papers_in_range(store: Store, first: dt.date, last: dt.date) -> list[Paper]:
    """Every paper announced on a stored day of [first, last], one per (id, version), newest day first."""
    found: dict[Key, Paper] = {}
    for day in store.announced_days():
        if first <= day <= last:
            for paper in store.announced_papers(day):
                found.setdefault((paper.arxiv_id, paper.version), paper)
    return list(found.values())


class BulkRunner:
    """Runs bulk mode for one endpoint and cache key against one store."""

    def __init__(
        self,
        config: LLMConfig,
        store: Store,
        options: BulkOptions | None = None,
        *,
        status: Callable[[BulkStatus], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.store = store
        self.options = options or BulkOptions()
        self.key = CacheKey(config.model, P.PROMPT_VERSION, config.language)
        self._status = status
        self._sleep = sleep
        self._reader = LineReader(config, P.PROMPT_VERSION, self.options.price_factor)

    def __repr__(self) -> str:  # never shows the key
        return f"BulkRunner(model={self.config.model!r}, endpoint={self.config.endpoint!r})"

    def run(self, papers: Sequence[Paper], first: dt.date | None = None, last: dt.date | None = None) -> BulkReport:
        """Resume the open batches of this cache key, else send the range's cache misses as a new batch."""
        report = BulkReport()
        api = BatchAPI(self.config, sleep=self._sleep)
        try:
            scope = {"endpoint": self.config.endpoint, **self._scope()}
            pending = self.store.open_batches(**scope)
            if pending:
                report.resumed = True
                for row in pending:
                    self._finish(api, row, report)
                return report
            todo = self._misses(papers)
            if not todo:
                return report
            row = self._submit(api, todo, first, last, report)
            if self.options.wait:
                self._finish(api, row, report)
            else:
                report.outcome = BulkOutcome.SUBMITTED
            return report
        finally:
            api.close()

    # --- sending ------------------------------------------------------------------------------

    def _scope(self) -> dict[str, str]:
        return {"model": self.key.model, "prompt_version": self.key.prompt_version, "language": self.key.language}

    def _misses(self, papers: Sequence[Paper]) -> list[Paper]:
        unique = {(p.arxiv_id, p.version): p for p in papers}
        key = self.key
        cached = self.store.get_summaries(
            list(unique), model=key.model, prompt_version=key.prompt_version, language=key.language
        )
        return [p for k, p in sorted(unique.items()) if k not in cached]

    def _format(self) -> ResponseFormat:
        # A batch cannot fall back mid-way like a live run: use json_schema only when the
        # endpoint is known to take it (set, or detected by a live run), else json_object.
        if self.config.response_format is not ResponseFormat.AUTO:
            return self.config.response_format
        known = self.store.get_artifact(FORMAT_ARTIFACT_KIND, self.config.endpoint)
        if isinstance(known, dict) and known.get("response_format") == "json_schema":
            return ResponseFormat.JSON_SCHEMA
        return ResponseFormat.JSON_OBJECT

    def _submit(
        self, api: BatchAPI, todo: list[Paper], first: dt.date | None, last: dt.date | None, report: BulkReport
    ) -> BatchRow:
        capped, notes = cap_papers(todo, self.config.max_input_tokens)
        report.notes.extend(notes)
        data, estimate = build_jsonl(capped, self.config, self.key, self._format(), self.options.price_factor)
        report.estimate = estimate
        if estimate.requests > self.options.max_requests or len(data) > self.options.max_file_bytes:
            raise BulkError(
                f"{estimate.requests} requests ({len(data) / 1e6:.1f} MB) are over one batch's limit "
                f"({self.options.max_requests:,} requests, {self.options.max_file_bytes / 1e6:.0f} MB): "
                "nothing was uploaded; split the range (--from/--to)"
            )
        check_budget(estimate, self.config.max_cost, self.config.max_tokens, self.options.price_factor)
        file_id = api.upload(data)
        local_id = self.store.create_batch(
            endpoint=self.config.endpoint,
            **self._scope(),
            keys=[(p.arxiv_id, p.version) for p in capped],
            input_file_id=file_id,
            first_day=first,
            last_day=last,
            estimated_tokens=estimate.tokens,
            estimated_cost=estimate.cost,
        )
        batch = api.create(file_id, {"paperbrief_batch": str(local_id)})
        self.store.update_batch(local_id, batch_id=batch.id, state=BatchState.SUBMITTED, provider_status=batch.status)
        report.batch_ids.append(batch.id)
        row = self.store.get_batch(local_id)
        assert row is not None
        return row

    # --- waiting and reading ------------------------------------------------------------------

    def _finish(self, api: BatchAPI, row: BatchRow, report: BulkReport) -> None:
        batch = self._adopt(api, row)
        if batch.id not in report.batch_ids:
            report.batch_ids.append(batch.id)
        batch = self._poll(api, row.id, batch)
        if batch.status not in FINAL_STATUSES:
            report.outcome = BulkOutcome.WAITING
            return
        self.store.update_batch(
            row.id,
            provider_status=batch.status,
            output_file_id=batch.output_file_id,
            error_file_id=batch.error_file_id,
        )
        papers = self._papers_of(row.id)
        left = self._read_results(api, row.id, batch, papers, report)
        why = mask_text(f"no answer: the batch ended {batch.status}" + _batch_errors(batch), self.config.api_key)[:500]
        self.store.mark_batch_items(row.id, left, ItemState.UNANSWERED, why)
        report.unanswered.extend(papers[k].versioned_id for k in left if k in papers)
        if batch.status == "failed":
            report.notes.append(f"batch {batch.id} {why.removeprefix('no answer: the batch ended ')}")
        final = BatchState.FAILED if batch.status == "failed" else BatchState.DONE
        self.store.update_batch(row.id, state=final, error=why if batch.status == "failed" else None)
        if report.outcome is not BulkOutcome.WAITING:
            report.outcome = BulkOutcome.DONE

    def _read_results(
        self, api: BatchAPI, local_id: int, batch: Batch, papers: dict[Key, Paper], report: BulkReport
    ) -> list[Key]:
        """Read the output and error files; returns the papers still without a line.

        A completed batch has a line for every request: one missing means a download that ended
        early without telling (no `Content-Length`, cut at a line end), so the files are read again.
        """
        left: list[Key] = []
        for attempt in range(1, self.options.download_attempts + 1):
            for file_id in (batch.output_file_id, batch.error_file_id):
                if file_id:
                    self._read_file(api, local_id, file_id, papers, report)
            left = [k for k, state in self.store.batch_items(local_id).items() if state is ItemState.PENDING]
            if not left or batch.status != "completed":
                return left
            if attempt < self.options.download_attempts:
                self._sleep(min(self.config.retry_wait_max, self.config.retry_wait_base * 2**attempt))
        report.notes.append(f"{len(left)} requests have no line in the result files of completed batch {batch.id}")
        return left

    def _adopt(self, api: BatchAPI, row: BatchRow) -> Batch:
        """The provider's batch of a stored row; a row that crashed before its id was stored finds or creates it."""
        if row.batch_id:
            return api.retrieve(row.batch_id)
        assert row.input_file_id is not None
        batch = api.find(row.input_file_id) or api.create(row.input_file_id, {"paperbrief_batch": str(row.id)})
        self.store.update_batch(row.id, batch_id=batch.id, state=BatchState.SUBMITTED, provider_status=batch.status)
        return batch

    def _poll(self, api: BatchAPI, local_id: int, batch: Batch) -> Batch:
        options = self.options
        delay = options.poll_first
        waited = 0.0
        last_status = None
        while batch.status not in FINAL_STATUSES:
            if batch.status != last_status:
                self.store.update_batch(local_id, provider_status=batch.status)
                last_status = batch.status
            if not options.wait or waited >= options.max_wait:
                return batch
            step = min(delay, options.max_wait - waited)
            self._show(batch, step)
            self._sleep(step)
            waited += step
            delay = min(delay * options.poll_growth, options.poll_max)
            batch = api.retrieve(batch.id)
        self._show(batch, 0.0)
        return batch

    def _show(self, batch: Batch, next_check: float) -> None:
        if self._status is None:
            return
        counts = batch.request_counts
        self._status(
            BulkStatus(
                batch.id,
                batch.status,
                counts.completed if counts else 0,
                counts.failed if counts else 0,
                counts.total if counts else 0,
                next_check,
            )
        )

    def _papers_of(self, local_id: int) -> dict[Key, Paper]:
        keys = list(self.store.batch_items(local_id))
        stored = self.store.get_papers(keys)
        capped, _ = cap_papers([stored[k] for k in keys if k in stored], self.config.max_input_tokens)
        return {(p.arxiv_id, p.version): p for p in capped}

    def _read_file(
        self, api: BatchAPI, local_id: int, file_id: str, papers: dict[Key, Paper], report: BulkReport
    ) -> None:
        """Read one result file to its end, storing each answer as it comes; retry a cut-off download."""
        attempts = self.options.download_attempts
        for attempt in range(1, attempts + 1):
            done = {k for k, s in self.store.batch_items(local_id).items() if s is not ItemState.PENDING}
            try:
                for raw, whole in api.lines(file_id):
                    self._read_line(local_id, raw, whole, papers, done, report)
                return
            except CutOffError as exc:
                if attempt == attempts:
                    stored = report.ok + len(report.failed)
                    raise BulkError(
                        f"the download of file {file_id} was cut off {attempts} times ({exc}); "
                        f"{stored} answers are stored, nothing is lost: rerun the same command to read the rest"
                    ) from None
                self._sleep(min(self.config.retry_wait_max, self.config.retry_wait_base * 2**attempt))

    def _read_line(
        self, local_id: int, raw: bytes, whole: bool, papers: dict[Key, Paper], done: set[Key], report: BulkReport
    ) -> None:
        try:
            line = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            if not whole:  # the last line, without its newline: the body was cut short
                raise CutOffError(f"the last line ({len(raw)} bytes) is not whole JSON") from None
            report.notes.append(f"skipped a result line that is not JSON: {raw[:60]!r}")
            return
        custom_id = line.get("custom_id") if isinstance(line, dict) else None
        key = self.key.key_of(custom_id) if isinstance(custom_id, str) else None
        if key is None or key not in papers:
            report.notes.append(f"ignored a result line for a request we did not send: {str(custom_id)[:80]!r}")
            return
        if key in done:
            return  # stored by an earlier attempt or run
        paper = papers[key]
        prompt = "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in messages_for(paper, self.key.language))
        outcome = self._reader.read(line, paper, prompt)
        done.add(key)
        if not self.store.record_batch_answer(local_id, outcome.summary, outcome.state, outcome.log):
            return  # another `bulk` reading the same batch stored it first
        report.tokens_in += outcome.tokens_in
        report.tokens_out += outcome.tokens_out
        report.cost += outcome.cost
        if outcome.state is ItemState.OK:
            report.ok += 1
        elif outcome.state is ItemState.FAILED and outcome.summary is not None:
            report.failed.append((paper.versioned_id, outcome.summary.error or "failed"))
        else:
            report.unanswered.append(paper.versioned_id)


def _batch_errors(batch: Batch) -> str:
    errors = batch.errors.data if batch.errors and batch.errors.data else []
    messages = [f"{e.code}: {e.message}" if e.code else str(e.message) for e in errors[:3]]
    return f" ({'; '.join(messages)})" if messages else ""
