"""The index page's search over all days, in headless Chromium (Debian's package, via Playwright).

The site is built from two real days (the reference day in Chinese, and in English on another
date) plus a day with a hostile title; expected matches are computed from the digests by plain
substring search, independently of the page's script.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from fakes.digests import SAMPLE_DATE, sample_digest
from fakes.publish_servers import serve_directory
from paperbrief.models import Digest, DigestEntry, Paper
from paperbrief.render.site import build_site

pytestmark = pytest.mark.browser

EN_DAY = dt.date(2026, 2, 3)
EVIL_DAY = dt.date(2026, 2, 5)
EVIL = '<img src=x onerror="window.__pwned = 1">Hostile zebra title'


def _days() -> list[Digest]:
    evil = Digest(
        date=EVIL_DAY,
        entries=[DigestEntry(number=1, paper=Paper(arxiv_id="2602.09999", title=EVIL, categories=["cs.CR"]))],
    )
    return [sample_digest("zh"), sample_digest("en", EN_DAY), evil]


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    build_site(_days(), out)
    return out / "site"


@pytest.fixture(scope="module")
def base_url(site_dir: Path) -> Iterator[str]:
    with serve_directory(site_dir) as url:
        yield url


def _expected(query: str) -> list[tuple[str, str]]:
    """(day, id) of every paper whose title/id/authors/keywords/TL;DR/categories hold every term."""
    terms = query.lower().split()
    found = []
    for digest in sorted(_days(), key=lambda d: d.date, reverse=True):
        for entry in digest.entries:
            s = entry.summary
            hay = " ".join(
                [entry.paper.title, entry.paper.arxiv_id, " ".join(entry.paper.authors[:8])]
                + ([" ".join(s.keywords), s.tldr or ""] if s else [])
                + [" ".join(entry.paper.categories)]
            ).lower()
            if all(t in hay for t in terms):
                found.append((digest.date.isoformat(), entry.paper.arxiv_id))
    return found


def _results(page: Page) -> list[tuple[str, str]]:
    links: list[str] = page.eval_on_selector_all("#all-results .day-top a", "as => as.map(a => a.getAttribute('href'))")
    return [(href.split(".html#")[0], href.split("#")[1]) for href in links]


def test_the_site_writes_a_search_index_of_every_day(site_dir: Path) -> None:
    rows = json.loads((site_dir / "search.json").read_text(encoding="utf-8"))
    assert len(rows) == 30 + 30 + 1
    assert {r["date"] for r in rows} == {SAMPLE_DATE.isoformat(), EN_DAY.isoformat(), EVIL_DAY.isoformat()}
    first = next(r for r in rows if r["id"] == "2602.04837" and r["date"] == SAMPLE_DATE.isoformat())
    assert first["page"] == "2026-02-04.html"
    assert "经验共享" in first["tldr"]


@pytest.mark.parametrize("query", ["经验共享", "agents", "代理 框架", "2602.04837", "cs.cv diffusion"])
def test_all_days_search_finds_papers_of_every_day(page: Page, base_url: str, query: str) -> None:
    expected = _expected(query)
    assert expected, "the query must match something"
    page.goto(base_url)
    page.fill("#all-q", query)
    page.wait_for_selector("#all-status:not([hidden])")
    got = _results(page)
    # Title matches first, then newest day first: compare as sets, and the count shown.
    assert set(got) == set(expected[:50])
    assert page.locator("#all-status").inner_text().startswith(str(len(expected)))


def test_a_result_links_to_the_paper_on_its_day(page: Page, base_url: str) -> None:
    page.goto(base_url)
    page.fill("#all-q", "经验共享")
    page.wait_for_selector("#all-results:not([hidden])")
    page.click("#all-results .day-top a")
    page.wait_for_url("**/2026-02-04.html#2602.04837")
    assert page.locator("article.card#\\32 602\\.04837").is_visible()


def test_no_match_says_so_and_clearing_hides_results(page: Page, base_url: str) -> None:
    page.goto(base_url)
    page.fill("#all-q", "qqqxyz")
    page.wait_for_selector("#all-status:not([hidden])")
    assert page.locator("#all-status").inner_text() == "没有匹配的论文"
    assert page.locator("#all-results").is_hidden()
    page.fill("#all-q", "")
    assert page.locator("#all-status").is_hidden()


def test_a_hostile_title_is_shown_as_text(page: Page, base_url: str) -> None:
    page.goto(base_url)
    page.fill("#all-q", "zebra")
    page.wait_for_selector("#all-results:not([hidden])")
    assert page.locator("#all-results .day-top a").inner_text() == EVIL
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("#all-results img").count() == 0


def test_opened_from_disk_it_says_search_needs_the_served_site(browser: Browser, site_dir: Path) -> None:
    """file:// pages cannot fetch search.json (Chromium blocks it): the box says so, nothing breaks."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((site_dir / "index.html").as_uri())
    page.fill("#all-q", "agents")
    page.wait_for_selector("#all-status:not([hidden])")
    assert "paperbrief serve" in page.locator("#all-status").inner_text()
    assert errors == []
    context.close()
