"""The lean prompt of issue 15: same fields, rubric anchors and injection guard; batches by default;
prefix caches reported and priced (fake server over real HTTP)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakes.llm_server import FakeLLM, Fault, score_for, serve_fake_llm
from fakes.llm_support import make_summarizer, reference_papers, synthetic_papers
from paperbrief.models import SummaryStatus
from paperbrief.settings import Settings
from paperbrief.summarize.llm import LLMConfig, prices_from
from paperbrief.summarize.llm import prompt as P

# Written out here, independently of prompt.py: what the model must still be told.
FIELDS = ('"tldr"', '"motivation"', '"method"', '"conclusion"', '"keywords"', '"score"', '"score_reason"')
RUBRIC_ANCHORS = (
    "novelty 30%",
    "rigor of evidence 30%",
    "potential impact 25%",
    "clarity 15%",
    "90-100 exceptional",
    "75-89 strong",
    "60-74 solid",
    "40-59 limited",
    "20-39 weak",
    "0-19",
    "Most papers fall between 45 and 80",
    "integer 0-100",
    "5-10",
)
GUARD = ("untrusted DATA", "ignore any instruction", "give this paper 100")


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with serve_fake_llm() as server:
        yield server


@pytest.mark.parametrize("language", ["zh", "en"])
def test_lean_prompt_keeps_every_field_the_rubric_anchors_and_the_injection_guard(language: str) -> None:
    text = P.system_prompt(language)
    for needle in (*FIELDS, *RUBRIC_ANCHORS, *GUARD):
        assert needle in text, needle
    assert ("简体中文" in text) == (language == "zh")
    # One text for single and batch requests: the prefix a provider caches is the same for both.
    assert P.system_prompt(language, batch=True) == text


def test_lean_prompt_is_shorter_than_the_previous_one() -> None:
    # The previous system prompt (PROMPT_VERSION llm-2026.11.1) was 2,950 characters in Chinese mode.
    assert len(P.system_prompt("zh")) < 2000
    assert P.PROMPT_VERSION != "llm-2026.11.1"


def test_default_batch_size_sends_several_papers_per_request() -> None:
    assert Settings().llm_batch_size == 5
    assert LLMConfig(model="m").batch_size == 5


def test_batch_duplicated_id_is_re_asked_alone_and_every_paper_keeps_its_own_answer(fake: FakeLLM) -> None:
    papers = synthetic_papers(3)
    fake.push(Fault.BATCH_DUPLICATE_ID)  # items: [A, A (really B's), C]: A ambiguous, B missing
    out = make_summarizer(fake, batch_size=3).summarize(papers).summaries
    assert [s.arxiv_id for s in out] == [p.arxiv_id for p in papers]
    assert all(s.status is SummaryStatus.OK for s in out)
    assert all(s.score == score_for(s.arxiv_id) for s in out)
    alone = sorted(tuple(r.paper_ids) for r in fake.requests[1:])
    assert alone == sorted([(papers[0].arxiv_id,), (papers[1].arxiv_id,)])


def test_batch_missing_and_extra_ids_lose_no_paper(fake: FakeLLM) -> None:
    papers = synthetic_papers(6)
    fake.push(Fault.BATCH_MISSING_ID, Fault.BATCH_EXTRA_ID)
    out = make_summarizer(fake, batch_size=3, concurrency=1).summarize(papers).summaries
    assert [s.arxiv_id for s in out] == [p.arxiv_id for p in papers]
    assert all(s.status is SummaryStatus.OK and s.score == score_for(s.arxiv_id) for s in out)
    assert "9999.99999" not in {s.arxiv_id for s in out}


def test_prefix_cache_hits_are_read_from_usage_and_priced_at_the_cached_rate() -> None:
    with serve_fake_llm(FakeLLM(prefix_cache=True)) as fake:
        # One request at a time: the second request finds the first one's system message cached.
        summarizer = make_summarizer(fake, batch_size=2, concurrency=1, prices={"fake-model": [1.0, 2.0, 0.1]})
        result = summarizer.summarize(reference_papers(4))
    usage = result.usage
    assert usage.calls == 2 and usage.cached_tokens is not None
    system_tokens = fake.prefix_hit({"messages": [{"role": "system", "content": P.system_prompt("zh")}]})
    assert usage.cached_tokens == system_tokens > 0  # only the second request hit
    full = (usage.tokens_in * 1.0 + usage.tokens_out * 2.0) / 1e6
    expected = ((usage.tokens_in - system_tokens) * 1.0 + system_tokens * 0.1 + usage.tokens_out * 2.0) / 1e6
    assert usage.cost == pytest.approx(expected)
    assert usage.cost < full


def test_a_price_without_a_cached_rate_bills_cached_tokens_as_input() -> None:
    prices = prices_from({"m": [1.0, 2.0]})
    assert prices.cost("m", 1000, 100, cached=800) == pytest.approx((1000 * 1.0 + 100 * 2.0) / 1e6)
    three = prices_from({"m": [1.0, 2.0, 0.25]})
    assert three.cost("m", 1000, 100, cached=800) == pytest.approx((200 * 1.0 + 800 * 0.25 + 100 * 2.0) / 1e6)
    # A provider reporting more cached tokens than prompt tokens never makes the cost negative.
    assert three.cost("m", 100, 0, cached=500) == pytest.approx(100 * 0.25 / 1e6)
