"""Cron's view of `paperbrief run`: each exit path and its one-line message, through the real CLI
against the loopback fakes (LLM, webhook), plus the flags and settings a new user gets wrong."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fakes.llm_server import FakeLLM, Fault, serve_fake_llm
from fakes.llm_support import FAKE_KEY
from fakes.publish_servers import free_port
from paperbrief.cli import main
from paperbrief.factories import llm_key_warning
from paperbrief.settings import Settings
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url


@pytest.fixture(autouse=True)
def _work_in_tmp_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with serve_fake_llm() as server:
        yield server


def _invoke(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["--home", str(tmp_path / "home"), *args], env=env, catch_exceptions=False)


def _llm_env(fake: FakeLLM) -> dict[str, str]:
    return {
        "PAPERBRIEF_LLM_BASE_URL": fake.base_url,
        "PAPERBRIEF_LLM_API_KEY": FAKE_KEY,
        "PAPERBRIEF_LLM_MODEL": "fake-model",
        "PAPERBRIEF_LLM_RETRIES": "0",
    }


def test_every_summary_failed_exits_1_and_says_so(fake: FakeLLM, tmp_path: Path) -> None:
    fake.push(*[Fault.NON_JSON] * 200)  # well-formed HTTP, useless answers: every paper fails, none is fatal
    result = _invoke(tmp_path, "run", "--sample", "--max-papers", "5", "--out", "out", env=_llm_env(fake))
    assert result.exit_code == 1, result.output
    assert "note: all 5 summaries failed" in result.stderr
    assert "Traceback" not in result.output


def test_a_failed_delivery_channel_exits_3_and_names_the_channel(tmp_path: Path) -> None:
    dead = f"json://127.0.0.1:{free_port()}/hook-secret-41"  # nothing listens there
    env = {"PAPERBRIEF_NOTIFY_URLS": dead, "PAPERBRIEF_SUMMARIZER": "extractive"}
    result = _invoke(tmp_path, "run", "--sample", "--out", "out", env=env)
    assert result.exit_code == 3, result.output
    assert "note: delivery failed on: chat:json://127.0.0.1:" in result.stderr
    assert "hook-secret-41" not in result.output
    assert (tmp_path / "out" / "2026-02-04.md").exists()  # the digest is kept
    assert (tmp_path / "out" / "site" / "index.html").exists()


def test_no_deliver_skips_chat_but_still_rebuilds_the_site(tmp_path: Path) -> None:
    dead = f"json://127.0.0.1:{free_port()}/hook"
    env = {"PAPERBRIEF_NOTIFY_URLS": dead, "PAPERBRIEF_SUMMARIZER": "extractive"}
    result = _invoke(tmp_path, "run", "--sample", "--no-deliver", "--out", "out", env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "site" / "2026-02-04.html").exists()
    assert f"site: {Path('out') / 'site' / 'index.html'}" in result.output
    lines = result.stdout.splitlines()
    # summary line first, then the files, then the site
    assert lines[0].startswith("2026-02-04: 30 papers in the digest")
    assert lines[-1].startswith("site: ")
    no_site = _invoke(tmp_path, "run", "--sample", "--no-site", "--no-deliver", "--out", "other", env=env)
    assert no_site.exit_code == 0, no_site.output
    assert not (tmp_path / "other" / "site").exists()


def test_summarizer_llm_without_an_llm_is_a_usage_error_naming_the_settings(tmp_path: Path) -> None:
    result = _invoke(tmp_path, "run", "--sample", "--summarizer", "llm", "--out", "out")
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith("Error: --summarizer llm needs an LLM: set PAPERBRIEF_LLM_MODEL")
    assert "PAPERBRIEF_LLM_BASE_URL or PAPERBRIEF_LLM_API_KEY" in message
    assert not (tmp_path / "out" / "2026-02-04.md").exists()
    store = Store(sqlite_url(tmp_path / "home" / "paperbrief.db"))
    assert store.list_runs() == []  # a usage error: no run began
    store.close()


def test_auto_falls_back_to_extractive_and_says_so_on_stderr(tmp_path: Path) -> None:
    result = _invoke(tmp_path, "run", "--sample", "--out", "out")
    assert result.exit_code == 0, result.output
    assert "no LLM configured: using the extractive summarizer" in result.stderr
    assert "by extractive/" in result.stdout


def test_a_remote_llm_without_a_key_warns_and_a_local_one_does_not() -> None:
    remote = Settings(llm_model="m", llm_base_url="https://llm.example.org/v1?token=abc")
    warning = llm_key_warning(remote)
    assert warning is not None and "https://llm.example.org/v1?token=****" in warning and "abc" not in warning
    for local in ("http://127.0.0.1:8080/v1", "http://localhost:11434/v1", "http://[::1]:9/v1"):
        assert llm_key_warning(Settings(llm_model="m", llm_base_url=local)) is None
    assert llm_key_warning(Settings(llm_model="m", llm_base_url="https://x.org/v1", llm_api_key="k")) is None


def test_the_remote_llm_warning_is_printed_once_per_run(tmp_path: Path) -> None:
    env = {"PAPERBRIEF_LLM_BASE_URL": "http://llm.invalid/v1", "PAPERBRIEF_LLM_MODEL": "m"}
    # A day without papers: the run goes through every stage without sending a request.
    empty = tmp_path / "day.json"
    empty.write_text("[]", encoding="utf-8")
    result = _invoke(tmp_path, "run", "--from-json", str(empty), "--date", "2026-02-04", "--out", "out", env=env)
    assert result.exit_code == 0, result.output
    assert result.stderr.count("the LLM at http://llm.invalid/v1 is not on this machine but no API key is set") == 1


def test_config_after_the_subcommand_works_like_before_it(tmp_path: Path) -> None:
    config = tmp_path / "custom.toml"
    config.write_text('language = "en"\n[llm]\nmodel = "from-file"\n', encoding="utf-8")
    after = _invoke(tmp_path, "config", "--json", "--config", str(config))
    before = _invoke(tmp_path, "--config", str(config), "config", "--json")
    assert after.exit_code == before.exit_code == 0, after.output
    assert json.loads(after.stdout) == json.loads(before.stdout)
    assert json.loads(after.stdout)["llm_model"] == {"value": "from-file", "source": f"file {config}"}
    run = _invoke(tmp_path, "run", "--sample", "--out", "out", "--config", str(config))
    assert run.exit_code == 0, run.output
    assert json.loads((tmp_path / "out" / "2026-02-04.json").read_text(encoding="utf-8"))["language"] == "en"


def test_config_after_a_group_subcommand_works_too(tmp_path: Path) -> None:
    config = tmp_path / "custom.toml"
    config.write_text('[select]\nmode = "latest"\n', encoding="utf-8")
    result = _invoke(tmp_path, "profile", "show", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "mode: latest"


def test_config_table_goes_to_stdout_full_width_and_names_the_file(tmp_path: Path) -> None:
    folder = tmp_path / ("a-rather-long-folder-name-" * 4)
    folder.mkdir()
    config = folder / "paperbrief.toml"
    config.write_text('[select]\ninclude = ["' + "x" * 150 + '"]\n', encoding="utf-8")
    result = _invoke(tmp_path, "--config", str(config), "config")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "…" not in result.stdout
    row = next(line for line in result.stdout.splitlines() if "select_include" in line)
    assert "x" * 150 in row and f"file {config}" in row


def test_config_json_masks_a_password_given_as_a_query_parameter(tmp_path: Path) -> None:
    env = {"PAPERBRIEF_DATABASE_URL": "postgresql+psycopg://db.example/pb?user=u&password=Qpass-77"}
    result = _invoke(tmp_path, "config", "--json", env=env)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)["database_url"]["value"]
    assert shown == "postgresql+psycopg://db.example/pb?user=u&password=****"
    assert "Qpass-77" not in result.output


def test_a_database_error_masks_a_password_given_as_a_query_parameter(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://127.0.0.1:{free_port()}/pb?user=u&password=Qpass-78&connect_timeout=2"
    result = _invoke(tmp_path, "logs", env={"PAPERBRIEF_DATABASE_URL": url})
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: cannot open database")
    assert "password=****" in result.stderr and "Qpass-78" not in result.output


def test_a_config_file_that_is_not_utf8_is_a_one_line_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "paperbrief.toml"
    config.write_bytes('language = "zh"\n# caf\xe9\n'.encode("latin-1"))
    result = _invoke(tmp_path, "config")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: config file {config} is not UTF-8 text (byte 21): save it as UTF-8"


def test_stderr_notes_are_not_wrapped_when_piped(tmp_path: Path) -> None:
    long_list = tmp_path / ("reading-list-with-a-long-name-" * 4 + ".bib")
    env = {"PAPERBRIEF_SELECT_READING_LIST": str(long_list)}  # missing file: a long note, run goes on
    result = _invoke(tmp_path, "run", "--sample", "--out", "out", env=env)
    assert result.exit_code == 0, result.output
    note = next(line for line in result.stderr.splitlines() if "reading list not refreshed" in line)
    assert str(long_list) in note  # the whole path on the note's own line


def test_text_loaded_from_json_is_cleaned_and_the_report_says_so(tmp_path: Path) -> None:
    day = [  # the `paperbrief fetch --json` format
        {
            "arxiv_id": "2602.00001",
            "title": "A title with a NUL\u0000 byte",
            "authors": ["Ann\u0007 Author"],
            "abstract": "Clean abstract. It has two sentences.",
            "categories": ["cs.AI"],
            "announced": "2026-02-04",
        }
    ]
    path = tmp_path / "day.json"
    path.write_text(json.dumps(day), encoding="utf-8")
    result = _invoke(tmp_path, "run", "--from-json", str(path), "--lang", "en", "--out", "out")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "2026-02-04.json").read_text(encoding="utf-8"))
    assert data["entries"][0]["paper"]["title"] == "A title with a NUL byte"
    assert data["entries"][0]["paper"]["authors"] == ["Ann Author"]
    assert "1 papers held control characters that cannot be stored; they were removed" in data["warnings"]


def test_the_write_probe_never_touches_another_process_probe(tmp_path: Path) -> None:
    """Two runs on one --out: each probes writability under its own name (the old fixed name collided)."""
    out = tmp_path / "out"
    other = out / ".paperbrief-write-test"  # what another run's probe was called
    other.mkdir(parents=True)  # held by "another process" (a directory: overwriting it would fail loudly)
    result = _invoke(tmp_path, "run", "--sample", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert other.is_dir()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".paperbrief-write-test")) == [other.name]
