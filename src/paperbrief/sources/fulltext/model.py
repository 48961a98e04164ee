"""The data of a paper read in full: sections of plain text, the first figure, where the text came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class TextSource(StrEnum):
    """Where a summary's text came from; shown to readers and part of the summary cache key."""

    HTML = "html"  # arXiv's LaTeXML rendering, https://arxiv.org/html/{id}v{version}
    PDF = "pdf"  # text extracted from https://arxiv.org/pdf/{id}v{version}
    ABSTRACT = "abstract"  # no usable full text: the abstract only


class SectionKind(StrEnum):
    """What a section is, from its heading (and LaTeXML's class for references and appendices)."""

    INTRODUCTION = "introduction"
    METHOD = "method"
    EXPERIMENTS = "experiments"
    LIMITATIONS = "limitations"
    CONCLUSION = "conclusion"
    RELATED_WORK = "related_work"
    REFERENCES = "references"
    APPENDIX = "appendix"
    ACKNOWLEDGEMENTS = "acknowledgements"
    OTHER = "other"


@dataclass(frozen=True)
class Section:
    """One top-level section: its heading (without the number), what it is, and its plain text."""

    heading: str
    kind: SectionKind
    text: str


@dataclass(frozen=True)
class FigureRef:
    """The paper's first figure as found in the page: `src` relative to the HTML page, and its caption."""

    src: str
    caption: str


@dataclass(frozen=True)
class FullText:
    """A paper's text, reduced to plain text (nothing else from the page is kept) plus its first figure."""

    source: TextSource
    title: str
    sections: tuple[Section, ...]
    abstract: str = ""
    figure: FigureRef | None = None
    notes: tuple[str, ...] = field(default=())  # e.g. "PDF cut after 60 of 212 pages"

    @property
    def chars(self) -> int:
        """Characters of section text."""
        return sum(len(s.text) for s in self.sections)


@dataclass(frozen=True)
class Figure:
    """A re-encoded raster figure ready to be saved locally: bytes, MIME type, size and caption."""

    data: bytes
    media_type: str  # "image/png", "image/jpeg" or "image/webp"
    width: int
    height: int
    caption: str = ""
    source_url: str = ""

    @property
    def extension(self) -> str:
        """File name extension for `media_type` (`png`, `jpg`, `webp`)."""
        return {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}[self.media_type]
