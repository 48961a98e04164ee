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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from paperbrief.models import Digest, DigestEntry
from paperbrief.render import site_text
from paperbrief.render.feed import build_feed_checked
from paperbrief.render.files import OutputError, sweep_stale_temp_files, write_bytes_atomic
from paperbrief.render.fulltext_view import copy_figures
from paperbrief.render.highlights import highlights_html
from paperbrief.render.jinja_env import template_environment
from paperbrief.render.layout import Section, ordered_sections
from paperbrief.render.safe import clean_model
from paperbrief.render.site_search import SEARCH_INDEX_FILENAME, search_index_json
from paperbrief.render.site_text import Labels, labels_for
from paperbrief.render.weekly_links import WeeklyLink, weekly_links
from paperbrief.render.wording import no_announcement_reason_text
from paperbrief.text import one_line

SITE_DIRNAME = "site"
FEED_FILENAME = "feed.xml"


class SiteError(Exception):
    """The site cannot be written (one-line reason)."""


def _script_and_hash(env: Environment) -> tuple[Markup, Markup]:
    # The feedback buttons' script (issue 12) rides in the same <script>, under the same hash.
    script = env.get_template("site/site.js").render() + "\n" + env.get_template("site/feedback.js").render()
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return Markup(script), Markup(f"'sha256-{digest}'")


def _search_text(entry: DigestEntry) -> str:
    keywords = entry.summary.keywords if entry.summary is not None else []
    parts = [entry.paper.title, " ".join(entry.paper.authors), " ".join(keywords), entry.paper.arxiv_id]
    return site_text.one_line(" ".join(parts)).lower()


