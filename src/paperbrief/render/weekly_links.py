"""The list of written weekly pages (`site/weekly/weeks.json`) that the site index and the Atom feed link.

Kept apart from the weekly renderer so a daily site rebuild does not import scikit-learn.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

WEEKLY_DIRNAME = "weekly"
WEEKS_FILENAME = "weeks.json"


@dataclass(frozen=True)
class WeeklyLink:
    """One written weekly page as the index and the feed show it."""

    week: str
    page: str  # relative to the site root: weekly/2026-W08.html
    title: str
    summary: str
    updated: dt.datetime


def weekly_links(site_dir: Path) -> list[WeeklyLink]:
    """The weeks listed in `site_dir/weekly/weeks.json`, newest first (none when it is missing or unreadable)."""
    try:
        raw = json.loads((site_dir / WEEKLY_DIRNAME / WEEKS_FILENAME).read_text(encoding="utf-8"))
        links = [
            WeeklyLink(r["week"], r["page"], r["title"], r["summary"], dt.datetime.fromisoformat(r["updated"]))
            for r in raw
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return sorted(links, key=lambda link: link.week, reverse=True)


def weeks_json(links: list[WeeklyLink]) -> bytes:
    """`weeks.json`'s bytes, newest week first."""
    rows = [
        {"week": k.week, "page": k.page, "title": k.title, "summary": k.summary, "updated": k.updated.isoformat()}
        for k in sorted(links, key=lambda link: link.week, reverse=True)
    ]
    return (json.dumps(rows, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
