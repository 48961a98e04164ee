"""`paperbrief run --fulltext K` end to end (issue 13): loopback fake arXiv (LaTeXML/pdflatex fixtures) and fake LLM.

The real client code runs: the run's one throttled `HttpClient` reads HTML, PDF and figures from
`tests/fakes/fulltext_server.py`; summaries come from `tests/fakes/llm_server.py` over HTTP.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image

from fakes.fulltext_server import DATA, FakeArxivFullText, Reply, html_reply, pdf_reply, png_reply
from fakes.llm_server import FakeLLM, serve_fake_llm
from fakes.llm_support import FAKE_KEY
from paperbrief.cli import main
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url

TEASER = DATA / "html" / "routing" / "teaser.png"
DAY = "2026-02-05"

# id → (title, abstract); the abstracts carry LaTeX, as arXiv's do.
PAPERS: dict[str, tuple[str, str]] = {
    "2601.00001": ("Sparse Routing for $O(n \\log n)$ Mixture Models", "We route tokens sparsely in $O(n \\log n)$."),
    "2601.00002": ("Denoising Without Clean Data", "We denoise images with a loss $\\mathcal{L}$ and no clean data."),
    "2601.00003": ("Graph Learning at Scale", "We learn on graphs with billions of edges."),
    "2601.00011": ("A Paper With A Bad Figure", "Its figure is an HTML error page."),
    "2601.00012": ("A Paper Whose PDF Is Not A PDF", "Its PDF URL answers with a text notice."),
    "2601.00013": ("An Encrypted PDF", "Its PDF is encrypted."),
    "2601.00014": ("A Scanned PDF", "Its PDF has no text layer."),
    "2601.00015": ("A Withdrawn Paper", "Its PDF URL says it was withdrawn."),
    "2601.00016": ("A Paper Without Any Text", "Neither HTML nor PDF exists."),
    "2601.00020": ("A Hostile Page", "Its HTML carries scripts, iframes and an SVG figure."),
    "2601.00021": ("A Huge Page", "Its HTML is larger than the limit."),
    "2601.00022": ("A Very Long Paper", "Its introduction is far longer than the token cap."),
    "2601.00023": ("A Paper With An Enormous Figure", "Its figure claims 60,000 × 60,000 pixels."),
    "2601.00024": ("A Paper With An SVG Figure", "Its first figure is an SVG with a script."),
}
VERSIONS = {"2601.00003": 2}


def _routes() -> dict[str, Reply]:
    hostile = DATA / "hostile"
    return {
        "/html/2601.00001v1": html_reply("routing"),
        "/html/2601.00001v1/teaser.png": png_reply(TEASER),
        "/pdf/2601.00001v1": pdf_reply("routing"),
        # 2601.00002v1: no HTML rendering (404), a PDF.
        "/pdf/2601.00002v1": pdf_reply("denoise"),
        "/html/2601.00003v2": html_reply("graphs"),
        "/html/2601.00003v2/teaser.png": png_reply(TEASER),
        "/html/2601.00011v1": html_reply("routing"),
        "/html/2601.00011v1/teaser.png": Reply(b"<html><body>Access denied</body></html>", "text/html"),
        "/pdf/2601.00012v1": Reply(b"Service notice: please try later.", "text/plain"),
        "/pdf/2601.00013v1": pdf_reply("encrypted"),
        "/pdf/2601.00014v1": pdf_reply("scanned"),
        "/pdf/2601.00015v1": Reply((hostile / "withdrawn.html").read_bytes(), "text/html"),
        "/html/2601.00020v1": Reply((hostile / "index.html").read_bytes(), "text/html"),
        "/html/2601.00020v1/x1.svg": Reply((hostile / "x1.svg").read_bytes(), "image/svg+xml"),
        "/html/2601.00021v1": Reply(b"<html><body>" + b"<p class='ltx_p'>word </p>" * 900_000 + b"</body></html>"),
        "/pdf/2601.00021v1": pdf_reply("graphs"),
        "/html/2601.00022v1": Reply(_long_page(), "text/html"),
        "/html/2601.00023v1": html_reply("routing"),
        "/html/2601.00023v1/teaser.png": Reply(_bomb_png(), "image/png"),
        "/html/2601.00024v1": html_reply("routing"),
        "/html/2601.00024v1/teaser.png": Reply((hostile / "x1.svg").read_bytes(), "image/png"),  # lies about its type
    }


def _bomb_png() -> bytes:
    """A valid PNG header claiming 60,000 × 60,000 pixels (a decompression bomb), with almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def _long_page() -> bytes:
    """The routing paper with an introduction of about 40,000 tokens (far over any cap)."""
    page = html_reply("routing").body
    marker = b'<p class="ltx_p">Small language models'
    filler = b"Sparse experts save compute on easy tokens while keeping accuracy on hard ones. " * 1500
    return page.replace(marker, marker[: -len(b"Small language models")] + filler + b"Small language models", 1)


