"""Read arXiv's HTML rendering (LaTeXML output) into plain-text sections and the first figure reference.

LaTeXML's markup (https://math.nist.gov/~BMiller/LaTeXML/manual/cssclasses/): sections are
`section.ltx_section` with `h2.ltx_title`, paragraphs `p.ltx_p`, figures `figure.ltx_figure` with
`img.ltx_graphics` and `figcaption`, tables `figure.ltx_table`, the bibliography
`section.ltx_bibliography`, appendices `section.ltx_appendix`; math is `<math alttext="LaTeX">`.
Only text and one relative figure reference leave this module: scripts, styles, iframes, objects,
forms, event handlers and `data:` URIs are never read.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

from paperbrief.sources.fulltext.errors import FullTextError, Problem
from paperbrief.sources.fulltext.model import FigureRef, FullText, Section, SectionKind, TextSource
from paperbrief.sources.fulltext.sections import classify_heading
from paperbrief.text import clean_text

DEFAULT_MAX_HTML_BYTES = 20 * 1024 * 1024  # arXiv pages with inline MathML reach a few MB; 20 MB is absurd
_DROPPED = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template", "form", "button", "svg", "canvas"}
)
_TOP_CLASSES = ("ltx_chapter", "ltx_section", "ltx_appendix", "ltx_bibliography", "ltx_acknowledgements")
# An inline `data:` URI (LaTeXML's footer logo, or megabytes of base64 in a hostile page) is never read:
# long ones are cut out of the bytes before parsing, so libxml2 never holds them as attribute values.
_DATA_URI_RE = re.compile(rb"data:[^\"'\s>]{256,}", re.IGNORECASE)


def _classes(element: lxml.html.HtmlElement) -> set[str]:
    return set((element.get("class") or "").split())


def _flat(text: str) -> str:
    return clean_text(" ".join(text.split()))


def _inline_text(element: lxml.html.HtmlElement) -> str:
    """Text of an element with math as `$alttext$`; dropped elements (scripts, styles, iframes…) are skipped."""
    parts: list[str] = [element.text or ""]
    for child in element:
        if not isinstance(child.tag, str):  # comments and processing instructions
            parts.append(child.tail or "")
            continue
        tag = child.tag.lower()
        if tag == "math":
            alt = child.get("alttext")
            parts.append(f"${alt}$" if alt else _inline_text(child))
        elif tag not in _DROPPED:
            parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _heading(element: lxml.html.HtmlElement) -> str:
    """A section title without LaTeXML's number tag (`span.ltx_tag`)."""
    copy = lxml.html.fromstring(lxml.html.tostring(element))
    for tag in copy.xpath(".//*[contains(concat(' ', normalize-space(@class), ' '), ' ltx_tag ')]"):
        tag.drop_tree()
    return _flat(_inline_text(copy))


def _table_text(table: lxml.html.HtmlElement) -> str:
    """A LaTeXML tabular as lines of `cell | cell` (the numbers matter for 实验与关键数字)."""
    rows = []
    for row in table.iter("tr"):
        cells = [_flat(_inline_text(cell)) for cell in row if isinstance(cell.tag, str) and cell.tag in ("td", "th")]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _block_text(element: lxml.html.HtmlElement) -> str | None:
    """The text of `element` if it is a readable block (paragraph, equation, table, caption), else None."""
    tag = element.tag.lower()
    classes = _classes(element)
    if tag == "p" or "ltx_p" in classes or tag == "figcaption" or (tag == "li" and "ltx_bibitem" in classes):
        return _flat(_inline_text(element))
    if tag == "table" and ({"ltx_equation", "ltx_equationgroup"} & classes):
        maths = [m.get("alttext") or "" for m in element.iter("math")]
        return " ".join(f"$${m}$$" for m in maths if m)
    if tag == "table":
        return _table_text(element)
    if tag in ("h3", "h4", "h5", "h6") and "ltx_title" in classes:
        return _heading(element)
    return None


def _collect(element: lxml.html.HtmlElement, out: list[str]) -> None:
    """Append the readable blocks in and under `element` in document order, each block once."""
    if not isinstance(element.tag, str) or element.tag.lower() in _DROPPED:
        return
    text = _block_text(element)
    if text is not None:
        out.append(text)
        return
    for child in element:
        _collect(child, out)


