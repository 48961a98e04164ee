"""Benchmark of `paperbrief search`: query latency over 100,000 stored papers, and the index's write cost.

Builds a store of N papers (default 100,000: 100 days of 1,000) whose text is drawn from the real
reference day (tests/data/reference: English titles and abstracts, Chinese summaries), so term
frequencies look like arXiv's. Then:

- queries: each of a fixed set (common and rare English words, phrases, two- and four-character
  Chinese words, category and date filters) run warm; the median over the set must be < 100 ms;
- writes: a new day of 1,000 papers and their summaries stored with the index and, in the same
  run and store, without it (the refresh replaced by a no-op: the baseline); the difference must
  be < 2 s.

    python bench/bench_search.py                 # 100,000 papers on SQLite (about 10 minutes)
    python bench/bench_search.py --papers 10000  # quicker
    python bench/bench_search.py --url postgresql+psycopg://…   # the same on PostgreSQL
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakes.reference import reference_rows  # noqa: E402
from paperbrief.models import Paper, Summary, SummaryStatus  # noqa: E402
from paperbrief.search import search  # noqa: E402
from paperbrief.store import Store  # noqa: E402
from paperbrief.store.db import sqlite_url  # noqa: E402

DAY_SIZE = 1000
QUERY_BOUND_MS = 100.0
WRITE_BOUND_S = 2.0
FIRST_DAY = dt.date(2025, 1, 1)
CATEGORIES = ["cs.CL", "cs.LG", "cs.AI", "cs.CV", "cs.IR", "stat.ML", "cs.RO", "math.OC"]
QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("model", {}),
    ("language model", {}),
    ('"large language models"', {}),
    ("reinforcement learning agents", {}),
    ("diffusion", {}),
    ("benchmark evaluation", {"category": "cs.CL"}),
    ("agent", {"since": FIRST_DAY + dt.timedelta(days=60)}),
    ("模型", {}),
    ("强化学习", {}),
    ("代理 框架", {}),
    ("nonexistentterm", {}),
]


class Corpus:
    """Random text with the reference day's word and character frequencies."""

    def __init__(self, seed: int = 7) -> None:
        rows = reference_rows()
        self.rng = random.Random(seed)
        self.words = re.findall(r"[A-Za-z][A-Za-z-]+", " ".join(r["title"] + " " + r["abstract"] for r in rows))
        zh = [r["seed_output"] for r in rows]
        self.zh = "".join(re.findall(r"[\u4e00-\u9fff]+", " ".join(str(o) for o in zh)))
        self.names = [a for r in rows for a in r.get("authors", [])]

    def text(self, n: int) -> str:
        """`n` words drawn by frequency."""
        return " ".join(self.rng.choices(self.words, k=n))

    def chinese(self, n: int) -> str:
        """`n` characters: runs of 2–6 consecutive characters of the real summaries."""
        out: list[str] = []
        while sum(map(len, out)) < n:
            start = self.rng.randrange(len(self.zh) - 6)
            out.append(self.zh[start : start + self.rng.randint(2, 6)])
        return "".join(out)[:n]

    def day(self, index: int) -> tuple[list[Paper], list[Summary]]:
        """Day `index`: 1,000 papers and a Chinese summary of each."""
        papers, summaries = [], []
        for n in range(DAY_SIZE):
            arxiv_id = f"{2500 + index // 100:04d}.{(index % 100) * DAY_SIZE + n:05d}"
            cats = self.rng.sample(CATEGORIES, k=self.rng.randint(1, 3))
            papers.append(
                Paper(
                    arxiv_id=arxiv_id,
                    title=self.text(10).capitalize(),
                    authors=self.rng.sample(self.names, k=4),
                    abstract=self.text(170),
                    categories=cats,
                    primary_category=cats[0],
                )
            )
            summaries.append(
                Summary(
                    arxiv_id=arxiv_id,
                    tldr=self.chinese(60),
                    motivation=self.chinese(80),
                    method=self.chinese(80),
                    conclusion=self.chinese(60),
                    keywords=[self.chinese(4) for _ in range(3)],
                    model="bench",
                    prompt_version="bench",
                    status=SummaryStatus.OK,
                )
            )
        return papers, summaries


