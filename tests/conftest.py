"""Shared test configuration: paths to the recorded data."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    """The folder of recorded arXiv responses and the reference report."""
    return DATA

