"""The static site in headless Chromium (Debian's package, driven by Playwright): filters, deep links, XSS."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from fakes.browser import ConsoleErrors
from fakes.digests import SAMPLE_DATE, empty_digest, sample_digest
from fakes.publish_servers import serve_directory
from paperbrief.models import Digest
from paperbrief.render.markdown import render_markdown
from paperbrief.render.site import build_site

pytestmark = pytest.mark.browser

EVIL = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> '
EVIL_INDEX = 29  # 2602.04757, a cs.LG paper scored 62
DAY_PAGE = f"{SAMPLE_DATE.isoformat()}.html"


def _digest() -> Digest:
    digest = sample_digest()
    paper = digest.entries[EVIL_INDEX].paper
    paper.title = EVIL + paper.title
    return digest


# The sample day in report order, written out from the reference report by hand: sections by size
# (cs.LG 17, cs.CV 7, then the 3–3 tie by name, cs.AI before cs.CL), each in the reference's order.
REPORT_ORDER = [
    *("2602.04883", "2602.04870", "2602.04868", "2602.04863", "2602.04861", "2602.04852", "2602.04821"),
    *("2602.04809", "2602.04807", "2602.04795", "2602.04785", "2602.04780", "2602.04775", "2602.04770"),
    *("2602.04768", "2602.04763", "2602.04757"),  # cs.LG
    *("2602.04877", "2602.04876", "2602.04838", "2602.04820", "2602.04819", "2602.04814", "2602.04789"),  # cs.CV
    *("2602.04837", "2602.04836", "2602.04813"),  # cs.AI
    *("2602.04856", "2602.04853", "2602.04811"),  # cs.CL
]
TOC = [("cs.LG", "cslg"), ("cs.CV", "cscv"), ("cs.AI", "csai"), ("cs.CL", "cscl")]  # GitHub's ids, by hand


def _haystack(digest: Digest, index: int) -> str:
    entry = digest.entries[index]
    keywords = entry.summary.keywords if entry.summary else []
    return " ".join([entry.paper.title, *entry.paper.authors, *keywords]).lower()


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    digests = [_digest(), empty_digest(dt.date(2026, 2, 6)), sample_digest("en", dt.date(2026, 2, 3))]
    build_site(digests, out, base_url=None, feed_days=7)
    return out / "site"


@pytest.fixture(scope="module")
def base_url(site_dir: Path) -> Iterator[str]:
    with serve_directory(site_dir) as url:
        yield url


def _visible_ids(page: Page) -> list[str]:
    ids: list[str] = page.eval_on_selector_all("article.card:not([hidden])", "cards => cards.map(c => c.id)")
    return ids


def _visible_heads(page: Page) -> list[str]:
    ids: list[str] = page.eval_on_selector_all(".cat-head:not([hidden])", "hs => hs.map(h => h.id)")
    return ids


def _toc_anchors(markdown: str) -> list[tuple[str, str]]:
    """(category, anchor) of every link in the Markdown report's TOC."""
    toc = markdown.split("## 📑 ", 1)[1].split("\n---\n", 1)[0]
    return re.findall(r"(?m)^- \[([^\]]+)\]\(#([^)]+)\)", toc)


def test_day_page_loads_without_console_errors_and_shows_30_cards(page: Page, base_url: str) -> None:
    console = ConsoleErrors(page)
    page.goto(base_url + DAY_PAGE)
    page.wait_for_load_state("load")
    assert page.locator("article.card").count() == 30
    assert len(_visible_ids(page)) == 30
    assert page.locator("#count").inner_text() == "显示 30 / 30 篇"
    # Cards come in the Markdown report's order and numbering: cs.LG (17 papers) first.
    first = page.locator("article.card").first
    assert first.locator(".card-title").inner_text().startswith("1. Protein Autoregressive Modeling")
    # Numbered titles link to arXiv; the score badge shows the model's score.
    card = page.locator("#\\32 602\\.04837")
    assert card.locator(".card-title").inner_text().startswith("25. Group-Evolving Agents")
    assert card.locator(".card-title a").get_attribute("href") == "https://arxiv.org/abs/2602.04837v1"
    assert card.locator(".badge").inner_text() == "72"
    assert card.locator(".chip").count() == 11
    assert card.locator("details").count() == 4  # motivation, method, conclusion, abstract
    assert card.locator(".links a").nth(1).get_attribute("href") == "https://arxiv.org/pdf/2602.04837v1"
    assert console.errors == []


