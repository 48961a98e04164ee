"""Typed, one-line errors of full-text reading; each names what went wrong so the caller can note it.

The caller (the pipeline) turns every `FullTextError` into a note on the paper and falls back to
the abstract-only summary: a bad paper never fails a run (issue 13, "Bad input").
"""

from __future__ import annotations

from enum import StrEnum


class Problem(StrEnum):
    """Why a paper's full text or figure could not be used (a closed set: notes, logs and tests key on it)."""

    NO_HTML = "no_html"  # arXiv has no HTML rendering (404): the fetcher falls back to the PDF
    NOT_FOUND = "not_found"  # neither HTML nor PDF exists for this version
    WITHDRAWN = "withdrawn"  # the version is withdrawn: there is no text to read
    NOT_PDF = "not_pdf"  # the PDF URL answered something that is not a PDF
    ENCRYPTED_PDF = "encrypted_pdf"  # the PDF needs a password
    NO_TEXT = "no_text"  # no text layer (a scan) or an empty document
    TOO_LARGE = "too_large"  # a body over the byte limit
    UNREADABLE = "unreadable"  # the HTML or PDF could not be parsed
    NETWORK = "network"  # the request failed after the polite client's retries
    NOT_IMAGE = "not_image"  # a figure that is not a raster image
    SVG_IMAGE = "svg_image"  # an SVG figure: refused (it can carry scripts)
    IMAGE_TOO_LARGE = "image_too_large"  # a figure over the pixel limit (decompression bomb)
    NO_FIGURE = "no_figure"  # the paper has no usable figure


class FullTextError(Exception):
    """A paper's full text (or figure) cannot be used; `str()` is one line naming the problem and the URL."""

    def __init__(self, problem: Problem, message: str, url: str = "") -> None:
        self.problem = problem
        self.message = " ".join(message.split())
        self.url = url
        super().__init__(f"{self.message} ({url})" if url else self.message)


class FigureError(FullTextError):
    """A figure was refused (not an image, SVG, too many pixels, unreadable)."""
