"""The bundled sample day: the 30 papers behind the reference report of 2026-02-04.

It lets `paperbrief run --sample` produce a complete digest with no network and no API key.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

from paperbrief.models import AnnounceType, Paper

SAMPLE_DATE = dt.date(2026, 2, 4)
_SAMPLE_FILE = "sample-2026-02-04.json"


def load_sample_day() -> tuple[dt.date, list[Paper]]:
    """The sample day's date and its papers (metadata only), newest id first."""
    raw = resources.files("paperbrief.sources").joinpath("data", _SAMPLE_FILE).read_text(encoding="utf-8")
    data = json.loads(raw)
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
            primary_category=item["categories"][0] if item["categories"] else None,
            published=dt.datetime.fromisoformat(item["published"].replace("Z", "+00:00")),
            updated=dt.datetime.fromisoformat(item["published"].replace("Z", "+00:00")),
            announce_type=AnnounceType.NEW,
            announced=date,
        )
        for item in data["papers"]
    ]
    papers.sort(key=lambda p: p.arxiv_id, reverse=True)
    return date, papers