def test_category_filter_shows_only_that_category(page: Page, base_url: str) -> None:
    page.goto(base_url + DAY_PAGE)
    page.select_option("#cat", "cs.CV")
    ids = _visible_ids(page)
    assert len(ids) == 7
    assert set(page.eval_on_selector_all("article.card:not([hidden])", "cs => cs.map(c => c.dataset.cat)")) == {"cs.CV"}
    assert page.locator("#count").inner_text() == "显示 7 / 30 篇"
    page.select_option("#cat", "cs.LG")
    assert len(_visible_ids(page)) == 17
    page.select_option("#cat", "")
    assert len(_visible_ids(page)) == 30


def test_min_score_filter_hides_lower_scores(page: Page, base_url: str) -> None:
    digest = sample_digest()
    expected = sorted(e.paper.arxiv_id for e in digest.entries if e.summary and (e.summary.score or 0) >= 70)
    assert 0 < len(expected) < 30
    page.goto(base_url + DAY_PAGE)
    page.locator("#min-score").fill("70")
    assert sorted(_visible_ids(page)) == expected
    assert page.locator("#min-score-out").inner_text() == "70"
    # Filters combine: cs.CV papers scored 70 or more.
    page.select_option("#cat", "cs.CV")
    cv = sorted(e.paper.arxiv_id for e in digest.entries if e.paper.primary == "cs.CV" and e.summary.score >= 70)  # type: ignore[union-attr, operator]
    assert sorted(_visible_ids(page)) == cv
    page.click("#reset-filters")
    assert len(_visible_ids(page)) == 30


def test_search_matches_title_authors_and_keywords(page: Page, base_url: str) -> None:
    digest = _digest()
    page.goto(base_url + DAY_PAGE)
    page.fill("#q", "agent")
    matching = {e.paper.arxiv_id for i, e in enumerate(digest.entries) if "agent" in _haystack(digest, i)}
    expected = [arxiv_id for arxiv_id in REPORT_ORDER if arxiv_id in matching]
    assert 1 < len(expected) < 30
    assert _visible_ids(page) == expected
    page.fill("#q", "Xin Eric Wang")  # an author
    assert _visible_ids(page) == ["2602.04837"]
    page.fill("#q", "经验共享")  # a Chinese keyword of the same paper
    assert _visible_ids(page) == ["2602.04837"]
    page.fill("#q", "no such words anywhere")
    assert _visible_ids(page) == []
    assert page.locator("#nothing").is_visible()
    page.fill("#q", "")
    # Clicking a keyword chip searches for it.
    page.locator("#\\32 602\\.04837 .chip", has_text="经验共享").click()
    assert page.locator("#q").input_value() == "经验共享"
    assert _visible_ids(page) == ["2602.04837"]


def test_sort_by_score_and_by_id(page: Page, base_url: str) -> None:
    page.goto(base_url + DAY_PAGE)
    page.select_option("#sort", "score")
    scores = page.eval_on_selector_all("article.card", "cs => cs.map(c => parseInt(c.dataset.score, 10))")
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == 72
    assert _visible_heads(page) == []  # sorted by score, the cards are no longer grouped by category
    page.select_option("#sort", "id")
    ids = page.eval_on_selector_all("article.card", "cs => cs.map(c => c.id)")
    assert ids == sorted(ids, reverse=True)
    page.select_option("#sort", "report")
    ids = page.eval_on_selector_all("article.card", "cs => cs.map(c => c.id)")
    assert ids == REPORT_ORDER
    # Back in report order each category heading sits right before its cards again.
    order = page.eval_on_selector_all("#cards > *", "es => es.map(e => e.id)")
    assert [order.index(h) for h in ("cslg", "cscv", "csai", "cscl")] == [0, 18, 26, 30]


