"""`paperbrief run` against a local fake arXiv: the announcement day, completeness, weekends, dedup."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fakes.arxiv_server import FakeArxiv, load_sample
from paperbrief.cli import main
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url

CATS = ["cs.AI", "cs.CL", "cs.CV", "cs.LG"]


@pytest.fixture
def fake() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        yield server


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("PAPERBRIEF_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _env(fake: FakeArxiv) -> dict[str, str]:
    return {
        "PAPERBRIEF_ARXIV_RSS_URL": fake.rss_url,
        "PAPERBRIEF_ARXIV_API_URL": fake.api_url,
        "PAPERBRIEF_ARXIV_DELAY_SECONDS": "0.01",
        "PAPERBRIEF_ARXIV_TIMEOUT_SECONDS": "5",
        "PAPERBRIEF_ARXIV_RETRIES": "1",
        "PAPERBRIEF_ARXIV_CATEGORIES": ",".join(CATS),
    }


def _run(tmp_path: Path, fake: FakeArxiv, *args: str) -> Result:
    return CliRunner().invoke(
        main,
        ["--home", str(tmp_path / "home"), "run", "--out", str(tmp_path / "out"), *args],
        env=_env(fake),
        catch_exceptions=False,
    )


def test_todays_announcement_becomes_the_digest_of_the_feed_date(tmp_path: Path, fake: FakeArxiv) -> None:
    result = _run(tmp_path, fake)
    assert result.exit_code == 0, result.output
    # keyed on the feed's announcement date (2026-02-05), not on the submission date or the clock
    markdown = (tmp_path / "out" / "2026-02-05.md").read_text(encoding="utf-8")
    data = json.loads((tmp_path / "out" / "2026-02-05.json").read_text(encoding="utf-8"))
    assert len(data["entries"]) == 30
    assert data["stats"]["announced_total"] == data["stats"]["fetched_total"] == 30
    assert data["stats"]["announced"] == data["stats"]["fetched"]
    assert "公告 " in markdown and "抓取" in markdown  # the footer states announced / fetched
    assert len(fake.requests()) == 2  # one feed request, one id_list batch


def test_rerun_of_the_same_day_refetches_but_keeps_rows_and_files(tmp_path: Path, fake: FakeArxiv) -> None:
    assert _run(tmp_path, fake).exit_code == 0
    before = (tmp_path / "out" / "2026-02-05.md").read_bytes()
    counts = Store(sqlite_url(tmp_path / "home" / "paperbrief.db")).table_counts()
    assert _run(tmp_path, fake).exit_code == 0
    after = Store(sqlite_url(tmp_path / "home" / "paperbrief.db")).table_counts()
    assert (tmp_path / "out" / "2026-02-05.md").read_bytes() == before
    assert {k: v for k, v in after.items() if k != "runs"} == {k: v for k, v in counts.items() if k != "runs"}


def test_papers_missing_after_retries_give_a_partial_digest_and_exit_3(tmp_path: Path, fake: FakeArxiv) -> None:
    fake.api_hidden = {"2602.04837"}
    result = _run(tmp_path, fake)
    assert result.exit_code == 3, result.output
    assert "missing" in result.output
    data = json.loads((tmp_path / "out" / "2026-02-05.json").read_text(encoding="utf-8"))
    assert data["stats"]["announced_total"] == 30
    assert any("2602.04837" in w for w in data["warnings"])
    markdown = (tmp_path / "out" / "2026-02-05.md").read_text(encoding="utf-8")
    assert "2602.04837" in markdown  # the gap is stated in the report, not hidden


@pytest.mark.parametrize(
    ("day", "reason"),
    [("2026-11-28", "weekend"), ("2026-11-29", "weekend"), ("2026-12-25", "holiday")],
)
def test_weekend_and_holiday_give_an_explicit_empty_digest(
    tmp_path: Path, fake: FakeArxiv, day: str, reason: str
) -> None:
    result = _run(tmp_path, fake, "--date", day)
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "out" / f"{day}.md").read_text(encoding="utf-8")
    assert "今日 arXiv 无新论文（周末/假日）" in markdown
    assert not re.search(r"^## \[\d+\.", markdown, re.M)  # no papers, and not yesterday's
    data = json.loads((tmp_path / "out" / f"{day}.json").read_text(encoding="utf-8"))
    assert data["no_announcement"] is True
    assert data["no_announcement_reason"] == reason
    assert data["entries"] == []


def test_an_empty_feed_day_is_reported_not_failed(tmp_path: Path, fake: FakeArxiv) -> None:
    fake.feed_empty = True
    result = _run(tmp_path, fake)
    assert result.exit_code == 0, result.output
    [written] = sorted((tmp_path / "out").glob("*.md"))
    assert "今日 arXiv 无新论文" in written.read_text(encoding="utf-8")


def test_a_paper_of_an_earlier_digest_is_not_repeated(tmp_path: Path) -> None:
    papers = load_sample()
    with FakeArxiv(papers[:20], feed_date=dt.date(2026, 2, 5)) as first:
        assert _run(tmp_path, first).exit_code == 0
    # next day: ten new papers plus five of yesterday's announced again (e.g. a moderation re-list)
    with FakeArxiv(papers[15:], feed_date=dt.date(2026, 2, 6)) as second:
        result = _run(tmp_path, second)
    assert result.exit_code == 0, result.output
    assert "already in an earlier digest" in result.output
    data = json.loads((tmp_path / "out" / "2026-02-06.json").read_text(encoding="utf-8"))
    ids = {e["paper"]["arxiv_id"] for e in data["entries"]}
    assert ids == {p["id"] for p in papers[20:]}


def test_unreachable_arxiv_is_a_one_line_error(tmp_path: Path) -> None:
    with FakeArxiv() as fake:
        env = _env(fake)
    # the server is stopped: connection refused on every retry
    result = CliRunner().invoke(
        main, ["--home", str(tmp_path / "home"), "run", "--out", str(tmp_path / "out")], env=env
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "127.0.0.1" in result.output
    assert "Traceback" not in result.output
