"""The bundled sample day: the 30 papers behind the reference report of 2026-02-04.

It lets `paperbrief run --sample` produce a complete digest with no network and no API key.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path
from typing import Any

from paperbrief.models import AnnounceType, Paper
from paperbrief.text import one_line

SAMPLE_DATE = dt.date(2026, 2, 4)
_SAMPLE_FILE = "sample-2026-02-04.json"


class DayFileError(Exception):
    """A day file (sample format or `paperbrief fetch --json` output) cannot be read."""


def load_sample_day() -> tuple[dt.date, list[Paper]]:
    """The sample day's date and its papers (metadata only), newest id first."""
    raw = resources.files("paperbrief.sources").joinpath("data", _SAMPLE_FILE).read_text(encoding="utf-8")
    date, papers = _parse_day(json.loads(raw))
    assert date is not None
    return date, papers


def load_day_file(path: Path) -> tuple[dt.date | None, list[Paper]]:
    """Papers from a JSON file: the sample format, or the array `paperbrief fetch --json` prints."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return _parse_day(data)
    except FileNotFoundError as exc:
        raise DayFileError(f"{path}: no such file") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DayFileError(f"{path} is not UTF-8 JSON: {exc}") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise DayFileError(f"{path} is not a day of papers: {one_line(exc)}") from exc


def _parse_day(data: Any) -> tuple[dt.date | None, list[Paper]]:
    if isinstance(data, list):  # `paperbrief fetch --json`: the Paper model itself
        papers = [Paper.model_validate(item) for item in data]
        dates = {p.announced for p in papers if p.announced}
        date = dates.pop() if len(dates) == 1 else None
        papers.sort(key=lambda p: p.arxiv_id, reverse=True)
        return date, papers
    date = dt.date.fromisoformat(data["announced"])
    papers = [
        Paper(
            arxiv_id=item["id"],
            version=int(item.get("version", 1)),
            title=item["title"],
            authors=list(item["authors"]),
            abstract=item.get("abstract", ""),
            categories=list(item["categories"]),
            # The sample carries no arXiv primary category; its first category is the primary,
            # as in the RSS feed (see docs/sources.md).
            primary_category=item.get("primary_category") or (item["categories"][0] if item["categories"] else None),
            published=dt.datetime.fromisoformat(item["published"].replace("Z", "+00:00")),
            updated=dt.datetime.fromisoformat(item["published"].replace("Z", "+00:00")),
            comment=item.get("comment"),
            journal_ref=item.get("journal_ref"),
            doi=item.get("doi"),
            announce_type=AnnounceType(item.get("announce_type", "new")),
            announced=date,
        )
        for item in data["papers"]
    ]
    papers.sort(key=lambda p: p.arxiv_id, reverse=True)
    return date, papers
