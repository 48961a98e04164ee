"""`paperbrief run` end to end through the CLI, offline: the sample day and bad input.

Tests that run the pipeline take the `db` fixture and run once per backend: the SQLite file in the
home folder (the default) and a PostgreSQL schema (`PAPERBRIEF_DATABASE_URL`); see conftest.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner, Result

from paperbrief.cli import main
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url


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


def _run(tmp_path: Path, *args: str, db: Database | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        main,
        ["--home", str(tmp_path / "home"), "run", *args],
        env={**(db.env if db else {}), **(env or {})},
        catch_exceptions=False,
    )


def _github_slug(heading: str) -> str:
    """GitHub's anchor rule, written independently of the renderer: lowercase, drop punctuation, spaces to -."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _toc(markdown: str) -> list[tuple[str, str, int]]:
    return [(m[0], m[1], int(m[2])) for m in re.findall(r"^- \[(.+?)\]\(#(.+?)\) \((\d+) 篇\)$", markdown, re.M)]


def test_sample_day_end_to_end(tmp_path: Path, db: Database) -> None:
    result = _run(tmp_path, "--sample", "--out", str(tmp_path / "out"), db=db)
    assert result.exit_code == 0, result.output
    md_path = tmp_path / "out" / "2026-02-04.md"
    json_path = tmp_path / "out" / "2026-02-04.json"
    assert f"wrote {md_path}" in result.output
    markdown = md_path.read_bytes().decode("utf-8")
    data = json.loads(json_path.read_bytes().decode("utf-8"))

    # 30 papers numbered 1..30 through the whole report
    numbers = [int(n) for n in re.findall(r"^## \[(\d+)\. ", markdown, re.M)]
    assert numbers == list(range(1, 31))
    assert len(data["entries"]) == 30

    # the TOC: counts per category, in section order, each link resolving to a heading by GitHub's rule
    toc = _toc(markdown)
    assert [(name, count) for name, _, count in toc] == [("cs.LG", 17), ("cs.CV", 7), ("cs.AI", 3), ("cs.CL", 3)]
    sections = re.findall(r"^## (cs\.\w+)$", markdown, re.M)
    assert sections == ["cs.LG", "cs.CV", "cs.AI", "cs.CL"]
    heading_slugs = {_github_slug(h) for h in re.findall(r"^#{1,6} (.+)$", markdown, re.M)}
    for _, anchor, _ in toc:
        assert anchor in heading_slugs

    # authors beyond three are truncated; three or fewer are listed in full
    assert "**作者**：Zhaotian Weng, Antonis Antoniades, Deepak Nathani 等 6 位作者  " in markdown
    assert "**作者**：Haoze" not in markdown  # no stray truncation of short lists
    assert re.search(r"\*\*作者\*\*：[^\n等]+, [^\n等]+  \n", markdown)

    # UTF-8 round trip: Chinese labels and emoji as characters, not escapes or mojibake
    assert "📑 目录" in markdown and "📝 摘要摘录" in markdown  # an extractive run: no "AI" heading
    assert "\\u" not in json_path.read_text(encoding="utf-8")
    assert "ç" not in markdown  # the reference's double-encoding symptom

    # extractive backend: no fake scores
    assert "**评分**：0" not in markdown
    assert markdown.count("**评分**：—（未评分）") == 30
    assert "no LLM configured" in result.output


def test_rerunning_the_same_day_gives_the_same_files_and_no_duplicate_rows(tmp_path: Path, db: Database) -> None:
    out = tmp_path / "out"
    assert _run(tmp_path, "--sample", "--out", str(out), db=db).exit_code == 0
    first = {p.name: p.read_bytes() for p in sorted(out.glob("2026-02-04.*"))}
    store = db.open()
    counts = store.table_counts()
    assert _run(tmp_path, "--sample", "--out", str(out), db=db).exit_code == 0
    second = {p.name: p.read_bytes() for p in sorted(out.glob("2026-02-04.*"))}
    assert first == second
    again = store.table_counts()
    store.close()
    assert again.pop("runs") == counts.pop("runs") + 1
    assert again == counts