def _day_sections(sections: list[Section], labels: Labels) -> list[dict[str, Any]]:
    """The report's sections for the day page: same order, numbers and GitHub anchors as the Markdown.

    Each category gets `id=<anchor>` on the page, so the Markdown TOC's `#cslg` resolves here too;
    `index` is the card's position on the page (its default sort order).
    """
    views: list[dict[str, Any]] = []
    index = 0
    for section in sections:
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
    sections = ordered_sections(digest)
    # `[n]` in the highlights is paper n of the report: link it to that paper's card.
    targets = {entry.number: f"#{entry.paper.arxiv_id}" for section in sections for entry in section.entries}
    return {
        "digest": digest,
        "labels": labels,
        "sections": _day_sections(sections, labels),
        "footer": site_text.footer_text(digest, labels),
        "made_by": site_text.summary_source(digest, labels),
        "reason": no_announcement_reason_text(digest.no_announcement_reason, digest.language, short=True),
        "highlights": highlights_html(digest.highlights, targets) if digest.highlights else None,
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
        sections = ordered_sections(digest)
        entries = [e for section in sections for e in section.entries]  # report order, as on the day page
        top = site_text.top_entry(entries)
        scored = top is not None and site_text.score_of(top) is not None
        rows.append(
            {
                "digest": digest,
                "page": site_text.day_page_name(digest.date),
                "count_text": labels.papers.format(n=len(digest.entries)),
                "sections": [(s.category, s.count, s.anchor) for s in sections],
                "top": top,
                # With no score at all the "top" paper is just the first one: say so, and show no badge.
                "top_label": labels.top_paper if scored else labels.first_paper,
                "top_score": site_text.score_text(top, labels) if top is not None and scored else None,
                "top_tier": site_text.score_tier(top) if top is not None else "none",
            }
        )
    return rows


@dataclass(frozen=True)
class SiteBuild:
    """What `build_site` wrote, and one note per record it had to leave out (empty when all went well)."""

    files: list[Path]
    notes: list[str] = field(default_factory=list)


def build_site(digests: Sequence[Digest], out_dir: Path, base_url: str | None = None, feed_days: int = 7) -> SiteBuild:
    """Write `out_dir/site/` (index, one page per day, Atom feed) and return its files and notes.

    Each file is written atomically (`files.write_bytes_atomic`); a page whose bytes did not change
    is left as it is, so a daily rebuild rewrites only the new day, the index and the feed. Text is
    cleaned at render time (`safe.clean_model`). A day, index row or feed entry that still cannot
    be rendered is left out with a note (a day's previous page, if any, stays as it was): one bad
    record never stops the other days. Raises `SiteError` only when files cannot be written.
    """
    site_dir = out_dir / SITE_DIRNAME
    days = [clean_model(d) for d in _unique_newest_first(digests)]
    env = template_environment(autoescape=True)
    script, script_hash = _script_and_hash(env)
    common: dict[str, Any] = {
        "script": script,
        "script_hash": script_hash,
        "style": Markup(env.get_template("site/site.css").render()),
        "base_url": base_url.rstrip("/") + "/" if base_url else None,
        "feed_name": FEED_FILENAME,
    }
    notes: list[str] = []
    try:
        site_dir.mkdir(parents=True, exist_ok=True)
        sweep_stale_temp_files(site_dir)
        weeklies = weekly_links(site_dir)  # written by `paperbrief weekly` (render/weekly_site.py)
        common["weeklies"] = weeklies
        shown, written = _write_day_pages(env, common, days, site_dir, notes)
        written += copy_figures(shown, out_dir, site_dir)  # full-text figures: local copies, never hotlinked
        index = _rendered_or_noted(lambda: _index_html(env, common, shown, notes), "the index", notes)
        if index is not None:
            write_bytes_atomic(site_dir / "index.html", index, sweep=False)
            written.append(site_dir / "index.html")
        search = _rendered_or_noted(lambda: search_index_json(shown), "the search index", notes)
        if search is not None:  # the index page's all-days search (render/site_search.py)
            write_bytes_atomic(site_dir / SEARCH_INDEX_FILENAME, search, sweep=False)
            written.append(site_dir / SEARCH_INDEX_FILENAME)
        feed = _rendered_or_noted(lambda: _feed_data(shown, base_url, feed_days, notes, weeklies), "the feed", notes)
        if feed is not None:
            write_bytes_atomic(site_dir / FEED_FILENAME, feed, sweep=False)
            written.append(site_dir / FEED_FILENAME)
    except OutputError as exc:  # already one line, naming the file
        raise SiteError(str(exc)) from exc
    except OSError as exc:
        raise SiteError(f"cannot write the site under {site_dir}: {exc.strerror or exc}") from exc
    return SiteBuild(written, notes)


def _rendered_or_noted(render: Callable[[], bytes], what: str, notes: list[str]) -> bytes | None:
    """`render()`, or None with a note when it fails for a reason no single record explains (the old file stays)."""
    try:
        return render()
    except Exception as exc:
        notes.append(f"site: {what} was not rebuilt: {one_line(exc)}")
        return None


def _feed_data(
    days: list[Digest], base_url: str | None, feed_days: int, notes: list[str], weeklies: Sequence[WeeklyLink]
) -> bytes:
    feed = build_feed_checked(days, base_url=base_url, feed_days=feed_days, weeklies=weeklies)
    notes += feed.notes
    return feed.data


def _write_day_pages(
    env: Environment, common: dict[str, Any], days: list[Digest], site_dir: Path, notes: list[str]
) -> tuple[list[Digest], list[Path]]:
    """Render and write every day page; returns the days shown (those that rendered) and the files.

    A day that fails is noted and left out; its neighbours are rendered again so that their
    previous/next links skip it.
    """
    template = env.get_template("site/day.html")

    def render(digest: Digest, newer: Digest | None, older: Digest | None) -> bytes:
        html = template.render(
            **common,
            **_day_context(digest),
            newer_page=site_text.day_page_name(newer.date) if newer else None,
            older_page=site_text.day_page_name(older.date) if older else None,
        )
        return html.encode("utf-8")

    pages: dict[dt.date, tuple[bytes, Digest | None, Digest | None]] = {}
    for position, digest in enumerate(days):
        newer = days[position - 1] if position > 0 else None
        older = days[position + 1] if position + 1 < len(days) else None
        try:
            pages[digest.date] = (render(digest, newer, older), newer, older)
        except Exception as exc:  # one bad record must not stop the other days
            notes.append(f"site: the page of {digest.date.isoformat()} was not rebuilt: {one_line(exc)}")
    shown = [d for d in days if d.date in pages]
    written: list[Path] = []
    for position, digest in enumerate(shown):
        data, newer, older = pages[digest.date]
        newer_now = shown[position - 1] if position > 0 else None
        older_now = shown[position + 1] if position + 1 < len(shown) else None
        if newer_now is not newer or older_now is not older:  # a neighbour was left out
            data = render(digest, newer_now, older_now)
        path = site_dir / site_text.day_page_name(digest.date)
        write_bytes_atomic(path, data, sweep=False)
        written.append(path)
    return shown, written


def _index_html(env: Environment, common: dict[str, Any], days: list[Digest], notes: list[str]) -> bytes:
    """The index page; a day whose row cannot be rendered is left out of it with a note."""
    labels: Labels = labels_for(days[0].language if days else "zh")
    template = env.get_template("site/index.html")
    try:
        return template.render(**common, labels=labels, rows=_index_rows(days)).encode("utf-8")
    except Exception:  # find the row(s) at fault, then render without them
        pass
    kept: list[Digest] = []
    for digest in days:
        try:
            template.render(**common, labels=labels, rows=_index_rows([digest]))
        except Exception as exc:
            notes.append(f"site: {digest.date.isoformat()} left out of the index: {one_line(exc)}")
        else:
            kept.append(digest)
    return template.render(**common, labels=labels, rows=_index_rows(kept)).encode("utf-8")
