"""The full-text fetcher against a loopback fake arXiv serving the latexml/pdflatex fixtures, through the real client.

Every request goes through `HttpClient` and its `Throttle` (https://info.arxiv.org/help/api/tou.html:
one request every 3 s, one connection); bad papers give a note and no exception.
"""

from __future__ import annotations

import io
import itertools
import struct
import time
import zlib
from collections.abc import Iterator

import pytest
from PIL import Image
from tests.fakes.fulltext_server import DATA, FakeArxivFullText, Reply, html_reply, pdf_reply, png_reply

from paperbrief.sources.arxiv import Throttle
from paperbrief.sources.arxiv._http import HttpClient
from paperbrief.sources.fulltext import (
    DEFAULT_HTML_URL,
    DEFAULT_PDF_URL,
    FigureRef,
    FullTextFetcher,
    FullTextLimits,
    FullTextResult,
    Problem,
    SectionKind,
    TextSource,
    choose_sections,
    is_withdrawn,
)

TEASER = DATA / "html" / "routing" / "teaser.png"


def _bomb_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def _wide_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1600, 400), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _routes() -> dict[str, Reply]:
    hostile = DATA / "hostile"
    routes = {
        # HTML and PDF, a figure beside the page.
        "/html/2601.00001v1": html_reply("routing"),
        "/html/2601.00001v1/teaser.png": png_reply(TEASER),
        "/pdf/2601.00001v1": pdf_reply("routing"),
        # No HTML rendering (arXiv answers 404): the PDF.
        "/pdf/2601.00002v1": pdf_reply("denoise"),
        # Version 2 of a paper; its figure is wider than 800 px.
        "/html/2601.00003v2": html_reply("graphs"),
        "/html/2601.00003v2/teaser.png": Reply(_wide_png(), "image/png"),
        "/pdf/2601.00003v2": pdf_reply("graphs"),
        # Hostile page whose first usable figure is an SVG with a script.
        "/html/2601.00010v1": Reply((hostile / "index.html").read_bytes(), "text/html"),
        "/html/2601.00010v1/x1.svg": Reply((hostile / "x1.svg").read_bytes(), "image/svg+xml"),
        # The figure URL answers an HTML page, not an image.
        "/html/2601.00011v1": html_reply("routing"),
        "/html/2601.00011v1/teaser.png": Reply(b"<html><body>Access denied</body></html>", "text/html"),
        # Bad PDFs behind a missing HTML rendering.
        "/pdf/2601.00012v1": Reply(b"Service notice: please try later.", "text/plain"),
        "/pdf/2601.00013v1": pdf_reply("encrypted"),
        "/pdf/2601.00014v1": pdf_reply("scanned"),
        "/pdf/2601.00015v1": Reply((hostile / "withdrawn.html").read_bytes(), "text/html"),
        # 2601.00016v1: neither HTML nor PDF.
        # A page carrying 12 MB of inline base64 before its text.
        "/html/2601.00018v1": Reply(
            (DATA / "html" / "denoise" / "index.html")
            .read_bytes()
            .replace(b"<body>", b'<body><img src="data:image/png;base64,' + b"QUFB" * (3 * 1024 * 1024) + b'">', 1),
            "text/html",
        ),
        # arXiv's own form of the figure path: `src="{id}v{n}/x1.png"`, relative to `/html/`.
        "/html/2601.00019v1": Reply(
            html_reply("graphs").body.replace(b'src="teaser.png"', b'src="2601.00019v1/teaser.png"'), "text/html"
        ),
        "/html/2601.00019v1/teaser.png": png_reply(TEASER),
        # A figure whose header announces 3.6 gigapixels.
        "/html/2601.00017v1": html_reply("denoise"),
        "/html/2601.00017v1/teaser.png": Reply(_bomb_png(), "image/png"),
    }
    return routes


@pytest.fixture
def fake() -> Iterator[FakeArxivFullText]:
    with FakeArxivFullText(_routes()) as server:
        yield server


