"""Bulk mode against a loopback fake of the Files and Batch API (tests/fakes/batch_server.py).

The fake answers with `fakes.llm_server.answer_for` (the same oracle as the live fake), so the
expected scores are the fake's, not the code's. Store-backed: runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from fakes.batch_server import FakeBatchAPI, LineFault, serve_fake_batch_api
from fakes.llm_server import score_for, serve_fake_llm
from fakes.llm_support import FAKE_KEY, dump_store, make_summarizer, synthetic_papers
from paperbrief.models import Paper, Summary, SummaryStatus
from paperbrief.store import Store
from paperbrief.store.batches import BatchState, ItemState
from paperbrief.summarize.llm import PROMPT_VERSION, LLMConfig, prices_from
from paperbrief.summarize.llm.bulk import (
    BudgetRefused,
    BulkError,
    BulkOptions,
    BulkOutcome,
    BulkRunner,
    BulkStatus,
    NoBatchAPIError,
    papers_in_range,
)

DAY = dt.date(2026, 2, 4)
FAST = BulkOptions(poll_first=0.001, poll_max=0.002)


@pytest.fixture
def fake() -> Iterator[FakeBatchAPI]:
    with serve_fake_batch_api(FakeBatchAPI(required_key=FAKE_KEY, polls_before_done=2)) as server:
        yield server


def _config(fake: FakeBatchAPI, **overrides: Any) -> LLMConfig:
    options: dict[str, Any] = {
        "model": "fake-model",
        "base_url": fake.base_url,
        "api_key": FAKE_KEY,
        "timeout": 5.0,
        "retries": 2,
        "retry_wait_base": 0.001,
        "retry_wait_max": 0.002,
    }
    options.update(overrides)
    return LLMConfig(**options)


def _runner(fake: FakeBatchAPI, store: Store, options: BulkOptions = FAST, **overrides: Any) -> BulkRunner:
    return BulkRunner(_config(fake, **overrides), store, options, sleep=lambda _s: None)


def _day(store: Store, n: int) -> list[Paper]:
    papers = synthetic_papers(n)
    store.record_announcement(DAY, papers)
    return papers_in_range(store, DAY, DAY)


def _summaries(store: Store, papers: list[Paper]) -> dict[tuple[str, int], Summary]:
    keys = [(p.arxiv_id, p.version) for p in papers]
    return store.get_summaries(
        keys, model="fake-model", prompt_version=PROMPT_VERSION, language="zh", include_failed=True
    )


def test_a_batch_that_completes_stores_every_answer_validated_and_logged(fake: FakeBatchAPI, store: Store) -> None:
    papers = _day(store, 4)
    statuses: list[BulkStatus] = []
    runner = BulkRunner(_config(fake), store, FAST, status=statuses.append, sleep=lambda _s: None)
    report = runner.run(papers, DAY, DAY)
    assert report.outcome is BulkOutcome.DONE and report.ok == 4 and not report.failed and not report.unanswered
    stored = _summaries(store, papers)
    assert {k: (s.status, s.score, s.backend) for k, s in stored.items()} == {
        (p.arxiv_id, 1): (SummaryStatus.OK, score_for(p.arxiv_id), "llm") for p in papers
    }
    # The request lines: one per paper, custom_id = versioned id + cache key, the chat endpoint.
    [input_id] = [b["input_file_id"] for b in fake.batches.values()]
    lines = fake.input_lines(input_id)
    assert sorted(line["custom_id"] for line in lines) == sorted(
        f"{p.arxiv_id}v1|zh|{PROMPT_VERSION}|fake-model" for p in papers
    )
    assert {(line["method"], line["url"]) for line in lines} == {("POST", "/v1/chat/completions")}
    assert fake.batches["batch_0001"]["metadata"] == {"paperbrief_batch": "1"}
    # Every line in the LLM log with the usage the fake reported.
    calls = store.recent_llm_calls(10)
    assert len(calls) == 4 and {c.status for c in calls} == {"ok"}
    assert sum(c.tokens_in for c in calls) == report.tokens_in > 0
    # The status line went through in_progress to completed.
    assert [s.provider_status for s in statuses][-1] == "completed"
    assert "in_progress" in {s.provider_status for s in statuses}
    [row] = store.list_batches()
    assert (row.state, row.provider_status, row.batch_id) == (BatchState.DONE, "completed", "batch_0001")
    # The search index is refreshed in the same transaction as each answer (docs/search.md).
    first = stored[(papers[0].arxiv_id, 1)]
    assert first.tldr
    found = store.search_papers(first.tldr)
    assert papers[0].arxiv_id in [hit.paper.arxiv_id for hit in found]


def test_the_requests_are_those_of_a_live_call(fake: FakeBatchAPI, store: Store) -> None:
    """Same messages byte for byte as the live summarizer sends: same judgement, same cache key."""
    papers = _day(store, 1)
    _runner(fake, store).run(papers)
    [line] = fake.input_lines("file-0001")
    with serve_fake_llm() as live:
        make_summarizer(live).summarize(papers)
        assert line["body"]["messages"] == live.requests[0].body["messages"]


def test_only_cache_misses_are_sent(fake: FakeBatchAPI, store: Store) -> None:
    papers = _day(store, 3)
    cached = papers[0]
    store.put_summary(
        Summary(
            arxiv_id=cached.arxiv_id,
            tldr="t",
            keywords=["a"],
            score=50,
            backend="llm",
            model="fake-model",
            prompt_version=PROMPT_VERSION,
            language="zh",
        )
    )
    report = _runner(fake, store).run(papers)
    assert report.ok == 2
    sent = {line["custom_id"].split("|")[0] for line in fake.input_lines("file-0001")}
    assert sent == {f"{p.arxiv_id}v1" for p in papers[1:]}
    assert _runner(fake, store).run(papers).outcome is BulkOutcome.NOTHING_TO_DO
    assert fake.uploads == 1


def test_a_batch_that_expires_keeps_its_answers_and_leaves_the_rest_for_a_rerun(
    fake: FakeBatchAPI, store: Store
) -> None:
    """OpenAI: requests not run in the 24 h window are error-file lines `batch_expired`
    (https://platform.openai.com/docs/guides/batch#batch-expiration): unanswered, not failed."""
    papers = _day(store, 5)
    fake.answer_limit = 2
    report = _runner(fake, store).run(papers)
    assert report.outcome is BulkOutcome.DONE
    assert report.ok == 2 and len(report.unanswered) == 3 and not report.failed
    stored = _summaries(store, papers)
    assert len(stored) == 2 and all(s.status is SummaryStatus.OK for s in stored.values())
    calls = store.recent_llm_calls(10)
    assert sorted(c.status for c in calls) == ["cancelled"] * 3 + ["ok"] * 2
    assert {c.model for c in calls} == {"fake-model"}
    items = store.batch_items(1)
    assert sorted(items.values()) == sorted([ItemState.OK] * 2 + [ItemState.UNANSWERED] * 3)
    # The rerun sends exactly the three unanswered papers, in a new batch.
    fake.answer_limit = None
    again = _runner(fake, store).run(papers)
    assert again.ok == 3 and fake.uploads == 2
    sent = sorted(line["custom_id"].split("|")[0] for line in fake.input_lines("file-0004"))
    assert sent == sorted(report.unanswered)
    assert len(_summaries(store, papers)) == 5


def test_failed_lines_fail_their_paper_with_the_reason_and_never_a_value(fake: FakeBatchAPI, store: Store) -> None:
    """Error-file lines carry the request's own HTTP status and body
    (https://platform.openai.com/docs/guides/batch#5-retrieve-the-results); invalid 200 answers fail like live ones."""
    papers = _day(store, 4)
    a, b, c, d = (p.arxiv_id for p in papers)
    fake.faults = {a: LineFault.HTTP_400, b: LineFault.SCORE_1000, c: LineFault.NON_JSON}
    report = _runner(fake, store).run(papers)
    assert report.ok == 1 and len(report.failed) == 3
    stored = {k[0]: s for k, s in _summaries(store, papers).items()}
    assert stored[d].status is SummaryStatus.OK and stored[d].score == score_for(d)
    for pid in (a, b, c):
        assert stored[pid].status is SummaryStatus.FAILED
        assert stored[pid].score is None and stored[pid].tldr is None
        assert "redo it live" in (stored[pid].error or "")
    assert "HTTP 400" in (stored[a].error or "") and "content filter" in (stored[a].error or "")
    assert "score" in (stored[b].error or "") and "not re-asked" in (stored[b].error or "")
    assert "not JSON" in (stored[c].error or "")
    statuses = sorted(call.status for call in store.recent_llm_calls(10))
    assert statuses == ["error", "invalid", "invalid", "ok"]


def test_a_cut_off_download_is_retried(fake: FakeBatchAPI, store: Store) -> None:
    papers = _day(store, 4)
    fake.cut_downloads = 1
    report = _runner(fake, store).run(papers)
    assert report.ok == 4 and fake.downloads == 2
    assert len(store.recent_llm_calls(20)) == 4  # the lines read before the cut were not logged twice


def test_a_cut_off_download_without_content_length_is_caught_by_its_partial_last_line(
    fake: FakeBatchAPI, store: Store
) -> None:
    papers = _day(store, 4)
    fake.cut_downloads = 1
    fake.cut_without_length = True
    fake.cut_shift = 7  # inside the third line
    report = _runner(fake, store).run(papers)
    assert report.ok == 4 and fake.downloads == 2 and len(store.recent_llm_calls(20)) == 4


def test_a_download_cut_at_a_line_end_is_caught_by_the_missing_lines(fake: FakeBatchAPI, store: Store) -> None:
    """Without Content-Length a cut after a whole line looks like the end: a completed batch has a line for all."""
    papers = _day(store, 4)
    fake.cut_downloads = 1
    fake.cut_without_length = True  # cut at exactly half: after the second of four equal-length lines
    report = _runner(fake, store).run(papers)
    output = fake.files["file-0002"]
    assert output[: len(output) // 2].endswith(b"\n")  # the cut really fell on a line end
    assert report.ok == 4 and not report.unanswered and fake.downloads == 2


def test_a_line_that_is_not_json_is_skipped_and_its_paper_left_for_a_rerun(fake: FakeBatchAPI, store: Store) -> None:
    papers = _day(store, 4)
    fake.garbage_line = True
    report = _runner(fake, store).run(papers)
    assert report.ok == 4 and fake.downloads == 1
    assert report.notes == ["skipped a result line that is not JSON: b'<html>502 Bad Gateway</html>'"]


def test_a_download_cut_off_every_time_is_a_clear_error_and_loses_nothing(fake: FakeBatchAPI, store: Store) -> None:
    papers = _day(store, 4)
    fake.cut_downloads = 99
    with pytest.raises(BulkError, match=r"cut off 3 times.*nothing is lost: rerun"):
        _runner(fake, store).run(papers)
    kept = len(_summaries(store, papers))
    assert 0 < kept < 4  # the whole lines before the cut were stored as they were read
    [row] = store.list_batches()
    assert row.state is BatchState.SUBMITTED  # still open: the rerun reads it again
    fake.cut_downloads = 0
    report = _runner(fake, store).run(papers)
    assert report.resumed and report.ok == 4 - kept
    assert fake.uploads == 1 and fake.creates == 1
    assert len(_summaries(store, papers)) == 4 and len(store.recent_llm_calls(20)) == 4


def test_ctrl_c_while_polling_then_a_rerun_picks_up_the_stored_batch(fake: FakeBatchAPI, store: Store) -> None:
    papers = _day(store, 3)

    def interrupt(status: BulkStatus) -> None:
        raise KeyboardInterrupt

    runner = BulkRunner(_config(fake), store, FAST, status=interrupt, sleep=lambda _s: None)
    with pytest.raises(KeyboardInterrupt):
        runner.run(papers, DAY, DAY)
    [row] = store.open_batches(endpoint=fake.base_url, model="fake-model", prompt_version=PROMPT_VERSION, language="zh")
    assert row.batch_id == "batch_0001" and row.state is BatchState.SUBMITTED
    report = _runner(fake, store).run(papers, DAY, DAY)
    assert report.resumed and report.ok == 3 and report.batch_ids == ["batch_0001"]
    assert (fake.uploads, fake.creates) == (1, 1)


def test_no_wait_submits_and_a_rerun_collects(fake: FakeBatchAPI, store: Store) -> None:
    papers = _day(store, 2)
    first = _runner(fake, store, BulkOptions(wait=False)).run(papers)
    assert first.outcome is BulkOutcome.SUBMITTED and first.estimate is not None and first.estimate.requests == 2
    assert _summaries(store, papers) == {}
    second = _runner(fake, store).run(papers)
    assert second.resumed and second.ok == 2 and fake.uploads == 1


def test_a_crash_between_upload_and_create_creates_without_uploading_again(fake: FakeBatchAPI, store: Store) -> None:
    papers = _day(store, 2)
    fake.fail_creates = 99
    with pytest.raises(BulkError, match="cannot create the batch"):
        _runner(fake, store).run(papers)
    [row] = store.list_batches()
    assert (row.state, row.batch_id, row.input_file_id) == (BatchState.UPLOADED, None, "file-0001")
    fake.fail_creates = 0
    report = _runner(fake, store).run(papers)
    assert report.ok == 2 and (fake.uploads, fake.creates) == (1, 1)


def test_a_provider_without_a_batch_api_is_named(store: Store) -> None:
    papers = _day(store, 2)
    with serve_fake_batch_api(FakeBatchAPI(no_batch_api=True)) as fake, pytest.raises(NoBatchAPIError) as caught:
        _runner(fake, store).run(papers)
    message = str(caught.value)
    assert "has no Batch API" in message and "HTTP 404" in message and "/files" in message
    assert FAKE_KEY not in message and FAKE_KEY[:12] not in message  # the fake echoed the header
    assert store.list_batches() == []


def test_the_budget_is_checked_before_anything_is_uploaded(fake: FakeBatchAPI, store: Store) -> None:
    papers = _day(store, 3)
    prices = prices_from({"fake-model": [10.0, 30.0]})
    refused = r"\(50% of the live price\), over --max-cost \$0.001: nothing was uploaded"
    with pytest.raises(BudgetRefused, match=refused):
        _runner(fake, store, prices=prices, max_cost=0.001).run(papers)
    with pytest.raises(BudgetRefused, match="over --max-tokens 100"):
        _runner(fake, store, max_tokens=100).run(papers)
    assert fake.uploads == 0 and store.list_batches() == []


def test_the_estimate_is_at_half_the_live_price(fake: FakeBatchAPI, store: Store) -> None:
    papers = _day(store, 3)
    prices = prices_from({"fake-model": [10.0, 30.0]})
    half = _runner(fake, store, BulkOptions(wait=False), prices=prices).run(papers).estimate
    assert half is not None and half.cost is not None and half.cost > 0
    # A cap of 1.5 × the half-price estimate: refused at the live price (2 × half), not at half.
    live = BulkOptions(wait=False, price_factor=1.0)
    store.update_batch(1, state=BatchState.DONE)  # forget the first batch so the range is sent again
    with pytest.raises(BudgetRefused, match=r"\(100% of the live price\)"):
        _runner(fake, store, live, prices=prices, max_cost=1.5 * half.cost).run(papers)
    again = _runner(fake, store, BulkOptions(wait=False), prices=prices, max_cost=1.5 * half.cost).run(papers)
    assert again.outcome is BulkOutcome.SUBMITTED and fake.uploads == 2


def test_batch_cost_is_half_the_live_price_of_the_reported_usage(fake: FakeBatchAPI, store: Store) -> None:
    papers = _day(store, 2)
    report = _runner(fake, store, prices=prices_from({"fake-model": [2.0, 8.0]})).run(papers)
    usage = [json.loads(line)["response"]["body"]["usage"] for line in fake.files["file-0002"].decode().splitlines()]
    tin = sum(u["prompt_tokens"] for u in usage)
    tout = sum(u["completion_tokens"] for u in usage)
    assert (report.tokens_in, report.tokens_out) == (tin, tout)
    assert report.cost == pytest.approx(0.5 * (tin * 2.0 + tout * 8.0) / 1e6)
    stored = _summaries(store, papers)
    assert sum(s.cost for s in stored.values()) == pytest.approx(report.cost)


def test_the_key_is_sent_but_never_stored(fake: FakeBatchAPI, store: Store) -> None:
    papers = _day(store, 2)
    fake.faults = {papers[0].arxiv_id: LineFault.HTTP_400}
    _runner(fake, store).run(papers)
    assert set(fake.authorizations) == {f"Bearer {FAKE_KEY}"}
    dump = dump_store(store)
    assert FAKE_KEY not in dump and FAKE_KEY[:12] not in dump


def test_a_line_is_recorded_once_even_when_two_runs_read_the_same_batch(fake: FakeBatchAPI, store: Store) -> None:
    papers = _day(store, 2)
    _runner(fake, store, BulkOptions(wait=False)).run(papers)
    first = _runner(fake, store).run(papers)
    assert first.ok == 2
    # A second reader of the same (now finished) batch: reopen it as a concurrent run would see it.
    store.update_batch(1, state=BatchState.SUBMITTED)
    second = _runner(fake, store).run(papers)
    assert second.resumed and second.ok == 0
    assert len(store.recent_llm_calls(20)) == 2


def test_the_store_records_a_batch_line_once(store: Store) -> None:
    """Two readers racing on one line: the second write is refused inside the transaction."""
    from paperbrief.store.batches import BatchLogLine

    paper = _day(store, 1)[0]
    local_id = store.create_batch(
        endpoint="http://127.0.0.1:9/v1",
        model="fake-model",
        prompt_version=PROMPT_VERSION,
        language="zh",
        keys=[(paper.arxiv_id, 1)],
        input_file_id="file-1",
        first_day=DAY,
        last_day=DAY,
        estimated_tokens=10,
        estimated_cost=None,
    )
    summary = Summary(
        arxiv_id=paper.arxiv_id,
        tldr="一句话 🚀 $\\alpha$",
        keywords=["a", "b", "c", "d", "e"],
        score=70,
        backend="llm",
        model="fake-model",
        prompt_version=PROMPT_VERSION,
        language="zh",
    )
    log = BatchLogLine([paper.versioned_id], "[user]\nprompt", "{}", "ok", None, 5, 7, "fake-model", PROMPT_VERSION)
    assert store.record_batch_answer(local_id, summary, ItemState.OK, log) is True
    assert store.record_batch_answer(local_id, summary, ItemState.OK, log) is False
    assert store.count_llm_calls() == 1 and store.batch_items(local_id) == {(paper.arxiv_id, 1): ItemState.OK}
    [call] = store.recent_llm_calls(1)
    assert (call.model, call.prompt_version, call.tokens_in, call.tokens_out) == ("fake-model", PROMPT_VERSION, 5, 7)
    assert _summaries(store, [paper])[(paper.arxiv_id, 1)].tldr == "一句话 🚀 $\\alpha$"


def test_a_batch_the_provider_fails_leaves_every_paper_for_a_rerun_with_its_reason(
    fake: FakeBatchAPI, store: Store
) -> None:
    papers = _day(store, 2)
    fake.fail_validation = True
    report = _runner(fake, store).run(papers)
    assert report.ok == 0 and len(report.unanswered) == 2
    assert report.notes == ["batch batch_0001 failed (invalid_json_line: Line 1 is not valid JSON.)"]
    [row] = store.list_batches()
    assert row.state is BatchState.FAILED and "invalid_json_line" in (row.error or "")
    assert _summaries(store, papers) == {}  # nothing was judged: nothing stored as failed


def test_max_wait_running_out_keeps_the_batch_for_a_rerun(fake: FakeBatchAPI, store: Store) -> None:
    papers = _day(store, 2)
    fake.polls_before_done = 50
    slow = BulkOptions(poll_first=1.0, poll_max=1.0, max_wait=3.0)
    report = _runner(fake, store, slow).run(papers)
    assert report.outcome is BulkOutcome.WAITING and report.batch_ids == ["batch_0001"]
    [row] = store.list_batches()
    assert (row.state, row.provider_status) == (BatchState.SUBMITTED, "in_progress")
    fake.polls_before_done = 0
    done = _runner(fake, store).run(papers)
    assert done.outcome is BulkOutcome.DONE and done.ok == 2 and fake.uploads == 1


def test_a_range_over_one_batch_limit_is_refused_before_upload(fake: FakeBatchAPI, store: Store) -> None:
    papers = _day(store, 3)
    with pytest.raises(BulkError, match=r"3 requests .* over one batch's limit \(2 requests.*split the range"):
        _runner(fake, store, BulkOptions(max_requests=2)).run(papers)
    assert fake.uploads == 0 and store.list_batches() == []
