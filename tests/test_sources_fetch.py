"""The arXiv source against a local fake arXiv (tests/fakes/arxiv_server.py): data, faults, politeness, calendar."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fakes.arxiv_server import FEED_DATE, FakeArxiv, Fault, load_sample, synthetic_papers
from paperbrief.cli import main
from paperbrief.models import AnnounceType
from paperbrief.sources.arxiv import (
    ArxivAPIError,
    ArxivCalendar,
    ArxivCategoryError,
    ArxivEmptyPageError,
    ArxivFeedError,
    ArxivHTTPError,
    ArxivMissingError,
    ArxivNetworkError,
    ArxivNotAnnouncedError,
    ArxivParseError,
    ArxivSource,
    Throttle,
)
from paperbrief.sources.arxiv.errors import short_url
from paperbrief.sources.arxiv.parse import parse_oai
from paperbrief.sources.arxiv.source import oai_set
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url

CATS = ["cs.AI", "cs.CL", "cs.CV", "cs.LG"]
FIXTURES = Path(__file__).parent / "data" / "fixtures"


@pytest.fixture
def fake() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        yield server


def _source(fake: FakeArxiv, **kwargs: object) -> ArxivSource:
    options: dict[str, object] = {"delay_seconds": 0.0, "timeout": 5.0, "retries": 3, "backoff_seconds": 0.01}
    options.update(kwargs)
    return ArxivSource(fake.rss_url, fake.api_url, fake.oai_url, **options)  # type: ignore[arg-type]


def _env(fake: FakeArxiv, tmp_path: Path, **extra: str) -> dict[str, str]:
    config = tmp_path / "paperbrief.toml"  # an empty file: no stray ./paperbrief.toml is read
    config.write_text("", encoding="utf-8")
    env = {
        "PAPERBRIEF_HOME": str(tmp_path / "home"),
        "PAPERBRIEF_ARXIV_RSS_URL": fake.rss_url,
        "PAPERBRIEF_ARXIV_API_URL": fake.api_url,
        "PAPERBRIEF_ARXIV_OAI_URL": fake.oai_url,
        "PAPERBRIEF_ARXIV_DELAY_SECONDS": "0.01",
        "PAPERBRIEF_ARXIV_TIMEOUT_SECONDS": "5",
        "PAPERBRIEF_ARXIV_RETRIES": "2",
        "PAPERBRIEF_ARXIV_CONTACT": "digest@example.org",
        "PAPERBRIEF_ARXIV_CATEGORIES": ",".join(CATS),
        "PAPERBRIEF_CONFIG": str(config),
    }
    env.update(extra)
    return env


def _invoke(args: list[str], env: dict[str, str]) -> Result:
    return CliRunner().invoke(main, args, env=env)


def _expected_papers() -> list[dict[str, object]]:
    """The Paper JSON the fetch must produce for the reference day, in feed order."""
    out = []
    for p in load_sample():
        out.append(
            {
                "arxiv_id": p["id"],
                "version": p["version"],
                "title": p["title"],
                "authors": p["authors"],
                "abstract": " ".join(p["abstract"].split()),
                "categories": p["categories"],
                "primary_category": p["categories"][0],
                "published": p["published"],
                "updated": p["published"],
                "comment": None,
                "journal_ref": None,
                "doi": None,
                "announce_type": "new",
                "announced": "2026-02-05",
            }
        )
    # arXiv's order: new before cross, then id descending
    return sorted(out, key=lambda p: [-int(x) for x in str(p["arxiv_id"]).split(".")])


def _gaps(fake: FakeArxiv) -> list[float]:
    starts = sorted(r.start for r in fake.requests())
    return [b - a for a, b in itertools.pairwise(starts)]


# --- the reference day, end to end through the CLI ------------------------------------------


def test_cli_fetch_json_returns_the_30_reference_papers_in_two_requests(fake: FakeArxiv, tmp_path: Path) -> None:
    """`paperbrief fetch --json`: exactly the 30 papers, every field, one feed + one API request."""
    result = _invoke(["fetch", "--json"], _env(fake, tmp_path))
    assert result.exit_code == 0, result.output
    papers = json.loads(result.stdout)
    for paper in papers:  # pydantic writes "Z" as "Z"; compare instants, not spellings
        for key in ("published", "updated"):
            paper[key] = dt.datetime.fromisoformat(paper[key]).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert papers == _expected_papers()
    assert [r.path for r in fake.requests()] == ["/atom/cs.AI+cs.CL+cs.CV+cs.LG", "/api/query"]
    assert fake.requests("/api")[0].query["max_results"] == "30"
    assert "announced 30 / fetched 30" in result.stderr
    assert "cs.AI 14/14" in result.stderr
    store = Store(sqlite_url(tmp_path / "home" / "paperbrief.db"))
    stored = store.announced_papers(FEED_DATE)
    assert len(stored) == 30
    assert {p.announce_type for p in stored} == {AnnounceType.NEW}


def test_cli_fetch_rss2_flavour_same_papers(fake: FakeArxiv, tmp_path: Path) -> None:
    """The RSS 2.0 flavour (rss.arxiv.org/rss/…) yields the same papers as Atom."""
    result = _invoke(["fetch", "--json"], _env(fake, tmp_path, PAPERBRIEF_ARXIV_RSS_URL=fake.rss2_url))
    assert result.exit_code == 0, result.output
    assert [p["arxiv_id"] for p in json.loads(result.stdout)] == [p["arxiv_id"] for p in _expected_papers()]
    assert fake.requests()[0].path == "/rss/cs.AI+cs.CL+cs.CV+cs.LG"


def test_cli_fetch_plain_output_is_utf8_and_uses_the_contact(fake: FakeArxiv, tmp_path: Path) -> None:
    """Plain listing: one line per paper; the User-Agent names paperbrief and the configured contact."""
    result = _invoke(["fetch", "--categories", "cs.CL"], _env(fake, tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 4  # cs.CL-tagged papers of the day
    assert lines[0].startswith("2602.04856v1           new           cs.CL      CoT is Not the Chain of Truth")
    assert lines[3].startswith("2602.04863v1           cross         cs.LG")
    ua = fake.requests()[0].user_agent
    assert ua.startswith("paperbrief/") and "mailto:digest@example.org" in ua


def test_cli_fetch_ids(fake: FakeArxiv, tmp_path: Path) -> None:
    """`--ids` looks papers up with one id_list call and stores them."""
    result = _invoke(["fetch", "--ids", "2602.04837,2602.04856v1", "--json"], _env(fake, tmp_path))
    assert result.exit_code == 0, result.output
    assert [p["arxiv_id"] for p in json.loads(result.stdout)] == ["2602.04837", "2602.04856"]
    assert fake.requests("/api")[0].query["id_list"] == "2602.04837,2602.04856v1"


def test_cli_fetch_missing_ids_exit_partial_and_keep_data(fake: FakeArxiv, tmp_path: Path) -> None:
    """Ids the API does not return are named, exit 3, and what did arrive is printed and stored."""
    result = _invoke(["fetch", "--ids", "2602.04837,2602.00001", "--json"], _env(fake, tmp_path))
    assert result.exit_code == 3
    assert [p["arxiv_id"] for p in json.loads(result.stdout)] == ["2602.04837"]
    assert "2602.00001" in result.stderr and "Traceback" not in result.output
    store = Store(sqlite_url(tmp_path / "home" / "paperbrief.db"))
    assert set(store.latest_papers(["2602.04837", "2602.00001"])) == {"2602.04837"}


def test_cli_fetch_announced_but_not_enriched_is_partial(fake: FakeArxiv, tmp_path: Path) -> None:
    """A paper in the feed that the API never returns: listed as missing, kept with feed data, exit 3."""
    fake.api_hidden = {"2602.04837"}
    result = _invoke(["fetch", "--json"], _env(fake, tmp_path))
    assert result.exit_code == 3
    papers = {p["arxiv_id"]: p for p in json.loads(result.stdout)}
    assert len(papers) == 30
    assert papers["2602.04837"]["primary_category"] is None  # feed data only, not silently dropped
    assert "announced 30 / fetched 29" in result.stderr
    assert "cs.AI 14/13" in result.stderr
    assert "missing after retries: 2602.04837v1" in result.stderr
    assert len(fake.requests("/api")) == 2  # the missing id was asked for once more


def test_cli_feed_error_is_one_line_with_url(fake: FakeArxiv, tmp_path: Path) -> None:
    """Unknown category → the feed's 400 "Feed error for query" → one line naming the URL, exit 1."""
    result = _invoke(["fetch", "--categories", "cs.XX"], _env(fake, tmp_path))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: arXiv feed error: Bad archive 'cs.XX'")
    assert f"({fake.rss_url}/cs.XX)" in lines[0]
    assert "Traceback" not in result.output
    assert len(fake.requests()) == 1  # a 400 is not retried


