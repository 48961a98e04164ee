"""`paperbrief run` against a local fake arXiv: the announcement day, completeness, weekends, dedup.

Every test runs once per backend (the `db` fixture): the SQLite file in the home folder (the
default) and a PostgreSQL schema (`PAPERBRIEF_DATABASE_URL`); see conftest.py.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from click.testing import CliRunner, Result

from fakes.arxiv_server import FakeArxiv, load_sample, synthetic_papers
from paperbrief.cli import main
from paperbrief.models import AnnounceType
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url

CATS = ["cs.AI", "cs.CL", "cs.CV", "cs.LG"]


@pytest.fixture
def fake() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        yield server


@pytest.fixture(autouse=True)
def _work_in_tmp_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


class Database(NamedTuple):
    """Where a test's runs keep their store: its URL, and the environment that points `paperbrief` at it."""

    url: str
    env: dict[str, str]

    def open(self) -> Store:
        """The store the runs wrote."""
        return Store.open(self.url)


@pytest.fixture
def db(store_url: str, tmp_path: Path) -> Database:
    """Each backend: SQLite in the home folder (the default, no setting), or the PostgreSQL test schema."""
    if store_url.startswith("sqlite"):
        return Database(sqlite_url(tmp_path / "home" / "paperbrief.db"), {})
    return Database(store_url, {"PAPERBRIEF_DATABASE_URL": store_url})


def _env(fake: FakeArxiv) -> dict[str, str]:
    return {
        "PAPERBRIEF_ARXIV_RSS_URL": fake.rss_url,
        "PAPERBRIEF_ARXIV_API_URL": fake.api_url,
        "PAPERBRIEF_ARXIV_DELAY_SECONDS": "0.01",
        "PAPERBRIEF_ARXIV_TIMEOUT_SECONDS": "5",
        "PAPERBRIEF_ARXIV_RETRIES": "1",
        "PAPERBRIEF_ARXIV_CATEGORIES": ",".join(CATS),
    }


def _run(
    tmp_path: Path, fake: FakeArxiv, *args: str, db: Database | None = None, env: dict[str, str] | None = None
) -> Result:
    return CliRunner().invoke(
        main,
        ["--home", str(tmp_path / "home"), "run", "--out", str(tmp_path / "out"), *args],
        env={**_env(fake), **(db.env if db else {}), **(env or {})},
        catch_exceptions=False,
    )


def test_todays_announcement_becomes_the_digest_of_the_feed_date(tmp_path: Path, fake: FakeArxiv, db: Database) -> None:
    result = _run(tmp_path, fake, db=db)
    assert result.exit_code == 0, result.output
    # keyed on the feed's announcement date (2026-02-05), not on the submission date or the clock
    markdown = (tmp_path / "out" / "2026-02-05.md").read_text(encoding="utf-8")
    data = json.loads((tmp_path / "out" / "2026-02-05.json").read_text(encoding="utf-8"))
    assert len(data["entries"]) == 30
    assert data["stats"]["announced_total"] == data["stats"]["fetched_total"] == 30
    assert data["stats"]["announced"] == data["stats"]["fetched"]
    assert "公告 " in markdown and "抓取" in markdown  # the footer states announced / fetched
    assert len(fake.requests()) == 2  # one feed request, one id_list batch


def test_rerun_of_the_same_day_refetches_but_keeps_rows_and_files(
    tmp_path: Path, fake: FakeArxiv, db: Database
) -> None:
    assert _run(tmp_path, fake, db=db).exit_code == 0
    before = (tmp_path / "out" / "2026-02-05.md").read_bytes()
    store = db.open()
    counts = store.table_counts()
    assert _run(tmp_path, fake, db=db).exit_code == 0
    after = store.table_counts()
    store.close()
    assert (tmp_path / "out" / "2026-02-05.md").read_bytes() == before
    assert {k: v for k, v in after.items() if k != "runs"} == {k: v for k, v in counts.items() if k != "runs"}


def test_papers_missing_after_retries_give_a_partial_digest_and_exit_3(
    tmp_path: Path, fake: FakeArxiv, db: Database
) -> None:
    fake.api_hidden = {"2602.04837"}
    result = _run(tmp_path, fake, db=db)
    assert result.exit_code == 3, result.output
    assert "missing" in result.output
    data = json.loads((tmp_path / "out" / "2026-02-05.json").read_text(encoding="utf-8"))
    assert data["stats"]["announced_total"] == 30
    assert any("2602.04837" in w for w in data["warnings"])
    markdown = (tmp_path / "out" / "2026-02-05.md").read_text(encoding="utf-8")
    assert "2602.04837" in markdown  # the gap is stated in the report, not hidden


