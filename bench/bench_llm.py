"""Benchmark of the LLM engine against the fake OpenAI-compatible server (real HTTP, no network).

For N papers, a per-request latency L and concurrency C, the ideal wall time is N·L/C; the
engine should stay within 1.25× of it. Also reports calls and prompt tokens per paper, and the
same with batch mode (k papers a request). Requests leave in waves of C, so no schedule beats the
floor ⌈⌈N/k⌉/C⌉·L; batch rows are judged against that floor.

    python bench/bench_llm.py            # N = 30 and 1,000, L = 0.5 s, C = 8 (about 1.5 minutes)
    python bench/bench_llm.py --quick    # N = 30 and 200, L = 0.2 s
    python bench/bench_llm.py --issue15  # N = 1,000, L = 2 s, C = 32, k = 1 (baseline) and 5 (the default)

Issue 15's bound for the batch rows is 1.25 × N·L/(C·k) (printed as "wall / (N·L/(C·k))").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import json as _json
import math
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from paperbrief.models import Paper, SummaryStatus  # noqa: E402
from paperbrief.store import Store  # noqa: E402
from paperbrief.store.db import sqlite_url  # noqa: E402
from paperbrief.summarize.llm import LLMConfig, LLMSummarizer  # noqa: E402

REFERENCE = ROOT / "tests" / "data" / "reference" / "sample-2026-02-04.json"


@dataclass
class Result:
    """One benchmark row."""

    n: int
    batch: int
    wall: float
    calls: int
    ok: int
    prompt_tokens: int
    completion_tokens: int


def papers(n: int) -> list[Paper]:
    """n papers with real titles and abstracts (the reference day, cycled) and distinct ids."""
    rows = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return [
        Paper(
            arxiv_id=f"2602.{10000 + i:05d}",
            title=rows[i % len(rows)]["title"],
            abstract=rows[i % len(rows)]["abstract"],
        )
        for i in range(n)
    ]


@contextmanager
def fake_server(latency: float) -> Iterator[str]:
    """The fake server in a process of its own, as a real provider is: it must not share our GIL."""
    script = ROOT / "tests" / "fakes" / "llm_server.py"
    env_path = str(ROOT / "tests")
    proc = subprocess.Popen(
        [sys.executable, str(script), "--latency", str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": env_path},
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)


def server_requests(base_url: str) -> int:
    """Requests the fake server received so far."""
    with urllib.request.urlopen(base_url + "/stats", timeout=5) as response:
        return int(_json.loads(response.read())["requests"])


async def run_one(n: int, latency: float, concurrency: int, batch: int, workdir: Path) -> Result:
    """Summarize n papers through the fake server, storing each summary as the pipeline does."""
    workdir.mkdir(parents=True, exist_ok=True)
    store = Store.open(sqlite_url(workdir / f"bench-{n}-{batch}.db"))
    try:
        with fake_server(latency) as base_url:
            config = LLMConfig(
                model="fake-model", base_url=base_url, api_key="sk-bench", concurrency=concurrency, batch_size=batch
            )
            summarizer = LLMSummarizer(config, store=store)
            # Warm-up outside the timing: the SDK's lazy imports are paid once per process.
            await summarizer.asummarize([Paper(arxiv_id="2601.00001", title="warm", abstract="up")])
            before = server_requests(base_url)
            items = papers(n)
            started = time.perf_counter()
            out = (await summarizer.asummarize(items, store.put_summary)).summaries
            wall = time.perf_counter() - started
            calls = server_requests(base_url) - before
    finally:
        store.close()
    return Result(
        n=n,
        batch=batch,
        wall=wall,
        calls=calls,
        ok=sum(s.status is SummaryStatus.OK for s in out),
        prompt_tokens=sum(s.tokens_in for s in out),
        completion_tokens=sum(s.tokens_out for s in out),
    )


def main() -> int:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small run: N = 30 and 200, L = 0.2 s")
    parser.add_argument("--issue15", action="store_true", help="N = 1,000, L = 2 s, C = 32, k = 1 and 5")
    parser.add_argument("--latency", type=float, help="seconds per request [0.5, quick 0.2]")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch", type=int, default=5, help="k of the batch-mode rows")
    parser.add_argument("-n", type=int, action="append", help="paper counts [30, 1000; quick 30, 200]")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per row for N ≤ 200, best kept (shared machines are noisy) [3]"
    )
    args = parser.parse_args()
    if args.issue15:
        args.latency, args.concurrency, args.batch, args.n = 2.0, 32, 5, [1000]
    latency = args.latency if args.latency is not None else (0.2 if args.quick else 0.5)
    sizes = args.n or ([30, 200] if args.quick else [30, 1000])
    rows: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            for batch in (1, args.batch):
                runs = [
                    asyncio.run(run_one(n, latency, args.concurrency, batch, Path(tmp) / f"r{i}"))
                    for i in range(args.repeat if n <= 200 else 1)
                ]
                rows.append(min(runs, key=lambda r: r.wall))
    print(f"L = {latency} s per request, C = {args.concurrency}, best of {args.repeat} for N ≤ 200\n")
    print(
        "| N | k | requests | wall s | N·L/C s | wall / (N·L/C) | floor s | wall / floor | calls/paper | "
        "prompt tok/paper | output tok/paper | ok | wall / (N·L/(C·k)) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    for r in rows:
        bound = r.n * latency / args.concurrency
        requests = math.ceil(r.n / r.batch)
        # Requests go out in waves of C: no schedule beats ⌈requests / C⌉ · L.
        floor = math.ceil(requests / args.concurrency) * latency
        worst = max(worst, r.wall / max(bound, floor) if r.batch == 1 else r.wall / floor)
        print(
            f"| {r.n} | {r.batch} | {requests} | {r.wall:.2f} | {bound:.2f} | {r.wall / bound:.2f}× | {floor:.2f} | "
            f"{r.wall / floor:.2f}× | {r.calls / r.n:.2f} | {r.prompt_tokens / r.n:.0f} | "
            f"{r.completion_tokens / r.n:.0f} | {r.ok}/{r.n} | {r.wall / (bound / r.batch):.2f}× |"
        )
        if args.issue15 and r.batch > 1:
            worst = max(worst, r.wall / (bound / r.batch))
    what = "issue 15: batch rows against N·L/(C·k)" if args.issue15 else "bound = max(N·L/C, floor), batch rows: floor"
    print(f"\nworst wall / bound: {worst:.2f}× (target ≤ 1.25×; {what})")
    return 0 if worst <= 1.25 else 1


if __name__ == "__main__":
    raise SystemExit(main())
