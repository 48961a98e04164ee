"""Bulk batches sent through a provider's Batch API, and their papers, so a bulk run is resumable.

A batch row is written the moment its input file is uploaded and updated the moment the provider
names the batch, so Ctrl-C or a crash at any later point leaves the batch id in the store: the
next `paperbrief bulk` picks it up instead of uploading again (docs/bulk.md). An answer is stored
in the same transaction as its summary and its line in the LLM log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from paperbrief.models import Summary
from paperbrief.store.base import StoreBase, as_utc, chunks, clean, now
from paperbrief.store.schema import llm_batch_items, llm_batches, llm_log
from paperbrief.store.summaries import write_summaries

Key = tuple[str, int]


class BatchState(StrEnum):
    """Where a bulk batch is, on our side."""

    UPLOADED = "uploaded"  # the input file is uploaded; the batch may not exist yet
    SUBMITTED = "submitted"  # the provider created the batch: poll it, then read its files
    DONE = "done"  # every line read and stored
    FAILED = "failed"  # the provider failed or cancelled it without answers (nothing more to read)


OPEN_STATES = (BatchState.UPLOADED, BatchState.SUBMITTED)


class ItemState(StrEnum):
    """What became of one paper of a batch."""

    PENDING = "pending"  # not read yet
    OK = "ok"  # a valid answer, stored as a summary
    FAILED = "failed"  # an invalid answer or an error line: stored as a failed summary with the reason
    UNANSWERED = "unanswered"  # expired, cancelled or missing from the output: left for a rerun


@dataclass(frozen=True)
class BatchRow:
    """One stored bulk batch."""

    id: int
    batch_id: str | None
    endpoint: str
    model: str
    prompt_version: str
    language: str
    state: BatchState
    provider_status: str | None
    input_file_id: str | None
    output_file_id: str | None
    error_file_id: str | None
    first_day: dt.date | None
    last_day: dt.date | None
    requests: int
    estimated_tokens: int
    estimated_cost: float | None
    error: str | None
    created: dt.datetime | None


@dataclass(frozen=True)
class BatchLogLine:
    """One line of a batch output or error file as the LLM log keeps it."""

    paper_ids: list[str]
    prompt: str
    response: str | None
    status: str
    error: str | None
    tokens_in: int
    tokens_out: int
    model: str = ""
    prompt_version: str = ""


_UPDATABLE = frozenset(
    {"batch_id", "state", "provider_status", "output_file_id", "error_file_id", "error", "input_file_id"}
)


class BatchesStore(StoreBase):
    """Bulk batches: `create_batch`, `update_batch`, `open_batches`, `batch_items`, `record_batch_answer` …"""

    def create_batch(
        self,
        *,
        endpoint: str,
        model: str,
        prompt_version: str,
        language: str,
        keys: Sequence[Key],
        input_file_id: str,
        first_day: dt.date | None,
        last_day: dt.date | None,
        estimated_tokens: int,
        estimated_cost: float | None,
    ) -> int:
        """Record an uploaded batch input and its papers (all pending) in one transaction; returns the local id."""
        moment = now()
        with self.transaction() as conn:
            result = conn.execute(
                llm_batches.insert().values(
                    batch_id=None,
                    endpoint=clean(endpoint),
                    model=clean(model),
                    prompt_version=clean(prompt_version),
                    language=clean(language),
                    state=str(BatchState.UPLOADED),
                    input_file_id=clean(input_file_id),
                    first_day=first_day,
                    last_day=last_day,
                    requests=len(keys),
                    estimated_tokens=estimated_tokens,
                    estimated_cost=estimated_cost,
                    created=moment,
                    updated=moment,
                )
            )
            local_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            rows = [{"batch": local_id, "arxiv_id": a, "version": v, "state": str(ItemState.PENDING)} for a, v in keys]
            for chunk in chunks(rows, 500):
                conn.execute(llm_batch_items.insert(), list(chunk))
        return local_id

    def update_batch(self, local_id: int, **values: Any) -> None:
        """Set some of a batch's fields (`batch_id`, `state`, `provider_status`, file ids, `error`)."""
        unknown = set(values) - _UPDATABLE
        if unknown:
            raise ValueError(f"cannot update batch fields {sorted(unknown)}")
        cleaned = {k: str(v) if isinstance(v, StrEnum) else clean(v) for k, v in values.items()}
        with self.transaction() as conn:
            conn.execute(llm_batches.update().where(llm_batches.c.id == local_id).values(**cleaned, updated=now()))

    def get_batch(self, local_id: int) -> BatchRow | None:
        """One stored batch by its local id."""
        with self.reading() as conn:
            row = conn.execute(sa.select(llm_batches).where(llm_batches.c.id == local_id)).first()
        return _batch_row(row) if row is not None else None

    def list_batches(self) -> list[BatchRow]:
        """Every stored batch, newest first."""
        with self.reading() as conn:
            return [_batch_row(r) for r in conn.execute(sa.select(llm_batches).order_by(llm_batches.c.id.desc()))]

    def open_batches(self, *, endpoint: str, model: str, prompt_version: str, language: str) -> list[BatchRow]:
        """Batches of this endpoint and cache key not read to the end yet, oldest first."""
        query = (
            sa.select(llm_batches)
            .where(
                llm_batches.c.endpoint == endpoint,
                llm_batches.c.model == model,
                llm_batches.c.prompt_version == prompt_version,
                llm_batches.c.language == language,
                llm_batches.c.state.in_([str(s) for s in OPEN_STATES]),
            )
            .order_by(llm_batches.c.id)
        )
        with self.reading() as conn:
            return [_batch_row(r) for r in conn.execute(query)]

    def batch_items(self, local_id: int) -> dict[Key, ItemState]:
        """The papers of a batch and what became of each."""
        query = sa.select(llm_batch_items).where(llm_batch_items.c.batch == local_id)
        with self.reading() as conn:
            return {(r.arxiv_id, r.version): ItemState(r.state) for r in conn.execute(query)}

    def mark_batch_items(self, local_id: int, keys: Sequence[Key], state: ItemState, error: str | None = None) -> None:
        """Set the state of some papers of a batch (e.g. unanswered after it expired)."""
        with self.transaction() as conn:
            for arxiv_id, version in keys:
                conn.execute(_item(local_id, arxiv_id, version).values(state=str(state), error=clean(error)))

    def record_batch_answer(
        self, local_id: int, summary: Summary | None, state: ItemState, log: BatchLogLine | None
    ) -> bool:
        """One line of a batch read: its summary (if any), its LLM log row and its item state, atomically.

        Returns False (and writes nothing) when the paper's line was already recorded, e.g. by a
        second `bulk` reading the same open batch. A failed summary never overwrites a good cached
        one; a good one ends the claims on its paper.
        """
        key = (summary.arxiv_id, summary.version) if summary is not None else _key_of(log)
        with self.transaction() as conn:
            if key is not None:
                current = conn.execute(
                    sa.select(llm_batch_items.c.state).where(
                        llm_batch_items.c.batch == local_id,
                        llm_batch_items.c.arxiv_id == key[0],
                        llm_batch_items.c.version == key[1],
                    )
                ).scalar()
                if current is not None and current != str(ItemState.PENDING):
                    return False
            if summary is not None:
                write_summaries(self, conn, [summary])
                error = summary.error
            else:
                error = log.error if log is not None else None
            if log is not None:
                conn.execute(
                    llm_log.insert().values(
                        created=now(),
                        run_id=None,
                        paper_ids=clean(",".join(log.paper_ids)),
                        model=clean(log.model),
                        prompt_version=clean(log.prompt_version),
                        prompt=clean(log.prompt),
                        response=clean(log.response),
                        status=clean(log.status),
                        error=clean(log.error),
                        tokens_in=log.tokens_in,
                        tokens_out=log.tokens_out,
                        latency_ms=0.0,
                    )
                )
            if key is not None:
                conn.execute(_item(local_id, *key).values(state=str(state), error=clean(error)))
        return True