def _section(element: lxml.html.HtmlElement) -> Section:
    classes = _classes(element)
    titles = element.xpath("./*[self::h1 or self::h2 or self::h3][contains(@class, 'ltx_title')]")
    heading = _heading(titles[0]) if titles else ""
    if "ltx_bibliography" in classes:
        kind = SectionKind.REFERENCES
    elif "ltx_appendix" in classes:
        kind = SectionKind.APPENDIX
    elif "ltx_acknowledgements" in classes:
        kind = SectionKind.ACKNOWLEDGEMENTS
    else:
        kind = classify_heading(heading)
    blocks: list[str] = []
    for child in element:
        if child not in titles:
            _collect(child, blocks)
    return Section(heading or kind.value.replace("_", " ").title(), kind, "\n".join(b for b in blocks if b))


def is_safe_relative_src(src: str) -> bool:
    """Whether a figure `src` is a plain relative path under the page (no scheme, host, `..` or `data:`)."""
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or src.startswith(("/", "\\")) or not parts.path:
        return False
    return ".." not in parts.path.replace("\\", "/").split("/")


def _first_figure(root: lxml.html.HtmlElement) -> FigureRef | None:
    """The first `figure.ltx_figure` whose `img.ltx_graphics` has a safe relative `src`, with its caption."""
    for figure in root.xpath("//figure[contains(concat(' ', normalize-space(@class), ' '), ' ltx_figure ')]"):
        for img in figure.iter("img"):
            src = (img.get("src") or "").strip()
            if "ltx_graphics" in _classes(img) and is_safe_relative_src(src):
                captions = figure.xpath(".//figcaption")
                caption = _heading(captions[0]) if captions else ""
                return FigureRef(src=src, caption=caption)
    return None


def parse_html(body: bytes, url: str = "", *, max_bytes: int = DEFAULT_MAX_HTML_BYTES) -> FullText:
    """Parse a LaTeXML (arXiv HTML) page into a `FullText`; `FullTextError` if too large, unparseable or empty."""
    if len(body) > max_bytes:
        raise FullTextError(Problem.TOO_LARGE, f"HTML is {len(body):,} bytes, over the {max_bytes:,}-byte limit", url)
    body = _DATA_URI_RE.sub(b"data:,", body)
    # huge_tree: a long paper's single text node may pass libxml2's 10 MB default; the byte limit above bounds it.
    parser = lxml.html.HTMLParser(
        remove_comments=True, remove_pis=True, no_network=True, default_doctype=False, huge_tree=True
    )
    # LaTeXML writes UTF-8 (and arXiv serves it as such); decoding here means a page without a charset
    # declaration is not read as Latin-1, and a stray invalid byte becomes U+FFFD instead of a parse error.
    page = clean_text(body.decode("utf-8", errors="replace"))
    try:
        root = lxml.html.document_fromstring(page, parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise FullTextError(Problem.UNREADABLE, f"unreadable HTML: {exc}", url) from None
    titles = root.xpath("//h1[contains(@class, 'ltx_title_document')]") or root.xpath("//title")
    title = _heading(titles[0]) if titles else ""
    abstracts = root.xpath("//div[contains(@class, 'ltx_abstract')]")
    abstract = ""
    if abstracts:
        parts: list[str] = []
        for child in abstracts[0]:
            if not (isinstance(child.tag, str) and child.tag.lower().startswith("h")):
                _collect(child, parts)
        abstract = " ".join(p for p in parts if p)
    tops = [
        el for el in root.xpath("//section") if _classes(el) & set(_TOP_CLASSES) and not el.xpath("ancestor::section")
    ]
    sections = [_section(el) for el in tops]
    if not any(s.text for s in sections):
        # A paper without \section (a short note): its paragraphs outside the abstract are the body.
        outside = "//p[not(ancestor::div[contains(@class, 'ltx_abstract')])]"
        paragraphs = [_flat(_inline_text(p)) for p in root.xpath(outside)]
        text = "\n".join(p for p in paragraphs if p)
        sections = [Section("Body", SectionKind.OTHER, text)] if text else []
    if not any(s.text for s in sections):
        raise FullTextError(Problem.NO_TEXT, "the HTML page holds no paper text", url)
    return FullText(TextSource.HTML, title, tuple(sections), abstract=abstract, figure=_first_figure(root))
