"""Summaries written to the store in bursts: one transaction for many, flushed on the way out.

One transaction per summary costs a commit each (~2-9 ms on SQLite): 10,000 extractive summaries
spent more time committing than summarizing, and an LLM batch answer's k writes blocked the event
loop before the next requests left (issue 15, docs/benchmarks.md). The writer keeps what arrives
and writes it with `Store.put_summaries` once `max_items` are waiting or `max_wait` seconds have
passed since the first, and always when its block ends — normally, on Ctrl-C/SIGTERM or on an
error — so an interrupted run keeps every summary it received. Only a hard kill (SIGKILL, power
loss) can lose the last burst, at most `max_wait` seconds of answers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from types import TracebackType

from paperbrief.models import Summary
from paperbrief.store import Store

log = logging.getLogger(__name__)


class SummaryWriter:
    """Buffers summaries and stores them in one transaction per burst (use as a context manager)."""

    def __init__(
        self,
        store: Store,
        *,
        max_items: int = 100,
        max_wait: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.max_items = max_items
        self.max_wait = max_wait
        self._clock = clock
        self._pending: list[Summary] = []
        self._since = 0.0

    def add(self, summary: Summary) -> None:
        """Keep one summary; write the burst when it is big or old enough (a store error raises here)."""
        if not self._pending:
            self._since = self._clock()
        self._pending.append(summary)
        if len(self._pending) >= self.max_items or self._clock() - self._since >= self.max_wait:
            self.flush()

    def flush(self) -> None:
        """Store every waiting summary in one transaction."""
        pending, self._pending = self._pending, []
        if pending:
            self.store.put_summaries(pending)

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.flush()
            return
        try:  # keep what was paid for; the error in flight stays the one reported
            self.flush()
        except Exception as flush_error:
            log.warning("cannot store %s buffered summaries: %s", len(self._pending), type(flush_error).__name__)
