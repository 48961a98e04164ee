"""The weekly report's pure parts: ISO weeks, term normalization, citation filtering."""

from __future__ import annotations

import datetime as dt

import pytest

from paperbrief.models import DigestEntry, Paper, Summary
from paperbrief.weekly import IsoWeek, entry_terms, keep_cited, normalize_term


@pytest.mark.parametrize(
    ("today", "week"),
    [
        (dt.date(2026, 2, 9), "2026-W06"),  # a Monday: the week that ended yesterday
        (dt.date(2026, 2, 8), "2026-W05"),  # a Sunday: its own week is not complete yet
        (dt.date(2026, 1, 4), "2025-W52"),
        (dt.date(2027, 1, 4), "2026-W53"),  # 2026 has 53 ISO weeks
    ],
)
def test_last_complete_week(today: dt.date, week: str) -> None:
    assert IsoWeek.last_complete(today).label == week


def test_week_days() -> None:
    week = IsoWeek.parse("2026-W08")
    assert (week.monday, week.sunday) == (dt.date(2026, 2, 16), dt.date(2026, 2, 22))
    assert week.weekdays()[-1] == dt.date(2026, 2, 20)
    assert week.shifted(-4).label == "2026-W04"


SPELLINGS = ["大语言模型", "LLM", "LLMs", "large language models", "Large Language Model", "大型语言模型"]


@pytest.mark.parametrize("text", SPELLINGS)
def test_llm_spellings_count_as_one_term(text: str) -> None:
    assert normalize_term(text) == "LLM"


def test_plural_folding_and_stop_words() -> None:
    assert normalize_term("Diffusion Models") == "diffusion model"
    assert normalize_term("graph neural networks") == "graph neural network"
    assert normalize_term("robustness analysis") == "robustness analysis"
    assert normalize_term("the") is None and normalize_term("  ") is None


def test_a_paper_counts_once_per_term() -> None:
    paper = Paper(
        arxiv_id="2602.00001",
        title="LLMs and Large Language Models: Agentic Retrieval",
        abstract="We study 大语言模型 and retrieval-augmented generation (RAG).",
    )
    summary = Summary(arxiv_id="2602.00001", keywords=["大语言模型", "LLM", "检索增强生成"])
    terms = entry_terms(DigestEntry(paper=paper, summary=summary))
    assert {"LLM", "RAG", "agent"} <= terms
    assert "large language model" not in terms and "language model" not in terms


def test_citations_outside_the_cluster_are_removed() -> None:
    text = "A [2602.00001] B [2602.00002, 2602.00001] C 2602.00003 D [9999.99999]. E [1] (hep-th/9901001v2)."
    kept = keep_cited(text, {"2602.00001", "hep-th/9901001"})
    assert kept == "A [2602.00001] B [2602.00001] C D. E [1] (hep-th/9901001v2)."
