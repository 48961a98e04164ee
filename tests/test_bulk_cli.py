"""`paperbrief bulk` end to end: flags in, the fake Batch API on loopback, messages and exit codes out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakes.batch_server import FakeBatchAPI, LineFault, serve_fake_batch_api
from fakes.llm_support import FAKE_KEY, dump_store, synthetic_papers
from paperbrief.cli import main
from paperbrief.models import Paper
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url
from paperbrief.summarize.llm import PROMPT_VERSION

DAYS = [dt.date(2026, 2, 3), dt.date(2026, 2, 4)]
RANGE = ["--from", "2026-02-03", "--to", "2026-02-04", "--poll-every", "0.001"]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBatchAPI]:
    with serve_fake_batch_api(FakeBatchAPI(required_key=FAKE_KEY)) as server:
        monkeypatch.setenv("PAPERBRIEF_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("PAPERBRIEF_LLM_API_KEY", FAKE_KEY)
        monkeypatch.setenv("PAPERBRIEF_LLM_MODEL", "fake-model")
        yield server


def _store(tmp_path: Path) -> Store:
    (tmp_path / "home").mkdir(exist_ok=True)
    return Store.open(sqlite_url(tmp_path / "home" / "paperbrief.db"))


def _backfilled(tmp_path: Path, per_day: int = 2) -> list[Paper]:
    """Two stored days, as `paperbrief backfill` leaves them."""
    papers = synthetic_papers(per_day * len(DAYS))
    store = _store(tmp_path)
    for n, day in enumerate(DAYS):
        store.record_announcement(day, papers[n * per_day : (n + 1) * per_day])
    store.close()
    return papers


def _invoke(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "home"), "bulk", *args], catch_exceptions=False)
    return result.exit_code, result.output


def _good(tmp_path: Path, papers: list[Paper]) -> int:
    store = _store(tmp_path)
    try:
        found = store.get_summaries(
            [(p.arxiv_id, p.version) for p in papers], model="fake-model", prompt_version=PROMPT_VERSION, language="zh"
        )
    finally:
        store.close()
    return len(found)


def test_bulk_summarizes_the_range_and_a_rerun_has_nothing_to_send(fake: FakeBatchAPI, tmp_path: Path) -> None:
    papers = _backfilled(tmp_path)
    code, output = _invoke(tmp_path, *RANGE)
    assert code == 0, output
    assert "4 summaries stored, 0 failed, 0 unanswered" in output and "at 50% of the live price" in output
    assert _good(tmp_path, papers) == 4
    code, output = _invoke(tmp_path, *RANGE)
    assert code == 0 and "already have a summary; nothing to send" in output
    assert fake.uploads == 1


def test_an_expired_batch_exits_3_and_says_to_rerun(fake: FakeBatchAPI, tmp_path: Path) -> None:
    papers = _backfilled(tmp_path)
    fake.answer_limit = 3
    code, output = _invoke(tmp_path, *RANGE)
    assert code == 3, output
    assert "1 papers got no answer before the batch ended: rerun `paperbrief bulk --from 2026-02-03" in output
    fake.answer_limit = None
    code, output = _invoke(tmp_path, *RANGE)
    assert code == 0 and "1 summaries stored" in output and _good(tmp_path, papers) == 4


def test_failed_lines_are_listed_and_exit_3(fake: FakeBatchAPI, tmp_path: Path) -> None:
    papers = _backfilled(tmp_path)
    fake.faults = {papers[0].arxiv_id: LineFault.SCORE_1000}
    code, output = _invoke(tmp_path, *RANGE)
    assert code == 3, output
    assert f"failed {papers[0].arxiv_id}v1: invalid answer in bulk" in output


def test_no_wait_then_rerun_collects_without_uploading_again(fake: FakeBatchAPI, tmp_path: Path) -> None:
    papers = _backfilled(tmp_path)
    code, output = _invoke(tmp_path, *RANGE, "--no-wait")
    assert code == 0 and "batch batch_0001 submitted" in output, output
    code, output = _invoke(tmp_path, *RANGE)
    assert code == 0 and "(picked up from the store)" in output, output
    assert (fake.uploads, fake.creates) == (1, 1) and _good(tmp_path, papers) == 4


def test_a_provider_without_a_batch_api_exits_1_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _backfilled(tmp_path)
    with serve_fake_batch_api(FakeBatchAPI(no_batch_api=True)) as fake:
        monkeypatch.setenv("PAPERBRIEF_LLM_BASE_URL", fake.base_url)
        monkeypatch.setenv("PAPERBRIEF_LLM_API_KEY", FAKE_KEY)
        monkeypatch.setenv("PAPERBRIEF_LLM_MODEL", "fake-model")
        code, output = _invoke(tmp_path, *RANGE)
    assert code == 1
    assert output.startswith("Error: the provider at http://127.0.0.1:") and "has no Batch API" in output
    assert "backfill … --summarize" in output
    assert FAKE_KEY not in output and FAKE_KEY[:12] not in output
    store = _store(tmp_path)
    assert FAKE_KEY not in dump_store(store)
    store.close()


def test_over_budget_is_refused_before_upload(
    fake: FakeBatchAPI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _backfilled(tmp_path)
    monkeypatch.setenv("PAPERBRIEF_LLM_PRICES", '{"fake-model": [10.0, 30.0]}')
    code, output = _invoke(tmp_path, *RANGE, "--max-cost", "0.0001")
    assert code == 1 and "Error: budget: the batch of 4 papers is estimated at $" in output
    assert "over --max-cost $0.0001: nothing was uploaded" in output
    code, output = _invoke(tmp_path, *RANGE, "--max-tokens", "10")
    assert code == 1 and "over --max-tokens 10" in output
    assert fake.uploads == 0


def test_an_empty_range_says_to_backfill_first(fake: FakeBatchAPI, tmp_path: Path) -> None:
    code, output = _invoke(tmp_path, *RANGE)
    assert code == 1 and "no stored papers between 2026-02-03 and 2026-02-04" in output
    assert "paperbrief backfill --from 2026-02-03 --to 2026-02-04" in output


def test_without_an_llm_configured_it_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _invoke(tmp_path, *RANGE)
    assert code == 2 and "PAPERBRIEF_LLM_MODEL" in output
