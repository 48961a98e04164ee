"""The arXiv source against a local fake arXiv (tests/fakes/arxiv_server.py): data, faults, politeness, calendar."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fakes.arxiv_server import FEED_DATE, FakeArxiv, Fault, load_sample
from paperbrief.cli import main
from paperbrief.models import AnnounceType
from paperbrief.sources.arxiv import (
    ArxivAPIError,
    ArxivEmptyPageError,
    ArxivFeedError,
    ArxivHTTPError,
    ArxivMissingError,
    ArxivNetworkError,
    ArxivNotAnnouncedError,
    ArxivParseError,
    ArxivSource,
    Throttle,
    oai_set,
    submission_window,
    submitted_date_query,
)
from paperbrief.sources.arxiv._http import parse_retry_after
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
    result = _invoke(["backfill", "--from", "2005-01-01", "--to", "2012-12-31", "--categories", "cs.AI"],
                     _env(fake, tmp_path))
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


def test_retry_after_http_date_and_seconds() -> None:
    """Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    now = dt.datetime(2026, 2, 5, 6, 0, 0, tzinfo=dt.UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Thu, 05 Feb 2026 06:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 05 Feb 2026 05:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


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
    with ArxivSource(f"{base}/atom", f"{base}/api/query", f"{base}/oai", delay_seconds=0, retries=1,
                     backoff_seconds=0.01) as source, pytest.raises(ArxivNetworkError) as info:
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
        source.fetch_announcement(["cs.AI", "astroph"])
    assert "Bad archive 'astroph'" in info.value.message


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
    assert [r.query["start"] for r in fake.requests("/api")] == ["0", "10", "10", "20"]


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
    got_start, got_end = submission_window(date)
    assert got_start == dt.datetime.fromisoformat(start).replace(tzinfo=dt.UTC)
    assert got_end == dt.datetime.fromisoformat(end).replace(tzinfo=dt.UTC)


def test_windows_tile_without_gaps_or_overlaps() -> None:
    """Consecutive announcement days' windows meet exactly, through holidays and DST (all of 2026)."""
    day = dt.date(2026, 1, 2)
    previous_end = submission_window(day)[1]
    covered = 0
    while day < dt.date(2026, 12, 31):
        day += dt.timedelta(days=1)
        if day.weekday() >= 5 or day in {dt.date(2026, m, d) for m, d in ((1, 19), (6, 19), (7, 3), (9, 7),
                                                                        (11, 26), (12, 25), (12, 29), (12, 31))}:
            with pytest.raises(ValueError):
                submission_window(day)
            continue
        start, end = submission_window(day)
        assert start == previous_end
        previous_end = end
        covered += 1
    assert covered > 240


def test_submitted_date_query_is_inclusive_to_the_minute() -> None:
    """API ranges are GMT minutes, both ends inclusive: stop one minute before the cut-off."""
    assert submitted_date_query(dt.date(2026, 3, 10)) == "submittedDate:[202603061900 TO 202603091759]"


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
