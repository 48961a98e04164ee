"""Shared test configuration: paths to the recorded data, and stores on SQLite and PostgreSQL.

Store-backed tests take the `store` (or `store_url`) fixture and run once per backend: SQLite in the
test's temp folder, and a real PostgreSQL server named by PAPERBRIEF_TEST_POSTGRES_URL (started by
`.ci/run` through scripts/postgres.sh), each test in a schema of its own. Without that variable the
PostgreSQL cases fail under CI=true and are deselected, with the reason printed, elsewhere.
Tests that hold only for SQLite use `sqlite_store` and say why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from paperbrief.store import Store
from paperbrief.store.db import sqlite_url

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

DATA = Path(__file__).parent / "data"

# Read before `_hermetic_environment` strips every PAPERBRIEF_* variable from the tests' environment.
POSTGRES_URL = os.environ.get("PAPERBRIEF_TEST_POSTGRES_URL", "")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", "postgresql"]
NO_POSTGRES = 'PAPERBRIEF_TEST_POSTGRES_URL is not set (start a server with `eval "$(bash scripts/postgres.sh start)"`)'


# Debian's Chromium (installed by scripts/test.sh), offline: no QUIC, no updates, no sync, no first-run pages.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium per test module (Playwright's sync API), closed after the module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in its own context (storage, downloads allowed); a console error or warning (a CSP
    violation is one) or an uncaught page error during the test fails it."""
    from fakes.browser import ConsoleErrors

    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    console = ConsoleErrors(page)
    yield page
    context.close()
    assert console.errors == [], "the page logged errors"


@pytest.fixture
def data_dir() -> Path:
    """The folder of recorded arXiv responses and the reference report."""
    return DATA


@pytest.fixture(autouse=True)
def _hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The caller's PAPERBRIEF_*/OPENAI_* variables (a real key, a real SMTP host) never reach a test."""
    for name in list(os.environ):
        if name.startswith(("PAPERBRIEF_", "OPENAI_")):
            monkeypatch.delenv(name)


def postgres_schema_url(schema: str) -> str:
    """The test server's URL with `search_path` set to `schema` (every connection of the pool)."""
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL into a fresh, empty PostgreSQL schema on the test server, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.fail(f"this test needs PostgreSQL: {NO_POSTGRES}")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield postgres_schema_url(schema)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend: a SQLite file `pb.db` in the temp folder, a PostgreSQL schema."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "pb.db")
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A fresh, migrated store on each backend, closed afterwards."""
    db = Store.open(store_url)
    yield db
    db.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """A fresh, migrated SQLite store (`pb.db` in the temp folder), for tests about SQLite itself."""
    db = Store.open(sqlite_url(tmp_path / "pb.db"))
    yield db
    db.close()


def _needs_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    uses_param = callspec is not None and callspec.params.get("store_url") == "postgresql"
    return uses_param or "postgres_url" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a PostgreSQL server, outside CI: deselect its cases (and say so); in CI they fail."""
    if POSTGRES_URL or IN_CI:
        return
    skipped = [item for item in items if _needs_postgres(item)]
    if skipped:
        items[:] = [item for item in items if not _needs_postgres(item)]
        config.hook.pytest_deselected(items=skipped)
        config.stash[_DESELECTED] = len(skipped)


_DESELECTED = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Say why PostgreSQL cases were left out."""
    count = config.stash.get(_DESELECTED, 0)
    if count:
        terminalreporter.write_line(f"{count} PostgreSQL test(s) deselected: {NO_POSTGRES}", yellow=True)