def _client(delay: float = 0.0) -> HttpClient:
    return HttpClient(
        throttle=Throttle(delay),
        user_agent="paperbrief-test (mailto:test@example.org)",
        timeout=10.0,
        retries=2,
        backoff_seconds=0.01,
        backoff_max_seconds=0.05,
    )


def _fetch(fake: FakeArxivFullText, arxiv_id: str, version: int = 1, **kwargs: object) -> FullTextResult:
    client = _client()
    try:
        fetcher = FullTextFetcher(client, html_url=fake.html_url, pdf_url=fake.pdf_url, **kwargs)  # type: ignore[arg-type]
        return fetcher.fetch(arxiv_id, version)
    finally:
        client.close()


def test_default_urls_are_arxivs() -> None:
    client = _client()
    try:
        fetcher = FullTextFetcher(client)
        assert (DEFAULT_HTML_URL, DEFAULT_PDF_URL) == ("https://arxiv.org/html", "https://arxiv.org/pdf")
        assert fetcher.html_page_url("2601.00001", 2) == "https://arxiv.org/html/2601.00001v2"
        assert fetcher.pdf_page_url("hep-th/9901001", 1) == "https://arxiv.org/pdf/hep-th/9901001v1"
    finally:
        client.close()


def test_html_path_with_first_figure(fake: FakeArxivFullText) -> None:
    result = _fetch(fake, "2601.00001")
    assert fake.paths() == ["/html/2601.00001v1", "/html/2601.00001v1/teaser.png"]
    assert result.source is TextSource.HTML
    assert result.versioned_id == "2601.00001v1"
    assert result.notes == ()
    assert result.text is not None and result.text.title == "Sparse Routing for Tiny Transformers"
    assert result.figure is not None
    assert result.figure.caption == "Tokens per expert over training: the balance term keeps every expert busy."
    assert result.figure.source_url == f"{fake.html_url}/2601.00001v1/teaser.png"
    assert Image.open(io.BytesIO(result.figure.data)).size == (480, 270)
    excerpt = choose_sections(result.text)
    assert [s.kind for s in excerpt.sections] == [
        SectionKind.INTRODUCTION,
        SectionKind.METHOD,
        SectionKind.EXPERIMENTS,
        SectionKind.CONCLUSION,
    ]
    assert "Routed ($k=2$) | 31.4 | 1.00" in excerpt.as_prompt_text()


def test_version_is_part_of_every_url_and_wide_figure_is_shrunk(fake: FakeArxivFullText) -> None:
    result = _fetch(fake, "2601.00003", 2)
    assert fake.paths() == ["/html/2601.00003v2", "/html/2601.00003v2/teaser.png"]
    assert result.figure is not None and (result.figure.width, result.figure.height) == (800, 200)
    assert Image.open(io.BytesIO(result.figure.data)).size == (800, 200)


def test_html_404_falls_back_to_the_pdf(fake: FakeArxivFullText) -> None:
    result = _fetch(fake, "2601.00002")
    assert fake.paths() == ["/html/2601.00002v1", "/pdf/2601.00002v1"]
    assert result.source is TextSource.PDF
    assert [n.problem for n in result.notes] == [Problem.NO_HTML]
    assert str(result.notes[0]) == "no HTML rendering on arXiv (HTTP 404); read the PDF"
    assert result.figure is None
    assert result.text is not None
    results = next(s for s in result.text.sections if s.kind is SectionKind.EXPERIMENTS)
    assert "word error rate falls from 18.2% to 12.7%" in results.text


def test_html_server_error_is_retried_then_read(fake: FakeArxivFullText) -> None:
    fake.script("/html/2601.00001v1", Reply(b"busy", "text/plain", 503, {"Retry-After": "0"}))
    result = _fetch(fake, "2601.00001")
    assert fake.paths() == ["/html/2601.00001v1", "/html/2601.00001v1", "/html/2601.00001v1/teaser.png"]
    assert result.source is TextSource.HTML and result.notes == ()