@pytest.mark.parametrize(
    ("day", "reason"),
    # Past days only: a future day (even a holiday) is a usage error, exit 2.
    [("2026-11-28", "weekend"), ("2026-11-29", "weekend"), ("2026-01-19", "holiday")],
)
def test_weekend_and_holiday_give_an_explicit_empty_digest(
    tmp_path: Path, fake: FakeArxiv, db: Database, day: str, reason: str
) -> None:
    result = _run(tmp_path, fake, "--date", day, db=db)
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "out" / f"{day}.md").read_text(encoding="utf-8")
    assert "今日 arXiv 无新论文（周末/假日）" in markdown
    assert not re.search(r"^## \[\d+\.", markdown, re.M)  # no papers, and not yesterday's
    data = json.loads((tmp_path / "out" / f"{day}.json").read_text(encoding="utf-8"))
    assert data["no_announcement"] is True
    assert data["no_announcement_reason"] == reason
    assert data["entries"] == []


def test_an_empty_feed_day_is_reported_not_failed(tmp_path: Path, fake: FakeArxiv, db: Database) -> None:
    fake.feed_empty = True
    result = _run(tmp_path, fake, db=db)
    assert result.exit_code == 0, result.output
    [written] = sorted((tmp_path / "out").glob("*.md"))
    assert "今日 arXiv 无新论文" in written.read_text(encoding="utf-8")


def test_a_paper_of_an_earlier_digest_is_not_repeated(tmp_path: Path, db: Database) -> None:
    papers = load_sample()
    with FakeArxiv(papers[:20], feed_date=dt.date(2026, 2, 5)) as first:
        assert _run(tmp_path, first, db=db).exit_code == 0
    # next day: ten new papers plus five of yesterday's announced again (e.g. a moderation re-list)
    with FakeArxiv(papers[15:], feed_date=dt.date(2026, 2, 6)) as second:
        result = _run(tmp_path, second, db=db)
    assert result.exit_code == 0, result.output
    # how many, and on which day: printed, in the report (in its language) and in the run's stats
    assert "5 papers were already in an earlier digest and are not repeated (digest of 2026-02-05)" in result.output
    assert ", 5 already digested)" in result.output
    data = json.loads((tmp_path / "out" / "2026-02-06.json").read_text(encoding="utf-8"))
    ids = {e["paper"]["arxiv_id"] for e in data["entries"]}
    assert ids == {p["id"] for p in papers[20:]}
    assert "5 篇论文已收录于此前的日报，本期不再重复（5 篇见 2026-02-05 的日报）" in data["warnings"]
    store = db.open()
    stats = store.list_runs(1)[0]["stats"]
    stats = json.loads(stats) if isinstance(stats, str) else stats
    assert stats["already_digested"] == dict.fromkeys(sorted(p["id"] for p in papers[15:20]), "2026-02-05")
    store.close()
    # `explain` agrees with what `run` did
    repeated = papers[17]["id"]
    explained = CliRunner().invoke(
        main,
        ["--home", str(tmp_path / "home"), "explain", repeated, "--date", "2026-02-06"],
        env={**_env(second), **db.env},
    )
    assert explained.exit_code == 0, explained.output
    assert "decision: not selected: already in the digest of 2026-02-05" in explained.output
    assert "stored digest of 2026-02-06: absent" in explained.output


