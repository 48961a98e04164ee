"""The static HTML site: `site/index.html`, one page per day and `site/feed.xml`.

Pages are self-contained (inline CSS and JS, no CDN, no network) so they work opened from disk
and served. Jinja2 renders with autoescape on; the only script is our own, allowed by a
Content-Security-Policy hash, so even markup that slipped through could not run
(https://www.w3.org/TR/CSP3/#script-src-hash-usage).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from paperbrief.models import Digest, DigestEntry
from paperbrief.render import site_text
from paperbrief.render.feed import build_feed
from paperbrief.render.files import OutputError, write_bytes_atomic
from paperbrief.render.jinja_env import template_environment
from paperbrief.render.layout import ordered_entries, ordered_sections
from paperbrief.render.site_text import Labels, labels_for
from paperbrief.render.weekly_links import weekly_links

SITE_DIRNAME = "site"
FEED_FILENAME = "feed.xml"


class SiteError(Exception):
    """The site cannot be written (one-line reason)."""


def _script_and_hash(env: Environment) -> tuple[Markup, Markup]:
    script = env.get_template("site/site.js").render()
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return Markup(script), Markup(f"'sha256-{digest}'")


def _search_text(entry: DigestEntry) -> str:
    keywords = entry.summary.keywords if entry.summary is not None else []
    parts = [entry.paper.title, " ".join(entry.paper.authors), " ".join(keywords), entry.paper.arxiv_id]
    return site_text.one_line(" ".join(parts)).lower()


def _day_sections(digest: Digest, labels: Labels) -> list[dict[str, Any]]:
    """The report's sections for the day page: same order, numbers and GitHub anchors as the Markdown.

    Each category gets `id=<anchor>` on the page, so the Markdown TOC's `#cslg` resolves here too;
    `index` is the card's position on the page (its default sort order).
    """
    views: list[dict[str, Any]] = []
    index = 0
    for section in ordered_sections(digest):
        items = []
        for entry in section.entries:
            items.append({"index": index, "entry": entry, "search": _search_text(entry)})
            index += 1
        views.append(
            {
                "category": section.category,
                "anchor": section.anchor,
                "count_text": labels.papers.format(n=section.count),
                "count": section.count,
                "cards": items,
            }
        )
    return views


def _day_context(digest: Digest) -> dict[str, Any]:
    labels = labels_for(digest.language)
    return {
        "digest": digest,
        "labels": labels,
        "sections": _day_sections(digest, labels),
        "footer": site_text.footer_text(digest, labels),
        "count_text": labels.papers.format(n=len(digest.entries)),
        "has_scores": any(site_text.score_of(e) is not None for e in digest.entries),
    }


def _unique_newest_first(digests: Sequence[Digest]) -> list[Digest]:
    # One page per date: when several digests share a date, the last one given wins.
    by_date: dict[dt.date, Digest] = {}
    for digest in digests:
        by_date[digest.date] = digest
    return [by_date[d] for d in sorted(by_date, reverse=True)]


def _index_rows(digests: Sequence[Digest]) -> list[dict[str, Any]]:
    rows = []
    for digest in digests:
        labels = labels_for(digest.language)
        entries = ordered_entries(digest)  # report order: the day page's first card is "the first paper"
        top = site_text.top_entry(entries)
        scored = top is not None and site_text.score_of(top) is not None
        rows.append(
            {
                "digest": digest,
                "page": site_text.day_page_name(digest.date),
                "count_text": labels.papers.format(n=len(digest.entries)),
                "sections": [(s.category, s.count, s.anchor) for s in ordered_sections(digest)],
                "top": top,
                # With no score at all the "top" paper is just the first one: say so, and show no badge.
                "top_label": labels.top_paper if scored else labels.first_paper,
                "top_score": site_text.score_text(top, labels) if top is not None and scored else None,
                "top_tier": site_text.score_tier(top) if top is not None else "none",
            }
        )
    return rows


def build_site(digests: Sequence[Digest], out_dir: Path, base_url: str | None = None, feed_days: int = 7) -> list[Path]:
    """Write `out_dir/site/` (index, one page per day, Atom feed) and return its files.

    Each file is written atomically (`files.write_bytes_atomic`); a page whose bytes did not change
    is left as it is, so a daily rebuild rewrites only the new day, the index and the feed.
    """
    site_dir = out_dir / SITE_DIRNAME
    days = _unique_newest_first(digests)
    env = template_environment(autoescape=True)
    script, script_hash = _script_and_hash(env)
    style = Markup(env.get_template("site/site.css").render())
    labels: Labels = labels_for(days[0].language if days else "zh")
    common = {
        "script": script,
        "script_hash": script_hash,
        "style": style,
        "base_url": base_url.rstrip("/") + "/" if base_url else None,
        "feed_name": FEED_FILENAME,
    }
    written: list[Path] = []
    try:
        site_dir.mkdir(parents=True, exist_ok=True)
        day_template = env.get_template("site/day.html")
        for position, digest in enumerate(days):
            newer = days[position - 1] if position > 0 else None
            older = days[position + 1] if position + 1 < len(days) else None
            html = day_template.render(
                **common,
                **_day_context(digest),
                newer_page=site_text.day_page_name(newer.date) if newer else None,
                older_page=site_text.day_page_name(older.date) if older else None,
            )
            path = site_dir / site_text.day_page_name(digest.date)
            write_bytes_atomic(path, html.encode("utf-8"))
            written.append(path)
        weeklies = weekly_links(site_dir)  # written by `paperbrief weekly` (render/weekly_site.py)
        index_html = env.get_template("site/index.html").render(
            **common, labels=labels, rows=_index_rows(days), weeklies=weeklies
        )
        index_path = site_dir / "index.html"
        write_bytes_atomic(index_path, index_html.encode("utf-8"))
        written.append(index_path)
        feed_path = site_dir / FEED_FILENAME
        write_bytes_atomic(feed_path, build_feed(days, base_url=base_url, feed_days=feed_days, weeklies=weeklies))
        written.append(feed_path)
    except OutputError as exc:  # already one line, naming the file
        raise SiteError(str(exc)) from exc
    except OSError as exc:
        raise SiteError(f"cannot write the site under {site_dir}: {exc.strerror or exc}") from exc
    return written