def test_cli_exhausted_retries_are_one_line(fake: FakeArxiv, tmp_path: Path) -> None:
    """503 on every attempt → `Error: HTTP 503 … gave up after 3 attempt(s) (url)`, exit 1, nothing printed."""
    fake.script("/atom", *[Fault(503)] * 3)
    result = _invoke(["fetch", "--json"], _env(fake, tmp_path))
    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()[-1:]
    assert line.startswith("Error: HTTP 503 Service Unavailable — gave up after 3 attempt(s)")
    assert fake.rss_url in line
    assert len(fake.requests()) == 3


def test_cli_weekend_date_is_no_announcement(fake: FakeArxiv, tmp_path: Path) -> None:
    """--date on a Saturday: no request, exit 0, an explicit message and an empty JSON array."""
    result = _invoke(["fetch", "--date", "2026-02-07", "--json"], _env(fake, tmp_path))
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert "no arXiv announcement (weekend)" in result.stderr
    assert fake.requests() == []


def test_cli_backfill_oai(fake: FakeArxiv, tmp_path: Path) -> None:
    """`paperbrief backfill --from --to` harvests both OAI pages and stores the papers."""
    result = _invoke(
        ["backfill", "--from", "2005-01-01", "--to", "2012-12-31", "--categories", "cs.AI"], _env(fake, tmp_path)
    )
    assert result.exit_code == 0, result.output
    assert "page 2: 8 papers (16 so far)" in result.stderr
    store = Store(sqlite_url(tmp_path / "home" / "paperbrief.db"))
    assert store.table_counts()["papers"] == 16
    assert store.get_state("arxiv.oai.arXivRaw.cs:cs:AI.2005-01-01.2012-12-31") is None


def test_cli_fetch_past_date_uses_api_window(fake: FakeArxiv, tmp_path: Path) -> None:
    """--date older than the feed → one API submittedDate window query; papers keyed on that date."""
    fake.feed_date = dt.date(2026, 2, 6)
    result = _invoke(["fetch", "--date", "2026-02-05", "--json"], _env(fake, tmp_path))
    assert result.exit_code == 0, result.output
    papers = json.loads(result.stdout)
    assert sorted(p["arxiv_id"] for p in papers) == sorted(p["id"] for p in load_sample())
    assert {p["announced"] for p in papers} == {"2026-02-05"}
    query = fake.requests("/api")[0].query["search_query"]
    assert query == (
        "(cat:cs.AI OR cat:cs.CL OR cat:cs.CV OR cat:cs.LG) AND submittedDate:[202602031900 TO 202602041859]"
    )


# --- faults, one by one (library level, tiny waits) -----------------------------------------


def test_quirk_http_429_retry_after_is_honoured(fake: FakeArxiv) -> None:
    """HTTP 429 below the documented rate, https://github.com/lukasschwab/arxiv.py/issues/203 : wait Retry-After."""
    fake.script("/api", Fault(429, headers={"Retry-After": "1"}))
    with _source(fake) as source:
        papers = source.fetch_ids(["2602.04837"])
    assert [p.arxiv_id for p in papers] == ["2602.04837"]
    first, second = fake.requests("/api")
    assert second.start - first.start >= 1.0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_quirk_5xx_is_retried(fake: FakeArxiv, status: int) -> None:
    """5xx → retried, then success (arxiv.py retries any non-200: https://github.com/lukasschwab/arxiv.py)."""
    fake.script("/atom", Fault(status), Fault(status))
    with _source(fake) as source:
        ann = source.fetch_announcement(CATS)
    assert len(ann.papers) == 30
    assert [r.path.split("/")[1] for r in fake.requests()] == ["atom", "atom", "atom", "api"]


def test_hang_longer_than_timeout_is_retried(fake: FakeArxiv) -> None:
    """A response slower than the client timeout is abandoned and retried."""
    fake.script("/api", Fault(delay=1.5))
    with _source(fake, timeout=0.3) as source:
        papers = source.fetch_ids(["2602.04837"])
    assert len(papers) == 1
    assert len(fake.requests("/api")) == 2