def test_html_failing_after_retries_falls_back_to_the_pdf(fake: FakeArxivFullText) -> None:
    fake.script("/html/2601.00001v1", *[Reply(b"down", "text/plain", 502)] * 3)
    result = _fetch(fake, "2601.00001")
    assert fake.paths() == ["/html/2601.00001v1"] * 3 + ["/pdf/2601.00001v1"]
    assert result.source is TextSource.PDF
    assert [n.problem for n in result.notes] == [Problem.NETWORK]
    assert "HTTP 502" in str(result.notes[0]) and "read the PDF" in str(result.notes[0])


@pytest.mark.parametrize(
    ("arxiv_id", "problem", "words"),
    [
        ("2601.00012", Problem.NOT_PDF, "not a PDF"),
        ("2601.00013", Problem.ENCRYPTED_PDF, "encrypted"),
        ("2601.00014", Problem.NO_TEXT, "no text layer"),
        ("2601.00015", Problem.WITHDRAWN, "withdrawn"),
        ("2601.00016", Problem.NOT_FOUND, "neither HTML nor PDF"),
    ],
    ids=["not-a-pdf", "encrypted", "image-only", "withdrawn-page", "missing"],
)
def test_bad_pdf_gives_a_note_and_abstract_only(
    fake: FakeArxivFullText, arxiv_id: str, problem: Problem, words: str
) -> None:
    result = _fetch(fake, arxiv_id)
    assert result.source is TextSource.ABSTRACT and result.text is None and result.figure is None
    assert [n.problem for n in result.notes] == [Problem.NO_HTML, problem]
    last = str(result.notes[-1])
    assert words in last and "\n" not in last
    # A bad body is not fetched again: the polite client only retries transport faults and 429/5xx.
    assert fake.paths() == [f"/html/{arxiv_id}v1", f"/pdf/{arxiv_id}v1"]


def test_pdf_over_the_size_limit_gives_a_note(fake: FakeArxivFullText) -> None:
    result = _fetch(fake, "2601.00002", limits=FullTextLimits(max_pdf_bytes=50_000))
    assert result.source is TextSource.ABSTRACT
    assert [n.problem for n in result.notes] == [Problem.NO_HTML, Problem.TOO_LARGE]
    assert "over the 50,000-byte limit" in str(result.notes[-1])


