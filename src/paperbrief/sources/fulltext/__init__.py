"""Full text and first figure of a paper: arXiv's HTML (LaTeXML) first, its PDF otherwise (issue 13).

`FullTextFetcher.fetch(id, version)` reads a paper through the polite arXiv client and returns a
`FullTextResult` (text, re-encoded figure, notes); `choose_sections(text, token_cap)` picks what the
prompt sends. See docs/fulltext.md.
"""

from paperbrief.sources.fulltext.errors import FigureError, FullTextError, Problem
from paperbrief.sources.fulltext.fetch import (
    DEFAULT_HTML_URL,
    DEFAULT_PDF_URL,
    FullTextFetcher,
    FullTextLimits,
    FullTextResult,
    Note,
    PoliteGetter,
    is_withdrawn,
)
from paperbrief.sources.fulltext.figures import ImageFormat, looks_like_svg, reencode_figure
from paperbrief.sources.fulltext.html import parse_html
from paperbrief.sources.fulltext.model import Figure, FigureRef, FullText, Section, SectionKind, TextSource
from paperbrief.sources.fulltext.pdf import parse_pdf
from paperbrief.sources.fulltext.sections import (
    CUT_MARK,
    DEFAULT_TOKEN_CAP,
    Excerpt,
    choose_sections,
    classify_heading,
    estimate_tokens,
)

__all__ = [
    "CUT_MARK",
    "DEFAULT_HTML_URL",
    "DEFAULT_PDF_URL",
    "DEFAULT_TOKEN_CAP",
    "Excerpt",
    "Figure",
    "FigureError",
    "FigureRef",
    "FullText",
    "FullTextError",
    "FullTextFetcher",
    "FullTextLimits",
    "FullTextResult",
    "ImageFormat",
    "Note",
    "PoliteGetter",
    "Problem",
    "Section",
    "SectionKind",
    "TextSource",
    "choose_sections",
    "classify_heading",
    "estimate_tokens",
    "is_withdrawn",
    "looks_like_svg",
    "parse_html",
    "parse_pdf",
    "reencode_figure",
]
