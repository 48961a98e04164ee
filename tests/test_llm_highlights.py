"""The day's highlights call (issue 5): numbered tldrs in, themes citing existing numbers out, cached."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from collections.abc import Iterator

import pytest

from fakes.llm_server import FakeLLM, Fault, serve_fake_llm
from fakes.llm_support import make_config, make_summarizer, reference_papers
from paperbrief.models import DigestEntry, Summary, SummaryStatus
from paperbrief.store import Store
from paperbrief.summarize.base import Summarizer
from paperbrief.summarize.extractive import ExtractiveSummarizer
from paperbrief.summarize.llm import HIGHLIGHTS_ARTIFACT_KIND, highlights_key, render_highlights
from paperbrief.summarize.llm.highlights import HighlightsWriter, highlights_claim_key
from paperbrief.summarize.llm.parse import AnswerError
from paperbrief.summarize.llm.prompt import HIGHLIGHTS_PROMPT_VERSION
from paperbrief.summarize.stage import highlight_entries


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with serve_fake_llm() as server:
        yield server


def _markdown(summarizer: Summarizer, entries: list[DigestEntry], store: Store | None = None) -> str | None:
    result = summarizer.highlights(entries, store)
    assert result is not None
    return result.markdown


def _entries(n: int = 5) -> list[DigestEntry]:
    entries = []
    for number, paper in enumerate(reference_papers(n), start=1):
        summary = Summary(arxiv_id=paper.arxiv_id, tldr=f"要点 {number}：{paper.title}", model="m", backend="llm")
        entries.append(DigestEntry(number=number, paper=paper, summary=summary))
    return entries


def test_highlights_cite_only_papers_of_the_day(fake: FakeLLM, store: Store) -> None:
    entries = _entries(5)
    text = _markdown(make_summarizer(fake), entries, store)
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


def test_highlights_need_the_llm_backend(fake: FakeLLM, store: Store) -> None:
    """Every `Summarizer` answers `highlights`; the extractive one has none (None, no call)."""
    assert ExtractiveSummarizer().highlights(_entries(3)) is None
    stage = highlight_entries(store, ExtractiveSummarizer(), _entries(3))
    assert stage.markdown is None and stage.notes == [] and stage.usage.calls == 0
    assert fake.count() == 0


def test_highlights_are_cached_in_artifacts(fake: FakeLLM, store: Store) -> None:
    entries = _entries(4)
    summarizer = make_summarizer(fake, store)
    first = _markdown(summarizer, entries)
    assert fake.count() == 1
    again = _markdown(make_summarizer(fake, store), entries)
    assert again == first and fake.count() == 1  # served from the cache
    key = highlights_key(summarizer.config, entries)
    assert store.get_artifact(HIGHLIGHTS_ARTIFACT_KIND, key)["markdown"] == first
    # Another selection (or another language) is another key.
    assert highlights_key(summarizer.config, entries[:3]) != key
    assert highlights_key(make_summarizer(fake, store, language="en").config, entries) != key


def test_highlights_failure_returns_none_and_is_logged(fake: FakeLLM, store: Store) -> None:
    fake.push(Fault.SERVER_ERROR, Fault.SERVER_ERROR)
    assert _markdown(make_summarizer(fake, store, retries=1), _entries(3)) is None
    rows = store.recent_llm_calls(5)
    assert [r["status"] for r in rows] == ["error", "error"]
    assert (
        store.get_artifact(HIGHLIGHTS_ARTIFACT_KIND, highlights_key(make_summarizer(fake).config, _entries(3))) is None
    )


def test_highlights_need_two_papers(fake: FakeLLM) -> None:
    assert _markdown(make_summarizer(fake), _entries(1)) is None
    assert fake.count() == 0


def test_render_highlights_rejects_answers_citing_nothing_valid() -> None:
    with pytest.raises(AnswerError):
        render_highlights('{"themes": [{"title": "x", "text": "see [7]", "papers": [7]}]}', {1, 2})
    with pytest.raises(AnswerError):
        render_highlights("no json here", {1})
    text = render_highlights('{"themes": [{"title": "T", "text": "Body.", "papers": [2]}]}', {1, 2}, "en")
    assert text == "- **T**: Body. [2]"


# --- review fixes: stale cache, failed papers, budget, citation forms ----------------------------


def _with_status(entries: list[DigestEntry], number: int, status: SummaryStatus) -> None:
    entry = entries[number - 1]
    assert entry.summary is not None
    entry.summary = entry.summary.model_copy(update={"status": status, "tldr": None, "error": "boom"})


def test_failed_and_skipped_papers_are_neither_sent_nor_citable(fake: FakeLLM, store: Store) -> None:
    entries = _entries(5)
    _with_status(entries, 2, SummaryStatus.FAILED)
    _with_status(entries, 4, SummaryStatus.SKIPPED_BUDGET)
    fake.highlights_answer = (
        '{"themes": [{"title": "A", "text": "Failed paper [2] and a good one [1].", "papers": [2, 4]},'
        ' {"title": "B", "text": "Only failed ones [2][4].", "papers": [4]}]}'
    )
    text = _markdown(make_summarizer(fake, store), entries)
    sent = fake.requests[0].user
    assert "[1] " in sent and "[3] " in sent and "[5] " in sent
    assert "[2] " not in sent and "[4] " not in sent
    assert text == "- **A**：Failed paper and a good one [1]."  # theme B cited only failed papers


def test_fewer_than_two_ok_summaries_make_no_call(fake: FakeLLM) -> None:
    entries = _entries(3)
    _with_status(entries, 1, SummaryStatus.FAILED)
    _with_status(entries, 3, SummaryStatus.SKIPPED_BUDGET)
    assert _markdown(make_summarizer(fake), entries) is None
    assert fake.count() == 0


def test_cache_key_follows_tldrs_and_statuses_and_refresh_bypasses_it(fake: FakeLLM, store: Store) -> None:
    entries = _entries(4)
    _markdown(make_summarizer(fake, store), entries)
    _markdown(make_summarizer(fake, store), entries)
    assert fake.count() == 1  # same day, same summaries: cached
    changed = _entries(4)
    assert changed[0].summary is not None
    changed[0].summary = changed[0].summary.model_copy(update={"tldr": "A rewritten tldr."})
    _markdown(make_summarizer(fake, store), changed)
    assert fake.count() == 2  # a new tldr is a new key
    assert "A rewritten tldr." in fake.requests[1].user
    failed = _entries(4)
    _with_status(failed, 3, SummaryStatus.FAILED)
    _markdown(make_summarizer(fake, store), failed)
    assert fake.count() == 3  # a paper that failed since is another key
    make_summarizer(fake, store).highlights(entries, refresh=True)
    assert fake.count() == 4  # --refresh asks again
    make_summarizer(fake).highlights(entries, store, refresh=True)  # the store given to the call
    assert fake.count() == 5


def test_highlights_are_skipped_once_the_run_budget_is_spent(
    fake: FakeLLM, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    summarizer = make_summarizer(fake, store, max_tokens=1)
    out = summarizer.summarize(reference_papers(1)).summaries
    assert out[0].status is SummaryStatus.OK and summarizer.usage.tokens > 1
    result = summarizer.highlights(_entries(3))
    assert result is not None and result.markdown is None
    assert fake.count() == 1  # the highlights call was never made
    assert result.notes == ["highlights skipped: LLM budget reached"]
    assert "highlights skipped: LLM budget reached" in caplog.text


def test_a_failed_highlights_call_says_why(fake: FakeLLM) -> None:
    fake.push(Fault.SERVER_ERROR, Fault.SERVER_ERROR)
    summarizer = make_summarizer(fake, retries=1)
    result = summarizer.highlights(_entries(3))
    assert result is not None and result.markdown is None and result.usage.calls == 2
    assert result.notes == ["highlights skipped: call failed: HTTP 500: internal error (after 2 attempts)"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Both [1,999].", "Both [1]."),
        ("None [999, 1000] here [2].", "None here [2]."),
        ("A range [1-999].", "A range [1]."),
        ("A real range [1–3].", "A real range [1][2][3]."),
        ("Full-width 【999】 and 【2】.", "Full-width and [2]."),
        ("Lists [2、3] and [1 and 2].", "Lists [2][3] and [1][2]."),
        ("Reversed [3-1] and [2, 2].", "Reversed [3][1] and [2]."),
        ("Not a citation [CLS] [2].", "Not a citation [CLS] [2]."),
    ],
)
def test_every_citation_form_is_checked_against_the_day(text: str, expected: str) -> None:
    answer = json.dumps({"themes": [{"title": "", "text": text, "papers": []}]})
    assert render_highlights(answer, {1, 2, 3}, "en") == f"- {expected}"


def test_citations_in_titles_are_checked_too() -> None:
    answer = json.dumps({"themes": [{"title": "Agents [7]", "text": "Body [1].", "papers": [1]}]})
    assert render_highlights(answer, {1, 2}, "en") == "- **Agents**: Body [1]."


def _held_by_another_run(store: Store, fake: FakeLLM, entries: list[DigestEntry]) -> tuple[int, str]:
    """A live run holding this day's highlights claim; returns (this run's id, the cache key)."""
    config = make_config(fake)
    key = highlights_key(config, entries)
    other, mine = (store.start_run(dt.date(2026, 2, 4), source="test", summarizer="llm") for _ in range(2))
    held = store.claim_summaries(
        other,
        [highlights_claim_key(key)],
        model=config.model,
        prompt_version=HIGHLIGHTS_PROMPT_VERSION,
        language=config.language,
    )
    assert held == [highlights_claim_key(key)]
    return mine, key


def test_highlights_another_live_run_is_writing_are_waited_for_and_reused(fake: FakeLLM, store: Store) -> None:
    # Two runs of one day at once (docs/scale.md): the second waits for the first one's highlights.
    entries = _entries(5)
    mine, key = _held_by_another_run(store, fake, entries)
    summarizer = make_summarizer(fake, store, mine)
    writer = HighlightsWriter(summarizer.config, summarizer.transport, mine, claim_poll_seconds=0.02)
    answer = "- **Written by the other run** [1][2]"
    timer = threading.Timer(0.3, lambda: store.put_artifact(HIGHLIGHTS_ARTIFACT_KIND, key, {"markdown": answer}))
    timer.start()
    try:
        result = asyncio.run(writer.write(entries, store, refresh=False))
    finally:
        timer.join()
    assert result.markdown == answer and result.notes == []
    assert fake.count() == 0  # not paid twice


def test_highlights_another_live_run_keeps_too_long_are_skipped_not_paid_twice(fake: FakeLLM, store: Store) -> None:
    entries = _entries(5)
    mine, _key = _held_by_another_run(store, fake, entries)
    summarizer = make_summarizer(fake, store, mine)
    writer = HighlightsWriter(
        summarizer.config, summarizer.transport, mine, claim_wait_seconds=0.2, claim_poll_seconds=0.02
    )
    result = asyncio.run(writer.write(entries, store, refresh=False))
    assert result.markdown is None
    assert result.notes == ["highlights skipped: another run of this day is still writing the same highlights"]
    assert fake.count() == 0