def _wait_until_answered(fake: FakeArxivFullText, path: str) -> int:
    """Bytes the fake sent for `path`, once its handler has finished (the client hung up or all was sent)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done = [s for s in fake.served if s.path == path and s.finished]
        if done:
            return done[-1].sent
        time.sleep(0.01)
    raise AssertionError(f"the fake never finished answering {path}")


def test_pdf_over_the_size_limit_is_not_downloaded(fake: FakeArxivFullText) -> None:
    # 64 MiB sent chunked, without a Content-Length: only reading can tell the size, and reading stops
    # at the limit. Before, the whole body was read into memory and only then measured.
    block = b"%PDF-1.5\n" + b"0" * (64 * 1024 - 9)
    fake.routes["/pdf/2601.00020v1"] = Reply(block, "application/pdf", chunked_repeats=1024)
    result = _fetch(fake, "2601.00020", limits=FullTextLimits(max_pdf_bytes=200_000))
    assert result.source is TextSource.ABSTRACT
    assert [n.problem for n in result.notes] == [Problem.NO_HTML, Problem.TOO_LARGE]
    assert "PDF is over the 200,000-byte limit (download stopped there)" in str(result.notes[-1])
    sent = _wait_until_answered(fake, "/pdf/2601.00020v1")
    # Socket buffers hold a few MiB at most; the rest of the 64 MiB was never sent.
    assert sent < 16 * 1024 * 1024, sent
    # Not retried: the same URL would send the same body.
    assert fake.paths() == ["/html/2601.00020v1", "/pdf/2601.00020v1"]


def test_pdf_announced_over_the_size_limit_is_refused_from_its_content_length(fake: FakeArxivFullText) -> None:
    size = len(pdf_reply("denoise").body)
    result = _fetch(fake, "2601.00002", limits=FullTextLimits(max_pdf_bytes=size - 1))
    assert [n.problem for n in result.notes] == [Problem.NO_HTML, Problem.TOO_LARGE]
    assert f"PDF is {size:,} bytes, over the {size - 1:,}-byte limit" in str(result.notes[-1])
    assert fake.paths() == ["/html/2601.00002v1", "/pdf/2601.00002v1"]


def test_figure_over_the_size_limit_is_not_downloaded(fake: FakeArxivFullText) -> None:
    fake.routes["/html/2601.00021v1"] = html_reply("routing")
    fake.routes["/html/2601.00021v1/teaser.png"] = Reply(b"\x89PNG" + b"0" * 65532, "image/png", chunked_repeats=512)
    result = _fetch(fake, "2601.00021", limits=FullTextLimits(max_figure_bytes=100_000))
    assert result.source is TextSource.HTML and result.figure is None
    assert [n.problem for n in result.notes] == [Problem.IMAGE_TOO_LARGE]
    assert "figure is over the 100,000-byte limit (download stopped there)" in str(result.notes[-1])
    assert _wait_until_answered(fake, "/html/2601.00021v1/teaser.png") < 16 * 1024 * 1024


def test_withdrawn_paper_is_not_requested(fake: FakeArxivFullText) -> None:
    client = _client()
    try:
        fetcher = FullTextFetcher(client, html_url=fake.html_url, pdf_url=fake.pdf_url)
        result = fetcher.fetch("2601.00001", 1, withdrawn=True)
    finally:
        client.close()
    assert fake.paths() == []
    assert result.source is TextSource.ABSTRACT
    assert [n.problem for n in result.notes] == [Problem.WITHDRAWN]


@pytest.mark.parametrize(
    ("abstract", "comment", "expected"),
    [
        ("This paper has been withdrawn by the author due to an error in Lemma 2.", None, True),
        ("We study graphs.", "This submission has been withdrawn by arXiv administrators", True),
        ("We study graphs.", "Withdrawn by the authors", True),
        ("We study withdrawn markets and withdrawal effects.", "12 pages", False),
        ("", None, False),
    ],
)
def test_is_withdrawn(abstract: str, comment: str | None, expected: bool) -> None:
    assert is_withdrawn(abstract, comment) is expected


def test_hostile_html_keeps_text_and_refuses_the_svg_figure(fake: FakeArxivFullText) -> None:
    result = _fetch(fake, "2601.00010")
    # Only the paper's own directory is ever requested: no remote, data: or `..` figure.
    assert fake.paths() == ["/html/2601.00010v1", "/html/2601.00010v1/x1.svg"]
    assert result.source is TextSource.HTML and result.figure is None
    assert [n.problem for n in result.notes] == [Problem.SVG_IMAGE]
    assert result.text is not None
    assert "Readers should see this sentence." in result.text.sections[0].text


def test_figure_that_is_not_an_image_gives_a_note_but_keeps_the_text(fake: FakeArxivFullText) -> None:
    result = _fetch(fake, "2601.00011")
    assert result.source is TextSource.HTML and result.figure is None
    assert [n.problem for n in result.notes] == [Problem.NOT_IMAGE]


def test_enormous_figure_gives_a_note(fake: FakeArxivFullText) -> None:
    result = _fetch(fake, "2601.00017")
    assert result.source is TextSource.HTML and result.figure is None
    assert [n.problem for n in result.notes] == [Problem.IMAGE_TOO_LARGE]


def test_missing_figure_file_gives_a_note(fake: FakeArxivFullText) -> None:
    fake.routes.pop("/html/2601.00001v1/teaser.png")
    result = _fetch(fake, "2601.00001")
    assert result.source is TextSource.HTML and result.figure is None
    assert [n.problem for n in result.notes] == [Problem.NETWORK]
    assert "HTTP 404" in str(result.notes[0])


def test_figures_can_be_turned_off(fake: FakeArxivFullText) -> None:
    result = _fetch(fake, "2601.00001", with_figure=False)
    assert fake.paths() == ["/html/2601.00001v1"]
    assert result.figure is None and result.notes == ()


def test_throttle_gaps_measured_at_the_server(fake: FakeArxivFullText) -> None:
    delay = 0.2
    client = _client(delay)
    try:
        fetcher = FullTextFetcher(client, html_url=fake.html_url, pdf_url=fake.pdf_url)
        first = fetcher.fetch("2601.00001", 1)  # HTML + figure
        second = fetcher.fetch("2601.00002", 1)  # HTML 404 + PDF
    finally:
        client.close()
    assert (first.source, second.source) == (TextSource.HTML, TextSource.PDF)
    served = fake.served
    assert len(served) == 4
    gaps = [later.arrived - earlier.arrived for earlier, later in itertools.pairwise(served)]
    assert all(gap >= delay for gap in gaps), gaps


def test_html_with_huge_inline_data_is_read_as_text(fake: FakeArxivFullText) -> None:
    result = _fetch(fake, "2601.00018", with_figure=False)
    assert result.source is TextSource.HTML and result.notes == ()
    assert result.text is not None
    assert result.text.sections[0].text.startswith("Speech recognisers degrade sharply")
    assert all("QUFB" not in s.text for s in result.text.sections)


def test_html_over_the_size_limit_falls_back_to_the_pdf(fake: FakeArxivFullText) -> None:
    result = _fetch(fake, "2601.00001", limits=FullTextLimits(max_html_bytes=5_000))
    assert fake.paths() == ["/html/2601.00001v1", "/pdf/2601.00001v1"]
    assert result.source is TextSource.PDF
    assert [n.problem for n in result.notes] == [Problem.TOO_LARGE]
    size = len((DATA / "html" / "routing" / "index.html").read_bytes())
    assert str(result.notes[0]).startswith(f"HTML not used: HTML is {size:,} bytes, over the 5,000-byte limit")


def test_arxiv_figure_src_with_the_versioned_id_prefix(fake: FakeArxivFullText) -> None:
    """arXiv pages live at `/html/{id}v{n}` and say `src="{id}v{n}/x1.png"` (relative to `/html/`).

    https://github.com/arXiv/arxiv-browse/pull/782, https://github.com/huangkiki/dailypaper-skills/pull/7
    """
    result = _fetch(fake, "2601.00019")
    assert fake.paths() == ["/html/2601.00019v1", "/html/2601.00019v1/teaser.png"]
    assert result.source is TextSource.HTML and result.notes == ()
    assert result.figure is not None and result.figure.source_url == f"{fake.html_url}/2601.00019v1/teaser.png"


def test_figure_urls_stay_in_the_papers_directory() -> None:
    client = _client()
    try:
        fetcher = FullTextFetcher(client, html_url="https://arxiv.org/html/")
    finally:
        client.close()
    cases = {
        "x1.png": "https://arxiv.org/html/2601.00001v2/x1.png",
        "./figs/x1.png": "https://arxiv.org/html/2601.00001v2/figs/x1.png",
        "2601.00001v2/x1.png": "https://arxiv.org/html/2601.00001v2/x1.png",
        "2601.00001/x1.png": "https://arxiv.org/html/2601.00001/x1.png",
        "../2601.99999v1/x1.png": None,
        "/html/2601.99999v1/x1.png": None,
        "https://evil.example/x1.png": None,
        "//evil.example/x1.png": None,
        "data:image/png;base64,AAAA": None,
        "": None,
    }
    for src, expected in cases.items():
        assert fetcher.figure_url("2601.00001", 2, FigureRef(src, "")) == expected, src
