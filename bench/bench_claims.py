"""Benchmark of summary claims: N worker processes share 1,000 papers through one PostgreSQL.

Each worker is a real process running the protocol of docs/scale.md: claim a batch of papers
(`Store.claim_summaries`, `SELECT … FOR UPDATE SKIP LOCKED`), call the fake LLM over HTTP once per
paper (latency L), store the summary, then wait for the other workers' answers. Checks that every
paper was summarized exactly once (fake LLM requests = papers) and reports wall time against
1 worker measured in the same run; the bound is wall(N) ≤ 1.5 × wall(1)/N.

    python bench/bench_claims.py            # 1,000 papers, L = 0.1 s, N = 1, 2, 4 (about 5 minutes)
    python bench/bench_claims.py --quick    # 200 papers
Uses PAPERBRIEF_TEST_POSTGRES_URL when set, else starts a throwaway server (scripts/postgres.sh).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakes.llm_server import FakeLLM, serve_fake_llm  # noqa: E402
from paperbrief.models import RunStatus, Summary  # noqa: E402
from paperbrief.store import Store  # noqa: E402

SCOPE = {"model": "fake-model", "prompt_version": "bench", "language": "en"}
BATCH = 10


def worker(url: str, llm: str, papers: int, go: Path) -> None:
    """One worker: claim, call, store, until every paper has an answer; prints its paper ids."""
    store = Store.open(url)
    run_id = store.start_run(dt.date(2026, 2, 4), source="bench", summarizer="llm")
    keys = [(f"2602.{n:05d}", 1) for n in range(papers)]
    mine: list[str] = []
    while not go.exists():
        time.sleep(0.001)
    with httpx.Client(base_url=llm, timeout=30) as client:
        while True:
            claimed = store.claim_summaries(run_id, keys, limit=BATCH, **SCOPE)
            for arxiv_id, version in claimed:
                body = {"model": SCOPE["model"], "messages": [{"role": "user", "content": f"Summarize {arxiv_id}"}]}
                client.post("/chat/completions", json=body).raise_for_status()
                store.log_llm_call(
                    paper_ids=[arxiv_id],
                    model=SCOPE["model"],
                    prompt_version=SCOPE["prompt_version"],
                    prompt=arxiv_id,
                    response="{}",
                    status="ok",
                    run_id=run_id,
                )
                store.put_summary(Summary(arxiv_id=arxiv_id, version=version, tldr="t", backend="llm", **SCOPE))
                mine.append(arxiv_id)
            if claimed:
                continue
            if len(store.wait_for_summaries(keys, timeout=120, poll_seconds=0.05, **SCOPE)) == len(keys):
                break
    store.finish_run(run_id, RunStatus.OK)
    print(json.dumps(mine))


def _round(url: str, fake: FakeLLM, papers: int, workers: int, tmp: Path) -> tuple[float, Counter[str]]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in url else "?"
    schema_url = f"{url}{sep}options=-csearch_path%3D{schema}"
    Store.open(schema_url).close()
    go = tmp / f"go-{schema}"
    fake.requests.clear()
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", schema_url, fake.base_url, str(papers), str(go)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    time.sleep(2.0)  # let every worker import and connect before the clock starts
    start = time.perf_counter()
    go.touch()
    outputs = [p.communicate(timeout=900)[0] for p in procs]
    wall = time.perf_counter() - start
    if any(p.returncode for p in procs):
        raise SystemExit("a worker failed")
    done = Counter(i for out in outputs for i in json.loads(out))
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()
    return wall, done


def _server_url() -> tuple[str, str | None]:
    url = os.environ.get("PAPERBRIEF_TEST_POSTGRES_URL")
    if url:
        return url, None
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "postgres.sh"), "start"], check=True, capture_output=True, text=True
    ).stdout
    env = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines())
    return env["PAPERBRIEF_TEST_POSTGRES_URL"], env["PAPERBRIEF_TEST_POSTGRES_DIR"]


def main() -> int:
    """Run 1, 2 and 4 workers; print calls, duplicates and wall-time ratios; non-zero on a failure."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    papers = 200 if args.quick else 1000
    url, own_dir = _server_url()
    failures = 0
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    try:
        with serve_fake_llm(FakeLLM(latency=args.latency)) as fake:
            base = 0.0
            print(f"{papers} papers, fake LLM latency {args.latency * 1000:.0f} ms, batches of {BATCH}")
            print(
                f"{'workers':>7} {'wall s':>8} {'calls':>6} {'twice':>6} {'lost':>5} {'wall/wall(1)':>13} {'ideal':>6}"
            )
            for workers in (1, 2, 4):
                wall, done = _round(url, fake, papers, workers, tmp)
                calls = len(fake.requests)
                twice = sum(1 for v in done.values() if v > 1)
                lost = papers - len(done)
                base = base or wall
                ratio = wall / base
                ok = calls == papers and twice == 0 and lost == 0 and ratio <= 1.5 / workers
                failures += not ok
                print(
                    f"{workers:>7} {wall:>8.2f} {calls:>6} {twice:>6} {lost:>5} {ratio:>13.2f} {1 / workers:>6.2f}"
                    + ("" if ok else "  FAIL")
                )
    finally:
        if own_dir:
            subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "stop", own_dir], check=False)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], int(sys.argv[4]), Path(sys.argv[5]))
    else:
        sys.exit(main())