def test_deep_link_scrolls_its_card_into_view(page: Page, base_url: str) -> None:
    console = ConsoleErrors(page)
    page.goto(base_url + DAY_PAGE + "#2602.04868")
    page.wait_for_load_state("load")
    box = page.evaluate(
        "() => { const r = document.getElementById('2602.04868').getBoundingClientRect();"
        " return {top: r.top, bottom: r.bottom, height: window.innerHeight, y: window.scrollY}; }"
    )
    assert box["y"] > 0
    assert 0 <= box["top"] < box["height"]
    assert page.locator("#\\32 602\\.04868").is_visible()
    # A deep link to a card hidden by the filters clears them.
    page.select_option("#cat", "cs.CV")
    assert not page.locator("#\\32 602\\.04837").is_visible()
    page.evaluate("() => { window.location.hash = '#2602.04837'; }")
    page.wait_for_function("() => !document.getElementById('2602.04837').hidden")
    top = page.evaluate("() => document.getElementById('2602.04837').getBoundingClientRect().top")
    assert 0 <= top < 900
    assert len(_visible_ids(page)) == 30
    assert console.errors == []


def test_category_anchor_selects_the_category_and_scrolls_to_it(page: Page, base_url: str) -> None:
    """`#cslg`, the Markdown TOC's GitHub anchor, shows only cs.LG and brings its heading into view."""
    console = ConsoleErrors(page)
    page.goto(base_url + DAY_PAGE + "#cslg")
    page.wait_for_load_state("load")
    ids = _visible_ids(page)
    assert len(ids) == 17
    assert set(page.eval_on_selector_all("article.card:not([hidden])", "cs => cs.map(c => c.dataset.cat)")) == {"cs.LG"}
    assert page.locator("#cat").input_value() == "cs.LG"
    assert page.locator("#count").inner_text() == "显示 17 / 30 篇"
    assert _visible_heads(page) == ["cslg"]
    head = page.evaluate("() => document.getElementById('cslg').getBoundingClientRect().top")
    assert 0 <= head < 900

    # Another TOC link on the same page (hashchange), after scrolling away and sorting by score.
    page.select_option("#sort", "score")
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.evaluate("() => { window.location.hash = '#cscl'; }")
    page.wait_for_function("() => document.getElementById('cat').value === 'cs.CL'")
    assert len(_visible_ids(page)) == 3
    assert page.locator("#sort").input_value() == "report"
    assert _visible_heads(page) == ["cscl"]
    head = page.evaluate("() => document.getElementById('cscl').getBoundingClientRect().top")
    assert 0 <= head < 900

    # Choosing a category in the filter keeps the address in step; "all" drops the anchor.
    page.select_option("#cat", "cs.CV")
    assert page.evaluate("() => window.location.hash") == "#cscv"
    page.select_option("#cat", "")
    assert page.evaluate("() => window.location.hash") == ""
    assert len(_visible_ids(page)) == 30
    assert _visible_heads(page) == ["cslg", "cscv", "csai", "cscl"]

    # The summary line's category chips are links to the same anchors.
    page.locator(".day-summary a.cat-link", has_text="cs.AI").click()
    page.wait_for_function("() => document.getElementById('cat').value === 'cs.AI'")
    assert len(_visible_ids(page)) == 3

    # Paper deep links still win over a category filter that hides the paper.
    page.evaluate("() => { window.location.hash = '#2602.04883'; }")  # a cs.LG paper
    page.wait_for_function("() => !document.getElementById('2602.04883').hidden")
    assert len(_visible_ids(page)) == 30
    assert console.errors == []


