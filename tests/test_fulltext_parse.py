"""Full text from arXiv's LaTeXML HTML and from pdflatex PDFs (fixtures made by the real tools), and section choice."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfWriter

from paperbrief.sources.fulltext import (
    CUT_MARK,
    FullText,
    FullTextError,
    Problem,
    Section,
    SectionKind,
    TextSource,
    choose_sections,
    classify_heading,
    estimate_tokens,
    parse_html,
    parse_pdf,
)

DATA = Path(__file__).resolve().parent / "data" / "fulltext"


def _html(name: str) -> FullText:
    return parse_html((DATA / "html" / name / "index.html").read_bytes(), f"http://x/html/{name}")


def _pdf(name: str) -> bytes:
    return (DATA / "pdf" / f"{name}.pdf").read_bytes()


def _kinds(text: FullText) -> list[tuple[str, SectionKind]]:
    return [(s.heading, s.kind) for s in text.sections]


def test_latexml_html_sections_headings_and_kinds() -> None:
    text = _html("routing")
    assert text.source is TextSource.HTML
    assert text.title == "Sparse Routing for Tiny Transformers"
    assert text.abstract.startswith("We route tokens to a few experts")
    assert _kinds(text) == [
        ("Introduction", SectionKind.INTRODUCTION),
        ("Method", SectionKind.METHOD),
        ("Experiments", SectionKind.EXPERIMENTS),
        ("Conclusion", SectionKind.CONCLUSION),
        ("References", SectionKind.REFERENCES),
        ("Hyperparameters", SectionKind.APPENDIX),
    ]


def test_latexml_math_keeps_latex_from_alttext() -> None:
    text = _html("routing")
    intro, method = text.sections[0].text, text.sections[1].text
    assert "at $O(n\\log n)$ cost" in intro
    assert "$$\\mathcal{L}=\\mathcal{L}_{\\mathrm{LM}}+\\lambda\\sum_{e=1}^{E}f_{e}\\,p_{e},$$" in method
    assert "<math" not in method and "<mi>" not in method


def test_latexml_table_numbers_and_figure_reference() -> None:
    text = _html("routing")
    experiments = text.sections[2].text
    assert "Dense | 32.9 | 1.70" in experiments
    assert "Routed ($k=2$) | 31.4 | 1.00" in experiments
    assert text.figure is not None
    assert text.figure.src == "teaser.png"
    assert text.figure.caption == "Tokens per expert over training: the balance term keeps every expert busy."


def test_latexml_unnumbered_sections_and_related_work() -> None:
    text = _html("graphs")
    assert _kinds(text) == [
        ("Introduction", SectionKind.INTRODUCTION),
        ("Related Work", SectionKind.RELATED_WORK),
        ("Proposed Approach", SectionKind.METHOD),
        ("Evaluation", SectionKind.EXPERIMENTS),
        ("Limitations", SectionKind.LIMITATIONS),
        ("Conclusion", SectionKind.CONCLUSION),
        ("Acknowledgements", SectionKind.ACKNOWLEDGEMENTS),
        ("References", SectionKind.REFERENCES),
        ("Proofs", SectionKind.APPENDIX),
    ]


def test_hostile_html_keeps_only_text() -> None:
    text = parse_html((DATA / "hostile" / "index.html").read_bytes())
    everything = " ".join([text.title, text.abstract, *(s.heading + " " + s.text for s in text.sections)])
    assert "Readers should see this sentence." in everything
    assert "And this one, with a link here." in everything
    for bad in (
        "alert",
        "injected",
        "evil.example",
        "stealCookies",
        "javascript",
        "data:",
        "iframe fallback",
        "object fallback",
        "Send form",
        "noscript text",
        "<",
    ):
        assert bad not in everything, bad
    assert text.title == "A Paper With Hostile Markup"
    # The first figures have a data: URI, a remote URL and a path outside the paper: the SVG one is the first usable.
    assert text.figure is not None and text.figure.src == "x1.svg"


def test_huge_inline_data_uri_is_dropped() -> None:
    page = (DATA / "html" / "denoise" / "index.html").read_bytes()
    blob = b"A" * (12 * 1024 * 1024)
    page = page.replace(
        b'<p class="ltx_p">Speech', b'<img src="data:image/png;base64,' + blob + b'"><p class="ltx_p">Speech', 1
    )
    text = parse_html(page)
    assert text.sections[0].text.startswith("Speech recognisers degrade sharply in noisy rooms.")
    assert all("AAAA" not in s.text for s in text.sections)


def test_html_over_the_byte_limit_is_refused() -> None:
    with pytest.raises(FullTextError) as caught:
        parse_html(b"<html>" + b" " * 2000 + b"</html>", "http://x/html/1", max_bytes=1000)
    assert caught.value.problem is Problem.TOO_LARGE
    assert "over the 1,000-byte limit" in str(caught.value)


def test_html_without_text_is_refused() -> None:
    with pytest.raises(FullTextError) as caught:
        parse_html(b"<html><body><script>x()</script></body></html>")
    assert caught.value.problem is Problem.NO_TEXT


def test_pdf_sections_found_by_headings() -> None:
    text = parse_pdf(_pdf("graphs"))
    assert text.source is TextSource.PDF
    assert _kinds(text) == [
        ("Introduction", SectionKind.INTRODUCTION),
        ("Related Work", SectionKind.RELATED_WORK),
        ("Proposed Approach", SectionKind.METHOD),
        ("Evaluation", SectionKind.EXPERIMENTS),
        ("Limitations", SectionKind.LIMITATIONS),
        ("Conclusion", SectionKind.CONCLUSION),
        ("Acknowledgements", SectionKind.ACKNOWLEDGEMENTS),
        ("References", SectionKind.REFERENCES),
        ("A Proofs", SectionKind.APPENDIX),
    ]
    evaluation = text.sections[3].text
    assert "On Cora the accuracy is 83.1% with 16 layers" in evaluation
    assert "16 71.5 83.1" in evaluation  # a table row is text, not a "16th" heading


def test_pdf_title_abstract_and_joined_hyphenation() -> None:
    text = parse_pdf(_pdf("routing"))
    assert text.title == "Sparse Routing for Tiny Transformers"
    # pdflatex hyphenated "accu-racy" at a line end; the words are joined back.
    assert (
        text.abstract
        == "We route tokens to a few experts in a tiny transformer and keep accuracy while cutting compute."
    )
    assert [s.kind for s in text.sections][:4] == [
        SectionKind.INTRODUCTION,
        SectionKind.METHOD,
        SectionKind.EXPERIMENTS,
        SectionKind.CONCLUSION,
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ((DATA / "hostile" / "withdrawn.html").read_bytes(), Problem.NOT_PDF),
        (b"", Problem.NOT_PDF),
        ((DATA / "pdf" / "encrypted.pdf").read_bytes(), Problem.ENCRYPTED_PDF),
        ((DATA / "pdf" / "scanned.pdf").read_bytes(), Problem.NO_TEXT),
        (b"%PDF-1.5\n" + b"garbage " * 100, Problem.UNREADABLE),
    ],
    ids=["html-page", "empty", "encrypted", "image-only", "broken"],
)
def test_bad_pdfs_give_a_typed_one_line_error(body: bytes, problem: Problem) -> None:
    with pytest.raises(FullTextError) as caught:
        parse_pdf(body, "http://x/pdf/1v1")
    assert caught.value.problem is problem
    assert "\n" not in str(caught.value) and str(caught.value).endswith("(http://x/pdf/1v1)")


def test_pdf_over_the_byte_limit_is_refused_before_parsing() -> None:
    with pytest.raises(FullTextError) as caught:
        parse_pdf(_pdf("routing"), max_bytes=10_000)
    assert caught.value.problem is Problem.TOO_LARGE


def test_pdf_pages_over_the_limit_are_cut_with_a_note() -> None:
    writer = PdfWriter()
    for _ in range(3):
        writer.append(io.BytesIO(_pdf("routing")))
    out = io.BytesIO()
    writer.write(out)
    text = parse_pdf(out.getvalue(), max_pages=2)
    assert text.notes == ("PDF cut after 2 of 6 pages",)
    assert [s.heading for s in text.sections if s.kind is SectionKind.INTRODUCTION] == ["Introduction"]


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("1 Introduction", SectionKind.INTRODUCTION),
        ("3.2 Experimental Setup", SectionKind.EXPERIMENTS),
        ("Results and Discussion", SectionKind.EXPERIMENTS),
        ("IV. Our Approach", SectionKind.METHOD),
        ("Background and Related Work", SectionKind.RELATED_WORK),
        ("Conclusions and Future Work", SectionKind.CONCLUSION),
        ("Limitations", SectionKind.LIMITATIONS),
        ("Appendix B Extra Tables", SectionKind.APPENDIX),
        ("Acknowledgments", SectionKind.ACKNOWLEDGEMENTS),
        ("Bibliography", SectionKind.REFERENCES),
        ("Sparse Routing", SectionKind.OTHER),
    ],
)
def test_classify_heading(heading: str, kind: SectionKind) -> None:
    assert classify_heading(heading) is kind


def test_estimate_tokens_is_ceil_of_chars_over_three() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abc") == 1
    assert estimate_tokens("abcd") == 2
    assert estimate_tokens("论文" * 3) == 2


def test_choose_sections_skips_references_appendix_related_and_acknowledgements() -> None:
    excerpt = choose_sections(_html("graphs"))
    assert [s.heading for s in excerpt.sections] == [
        "Introduction",
        "Proposed Approach",
        "Evaluation",
        "Limitations",
        "Conclusion",
    ]
    assert excerpt.omitted == ("Related Work", "Acknowledgements", "References", "Proofs")
    assert not excerpt.truncated and excerpt.cut_note is None
    assert excerpt.tokens == -(-len(excerpt.as_prompt_text()) // 3)
    assert "## Evaluation\nOn Cora the accuracy is 83.1%" in excerpt.as_prompt_text()


def _long_paper() -> FullText:
    sentence = "The model improves accuracy by 3.2 points over the baseline. "
    return FullText(
        TextSource.PDF,
        "Long",
        (
            Section("Introduction", SectionKind.INTRODUCTION, "We study long papers. " * 5),
            Section("Method", SectionKind.METHOD, sentence * 2000),
            Section("Experiments", SectionKind.EXPERIMENTS, sentence * 3000),
            Section("Conclusion", SectionKind.CONCLUSION, "It works. " * 3),
            Section("A Long Proof", SectionKind.APPENDIX, sentence * 5000),
        ),
    )


def test_paper_far_over_the_cap_is_cut_within_the_cap() -> None:
    paper = _long_paper()
    assert estimate_tokens("".join(s.text for s in paper.sections)) > 50_000
    excerpt = choose_sections(paper, token_cap=6000)
    assert excerpt.truncated
    assert excerpt.tokens <= 6000
    assert estimate_tokens(excerpt.as_prompt_text()) == excerpt.tokens
    by_heading = {s.heading: s.text for s in excerpt.sections}
    # Short sections are whole; the long ones share the rest and show the cut.
    assert by_heading["Introduction"] == paper.sections[0].text
    assert by_heading["Conclusion"] == paper.sections[3].text
    assert by_heading["Method"].endswith("baseline." + CUT_MARK)
    assert by_heading["Experiments"].endswith("baseline." + CUT_MARK)
    assert abs(len(by_heading["Method"]) - len(by_heading["Experiments"])) < 200
    assert excerpt.tokens > 5800  # the budget is used, not wasted
    assert excerpt.omitted == ("A Long Proof",)
    assert excerpt.cut_note == f"full text shortened to about {excerpt.tokens:,} tokens (Method, Experiments cut)"


def test_unknown_sections_only_take_what_is_left() -> None:
    paper = FullText(
        TextSource.HTML,
        "T",
        (
            Section("Introduction", SectionKind.INTRODUCTION, "Intro text. " * 10),
            Section("Sparse Routing", SectionKind.OTHER, "Custom method text. " * 10),
            Section("Results", SectionKind.EXPERIMENTS, "Numbers. " * 10),
        ),
    )
    roomy = choose_sections(paper, token_cap=1000)
    assert [s.heading for s in roomy.sections] == ["Introduction", "Sparse Routing", "Results"]
    tight = choose_sections(paper, token_cap=80)
    assert [s.heading for s in tight.sections] == ["Introduction", "Results"]
    assert tight.omitted == ("Sparse Routing",)


def test_a_paper_without_known_headings_sends_its_unknown_sections() -> None:
    paper = FullText(TextSource.PDF, "Note", (Section("Body", SectionKind.OTHER, "A short note. " * 4),))
    excerpt = choose_sections(paper, token_cap=100)
    assert [s.text for s in excerpt.sections] == ["A short note. " * 4]


def test_token_cap_must_be_positive() -> None:
    with pytest.raises(ValueError, match="token_cap"):
        choose_sections(_html("routing"), token_cap=0)


def test_utf8_subsections_and_forbidden_characters() -> None:
    page = """<html><body><article>
