"""Shared builders for the LLM engine tests (papers, summarizer against the fake server)."""

from __future__ import annotations

from typing import Any

from fakes.llm_server import FakeLLM
from fakes.reference import reference_paper, reference_rows
from paperbrief.models import Paper
from paperbrief.store import Store
from paperbrief.summarize.llm import LLMConfig, LLMSummarizer, prices_from

FAKE_KEY = "sk-PBTEST-do-not-leak-0123456789abcdef"


def reference_papers(n: int | None = None) -> list[Paper]:
    """The reference day's real papers (title, abstract, categories)."""
    papers = [reference_paper(row) for row in reference_rows()]
    return papers if n is None else papers[:n]


def synthetic_papers(n: int) -> list[Paper]:
    """n distinct short papers with valid ids."""
    return [
        Paper(
            arxiv_id=f"2602.{10000 + i:05d}",
            title=f"Scalable method number {i} for efficient agents",
            abstract=f"We propose method {i}. It improves accuracy on three benchmarks by {i % 7 + 1} points.",
            categories=["cs.LG"],
        )
        for i in range(n)
    ]


def make_config(fake: FakeLLM, **overrides: Any) -> LLMConfig:
    """An `LLMConfig` pointed at the fake server with fast retry waits (`prices` may be a plain dict)."""
    options: dict[str, Any] = {
        "model": "fake-model",
        "base_url": fake.base_url,
        "api_key": FAKE_KEY,
        "timeout": 5.0,
        "retries": 3,
        "retry_wait_base": 0.01,
        "retry_wait_max": 0.05,
        # The engine tests pin per-paper behaviour (one request a paper); batch tests pass batch_size.
        "batch_size": 1,
    }
    options.update(overrides)
    if isinstance(options.get("prices"), dict):
        options["prices"] = prices_from(options["prices"])
    return LLMConfig(**options)


def make_summarizer(
    fake: FakeLLM, store: Store | None = None, run_id: int | None = None, **overrides: Any
) -> LLMSummarizer:
    """A summarizer pointed at the fake server with fast retry waits."""
    return LLMSummarizer(make_config(fake, **overrides), store=store, run_id=run_id)


def dump_store(store: Store) -> str:
    """Every row of every table as text (for secret-leak checks)."""
    import sqlalchemy as sa

    from paperbrief.store.db import metadata

    out = []
    with store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                out.append(repr(tuple(row)))
    return "\n".join(out)
