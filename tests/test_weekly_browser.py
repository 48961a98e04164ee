"""The weekly site page in headless Chromium: no console errors (CSP included), filters, dark mode, charts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Page

from fakes.publish_servers import serve_directory
from paperbrief.cli import main

pytestmark = pytest.mark.browser

WEEK = "2026-W06"


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("weekly-site")
    runner = CliRunner()
    home, out = str(root / "home"), str(root / "out")
    assert runner.invoke(main, ["--home", home, "run", "--sample", "--out", out, "--no-deliver"]).exit_code == 0
    result = runner.invoke(main, ["--home", home, "weekly", "--week", WEEK, "--out", out, "--lang", "en"])
    assert result.exit_code == 0, result.output
    return root / "out" / "site"


@pytest.fixture(scope="module")
def base_url(site_dir: Path) -> Iterator[str]:
    with serve_directory(site_dir) as url:
        yield url


def _visible(page: Page) -> int:
    count: int = page.eval_on_selector_all("article.card:not([hidden])", "cards => cards.length")
    return count


def test_weekly_page_filters_cards(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}weekly/{WEEK}.html")
    assert _visible(page) == 30
    page.fill("#q", "protein")
    page.wait_for_function("() => document.querySelectorAll('article.card:not([hidden])').length < 30")
    titles = page.eval_on_selector_all(
        "article.card:not([hidden]) .card-title", "ts => ts.map(t => t.textContent.toLowerCase())"
    )
    assert titles and all("protein" in t for t in titles)
    page.fill("#q", "")
    page.select_option("#cat", "cs.CL")
    page.wait_for_function("() => document.querySelectorAll('article.card:not([hidden])').length < 30")
    cats = page.eval_on_selector_all("article.card:not([hidden])", "cs => cs.map(c => c.dataset.cat)")
    assert cats and set(cats) == {"cs.CL"}


def test_weekly_page_dark_mode_and_inline_charts(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}weekly/{WEEK}.html")
    assert page.locator("svg.chart").count() == 2
    page.click("#theme-toggle")
    theme = page.evaluate("() => document.documentElement.dataset.theme")
    if theme != "dark":
        page.click("#theme-toggle")
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    # Chart labels use currentColor: light text on the dark background.
    fill = page.evaluate("() => getComputedStyle(document.querySelector('svg.chart text')).fill")
    assert fill == "rgb(230, 231, 234)"
    page.click("a[href='../index.html'] >> nth=0")
    assert page.locator(f"a[href='weekly/{WEEK}.html']").count() == 1
