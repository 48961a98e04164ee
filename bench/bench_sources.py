"""Benchmark: parse a full recorded announcement day and page through a local fake arXiv (docs/sources.md).

1. Parsing: the recorded 2024-11-28 RSS day (1,504 items, 2.8 MB) into Paper objects with
   paperbrief's lxml parser, against feedparser (what zotero-arxiv-daily uses) on the same bytes,
   in the same process. feedparser only yields dicts; we still ask ours to build validated Papers.
2. Politeness overhead: fetch the 30-paper reference day from the local fake server with
   delay 0 and with delay D; the ratio of wall time to the throttle's lower bound
   (requests - 1) x D shows the throttle costs what it must and not more.

    python bench/bench_sources.py           # 20 parse rounds, D = 0.5 s
    python bench/bench_sources.py --quick   # 3 rounds, D = 0.2 s
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import feedparser

from paperbrief.sources.arxiv import ArxivSource
from paperbrief.sources.arxiv.parse import parse_announcement, sanitize_body

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from fakes.arxiv_server import FakeArxiv  # noqa: E402

DAY = ROOT / "tests" / "data" / "fixtures" / "rss" / "rss-2024-11-28-many-archives.xml"
CATS = ["cs.AI", "cs.CL", "cs.CV", "cs.LG"]


def _best(rounds: int, func: object) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        func()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small, fast run")
    args = parser.parse_args()
    rounds = 3 if args.quick else 20
    delay = 0.2 if args.quick else 0.5
    body = DAY.read_bytes()

    ours = _best(rounds, lambda: parse_announcement(body))
    theirs = _best(rounds, lambda: feedparser.parse(body))
    items = len(parse_announcement(body).papers)
    print(f"parse {items} items ({len(body) / 1e6:.1f} MB), best of {rounds}:")
    print(f"  paperbrief lxml -> Paper: {ours * 1000:8.1f} ms  ({items / ours:,.0f} items/s)")
    print(f"  feedparser -> dict      : {theirs * 1000:8.1f} ms  ({items / theirs:,.0f} items/s)")
    print(f"  ratio feedparser / paperbrief: {theirs / ours:.1f}x")
    # The forbidden-character check runs on every body before parsing (issue 11): its share of a parse.
    check = _best(rounds, lambda: sanitize_body(body))
    print(f"  forbidden-character check : {check * 1000:8.1f} ms  ({check / ours:.1%} of the parse)")

    with FakeArxiv() as fake:
        timings = {}
        for d in (0.0, delay):
            fake.log.clear()
            with ArxivSource(fake.rss_url, fake.api_url, fake.oai_url, delay_seconds=d, batch_size=10) as source:
                start = time.perf_counter()
                ann = source.fetch_announcement(CATS)
                timings[d] = (time.perf_counter() - start, len(fake.log))
            assert len(ann.papers) == 30 and not ann.missing
    (free, _), (slow, n_slow) = timings[0.0], timings[delay]
    bound = (n_slow - 1) * delay
    print(f"fetch the 30-paper day in {n_slow} requests (batches of 10):")
    print(f"  delay 0   : {free * 1000:7.1f} ms")
    print(f"  delay {delay}: {slow * 1000:7.1f} ms; ToU lower bound {bound * 1000:.0f} ms; ratio {slow / bound:.2f}")


if __name__ == "__main__":
    main()
