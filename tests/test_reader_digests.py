"""Weekly, export and MCP `get_digest` read the reader's own digests (issue 12 lab mode, issue 14).

A reader with digests of their own (a lab reader, or a single reader whose `reader` setting is not
`me`) gets those; a reader who only gives feedback sees the shared reader's (`me`) digests through
their view (tests/test_weekly_readers.py, tests/test_export.py).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from paperbrief.cli import main
from paperbrief.factories import explain_options_from_settings
from paperbrief.mcp.server import PaperTools
from paperbrief.settings import Settings
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url

DAY = "2026-02-04"  # the bundled sample day
WEEK = "2026-W06"


def _cli(home: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["--home", str(home), *args], env=env, catch_exceptions=False)


def _ids(path: Path) -> list[str]:
    return [e["paper"]["arxiv_id"] for e in json.loads(path.read_text(encoding="utf-8"))["entries"]]


def _exported_ids(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    items: list[dict[str, Any]] = json.loads(result.stdout)
    return sorted(str(item["number"]).removeprefix("arXiv:") for item in items)


def _weekly_ids(home: Path, out: Path, *args: str, env: dict[str, str] | None = None) -> list[str]:
    result = _cli(home, "weekly", "--week", WEEK, "--out", str(out), "--no-deliver", *args, env=env)
    assert result.exit_code == 0, result.output
    report = json.loads((out / f"{WEEK}.json").read_text(encoding="utf-8"))
    return sorted(p["arxiv_id"] for p in report["papers"])


@pytest.fixture
def lab(tmp_path: Path) -> tuple[Path, Path, dict[str, list[str]]]:
    """Two lab readers with different topics, one extractive sample day: each has their own digest."""
    config = tmp_path / "paperbrief.toml"
    config.write_text(
        'max_papers = 4\nlanguage = "en"\nsummarizer = "extractive"\n\n'
        '[readers.alice]\ntopics = { "diffusion" = 1.0, "image generation" = 1.0 }\n\n'
        '[readers.bob]\ntopics = { "language model" = 1.0, "reasoning" = 1.0 }\n',
        encoding="utf-8",
    )
    home, out = tmp_path / "home", tmp_path / "out"
    result = _cli(home, "--config", str(config), "run", "--sample", "--out", str(out), "--no-deliver")
    assert result.exit_code == 0, result.output
    digests = {r: sorted(_ids(out / f"{DAY}.{r}.json")) for r in ("alice", "bob")}
    assert digests["alice"] != digests["bob"]
    return home, config, digests


def test_export_and_weekly_of_a_lab_reader_are_their_own_digests(
    lab: tuple[Path, Path, dict[str, list[str]]], tmp_path: Path
) -> None:
    home, config, digests = lab
    for reader, ids in digests.items():
        exported = _cli(
            home, "--config", str(config), "export", "--date", DAY, "--reader", reader, "--format", "csljson"
        )
        assert _exported_ids(exported) == ids
        assert _weekly_ids(home, tmp_path / f"weekly-{reader}", "--config", str(config), "--reader", reader) == ids


def test_mcp_get_digest_of_a_lab_reader_is_their_own(lab: tuple[Path, Path, dict[str, list[str]]]) -> None:
    home, _config, digests = lab
    store = Store(sqlite_url(home / "paperbrief.db"))
    try:
        tools = PaperTools(
            store=store,
            explain_options=explain_options_from_settings(Settings(home=home)),
            readers=("alice", "bob"),
            default_reader="alice",
        )
        for reader, ids in digests.items():
            document = json.loads(tools.get_digest(DAY, reader))
            assert sorted(e["paper"]["arxiv_id"] for e in document["entries"]) == ids
        # Without a reader: the configured default reader's digest.
        document = json.loads(tools.get_digest(DAY))
        assert sorted(e["paper"]["arxiv_id"] for e in document["entries"]) == digests["alice"]
    finally:
        store.close()


def test_a_single_reader_not_named_me_can_export_and_look_back(tmp_path: Path) -> None:
    # `reader = "alice"` in a one-person setup: runs store alice's digests, and every command that
    # reads digests back finds them (before, export and weekly looked only at reader `me`'s).
    home, out = tmp_path / "home", tmp_path / "out"
    env = {"PAPERBRIEF_READER": "alice", "PAPERBRIEF_SUMMARIZER": "extractive", "PAPERBRIEF_MAX_PAPERS": "5"}
    result = _cli(home, "run", "--sample", "--out", str(out), "--no-deliver", env=env)
    assert result.exit_code == 0, result.output
    ids = sorted(_ids(out / f"{DAY}.json"))
    store = Store(sqlite_url(home / "paperbrief.db"))
    try:
        assert store.load_digest(dt.date.fromisoformat(DAY)) is None  # nothing stored under `me`
    finally:
        store.close()
    assert _exported_ids(_cli(home, "export", "--date", DAY, "--format", "csljson", env=env)) == ids
    assert _exported_ids(_cli(home, "export", "--week", WEEK, "--format", "csljson", env=env)) == ids
    assert _weekly_ids(home, tmp_path / "weekly", env=env) == ids
