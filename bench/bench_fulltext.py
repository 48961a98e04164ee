"""Benchmark of the full-text stage (issue 13): is the day's wall time close to max(fetch chain, LLM work)?

K papers are read in full from the loopback fake arXiv (LaTeXML HTML + teaser figure, two requests
a paper, throttle delay D) and N other papers are summarized from their abstracts by the fake LLM
(latency L a call). Measured in the same run, each on a fresh store:

- fetch chain: the K papers read alone through one throttled client (no LLM);
- LLM work: the N abstract calls and the K full-text calls alone (texts already cached, no fetch);
- pipelined: `summarize_papers` as `paperbrief run --fulltext K` calls it (fresh store: fetch + LLM).

It reports pipelined / max(fetch, LLM) (1.0 is perfect overlap) and pipelined / (fetch + LLM).

    python bench/bench_fulltext.py                 # K = 10, N = 20, D = 0.2 s, L = 0.3 s, concurrency 4
    python bench/bench_fulltext.py --delay 0.5 --latency 0.5
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakes.fulltext_server import DATA, FakeArxivFullText, Reply, html_reply, png_reply  # noqa: E402
from fakes.llm_server import FakeLLM, serve_fake_llm  # noqa: E402
from paperbrief.fulltext_stage import FullTextPlan, summarize_papers  # noqa: E402
from paperbrief.models import Paper  # noqa: E402
from paperbrief.sources.arxiv import Throttle  # noqa: E402
from paperbrief.sources.arxiv._http import HttpClient  # noqa: E402
from paperbrief.sources.fulltext import FullTextFetcher  # noqa: E402
from paperbrief.store import Store  # noqa: E402
from paperbrief.store.db import sqlite_url  # noqa: E402
from paperbrief.summarize.llm import LLMConfig, LLMSummarizer  # noqa: E402


def _papers(k: int, n: int) -> list[Paper]:
    return [
        Paper(
            arxiv_id=f"2601.{i + 1:05d}",
            title=f"Sparse routing study {i}",
            abstract=f"We study sparse routing variant {i} and report accuracy on three benchmarks.",
            categories=["cs.LG"],
        )
        for i in range(k + n)
    ]


def _routes(papers: list[Paper]) -> dict[str, Reply]:
    routes: dict[str, Reply] = {}
    for paper in papers:
        routes[f"/html/{paper.versioned_id}"] = html_reply("routing")
        routes[f"/html/{paper.versioned_id}/teaser.png"] = png_reply(DATA / "html" / "routing" / "teaser.png")
    return routes


def _client(delay: float) -> HttpClient:
    return HttpClient(throttle=Throttle(delay), user_agent="paperbrief-bench", timeout=10, retries=1)


def _summarizer(llm: FakeLLM, store: Store, concurrency: int) -> LLMSummarizer:
    config = LLMConfig(model="fake-model", base_url=llm.base_url, api_key="sk-bench", concurrency=concurrency)
    return LLMSummarizer(config, store=store)


def _timed_stage(
    folder: Path, arxiv: FakeArxivFullText, llm: FakeLLM, papers: list[Paper], k: int, args: argparse.Namespace
) -> float:
    """One `summarize_papers` call on the store in `folder`; returns its wall time."""
    store = Store(sqlite_url(folder / "bench.db"))
    client = _client(args.delay)
    fetcher = FullTextFetcher(client, html_url=arxiv.html_url, pdf_url=arxiv.pdf_url)
    plan = FullTextPlan(top=k, fetcher=fetcher, out_dir=folder / "out")
    started = time.perf_counter()
    stage = summarize_papers(store, _summarizer(llm, store, args.concurrency), papers, plan)
    wall = time.perf_counter() - started
    client.close()
    assert len(stage.summaries) == len(papers), "every paper got a summary"
    store.close()
    return wall


def main() -> None:
    """Run the three measurements and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-k", type=int, default=10, help="papers read in full")
    parser.add_argument("-n", type=int, default=20, help="other papers (abstract summaries)")
    parser.add_argument("--delay", type=float, default=0.2, help="throttle delay between arXiv requests (s)")
    parser.add_argument("--latency", type=float, default=0.3, help="fake LLM latency per call (s)")
    parser.add_argument("--concurrency", type=int, default=4, help="LLM concurrency")
    args = parser.parse_args()
    papers = _papers(args.k, args.n)
    with (
        FakeArxivFullText(_routes(papers)) as arxiv,
        serve_fake_llm(FakeLLM(latency=args.latency)) as llm,
        tempfile.TemporaryDirectory() as tmp,
    ):
        folder = Path(tmp)
        # 1. The fetch chain alone.
        client = _client(args.delay)
        fetcher = FullTextFetcher(client, html_url=arxiv.html_url, pdf_url=arxiv.pdf_url)
        started = time.perf_counter()
        for paper in papers[: args.k]:
            fetcher.fetch(paper.arxiv_id, paper.version)
        fetch = time.perf_counter() - started
        client.close()
        # 2. Pipelined, on a fresh store (fetch + LLM).
        (folder / "piped").mkdir()
        piped = _timed_stage(folder / "piped", arxiv, llm, papers, args.k, args)
        # 3. The LLM work alone: the same store's texts are cached; summaries are dropped so every call is made.
        store = Store(sqlite_url(folder / "piped" / "bench.db"))
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM summaries")
        store.close()
        requests_before = len(arxiv.served)
        work = _timed_stage(folder / "piped", arxiv, llm, papers, args.k, args)
        assert len(arxiv.served) == requests_before, "the LLM-only pass fetched nothing"
    bound = max(fetch, work)
    print(f"K={args.k} N={args.n} delay={args.delay}s latency={args.latency}s concurrency={args.concurrency}")
    print(f"fetch chain alone   {fetch:6.2f} s")
    print(f"LLM work alone      {work:6.2f} s")
    print(f"pipelined run       {piped:6.2f} s")
    print(f"pipelined / max(fetch, LLM) = {piped / bound:.2f}   (1.00 = perfect overlap)")
    print(f"pipelined / (fetch + LLM)   = {piped / (fetch + work):.2f}   (1.00 = no overlap)")


if __name__ == "__main__":
    main()
