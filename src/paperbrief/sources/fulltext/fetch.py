"""Fetch a paper's full text (arXiv HTML first, PDF on 404) and first figure through the polite client.

URLs: `{html_url}/{id}v{version}` (LaTeXML HTML, https://info.arxiv.org/about/accessible_HTML.html),
figures relative to that page (`…/{id}v{version}/x1.png`), and `{pdf_url}/{id}v{version}`. Every
request goes through the injected `PoliteGetter` — in the application the arXiv source's
`HttpClient`, so the command's one throttle (≥ 3 s apart, one connection) and its retries and
Retry-After handling apply (https://info.arxiv.org/help/api/tou.html). Nothing here raises for a bad
paper: every failure becomes a `Note` and the result says the summary must use the abstract.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from paperbrief.sources.arxiv.errors import ArxivError, ArxivHTTPError, ArxivTooLargeError
from paperbrief.sources.fulltext.errors import FullTextError, Problem
from paperbrief.sources.fulltext.figures import (
    DEFAULT_MAX_FIGURE_BYTES,
    DEFAULT_MAX_PIXELS,
    DEFAULT_MAX_WIDTH,
    ImageFormat,
    reencode_figure,
)
from paperbrief.sources.fulltext.html import DEFAULT_MAX_HTML_BYTES, is_safe_relative_src, parse_html
from paperbrief.sources.fulltext.model import Figure, FigureRef, FullText, TextSource
from paperbrief.sources.fulltext.pdf import DEFAULT_MAX_PAGES, DEFAULT_MAX_PDF_BYTES, parse_pdf
from paperbrief.text import one_line

DEFAULT_HTML_URL = "https://arxiv.org/html"
DEFAULT_PDF_URL = "https://arxiv.org/pdf"
T = TypeVar("T")

# arXiv replaces a withdrawn version's abstract and comment with a notice such as "This paper has been
# withdrawn by the author(s)" (https://info.arxiv.org/help/withdraw.html).
_WITHDRAWN_RE = re.compile(
    r"\b(?:this\s+(?:paper|article|submission|manuscript|version)\s+(?:has\s+been|is|was)\s+withdrawn"
    r"|withdrawn\s+by\s+the\s+authors?|article\s+withdrawn|paper\s+withdrawn)",
    re.IGNORECASE,
)


class PoliteGetter(Protocol):
    """What the fetcher needs of an HTTP client: `HttpClient.get` of `paperbrief.sources.arxiv._http`.

    `get(url, params, parse, max_bytes=N)` returns `parse(body, url)` for a 200 answer and raises
    `ArxivHTTPError` (with `.status`) for other statuses, `ArxivTooLargeError` for a body over `N`
    bytes (without downloading the rest) and `ArxivError` for network failures after its retries.
    """

    def get(
        self,
        url: str,
        params: Mapping[str, str | int],
        parse: Callable[[bytes, str], T],
        *,
        max_bytes: int | None = None,
    ) -> T:
        """GET `url` politely and parse the body."""
        ...


def is_withdrawn(abstract: str, comment: str | None = None) -> bool:
    """Whether arXiv's metadata says this version is withdrawn (its abstract or comment carries the notice)."""
    return bool(_WITHDRAWN_RE.search(abstract or "") or _WITHDRAWN_RE.search(comment or ""))


@dataclass(frozen=True)
class Note:
    """Why something was not used: a `Problem` and a one-line message for the reader."""

    problem: Problem
    message: str

    def __str__(self) -> str:
        """The message as shown in outputs."""
        return self.message


@dataclass(frozen=True)
class FullTextLimits:
    """Size limits on what is read (bytes, pages, pixels) and how a figure is written."""

    max_html_bytes: int = DEFAULT_MAX_HTML_BYTES
    max_pdf_bytes: int = DEFAULT_MAX_PDF_BYTES
    max_pages: int = DEFAULT_MAX_PAGES
    max_figure_bytes: int = DEFAULT_MAX_FIGURE_BYTES
    max_pixels: int = DEFAULT_MAX_PIXELS
    figure_width: int = DEFAULT_MAX_WIDTH
    figure_format: ImageFormat = ImageFormat.PNG