def test_hang_every_time_is_a_network_error(fake: FakeArxiv) -> None:
    """Timeouts on every attempt → ArxivNetworkError with the URL, never a partial list."""
    fake.script("/api", *[Fault(delay=0.6)] * 2)
    with _source(fake, timeout=0.2, retries=1) as source, pytest.raises(ArxivNetworkError) as info:
        source.fetch_ids(["2602.04837"])
    assert "timed out" in str(info.value) and fake.api_url in info.value.url
    assert "gave up after 2 attempt(s)" in str(info.value)


def test_connection_refused_is_a_network_error() -> None:
    """Nobody listening → ArxivNetworkError after the retries."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    with (
        ArxivSource(
            f"{base}/atom", f"{base}/api/query", f"{base}/oai", delay_seconds=0, retries=1, backoff_seconds=0.01
        ) as source,
        pytest.raises(ArxivNetworkError) as info,
    ):
        source.fetch_announcement(CATS)
    assert "connection failed" in str(info.value)
    assert "\n" not in str(info.value)


def test_quirk_200_with_empty_body_is_retried(fake: FakeArxiv) -> None:
    """HTTP 200 with an empty body, https://github.com/ropensci/aRxiv/issues/67 (and #66) → retried."""
    fake.script("/atom", Fault(200, body=b""))
    fake.script("/api", Fault(200, body=b""))
    with _source(fake) as source:
        ann = source.fetch_announcement(CATS)
    assert len(ann.papers) == 30 and ann.fetched == ann.announced and ann.missing == []
    assert len(fake.requests()) == 4


def test_empty_body_every_time_is_a_parse_error(fake: FakeArxiv) -> None:
    """Still empty after the retries → ArxivParseError naming the URL (not an empty announcement)."""
    fake.script("/atom", *[Fault(200, body=b"")] * 4)
    with _source(fake) as source, pytest.raises(ArxivParseError) as info:
        source.fetch_announcement(CATS)
    assert info.value.message.startswith("empty response body")
    assert info.value.url == f"{fake.rss_url}/cs.AI+cs.CL+cs.CV+cs.LG"


def test_malformed_xml_is_retried_then_typed(fake: FakeArxiv) -> None:
    """Truncated XML: retried; when it persists, ArxivParseError("malformed XML …")."""
    fake.script("/api", Fault(200, body=b"<feed xmlns='http://www.w3.org/2005/Atom'><entry>"))
    with _source(fake) as source:
        assert len(source.fetch_ids(["2602.04837"])) == 1
    fake.script("/api", *[Fault(200, body=b"<feed><entry>")] * 4)
    with _source(fake) as source, pytest.raises(ArxivParseError) as info:
        source.fetch_ids(["2602.04837"])
    assert info.value.message.startswith("malformed XML")


def test_quirk_api_error_feed(fake: FakeArxiv) -> None:
    """The API's error feed (recorded id_list=abc answer, HTTP 400, entry id …/api/errors#…) → ArxivAPIError.

    https://info.arxiv.org/help/api/user-manual.html#_errors
    """
    recorded = json.loads(next((FIXTURES / "api").glob("id_abc_*.json")).read_text(encoding="utf-8"))
    fake.script("/api", Fault(400, body=recorded["body"].encode()))
    with _source(fake) as source, pytest.raises(ArxivAPIError) as info:
        source.fetch_ids(["2602.04837"])
    assert info.value.message == "arXiv API error: incorrect id format for abc"
    assert len(fake.requests("/api")) == 1  # errors of the request itself are not retried


def test_quirk_feed_error_for_query_unknown_category(fake: FakeArxiv) -> None:
    """rss.arxiv.org answers 400 "Feed error for query" for an unknown archive.

    https://github.com/arXiv/arxiv-feed (serialize_error); zotero-arxiv-daily checks this string.
    """
    with _source(fake) as source, pytest.raises(ArxivFeedError) as info:
        source.fetch_announcement(["cs.AI", "cs.XX"])  # a known archive, an unknown subject class
    assert "Bad archive 'cs.XX'" in info.value.message


def test_other_4xx_is_typed_and_not_retried(fake: FakeArxiv) -> None:
    """A plain 403 (e.g. blocked) → ArxivHTTPError with the status, one request."""
    fake.script("/atom", Fault(403, body=b"Forbidden"))
    with _source(fake) as source, pytest.raises(ArxivHTTPError) as info:
        source.fetch_announcement(CATS)
    assert info.value.status == 403 and len(fake.requests()) == 1


def test_quirk_empty_page_mid_pagination_is_retried(fake: FakeArxiv) -> None:
    """Empty page although totalResults says more, https://github.com/lukasschwab/arxiv.py/issues/175 ."""
    fake.script("/api", Fault(), Fault(empty=True))  # the 2nd page comes back empty once
    with _source(fake, page_size=10) as source:
        papers = source.search("cat:cs.AI OR cat:cs.CL OR cat:cs.CV OR cat:cs.LG")
    assert len(papers) == 30
    # the 3rd page is full, so a 4th is asked for: only a short or empty page ends the paging
    assert [r.query["start"] for r in fake.requests("/api")] == ["0", "10", "10", "20", "30"]


def test_empty_pages_every_time_stop_with_an_error(fake: FakeArxiv) -> None:
    """A page that stays empty → ArxivEmptyPageError after the retries, not a loop or a short list."""
    fake.script("/api", Fault(), *[Fault(empty=True)] * 4)
    with _source(fake, page_size=10) as source, pytest.raises(ArxivEmptyPageError) as info:
        source.search("cat:cs.AI")
    assert "start=10" in info.value.message or "start" in info.value.url
    assert len(fake.requests("/api")) == 5


def test_quirk_total_results_too_high_once(fake: FakeArxiv) -> None:
    """totalResults inconsistent with the entries, one lie is harmless.

    https://groups.google.com/g/arxiv-api ("Total results doesn't match the real amount of entries").
    """
    fake.script("/api", Fault(total_override=105380))
    with _source(fake, page_size=10) as source:
        assert len(source.search("cat:cs.LG OR cat:cs.AI OR cat:cs.CV OR cat:cs.CL")) == 30


def test_total_results_too_high_always_is_an_error(fake: FakeArxiv) -> None:
    """A persistent inflated totalResults → the empty tail is an error after retries, never an endless loop."""
    fake.script("/api", *[Fault(total_override=100)] * 10)
    with _source(fake, page_size=10, retries=2) as source, pytest.raises(ArxivEmptyPageError):
        source.search("cat:cs.LG OR cat:cs.AI OR cat:cs.CV OR cat:cs.CL")
    assert len(fake.requests("/api")) == 6  # 3 full pages, then the empty tail 3 times


