"""The Atom feed of the latest digests: one entry per paper (RFC 4287, written with feedgen).

See https://www.rfc-editor.org/rfc/rfc4287 and https://feedgen.kiesow.be/.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from feedgen.feed import FeedGenerator
from lxml import etree
from markupsafe import Markup

from paperbrief.models import Digest, DigestEntry
from paperbrief.render import numbers_marks, site_text
from paperbrief.render.fulltext_view import feed_parts
from paperbrief.render.safe import clean_model
from paperbrief.render.site_text import Labels, labels_for
from paperbrief.render.weekly_links import WeeklyLink
from paperbrief.text import one_line

FEED_ID = "urn:paperbrief:feed"
_ATOM = "{http://www.w3.org/2005/Atom}"


def _digest_time(digest: Digest) -> dt.datetime:
    if digest.generated is not None:
        return digest.generated if digest.generated.tzinfo else digest.generated.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(digest.date, dt.time(0, 0), tzinfo=dt.UTC)


def _entry_html(entry: DigestEntry, labels: Labels, page_url: str | None) -> str:
    summary = entry.summary
    parts: list[Markup] = []
    if summary is not None and summary.tldr:
        parts.append(Markup("<p><strong>{}</strong> {}</p>").format(labels.tldr, summary.tldr))
    if summary is not None and summary.unsupported_numbers:  # issue 16: marked, with the reason
        mark = numbers_marks.summary_mark_text(summary, summary.unsupported_numbers, labels.html_lang).strip()
        parts.append(
            Markup('<p title="{}">{}</p>').format(numbers_marks.summary_legend(summary, labels.html_lang), mark)
        )
    parts.append(
        Markup("<p>{}: {} · {}: {}</p>").format(
            labels.score,
            site_text.score_text(entry, labels),
            labels.categories,
            ", ".join(entry.paper.categories or [entry.paper.primary]),
        )
    )
    if summary is not None and summary.keywords:
        parts.append(Markup("<p>{}: {}</p>").format(labels.keywords, ", ".join(summary.keywords)))
    parts += feed_parts(summary, labels.lang, page_url)  # papers read in full (issue 13)
    links = [
        Markup('<a href="{}">{}</a>').format(entry.paper.abs_url, labels.abs_link),
        Markup('<a href="{}">{}</a>').format(entry.paper.pdf_url, labels.pdf_link),
    ]
    links += [Markup('<a href="{}">{}</a>').format(url, labels.code_link) for url in site_text.code_urls(entry)]
    if page_url:
        links.append(Markup('<a href="{}">{}</a>').format(page_url, labels.read_online))
    parts.append(Markup("<p>{}</p>").format(Markup(" · ").join(links)))
    return str(Markup("\n").join(parts))


@dataclass(frozen=True)
class FeedBuild:
    """The Atom XML, and one note per paper left out because it could not be rendered."""

    data: bytes
    notes: list[str] = field(default_factory=list)


def build_feed(
    digests: Sequence[Digest], base_url: str | None = None, feed_days: int = 7, weeklies: Sequence[WeeklyLink] = ()
) -> bytes:
    """The Atom XML of the newest `feed_days` digests, one entry per paper, newest day first.

    The newest four weekly reports (`weeklies`) come after the papers, one entry each. An entry
    that cannot be rendered is left out (see `build_feed_checked` for the notes).
    """
    return build_feed_checked(digests, base_url, feed_days, weeklies).data


def build_feed_checked(
    digests: Sequence[Digest], base_url: str | None = None, feed_days: int = 7, weeklies: Sequence[WeeklyLink] = ()
) -> FeedBuild:
    """`build_feed` with the notes: text is cleaned first, and a paper that still fails is skipped.

    On a failure each entry is tried alone to find the bad ones, then the feed is built without them.
    """
    days = [clean_model(d) for d in sorted(digests, key=lambda d: d.date, reverse=True)[: max(feed_days, 0)]]
    items = [(digest, entry) for digest in days for entry in digest.entries]
    try:
        return FeedBuild(_feed_xml(days, items, base_url, weeklies))
    except Exception:  # find the entries at fault below
        pass
    kept: list[tuple[Digest, DigestEntry]] = []
    notes: list[str] = []
    for item in items:
        try:
            _feed_xml(days, [item], base_url, weeklies)
        except Exception as exc:
            digest, entry = item
            notes.append(
                f"feed: {entry.paper.arxiv_id} of {digest.date.isoformat()} left out, "
                f"it cannot be rendered: {one_line(exc)}"
            )
        else:
            kept.append(item)
    return FeedBuild(_feed_xml(days, kept, base_url, weeklies), notes)


def _feed_xml(
    days: list[Digest],
    items: Sequence[tuple[Digest, DigestEntry]],
    base_url: str | None,
    weeklies: Sequence[WeeklyLink] = (),
) -> bytes:
    labels = labels_for(days[0].language if days else "zh")
    site = base_url.rstrip("/") + "/" if base_url else None
    feed = FeedGenerator()
    feed.id(f"{site}feed.xml" if site else FEED_ID)
    feed.title(labels.title)
    feed.author({"name": "paperbrief"})
    feed.generator("paperbrief")
    feed.language(labels.html_lang)
    if site:
        feed.link(href=f"{site}index.html", rel="alternate", type="text/html")
        feed.link(href=f"{site}feed.xml", rel="self", type="application/atom+xml")
    else:
        feed.link(href="https://arxiv.org/", rel="alternate", type="text/html")
    newest = max((_digest_time(d) for d in days), default=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    newest = max([newest, *(w.updated for w in weeklies[:4])])
    feed.updated(newest)
    entry_links = [_add_entry(feed, digest, entry, base_url) for digest, entry in items]
    entry_links += [_weekly_entry(feed, weekly, site) for weekly in weeklies[:4]]
    data: bytes = feed.atom_str(pretty=True)
    return _restore_link_attributes(data, entry_links)


def _weekly_entry(feed: FeedGenerator, weekly: WeeklyLink, site: str | None) -> list[dict[str, str]]:
    """One entry for a weekly report (issue 14); its id is stable per week."""
    item = feed.add_entry(order="append")
    item.id(f"urn:paperbrief:weekly:{weekly.week}")
    item.title(weekly.title)
    links = [{"href": f"{site}{weekly.page}" if site else weekly.page, "rel": "alternate", "type": "text/html"}]
    item.link(links)
    item.author({"name": "paperbrief"})
    item.updated(weekly.updated)
    item.summary(site_text.one_line(weekly.summary, 600))
    return links


def _add_entry(feed: FeedGenerator, digest: Digest, entry: DigestEntry, base_url: str | None) -> list[dict[str, str]]:
    """Append one paper's entry to `feed`; returns its links (feedgen drops their attributes)."""
    day_labels = labels_for(digest.language)
    paper = entry.paper
    page_url = site_text.day_page_url(base_url, digest.date, paper.arxiv_id)
    item = feed.add_entry(order="append")
    # One id per (day, paper version): the same version shown on another day is another entry.
    item.id(f"urn:paperbrief:{digest.date.isoformat()}:{paper.versioned_id}")
    item.title(site_text.one_line(paper.title))
    links = [{"href": page_url or paper.abs_url, "rel": "alternate", "type": "text/html"}]
    links.append({"href": paper.pdf_url, "rel": "related", "type": "application/pdf", "title": "PDF"})
    if page_url:
        links.append({"href": paper.abs_url, "rel": "related", "type": "text/html", "title": "arXiv"})
    item.link(links)
    for name in paper.authors[:20] or ["arXiv"]:
        item.author({"name": name})
    for category in paper.categories:
        item.category(term=category)
    item.updated(_digest_time(digest))
    if paper.published is not None:
        item.published(paper.published if paper.published.tzinfo else paper.published.replace(tzinfo=dt.UTC))
    tldr = entry.summary.tldr if entry.summary is not None and entry.summary.tldr else paper.abstract
    # Issue 16: the mark goes after the (shortened) text, so shortening never cuts it off.
    summary = entry.summary
    mark = (
        numbers_marks.summary_mark_text(summary, summary.unsupported_numbers, day_labels.html_lang) if summary else ""
    )
    item.summary(site_text.one_line(tldr, 600 - len(mark)) + mark)
    item.content(_entry_html(entry, day_labels, page_url), type="html")
    return links


def _restore_link_attributes(data: bytes, entry_links: list[list[dict[str, str]]]) -> bytes:
    """Put back rel/type/title on entry links, which feedgen 1.0.0 drops.

    https://github.com/lkiesow/python-feedgen/issues/135 : without this every link is an
    `alternate`, and Atom allows one alternate link per type (RFC 4287 section 4.1.1).
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(data, parser=parser)
    for element, links in zip(root.iter(f"{_ATOM}entry"), entry_links, strict=True):
        for link_element, link in zip(element.findall(f"{_ATOM}link"), links, strict=True):
            for key in ("rel", "type", "title"):
                if key in link:
                    link_element.set(key, link[key])
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return out
