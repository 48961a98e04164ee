"""The day is streamed (issue 15): summaries start on the feed's papers while the API enrichment waits
for its throttle slot; the digest is the one an unstreamed run makes (fake arXiv + fake LLM, real HTTP)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fakes.arxiv_server import FakeArxiv
from fakes.llm_server import FakeLLM, serve_fake_llm
from fakes.llm_support import FAKE_KEY
from paperbrief.cli import main

CATS = ["cs.AI", "cs.CL", "cs.CV", "cs.LG"]


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        yield server


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with serve_fake_llm() as server:
        yield server


def _run(tmp_path: Path, arxiv: FakeArxiv, llm: FakeLLM, *args: str) -> Result:
    env = {
        "PAPERBRIEF_ARXIV_RSS_URL": arxiv.rss_url,
        "PAPERBRIEF_ARXIV_API_URL": arxiv.api_url,
        "PAPERBRIEF_ARXIV_DELAY_SECONDS": "0.01",
        "PAPERBRIEF_ARXIV_TIMEOUT_SECONDS": "60",
        "PAPERBRIEF_ARXIV_RETRIES": "1",
        "PAPERBRIEF_ARXIV_CATEGORIES": ",".join(CATS),
        "PAPERBRIEF_LLM_BASE_URL": llm.base_url,
        "PAPERBRIEF_LLM_API_KEY": FAKE_KEY,
        "PAPERBRIEF_LLM_MODEL": "fake-model",
        "PAPERBRIEF_SUMMARIZER": "llm",
    }
    argv = ["--home", str(tmp_path / "home"), "run", "--no-deliver", "--no-site", "--out", str(tmp_path / "out")]
    return CliRunner().invoke(main, [*argv, *args], env=env, catch_exceptions=False)


def _hold_api_until_summarized(arxiv: FakeArxiv, llm: FakeLLM, papers: int) -> dict[str, bool]:
    """Hold the API look-up until the fake LLM has been asked for `papers` summaries (or 20 s passed)."""
    gate = threading.Event()
    arxiv.api_gate = gate
    seen = {"summaries_first": False}

    def watch() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if sum(len(r.paper_ids) for r in list(llm.requests)) >= papers:
                seen["summaries_first"] = True
                break
            time.sleep(0.01)
        gate.set()

    threading.Thread(target=watch, daemon=True).start()
    return seen


def test_summaries_are_made_while_the_enrichment_waits_and_the_digest_has_the_enriched_papers(
    tmp_path: Path, arxiv: FakeArxiv, llm: FakeLLM
) -> None:
    seen = _hold_api_until_summarized(arxiv, llm, 30)
    result = _run(tmp_path, arxiv, llm)
    assert result.exit_code == 0, result.output
    assert seen["summaries_first"]  # all 30 papers were asked for while the API was held
    summary_calls = [r for r in llm.requests if r.paper_ids]
    sent = [pid for r in summary_calls for pid in r.paper_ids]
    assert len(sent) == len(set(sent)) == 30  # once each: the run proper found them in the cache
    assert len(summary_calls) == 6  # the default batch size, 5 papers a request
    assert len([r for r in llm.requests if not r.paper_ids]) == 1  # one highlights call
    data = json.loads((tmp_path / "out" / "2026-02-05.json").read_text(encoding="utf-8"))
    assert len(data["entries"]) == 30
    assert all(e["summary"]["status"] == "ok" for e in data["entries"])
    assert data["stats"]["fetched_total"] == 30 and data["stats"]["tokens_in"] > 0
    # The enrichment's data reached the digest: submission times come from the API (the feed has none).
    assert all(e["paper"].get("published") for e in data["entries"])


def test_a_streamed_run_writes_the_report_an_unstreamed_run_writes(
    tmp_path: Path, arxiv: FakeArxiv, llm: FakeLLM
) -> None:
    assert _run(tmp_path, arxiv, llm).exit_code == 0
    first = (tmp_path / "out" / "2026-02-05.md").read_bytes()
    calls = llm.count()
    # --refresh is not streamed: it asks again after the enrichment and writes the same report.
    assert _run(tmp_path, arxiv, llm, "--refresh").exit_code == 0
    refreshed = [r for r in llm.requests[calls:] if r.paper_ids]
    assert refreshed and all(r.at > arxiv.requests("/api")[-1].start for r in refreshed)
    assert (tmp_path / "out" / "2026-02-05.md").read_bytes() == first