def test_quirk_total_results_too_low(fake: FakeArxiv) -> None:
    """totalResults smaller than the entries: full pages keep paging.

    Never loop on totalResults alone (https://info.arxiv.org/help/api/user-manual.html paging notes; autobib #183
    saw totalResults 1 with zero entries, see docs/sources.md).
    """
    fake.script("/api", *[Fault(total_override=5)] * 10)
    with _source(fake, page_size=10) as source:
        assert len(source.search("cat:cs.LG OR cat:cs.AI OR cat:cs.CV OR cat:cs.CL")) == 30


def test_fetch_ids_missing_and_bad_ids(fake: FakeArxiv) -> None:
    """Missing ids are reported (with what was found); a malformed id fails before any request."""
    with _source(fake) as source:
        with pytest.raises(ArxivMissingError) as info:
            source.fetch_ids(["2602.04837", "2602.00001", "2602.04836v2"])
        assert info.value.missing == ["2602.00001", "2602.04836v2"]
        assert [p.arxiv_id for p in info.value.papers] == ["2602.04837"]
        with pytest.raises(ValueError):
            source.fetch_ids(["not-an-id"])
    assert len(fake.requests("/api")) == 2


def test_enrichment_batches_of_at_most_100(fake: FakeArxiv) -> None:
    """Batches respect batch_size (≤100 per call; 7 here → 30 papers in 5 calls)."""
    with _source(fake, batch_size=7) as source:
        ann = source.fetch_announcement(CATS)
    api = fake.requests("/api")
    assert len(api) == 5 and all(len(r.query["id_list"].split(",")) <= 7 for r in api)
    assert ann.missing == [] and len(ann.papers) == 30
    with pytest.raises(ValueError):
        ArxivSource(batch_size=101)


def test_cross_lists_relative_to_requested_categories(fake: FakeArxiv) -> None:
    """In a cs.AI-only feed, cs.LG-primary papers cross-listed to cs.AI are `cross`; counts are per category."""
    with _source(fake) as source:
        ann = source.fetch_announcement(["cs.AI"])
    kinds = {p.arxiv_id: p.announce_type for p in ann.papers}
    assert kinds["2602.04837"] is AnnounceType.NEW
    assert kinds["2602.04883"] is AnnounceType.CROSS
    assert ann.announced == ann.fetched == {"cs.AI": 14}
    assert next(p for p in ann.papers if p.arxiv_id == "2602.04883").primary_category == "cs.LG"


# --- politeness: one shared throttle ---------------------------------------------------------


def test_throttle_requests_are_spaced_at_the_server(fake: FakeArxiv) -> None:
    """Feed + API + OAI through one source: arrivals ≥ delay apart (https://info.arxiv.org/help/api/tou.html)."""
    delay = 0.2
    with _source(fake, delay_seconds=delay) as source:
        source.fetch_announcement(CATS)
        source.fetch_ids(["2602.04837"])
        list(source.backfill(["cs.AI"], dt.date(2026, 1, 1), dt.date(2026, 1, 2)))
    assert len(fake.requests()) == 5
    assert min(_gaps(fake)) >= delay


