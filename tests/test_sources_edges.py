"""Issues 11 and 9 at the arXiv source: forbidden characters, failed enrichment, the calendar as data, date range."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fakes.arxiv_server import FEED_DATE, FakeArxiv, Fault
from paperbrief.cli import main
from paperbrief.sources.arxiv import (
    EARLIEST_DATE,
    ArxivCalendar,
    ArxivSource,
    DateCheck,
    HolidayFileError,
    classify_date,
    date_problem,
)
from paperbrief.sources.arxiv.parse import parse_announcement

CATS = ["cs.AI", "cs.CL", "cs.CV", "cs.LG"]


@pytest.fixture
def fake() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        yield server


def _source(fake: FakeArxiv, **kwargs: object) -> ArxivSource:
    options: dict[str, object] = {"delay_seconds": 0.0, "timeout": 5.0, "retries": 2, "backoff_seconds": 0.01}
    options.update(kwargs)
    return ArxivSource(fake.rss_url, fake.api_url, fake.oai_url, **options)  # type: ignore[arg-type]


def _cli(tmp_path: Path, fake: FakeArxiv, *args: str) -> Result:
    config = tmp_path / "paperbrief.toml"
    config.write_text("", encoding="utf-8")
    env = {
        "PAPERBRIEF_CONFIG": str(config),
        "PAPERBRIEF_ARXIV_RSS_URL": fake.rss_url,
        "PAPERBRIEF_ARXIV_API_URL": fake.api_url,
        "PAPERBRIEF_ARXIV_OAI_URL": fake.oai_url,
        "PAPERBRIEF_ARXIV_DELAY_SECONDS": "0.01",
        "PAPERBRIEF_ARXIV_TIMEOUT_SECONDS": "5",
        "PAPERBRIEF_ARXIV_RETRIES": "1",
        "PAPERBRIEF_ARXIV_CATEGORIES": ",".join(CATS),
    }
    return CliRunner().invoke(main, ["--home", str(tmp_path / "home"), *args], env=env)


# --- forbidden characters (issue 11) -----------------------------------------------------------


def test_quirk_nul_byte_in_the_feed_is_removed_with_a_note_not_retried(fake: FakeArxiv) -> None:
    """One NUL in one abstract made the whole feed malformed XML: the day failed after ~100 s of retries.

    XML 1.0 forbids U+0000 (https://www.w3.org/TR/xml/#charsets); issue 11 reproduced it from the feed.
    """
    fake.papers[0]["abstract"] = "Before\x00after the NUL."
    fake.papers[1]["title"] = "Title with a \x07bell"
    with _source(fake) as source:
        ann = source.fetch_announcement(CATS)
    assert len(fake.requests("/atom")) == 1  # read at the first attempt, not retried
    assert len(ann.papers) == 30 and ann.complete
    by_id = {p.arxiv_id: p for p in ann.papers}
    assert by_id[fake.papers[0]["id"]].abstract == "Beforeafter the NUL."
    assert by_id[fake.papers[1]["id"]].title == "Title with a bell"
    assert any("removed 2 character(s) XML 1.0 forbids" in note for note in ann.notes)  # the feed: NUL + BEL


def test_forbidden_character_reference_in_a_feed_is_removed() -> None:
    """`&#0;` names a character XML 1.0 forbids as surely as a raw NUL does; `&#233;` (é) is kept."""
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">'
        b"<title>cs.AI updates</title><updated>2026-02-05T05:00:00+00:00</updated><entry>"
        b"<id>oai:arXiv.org:2602.04837v1</id><title>Caf&#233; &#0;models&#x1;</title>"
        b"<summary>arXiv:2602.04837v1 Announce Type: new \nAbstract: Text.</summary>"
        b'<category term="cs.AI"/><published>2026-02-05T00:00:00-05:00</published>'
        b"<arxiv:announce_type>new</arxiv:announce_type></entry></feed>"
    )
    page = parse_announcement(body, "https://rss.arxiv.org/atom/cs.AI")
    assert [p.title for p in page.papers] == ["Café models"]
    assert page.notes == [
        "removed 2 character(s) XML 1.0 forbids (NUL or another control character) in https://rss.arxiv.org/atom/cs.AI"
    ]


# --- enrichment failing after retries (issue 11) -----------------------------------------------


def test_enrichment_failure_returns_the_feed_papers_marked(fake: FakeArxiv) -> None:
    """The feed had every paper, the API answered 503 to every attempt: the feed's papers come back, marked."""
    fake.script("/api", *[Fault(503)] * 10)
    with _source(fake, retries=1) as source:
        ann = source.fetch_announcement(CATS)
    assert len(ann.papers) == 30 and ann.missing == []
    assert not ann.enriched and not ann.complete
    assert ann.enrichment_error is not None and "HTTP 503" in ann.enrichment_error
    assert ann.partial is not None and "feed's data only" in ann.partial
    assert all(p.comment is None for p in ann.papers)  # the feed has no comments: nothing was enriched
    assert len(fake.requests("/api")) == 2  # one batch, tried twice, then given up


def test_run_writes_the_digest_from_the_feed_when_enrichment_fails(fake: FakeArxiv, tmp_path: Path) -> None:
    """`paperbrief run`: the digest of the 30 feed papers is written with a warning, exit 3 (issue 11)."""
    fake.script("/api", *[Fault(503)] * 10)
    result = _cli(tmp_path, fake, "run", "--out", str(tmp_path / "out"))
    assert result.exit_code == 3, result.output
    data = json.loads((tmp_path / "out" / f"{FEED_DATE}.json").read_text(encoding="utf-8"))
    assert len(data["entries"]) > 0
    assert any("arXiv API failed after retries" in w for w in data["warnings"])


# --- the calendar as data (issue 10) -----------------------------------------------------------


def test_bundled_holidays_cover_2025_and_2026_from_arxivs_page() -> None:
    """arXiv's lists (https://info.arxiv.org/help/availability.html; 2025 at arxiv-docs commit 95c71658)."""
    listed = {
        "2025-01-01", "2025-01-20", "2025-06-19", "2025-07-06", "2025-09-01", "2025-11-27", "2025-12-25",
        "2025-12-30", "2026-01-01", "2026-01-19", "2026-06-19", "2026-07-03", "2026-09-07", "2026-11-26",
        "2026-12-25", "2026-12-29", "2026-12-31",
    }  # fmt: skip
    assert {d.isoformat() for d in ArxivCalendar().holidays} == listed
    assert ArxivCalendar().no_announcement_reason(dt.date(2025, 9, 1)) == "holiday"
    assert ArxivCalendar().no_announcement_reason(dt.date(2025, 9, 2)) is None


def test_user_holiday_file_in_home_extends_the_calendar(fake: FakeArxiv, tmp_path: Path) -> None:
    """`<home>/arxiv-holidays.toml` adds a date: `fetch --date` answers "holiday" without asking arXiv."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "arxiv-holidays.toml").write_text('[[holiday]]\ndate = 2026-02-04\nname = "Snow day"\n', encoding="utf-8")
    result = _cli(tmp_path, fake, "fetch", "--date", "2026-02-04")
    assert result.exit_code == 0, result.output
    assert "2026-02-04: no arXiv announcement (holiday)" in result.stderr
    assert fake.requests() == []


def test_unreadable_user_holiday_file_is_a_one_line_usage_error(fake: FakeArxiv, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "arxiv-holidays.toml").write_text("[[holiday]]\ndate = tomorrow\n", encoding="utf-8")
    result = _cli(tmp_path, fake, "fetch", "--date", "2026-02-04")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: ") and "arxiv-holidays.toml: not valid TOML" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_holiday_file_entries_need_a_date(tmp_path: Path) -> None:
    path = tmp_path / "h.toml"
    path.write_text('[[holiday]]\nname = "no date"\n', encoding="utf-8")
    with pytest.raises(HolidayFileError, match="holiday #1 needs `date = YYYY-MM-DD`"):
        ArxivCalendar.load(path)
    path.write_text('[[holiday]]\ndate = "2027-01-01"\n', encoding="utf-8")  # a string date is accepted too
    assert dt.date(2027, 1, 1) in ArxivCalendar.load(path, tmp_path / "absent.toml").holidays


def test_unlisted_holiday_is_still_an_empty_feed(fake: FakeArxiv) -> None:
    """A weekday arXiv skipped but no file lists: the empty feed says "empty feed", not an error."""
    fake.feed_empty = True
    fake.feed_date = dt.date(2027, 1, 1)  # New Year's Day 2027: arXiv has not published 2027 yet
    with _source(fake, today=lambda: dt.date(2027, 1, 1)) as source:
        ann = source.fetch_announcement(CATS)
    assert (ann.no_announcement, ann.reason, ann.date) == (True, "empty feed", dt.date(2027, 1, 1))


# --- the range of servable dates (issue 9) -----------------------------------------------------


def test_classify_requested_dates() -> None:
    """Future (after today in New York) and before arXiv's first day (1991-08-14) cannot be served."""
    today = dt.date(2026, 11, 29)
    assert dt.date(1991, 8, 14) == EARLIEST_DATE
    assert classify_date(dt.date(2026, 11, 30), today=today) is DateCheck.FUTURE
    assert classify_date(today, today=today) is DateCheck.SERVABLE
    assert classify_date(dt.date(1991, 8, 14), today=today) is DateCheck.SERVABLE
    assert classify_date(dt.date(1991, 8, 13), today=today) is DateCheck.BEFORE_EARLIEST
    assert date_problem(dt.date(1990, 1, 2), today=today) == (
        "1990-01-02 is before arXiv's first announcement (14 August 1991): the earliest supported date is 1991-08-14"
    )
    assert date_problem(dt.date(2026, 12, 1), today=today) == (
        "2026-12-01 is in the future (today is 2026-11-29 in America/New_York)"
    )
    assert date_problem(dt.date(2000, 1, 3), today=today) is None


def test_cli_fetch_refuses_dates_outside_what_arxiv_can_serve(fake: FakeArxiv, tmp_path: Path) -> None:
    """`fetch --date` before 1991-08-14 or `backfill --from` before it: exit 2 naming the earliest date, no request."""
    result = _cli(tmp_path, fake, "fetch", "--date", "1989-06-01")
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        "Error: 1989-06-01 is before arXiv's first announcement (14 August 1991): "
        "the earliest supported date is 1991-08-14"
    )
    result = _cli(tmp_path, fake, "backfill", "--from", "1991-08-01", "--to", "1991-09-01", "--source", "api")
    assert result.exit_code == 2 and "the earliest supported date is 1991-08-14" in result.stderr
    assert fake.requests() == []


def test_run_with_a_nul_byte_in_the_feed_writes_the_day(fake: FakeArxiv, tmp_path: Path) -> None:
    """`paperbrief run` on a feed holding a NUL: the digest is written at the first attempt, the text is clean."""
    fake.papers[0]["abstract"] = "Before\x00after the NUL."
    result = _cli(tmp_path, fake, "run", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert len(fake.requests("/atom")) == 1
    text = (tmp_path / "out" / f"{FEED_DATE}.json").read_text(encoding="utf-8")
    assert "\\u0000" not in text and "\x00" not in text
