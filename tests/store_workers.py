"""Worker processes for the store's concurrency tests (run as `python tests/store_workers.py MODE …`).

Each worker waits for a "go" file before touching the store, so that several processes started
together hit it at the same instant.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

from paperbrief.models import RunStatus, Summary
from paperbrief.store import Store, StoreError

SCOPE = {"model": "fake-model", "prompt_version": "p1", "language": "zh"}
DAY = dt.date(2026, 2, 4)


def wait_for(go: Path, timeout: float = 60.0) -> None:
    """Block until `go` exists."""
    deadline = time.monotonic() + timeout
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit("go file never appeared")
        time.sleep(0.002)


def keys_of(count: int) -> list[tuple[str, int]]:
    """`count` synthetic paper keys."""
    return [(f"2602.{n:05d}", 1) for n in range(count)]


def summarize(store: Store, run_id: int, key: tuple[str, int], who: str) -> None:
    """Pretend to pay for one summary: log the call, store the answer."""
    time.sleep(0.003)
    store.log_llm_call(paper_ids=[key[0]], prompt="p", response="{}", status="ok", run_id=run_id, **_log_scope())
    store.put_summary(Summary(arxiv_id=key[0], version=key[1], tldr=who, backend="llm", **SCOPE))


def _log_scope() -> dict[str, str]:
    return {"model": SCOPE["model"], "prompt_version": SCOPE["prompt_version"]}


def migrate_mode(url: str, go: Path) -> None:
    wait_for(go)
    try:
        store = Store.open(url)
    except StoreError as exc:
        print(f"error: {exc}")
        raise SystemExit(1) from exc
    print(json.dumps(store.applied_migrations()))
    store.close()


def claim_mode(url: str, go: Path, who: str, count: int, batch: int) -> None:
    store = Store.open(url)
    wait_for(go)
    run_id = store.start_run(DAY, source="test", summarizer="llm")
    wanted = keys_of(count)
    mine: list[str] = []
    # The protocol of docs/scale.md: take a batch while there is one; then wait for the others'
    # answers; a key neither answered nor held by anyone alive is claimed again.
    while True:
        claimed = store.claim_summaries(run_id, wanted, limit=batch, **SCOPE)
        for key in claimed:
            summarize(store, run_id, key, who)
            mine.append(key[0])
        if claimed:
            continue
        found = store.wait_for_summaries(wanted, timeout=60, poll_seconds=0.05, **SCOPE)
        if len(found) == len(wanted):
            break
    store.finish_run(run_id, RunStatus.OK)
    print(json.dumps({"mine": mine, "found": len(found)}))
    store.close()


def hold_mode(url: str, count: int) -> None:
    """Claim every key, say so, then hang until killed."""
    store = Store.open(url)
    run_id = store.start_run(DAY, source="test", summarizer="llm")
    claimed = store.claim_summaries(run_id, keys_of(count), **SCOPE)
    print(json.dumps({"run_id": run_id, "claimed": len(claimed)}), flush=True)
    time.sleep(600)


def answer_later_mode(url: str, count: int, delay: float) -> None:
    """Claim every key, say so, summarize them after `delay` seconds."""
    store = Store.open(url)
    run_id = store.start_run(DAY, source="test", summarizer="llm")
    claimed = store.claim_summaries(run_id, keys_of(count), **SCOPE)
    print(json.dumps({"run_id": run_id, "claimed": len(claimed)}), flush=True)
    time.sleep(delay)
    for key in claimed:
        summarize(store, run_id, key, "first")
    store.finish_run(run_id, RunStatus.OK)


def main(argv: list[str]) -> None:
    mode, url = argv[0], argv[1]
    if mode == "migrate":
        migrate_mode(url, Path(argv[2]))
    elif mode == "claim":
        claim_mode(url, Path(argv[2]), argv[3], int(argv[4]), int(argv[5]))
    elif mode == "hold":
        hold_mode(url, int(argv[2]))
    elif mode == "answer-later":
        answer_later_mode(url, int(argv[2]), float(argv[3]))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