def store_day(store: Store, corpus: Corpus, index: int) -> float:
    """Store one day (announcement, then its summaries); seconds taken."""
    papers, summaries = corpus.day(index)
    start = time.perf_counter()
    store.record_announcement(FIRST_DAY + dt.timedelta(days=index), papers)
    store.put_summaries(summaries)
    return time.perf_counter() - start


@contextmanager
def index_disabled() -> Iterator[None]:
    """The store's write path without the index refresh: the baseline of the write cost."""
    import paperbrief.store.papers as papers_module
    import paperbrief.store.summaries as summaries_module

    saved = (papers_module.index_papers, papers_module.set_search_days, summaries_module.index_summaries)
    noop: Callable[..., None] = lambda *_a, **_k: None  # noqa: E731
    papers_module.index_papers = papers_module.set_search_days = noop
    summaries_module.index_summaries = noop
    try:
        yield
    finally:
        papers_module.index_papers, papers_module.set_search_days, summaries_module.index_summaries = saved


def time_query(store: Store, query: str, filters: dict[str, Any], repeat: int) -> tuple[float, float, int]:
    """Median wall and CPU milliseconds of `repeat` warm runs, and the number of results.

    CPU time (this process) is reported too: on a shared machine it is what the query costs an idle core.
    """
    found = search(store, query, limit=20, **filters)  # warm-up
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        search(store, query, limit=20, **filters)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu), len(found)


def main() -> None:
    """Build the store, time the queries and the write cost, print ratios to the bounds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000, help="Papers to store first (multiple of 1,000).")
    parser.add_argument("--url", help="Database URL (default: a SQLite file in a temp folder).")
    parser.add_argument("--repeat", type=int, default=7, help="Warm runs per query.")
    parser.add_argument("--db", type=Path, help="SQLite file to build once and reuse (default: a temp file).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or sqlite_url(args.db or Path(tmp) / "bench.db")
        store = Store.open(url)
        corpus = Corpus()
        days = args.papers // DAY_SIZE
        start = time.perf_counter()
        built = len(store.announced_days()) if args.db else 0
        for _ in range(built):  # a reused file: advance the corpus past the stored days
            corpus.day(0)
        for index in range(built, days):
            store_day(store, corpus, index)
            if index % 10 == 9:
                print(f"  stored {(index + 1) * DAY_SIZE:,} papers ({time.perf_counter() - start:.0f} s)", flush=True)
        how = f"reused {args.db}" if built >= days else f"stored in {time.perf_counter() - start:.0f} s"
        print(f"store: {store.dialect}, {max(built, days) * DAY_SIZE:,} papers ({how})")

        walls, cpus = [], []
        for query, filters in QUERIES:
            ms, cpu_ms, hits = time_query(store, query, filters, args.repeat)
            walls.append(ms)
            cpus.append(cpu_ms)
            label = query + "".join(f" --{k} {v}" for k, v in filters.items())
            print(f"  {label:<45} {ms:7.1f} ms wall {cpu_ms:7.1f} ms CPU  {hits:2d} results")
        for name, values in (("wall", walls), ("CPU", cpus)):
            median = statistics.median(values)
            print(
                f"query median ({name}) {median:.1f} ms over the set, slowest {max(values):.1f} ms"
                f" (bound {QUERY_BOUND_MS:.0f} ms, ratio {median / QUERY_BOUND_MS:.2f})"
            )
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

        with_index, without = [], []
        for _ in range(2):  # alternate, so a warming cache favours neither
            first_new = max(days, len(store.announced_days()))
            with_index.append(store_day(store, corpus, first_new))
            with index_disabled():
                without.append(store_day(store, corpus, first_new + 1))
        extra = statistics.median(with_index) - statistics.median(without)
        print(
            f"storing a day of {DAY_SIZE:,}: {statistics.median(with_index):.2f} s with the index,"
            f" {statistics.median(without):.2f} s without (baseline); extra {extra:.2f} s"
            f" (bound {WRITE_BOUND_S:.0f} s, ratio {extra / WRITE_BOUND_S:.2f})"
        )
        store.close()


if __name__ == "__main__":
    main()
