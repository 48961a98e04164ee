"""The weekly report's site page (`site/weekly/<week>.html`) and the list of weeks the index and feed link.

The page shares the day pages' stylesheet, script (theme toggle, filters) and CSP; charts are
inline SVG. `site/weekly/weeks.json` lists every written week, so a daily site rebuild
(`render.site.build_site`) keeps linking them from the index and the Atom feed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from markupsafe import Markup

from paperbrief.models import DigestEntry
from paperbrief.render import site_text
from paperbrief.render.files import write_bytes_atomic
from paperbrief.render.jinja_env import template_environment
from paperbrief.render.weekly import coverage_lines, subject_line, weekly_labels, weekly_page_name
from paperbrief.render.weekly_charts import category_chart_svg, trend_chart_svg
from paperbrief.render.weekly_links import WEEKLY_DIRNAME, WEEKS_FILENAME, WeeklyLink, weekly_links, weeks_json
from paperbrief.weekly import BuiltWeek, WeeklyReport
from paperbrief.weekly.trends import Direction


def _summary(report: WeeklyReport) -> str:
    labels = weekly_labels(report.language)
    parts = [labels.papers_n.format(n=len(report.papers))]
    rising = [t.term for t in report.trends if t.direction is Direction.RISING][:5]
    if rising:
        parts.append(f"{labels.rising}: {', '.join(rising)}")
    if report.themes:
        parts.append(f"{labels.themes}: {'; '.join(t.title for t in report.themes)}")
    parts += coverage_lines(report, labels)
    return " · ".join(parts)


def link_for(report: WeeklyReport) -> WeeklyLink:
    """The index/feed entry of a report (updated: its newest digest, else the end of its week)."""
    updated = report.updated or dt.datetime.combine(report.end, dt.time(23, 59), tzinfo=dt.UTC)
    if updated.tzinfo is None:
        updated = updated.replace(tzinfo=dt.UTC)
    return WeeklyLink(report.week, weekly_page_name(report.week), subject_line(report), _summary(report), updated)


def _cards(entries: Sequence[DigestEntry]) -> list[dict[str, object]]:
    cards = []
    for index, entry in enumerate(entries):
        keywords = entry.summary.keywords if entry.summary is not None else []
        text = " ".join([entry.paper.title, " ".join(entry.paper.authors), " ".join(keywords), entry.paper.arxiv_id])
        numbered = entry.model_copy(update={"number": index + 1})  # the week's rank, not the day's number
        cards.append({"index": index, "entry": numbered, "search": site_text.one_line(text).lower()})
    return cards


def write_weekly_page(built: BuiltWeek, site_dir: Path, base_url: str | None = None) -> list[Path]:
    """Write `site_dir/weekly/<week>.html` and update `weeks.json`; returns both paths."""
    report = built.report
    env = template_environment(autoescape=True)
    # The day pages' own script, allowed by its hash like there (render/site.py).
    script = env.get_template("site/site.js").render()
    script_hash = "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"
    wl = weekly_labels(report.language)
    counts = Counter(e.paper.primary for e in built.entries)
    html = env.get_template("site/weekly.html").render(
        report=report,
        wl=wl,
        labels=site_text.labels_for(report.language),
        script=Markup(script),
        script_hash=Markup(script_hash),
        style=Markup(env.get_template("site/site.css").render()),
        base_url=base_url.rstrip("/") + "/" if base_url else None,
        feed_name="feed.xml",
        coverage=coverage_lines(report, wl),
        trend_svg=trend_chart_svg(report.trends, wl.trends),
        day_svg=category_chart_svg(report.per_day, wl.per_day),
        cards=_cards(built.entries),
        categories=sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])),
        has_scores=any(p.score is not None for p in report.papers),
    )
    page = site_dir / weekly_page_name(report.week)
    page.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(page, html.encode("utf-8"))
    links = {link.week: link for link in weekly_links(site_dir)}
    links[report.week] = link_for(report)
    listing = site_dir / WEEKLY_DIRNAME / WEEKS_FILENAME
    write_bytes_atomic(listing, weeks_json(list(links.values())))
    return [page, listing]
