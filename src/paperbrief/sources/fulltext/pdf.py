"""Extract a paper's text from its PDF with pypdf (BSD) and find the sections by their headings.

pypdf: https://pypdf.readthedocs.io/en/stable/user/extract-text.html. A numbered heading is a line
`N Title` (or `N. Title`, roman `IV. Title`) whose number follows the previous heading's; unnumbered
`Abstract`, `References`, `Acknowledgements` and `Appendix` lines count too. Everything after the
references is treated as appendix. Refused: not a PDF, encrypted, no text layer, over the size limit.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PyPdfError

from paperbrief.sources.fulltext.errors import FullTextError, Problem
from paperbrief.sources.fulltext.model import FullText, Section, SectionKind, TextSource
from paperbrief.sources.fulltext.sections import classify_heading
from paperbrief.text import clean_text

DEFAULT_MAX_PDF_BYTES = 30 * 1024 * 1024  # arXiv's own submission limit is 50 MB; papers with text are far smaller
DEFAULT_MAX_PAGES = 60  # enough for the body of nearly any paper; the rest is appendix
MIN_TEXT_CHARS = 200  # less than this over the pages read means a scan without a text layer

_NUMBERED_RE = re.compile(r"^(?P<num>\d{1,2}|[IVX]{1,5})\.?\s+(?P<title>[A-Z][^\n]{1,80})$")
_UNNUMBERED = {
    "abstract": SectionKind.OTHER,
    "references": SectionKind.REFERENCES,
    "bibliography": SectionKind.REFERENCES,
    "acknowledgements": SectionKind.ACKNOWLEDGEMENTS,
    "acknowledgments": SectionKind.ACKNOWLEDGEMENTS,
    "acknowledgement": SectionKind.ACKNOWLEDGEMENTS,
    "acknowledgment": SectionKind.ACKNOWLEDGEMENTS,
    "appendix": SectionKind.APPENDIX,
}
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10, "XI": 11}


@dataclass
class _Open:
    heading: str
    kind: SectionKind
    lines: list[str]


def _number(token: str) -> int | None:
    return int(token) if token.isdigit() else _ROMAN.get(token)


def _heading_of(line: str, expected: int) -> tuple[str, SectionKind, bool] | None:
    """(heading, kind, numbered) if `line` is a section heading here, else None."""
    bare = line.strip().rstrip(".").lower()
    if bare in _UNNUMBERED:
        return line.strip().rstrip("."), _UNNUMBERED[bare], False
    match = _NUMBERED_RE.match(line.strip())
    if match is None or _number(match["num"]) != expected:
        return None
    title = match["title"].strip()
    words = title.split()
    # A heading is short and wordy; a table row ("16 71.5 83.1") or a sentence is not.
    if len(words) > 10 or title.endswith((".", ",", ";")) or sum(w[0].isdigit() for w in words) > 1:
        return None
    return title, classify_heading(title), True


def split_sections(text: str) -> list[Section]:
    """Cut extracted PDF text into sections at the headings (see the module docstring)."""
    sections: list[_Open] = [_Open("Front matter", SectionKind.OTHER, [])]
    expected = 1
    after_references = False
    for line in text.splitlines():
        found = _heading_of(line, expected)
        if found is not None and not (after_references and found[2]):
            heading, kind, numbered = found
            expected += 1 if numbered else 0
            after_references = after_references or kind is SectionKind.REFERENCES
            sections.append(_Open(heading, kind, []))
        elif after_references and re.match(r"^[A-H]\.?\s+[A-Z]\w+", line.strip()) and len(line) < 80:
            sections.append(_Open(line.strip(), SectionKind.APPENDIX, []))  # "A Hyperparameters"
        else:
            sections[-1].lines.append(line)
    out = []
    for section in sections:
        body = "\n".join(section.lines).strip()
        # pypdf hyphenates at line ends as the PDF does ("accu-\nracy"): join those back.
        body = re.sub(r"(\w)-\n(\w)", r"\1\2", body)
        if body or section.kind is not SectionKind.OTHER:
            out.append(Section(section.heading, section.kind, body))
    return [s for s in out if s.text or s.kind is not SectionKind.OTHER]


def _open(body: bytes, url: str) -> PdfReader:
    """A pypdf reader for `body`; `FullTextError` for an encrypted or unparseable file."""
    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FullTextError(Problem.ENCRYPTED_PDF, "the PDF is encrypted (password required)", url)
    except (DependencyError, FileNotDecryptedError):
        # pypdf needs `cryptography` for AES; without it an AES-encrypted file cannot be opened at all.
        raise FullTextError(Problem.ENCRYPTED_PDF, "the PDF is encrypted (password required)", url) from None
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise FullTextError(Problem.UNREADABLE, f"unreadable PDF: {type(exc).__name__}: {exc}", url) from None
    return reader


def parse_pdf(
    body: bytes, url: str = "", *, max_bytes: int = DEFAULT_MAX_PDF_BYTES, max_pages: int = DEFAULT_MAX_PAGES
) -> FullText:
    """Extract a PDF's text into sections; `FullTextError` if not a PDF, encrypted, too large or without text."""
    if len(body) > max_bytes:
        raise FullTextError(Problem.TOO_LARGE, f"PDF is {len(body):,} bytes, over the {max_bytes:,}-byte limit", url)
    # ISO 32000-1 §7.5.2: the header `%PDF-` is in the first line; readers accept it within the first KiB.
    if b"%PDF-" not in body[:1024]:
        raise FullTextError(Problem.NOT_PDF, "the response is not a PDF", url)
    reader = _open(body, url)
    notes: list[str] = []
    try:
        pages = reader.pages
        total = len(pages)
        texts = [pages[i].extract_text() or "" for i in range(min(total, max_pages))]
    except FullTextError:
        raise
    except Exception as exc:  # pypdf raises many types on broken streams; any of them means "unreadable"
        raise FullTextError(Problem.UNREADABLE, f"unreadable PDF: {type(exc).__name__}: {exc}", url) from None
    if total > max_pages:
        notes.append(f"PDF cut after {max_pages} of {total} pages")
    text = clean_text("\n".join(texts))
    if len("".join(text.split())) < MIN_TEXT_CHARS:
        raise FullTextError(Problem.NO_TEXT, "the PDF has no text layer (a scan or images only)", url)
    sections = split_sections(text)
    title = ""
    front = next((s for s in sections if s.heading == "Front matter"), None)
    if front is not None:
        title = front.text.splitlines()[0].strip() if front.text else ""
    abstract = next((s.text for s in sections if s.heading.lower() == "abstract"), "")
    body_sections = tuple(s for s in sections if s.heading not in ("Front matter",) and s.heading.lower() != "abstract")
    if not body_sections:
        body_sections = (Section("Body", SectionKind.OTHER, text.strip()),)
    return FullText(TextSource.PDF, title, body_sections, abstract=" ".join(abstract.split()), notes=tuple(notes))