def test_throttle_shared_across_threads_and_sources(fake: FakeArxiv) -> None:
    """Several fetches in one process (threads, two sources sharing a Throttle) are still ≥ delay apart."""
    delay = 0.2
    throttle = Throttle(delay)
    one = _source(fake, throttle=throttle)
    two = _source(fake, throttle=throttle)
    errors: list[BaseException] = []

    def work(source: ArxivSource, ident: str) -> None:
        try:
            source.fetch_ids([ident])
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    ids = ["2602.04837", "2602.04836", "2602.04813", "2602.04856", "2602.04853", "2602.04811"]
    threads = [threading.Thread(target=work, args=(one if i % 2 else two, ident)) for i, ident in enumerate(ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    one.close()
    two.close()
    assert errors == []
    assert len(fake.requests()) == 6
    assert min(_gaps(fake)) >= delay


def test_throttle_with_a_fake_clock() -> None:
    """Each request starts ≥ delay after the previous one started and finished; the first never waits."""
    now = [100.0]
    slept: list[float] = []
    starts: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    throttle = Throttle(3.0, clock=lambda: now[0], sleep=sleep)
    for duration in (1.0, 5.0, 0.0):
        with throttle.slot():
            starts.append(now[0])
            now[0] += duration
    assert slept == [3.0, 3.0]
    assert starts == [100.0, 104.0, 112.0]
    assert throttle.last_start == 112.0
    now[0] += 10.0  # idle longer than the delay: no wait
    with throttle.slot():
        pass
    assert slept == [3.0, 3.0]
    with pytest.raises(ValueError):
        Throttle(-1)


# --- calendar: weekends, holidays, empty feeds, past days ------------------------------------


def test_weekend_is_no_announcement_without_requests(fake: FakeArxiv) -> None:
    """Sat/Sun-dated feeds are empty (skipDays): reason "weekend", no request made."""
    with _source(fake) as source:
        for day in (dt.date(2026, 2, 7), dt.date(2026, 2, 8)):
            ann = source.fetch_announcement(CATS, day)
            assert ann.no_announcement and ann.reason == "weekend" and ann.papers == []
            assert ann.announced == ann.fetched == dict.fromkeys(CATS, 0)
    assert fake.requests() == []


def test_holiday_is_no_announcement(fake: FakeArxiv) -> None:
    """2026-01-19 (an arXiv holiday, https://info.arxiv.org/help/availability.html): reason "holiday"."""
    with _source(fake) as source:
        ann = source.fetch_announcement(CATS, dt.date(2026, 1, 19))
    assert (ann.no_announcement, ann.reason, ann.date) == (True, "holiday", dt.date(2026, 1, 19))


def test_empty_feed_today(fake: FakeArxiv) -> None:
    """An empty feed on a weekday → no announcement, reason "empty feed", keyed on the feed's date."""
    fake.feed_empty = True
    with _source(fake) as source:
        ann = source.fetch_announcement(CATS)
    assert (ann.no_announcement, ann.reason, ann.date, ann.source) == (True, "empty feed", FEED_DATE, "rss")
    assert len(fake.requests()) == 1


def test_empty_feed_dated_on_a_holiday_says_holiday(fake: FakeArxiv) -> None:
    """The feed dated 2026-12-25 (a Friday holiday) is empty: the reason is "holiday"."""
    fake.feed_empty = True
    fake.feed_date = dt.date(2026, 12, 25)
    with _source(fake) as source:
        ann = source.fetch_announcement(CATS)
    assert (ann.no_announcement, ann.reason, ann.date) == (True, "holiday", dt.date(2026, 12, 25))


def test_date_after_the_feed_is_not_announced_yet(fake: FakeArxiv) -> None:
    """Asking for a future announcement is a typed error, not yesterday's papers."""
    with _source(fake) as source, pytest.raises(ArxivNotAnnouncedError):
        source.fetch_announcement(CATS, dt.date(2026, 2, 6))


def test_past_date_falls_back_to_api_window(fake: FakeArxiv) -> None:
    """A date older than the feed → API submittedDate window; announce type relative to the categories."""
    fake.feed_date = dt.date(2026, 2, 6)
    with _source(fake) as source:
        ann = source.fetch_announcement(["cs.CL"], FEED_DATE)
    assert ann.source == "api" and ann.date == FEED_DATE
    kinds = {p.arxiv_id: p.announce_type for p in ann.papers}
    assert kinds == {
        "2602.04856": AnnounceType.NEW,
        "2602.04853": AnnounceType.NEW,
        "2602.04811": AnnounceType.NEW,
        "2602.04863": AnnounceType.CROSS,
    }
    assert ann.announced == ann.fetched == {"cs.CL": 4}


ET_WINDOWS = [
    # feed date, (start UTC, end UTC): EST is UTC-5, EDT UTC-4
    (dt.date(2026, 2, 2), "2026-01-29T19:00", "2026-01-30T19:00"),  # Mon: Thu 14:00 → Fri 14:00
    (dt.date(2026, 2, 3), "2026-01-30T19:00", "2026-02-02T19:00"),  # Tue: Fri 14:00 → Mon 14:00
    (dt.date(2026, 2, 4), "2026-02-02T19:00", "2026-02-03T19:00"),  # Wed: Mon → Tue
    (dt.date(2026, 2, 5), "2026-02-03T19:00", "2026-02-04T19:00"),  # Thu: Tue → Wed
    (dt.date(2026, 2, 6), "2026-02-04T19:00", "2026-02-05T19:00"),  # Fri: Wed → Thu
    # DST starts Sun 2026-03-08
    (dt.date(2026, 3, 9), "2026-03-05T19:00", "2026-03-06T19:00"),  # Mon: both ends EST
    (dt.date(2026, 3, 10), "2026-03-06T19:00", "2026-03-09T18:00"),  # Tue: Fri EST → Mon EDT
    (dt.date(2026, 3, 11), "2026-03-09T18:00", "2026-03-10T18:00"),  # Wed: EDT
    # DST ends Sun 2026-11-01
    (dt.date(2026, 11, 2), "2026-10-29T18:00", "2026-10-30T18:00"),  # Mon: EDT
    (dt.date(2026, 11, 3), "2026-10-30T18:00", "2026-11-02T19:00"),  # Tue: Fri EDT → Mon EST
    # After the Monday holiday 2026-01-19 the Tuesday window covers Thu 14:00 → Mon 14:00
    (dt.date(2026, 1, 20), "2026-01-15T19:00", "2026-01-19T19:00"),
    # After Thursday 2026-01-01 (holiday): Friday's window starts at Tuesday's cut-off
    (dt.date(2026, 1, 2), "2025-12-30T19:00", "2026-01-01T19:00"),
]


@pytest.mark.parametrize(("date", "start", "end"), ET_WINDOWS)
def test_backfill_window_for_each_weekday_and_dst(date: dt.date, start: str, end: str) -> None:
    """Submission windows from https://info.arxiv.org/help/availability.html, in UTC across DST changes."""
    got_start, got_end = ArxivCalendar().submission_window(date)
    assert got_start == dt.datetime.fromisoformat(start).replace(tzinfo=dt.UTC)
    assert got_end == dt.datetime.fromisoformat(end).replace(tzinfo=dt.UTC)


def test_windows_tile_without_gaps_or_overlaps() -> None:
    """Consecutive announcement days' windows meet exactly, through holidays and DST (all of 2026)."""
    day = dt.date(2026, 1, 2)
    previous_end = ArxivCalendar().submission_window(day)[1]
    covered = 0
    while day < dt.date(2026, 12, 31):
        day += dt.timedelta(days=1)
        if day.weekday() >= 5 or day in {
            dt.date(2026, m, d) for m, d in ((1, 19), (6, 19), (7, 3), (9, 7), (11, 26), (12, 25), (12, 29), (12, 31))
        }:
            with pytest.raises(ValueError):
                ArxivCalendar().submission_window(day)
            continue
        start, end = ArxivCalendar().submission_window(day)
        assert start == previous_end
        previous_end = end
        covered += 1
    assert covered > 240


def test_submitted_date_query_is_inclusive_to_the_minute() -> None:
    """API ranges are GMT minutes, both ends inclusive: stop one minute before the cut-off."""
    assert ArxivCalendar().submitted_date_query(dt.date(2026, 3, 10)) == "submittedDate:[202603061900 TO 202603091759]"


def test_oai_set_names() -> None:
    """help/oa: sets are group:archive:CATEGORY (cs:cs:AI, physics:hep-th, math:math:MP)."""
    assert oai_set("cs.AI") == "cs:cs:AI"
    assert oai_set("hep-th") == "physics:hep-th"
    assert oai_set("math.MP") == "math:math:MP"
    assert oai_set("cs") == "cs"
    assert oai_set("cond-mat.str-el") == "physics:cond-mat:str-el"


# --- OAI-PMH backfill ------------------------------------------------------------------------


def test_oai_paging_persists_the_token(fake: FakeArxiv, tmp_path: Path) -> None:
    """ListRecords → resumptionToken → page 2; the token is in the store between pages, cleared at the end."""
    store = Store(sqlite_url(tmp_path / "s.db"))
    key = "arxiv.oai.arXivRaw.cs:cs:AI.2026-01-01.2026-01-31"
    with _source(fake) as source:
        pages = source.backfill(["cs.AI"], dt.date(2026, 1, 1), dt.date(2026, 1, 31), store)
        first = next(pages)
        assert len(first) == 8
        assert store.get_state(key) == "metadataPrefix%3DarXivRaw%26skip%3D8"
        second = next(pages)
        assert len(second) == 8
        assert list(pages) == []
    assert store.get_state(key) is None
    assert store.table_counts()["papers"] == 16
    first_request, second_request = fake.requests("/oai")
    assert first_request.query == {
        "verb": "ListRecords",
        "metadataPrefix": "arXivRaw",
        "set": "cs:cs:AI",
        "from": "2026-01-01",
        "until": "2026-01-31",
    }
    assert second_request.query == {"verb": "ListRecords", "resumptionToken": "metadataPrefix%3DarXivRaw%26skip%3D8"}


def test_oai_restarts_from_a_persisted_token(fake: FakeArxiv, tmp_path: Path) -> None:
    """A harvest interrupted after page 1 resumes with the stored token: one request, page 2 only."""
    store = Store(sqlite_url(tmp_path / "s.db"))
    key = "arxiv.oai.arXivRaw.cs:cs:AI.2026-01-01.2026-01-31"
    store.set_state(key, "metadataPrefix%3DarXivRaw%26skip%3D8")
    with _source(fake) as source:
        pages = list(source.backfill(["cs.AI"], dt.date(2026, 1, 1), dt.date(2026, 1, 31), store))
    assert [len(p) for p in pages] == [8]
    assert [r.query.get("resumptionToken") for r in fake.requests("/oai")] == ["metadataPrefix%3DarXivRaw%26skip%3D8"]
    assert store.get_state(key) is None


def test_oai_expired_token_restarts_the_set(fake: FakeArxiv, tmp_path: Path) -> None:
    """Tokens expire daily (help/oa): a stale stored token → badResumptionToken → the set restarts."""
    store = Store(sqlite_url(tmp_path / "s.db"))
    key = "arxiv.oai.arXivRaw.cs:cs:AI.2026-01-01.2026-01-31"
    store.set_state(key, "yesterday-token")
    with _source(fake) as source:
        pages = list(source.backfill(["cs.AI"], dt.date(2026, 1, 1), dt.date(2026, 1, 31), store))
    assert [len(p) for p in pages] == [8, 8]
    assert len(fake.requests("/oai")) == 3


def test_oai_dedups_across_sets(fake: FakeArxiv) -> None:
    """Several categories → one harvest per set; a paper in two sets is yielded once."""
    with _source(fake) as source:
        pages = list(source.backfill(["cs.AI", "cs.CL"], dt.date(2026, 1, 1), dt.date(2026, 1, 2)))
    assert sum(len(p) for p in pages) == 16
    assert [r.query.get("set") for r in fake.requests("/oai")] == ["cs:cs:AI", None, "cs:cs:CL", None]


def test_cli_fetch_source_api_and_oai(fake: FakeArxiv, tmp_path: Path) -> None:
    """`--source api` forces the submittedDate window; `--source oai` harvests that datestamp."""
    result = _invoke(["fetch", "--date", "2026-02-05", "--source", "api", "--json"], _env(fake, tmp_path))
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 30
    assert [r.path for r in fake.requests()] == ["/api/query"]
    result = _invoke(["fetch", "--date", "2026-02-05", "--source", "oai", "--json"], _env(fake, tmp_path))
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 16
    assert fake.requests("/oai")[0].query["from"] == fake.requests("/oai")[0].query["until"] == "2026-02-05"


def test_cli_fetch_future_date_and_bad_input(fake: FakeArxiv, tmp_path: Path) -> None:
    """A date after the feed's → exit 1 naming both dates; a bad date or id → usage error (2)."""
    result = _invoke(["fetch", "--date", "2026-02-06"], _env(fake, tmp_path))
    assert result.exit_code == 1
    assert "2026-02-06 is not announced yet (the feed is dated 2026-02-05)" in result.stderr
    assert _invoke(["fetch", "--date", "05/02/2026"], _env(fake, tmp_path)).exit_code == 2
    bad = _invoke(["fetch", "--ids", "nonsense"], _env(fake, tmp_path))
    assert bad.exit_code == 2 and "not an arXiv id: 'nonsense'" in bad.stderr


# --- audit findings (review of the sources stage) --------------------------------------------


@pytest.mark.parametrize("claimed", [10, 20])
def test_quirk_total_results_understated_on_a_page_boundary(fake: FakeArxiv, claimed: int) -> None:
    """totalResults too low *and* a multiple of the page size: a full page is never the end.

    https://groups.google.com/g/arxiv-api ("Total results doesn't match the real amount of entries").
    """
    fake.script("/api", *[Fault(total_override=claimed)] * 10)
    with _source(fake, page_size=10) as source:
        papers = source.search("cat:cs.LG OR cat:cs.AI OR cat:cs.CV OR cat:cs.CL")
    assert len(papers) == 30
    assert [r.query["start"] for r in fake.requests("/api")] == ["0", "10", "20", "30"]


def test_quirk_empty_first_page_with_total_results_is_retried(fake: FakeArxiv) -> None:
    """An empty *first* page while totalResults=30 is retried, https://github.com/lukasschwab/arxiv.py/issues/175 ."""
    fake.script("/api", Fault(empty=True))
    with _source(fake) as source:
        ann = source.fetch_window(CATS, FEED_DATE)
    assert len(ann.papers) == 30 and ann.complete
    assert len(fake.requests("/api")) == 2


def test_empty_first_page_every_time_is_an_error(fake: FakeArxiv) -> None:
    """Still empty after the retries although totalResults=30 → ArxivEmptyPageError, not 0 papers and complete."""
    fake.script("/api", *[Fault(empty=True)] * 4)
    with _source(fake) as source, pytest.raises(ArxivEmptyPageError) as info:
        source.fetch_window(CATS, FEED_DATE)
    assert "totalResults=30 (start=0)" in info.value.message
    assert len(fake.requests("/api")) == 4


def test_quirk_empty_api_window_on_an_announcement_day_is_partial(tmp_path: Path) -> None:
    """0 results for a weekday window is the API's silent failure (https://github.com/ropensci/aRxiv/issues/67).

    Not a quiet empty day: the announcement says so and `fetch` exits 3.
    """
    with FakeArxiv([]) as empty:
        with _source(empty) as source:
            ann = source.fetch_window(CATS, FEED_DATE)
        assert ann.papers == [] and not ann.no_announcement
        assert not ann.complete and ann.partial is not None and "no papers" in ann.partial
        result = _invoke(["fetch", "--date", "2026-02-05", "--source", "api", "--json"], _env(empty, tmp_path))
    assert result.exit_code == 3, result.output
    assert json.loads(result.stdout) == []
    assert "INCOMPLETE" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: the day may be incomplete: ")


@pytest.mark.parametrize("bad", ["astroph", "foo.BAR", "cs.A I", "CS.AI", "cs."])
def test_unknown_category_is_refused_on_every_path(fake: FakeArxiv, bad: str) -> None:
    """Categories are checked (`archive` or `archive.XX`, a known archive) before any feed, API or OAI request."""
    with _source(fake) as source:
        with pytest.raises(ArxivCategoryError):
            source.fetch_announcement(["cs.AI", bad])
        with pytest.raises(ArxivCategoryError):
            source.fetch_window(["cs.AI", bad], FEED_DATE)
        with pytest.raises(ArxivCategoryError):
            list(source.backfill([bad], dt.date(2026, 1, 1), dt.date(2026, 1, 2)))
    assert fake.requests() == []


def test_cli_unknown_category_is_a_usage_error_for_api_and_oai(fake: FakeArxiv, tmp_path: Path) -> None:
    """`--source api|oai --categories astroph` → exit 2 with one clear line, no request."""
    env = _env(fake, tmp_path)
    for args in (
        ["fetch", "--date", "2026-02-05", "--source", "api", "--categories", "astroph"],
        ["fetch", "--date", "2026-02-05", "--source", "oai", "--categories", "astroph"],
        ["backfill", "--from", "2026-01-01", "--to", "2026-01-02", "--categories", "astroph"],
    ):
        result = _invoke(args, env)
        assert result.exit_code == 2, (args, result.output)
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith("Error: unknown arXiv archive in: astroph")
    assert fake.requests() == []


def test_backoff_grows_exponentially_under_a_persistent_retry_after(fake: FakeArxiv) -> None:
    """`Retry-After: 1` on every answer: waits are max(Retry-After, backoff·2^(n-1) + jitter), not [1, 1, 1, 1].

    429s persisting for hours: https://github.com/lukasschwab/arxiv.py/issues/203 .
    """
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    throttle = Throttle(0.0, clock=lambda: now[0], sleep=lambda s: None)
    fake.script("/api", *[Fault(429, headers={"Retry-After": "1"})] * 5)
    options = {"throttle": throttle, "retries": 4, "backoff_seconds": 0.5, "sleep": sleep, "random_unit": lambda: 0.5}
    with _source(fake, **options) as source, pytest.raises(ArxivHTTPError) as info:
        source.fetch_ids(["2602.04837"])
    assert info.value.status == 429
    # 0.5·2^(n-1) + 0.25 jitter: 0.75, 1.25, 2.25, 4.25; never below Retry-After's 1 s
    assert waits == [1.0, 1.25, 2.25, 4.25]
    assert len(fake.requests("/api")) == 5


def test_quirk_fractional_retry_after_is_honoured(fake: FakeArxiv) -> None:
    """`Retry-After: 7.5` (fractional seconds, as many servers send; openai-python reads it with float():
    https://github.com/openai/openai-python/blob/main/src/openai/_base_client.py) is honoured, not ignored."""
    waits: list[float] = []
    throttle = Throttle(0.0, clock=lambda: 0.0, sleep=lambda s: None)
    fake.script("/api", Fault(429, headers={"Retry-After": "7.5"}))
    options = {"throttle": throttle, "retries": 1, "backoff_seconds": 0.5, "sleep": waits.append}
    with _source(fake, random_unit=lambda: 0.5, **options) as source:
        papers = source.fetch_ids(["2602.04837"])
    assert papers
    assert waits == [7.5]  # not the 0.75 s backoff alone


def test_retry_after_holds_the_shared_throttle_for_every_thread(fake: FakeArxiv) -> None:
    """A 429 with Retry-After holds back *other* threads too: nobody reaches arXiv during the wait.

    https://info.arxiv.org/help/api/tou.html (one budget per client); arxiv.py #203 for the 429s.
    """
    throttle = Throttle(0.0)
    fake.script("/api", Fault(429, headers={"Retry-After": "1"}, delay=0.3))
    errors: list[BaseException] = []

    def work(ident: str) -> None:
        try:
            with _source(fake, throttle=throttle, backoff_seconds=0.01) as source:
                source.fetch_ids([ident])
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    first = threading.Thread(target=work, args=("2602.04837",))
    first.start()
    for _ in range(200):  # wait until the first request is at the server (it answers after 0.3 s)
        if fake.requests():
            break
        threading.Event().wait(0.01)
    second = threading.Thread(target=work, args=("2602.04836",))
    second.start()
    first.join()
    second.join()
    assert errors == []
    log = fake.requests("/api")
    assert len(log) == 3
    other = next(r for r in log if r.query["id_list"] == "2602.04836")
    # the 429 came 0.3 s after the first request; Retry-After: 1 → no request before 1.3 s
    assert all(r.start - log[0].start >= 1.3 for r in log[1:])
    assert other.start - log[0].start >= 1.3


def test_quirk_bad_oai_datestamp_is_a_typed_parse_error(fake: FakeArxiv, tmp_path: Path) -> None:
    """A record whose datestamp is not ISO 8601 → ArxivParseError with record and URL, `backfill` exits 1 (not 2).

    OAI-PMH 2.0 datestamps are UTCdatetime: https://www.openarchives.org/OAI/openarchivesprotocol.html#Dates
    """
    page = (FIXTURES / "oai" / "ListRecords_arXivRaw_page1.xml").read_text(encoding="utf-8")
    bad = re.sub(r"<datestamp>[^<]*</datestamp>", "<datestamp>28/11/2026</datestamp>", page, count=1).encode()
    with pytest.raises(ArxivParseError) as info:
        parse_oai(bad, "https://oaipmh.arxiv.org/oai?verb=ListRecords")
    assert "bad datestamp '28/11/2026'" in info.value.message
    assert info.value.url == "https://oaipmh.arxiv.org/oai?verb=ListRecords"
    fake.script("/oai", *[Fault(200, body=bad)] * 3)
    result = _invoke(
        ["backfill", "--from", "2026-01-01", "--to", "2026-01-02", "--categories", "cs.AI"], _env(fake, tmp_path)
    )
    assert result.exit_code == 1, result.output
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("Error: OAI-PMH record ") and "bad datestamp" in line and fake.oai_url in line
    assert "Traceback" not in result.output


def test_http_layer_types_any_parser_exception(fake: FakeArxiv) -> None:
    """A value the parser does not expect (a year-1 date east of UTC overflows) → ArxivParseError with the URL.

    `0001-01-01T00:00:00+01:00` is valid ISO 8601 but before datetime.min in UTC: OverflowError, not ValueError.
    """
    body = (FIXTURES / "api" / "legacy-2016" / "id_list_1111.2011v2.xml").read_bytes()
    bad = re.sub(rb"<published>[^<]*</published>", b"<published>0001-01-01T00:00:00+01:00</published>", body)
    fake.script("/api", *[Fault(200, body=bad)] * 2)
    with _source(fake, retries=1) as source, pytest.raises(ArxivParseError) as info:
        source.fetch_ids(["2602.04837"])
    assert info.value.message.startswith("unreadable response (OverflowError: ")
    assert fake.api_url in info.value.url


def _big_day(fake: FakeArxiv) -> None:
    # 1500 cs.AI-primary papers + 700 cs.LG-primary ones, 100 of which are cross-listed to cs.AI:
    # the combined cs.AI+cs.LG feed (2200 papers) hits rss.arxiv.org's limit, each single feed does not.
    fake.papers = (
        synthetic_papers(1500, "cs.AI")
        + synthetic_papers(100, "cs.LG", ["cs.AI"], first=20000)
        + synthetic_papers(600, "cs.LG", first=30000)
    )


def test_quirk_feed_limit_2000_refetches_per_category(fake: FakeArxiv) -> None:
    """rss.arxiv.org's "Limit 2000 results" (https://info.arxiv.org/help/rss.html): a full feed is re-read per category.

    Merged by id, with types relative to the whole requested set (a cs.LG paper cross-listed to cs.AI is `new`).
    """
    _big_day(fake)
    with _source(fake) as source:
        ann = source.fetch_announcement(["cs.AI", "cs.LG"])
    feeds = [r.path for r in fake.requests("/atom")]
    assert feeds == ["/atom/cs.AI+cs.LG", "/atom/cs.AI", "/atom/cs.LG"]
    assert len(ann.papers) == 2200 and len({p.arxiv_id for p in ann.papers}) == 2200
    assert ann.complete and ann.partial is None and ann.missing == []
    assert {p.announce_type for p in ann.papers} == {AnnounceType.NEW}
    assert ann.announced == ann.fetched == {"cs.AI": 1600, "cs.LG": 700}
    assert len(fake.requests("/api")) == 22  # 2200 ids, 100 per id_list call


def test_quirk_feed_limit_2000_single_category_is_partial(fake: FakeArxiv, tmp_path: Path) -> None:
    """One category at the 2000-item limit cannot be split: the day is marked incomplete and `fetch` exits 3."""
    fake.papers = synthetic_papers(2100, "cs.AI")
    with _source(fake) as source:
        ann = source.fetch_announcement(["cs.AI"])
    assert len(ann.papers) == 2000
    assert not ann.complete and ann.partial is not None and "2000" in ann.partial
    result = _invoke(["fetch", "--categories", "cs.AI"], _env(fake, tmp_path, PAPERBRIEF_ARXIV_DELAY_SECONDS="0"))
    assert result.exit_code == 3, result.stderr[-500:]
    assert "may be incomplete" in result.stderr


def test_future_date_is_refused_even_when_the_feed_is_dateless(fake: FakeArxiv, tmp_path: Path) -> None:
    """An empty feed without any date must not make any --date acceptable: a future date is an error, no request."""
    fake.feed_empty = True
    fake.feed_undated = True
    with _source(fake) as source, pytest.raises(ArxivNotAnnouncedError) as info:
        source.fetch_announcement(CATS, dt.date(2099, 1, 5))
    assert "2099-01-05 is in the future" in str(info.value)
    with _source(fake) as source, pytest.raises(ArxivNotAnnouncedError):
        source.fetch_window(CATS, dt.date(2099, 1, 5))
    assert fake.requests() == []
    result = _invoke(["fetch", "--date", "2099-01-05"], _env(fake, tmp_path))
    assert result.exit_code == 2  # a usage error (issue 9), found before any request
    assert "2099-01-05 is in the future (today is " in result.stderr
    assert fake.requests() == []


def test_dateless_empty_feed_is_todays_no_announcement(fake: FakeArxiv) -> None:
    """A dateless empty feed is the current one (dated today, ET): today → no announcement; earlier → API window."""
    fake.feed_empty = True
    fake.feed_undated = True
    with _source(fake, today=lambda: FEED_DATE) as source:
        ann = source.fetch_announcement(CATS, FEED_DATE)
        assert (ann.no_announcement, ann.reason, ann.date) == (True, "empty feed", FEED_DATE)
        assert [r.path.split("/")[1] for r in fake.requests()] == ["atom"]
        past = source.fetch_announcement(CATS, dt.date(2026, 2, 4))
    assert past.source == "api" and not past.no_announcement


def test_arxiv_error_str_is_one_line_with_the_url() -> None:
    """`str()` of every ArxivError: `<message> (<url>)`, one line, no class name; notes stay on the line."""
    error = ArxivHTTPError("HTTP 500 Internal Server Error", "https://export.arxiv.org/api/query?id_list=1", 500)
    assert str(error) == "HTTP 500 Internal Server Error (https://export.arxiv.org/api/query?id_list=1)"
    error.add_note_line("— gave up after 5 attempt(s)")
    assert str(error) == (
        "HTTP 500 Internal Server Error — gave up after 5 attempt(s) (https://export.arxiv.org/api/query?id_list=1)"
    )
    ids = ",".join(f"2602.{n:05d}" for n in range(100))
    long = ArxivParseError("empty response body\nsecond line", f"https://export.arxiv.org/api/query?id_list={ids}")
    assert str(long) == "empty response body second line (https://export.arxiv.org/api/query?id_list=<100 ids>)"
    assert ids in long.url  # the full URL is kept on the error
    assert short_url("https://rss.arxiv.org/atom/cs.AI") == "https://rss.arxiv.org/atom/cs.AI"


def test_retry_warnings_show_a_short_url(fake: FakeArxiv, caplog: pytest.LogCaptureFixture) -> None:
    """A retried 100-id batch logs the endpoint and `id_list=<100 ids>`, not a 1.5 KB line."""
    fake.api_extra = synthetic_papers(100, "cs.AI")
    fake.script("/api", Fault(503))
    with caplog.at_level(logging.WARNING, logger="paperbrief.sources.arxiv"), _source(fake) as source:
        papers = source.fetch_ids([p["id"] for p in fake.api_extra])
    assert len(papers) == 100
    (record,) = [r for r in caplog.records if "retry" in r.getMessage()]
    line = record.getMessage()
    assert "HTTP 503 Service Unavailable" in line and f"{fake.api_url}?id_list=<100 ids>" in line
    assert len(line) < 300
