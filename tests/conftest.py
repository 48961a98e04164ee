"""Shared test configuration: paths to the recorded data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperbrief.store import Store
from paperbrief.store.db import sqlite_url

DATA = Path(__file__).parent / "data"


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


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh, migrated SQLite store in the test's temp folder (`pb.db`), closed afterwards."""
    db = Store.open(sqlite_url(tmp_path / "pb.db"))
    yield db
    db.close()