<h1 class="ltx_title ltx_title_document">图神经网络 🚀 Graphs</h1>
<section class="ltx_section"><h2 class="ltx_title"><span class="ltx_tag">1 </span>Introduction</h2>
<p class="ltx_p">中文段落 with emoji 🎉 and a NUL\x00 byte.</p>
<section class="ltx_subsection"><h3 class="ltx_title"><span class="ltx_tag">1.1 </span>Motivation</h3>
<p class="ltx_p">Nested text.</p></section></section>
</article></body></html>""".encode()
    text = parse_html(page)
    assert text.title == "图神经网络 🚀 Graphs"  # no charset declared: read as UTF-8, not Latin-1
    assert [s.heading for s in text.sections] == ["Introduction"]
    assert text.sections[0].text == "中文段落 with emoji 🎉 and a NUL byte.\nMotivation\nNested text."


def test_report_class_chapters_are_top_level_sections() -> None:
    page = b"""<html><body><article>
<section class="ltx_chapter"><h2 class="ltx_title">Introduction</h2>
<section class="ltx_section"><h3 class="ltx_title">Scope</h3><p class="ltx_p">Chapter text.</p></section></section>
<section class="ltx_chapter"><h2 class="ltx_title">Experiments</h2><p class="ltx_p">Accuracy 91.2%.</p></section>
</article></body></html>"""
    text = parse_html(page)
    assert _kinds(text) == [("Introduction", SectionKind.INTRODUCTION), ("Experiments", SectionKind.EXPERIMENTS)]
    assert text.sections[0].text == "Scope\nChapter text."


def test_invalid_utf8_byte_is_replaced_not_fatal() -> None:
    page = b'<html><body><section class="ltx_section"><h2 class="ltx_title">Method</h2><p class="ltx_p">ok \xff ok</p>'
    assert parse_html(page).sections[0].text == "ok \ufffd ok"


@pytest.mark.parametrize("name", ["routing", "graphs", "denoise"])
def test_excerpt_never_exceeds_the_cap_and_leaves_out_stubs(name: str) -> None:
    paper = _html(name)
    for cap in range(1, 400, 7):
        excerpt = choose_sections(paper, token_cap=cap)
        assert excerpt.tokens <= cap, cap
        assert all(s.text != CUT_MARK.strip() and s.text for s in excerpt.sections), cap
