"""Hostile and broken text in every output: no raw Markdown, no forbidden characters, no bidi tricks, no crash.

Outputs: the Markdown report, the JSON document, the site (every page), the Atom feed, the e-mail
(HTML and plain text) and the chat message. Issue 9 (highlights as HTML) and issue 11 (one bad
paper harms nothing else; U+202E, https://www.unicode.org/reports/tr9/#Explicit_Directional_Overrides).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from lxml import etree, html

from fakes.digests import SAMPLE_DATE, empty_digest, sample_digest
from paperbrief.cli import main
from paperbrief.deliver.chat import chat_message
from paperbrief.deliver.email import build_email
from paperbrief.models import Digest, DigestEntry, Enrichment, Paper
from paperbrief.render.feed import build_feed_checked
from paperbrief.render.json_out import render_json
from paperbrief.render.markdown import render_markdown
from paperbrief.render.safe import clean_model
from paperbrief.render.site import build_site
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url

SITE = "https://example.org/pb/"
# Report numbers of the sample day, read off the reference report by hand: cs.LG (the reference's
# papers 14–30) comes first, so [1] is 2602.04883 and [2] 2602.04870; cs.CV are 18–24; cs.AI
# (the reference's 1–3) starts at 25, so [25] is 2602.04837.
HIGHLIGHTS = (
    "- **智能体进化**：群体经验共享 [25]，蛋白质生成 [1][2]。\n"
    "- **Scaling**: see [2] and [a link](http://evil.example) and [99]\n"
    "Closing line with **bold** inside."
)
CITED = {"[25]": "2602.04837", "[1]": "2602.04883", "[2]": "2602.04870"}
MARKDOWN_MARKERS = ("**", "](#", "](http")
FORBIDDEN = "\x00\x01\x08\x0b\x0c\x1f\ufffe\uffff"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _with_highlights(language: str = "zh", date: dt.date = SAMPLE_DATE) -> Digest:
    digest = sample_digest(language, date)
    digest.highlights = HIGHLIGHTS
    return digest


def _visible_text(markup: str) -> str:
    """What a reader sees on an HTML page: the text of the body, without script and style."""
    root = html.fromstring(markup)
    for element in root.xpath("//script | //style"):
        element.drop_tree()
    body = root.find("body")
    return "".join((body if body is not None else root).itertext())


def _feed_texts(xml: bytes) -> list[str]:
    feed = feedparser.parse(xml)
    assert not feed.bozo, feed.get("bozo_exception")
    texts = [feed.feed.title]
    for entry in feed.entries:
        texts += [entry.title, entry.summary, _visible_text(entry.content[0].value)]
        texts += [author.get("name", "") for author in entry.get("authors", [])]
    return texts


def test_no_reader_sees_raw_markdown_on_the_site_in_the_email_the_feed_or_chat(tmp_path: Path) -> None:
    digests = [_with_highlights(), _with_highlights("en", dt.date(2026, 2, 3)), empty_digest(dt.date(2026, 2, 6))]
    built = build_site(digests, tmp_path, base_url=SITE)
    assert built.notes == []
    pages = [p for p in built.files if p.suffix == ".html"]
    assert len(pages) == 4  # three days and the index
    for page in pages:
        text = _visible_text(page.read_text(encoding="utf-8"))
        for marker in MARKDOWN_MARKERS:
            assert marker not in text, (page.name, marker)
    for text in _feed_texts((tmp_path / "site" / "feed.xml").read_bytes()):
        for marker in MARKDOWN_MARKERS:
            assert marker not in text, marker
    message = build_email(_with_highlights(), "pb@example.org", ["a@example.org"], SITE)
    plain = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    rich = _visible_text(message.get_body(("html",)).get_content())  # type: ignore[union-attr]
    _title, chat = chat_message(_with_highlights(), SITE)
    for text in (plain, rich, chat):
        assert "智能体进化：群体经验共享 [25]，蛋白质生成 [1][2]。" in text
        for marker in MARKDOWN_MARKERS:
            assert marker not in text, marker
    assert "- Scaling: see [2] and a link and [99]" in plain
    assert "Closing line with bold inside." in chat


def test_site_highlights_are_html_with_citations_linking_to_their_cards(tmp_path: Path) -> None:
    build_site([_with_highlights()], tmp_path)
    root = html.fromstring((tmp_path / "site" / "2026-02-04.html").read_text(encoding="utf-8"))
    box = root.xpath("//section[@class='highlights']")[0]
    items = box.xpath(".//ul/li")
    assert len(items) == 2
    assert [s.text_content() for s in box.xpath(".//strong")] == ["智能体进化", "Scaling", "bold"]
    links = {a.text_content(): a.get("href") for a in box.xpath(".//a")}
    assert links == {number: f"#{arxiv_id}" for number, arxiv_id in CITED.items()}
    card_ids = set(root.xpath("//article[@class='card']/@id"))
    assert all(arxiv_id in card_ids for arxiv_id in CITED.values())
    assert "[99]" in items[1].text_content() and "http://evil.example" not in etree.tostring(box, encoding="unicode")
    assert box.xpath(".//p")[0].text_content() == "Closing line with bold inside."
    # The model's text is escaped: markup in it stays text.
    hostile = _with_highlights()
    hostile.highlights = "- **<img src=x onerror=alert(1)>**：<script>x</script> [1]"
    build_site([hostile], tmp_path)
    page = (tmp_path / "site" / "2026-02-04.html").read_text(encoding="utf-8")
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert page.count("<script>") == 1  # our own script only


def test_email_highlight_citations_link_to_the_cards_on_the_site() -> None:
    message = build_email(_with_highlights(), "pb@example.org", ["a@example.org"], SITE)
    root = html.fromstring(message.get_body(("html",)).get_content())  # type: ignore[union-attr]
    links = {a.text_content(): a.get("href") for a in root.xpath("//a[@class='cite']")}
    assert links == {n: f"{SITE}2026-02-04.html#{arxiv_id}" for n, arxiv_id in CITED.items()}
    without_site = build_email(_with_highlights(), "pb@example.org", ["a@example.org"])
    root = html.fromstring(without_site.get_body(("html",)).get_content())  # type: ignore[union-attr]
    assert root.xpath("//a[@class='cite' and text()='[25]']/@href") == ["https://arxiv.org/abs/2602.04837v1"]


def _poisoned(text: str) -> Digest:
    """The sample day with `text` spliced into every kind of field of its first paper (and the day's texts)."""
    digest = _with_highlights()
    entry = digest.entries[0]
    paper, summary = entry.paper, entry.summary
    assert summary is not None
    paper.title = f"Group{text}-Evolving Agents"
    paper.authors = [f"Eve{text} Adams", "Bob Brown"]
    paper.abstract = f"Abstract{text} text."
    summary.tldr = f"要点{text}一句"
    summary.motivation = f"动机{text}。"
    summary.method = f"方法{text}。"
    summary.conclusion = f"结论{text}。"
    summary.keywords = [f"key{text}word", "plain"]
    summary.score_reason = f"理由{text}。"
    entry.enrichment = Enrichment(venue=f"ICLR{text} 2026")
    digest.highlights = f"- **主题{text}**：正文{text} [25]"
    digest.warnings = [f"warning{text} here"]
    return digest


def _all_outputs(digest: Digest, tmp_path: Path) -> dict[str, str]:
    built = build_site([digest], tmp_path, base_url=SITE)
    assert built.notes == []
    message = build_email(digest, "pb@example.org", ["a@example.org"], SITE)
    _title, chat = chat_message(digest, SITE)
    outputs = {
        "markdown": render_markdown(digest),
        "json": render_json(digest),
        "email-text": message.get_body(("plain",)).get_content(),  # type: ignore[union-attr]
        "email-html": message.get_body(("html",)).get_content(),  # type: ignore[union-attr]
        "email-raw": message.as_bytes().decode("utf-8"),
        "chat": chat,
    }
    for path in built.files:
        outputs[path.name] = path.read_text(encoding="utf-8")
    return outputs


def test_forbidden_characters_in_any_field_are_removed_from_every_output(tmp_path: Path) -> None:
    outputs = _all_outputs(_poisoned(FORBIDDEN), tmp_path)
    assert set(outputs) >= {"2026-02-04.html", "index.html", "feed.xml", "markdown", "json", "chat"}
    for name, text in outputs.items():
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", text), name
    # The text around the bad characters is all there.
    for expected in ("Group-Evolving Agents", "Eve Adams", "要点一句", "keyword", "ICLR 2026"):
        assert expected in outputs["markdown"] and expected in outputs["2026-02-04.html"], expected
    assert "Group-Evolving Agents" in outputs["feed.xml"] and "Eve Adams" in outputs["email-text"]
    assert json.loads(outputs["json"])["entries"][24]["paper"]["title"] == "Group-Evolving Agents"
    feed = feedparser.parse(outputs["feed.xml"].encode("utf-8"))
    assert not feed.bozo and len(feed.entries) == 30


def test_bidi_controls_are_removed_and_html_isolates_untrusted_text(tmp_path: Path) -> None:
    digest = _poisoned("\u202e")  # an unclosed RIGHT-TO-LEFT OVERRIDE everywhere
    digest.entries[1].paper.authors = ["\u2067Ann\u202b Arab", "Bob Brown"]  # isolates and embeddings too
    outputs = _all_outputs(digest, tmp_path)
    for name, text in outputs.items():
        if name != "json":  # JSON is data and keeps them (see docs/json-schema.md)
            assert not re.search(f"[{BIDI}]", text), name
    assert "\u202e" in outputs["json"]
    page = html.fromstring(outputs["2026-02-04.html"])
    card = page.xpath("//article[@id='2602.04837']")[0]
    assert [b.text for b in card.xpath(".//p[contains(@class, 'authors')]/bdi")][:2] == ["Eve Adams", "Bob Brown"]
    assert card.xpath(".//h3/a/bdi")[0].text == "Group-Evolving Agents"
    assert all(li.get("dir") == "auto" for li in page.xpath("//section[@class='highlights']//li"))
    mail = html.fromstring(outputs["email-html"])
    assert "Eve Adams" in [b.text for b in mail.xpath("//bdi")]
    assert "Group-Evolving Agents" in [b.text for b in mail.xpath("//a/bdi")]
    assert "Eve Adams, Bob Brown" in outputs["email-text"] and "Eve Adams" in outputs["markdown"]


def _broken_day(date: dt.date) -> Digest:
    """A stored digest no renderer can show: an author that is not text, a date that is not a date (corrupt)."""
    fields = {**sample_digest().entries[0].paper.__dict__, "authors": [None], "published": "not a date"}
    paper = Paper.model_construct(**fields)
    entry = DigestEntry.model_construct(number=1, paper=paper, summary=None, reason=None, enrichment=None)
    return sample_digest(date=date).model_copy(update={"entries": [entry]})


def test_a_day_that_cannot_be_rendered_is_skipped_with_a_note_and_the_rest_is_built(tmp_path: Path) -> None:
    good, neighbour = sample_digest(), sample_digest(date=dt.date(2026, 2, 2))
    build_site([good, neighbour], tmp_path, base_url=SITE)
    site = tmp_path / "site"
    previous = (site / "2026-02-03.html").exists()
    built = build_site([good, _broken_day(dt.date(2026, 2, 3)), neighbour], tmp_path, base_url=SITE)
    assert len(built.notes) == 1
    assert built.notes[0].startswith("site: the page of 2026-02-03 was not rebuilt: ")
    assert "\n" not in built.notes[0]
    assert not previous and not (site / "2026-02-03.html").exists()
    assert sorted(p.name for p in built.files) == [
        "2026-02-02.html",
        "2026-02-04.html",
        "feed.xml",
        "index.html",
        "search.json",
    ]
    # The neighbours link to each other, not to the day left out.
    newer = html.fromstring((site / "2026-02-04.html").read_text(encoding="utf-8"))
    assert newer.xpath("//a[@rel='prev']/@href") == ["2026-02-02.html"]
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "2026-02-02.html" in index and "2026-02-03.html" not in index
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo and len(feed.entries) == 60


def test_a_feed_entry_that_cannot_be_rendered_is_left_out_with_a_note() -> None:
    day = sample_digest()
    bad = _broken_day(SAMPLE_DATE).entries[0]
    day = day.model_copy(update={"entries": [*day.entries[:3], bad]})
    built = build_feed_checked([day], base_url=SITE)
    assert len(built.notes) == 1
    assert built.notes[0].startswith("feed: 2602.04837 of 2026-02-04 left out, it cannot be rendered: ")
    feed = feedparser.parse(built.data)
    assert not feed.bozo and len(feed.entries) == 3


def test_site_command_builds_the_site_from_a_store_holding_a_nul_title(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11: one NUL in a stored title crashed the feed build and `paperbrief site` printed a traceback."""
    monkeypatch.chdir(tmp_path)  # no paperbrief.toml in the working directory
    home = tmp_path / "home"
    home.mkdir()
    store = Store(sqlite_url(home / "paperbrief.db"))
    poisoned = sample_digest()
    poisoned.entries[0].paper.title = "Group\x00-Evolving \u202eAgents"
    store.save_digest(poisoned)
    store.save_digest(sample_digest(date=dt.date(2026, 2, 3)))
    store.close()
    env = {"PAPERBRIEF_HOME": str(home), "PAPERBRIEF_SITE_BASE_URL": SITE}
    result = CliRunner().invoke(main, ["site", "--out", str(tmp_path / "out")], env=env)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    site = tmp_path / "out" / "site"
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo and len(feed.entries) == 60
    assert "Group-Evolving Agents" in [e.title for e in feed.entries]
    assert "Group-Evolving Agents" in (site / "2026-02-04.html").read_text(encoding="utf-8")


def test_clean_model_copies_only_what_changes() -> None:
    digest = sample_digest()
    assert clean_model(digest) is digest  # nothing to clean: no copy at all
    digest.entries[3].paper.abstract = "An\x00 abstract \u202ewith tricks."
    cleaned = clean_model(digest)
    assert cleaned is not digest and cleaned.entries[3].paper.abstract == "An abstract with tricks."
    assert cleaned.entries[2] is digest.entries[2] and cleaned.entries[3].summary is digest.entries[3].summary
    assert digest.entries[3].paper.abstract.startswith("An\x00")  # the input is not changed
    assert clean_model(digest, bidi=False).entries[3].paper.abstract == "An abstract \u202ewith tricks."


def _day_file(path: Path, date: str, arxiv_id: str, title: str, authors: list[str]) -> Path:
    paper = {
        "id": arxiv_id,
        "version": 1,
        "title": title,
        "authors": authors,
        "categories": ["cs.CL"],
        "published": f"{date}T10:00:00Z",
        "abstract": "We study things. Results hold.",
    }
    path.write_text(json.dumps({"announced": date, "papers": [paper]}, ensure_ascii=False), encoding="utf-8")
    return path


def test_runs_after_a_nul_title_still_succeed_and_publish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11: after one NUL in a title, every later `run` of any day exited 1 (the feed build crashed)."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    bad = _day_file(tmp_path / "bad.json", "2026-02-04", "2602.99998", "Bad\x00 title", ["\u202eEve Adams", "Bob"])
    good = _day_file(tmp_path / "good.json", "2026-02-05", "2602.99999", "Good title", ["Ann"])
    for day in (bad, good):
        result = CliRunner().invoke(
            main, ["--home", str(tmp_path / "home"), "run", "--from-json", str(day), "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
    feed = feedparser.parse((out / "site" / "feed.xml").read_bytes())
    assert not feed.bozo
    assert sorted(e.title for e in feed.entries) == ["Bad title", "Good title"]
    page = (out / "site" / "2026-02-04.html").read_text(encoding="utf-8")
    assert "Bad title" in page and "\u202e" not in page and "<bdi>Eve Adams</bdi>" in page
    markdown = (out / "2026-02-04.md").read_text(encoding="utf-8")
    assert "Bad title" in markdown and "\x00" not in markdown and "\u202e" not in markdown
