"""The static site's files and the Atom feed, read back with feedparser and lxml (no browser)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import feedparser
from lxml import etree

from fakes.digests import SAMPLE_DATE, empty_digest, sample_digest
from paperbrief.models import Enrichment, SummaryStatus
from paperbrief.render.feed import build_feed
from paperbrief.render.files import write_bytes_atomic, write_files_together
from paperbrief.render.site import build_site

SITE = "https://example.org/pb/"


def test_feed_is_valid_with_one_entry_per_paper_and_links() -> None:
    xml = build_feed([sample_digest()], base_url=SITE, feed_days=7)
    feed = feedparser.parse(xml)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "arXiv AI 论文日报"
    assert len(feed.entries) == 30
    first = feed.entries[0]
    assert first.title == "Group-Evolving Agents: Open-Ended Self-Improvement via Experience Sharing"
    assert first.link == "https://example.org/pb/2026-02-04.html#2602.04837"
    related = {link.href for link in first.links if link.rel == "related"}
    assert related == {"https://arxiv.org/abs/2602.04837v1", "https://arxiv.org/pdf/2602.04837v1"}
    assert first.summary.startswith("提出了一种新颖的群体进化代理（GEA）框架")
    assert "https://arxiv.org/pdf/2602.04837v1" in first.content[0].value
    assert [t.term for t in feed.entries[2].tags] == ["cs.AI", "cs.CY"]
    assert len({e.id for e in feed.entries}) == 30
    self_link = next(link.href for link in feed.feed.links if link.rel == "self")
    assert self_link == "https://example.org/pb/feed.xml"


def test_feed_keeps_only_the_newest_days() -> None:
    days = [sample_digest(date=SAMPLE_DATE - dt.timedelta(days=i)) for i in range(3)]
    feed = feedparser.parse(build_feed(days, feed_days=2))
    assert not feed.bozo
    assert len(feed.entries) == 60
    assert {e.id.split(":")[2] for e in feed.entries} == {"2026-02-04", "2026-02-03"}
    # Without a base URL an entry links to arXiv.
    assert feed.entries[0].link == "https://arxiv.org/abs/2602.04837v1"


def test_feedgen_entry_link_rel_dropped_is_restored() -> None:
    """feedgen 1.0.0 writes only `href` on entry links: https://github.com/lkiesow/python-feedgen/issues/135."""
    root = etree.fromstring(build_feed([sample_digest()], base_url=SITE))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    for entry in root.findall("a:entry", ns):
        links = entry.findall("a:link", ns)
        assert [link.get("rel") for link in links] == ["alternate", "related", "related"]
        assert links[1].get("type") == "application/pdf"


def test_empty_feed_is_still_valid() -> None:
    feed = feedparser.parse(build_feed([empty_digest(dt.date(2026, 2, 6))]))
    assert not feed.bozo
    assert feed.entries == []


def test_site_files_and_escaping(tmp_path: Path) -> None:
    digest = sample_digest()
    digest.entries[0].paper.title = "<script>alert(1)</script> & friends"
    failed = digest.entries[1].summary
    assert failed is not None
    failed.score, failed.status = None, SummaryStatus.FAILED
    unscored = digest.entries[2].summary
    assert unscored is not None
    unscored.score = None
    digest.entries[3].enrichment = Enrichment(code_urls=["https://github.com/example/repo", "javascript:alert(1)"])
    built = build_site([digest, empty_digest(dt.date(2026, 2, 6))], tmp_path, base_url=SITE)
    assert built.notes == []
    written = built.files
    names = sorted(p.name for p in written)
    assert names == ["2026-02-04.html", "2026-02-06.html", "feed.xml", "index.html", "search.json"]
    assert not [p for p in (tmp_path / "site").iterdir() if p.name.startswith(".")]  # no temp files left
    html = (tmp_path / "site" / "2026-02-04.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in html
    assert html.count("<script>") == 1  # only our own, allowed by its CSP hash
    assert "script-src 'sha256-" in html
    cards = {c.get("id"): c for c in etree.HTML(html).iter("article")}
    assert len(cards) == 30

    def badge(arxiv_id: str) -> str:
        return "".join(cards[arxiv_id].xpath(".//span[contains(@class, 'badge')]")[0].itertext())

    assert badge("2602.04836") == "评分失败"
    assert badge("2602.04813") == "未评分"
    assert cards["2602.04813"].get("data-score") == ""
    assert badge("2602.04837") == "72"
    code = [a.get("href") for a in cards["2602.04856"].iter("a") if a.text and a.text.startswith("代码")]
    assert code == ["https://github.com/example/repo"]
    assert 'rel="canonical" href="https://example.org/pb/2026-02-04.html"' in html
    assert "http://" not in html.replace("http://www.w3.org", "")  # nothing fetched from the network
    empty = (tmp_path / "site" / "2026-02-06.html").read_text(encoding="utf-8")
    assert "arXiv 当天没有新公告" in empty and "<article" not in empty


def test_write_atomic_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "page.html"
    target.parent.mkdir()
    write_bytes_atomic(target, b"old")
    write_bytes_atomic(target, "新".encode())
    assert target.read_text(encoding="utf-8") == "新"
    assert [p.name for p in target.parent.iterdir()] == ["page.html"]
    assert target.stat().st_mode & 0o777 == 0o644


def _age(*paths: Path) -> dict[Path, tuple[int, int]]:
    """Set each file's mtime far in the past (a rewrite cannot keep it) and return (inode, mtime_ns)."""
    for path in paths:
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    return {path: (path.stat().st_ino, path.stat().st_mtime_ns) for path in paths}


def test_site_rebuild_leaves_unchanged_pages_untouched(tmp_path: Path) -> None:
    """A daily rebuild must not rewrite (and fsync) every day page of the history."""
    older, newer = sample_digest(date=dt.date(2026, 2, 2)), sample_digest()
    written = build_site([older, newer], tmp_path, base_url=SITE).files
    old_page, new_page = (tmp_path / "site" / "2026-02-02.html", tmp_path / "site" / "2026-02-04.html")
    assert old_page in written and new_page in written
    before = _age(*written)
    again = build_site([older, newer], tmp_path, base_url=SITE).files
    assert again == written  # the site's files are still all reported
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in written} == before
    newer.entries[0].paper.title = "A changed title"
    build_site([older, newer], tmp_path, base_url=SITE)
    assert (old_page.stat().st_ino, old_page.stat().st_mtime_ns) == before[old_page]
    assert (new_page.stat().st_ino, new_page.stat().st_mtime_ns) != before[new_page]
    assert "A changed title" in new_page.read_text(encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == sorted(p.name for p in written)  # no temp


def test_atomic_writers_skip_identical_bytes_only(tmp_path: Path) -> None:
    """Same size but other bytes, or another mode, is still replaced; identical bytes are not."""
    same, other = tmp_path / "same.md", tmp_path / "other.json"
    write_files_together([(same, ["新 text"]), (other, ["abc"])])
    before = _age(same, other)
    write_files_together([(same, ["新 ", "text"]), (other, ["abd"])])
    assert (same.stat().st_ino, same.stat().st_mtime_ns) == before[same]
    assert other.read_text(encoding="utf-8") == "abd" and other.stat().st_ino != before[other][0]
    write_bytes_atomic(same, "新 text".encode())
    assert (same.stat().st_ino, same.stat().st_mtime_ns) == before[same]
    same.chmod(0o600)
    write_bytes_atomic(same, "新 text".encode())
    assert same.stat().st_mode & 0o777 == 0o644 and same.stat().st_ino != before[same][0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.json", "same.md"]
