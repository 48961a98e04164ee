"""The extractive summaries of the reference day, pinned: speed work must not change a single keyword.

`tests/data/extractive/sample-day-2026-02-04.json` was written by `ExtractiveSummarizer()` as it was
before the issue 15 speed-up (main e9e671c); a faster scorer or sentence splitter has to reproduce it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from paperbrief.sources.sample import load_sample_day
from paperbrief.summarize.extractive import ExtractiveSummarizer

PINNED = Path(__file__).parent / "data" / "extractive" / "sample-day-2026-02-04.json"


def _pinned() -> dict[str, dict[str, Any]]:
    data = json.loads(PINNED.read_text(encoding="utf-8"))
    return {row["arxiv_id"]: row for row in data["summaries"]}


def test_reference_day_keywords_and_sentences_are_unchanged() -> None:
    _date, papers = load_sample_day()
    pinned = _pinned()
    assert sorted(pinned) == sorted(p.arxiv_id for p in papers)
    summaries = ExtractiveSummarizer().summarize(papers).summaries
    for paper, summary in zip(papers, summaries, strict=True):
        row = pinned[paper.arxiv_id]
        assert summary.keywords == row["keywords"], paper.arxiv_id
        for field in ("tldr", "motivation", "method", "conclusion"):
            assert getattr(summary, field) == row[field], (paper.arxiv_id, field)


def test_one_summarizer_gives_the_same_keywords_twice() -> None:
    # The scorer may cache per-word facts between papers; a second pass must not see different ones.
    _date, papers = load_sample_day()
    summarizer = ExtractiveSummarizer()
    first = [summarizer.summarize_one(p).keywords for p in papers]
    second = [summarizer.summarize_one(p).keywords for p in reversed(papers)]
    assert first == list(reversed(second))
    assert first == [_pinned()[p.arxiv_id]["keywords"] for p in papers]
