"""Benchmark of `paperbrief backfill … --summarize` workers sharing one PostgreSQL.

N = 1, 2, 4 real `paperbrief backfill --from D1 --to D2 --summarize --no-fetch` processes against one
local PostgreSQL and the fake OpenAI-compatible LLM (tests/fakes/llm_server.py, real HTTP on
127.0.0.1, a fixed latency per answer). The papers of the range (1,000 by default, over five
announcement days) are stored beforehand through the Store, in a fresh schema per round. Reports
the fake's request count against the papers, papers asked for twice, papers left without a
summary, and wall time (first LLM request to the last worker's exit; process start-up is shown
apart) against one worker measured in the same run; the bound is wall(N) ≤ 1.5 × wall(1)/N.

    python bench/bench_workers.py            # 1,000 papers, 1 s answers, 4 in flight per worker (~9 min)
    python bench/bench_workers.py --quick    # 200 papers
Uses PAPERBRIEF_TEST_POSTGRES_URL when set, else starts a throwaway server (scripts/postgres.sh).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakes.llm_server import FakeLLM, serve_fake_llm  # noqa: E402
from paperbrief.models import Paper  # noqa: E402
from paperbrief.store import Store  # noqa: E402
from paperbrief.summarize.llm import PROMPT_VERSION  # noqa: E402

DAYS = [dt.date(2026, 2, 2), dt.date(2026, 2, 3), dt.date(2026, 2, 4), dt.date(2026, 2, 5), dt.date(2026, 2, 6)]
ENTRY = [sys.executable, "-c", "from paperbrief.cli import entry; entry()"]
KEY = "sk-bench-workers-0123456789"


def _papers(count: int) -> list[Paper]:
    return [
        Paper(
            arxiv_id=f"2602.{10000 + n:05d}",
            title=f"Scalable method number {n} for efficient agents",
            abstract=f"We propose method {n}. It improves accuracy on three benchmarks by {n % 7 + 1} points.",
            categories=["cs.LG"],
        )
        for n in range(count)
    ]


def _fresh_schema(url: str, papers: list[Paper]) -> tuple[str, str]:
    """A new schema holding the papers of the range (announced over DAYS); its name and URL."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    admin.dispose()
    sep = "&" if "?" in url else "?"
    schema_url = f"{url}{sep}options=-csearch_path%3D{schema}"
    store = Store.open(schema_url)
    per_day = -(-len(papers) // len(DAYS))
    for n, day in enumerate(DAYS):
        store.record_announcement(day, papers[n * per_day : (n + 1) * per_day])
    store.close()
    return schema, schema_url


def _drop(url: str, schema: str) -> None:
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


def _round(
    url: str, fake: FakeLLM, papers: list[Paper], workers: int, concurrency: int
) -> tuple[float, float, Counter[str], int]:
    """One round: N workers over a fresh schema; wall and start-up time, requests per paper, papers summarized."""
    schema, schema_url = _fresh_schema(url, papers)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERBRIEF_", "OPENAI_"))}
    env |= {
        "PAPERBRIEF_DATABASE_URL": schema_url,
        "PAPERBRIEF_LLM_BASE_URL": fake.base_url,
        "PAPERBRIEF_LLM_API_KEY": KEY,
        "PAPERBRIEF_LLM_MODEL": "fake-model",
        "PAPERBRIEF_LLM_CONCURRENCY": str(concurrency),
    }
    args = ["backfill", "--from", DAYS[0].isoformat(), "--to", DAYS[-1].isoformat(), "--categories", "cs.LG"]
    fake.requests.clear()
    with tempfile.TemporaryDirectory() as tmp:
        spawned = time.monotonic()
        procs = [
            subprocess.Popen(
                [*ENTRY, "--home", str(Path(tmp) / f"w{n}"), *args, "--summarize", "--no-fetch"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(workers)
        ]
        errors = [p.communicate(timeout=3600)[1] for p in procs]
        ended = time.monotonic()
    if any(p.returncode for p in procs):
        raise SystemExit("a worker failed:\n" + "\n".join(errors))
    # The clock runs from the first LLM request (the fake's arrival time, same monotonic clock) to the
    # last worker's exit: interpreter start-up is left out, it measures the machine's load, not the claims.
    first = min(r.at for r in fake.requests)
    wall, startup = ended - first, first - spawned
    asked = Counter(i for r in fake.requests for i in r.paper_ids)
    store = Store.open(schema_url)
    keys = [(p.arxiv_id, p.version) for p in papers]
    done = len(store.get_summaries(keys, model="fake-model", prompt_version=PROMPT_VERSION, language="zh"))
    store.close()
    _drop(url, schema)
    return wall, startup, asked, done


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
    """Run 1, 2 and 4 workers; print calls, duplicates, losses and wall-time ratios; non-zero on a failure."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="200 papers instead of 1,000")
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per fake LLM answer")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight per worker")
    args = parser.parse_args()
    papers = _papers(200 if args.quick else 1000)
    url, own_dir = _server_url()
    failures = 0
    try:
        with serve_fake_llm(FakeLLM(latency=args.latency)) as fake:
            print(
                f"{len(papers)} papers over {len(DAYS)} days, fake LLM latency {args.latency * 1000:.0f} ms, "
                f"{args.concurrency} requests in flight per worker"
            )
            print(
                f"{'workers':>7} {'start s':>8} {'wall s':>8} {'calls':>6} {'twice':>6} {'lost':>5} "
                f"{'wall/wall(1)':>13} {'ideal':>6}"
            )
            base = 0.0
            for workers in (1, 2, 4):
                wall, startup, asked, done = _round(url, fake, papers, workers, args.concurrency)
                calls = sum(asked.values())
                twice = sum(1 for v in asked.values() if v > 1)
                lost = len(papers) - done
                base = base or wall
                ratio = wall / base
                ok = calls == len(papers) and twice == 0 and lost == 0 and ratio <= 1.5 / workers
                failures += not ok
                print(
                    f"{workers:>7} {startup:>8.2f} {wall:>8.2f} {calls:>6} {twice:>6} {lost:>5} "
                    f"{ratio:>13.2f} {1 / workers:>6.2f}" + ("" if ok else "  FAIL"),
                    flush=True,
                )
    finally:
        if own_dir:
            subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "stop", own_dir], check=False)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