@dataclass(frozen=True)
class FullTextResult:
    """What reading one paper gave: the text (None → abstract only), its figure, and notes on what failed."""

    arxiv_id: str
    version: int
    text: FullText | None
    figure: Figure | None = None
    notes: tuple[Note, ...] = field(default=())

    @property
    def source(self) -> TextSource:
        """Where the summary's text comes from: html, pdf, or abstract when no full text was usable."""
        return self.text.source if self.text is not None else TextSource.ABSTRACT

    @property
    def versioned_id(self) -> str:
        """`{id}v{version}`, the cache key of the store."""
        return f"{self.arxiv_id}v{self.version}"


def _body(body: bytes, _url: str) -> bytes:
    # The polite client retries when its parser fails; ours never does, so a bad PDF is not re-fetched.
    return body


class FullTextFetcher:
    """Reads papers in full through one polite client: HTML, else PDF, plus the first figure of the HTML."""

    def __init__(
        self,
        getter: PoliteGetter,
        *,
        html_url: str = DEFAULT_HTML_URL,
        pdf_url: str = DEFAULT_PDF_URL,
        limits: FullTextLimits | None = None,
        with_figure: bool = True,
    ) -> None:
        self._getter = getter
        self.html_url = html_url.rstrip("/")
        self.pdf_url = pdf_url.rstrip("/")
        self.limits = limits if limits is not None else FullTextLimits()
        self.with_figure = with_figure

    def html_page_url(self, arxiv_id: str, version: int) -> str:
        """`{html_url}/{id}v{version}`."""
        return f"{self.html_url}/{arxiv_id}v{version}"

    def pdf_page_url(self, arxiv_id: str, version: int) -> str:
        """`{pdf_url}/{id}v{version}`."""
        return f"{self.pdf_url}/{arxiv_id}v{version}"

    def fetch(self, arxiv_id: str, version: int, *, withdrawn: bool = False) -> FullTextResult:
        """Read one paper version; never raises for a bad paper (see `FullTextResult.notes`)."""
        if withdrawn:
            note = Note(Problem.WITHDRAWN, "withdrawn paper: no full text; summary from the abstract")
            return FullTextResult(arxiv_id, version, None, notes=(note,))
        notes: list[Note] = []
        text, html_status = self._from_html(arxiv_id, version, notes)
        if text is None:
            text = self._from_pdf(arxiv_id, version, notes, html_missing=html_status == 404)
        figure = None
        if text is not None and text.source is TextSource.HTML and self.with_figure:
            figure = self._figure(arxiv_id, version, text.figure, notes)
        return FullTextResult(arxiv_id, version, text, figure, tuple(notes))

    def _get(self, url: str, max_bytes: int) -> bytes:
        # The limit is enforced while downloading: a 500 MB body is refused, not read into memory.
        return self._getter.get(url, {}, _body, max_bytes=max_bytes)

    def _from_html(self, arxiv_id: str, version: int, notes: list[Note]) -> tuple[FullText | None, int | None]:
        url = self.html_page_url(arxiv_id, version)
        try:
            body = self._get(url, self.limits.max_html_bytes)
            return parse_html(body, url, max_bytes=self.limits.max_html_bytes), 200
        except ArxivTooLargeError as exc:
            notes.append(Note(Problem.TOO_LARGE, f"HTML not used: {_too_large('HTML', exc)}; read the PDF"))
        except ArxivHTTPError as exc:
            if exc.status == 404:
                notes.append(Note(Problem.NO_HTML, "no HTML rendering on arXiv (HTTP 404); read the PDF"))
            else:
                notes.append(Note(Problem.NETWORK, f"HTML not read: {one_line(exc)}; read the PDF"))
            return None, exc.status
        except ArxivError as exc:
            notes.append(Note(Problem.NETWORK, f"HTML not read: {one_line(exc)}; read the PDF"))
        except FullTextError as exc:
            notes.append(Note(exc.problem, f"HTML not used: {exc.message}; read the PDF"))
        return None, None

    def _from_pdf(self, arxiv_id: str, version: int, notes: list[Note], *, html_missing: bool) -> FullText | None:
        url = self.pdf_page_url(arxiv_id, version)
        try:
            body = self._get(url, self.limits.max_pdf_bytes)
        except ArxivTooLargeError as exc:
            notes.append(Note(Problem.TOO_LARGE, f"PDF not used: {_too_large('PDF', exc)}; summary from the abstract"))
            return None
        except ArxivHTTPError as exc:
            if exc.status == 404 and html_missing:
                message = "neither HTML nor PDF exists for this version (withdrawn?); summary from the abstract"
                notes.append(Note(Problem.NOT_FOUND, message))
            else:
                notes.append(Note(Problem.NETWORK, f"PDF not read: {one_line(exc)}; summary from the abstract"))
            return None
        except ArxivError as exc:
            notes.append(Note(Problem.NETWORK, f"PDF not read: {one_line(exc)}; summary from the abstract"))
            return None
        try:
            text = parse_pdf(body, url, max_bytes=self.limits.max_pdf_bytes, max_pages=self.limits.max_pages)
        except FullTextError as exc:
            problem = exc.problem
            if problem is Problem.NOT_PDF and _WITHDRAWN_RE.search(body[:20000].decode("utf-8", "replace")):
                notes.append(Note(Problem.WITHDRAWN, "withdrawn paper: no full text; summary from the abstract"))
            else:
                notes.append(Note(problem, f"PDF not used: {exc.message}; summary from the abstract"))
            return None
        notes.extend(Note(Problem.TOO_LARGE, n) for n in text.notes)
        return text

    def figure_url(self, arxiv_id: str, version: int, ref: FigureRef) -> str | None:
        """The absolute URL of a figure under the paper's HTML directory, or None for any other `src`.

        arXiv serves the page at `{html_url}/{id}v{n}` (no trailing slash) with `src="{id}v{n}/x1.png"`,
        relative to `{html_url}/`; LaTeXML itself writes `src="x1.png"`, relative to the paper's directory
        (https://github.com/arXiv/arxiv-browse/pull/782, https://github.com/huangkiki/dailypaper-skills/pull/7).
        Both forms resolve to `{html_url}/{id}v{n}/x1.png`.
        """
        if not is_safe_relative_src(ref.src):
            return None
        src = ref.src[2:] if ref.src.startswith("./") else ref.src
        if src.startswith((f"{arxiv_id}v{version}/", f"{arxiv_id}/")):
            return f"{self.html_url}/{src}"
        return f"{self.html_url}/{arxiv_id}v{version}/{src}"

    def _figure(self, arxiv_id: str, version: int, ref: FigureRef | None, notes: list[Note]) -> Figure | None:
        url = self.figure_url(arxiv_id, version, ref) if ref is not None else None
        if ref is None or url is None:
            notes.append(Note(Problem.NO_FIGURE, "no figure in the paper's HTML"))
            return None
        limits = self.limits
        try:
            return reencode_figure(
                self._get(url, limits.max_figure_bytes),
                url=url,
                caption=ref.caption,
                max_width=limits.figure_width,
                max_pixels=limits.max_pixels,
                max_bytes=limits.max_figure_bytes,
                image_format=limits.figure_format,
            )
        except ArxivTooLargeError as exc:
            notes.append(Note(Problem.IMAGE_TOO_LARGE, f"figure not used: {_too_large('figure', exc)}"))
        except ArxivError as exc:
            notes.append(Note(Problem.NETWORK, f"figure not read: {one_line(exc)}"))
        except FullTextError as exc:
            notes.append(Note(exc.problem, f"figure not used: {exc.message}"))
        return None


def _too_large(what: str, exc: ArxivTooLargeError) -> str:
    """ "PDF is 31,457,281 bytes, over the 31,457,280-byte limit" (or "…; download stopped there")."""
    if exc.size is not None:
        return f"{what} is {exc.size:,} bytes, over the {exc.limit:,}-byte limit"
    return f"{what} is over the {exc.limit:,}-byte limit (download stopped there)"
