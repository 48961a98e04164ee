"""Regression tests for provider quirks, each named after the quirk, plus the engine's small parts."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from fakes.llm_server import FakeLLM, Fault, score_for, serve_fake_llm
from fakes.llm_support import make_summarizer, synthetic_papers
from paperbrief.models import SummaryStatus
from paperbrief.redact import mask_text as redact
from paperbrief.summarize.llm import prompt as P
from paperbrief.summarize.llm.limits import RateLimiter, public_url
from paperbrief.summarize.llm.parse import AnswerError, parse_batch, parse_summary


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with serve_fake_llm() as server:
        yield server


def test_deepseek_r1_think_block_before_json(fake: FakeLLM) -> None:
    """Reasoning models served by Ollama/vLLM put `<think>…</think>` in `content` before the answer.

    https://github.com/deepseek-ai/DeepSeek-R1/issues/23
    """
    fake.push(Fault.THINK)
    [summary] = make_summarizer(fake).summarize(synthetic_papers(1)).summaries
    assert summary.status is SummaryStatus.OK and fake.count() == 1


def test_ollama_needs_no_api_key(fake: FakeLLM) -> None:
    """Ollama's OpenAI-compatible API ignores the key (https://github.com/ollama/ollama/blob/main/docs/openai.md)."""
    [summary] = make_summarizer(fake, api_key=None).summarize(synthetic_papers(1)).summaries
    assert summary.status is SummaryStatus.OK
    assert fake.requests[0].authorization == "Bearer not-needed"


def test_usage_missing_from_response(fake: FakeLLM) -> None:
    """Some compatible servers omit `usage` (https://github.com/ggml-org/llama.cpp/issues/7917 style gaps):
    tokens are then 0, never guessed, and the answer still counts."""
    fake.push(Fault.NO_USAGE)
    [summary] = make_summarizer(fake, prices={"fake-model": (1.0, 1.0)}).summarize(synthetic_papers(1)).summaries
    assert summary.status is SummaryStatus.OK
    assert summary.tokens_in == 0 and summary.tokens_out == 0 and summary.cost == 0.0


def test_openai_retry_after_ms_header(fake: FakeLLM) -> None:
    """OpenAI sends `retry-after-ms` (read by openai-python's `_parse_retry_after_header`,
    https://github.com/openai/openai-python/blob/main/src/openai/_base_client.py)."""
    fake.retry_after = "0"
    fake.retry_after_ms = "1000"  # wins over Retry-After, as in openai-python
    fake.push(Fault.RATE_LIMIT)
    [summary] = make_summarizer(fake).summarize(synthetic_papers(1)).summaries
    assert summary.status is SummaryStatus.OK and fake.count() == 2
    # Lower bound only (as in test_429_honours_retry_after): the retry waited for retry-after-ms.
    assert fake.requests[1].at - fake.requests[0].at >= 0.95


def test_single_answer_wrapped_in_papers_array() -> None:
    """Models primed by batch examples sometimes wrap a single answer as {"papers": [ … ]}."""
    fields = '"tldr":"t","motivation":"m","method":"x","conclusion":"c","keywords":["a","b","c","d","e"]'
    answer = parse_summary('{"papers": [{' + fields + ',"score":55,"score_reason":"r"}]}')
    assert answer.score == 55


# --- parsing details ----------------------------------------------------------------------------

_GOOD = (
    '{"tldr":"t","motivation":"m","method":"x","conclusion":"c",'
    '"keywords":["a","B","b"," c ","d","e","f","g","h","i","j","k"],"score":"42","score_reason":"r"}'
)


def test_keywords_are_deduplicated_and_capped() -> None:
    answer = parse_summary(_GOOD)
    assert answer.keywords == ["a", "B", "c", "d", "e", "f", "g", "h", "i", "j"]
    assert answer.score == 42  # a numeric string is an integer, not an invention


def test_too_few_keywords_and_fractional_scores_are_errors() -> None:
    few = _GOOD.replace('["a","B","b"," c ","d","e","f","g","h","i","j","k"]', '["a","a","b"]')
    with pytest.raises(AnswerError, match="keywords"):
        parse_summary(few)
    with pytest.raises(AnswerError, match="score"):
        parse_summary(_GOOD.replace('"42"', "42.5"))
    with pytest.raises(AnswerError, match="score"):
        parse_summary(_GOOD.replace('"42"', "true"))


def test_latex_escape_repair_keeps_real_newlines() -> None:
    text = _GOOD.replace('"x"', r'"first\nsecond with $\frac{a}{b}$ and \textbf{bold} and \alpha"')
    answer = parse_summary(text)
    assert answer.method == "first\nsecond with $\\frac{a}{b}$ and \\textbf{bold} and \\alpha"


def test_batch_parse_reports_missing_invalid_and_ignores_extra() -> None:
    item = '"tldr":"t","motivation":"m","method":"x","conclusion":"c","keywords":["a","b","c","d","e"]'
    text = (
        '{"papers": [{"id": "1", ' + item + ',"score": 50, "score_reason": "r"},'
        ' {"id": "2", ' + item + ',"score": 500, "score_reason": "r"},'
        ' {"id": "77", ' + item + ',"score": 50, "score_reason": "r"}]}'
    )
    good, problems = parse_batch(text, ["1", "2", "3"])
    assert set(good) == {"1"}
    assert "score" in problems["2"] and "missing" in problems["3"] and "77" not in problems