@pytest.mark.parametrize(("language", "day"), [("zh", SAMPLE_DATE), ("en", dt.date(2026, 2, 3))])
def test_markdown_toc_anchors_are_ids_on_the_day_page(page: Page, base_url: str, language: str, day: dt.date) -> None:
    markdown = render_markdown(sample_digest(language, day))
    toc = _toc_anchors(markdown)
    assert toc == TOC
    page.goto(base_url + f"{day.isoformat()}.html")
    for category, anchor in toc:
        target = page.locator(f'[id="{anchor}"]')
        assert target.count() == 1, anchor
        assert target.get_attribute("data-cat") == category
        assert target.is_visible()
    # The index links each day's categories to the same anchors.
    page.goto(base_url + "index.html")
    hrefs = page.locator(f"#d{day.isoformat()} .day-cats a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert hrefs == [f"{day.isoformat()}.html#{anchor}" for _category, anchor in toc]


def test_index_names_the_first_paper_when_no_paper_is_scored(browser: Browser, tmp_path: Path) -> None:
    digests = []
    for language, day in (("zh", SAMPLE_DATE), ("en", dt.date(2026, 2, 3))):
        digest = sample_digest(language, day)
        for entry in digest.entries:
            assert entry.summary is not None
            entry.summary.score = None
        digests.append(digest)
    build_site([*digests, sample_digest("zh", dt.date(2026, 2, 2))], tmp_path)
    page = browser.new_page()
    page.goto((tmp_path / "site" / "index.html").as_uri())
    first = REPORT_ORDER[0]
    for name, label in (("2026-02-04", "首篇:"), ("2026-02-03", "First paper:")):
        row = page.locator(f"#d{name}")
        assert row.locator(".top-label").inner_text() == label
        assert row.locator(".day-top .badge").count() == 0  # no "未评分" badge pretending to rank it
        assert row.locator(".day-top a").get_attribute("href") == f"{name}.html#{first}"
        assert "最高分" not in row.inner_text() and "未评分" not in row.inner_text()
    scored = page.locator("#d2026-02-02")  # a scored day keeps its top score
    assert scored.locator(".top-label").inner_text() == "最高分:"
    assert scored.locator(".day-top .badge").inner_text() == "72"
    page.close()


def test_script_in_title_shows_as_text_and_does_not_run(page: Page, base_url: str) -> None:
    console = ConsoleErrors(page)
    page.goto(base_url + DAY_PAGE)
    page.wait_for_load_state("load")
    assert page.evaluate("() => window.__pwned") is None
    title = page.locator("#\\32 602\\.04757 .card-title a").inner_text()
    assert title.startswith("<script>window.__pwned = 1</script><img src=x")
    assert page.locator("#\\32 602\\.04757 .card-title script").count() == 0
    assert page.locator("#\\32 602\\.04757 img").count() == 0
    page.fill("#q", "<script>")  # the search index holds the text too, escaped in the attribute
    assert _visible_ids(page) == ["2602.04757"]
    assert console.errors == []


def test_page_works_from_file_url(page: Page, site_dir: Path) -> None:
    console = ConsoleErrors(page)
    page.goto((site_dir / DAY_PAGE).as_uri())
    page.wait_for_load_state("load")
    assert len(_visible_ids(page)) == 30
    page.select_option("#cat", "cs.CL")
    assert len(_visible_ids(page)) == 3
    page.goto((site_dir / DAY_PAGE).as_uri() + "#cscv")  # a Markdown TOC anchor, from disk
    assert len(_visible_ids(page)) == 7
    assert page.locator("#cat").input_value() == "cs.CV"
    page.goto((site_dir / DAY_PAGE).as_uri() + "#2602.04868")
    top = page.evaluate("() => document.getElementById('2602.04868').getBoundingClientRect().top")
    assert 0 <= top < 900
    page.click("#theme-toggle")  # localStorage may be unavailable on file://; the toggle still works
    assert page.evaluate("() => document.documentElement.dataset.theme") in ("light", "dark")
    page.goto((site_dir / "index.html").as_uri())
    assert page.locator("li.day").count() == 3
    assert console.errors == []


def test_index_lists_days_newest_first_with_top_paper(page: Page, base_url: str) -> None:
    console = ConsoleErrors(page)
    page.goto(base_url)
    days = page.locator("li.day .day-link").all_inner_texts()
    assert days == ["2026-02-06", "2026-02-04", "2026-02-03"]
    sample_day = page.locator("#d2026-02-04")
    assert "30 篇" in sample_day.inner_text()
    top = sample_day.locator(".day-top a")
    # The first of the 72s in report order (cs.LG comes first), labelled as the top score.
    assert top.get_attribute("href") == "2026-02-04.html#2602.04883"
    assert sample_day.locator(".top-label").inner_text() == "最高分:"
    assert sample_day.locator(".day-top .badge").inner_text() == "72"
    assert "arXiv 当天没有新公告" in page.locator("#d2026-02-06").inner_text()
    top.click()
    page.wait_for_url("**/2026-02-04.html#2602.04883")
    assert console.errors == []


def test_score_filter_is_hidden_when_nothing_is_scored(browser: Browser, tmp_path: Path) -> None:
    digest = sample_digest()
    for entry in digest.entries:
        assert entry.summary is not None
        entry.summary.score = None
    build_site([digest], tmp_path)
    page = browser.new_page()
    page.goto((tmp_path / "site" / DAY_PAGE).as_uri())
    assert not page.locator("#min-score").is_visible()
    assert page.locator("article.card .badge").first.inner_text() == "未评分"
    assert len(_visible_ids(page)) == 30
    page.close()


def test_no_announcement_day_says_so(page: Page, base_url: str) -> None:
    page.goto(base_url + "2026-02-06.html")
    assert page.locator("#no-announcement").is_visible()
    assert page.locator("article.card").count() == 0


def test_english_digest_has_english_labels(page: Page, base_url: str) -> None:
    page.goto(base_url + "2026-02-03.html")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#count").inner_text() == "Showing 30 of 30"
    page.fill("#q", "agent")
    assert page.locator("#count").inner_text().startswith("Showing ")


def test_themes_and_phone_layout_screenshots(browser: Browser, base_url: str, tmp_path: Path) -> None:
    """Screenshots go to the test's temporary folder (pytest keeps the last runs' under its basetemp)."""
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    light = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    page = light.new_page()
    page.goto(base_url + DAY_PAGE)
    page.locator("#\\32 602\\.04837 details").first.evaluate("d => d.open = true")
    bg_light = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    page.screenshot(path=str(artifacts / "site-day.png"))
    page.click("#theme-toggle")
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != bg_light
    light.close()

    dark = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    page = dark.new_page()
    page.goto(base_url + DAY_PAGE)
    bg_dark = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert bg_dark != bg_light
    page.screenshot(path=str(artifacts / "site-day-dark.png"))
    dark.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = phone.new_page()
    page.goto(base_url + DAY_PAGE)
    # Readable on a phone: nothing wider than the screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "site-day-phone.png"))
    page.goto(base_url)
    page.screenshot(path=str(artifacts / "site-index-phone.png"))
    phone.close()
    assert (artifacts / "site-day.png").stat().st_size > 10_000


def test_highlight_citation_jumps_to_its_card_and_an_rtl_override_reverses_nothing(
    browser: Browser, tmp_path: Path
) -> None:
    """Issues 9 and 11: `[25]` in the highlights opens card 25; U+202E in an author name stays contained."""
    digest = sample_digest()
    first = digest.entries[0]  # 2602.04837, report number 25 (cs.AI comes after cs.LG and cs.CV)
    first.paper.authors = ["\u202eEve Adams", "Bob Brown", "Carol Chen"]
    digest.highlights = "- **智能体\u202e进化**：群体经验共享 [25]，蛋白质 [1]。"
    build_site([digest], tmp_path)
    page = browser.new_page()
    page.goto((tmp_path / "site" / DAY_PAGE).as_uri())
    box = page.locator("section.highlights")
    assert box.locator("li").inner_text() == "智能体进化：群体经验共享 [25]，蛋白质 [1]。"
    assert box.locator("strong").inner_text() == "智能体进化"
    page.select_option("#cat", "cs.CV")  # the cited card is hidden by a filter: the link still reaches it
    box.locator("a", has_text="[25]").click()
    page.wait_for_function("() => !document.getElementById('2602.04837').hidden")
    top = page.evaluate("() => document.getElementById('2602.04837').getBoundingClientRect().top")
    assert 0 <= top < 900
    # The authors read left to right in the order given: each name starts right of the previous one.
    lefts = page.locator("#\\32 602\\.04837 .authors bdi").evaluate_all(
        "bs => bs.map(b => b.getBoundingClientRect().left)"
    )
    texts = page.locator("#\\32 602\\.04837 .authors bdi").all_inner_texts()
    assert texts == ["Eve Adams", "Bob Brown", "Carol Chen"]
    assert lefts == sorted(lefts) and len(set(lefts)) == 3
    page.close()
