"""Typed rows the store returns for its tables without a domain model (runs, LLM log, deliveries …).

Each row is a frozen dataclass read by attribute (`row.status`). It is also a read-only
`Mapping` (`row["status"]`, `row.get("error")`, `dict(row)`) so that code written against the
store's former dict rows keeps working; new code should use the attributes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from paperbrief.models import DeliveryStatus, RunStatus


class _Row(Mapping[str, Any]):
    """Mapping access to a dataclass's fields (equality too: a row equals the dict of its fields)."""

    def __getitem__(self, key: str) -> Any:
        if key not in self._names():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def _names(self) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(self))  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """A plain, mutable copy of the row."""
        return dict(self.items())


@dataclasses.dataclass(frozen=True, eq=False)
class RunRow(_Row):
    """One pipeline run (`runs` table)."""

    id: int
    date: dt.date
    started: dt.datetime
    finished: dt.datetime | None
    status: RunStatus
    source: str
    summarizer: str
    stats: dict[str, Any] | None
    error: str | None
    host: str | None = None
    pid: int | None = None
    lease_until: dt.datetime | None = None


@dataclasses.dataclass(frozen=True, eq=False)
class LLMCallRow(_Row):
    """One logged LLM request and its answer (`llm_log` table)."""

    id: int
    created: dt.datetime
    run_id: int | None
    paper_ids: str
    model: str
    prompt_version: str
    prompt: str
    response: str | None
    status: str
    error: str | None
    tokens_in: int
    tokens_out: int
    latency_ms: float


@dataclasses.dataclass(frozen=True, eq=False)
class DeliveryRow(_Row):
    """The delivery state of one day over one channel (`deliveries` table)."""

    date: dt.date
    channel: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    updated: dt.datetime


@dataclasses.dataclass(frozen=True, eq=False)
class ReadingItem(_Row):
    """One item of the reading list (`reading_list` table)."""

    item_id: str
    source: str
    title: str
    text: str
    arxiv_id: str | None
    added: dt.datetime | None = None


@dataclasses.dataclass(frozen=True, eq=False)
class ClaimRow(_Row):
    """Who is summarizing a paper under one cache key, and until when (`summary_claims` table)."""

    arxiv_id: str
    version: int
    model: str
    prompt_version: str
    language: str
    run_id: int | None
    lease_until: dt.datetime
