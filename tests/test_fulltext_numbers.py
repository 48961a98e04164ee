"""Issue 16 × issue 13: full-text summaries get the number check against the text the model was given.

Through the real CLI (`run --fulltext K`) against the loopback fakes: the fake arXiv serves the
LaTeXML rendering of tests/data/fulltext/src/routing.tex, whose body (not its abstract) states
"31.4 perplexity" and "41% fewer FLOPs"; the fake LLM adds scripted sentences to `experiments`.
Also: the run's one budget holds across the full-text thread and the abstract summaries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes.fulltext_server import FakeArxivFullText
from fakes.llm_server import FakeLLM, NumbersScript, Received, serve_fake_llm
from test_fulltext_run import DAY, PAPERS, _routes, _run, _summaries

READ = "2601.00001"  # the routing paper: HTML with a body; its abstract states no number
INVENTED_EN = "Accuracy reaches 97.3% on the benchmark."
IN_BODY_ONLY = "Routing reaches 31.4 perplexity at 41% fewer FLOPs."


@pytest.fixture
def arxiv() -> Iterator[FakeArxivFullText]:
    with FakeArxivFullText(_routes()) as server:
        yield server


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with serve_fake_llm() as server:
        yield server


@pytest.fixture(autouse=True)
def _work_in_tmp_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


def _fulltext_requests(llm: FakeLLM) -> list[Received]:
    return [r for r in llm.requests if '"experiments"' in r.system]


def _reasks(requests: list[Received]) -> list[Received]:
    return [r for r in requests if any(m["role"] == "assistant" for m in r.body["messages"])]


def _markdown_line(tmp_path: Path, label: str) -> str:
    markdown = (tmp_path / "out" / f"{DAY}.md").read_text(encoding="utf-8")
    [line] = [ln for ln in markdown.splitlines() if ln.startswith(f"**{label}**")]
    return line


def test_invented_number_in_experiments_is_reasked_once_and_marked_as_not_in_the_papers_text(
    tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM
) -> None:
    llm.numbers_by_id = {READ: NumbersScript(INVENTED_EN, reask=INVENTED_EN, field="experiments")}
    data = _run(tmp_path, arxiv, llm, [READ], "--fulltext", "1")
    summary = _summaries(data)[READ]
    assert summary["text_source"] == "html" and summary["status"] == "ok"
    assert summary["unsupported_numbers"] == ["97.3%"]
    assert INVENTED_EN in summary["experiments"]  # kept as written, never deleted
    calls = _fulltext_requests(llm)
    assert len(calls) == 2 and len(_reasks(calls)) == 1  # the answer, then exactly one re-ask
    [reask] = _reasks(calls)
    last = reask.body["messages"][-1]["content"]
    assert "97.3%" in last and "论文全文" in last  # the re-ask names the number and the full text
    assert reask.format_type is None or "experiments" in str(reask.body["response_format"])

    line = _markdown_line(tmp_path, "实验与关键数字")
    assert "⚠ 论文正文中未见：97.3%" in line.replace("\\", "")
    markdown = (tmp_path / "out" / f"{DAY}.md").read_text(encoding="utf-8")
    assert "摘要中未见" not in markdown
    site = (tmp_path / "out" / "site" / f"{DAY}.html").read_text(encoding="utf-8")
    assert "论文正文中未见：97.3%" in site and "摘要中未见" not in site
    feed = (tmp_path / "out" / "site" / "feed.xml").read_text(encoding="utf-8")
    assert "论文正文中未见：97.3%" in feed and "摘要中未见" not in feed


def test_a_number_the_model_corrects_on_the_reask_is_not_marked(
    tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM
) -> None:
    llm.numbers_by_id = {READ: NumbersScript(INVENTED_EN, reask="", field="experiments")}
    data = _run(tmp_path, arxiv, llm, [READ], "--fulltext", "1")
    summary = _summaries(data)[READ]
    assert summary["unsupported_numbers"] == []
    assert "97.3" not in summary["experiments"]  # the corrected answer is the one kept
    assert len(_reasks(_fulltext_requests(llm))) == 1


def test_a_number_in_the_body_but_not_in_the_abstract_is_not_flagged(
    tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM
) -> None:
    assert "31.4" not in PAPERS[READ][1] and "41" not in PAPERS[READ][1]  # the abstract does not state them
    llm.numbers_by_id = {READ: NumbersScript(IN_BODY_ONLY, reask=IN_BODY_ONLY, field="experiments")}
    data = _run(tmp_path, arxiv, llm, [READ], "--fulltext", "1")
    summary = _summaries(data)[READ]
    assert summary["text_source"] == "html"
    assert IN_BODY_ONLY in summary["experiments"]
    assert summary["unsupported_numbers"] == []
    assert _reasks(llm.requests) == []  # no re-ask: the check costs no call when all is supported
    assert "⚠" not in (tmp_path / "out" / f"{DAY}.md").read_text(encoding="utf-8")


def test_english_full_text_mark_and_legend_name_the_papers_text(
    tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM
) -> None:
    other = "2601.00016"  # no HTML, no PDF: summarized from its abstract
    llm.numbers_by_id = {
        READ: NumbersScript(INVENTED_EN, reask=INVENTED_EN, field="experiments"),
        other: NumbersScript(INVENTED_EN, reask=INVENTED_EN),
    }
    data = _run(tmp_path, arxiv, llm, [READ, other], "--fulltext", "2", extra_env={"PAPERBRIEF_LANGUAGE": "en"})
    summaries = _summaries(data)
    assert summaries[READ]["text_source"] == "html" and summaries[other]["text_source"] == "abstract"
    assert summaries[READ]["unsupported_numbers"] == summaries[other]["unsupported_numbers"] == ["97.3%"]
    markdown = (tmp_path / "out" / f"{DAY}.md").read_text(encoding="utf-8").replace("\\", "")
    assert markdown.count("⚠ not in the paper's text: 97.3%") == 1  # the full-text paper's experiments line
    assert markdown.count("⚠ not in the abstract: 97.3%") == 1  # the other paper's conclusion line
    assert "or for papers read in full" in markdown  # one legend that covers both kinds of marks


def _budget_run(tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM, cap: int) -> dict[str, Any]:
    ids = ["2601.00001", "2601.00002", "2601.00003", "2601.00011", "2601.00020", "2601.00024", "2601.00023"]
    llm.latency = 0.2  # calls overlap: both threads and several requests of each are in flight together
    return _run(tmp_path, arxiv, llm, ids, "--fulltext", "3", "--max-tokens", str(cap))


@pytest.mark.parametrize("cap", [2500, 4000])
def test_a_tight_token_budget_with_fulltext_is_never_overshot(
    tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM, cap: int
) -> None:
    data = _budget_run(tmp_path, arxiv, llm, cap)
    spent = [r.tokens for r in llm.requests]  # counted at the fake, from its own usage figures
    assert all(spent)
    # No request is sent once the requests before it (answered or in flight) have used the cap:
    # whichever request went last, all the others together stayed under the cap.
    assert sum(spent) - max(spent) < cap
    statuses = [s["status"] for s in _summaries(data).values()]
    assert "skipped-budget" in statuses  # the cap binds
    assert data["stats"]["tokens_in"] + data["stats"]["tokens_out"] == sum(spent)


def test_full_text_marks_on_the_site_sit_in_the_experiments_field(
    tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM
) -> None:
    from lxml import html

    llm.numbers_by_id = {READ: NumbersScript(INVENTED_EN, reask=INVENTED_EN, field="experiments")}
    _run(tmp_path, arxiv, llm, [READ], "--fulltext", "1")
    page = html.fromstring((tmp_path / "out" / "site" / f"{DAY}.html").read_bytes())
    fields = page.xpath(f"//article[@id='{READ}']//details[contains(@class, 'ft-field')]")
    marked = [f for f in fields if f.xpath(".//*[contains(@class, 'num-warn')]")]
    assert len(marked) == 1 and "实验与关键数字" in marked[0].text_content()
    warn = marked[0].xpath(".//*[contains(@class, 'num-warn')]")
    assert any(re.search(r"论文正文中未见：97\.3%", w.text_content()) for w in warn)
    assert all("正文" in w.get("title", "") for w in warn)  # the explanation names the paper's text


def test_breaker_opened_in_one_thread_cancels_a_request_in_flight_in_the_other_threads_loop(llm: FakeLLM) -> None:
    """The full-text chain and the abstract summaries share one breaker from two threads and two loops."""
    import asyncio
    import threading

    from fakes.llm_support import make_config
    from paperbrief.summarize.llm.errors import CircuitBreaker

    config = make_config(llm)
    breaker = CircuitBreaker(timeouts_to_open=1)
    sending = threading.Event()
    outcome: list[str] = []

    async def in_flight() -> None:
        never = asyncio.Event()
        with breaker.sending():
            sending.set()
            try:
                await never.wait()  # a request to a silent endpoint
            except asyncio.CancelledError:
                outcome.append("aborted" if breaker.was_aborted() else "cancelled")
                return
        outcome.append("answered")

    other = threading.Thread(target=asyncio.run, args=(in_flight(),))
    other.start()
    assert sending.wait(10)
    breaker.record_timeout(config, connect=False)  # this thread's timeout opens the breaker
    other.join(10)  # a hang guard, not a timing assertion: the cancel must reach the other loop
    assert not other.is_alive()
    assert outcome == ["aborted"]
    assert breaker.error is not None and "does not answer" in str(breaker.error)
