"""Processes sharing one store cooperate: migrations never race, no paper is paid for twice.

Every case runs real Python processes (tests/store_workers.py) against a real SQLite file and a
real PostgreSQL server; they wait for a "go" file so that they start at the same instant.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from paperbrief.models import RunStatus
from paperbrief.store import Store
from paperbrief.store.db import MIGRATIONS, sqlite_url
from paperbrief.store.schema import llm_log, runs

WORKER = Path(__file__).parent / "store_workers.py"
ALL = sorted(name for name, _ in MIGRATIONS)
SCOPE = {"model": "fake-model", "prompt_version": "p1", "language": "zh"}
PAIRS = 10


def _spawn(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def _finish(proc: subprocess.Popen[str], timeout: float = 120) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"worker failed ({proc.returncode}): {out}{err}"
    return out


def _fresh_urls(store_url: str, tmp_path: Path, count: int) -> list[str]:
    """`count` empty databases: SQLite files, or the PostgreSQL schema emptied between pairs."""
    if store_url.startswith("sqlite"):
        return [sqlite_url(tmp_path / f"race-{n}.db") for n in range(count)]
    return [store_url] * count


def _empty_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        names = sa.inspect(conn).get_table_names()
        for name in names:
            conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}" CASCADE')
    engine.dispose()


def test_two_processes_opening_a_brand_new_store_never_race_the_migrations(store_url: str, tmp_path: Path) -> None:
    """Issue 11: 14 of 20 pairs failed (`table _migrations already exists`, `database is locked`)."""
    for n, url in enumerate(_fresh_urls(store_url, tmp_path, PAIRS)):
        if url.startswith("postgresql"):
            _empty_postgres(url)
        go = tmp_path / f"go-{n}"
        pair = [_spawn("migrate", url, str(go)) for _ in range(2)]
        go.touch()
        outputs = [json.loads(_finish(p)) for p in pair]
        assert outputs == [ALL, ALL], f"pair {n}"
        store = Store.open(url)
        assert store.applied_migrations() == ALL
        store.close()


def test_two_workers_claiming_the_same_papers_summarize_each_exactly_once(store_url: str, tmp_path: Path) -> None:
    count = 120
    Store.open(store_url).close()  # migrated, so both workers start claiming at once
    go = tmp_path / "go"
    workers = [_spawn("claim", store_url, str(go), who, str(count), "7") for who in ("a", "b")]
    go.touch()
    results = [json.loads(_finish(w)) for w in workers]
    done = Counter(i for r in results for i in r["mine"])
    assert len(done) == count  # none lost
    assert set(done.values()) == {1}  # none twice
    assert [r["found"] for r in results] == [count, count]  # each saw every answer
    store = Store.open(store_url)
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(llm_log)).scalar_one() == count
    assert store.list_claims() == []  # good answers ended their claims
    store.close()


def test_a_second_process_waits_for_the_first_ones_answers_instead_of_paying(store_url: str) -> None:
    Store.open(store_url).close()
    first = _spawn("answer-later", store_url, "5", "1.0")
    assert proc_line(first)["claimed"] == 5
    store = Store.open(store_url)
    run_id = store.start_run(dt.date(2026, 2, 4), source="test", summarizer="llm")
    keys = [(f"2602.{n:05d}", 1) for n in range(5)]
    assert store.claim_summaries(run_id, keys, **SCOPE) == []  # all held by the first process
    found = store.wait_for_summaries(keys, timeout=60, poll_seconds=0.05, **SCOPE)
    _finish(first)
    assert sorted(found) == keys
    assert {s.tldr for s in found.values()} == {"first"}
    assert store.count_llm_calls(run_id) == 0
    store.close()


def proc_line(proc: subprocess.Popen[str]) -> dict[str, int]:
    """The first line a worker prints, as JSON."""
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line, proc.stderr.read() if proc.stderr else "no output"
    value: dict[str, int] = json.loads(line)
    return value


def test_a_killed_run_is_marked_abandoned_by_the_next_run_and_its_claims_released(store_url: str) -> None:
    Store.open(store_url).close()
    holder = _spawn("hold", store_url, "4")
    held = proc_line(holder)
    assert held["claimed"] == 4
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    store = Store.open(store_url)
    keys = [(f"2602.{n:05d}", 1) for n in range(4)]
    run_id = store.start_run(dt.date(2026, 2, 4), source="test", summarizer="llm")
    assert store.claim_summaries(run_id, keys, **SCOPE) == keys
    dead = next(r for r in store.list_runs() if r.id == held["run_id"])
    assert dead.status == RunStatus.ABANDONED
    assert dead.error is not None and "abandoned" in dead.error
    store.close()


def test_a_run_on_another_host_is_abandoned_only_once_its_lease_ran_out(store_url: str) -> None:
    store = Store.open(store_url, lease_seconds=3600)
    other = store.start_run(dt.date(2026, 2, 4), source="test", summarizer="llm")
    keys = [("2602.00001", 1)]
    assert store.claim_summaries(other, keys, **SCOPE) == keys
    with store.engine.begin() as conn:  # the run belongs to another machine, its lease still valid
        conn.execute(runs.update().where(runs.c.id == other).values(host="another-host", pid=1))
    mine = store.start_run(dt.date(2026, 2, 4), source="test", summarizer="llm")
    assert store.claim_summaries(mine, keys, **SCOPE) == []
    assert store.reap_abandoned_runs() == []
    with store.engine.begin() as conn:  # …and now its lease has run out
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        conn.execute(runs.update().where(runs.c.id == other).values(lease_until=past))
    assert store.reap_abandoned_runs() == [other]
    assert store.claim_summaries(mine, keys, **SCOPE) == keys
    store.close()


def test_an_expired_claim_is_taken_over_and_a_heartbeat_keeps_one(store_url: str) -> None:
    store = Store.open(store_url)
    keys = [("2602.00001", 1), ("2602.00002", 1)]
    first = store.start_run(dt.date(2026, 2, 4), source="test", summarizer="llm")
    second = store.start_run(dt.date(2026, 2, 4), source="test", summarizer="llm")
    assert store.claim_summaries(first, keys[:1], lease_seconds=-1, **SCOPE) == keys[:1]  # already expired
    assert store.claim_summaries(first, keys[1:], **SCOPE) == keys[1:]
    assert store.claim_summaries(second, keys, **SCOPE) == keys[:1]
    store.heartbeat(first)
    assert store.claim_summaries(second, keys, **SCOPE) == keys[:1]  # renews its own, not the other's
    assert {(c.arxiv_id, c.run_id) for c in store.list_claims()} == {("2602.00001", second), ("2602.00002", first)}
    assert store.release_claims(first) == 1
    store.finish_run(second, RunStatus.OK)
    assert store.list_claims() == []
    store.close()
