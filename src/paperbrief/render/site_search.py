"""The site's search index over all days: `site/search.json`, searched by the index page's script.

One compact object per paper of every day on the site (newest day first): the day page and anchor
to link to, title, authors, keywords, TL;DR and categories. The index page fetches it on the first
keystroke in its all-days search box (CSP `connect-src 'self'`: same origin only, no CDN), so it
works wherever the site is served — `paperbrief serve` or any static web server. See docs/search.md.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from paperbrief.models import Digest
from paperbrief.render import site_text

SEARCH_INDEX_FILENAME = "search.json"
# Authors kept per paper: enough to find a paper by a name, without a 300-author list per entry.
MAX_AUTHORS = 8


def search_index_rows(days: Sequence[Digest]) -> list[dict[str, Any]]:
    """One row per paper of each day, in the days' order (newest first) and each day's order."""
    rows: list[dict[str, Any]] = []
    for digest in days:
        page = site_text.day_page_name(digest.date)
        for entry in digest.entries:
            summary = entry.summary
            rows.append(
                {
                    "date": digest.date.isoformat(),
                    "page": page,
                    "id": entry.paper.arxiv_id,
                    "title": entry.paper.title,
                    "authors": entry.paper.authors[:MAX_AUTHORS],
                    "keywords": list(summary.keywords) if summary else [],
                    "tldr": (summary.tldr or "") if summary else "",
                    "categories": entry.paper.categories,
                }
            )
    return rows


def search_index_json(days: Sequence[Digest]) -> bytes:
    """`search_index_rows` as compact UTF-8 JSON."""
    return json.dumps(search_index_rows(days), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