def test_delimiter_escaping() -> None:
    assert P.escape_data("a </paper> b <PAPER id='x'> <papers>") == "a &lt;/paper> b &lt;PAPER id='x'> &lt;papers>"
    assert P.escape_data("x < y and <b>") == "x < y and <b>"


# --- limits and redaction ---------------------------------------------------------------------


async def test_rate_limiter_spaces_requests() -> None:
    now = [0.0]
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(60, clock=lambda: now[0], sleep=fake_sleep)  # one a second
    for _ in range(4):
        await limiter.acquire()
    assert waits == pytest.approx([1.0, 1.0, 1.0])
    tokens = RateLimiter(6000, clock=lambda: now[0], sleep=fake_sleep)  # 100 tokens a second
    waits.clear()
    await tokens.acquire(100)
    await tokens.acquire(50)
    assert waits == pytest.approx([0.5])
    tokens.adjust(100)  # the real usage was 100 more than estimated: that debt is waited off
    await tokens.acquire(10)
    assert sum(waits) == pytest.approx(0.5 + 1.1)


def test_rate_limiter_rejects_nonpositive_rates() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)


def test_redact_hides_keys_and_credentials() -> None:
    key = "sk-live-ABCDEFGHIJKLMNOP"
    text = f"Bearer {key} at https://user:pw@host/v1?api_key=zzz and Authorization: Basic abc"
    out = redact(text, key)
    assert key not in out and "pw@" not in out and "zzz" not in out and "Basic abc" not in out
    assert redact("Incorrect API key provided: sk-abcdefgh****wxyz", None).count("sk-abcdefgh") == 0
    assert public_url("https://u:p@api.example.com/v1/?key=1") == "https://api.example.com/v1"


def test_concurrency_bounds_requests_in_flight() -> None:
    with serve_fake_llm(FakeLLM(latency=0.1)) as fake:
        out = make_summarizer(fake, concurrency=3).summarize(synthetic_papers(12)).summaries
        assert all(s.score == score_for(s.arxiv_id) for s in out)
        assert fake.max_in_flight == 3  # saturated, never exceeded


def test_code_fence_inside_a_json_string_value_is_content_not_a_fence(fake: FakeLLM) -> None:
    """Models put Markdown code blocks inside string values; only a fence wrapping the whole answer
    is a fence (https://spec.commonmark.org/0.31.2/#fenced-code-blocks). Issue 11: one ``` in a
    string made a valid answer "not JSON"."""
    inner = "A ```python\nx = 1\n``` block"
    body = '{"tldr": "t", "motivation": "m", "method": ' + json.dumps(inner) + ', "conclusion": "c", '
    body += '"keywords": ["a", "b", "c", "d", "e"], "score": 50, "score_reason": "r"}'
    assert parse_summary(body).method == inner
    assert parse_summary(f"```json\n{body}\n```").method == inner
    assert parse_summary(f"Here it is:\n```json\n{body}\n```\nDone.").method == inner
    assert parse_summary(f"```json\n{body}").method == inner  # closing fence cut off (max_tokens)
    fake.push(Fault.FENCE_IN_STRING)
    [summary] = make_summarizer(fake).summarize(synthetic_papers(1)).summaries
    assert summary.status is SummaryStatus.OK and "```python" in (summary.method or "") and fake.count() == 1


def test_a_200_kb_abstract_is_cut_to_the_prompt_cap_and_said(fake: FakeLLM) -> None:
    """Issue 11: a 200 KB abstract became a 50,735-token prompt. The paper's text is capped at
    `max_input_tokens` (estimated: 4 ASCII characters or 1 other character a token) and a note says so."""
    papers = synthetic_papers(2)
    papers[0].abstract = "We study long inputs. " * 9_000 + "结论。" * 2_000  # ≈ 204 KB
    result = make_summarizer(fake, max_input_tokens=1000).summarize(papers)
    assert [s.status for s in result.summaries] == [SummaryStatus.OK, SummaryStatus.OK]
    sent = {r.paper_ids[0]: r for r in fake.requests}
    block = sent[papers[0].arxiv_id].user
    assert len(block) < 1000 * 4 + 400 and "[…]" in block  # ≤ 1,000 ASCII-estimated tokens plus the labels
    assert "[…]" not in sent[papers[1].arxiv_id].user  # a normal paper is sent whole
    cut = "1 paper(s) too long for the LLM were cut to about 1000 tokens (llm max_input_tokens)"
    assert result.notes == [f"{cut}: {papers[0].versioned_id}"]


def test_openai_cached_prompt_tokens_are_reported_in_the_usage(fake: FakeLLM) -> None:
    """OpenAI reports cache hits as `usage.prompt_tokens_details.cached_tokens`
    (https://platform.openai.com/docs/guides/prompt-caching); None when a provider never reports them."""
    assert make_summarizer(fake).summarize(synthetic_papers(1)).usage.cached_tokens is None
    fake.cached_tokens = 640
    result = make_summarizer(fake).summarize(synthetic_papers(3))
    assert result.usage.cached_tokens == 3 * 640 and result.usage.calls == 3
