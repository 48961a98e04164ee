"""One politeness throttle shared by every arXiv endpoint (API, RSS, OAI-PMH): per process, or per machine.

arXiv's terms (https://info.arxiv.org/help/api/tou.html#rate-limits): "make no more than one
request every three seconds, and limit requests to a single connection at a time", and the limits
"apply to all of the machines under your control as a whole". With `lock_path`, every process on
the machine that uses the same file takes its turn through it (fcntl.flock on the file, which holds
the wall-clock time the last request ended and any Retry-After hold).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

_log = logging.getLogger("paperbrief.sources.arxiv")


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

    `lock_path` (default None: this process only) shares the turn with every other process using the
    same file: the file is locked (`fcntl.flock`) for the whole request and records when it ended, so
    two processes are spaced exactly like two threads. Its times are wall-clock (`time.time`), the
    only clock processes share; `clock` defaults to it when a lock file is used.
    """

    def __init__(
        self,
        delay_seconds: float = 3.0,
        *,
        lock_path: Path | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if delay_seconds < 0:
            raise ValueError("delay_seconds must be >= 0")
        self.delay_seconds = delay_seconds
        self.lock_path = lock_path
        self._clock = clock or (time.time if lock_path is not None else time.monotonic)
        self._sleep = sleep
        # Held for the whole request: a second thread waits for the first to finish *and* for the
        # delay, so there is one connection at a time, as the ToU asks.
        self._lock = threading.Lock()
        self._last_start: float | None = None
        self._last_end: float | None = None
        self._not_before: float | None = None
        self._lock_failed = False

    @contextmanager
    def slot(self) -> Iterator[Slot]:
        """Wait for our turn, then hold it for the duration of one request."""
        with self._lock, self._machine_lock() as shared:
            if shared is not None:
                self._read_shared(shared)
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
                if shared is not None:
                    self._write_shared(shared)

    @contextmanager
    def _machine_lock(self) -> Iterator[int | None]:
        if self.lock_path is None or self._lock_failed:
            yield None
            return
        try:
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            # A read-only home must not stop a run: space requests within this process, say so once.
            self._lock_failed = True
            _log.warning("cannot use %s (%s): arXiv requests are spaced within this process only", self.lock_path, exc)
            yield None
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released when closed, also if the process dies
            yield fd
        finally:
            os.close(fd)

    def _read_shared(self, fd: int) -> None:
        # The file's values come from other processes too: take the later of theirs and ours.
        os.lseek(fd, 0, os.SEEK_SET)
        raw = os.read(fd, 4096)
        try:
            data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (UnicodeDecodeError, ValueError):
            data = {}  # a damaged file only loses one spacing hint; it is rewritten below
        if not isinstance(data, dict):
            data = {}
        for name in ("_last_end", "_not_before"):
            value = data.get(name.lstrip("_"))
            if isinstance(value, (int, float)):
                mine = getattr(self, name)
                setattr(self, name, float(value) if mine is None else max(mine, float(value)))

    def _write_shared(self, fd: int) -> None:
        payload = json.dumps({"last_end": self._last_end, "not_before": self._not_before}).encode()
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, payload)

    def _hold_locked(self, seconds: float) -> None:
        # Called from inside `slot()` (the lock is held), so no other request can start in between.
        until = self._clock() + max(0.0, seconds)
        self._not_before = until if self._not_before is None else max(self._not_before, until)

    @property
    def last_start(self) -> float | None:
        """Clock reading of the latest request start (None before the first)."""
        return self._last_start