def test_english_labels(tmp_path: Path, db: Database) -> None:
    result = _run(tmp_path, "--sample", "--lang", "en", "--out", str(tmp_path / "out"), "--max-papers", "5", db=db)
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "out" / "2026-02-04.md").read_text(encoding="utf-8")
    assert "论文" not in markdown and "评分" not in markdown
    assert len(re.findall(r"^## \[\d+\. ", markdown, re.M)) == 5


def test_markup_in_titles_and_abstracts_stays_text(tmp_path: Path, db: Database) -> None:
    day = tmp_path / "day.json"
    paper = {
        "id": "2602.99999",
        "version": 1,
        "title": "Attack <script>alert(1)</script> [click](http://evil.example) *bold*",
        "authors": ["Ada <b>Lovelace</b>", "李雷", "Émile 🚀"],
        "categories": ["cs.CL"],
        "published": "2026-02-04T10:00:00Z",
        "abstract": "We show ]( and <script>document.cookie</script> are text. Results hold for $\\alpha_1$.",
    }
    day.write_text(json.dumps({"announced": "2026-02-04", "papers": [paper]}, ensure_ascii=False), encoding="utf-8")
    result = _run(tmp_path, "--from-json", str(day), "--out", str(tmp_path / "out"), db=db)
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "out" / "2026-02-04.md").read_text(encoding="utf-8")
    assert "<script>" not in markdown
    assert "<b>" not in markdown
    # the title's link is not a live link: both brackets are escaped
    assert re.search(r"(?<!\\)\[click(?<!\\)\]\(", markdown) is None
    assert "\\[click\\](http://evil.example)" in markdown
    assert "李雷" in markdown and "Émile 🚀" in markdown and "$\\alpha_1$" in markdown
    data = json.loads((tmp_path / "out" / "2026-02-04.json").read_text(encoding="utf-8"))
    assert data["entries"][0]["paper"]["title"] == paper["title"]  # JSON keeps the data exact


@pytest.mark.parametrize("bad", ["yesterday", "2026/02/04", "20260204", "2026-2-4"])
def test_invalid_date_is_a_one_line_usage_error(tmp_path: Path, bad: str) -> None:
    result = _run(tmp_path, "--sample", "--date", bad)
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: invalid date {bad!r}: expected YYYY-MM-DD"


@pytest.mark.parametrize("bad", ["2026-02-30", "2026-13-01", "2025-02-29"])
def test_a_date_not_on_the_calendar_is_named_as_such(tmp_path: Path, bad: str) -> None:
    result = _run(tmp_path, "--sample", "--date", bad)
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {bad} is not a calendar date"


def test_a_future_date_is_a_usage_error_and_writes_nothing(tmp_path: Path) -> None:
    tomorrow = (dt.datetime.now(ZoneInfo("America/New_York")).date() + dt.timedelta(days=2)).isoformat()
    result = _run(tmp_path, "--date", tomorrow, "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {tomorrow} is in the future")
    assert not (tmp_path / "out").exists()