def test_unreachable_arxiv_is_a_one_line_error(tmp_path: Path, db: Database) -> None:
    with FakeArxiv() as fake:
        env = {**_env(fake), **db.env}
    # the server is stopped: connection refused on every retry
    result = CliRunner().invoke(
        main, ["--home", str(tmp_path / "home"), "run", "--out", str(tmp_path / "out")], env=env
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "127.0.0.1" in result.output
    assert "Traceback" not in result.output


# --- audit findings: one throttle per run, incomplete days, replacements ----------------------


def test_run_shares_one_throttle_with_the_reading_list_import(tmp_path: Path, fake: FakeArxiv, db: Database) -> None:
    """Feed, enrichment and the reading list's id_list all ≥ the delay apart at the server.

    arXiv's ToU counts every request of the process: https://info.arxiv.org/help/api/tou.html
    """
    delay = 0.5
    fake.api_extra = synthetic_papers(3, "cs.AI", first=50000)
    reading = tmp_path / "reading.txt"
    reading.write_text("".join(f"{p['id']}\n" for p in fake.api_extra), encoding="utf-8")
    env = {"PAPERBRIEF_ARXIV_DELAY_SECONDS": str(delay), "PAPERBRIEF_SELECT_READING_LIST": str(reading)}
    result = _run(tmp_path, fake, env=env, db=db)
    assert result.exit_code == 0, result.output
    log = fake.requests()
    assert any(r.query.get("id_list", "").startswith("2602.5000") for r in log)  # the reading list was fetched
    assert len(log) == 3
    starts = sorted(r.start for r in log)
    assert all(b - a >= delay for a, b in itertools.pairwise(starts))


def test_quirk_empty_api_window_makes_run_partial(tmp_path: Path, fake: FakeArxiv, db: Database) -> None:
    """A past weekday whose API window comes back empty is incomplete: exit 3 and a warning, not a quiet 0-paper digest.

    The API's silent 0-result answers: https://github.com/ropensci/aRxiv/issues/67
    """
    result = _run(
        tmp_path, fake, "--date", "2026-02-04", db=db
    )  # the feed is dated 2026-02-05; no paper in that window
    assert result.exit_code == 3, result.output
    assert "may be incomplete" in result.output
    data = json.loads((tmp_path / "out" / "2026-02-04.json").read_text(encoding="utf-8"))
    assert data["no_announcement"] is False
    assert any("当天的论文可能不完整" in w for w in data["warnings"])  # a zh report warns in Chinese


def _replacement_days(tmp_path: Path, db: Database, *extra: str) -> tuple[dict[str, int], Store]:
    """Day 1: 20 new papers digested. Day 2: 10 new + v2 of two digested ones + v3 of a never-digested one."""
    papers = load_sample()
    with FakeArxiv(papers[:20], feed_date=dt.date(2026, 2, 5)) as first:
        result = _run(tmp_path, first, db=db, env=dict(e.split("=", 1) for e in extra))
        assert result.exit_code == 0, result.output
    day1 = json.loads((tmp_path / "out" / "2026-02-05.json").read_text(encoding="utf-8"))
    assert {papers[0]["id"], papers[1]["id"]} <= {e["paper"]["arxiv_id"] for e in day1["entries"]}
    replaced = [
        {**papers[0], "version": 2, "announce_type": "replace"},
        {**papers[1], "version": 2, "announce_type": "replace"},
    ]
    [never] = synthetic_papers(1, "cs.AI", first=60000)
    never.update(version=3, announce_type="replace")
    with FakeArxiv([*papers[20:], *replaced, never], feed_date=dt.date(2026, 2, 6)) as second:
        result = _run(tmp_path, second, db=db, env=dict(e.split("=", 1) for e in extra))
        assert result.exit_code == 0, result.output
    day2 = json.loads((tmp_path / "out" / "2026-02-06.json").read_text(encoding="utf-8"))
    store = db.open()
    return {e["paper"]["arxiv_id"]: e["paper"]["version"] for e in day2["entries"]}, store


def test_replacements_are_recorded_but_not_digested_by_default(tmp_path: Path, db: Database) -> None:
    """`replace` items (https://info.arxiv.org/help/rss_specifications.html) are stored, not summarized, by default."""
    papers = load_sample()
    digested, store = _replacement_days(tmp_path, db)
    assert digested == {p["id"]: 1 for p in papers[20:]}
    stored = {p.arxiv_id: p for p in store.announced_papers(dt.date(2026, 2, 6))}
    for ident, version in ((papers[0]["id"], 2), (papers[1]["id"], 2), ("2602.60000", 3)):
        assert stored[ident].announce_type is AnnounceType.REPLACE and stored[ident].version == version


def test_replacements_setting_only_brings_back_newer_versions_of_digested_papers(tmp_path: Path, db: Database) -> None:
    """With arxiv_include_replacements on, only ids of an earlier digest with a newer version return.

    A replacement of a paper never digested stays out ("replacements are recorded but not summarized").
    """
    papers = load_sample()
    digested, store = _replacement_days(tmp_path, db, "PAPERBRIEF_ARXIV_INCLUDE_REPLACEMENTS=true")
    expected = {p["id"]: 1 for p in papers[20:]} | {papers[0]["id"]: 2, papers[1]["id"]: 2}
    assert digested == expected
    assert "2602.60000" not in digested
    assert store.announced_papers(dt.date(2026, 2, 6))[0].announced == dt.date(2026, 2, 6)


def test_a_watched_authors_cross_list_reaches_the_digest_with_cross_lists_off(tmp_path: Path) -> None:
    """A cross-list (primary outside the categories) is kept for a watched author, as `explain` says.

    SQLite only: two homes with two separate stores compare the same day with and without the setting
    (on one PostgreSQL schema the second run would find the first's digest).
    """
    papers = load_sample()[:3]
    cross = dict(papers[0], id="2602.05999", categories=["stat.ML", "cs.LG"], authors=["Ada Lovelace", "Alan Turing"])
    with FakeArxiv([*papers, cross]) as fake:
        plain = _run(tmp_path / "a", fake)
        watched = _run(tmp_path / "b", fake, env={"PAPERBRIEF_SELECT_AUTHORS": "A. Lovelace"})
    assert plain.exit_code == 0 and watched.exit_code == 0, plain.output + watched.output
    ids_plain = {
        e["paper"]["arxiv_id"] for e in json.loads((tmp_path / "a" / "out" / "2026-02-05.json").read_text())["entries"]
    }
    ids_watched = {
        e["paper"]["arxiv_id"] for e in json.loads((tmp_path / "b" / "out" / "2026-02-05.json").read_text())["entries"]
    }
    assert "2602.05999" not in ids_plain
    assert "2602.05999" in ids_watched