@pytest.fixture
def arxiv() -> Iterator[FakeArxivFullText]:
    with FakeArxivFullText(_routes()) as server:
        yield server


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with serve_fake_llm() as server:
        yield server


@pytest.fixture(autouse=True)
def _work_in_tmp_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


def _day_file(tmp_path: Path, ids: list[str]) -> Path:
    items = [
        {
            "arxiv_id": i,
            "version": VERSIONS.get(i, 1),
            "title": PAPERS[i][0],
            "abstract": PAPERS[i][1],
            "authors": ["Ada Lovelace"],
            "categories": ["cs.LG"],
            "primary_category": "cs.LG",
            "announced": DAY,
        }
        for i in ids
    ]
    path = tmp_path / "day.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def _run(
    tmp_path: Path,
    arxiv: FakeArxivFullText,
    llm: FakeLLM,
    ids: list[str],
    *args: str,
    delay: str = "0",
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    env = {
        **(extra_env or {}),
        "PAPERBRIEF_ARXIV_HTML_URL": arxiv.html_url,
        "PAPERBRIEF_ARXIV_PDF_URL": arxiv.pdf_url,
        "PAPERBRIEF_ARXIV_DELAY_SECONDS": delay,
        "PAPERBRIEF_ARXIV_RETRIES": "1",
        "PAPERBRIEF_ARXIV_TIMEOUT_SECONDS": "10",
        "PAPERBRIEF_LLM_BASE_URL": llm.base_url,
        "PAPERBRIEF_LLM_API_KEY": FAKE_KEY,
        "PAPERBRIEF_LLM_MODEL": "fake-model",
        "PAPERBRIEF_SELECT_HIGHLIGHTS": "false",
        "PAPERBRIEF_LLM_BATCH_SIZE": "1",  # one request per abstract paper: requests at the fake count papers
    }
    day = _day_file(tmp_path, ids)
    deliver = [] if extra_env else ["--no-deliver"]
    argv = ["--home", str(tmp_path / "home"), "run", "--from-json", str(day), "--out", "out", *deliver, *args]
    result = CliRunner().invoke(main, argv, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads((tmp_path / "out" / f"{DAY}.json").read_text(encoding="utf-8"))
    return data


def _summaries(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["paper"]["arxiv_id"]: e["summary"] for e in data["entries"]}


def _fulltext_calls(llm: FakeLLM) -> list[str]:
    return [r.user for r in llm.requests if '"experiments"' in r.system]


def test_html_path_summarizes_from_the_body_with_two_more_fields_and_the_figure(
    tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM
) -> None:
    data = _run(tmp_path, arxiv, llm, ["2601.00001"], "--fulltext", "1")
    summary = _summaries(data)["2601.00001"]
    assert summary["text_source"] == "html"
    assert summary["experiments"].startswith("Read from html: ")
    assert "Introduction" in summary["experiments"]
    assert summary["limitations"]
    assert summary["prompt_version"].endswith("/html")
    [prompt] = _fulltext_calls(llm)
    assert "## Introduction" in prompt
    assert "References" not in re.findall(r"^## (.+)$", prompt, re.M)  # the bibliography is never sent
    assert arxiv.paths() == ["/html/2601.00001v1", "/html/2601.00001v1/teaser.png"]
    figure = summary["figure"]
    assert figure["path"] == "figures/2601.00001v1.png"
    with Image.open(tmp_path / "out" / figure["path"]) as image:
        assert image.format == "PNG" and image.width <= 800


def test_no_html_falls_back_to_the_pdf(tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM) -> None:
    data = _run(tmp_path, arxiv, llm, ["2601.00002"], "--fulltext", "1")
    summary = _summaries(data)["2601.00002"]
    assert summary["text_source"] == "pdf"
    assert summary["experiments"].startswith("Read from pdf: ")
    assert summary["figure"] is None
    assert any("HTTP 404" in n for n in summary["fulltext_notes"])
    assert arxiv.paths() == ["/html/2601.00002v1", "/pdf/2601.00002v1"]


def test_only_the_top_k_are_read_in_full(tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM) -> None:
    data = _run(tmp_path, arxiv, llm, ["2601.00001", "2601.00002", "2601.00003"], "--fulltext", "1")
    read = [s for s in _summaries(data).values() if s["text_source"] is not None]
    assert len(read) == 1 and len(_fulltext_calls(llm)) == 1
    others = [s for s in _summaries(data).values() if s["text_source"] is None]
    assert len(others) == 2 and all(s["experiments"] is None for s in others)


def test_rerun_fetches_nothing_and_calls_nothing_but_a_new_version_is_read_again(
    tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM
) -> None:
    ids = ["2601.00001", "2601.00002"]
    first = _run(tmp_path, arxiv, llm, ids, "--fulltext", "2")
    requests, calls = len(arxiv.served), llm.count()
    assert requests == 4  # HTML + figure, HTML 404 + PDF
    (tmp_path / "out" / "figures" / "2601.00001v1.png").unlink()  # the store, not the file, is the cache
    second = _run(tmp_path, arxiv, llm, ids, "--fulltext", "2")
    assert len(arxiv.served) == requests and llm.count() == calls
    assert _summaries(second)["2601.00001"]["text_source"] == "html"
    assert _summaries(second)["2601.00001"]["experiments"] == _summaries(first)["2601.00001"]["experiments"]
    assert (tmp_path / "out" / "figures" / "2601.00001v1.png").is_file()
    store = Store.open(sqlite_url(tmp_path / "home" / "paperbrief.db"))
    assert store.table_counts()["fulltexts"] == 2
    store.close()
    # Version 2 of 2601.00001 is a new paper for the cache: it is read again.
    arxiv.routes["/html/2601.00001v2"] = html_reply("routing")
    arxiv.routes["/html/2601.00001v2/teaser.png"] = png_reply(TEASER)
    VERSIONS["2601.00001"] = 2
    try:
        third = _run(tmp_path, arxiv, llm, ["2601.00001"], "--fulltext", "1")
    finally:
        del VERSIONS["2601.00001"]
    assert arxiv.paths()[requests:] == ["/html/2601.00001v2", "/html/2601.00001v2/teaser.png"]
    assert _summaries(third)["2601.00001"]["figure"]["path"] == "figures/2601.00001v2.png"


def test_throttle_spaces_every_full_text_request_at_the_server(
    tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM
) -> None:
    _run(tmp_path, arxiv, llm, ["2601.00001", "2601.00002", "2601.00003"], "--fulltext", "3", delay="0.3")
    served = arxiv.served
    assert len(served) == 6
    gaps = [b.arrived - a.finished for a, b in itertools.pairwise(served)]
    assert min(gaps) >= 0.29, gaps  # one request at a time, 0.3 s from the end of the previous response


@pytest.mark.parametrize(
    ("arxiv_id", "problem"),
    [
        ("2601.00012", "not a PDF"),
        ("2601.00013", "encrypted"),
        ("2601.00014", "no text"),
        ("2601.00015", "withdrawn"),
        ("2601.00016", "neither HTML nor PDF"),
    ],
)
def test_bad_full_text_gives_a_note_and_the_abstract_summary(
    tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM, arxiv_id: str, problem: str
) -> None:
    data = _run(tmp_path, arxiv, llm, [arxiv_id], "--fulltext", "1")
    summary = _summaries(data)[arxiv_id]
    assert summary["status"] == "ok" and summary["tldr"]
    assert summary["text_source"] == "abstract" and summary["experiments"] is None
    assert any(problem in n for n in summary["fulltext_notes"]), summary["fulltext_notes"]
    assert _fulltext_calls(llm) == []


def test_withdrawn_in_the_metadata_costs_no_request(tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM) -> None:
    PAPERS["2601.00030"] = ("Withdrawn", "This paper has been withdrawn by the authors.")
    try:
        data = _run(tmp_path, arxiv, llm, ["2601.00030"], "--fulltext", "1")
    finally:
        del PAPERS["2601.00030"]
    assert arxiv.served == []
    assert _summaries(data)["2601.00030"]["text_source"] == "abstract"


@pytest.mark.parametrize(
    ("arxiv_id", "problem"), [("2601.00011", "not an image"), ("2601.00023", "pixels"), ("2601.00024", "SVG")]
)
def test_bad_figure_keeps_the_text_and_drops_the_figure(
    tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM, arxiv_id: str, problem: str
) -> None:
    data = _run(tmp_path, arxiv, llm, [arxiv_id], "--fulltext", "1")
    summary = _summaries(data)[arxiv_id]
    assert summary["text_source"] == "html" and summary["figure"] is None
    notes = summary["fulltext_notes"]
    assert any("figure not used" in n and problem.lower() in n.lower() for n in notes), notes
    assert not (tmp_path / "out" / "figures").exists() or not any((tmp_path / "out" / "figures").iterdir())


def test_hostile_html_gives_text_only_and_no_svg_figure(tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM) -> None:
    data = _run(tmp_path, arxiv, llm, ["2601.00020"], "--fulltext", "1")
    summary = _summaries(data)["2601.00020"]
    assert summary["figure"] is None
    assert not (tmp_path / "out" / "figures").exists() or not list((tmp_path / "out" / "figures").iterdir())
    [prompt] = _fulltext_calls(llm) or [""]
    assert "<script" not in prompt and "javascript:" not in prompt
    site = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out" / "site").rglob("*.html"))
    assert "alert(" not in site and "<iframe" not in site


def test_huge_html_falls_back_to_the_pdf(tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM) -> None:
    data = _run(tmp_path, arxiv, llm, ["2601.00021"], "--fulltext", "1")
    summary = _summaries(data)["2601.00021"]
    assert summary["text_source"] == "pdf"
    assert any("read the PDF" in n for n in summary["fulltext_notes"])


def test_text_far_over_the_cap_is_cut_with_a_note_and_the_budget_counts_it(
    tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERBRIEF_FULLTEXT_TOKEN_CAP", "1000")
    data = _run(tmp_path, arxiv, llm, ["2601.00022"], "--fulltext", "1")
    summary = _summaries(data)["2601.00022"]
    assert summary["text_source"] == "html"
    assert any("shortened" in n for n in summary["fulltext_notes"])
    [prompt] = _fulltext_calls(llm)
    assert "[…]" in prompt
    assert 1000 * 3 < len(prompt) < 1000 * 3 + 1500  # the cap (3 characters a token) plus the title/abstract block
    assert summary["tokens_in"] > 0  # counted in the run's budget like every call


def test_a_full_text_over_the_remaining_budget_is_not_sent_and_the_abstract_is_summarized(
    tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM
) -> None:
    data = _run(tmp_path, arxiv, llm, ["2601.00022"], "--fulltext", "1", "--max-tokens", "3000")
    summary = _summaries(data)["2601.00022"]
    assert _fulltext_calls(llm) == []  # ~6,800 estimated tokens > 3,000: never sent
    assert summary["status"] == "ok" and summary["text_source"] == "abstract"
    assert any("budget" in n for n in summary["fulltext_notes"])
    assert data["stats"]["tokens_in"] < 3000


# --- what readers get ---------------------------------------------------------------------------------


def test_markdown_adds_fields_source_and_figure_link_for_full_text_papers_only(
    tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM
) -> None:
    _run(tmp_path, arxiv, llm, ["2601.00001", "2601.00002", "2601.00003"], "--fulltext", "2")
    markdown = (tmp_path / "out" / f"{DAY}.md").read_text(encoding="utf-8")
    blocks = {
        m.group(1): m.group(0)
        for m in re.finditer(r"^## \[\d+\. .*?\]\(https://arxiv.org/abs/(\S+?)v\d\)[\s\S]*?^---$", markdown, re.M)
    }
    assert len(blocks) == 3
    read = [i for i, b in blocks.items() if "**实验与关键数字**：" in b]
    assert len(read) == 2
    [other] = set(blocks) - set(read)
    assert "**局限性**" not in blocks[other] and "**来源**" not in blocks[other]  # the reference layout
    for arxiv_id in read:
        block = blocks[arxiv_id]
        assert "**局限性**：" in block
        assert re.search(r"\*\*来源\*\*：全文（(HTML|PDF)）", block)
        if "全文（HTML）" in block:  # the figure is linked, next to the digest
            assert re.search(rf"\*\*首图\*\*：\[.+\]\(figures/{arxiv_id}v\d\.png\)", block)
    assert "$O(n \\log n)$" in markdown  # the Markdown keeps the LaTeX as written
    assert "全文（HTML）" in markdown


def test_site_shows_a_local_copy_of_the_figure_and_math_as_mathml(
    tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM
) -> None:
    from lxml import html

    _run(tmp_path, arxiv, llm, ["2601.00001", "2601.00002"], "--fulltext", "2")
    site = tmp_path / "out" / "site"
    page = html.fromstring((site / f"{DAY}.html").read_bytes())
    [img] = page.xpath("//article[@id='2601.00001']//figure[@class='teaser']//img")
    assert img.get("src") == "figures/2601.00001v1.png"
    assert (site / "figures" / "2601.00001v1.png").read_bytes() == (
        tmp_path / "out" / "figures" / "2601.00001v1.png"
    ).read_bytes()
    sources = [e.get("src") for p in site.rglob("*.html") for e in html.fromstring(p.read_bytes()).xpath("//*[@src]")]
    assert sources and not [s for s in sources if "://" in s or s.startswith("//")]  # nothing hotlinked
    card = page.xpath("//article[@id='2601.00001']")[0]
    assert card.xpath(".//h3//math"), "the title's $O(n \\log n)$ is MathML"
    assert "全文（HTML）" in card.text_content() and "实验与关键数字" in card.text_content()
    pdf_card = page.xpath("//article[@id='2601.00002']")[0]
    assert "全文（PDF）" in pdf_card.text_content() and not pdf_card.xpath(".//img")
    assert pdf_card.xpath(".//details[contains(@class, 'abstract')]//math")  # $\\mathcal{L}$ in the abstract


def test_email_received_over_smtp_carries_the_figure_inline(
    tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM
) -> None:
    import email
    from email.message import EmailMessage
    from email.policy import default

    from fakes.publish_servers import smtp_server

    with smtp_server() as (port, received):
        env = {
            "PAPERBRIEF_SMTP_HOST": "127.0.0.1",
            "PAPERBRIEF_SMTP_PORT": str(port),
            "PAPERBRIEF_SMTP_SECURITY": "none",
            "PAPERBRIEF_EMAIL_FROM": "paperbrief@example.org",
            "PAPERBRIEF_EMAIL_TO": "ada@example.org",
        }
        _run(tmp_path, arxiv, llm, ["2601.00001", "2601.00002"], "--fulltext", "2", extra_env=env)
    [mail] = received
    message = email.message_from_bytes(mail.data, policy=default)
    assert isinstance(message, EmailMessage)
    html_body = message.get_body(("html",))
    assert html_body is not None
    markup = html_body.get_content()
    [cid] = re.findall(r'src="cid:([^"]+)"', markup)
    images = [p for p in message.walk() if p.get_content_maintype() == "image"]
    assert len(images) == 1
    assert images[0]["Content-ID"] == f"<{cid}>" and images[0].get_content_disposition() == "inline"
    with Image.open(io.BytesIO(images[0].get_content())) as image:
        assert image.format == "PNG"
    assert not re.findall(r'src="https?:', markup)  # never a remote image
    assert "<math" in markup and "实验与关键数字" in markup and "全文（HTML）" in markup
    text = message.get_body(("plain",))
    assert text is not None and "局限性: " in text.get_content()


@pytest.mark.browser
def test_math_and_figure_render_in_chromium(tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM) -> None:
    from playwright.sync_api import sync_playwright

    from fakes.publish_servers import serve_directory

    _run(tmp_path, arxiv, llm, ["2601.00001"], "--fulltext", "1")
    errors: list[str] = []
    # Not the shared `browser` fixture: Playwright's sync API runs an event loop for as long as it is
    # open, and the run above needs `asyncio.run` — so Chromium starts only after the run.
    with serve_directory(tmp_path / "out" / "site") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
        page.goto(f"{url}/{DAY}.html")
        box = page.locator("article h3 math").first.bounding_box()
        assert box is not None and box["width"] > 10 and box["height"] > 5  # laid out as math, not hidden
        assert page.evaluate("document.querySelector('h3 math') instanceof MathMLElement")
        width = page.evaluate("document.querySelector('figure.teaser img').naturalWidth")
        assert width > 0  # the local figure loaded under the page's CSP
        browser.close()
    assert errors == []


def test_online_run_spaces_feed_api_html_and_figures_with_one_throttle(
    tmp_path: Path, arxiv: FakeArxivFullText, llm: FakeLLM
) -> None:
    from fakes.arxiv_server import FakeArxiv, load_sample

    for row in load_sample():  # every paper of the day has an HTML rendering and a figure
        versioned = f"{row['id']}v{row['version']}"
        arxiv.routes[f"/html/{versioned}"] = html_reply("routing")
        arxiv.routes[f"/html/{versioned}/teaser.png"] = png_reply(TEASER)
    env = {
        "PAPERBRIEF_ARXIV_HTML_URL": arxiv.html_url,
        "PAPERBRIEF_ARXIV_PDF_URL": arxiv.pdf_url,
        "PAPERBRIEF_ARXIV_DELAY_SECONDS": "0.25",
        "PAPERBRIEF_ARXIV_RETRIES": "1",
        "PAPERBRIEF_ARXIV_CATEGORIES": "cs.AI,cs.CL,cs.CV,cs.LG",
        "PAPERBRIEF_LLM_BASE_URL": llm.base_url,
        "PAPERBRIEF_LLM_API_KEY": FAKE_KEY,
        "PAPERBRIEF_LLM_MODEL": "fake-model",
        "PAPERBRIEF_SELECT_HIGHLIGHTS": "false",
    }
    with FakeArxiv() as feed:
        env |= {"PAPERBRIEF_ARXIV_RSS_URL": feed.rss_url, "PAPERBRIEF_ARXIV_API_URL": feed.api_url}
        argv = ["--home", str(tmp_path / "home"), "run", "--out", "out", "--no-deliver", "--max-papers", "5"]
        result = CliRunner().invoke(main, [*argv, "--fulltext", "2"], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        starts = sorted([r.start for r in feed.requests()] + [s.arrived for s in arxiv.served])
    assert len(arxiv.served) == 4 and len(starts) == 6  # feed, API batch, 2 × (HTML, figure)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.24, gaps  # one throttle for the whole command, across both servers
    data = json.loads((tmp_path / "out" / "2026-02-05.json").read_text(encoding="utf-8"))
    assert sum(e["summary"]["text_source"] == "html" for e in data["entries"]) == 2