def test_a_date_before_arxiv_existed_names_the_earliest_date_and_writes_no_digest(tmp_path: Path) -> None:
    result = _run(tmp_path, "--date", "1991-08-13", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.output.strip().endswith("the earliest supported date is 1991-08-14")
    assert not (tmp_path / "out").exists()  # no empty digest, no site


def test_sample_with_another_date_is_refused(tmp_path: Path, db: Database) -> None:
    result = _run(tmp_path, "--sample", "--date", "2026-02-05", "--out", str(tmp_path / "out"), db=db)
    assert result.exit_code == 1
    assert "sample day is 2026-02-04" in result.output
    assert "Traceback" not in result.output


def test_unwritable_output_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    result = _run(tmp_path, "--sample", "--out", str(blocker / "digests"))
    assert result.exit_code == 1
    assert result.output.startswith("Error: output folder")
    assert "not writable" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_corrupt_database_file(tmp_path: Path) -> None:
    """SQLite only: the home's database file is garbage (a PostgreSQL server has no file to corrupt)."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "paperbrief.db").write_bytes(b"garbage, not sqlite" * 100)
    result = _run(tmp_path, "--sample", "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "Error: cannot open database" in result.output
    assert "not a database" in result.output
    assert "Traceback" not in result.output


def test_unreadable_day_file(tmp_path: Path, db: Database) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = _run(tmp_path, "--from-json", str(bad), "--out", str(tmp_path / "out"), db=db)
    assert result.exit_code == 1
    assert "is not UTF-8 JSON" in result.output


def test_version_and_help() -> None:
    runner = CliRunner()
    assert re.match(r"paperbrief, version \d+\.\d+\.\d+", runner.invoke(main, ["--version"]).output)
    for command in main.list_commands(click.Context(main)):
        result = runner.invoke(main, [command, "--help"], prog_name="paperbrief")
        assert result.exit_code == 0
        assert "Usage: paperbrief " + command in result.output


def test_runs_record_the_digest_date_not_the_clock(tmp_path: Path, db: Database) -> None:
    assert _run(tmp_path, "--sample", "--out", str(tmp_path / "out"), db=db).exit_code == 0
    store = db.open()
    [run] = store.list_runs()
    store.close()
    assert str(run["date"]) == "2026-02-04"
    assert run["status"] == "ok"
    assert run["source"] == "sample"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql+mysqldb://u:pw@127.0.0.1/db", "is not installed: MySQLdb"),
        ("postgresql+nosuchdriver://u:pw@127.0.0.1/db", "unsupported database URL"),
    ],
)
def test_a_database_url_without_its_driver_is_a_one_line_error(tmp_path: Path, url: str, expected: str) -> None:
    result = CliRunner().invoke(
        main, ["run", "--sample", "--out", str(tmp_path / "out")], env={"PAPERBRIEF_DATABASE_URL": url}
    )
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert "pw@" not in result.output
    assert "Traceback" not in result.output


def test_an_archive_category_covers_its_subject_classes(tmp_path: Path, db: Database) -> None:
    """`--categories cs` means every cs.* paper, in the source, the counts and the selection alike."""
    result = _run(tmp_path, "--sample", "--categories", "cs", "--out", str(tmp_path / "out"), db=db)
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "2026-02-04.json").read_text(encoding="utf-8"))
    assert len(data["entries"]) == 30
    assert data["stats"]["announced"] == {"cs": 30}


def test_invalid_selection_settings_fail_in_one_line_and_close_the_run(tmp_path: Path, db: Database) -> None:
    result = _run(
        tmp_path, "--sample", "--out", str(tmp_path / "out"), db=db, env={"PAPERBRIEF_SELECT_INCLUDE": "re:("}
    )
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: invalid selection settings:")
    assert len(result.output.strip().splitlines()) == 1
    store = db.open()
    [run] = store.list_runs()
    store.close()
    assert run["status"] == "failed"  # never left "running"


def test_a_database_password_in_the_url_query_never_shows_in_the_error(tmp_path: Path) -> None:
    """Issue 11: `cannot open database` printed `…/pb?user=u&password=…` in clear; libpq's sslpassword too."""
    url = "postgresql+psycopg://127.0.0.1:1/pb?user=u&password=hunter2-secret&sslpassword=k3y-secret&connect_timeout=2"
    result = _run(tmp_path, "--sample", "--out", str(tmp_path / "out"), env={"PAPERBRIEF_DATABASE_URL": url})
    assert result.exit_code == 1, result.output
    assert result.output.startswith(
        "Error: cannot open database postgresql+psycopg://127.0.0.1:1/pb?user=u&password=****"
    )
    assert "hunter2-secret" not in result.output and "k3y-secret" not in result.output
    assert len(result.output.strip().splitlines()) == 1
