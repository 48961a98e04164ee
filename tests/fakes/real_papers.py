"""Every real paper the repository holds, for benchmarks and tests that need varied real text.

The recorded 2024-11-28 RSS announcement, the recorded OAI-PMH arXivRaw pages and the 30
reference papers of 2026-02-04 (tests/data): 1,550 papers with abstracts, oldest id first.
Used by bench/bench_ranking.py, bench/bench_extractive.py and tests/test_extractive_real.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from paperbrief.models import Paper
from paperbrief.select.rank import id_sort_key
from paperbrief.sources.arxiv.parse import parse_announcement, parse_oai

DATA = Path(__file__).resolve().parent.parent / "data"


def load_real_papers() -> list[Paper]:
    """Every real paper of tests/data (recorded feed, OAI records, reference day), oldest id first."""
    rss = parse_announcement((DATA / "fixtures" / "rss" / "rss-2024-11-28-many-archives.xml").read_bytes())
    papers: dict[str, Paper] = {p.arxiv_id: p for p in rss.papers if p.abstract}
    for name in ("ListRecords_arXivRaw_page1.xml", "ListRecords_arXivRaw_page2.xml"):
        for record in parse_oai((DATA / "fixtures" / "oai" / name).read_bytes()).records:
            if record.paper is not None and record.paper.abstract:
                papers.setdefault(record.paper.arxiv_id, record.paper)
    for row in json.loads((DATA / "reference" / "sample-2026-02-04.json").read_text(encoding="utf-8")):
        paper = Paper(
            arxiv_id=row["id"],
            version=row.get("version", 1),
            title=row["title"],
            authors=row["authors"],
            abstract=row["abstract"],
            categories=row["categories"],
        )
        papers.setdefault(paper.arxiv_id, paper)
    return sorted(papers.values(), key=lambda p: id_sort_key(p.arxiv_id))
