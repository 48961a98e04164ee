"""One politeness throttle shared by every arXiv endpoint (API, RSS, OAI-PMH) in a process.

arXiv's terms (https://info.arxiv.org/help/api/tou.html#rate-limits): "make no more than one
request every three seconds, and limit requests to a single connection at a time".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Slot:
    """The turn of one request at a `Throttle`; `hold()` makes everyone wait after it (Retry-After)."""

    def __init__(self, throttle: Throttle) -> None:
        self._throttle = throttle

    def hold(self, seconds: float) -> None:
        """Keep every user of the throttle from starting a request for `seconds` from now."""
        self._throttle._hold_locked(seconds)


class Throttle:
    """At most one request every `delay_seconds`, one in flight at a time, across all threads using it.

    The next request may start `delay_seconds` after the previous one started *and* finished.
    Since one request is in flight at a time, that is `delay_seconds` after the previous response
    arrived: counting from the previous start alone would let network latency squeeze two requests
    closer than `delay_seconds` as arXiv's servers see them (a slow first request followed by a fast
    second one), which the ToU forbids. A `Retry-After` from arXiv (429/503) holds it back for
    everyone until that wait is over (`Slot.hold`), not only for the thread that was told.
    """

    def __init__(
        self,
        delay_seconds: float = 3.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if delay_seconds < 0:
            raise ValueError("delay_seconds must be >= 0")
        self.delay_seconds = delay_seconds
        self._clock = clock
        self._sleep = sleep
        # Held for the whole request: a second thread waits for the first to finish *and* for the
        # delay, so there is one connection at a time, as the ToU asks.
        self._lock = threading.Lock()
        self._last_start: float | None = None
        self._last_end: float | None = None
        self._not_before: float | None = None

    @contextmanager
    def slot(self) -> Iterator[Slot]:
        """Wait for our turn, then hold it for the duration of one request."""
        with self._lock:
            ready = [t for t in (self._not_before,) if t is not None]
            if self._last_end is not None:
                ready.append(self._last_end + self.delay_seconds)
            if ready:
                wait = max(ready) - self._clock()
                if wait > 0:
                    self._sleep(wait)
            self._last_start = self._clock()
            try:
                yield Slot(self)
            finally:
                self._last_end = self._clock()

    def _hold_locked(self, seconds: float) -> None:
        # Called from inside `slot()` (the lock is held), so no other request can start in between.
        until = self._clock() + max(0.0, seconds)
        self._not_before = until if self._not_before is None else max(self._not_before, until)

    @property
    def last_start(self) -> float | None:
        """Clock reading of the latest request start (None before the first)."""
        return self._last_start
