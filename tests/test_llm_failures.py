"""When the LLM fails (issues 9 and 11): `paperbrief run` through the real CLI against the loopback fake.

Each misconfiguration stops the run early with exit 1 and one line naming the cause and the
endpoint (key masked); the circuit breaker keeps the requests to the first wave; what arrived
before is kept; no digest of failures is written.
"""

from __future__ import annotations

import datetime as dt
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fakes.llm_server import FakeLLM, Fault, serve_fake_llm
from fakes.llm_support import FAKE_KEY
from paperbrief.cli import main
from paperbrief.models import SummaryStatus
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url
from paperbrief.summarize.llm import PROMPT_VERSION

CONCURRENCY = 8  # the default `[llm] concurrency`: the first wave of requests


@pytest.fixture(autouse=True)
def _work_in_tmp_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with serve_fake_llm() as server:
        yield server


def _configure(monkeypatch: pytest.MonkeyPatch, base_url: str, model: str = "fake-model") -> None:
    monkeypatch.setenv("PAPERBRIEF_LLM_BASE_URL", base_url)
    monkeypatch.setenv("PAPERBRIEF_LLM_API_KEY", FAKE_KEY)
    monkeypatch.setenv("PAPERBRIEF_LLM_MODEL", model)
    monkeypatch.setenv("PAPERBRIEF_LLM_BATCH_SIZE", "1")  # these faults are scripted per request, one paper each


def _run(tmp_path: Path, *args: str) -> Result:
    argv = ["--home", str(tmp_path / "home"), "run", "--sample", "--no-deliver", "--out", str(tmp_path / "out"), *args]
    return CliRunner().invoke(main, argv, catch_exceptions=False)


