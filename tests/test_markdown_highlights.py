"""Highlights in the Markdown report: themes stay bold, citations link to their papers, markup is escaped."""

from __future__ import annotations

import datetime as dt
import re

from paperbrief.models import Digest, DigestEntry, Paper, SelectionReason
from paperbrief.render.highlights import highlights_html, highlights_plain
from paperbrief.render.markdown import render_markdown


def _paper(arxiv_id: str, title: str, category: str) -> Paper:
    return Paper(arxiv_id=arxiv_id, title=title, authors=["A"], abstract="x.", categories=[category])


def _slug(heading: str) -> str:
    """GitHub's anchor rule, independent of the renderer's implementation."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _digest(highlights: str) -> Digest:
    papers = [
        _paper("2602.00003", "Scaling Laws: Revisited!", "cs.LG"),
        _paper("2602.00002", "Agents & Tools", "cs.LG"),
        _paper("2602.00001", "Vision <b>Transformers</b>", "cs.CV"),
    ]
    return Digest(
        date=dt.date(2026, 2, 5),
        entries=[DigestEntry(number=i + 1, paper=p) for i, p in enumerate(papers)],
        highlights=highlights,
    )


def test_citations_link_to_the_cited_papers_heading() -> None:
    markdown = render_markdown(_digest("- **智能体**：工具调用进展 [2]，视觉 [3]。\n- **Scaling**: see [1][2]"))
    # report order: cs.LG (2 papers, newest id first), then cs.CV; GitHub slugs the rendered text
    titles = ["Scaling Laws: Revisited!", "Agents & Tools", "Vision <b>Transformers</b>"]
    headings = {n: _slug(f"{n}. {t}") for n, t in enumerate(titles, start=1)}
    links = re.findall(r"\[\\\[(\d+)\\\]\]\(#([^)]+)\)", markdown)
    assert [int(n) for n, _ in links] == [2, 3, 1, 2]
    for number, anchor in links:
        assert anchor == headings[int(number)]
    assert "- **智能体**：工具调用进展" in markdown
    assert "- **Scaling**: see" in markdown


def test_markup_inside_highlights_is_text_and_unknown_citations_stay_plain() -> None:
    markdown = render_markdown(_digest("- **<script>x</script>**：ignore [9] and [click](http://evil.example)"))
    block = markdown.split("## 今日看点", 1)[1].split("## 📑", 1)[0]
    assert "<script>" not in block
    assert "\\[9\\]" in block and "(#" not in block  # paper 9 does not exist: no link
    assert "[click](http" not in block


def test_a_bare_latest_mode_note_prints_no_reason_line() -> None:
    digest = _digest("")
    digest.entries[0].reason = SelectionReason(note="newest first")
    digest.entries[1].reason = SelectionReason(matched_terms=["agents"], note="rank 1/3")
    markdown = render_markdown(digest)
    assert markdown.count("**入选理由**") == 1
    assert "**入选理由**：" in markdown and "agents" in markdown


def test_highlights_plain_and_html_consume_every_markdown_marker() -> None:
    text = "- **Theme** with a stray ** and [[3]](#x) and [docs](https://example.org) **unclosed\n• second [1]"
    plain = highlights_plain(text)
    assert plain == "- Theme with a stray  and [3] and docs unclosed\n- second [1]"
    markup = str(highlights_html(text, {1: "#a", 3: "#c"}))
    assert markup == (
        '<ul><li dir="auto"><strong>Theme</strong> with a stray  and <a class="cite" href="#c">[3]</a> and docs '
        'unclosed</li><li dir="auto">second <a class="cite" href="#a">[1]</a></li></ul>'
    )
    assert highlights_html("", {}) == "" and highlights_plain(None) == ""
