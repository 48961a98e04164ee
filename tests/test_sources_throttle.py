"""The arXiv throttle shared by processes on one machine (issue 11): two real processes, gaps measured at the server.

arXiv's terms count every request of every machine you run as one client:
https://info.arxiv.org/help/api/tou.html#rate-limits ("one request every three seconds ... a single connection").
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.arxiv_server import FakeArxiv
from paperbrief.sources.arxiv import Throttle

# Each child process fetches three ids, one request each, through a source built like the CLI's.
_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from paperbrief.sources.arxiv import ArxivSource

    rss, api, oai, delay, lock, go = sys.argv[1:7]
    ids = sys.argv[7:]
    while not Path(go).exists():  # start both processes' requests together
        pass
    source = ArxivSource(rss, api, oai, delay_seconds=float(delay), retries=0,
                         throttle_path=Path(lock) if lock != "-" else None)
    with source:
        for ident in ids:
            source.fetch_ids([ident])
    """
)
IDS = [["2602.04837", "2602.04836", "2602.04813"], ["2602.04856", "2602.04853", "2602.04811"]]


@pytest.fixture
def fake() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        yield server


def _two_processes(fake: FakeArxiv, tmp_path: Path, delay: float, lock: str) -> list[float]:
    go = tmp_path / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, fake.rss_url, fake.api_url, fake.oai_url, str(delay), lock, str(go), *ids]
        )
        for ids in IDS
    ]
    go.touch()
    assert [child.wait(timeout=60) for child in children] == [0, 0]
    starts = sorted(r.start for r in fake.requests("/api"))
    assert len(starts) == 6
    return [b - a for a, b in itertools.pairwise(starts)]


def test_two_processes_sharing_the_lock_file_are_spaced_at_the_server(fake: FakeArxiv, tmp_path: Path) -> None:
    """Two processes with the same `<home>/arxiv-throttle.lock`: every arrival ≥ delay after the previous one."""
    delay = 0.3
    gaps = _two_processes(fake, tmp_path, delay, str(tmp_path / "home" / "arxiv-throttle.lock"))
    assert min(gaps) >= delay
    assert (tmp_path / "home" / "arxiv-throttle.lock").exists()


def test_two_processes_without_a_lock_file_are_not_spaced(fake: FakeArxiv, tmp_path: Path) -> None:
    """The control: with the in-process default, the two processes' requests overlap (what issue 11 saw)."""
    delay = 1.0
    gaps = _two_processes(fake, tmp_path, delay, "-")
    assert min(gaps) < delay


def test_lock_file_keeps_the_last_request_time_and_a_retry_after_hold(tmp_path: Path) -> None:
    """A second Throttle on the same file (another process's view) waits for the first's last end and its hold."""
    lock = tmp_path / "arxiv-throttle.lock"
    now = [1000.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    first = Throttle(3.0, lock_path=lock, clock=lambda: now[0], sleep=sleep)
    with first.slot() as slot:
        now[0] += 1.0
        slot.hold(10.0)  # Retry-After: 10 answered at 1001
    second = Throttle(3.0, lock_path=lock, clock=lambda: now[0], sleep=sleep)
    with second.slot():
        pass
    assert slept == [10.0]  # held until 1011, later than 1001 + 3
    now[0] += 1.0
    with first.slot():  # the first throttle sees the second's request in the file
        pass
    assert slept == [10.0, 2.0]
    lock.write_bytes(b"\x00not json")  # a damaged file costs one spacing hint, never an error
    with Throttle(3.0, lock_path=lock, clock=lambda: now[0], sleep=sleep).slot():
        pass


def test_unusable_lock_file_falls_back_to_in_process_spacing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A home where the lock file cannot be created (here: its parent is a file) warns once and keeps spacing."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("", encoding="utf-8")
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    throttle = Throttle(3.0, lock_path=blocker / "arxiv-throttle.lock", clock=lambda: now[0], sleep=sleep)
    with caplog.at_level("WARNING", logger="paperbrief.sources.arxiv"):
        for _ in range(3):
            with throttle.slot():
                pass
    assert slept == [3.0, 3.0]
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "spaced within this process only" in warnings[0]