def _error_line(result: Result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, result.output
    return lines[0]


def _stored(tmp_path: Path) -> Store:
    return Store.open(sqlite_url(tmp_path / "home" / "paperbrief.db"))


def _ok_summaries(tmp_path: Path) -> int:
    store = _stored(tmp_path)
    try:
        with store.engine.connect() as conn:
            import sqlalchemy as sa

            from paperbrief.store.schema import summaries

            query = sa.select(sa.func.count()).where(summaries.c.status == str(SummaryStatus.OK))
            return int(conn.execute(query).scalar() or 0)
    finally:
        store.close()


def _assert_no_digest(tmp_path: Path, result: Result) -> None:
    """Exit 1, no report written, the run recorded as failed with the same message."""
    assert result.exit_code == 1, result.output
    assert not list((tmp_path / "out").glob("*.md")) and not list((tmp_path / "out").glob("*.json"))
    store = _stored(tmp_path)
    try:
        run = store.list_runs(1)[0]
        assert run["status"] == "failed" and _error_line(result) == f"Error: {run['error']}"
        assert store.load_digest(dt.date(2026, 2, 4), "zh") is None
    finally:
        store.close()
    assert FAKE_KEY not in result.output and FAKE_KEY[:12] not in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused_stops_the_run_and_names_the_endpoint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 9: `PAPERBRIEF_LLM_BASE_URL=http://127.0.0.1:9/v1` made 150 calls and said only `all 30 failed`."""
    base_url = f"http://127.0.0.1:{_free_port()}/v1"  # nothing listens there
    _configure(monkeypatch, base_url)
    result = _run(tmp_path)
    assert _error_line(result) == f"Error: the LLM at {base_url} refused the connection"
    _assert_no_digest(tmp_path, result)


def test_credentials_in_the_base_url_are_masked_in_the_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    port = _free_port()
    _configure(monkeypatch, f"http://user:{FAKE_KEY}@127.0.0.1:{port}/v1?api_key={FAKE_KEY}")
    result = _run(tmp_path)
    assert _error_line(result) == f"Error: the LLM at http://127.0.0.1:{port}/v1 refused the connection"
    _assert_no_digest(tmp_path, result)


def test_wrong_key_stops_after_the_first_wave(fake: FakeLLM, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Issue 9: a wrong key got 30 × HTTP 401 and the reason appeared only inside the report."""
    fake.required_key = "sk-the-right-one-0123456789"
    _configure(monkeypatch, fake.base_url)
    result = _run(tmp_path)
    expected = f"Error: the LLM at {fake.base_url} rejected the API key (HTTP 401 invalid_api_key)"
    assert _error_line(result) == expected
    # Requests already in flight when the first 401 came back, none after: at most one wave of 8.
    assert 1 <= fake.count() <= CONCURRENCY
    _assert_no_digest(tmp_path, result)


def test_unknown_model_stops_the_run(fake: FakeLLM, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake.models = frozenset({"fake-model"})
    _configure(monkeypatch, fake.base_url, model="gpt-9-imaginary")
    result = _run(tmp_path)
    expected = f'Error: model "gpt-9-imaginary" not found at {fake.base_url} (HTTP 404 model_not_found)'
    assert _error_line(result) == expected
    assert 1 <= fake.count() <= CONCURRENCY
    _assert_no_digest(tmp_path, result)


@pytest.mark.parametrize(("response_format", "waves"), [("json_object", 1), ("auto", 2)])
def test_request_shape_rejected_stops_the_run(
    fake: FakeLLM, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, response_format: str, waves: int
) -> None:
    """With `auto`, a 400 to json_schema first means "no structured outputs here" (the fallback to
    json_object); only the same 400 to json_object is the shape error: one more wave at most."""
    fake.fault_rate, fake.fault_choices = 1.0, (Fault.BAD_REQUEST,)
    _configure(monkeypatch, fake.base_url)
    monkeypatch.setenv("PAPERBRIEF_LLM_RESPONSE_FORMAT", response_format)
    result = _run(tmp_path)
    expected = (
        f"Error: the LLM at {fake.base_url} rejected the request's shape "
        "(HTTP 400: Unrecognized request argument supplied: reasoning_mode)"
    )
    assert _error_line(result) == expected
    assert 1 <= fake.count() <= CONCURRENCY * waves
    # Only the 400 to json_object is fatal; with `auto`, json_schema requests of the first wave may
    # still be in flight when it arrives, so the order at the fake is not fixed.
    formats = {r.format_type for r in fake.requests}
    assert "json_object" in formats
    assert formats == ({"json_object"} if response_format == "json_object" else {"json_schema", "json_object"})
    _assert_no_digest(tmp_path, result)


def test_a_hanging_endpoint_ends_the_run_saying_it_does_not_answer(
    fake: FakeLLM, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 11: an endpoint that accepts connections and never answers kept a run alive 38 minutes.

    Consecutive timeouts open the breaker: the first wave times out together and nothing follows
    but retries already scheduled before the breaker opened (at most `timeouts_to_open - 1`).
    """
    fake.fault_rate, fake.fault_choices, fake.hang_seconds = 1.0, (Fault.HANG,), 60.0
    _configure(monkeypatch, fake.base_url)
    monkeypatch.setenv("PAPERBRIEF_LLM_TIMEOUT_SECONDS", "1")
    result = _run(tmp_path)
    expected = f"Error: the LLM at {fake.base_url} does not answer (3 requests in a row timed out after 1s)"
    assert _error_line(result) == expected
    assert CONCURRENCY <= fake.count() <= CONCURRENCY + 2
    _assert_no_digest(tmp_path, result)


def test_summaries_received_before_a_fatal_error_are_kept(
    fake: FakeLLM, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake.push(Fault.OK, Fault.OK, Fault.OK)
    fake.fault_rate, fake.fault_choices = 1.0, (Fault.UNAUTHORIZED,)  # after the three answers: 401
    _configure(monkeypatch, fake.base_url)
    monkeypatch.setenv("PAPERBRIEF_LLM_CONCURRENCY", "1")
    result = _run(tmp_path)
    assert _error_line(result).startswith(f"Error: the LLM at {fake.base_url} rejected the API key (HTTP 401")
    assert fake.count() == 4  # three answers, one 401, nothing after
    _assert_no_digest(tmp_path, result)
    assert _ok_summaries(tmp_path) == 3
    # The key fixed, the next run asks only for the 27 papers still missing (and the highlights).
    fake.fault_rate = 0.0
    fake.requests.clear()
    result = _run(tmp_path)
    assert result.exit_code == 0, result.output
    asked = [r for r in fake.requests if r.paper_ids]
    assert len(asked) == 27 and _ok_summaries(tmp_path) == 30


def test_store_failure_stops_calling_the_llm(fake: FakeLLM, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Issue 11: with the disk full under the store, the LLM kept being called (30 calls paid, 3 kept)."""
    first = CliRunner().invoke(main, ["--home", str(tmp_path / "home"), "run", "--sample", "--no-deliver"])
    assert first.exit_code == 0, first.output  # an extractive run creates and migrates the store
    # SQLite's own "disk full" error for every LLM summary written from now on (a real write failure).
    with sqlite3.connect(tmp_path / "home" / "paperbrief.db") as db:
        db.execute(
            "CREATE TRIGGER disk_full BEFORE INSERT ON summaries WHEN NEW.backend = 'llm' "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    _configure(monkeypatch, fake.base_url)
    monkeypatch.setenv("PAPERBRIEF_LLM_CONCURRENCY", "1")
    result = _run(tmp_path)
    assert result.exit_code == 1, result.output
    line = _error_line(result)
    assert line.startswith("Error: cannot store a summary (") and "database or disk is full" in line
    assert line.endswith("): stopped calling the LLM")
    assert fake.count() == 1  # the first answer could not be kept: no second call


def test_fence_inside_a_json_string_is_a_valid_answer(
    fake: FakeLLM, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 11: a ``` inside a JSON string value made every answer "not JSON" (all 30 papers failed)."""
    fake.fault_rate, fake.fault_choices = 1.0, (Fault.FENCE_IN_STRING,)
    _configure(monkeypatch, fake.base_url)
    monkeypatch.setenv("PAPERBRIEF_SELECT_HIGHLIGHTS", "false")
    result = _run(tmp_path, "--max-papers", "5")
    assert result.exit_code == 0, result.output
    assert "(5 summarized, 0 failed, 0 skipped)" in result.output
    assert fake.count() == 5  # no re-ask: each answer parsed the first time
    store = _stored(tmp_path)
    try:
        keys = [(r.paper_ids[0], 1) for r in fake.requests]
        got = store.get_summaries(keys, model="fake-model", prompt_version=PROMPT_VERSION, language="zh")
        assert all("```python\nloss = model(x).mean()\n```" in (s.method or "") for s in got.values())
        assert len(got) == 5
    finally:
        store.close()
