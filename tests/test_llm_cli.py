"""`paperbrief logs`, settings → LLMSummarizer, and `paperbrief run` with an LLM end to end (offline)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakes.llm_server import FakeLLM, serve_fake_llm
from fakes.llm_support import FAKE_KEY, dump_store
from paperbrief.cli import main
from paperbrief.factories import summarizer_from_settings
from paperbrief.settings import load_settings
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url
from paperbrief.summarize.llm import PROMPT_VERSION


@pytest.fixture(autouse=True)
def _work_in_tmp_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with serve_fake_llm() as server:
        yield server


def test_settings_map_to_the_constructor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("PAPERBRIEF_LLM_MODEL", "deepseek-chat")
    monkeypatch.setenv("PAPERBRIEF_LLM_BATCH_SIZE", "5")
    monkeypatch.setenv("PAPERBRIEF_LLM_PRICES", '{"deepseek-chat": [0.27, 1.1]}')
    monkeypatch.setenv("PAPERBRIEF_LLM_MAX_COST", "0.5")
    monkeypatch.setenv("PAPERBRIEF_LANGUAGE", "en")
    settings, _ = load_settings(None, {"home": tmp_path})
    summarizer = summarizer_from_settings(settings, None, 7)
    config = summarizer.config
    assert summarizer.model == "deepseek-chat" and config.base_url == "http://127.0.0.1:9/v1"
    assert config.batch_size == 5 and config.max_cost == 0.5 and summarizer.run_id == 7
    assert config.prices.lookup("deepseek-chat") == (0.27, 1.1)
    assert summarizer.language == "en" and summarizer.prompt_version == PROMPT_VERSION
    # Defaults of the settings added for issues 9 and 11 reach the config.
    assert (config.connect_timeout, config.timeouts_to_open, config.max_input_tokens) == (5.0, 3, 4000)
    assert FAKE_KEY not in repr(summarizer) and FAKE_KEY not in repr(config)


def _invoke(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "home"), *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_run_with_llm_then_rerun_makes_zero_calls_and_logs_show(
    fake: FakeLLM, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PAPERBRIEF_LLM_BASE_URL", fake.base_url)
    monkeypatch.setenv("PAPERBRIEF_LLM_API_KEY", FAKE_KEY)
    monkeypatch.setenv("PAPERBRIEF_LLM_MODEL", "fake-model")
    code, output = _invoke(tmp_path, "run", "--sample", "--no-deliver", "--max-papers", "5", "--out", "out")
    assert code == 0, output
    first = fake.count()
    summary_calls = [r for r in fake.requests if r.paper_ids]
    # The default batch size (5) sends the five papers in one request, each id answered.
    assert len(summary_calls) == 1 and len(summary_calls[0].paper_ids) == 5
    code, output = _invoke(tmp_path, "run", "--sample", "--no-deliver", "--max-papers", "5", "--out", "out")
    assert code == 0, output
    assert fake.count() == first  # summaries and highlights both came from the store
    code, output = _invoke(tmp_path, "logs", "-n", "3", "--json")
    assert code == 0
    rows = json.loads(output)
    assert len(rows) == 2 and {"prompt", "response", "tokens_in", "latency_ms", "status"} <= set(rows[0])
    code, output = _invoke(tmp_path, "logs", "-n", "1")
    assert "## Prompt" in output and "## Response" in output and "fake-model" in output
    code, output = _invoke(tmp_path, "logs", "--short", "-n", "2")
    assert "## Prompt" not in output and output.count("fake-model") == 2
    store = Store.open(sqlite_url(tmp_path / "home" / "paperbrief.db"))
    try:
        assert FAKE_KEY not in dump_store(store)
    finally:
        store.close()
    reports = list((tmp_path / "out").rglob("*.md"))
    assert reports and FAKE_KEY not in "".join(p.read_text(encoding="utf-8") for p in reports)


def test_logs_on_an_empty_store(tmp_path: Path) -> None:
    code, output = _invoke(tmp_path, "logs")
    assert code == 0 and "No LLM calls" in output
