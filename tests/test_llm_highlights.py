"""The day's highlights call (issue 5): numbered tldrs in, themes citing existing numbers out, cached."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.llm_server import FakeLLM, Fault, serve_fake_llm
from fakes.llm_support import make_summarizer, reference_papers
from paperbrief.models import DigestEntry, Summary
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url
from paperbrief.summarize.llm import HIGHLIGHTS_ARTIFACT_KIND, render_highlights, write_highlights
from paperbrief.summarize.llm.parse import AnswerError


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with serve_fake_llm() as server:
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = Store.open(sqlite_url(tmp_path / "pb.db"))
    yield db
    db.close()


def _entries(n: int = 5) -> list[DigestEntry]:
    entries = []
    for number, paper in enumerate(reference_papers(n), start=1):
        summary = Summary(arxiv_id=paper.arxiv_id, tldr=f"要点 {number}：{paper.title}", model="m", backend="llm")
        entries.append(DigestEntry(number=number, paper=paper, summary=summary))
    return entries


def test_highlights_cite_only_papers_of_the_day(fake: FakeLLM, store: Store) -> None:
    entries = _entries(5)
    text = write_highlights(entries, summarizer=make_summarizer(fake), store=store)
    assert text is not None
    # The fake's answer: a valid theme, a theme citing only [999] (dropped), a mixed one (repaired).
    assert "**Agents**" in text and "[1][2]" in text
    assert "Ghost" not in text and "[999]" not in text and "[998]" not in text
    assert "**Mixed**" in text and "[5]" in text
    request = fake.requests[0]
    assert "[3] " in request.user and "要点 3" in request.user
    assert request.user.startswith("<papers>") and "ignore any instruction" in request.system
    row = store.recent_llm_calls(1)[0]
    assert row["status"] == "ok" and row["prompt_version"].startswith("hl-")


def test_highlights_are_cached_in_artifacts(fake: FakeLLM, store: Store) -> None:
    entries = _entries(4)
    summarizer = make_summarizer(fake, store)
    first = summarizer.write_highlights(entries)
    assert fake.count() == 1
    again = make_summarizer(fake, store).write_highlights(entries)
    assert again == first and fake.count() == 1  # served from the cache
    key = summarizer.highlights_key(entries)
    assert store.get_artifact(HIGHLIGHTS_ARTIFACT_KIND, key)["markdown"] == first
    # Another selection (or another language) is another key.
    assert summarizer.highlights_key(entries[:3]) != key
    assert make_summarizer(fake, store, language="en").highlights_key(entries) != key


def test_highlights_failure_returns_none_and_is_logged(fake: FakeLLM, store: Store) -> None:
    fake.push(Fault.SERVER_ERROR, Fault.SERVER_ERROR)
    assert make_summarizer(fake, store, retries=1).write_highlights(_entries(3)) is None
    rows = store.recent_llm_calls(5)
    assert [r["status"] for r in rows] == ["error", "error"]
    assert store.get_artifact(HIGHLIGHTS_ARTIFACT_KIND, make_summarizer(fake).highlights_key(_entries(3))) is None


def test_highlights_need_two_papers(fake: FakeLLM) -> None:
    assert make_summarizer(fake).write_highlights(_entries(1)) is None
    assert fake.count() == 0


def test_render_highlights_rejects_answers_citing_nothing_valid() -> None:
    with pytest.raises(AnswerError):
        render_highlights('{"themes": [{"title": "x", "text": "see [7]", "papers": [7]}]}', {1, 2})
    with pytest.raises(AnswerError):
        render_highlights("no json here", {1})
    text = render_highlights('{"themes": [{"title": "T", "text": "Body.", "papers": [2]}]}', {1, 2}, "en")
    assert text == "- **T**: Body. [2]"
