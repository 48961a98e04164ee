"""The site's feedback buttons in headless Chromium (issue 12): served by `paperbrief serve`, and opened from disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Page

from fakes.digests import SAMPLE_DATE, sample_digest
from paperbrief.cli import main
from paperbrief.render.site import build_site
from paperbrief.serve import FeedbackServer, ServeOptions
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url

pytestmark = pytest.mark.browser

DAY_PAGE = f"{SAMPLE_DATE.isoformat()}.html"
FIRST = "2602.04883"  # the day page's first card (cs.LG, the largest section)
OTHER = "2602.04877"


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    build_site([sample_digest()], tmp_path / "out")
    return tmp_path / "out" / "site"


def _pressed(page: Page, arxiv_id: str, action: str) -> str | None:
    return page.get_attribute(f'.fb[data-id="{arxiv_id}"] button[data-action="{action}"]', "aria-pressed")


def test_served_click_like_is_stored_and_kept_after_reload(page: Page, site_dir: Path, tmp_path: Path) -> None:
    store = Store(sqlite_url(tmp_path / "pb.db"))
    server = FeedbackServer(ServeOptions(site_dir=site_dir, port=0), store).start()
    try:
        host, port = server.address
        page.goto(f"http://{host}:{port}/{DAY_PAGE}")
        page.click(f'.fb[data-id="{FIRST}"] button[data-action="like"]')
        page.wait_for_selector(f'.fb[data-id="{FIRST}"] button[data-action="like"][aria-pressed="true"]')
        assert [(e.arxiv_id, e.action, e.source) for e in store.feedback_events("me")] == [(FIRST, "like", "site")]
        page.reload()
        page.wait_for_selector(f'.fb[data-id="{FIRST}"] button[data-action="like"][aria-pressed="true"]')
        assert _pressed(page, FIRST, "dislike") == "false"
        assert _pressed(page, OTHER, "like") == "false"
        assert page.query_selector(".fb-export") is None  # served: the store keeps the choices
    finally:
        server.stop()
        store.close()


def test_from_disk_choices_survive_a_reload_and_the_export_imports(page: Page, site_dir: Path, tmp_path: Path) -> None:
    page.goto((site_dir / DAY_PAGE).as_uri())
    page.click(f'.fb[data-id="{FIRST}"] button[data-action="like"]')
    page.click(f'.fb[data-id="{OTHER}"] button[data-action="save"]')
    page.reload()
    assert _pressed(page, FIRST, "like") == "true"
    assert _pressed(page, OTHER, "save") == "true"
    with page.expect_download() as info:
        page.click(".fb-export")
    exported = tmp_path / "exported.csv"
    info.value.save_as(exported)
    assert exported.read_text(encoding="utf-8") == f"arxiv_id,label\n{OTHER},save\n{FIRST},like\n"
    home = tmp_path / "home"
    config = tmp_path / "paperbrief.toml"
    config.write_text("", encoding="utf-8")
    args = ["--home", str(home), "--config", str(config), "feedback", "import", str(exported)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    store = Store(sqlite_url(home / "paperbrief.db"))
    assert [(e.arxiv_id, e.action, e.source) for e in store.feedback_events("me")] == [
        (OTHER, "save", "import"),
        (FIRST, "like", "import"),
    ]
    store.close()