def _item(local_id: int, arxiv_id: str, version: int) -> sa.Update:
    return llm_batch_items.update().where(
        llm_batch_items.c.batch == local_id,
        llm_batch_items.c.arxiv_id == arxiv_id,
        llm_batch_items.c.version == version,
    )


def _key_of(log: BatchLogLine | None) -> Key | None:
    """The (id, version) of a log line about exactly one paper (`2602.01234v2`)."""
    if log is None or len(log.paper_ids) != 1:
        return None
    head, sep, tail = log.paper_ids[0].rpartition("v")
    return (head, int(tail)) if sep and tail.isdigit() else None


def _batch_row(row: Any) -> BatchRow:
    return BatchRow(
        id=row.id,
        batch_id=row.batch_id,
        endpoint=row.endpoint,
        model=row.model,
        prompt_version=row.prompt_version,
        language=row.language,
        state=BatchState(row.state),
        provider_status=row.provider_status,
        input_file_id=row.input_file_id,
        output_file_id=row.output_file_id,
        error_file_id=row.error_file_id,
        first_day=row.first_day,
        last_day=row.last_day,
        requests=row.requests,
        estimated_tokens=row.estimated_tokens,
        estimated_cost=row.estimated_cost,
        error=row.error,
        created=as_utc(row.created),
    )
