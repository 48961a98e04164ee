"""Benchmark: rank 2,000 candidates against a 500-paper reading list (docs/selection.md, docs/benchmarks.md).

Texts are real arXiv titles and abstracts: the recorded 2024-11-28 announcement (1,504 items), the
recorded API answers and the 30 reference papers; candidates beyond those are made by splicing
sentences of two real abstracts (seeded, so every run ranks the same corpus). Two baselines run on
the same data in the same process: the reference's naive substring scoring (reading-list title
words found anywhere in a candidate) and a plain TF-IDF cosine over an inverted index.

    python bench/bench_select.py           # 2,000 candidates x 500 reading-list papers
    python bench/bench_select.py --quick   # 400 x 100
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from paperbrief.models import Paper
from paperbrief.select.modes import SelectOptions, select_papers
from paperbrief.select.profile import profile_entries
from paperbrief.select.rank import paper_text, rank_candidates, tokenize

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
ATOM = "{http://www.w3.org/2005/Atom}"


def _real_texts() -> list[tuple[str, str]]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    texts: list[tuple[str, str]] = []
    rss = etree.parse(str(DATA / "fixtures" / "rss" / "rss-2024-11-28-many-archives.xml"), parser)
    for item in rss.iter("item"):
        desc = item.findtext("description") or ""
        texts.append((item.findtext("title") or "", desc.split("Abstract:", 1)[-1].strip()))
    for path in sorted((DATA / "fixtures" / "api").glob("*.json")):
        root = etree.fromstring(json.loads(path.read_text(encoding="utf-8"))["body"].encode(), parser)
        for entry in root.iter(f"{ATOM}entry"):
            if "/abs/" in (entry.findtext(f"{ATOM}id") or ""):
                texts.append((entry.findtext(f"{ATOM}title") or "", entry.findtext(f"{ATOM}summary") or ""))
    for row in json.loads((DATA / "reference" / "sample-2026-02-04.json").read_text(encoding="utf-8")):
        texts.append((row["title"], row["abstract"]))
    unique = {t: (t, a) for t, a in texts if t and a}
    return sorted(unique.values())


def _splice(rng: random.Random, pool: list[tuple[str, str]]) -> tuple[str, str]:
    (t1, a1), (_t2, a2) = rng.sample(pool, 2)
    s1 = re.split(r"(?<=\.)\s+", a1)
    s2 = re.split(r"(?<=\.)\s+", a2)
    return t1, " ".join(s1[: max(1, len(s1) // 2)] + s2[len(s2) // 2 :])


def corpus(n_candidates: int, n_reading: int) -> tuple[list[Paper], list[dict[str, Any]]]:
    """Candidates (as papers of one day) and reading-list items, deterministic."""
    rng = random.Random(20260205)
    pool = _real_texts()
    rng.shuffle(pool)
    reading_src = pool[:n_reading]
    cand_src = pool[n_reading : n_reading + n_candidates]
    others = pool[n_reading:]  # splice only non-reading-list texts: no planted near-duplicates
    while len(cand_src) < n_candidates:
        cand_src.append(_splice(rng, others))
    papers = [
        Paper(arxiv_id=f"2602.{10000 + i:05d}", title=t, abstract=a, categories=["cs.LG"], primary_category="cs.LG")
        for i, (t, a) in enumerate(cand_src)
    ]
    items = [
        {"item_id": f"bench:{i}", "source": "bench", "title": t, "text": a, "arxiv_id": None}
        for i, (t, a) in enumerate(reading_src)
    ]
    return papers, items


def naive_substring(papers: list[Paper], items: list[dict[str, Any]]) -> list[str]:
    """The reference's way: count reading-list title words occurring anywhere (as substrings)."""
    words = [w for item in items for w in set(re.findall(r"\w\w+", str(item["title"]).lower()))]
    scored = []
    for paper in papers:
        text = f"{paper.title} {paper.abstract}".lower()
        scored.append((sum(1 for w in words if w in text), paper.arxiv_id))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [i for _, i in scored]


def tfidf_cosine(papers: list[Paper], items: list[dict[str, Any]]) -> list[str]:
    """Plain TF-IDF cosine (log tf, smooth idf, L2 norm), best item per candidate, via an inverted index."""
    docs = [Counter(tokenize(paper_text(p))) for p in papers]
    queries = [Counter(tokenize(f"{i['title']}. {i['text']}")) for i in items]
    n = len(docs)
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(doc.keys())

    def vector(counts: Counter[str]) -> dict[str, float]:
        vec = {t: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[t])) + 1) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    doc_vecs = [vector(d) for d in docs]
    postings: dict[str, list[tuple[int, float]]] = {}
    for index, vec in enumerate(doc_vecs):
        for term, weight in vec.items():
            postings.setdefault(term, []).append((index, weight))
    best = [0.0] * n
    for query in queries:
        acc: dict[int, float] = {}
        for term, weight in vector(query).items():
            for index, doc_weight in postings.get(term, ()):
                acc[index] = acc.get(index, 0.0) + weight * doc_weight
        for index, value in acc.items():
            best[index] = max(best[index], value)
    order = sorted(range(n), key=lambda i: (-best[i], papers[i].arxiv_id))
    return [papers[i].arxiv_id for i in order]


def bm25_rank(papers: list[Paper], items: list[dict[str, Any]]) -> list[str]:
    """paperbrief's ranking (bm25s, day as corpus, each reading-list paper a query)."""
    return [r.paper.arxiv_id for r in rank_candidates(papers, profile_entries({}, items))]


def full_selection(papers: list[Paper], items: list[dict[str, Any]]) -> list[str]:
    """The whole stage: filters, ranking, cut at 30, reasons and enrichment."""
    options = SelectOptions(mode="interest", max_papers=30, categories=["cs.LG"], exclude=["token"])
    return [e.paper.arxiv_id for e in select_papers(papers, options, items).entries]


def measure(fn: Callable[[list[Paper], list[dict[str, Any]]], list[str]], *args: Any) -> tuple[float, float, list[str]]:
    """Wall time (s, untraced run) and peak traced memory (MiB, a second run under tracemalloc)."""
    start = time.perf_counter()
    result = fn(*args)
    elapsed = time.perf_counter() - start
    # tracemalloc slows allocation-heavy code many times over, so memory gets its own run.
    tracemalloc.start()
    fn(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 2**20, result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table with ratios against the baselines."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="400 candidates x 100 reading-list papers")
    args = parser.parse_args(argv)
    n_cand, n_read = (400, 100) if args.quick else (2000, 500)
    papers, items = corpus(n_cand, n_read)
    version = sys.version.split()[0]
    print(f"ranking {len(papers)} candidates against {len(items)} reading-list papers (python {version})")
    rows = {}
    for name, fn in (
        ("bm25 (paperbrief)", bm25_rank),
        ("select_papers (whole stage)", full_selection),
        ("baseline: tf-idf cosine", tfidf_cosine),
        ("baseline: naive substring", naive_substring),
    ):
        rows[name] = measure(fn, papers, items)
        seconds, mib, _ = rows[name]
        print(f"  {name:<30} {seconds:8.2f} s  peak {mib:8.1f} MiB")
    bm25_s, bm25_mib, bm25_order = rows["bm25 (paperbrief)"]
    for name in ("baseline: tf-idf cosine", "baseline: naive substring"):
        seconds, mib, order = rows[name]
        overlap = len(set(bm25_order[:30]) & set(order[:30]))
        print(
            f"  bm25 vs {name[10:]}: time x{bm25_s / seconds:.2f}, memory x{bm25_mib / mib:.2f}, "
            f"top-30 overlap {overlap}/30"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
