"""What every arXiv XML parser shares: namespaces, the safe lxml parser, body repair, text helpers.

The format parsers (`_parse_feed`, `_parse_api`, `_parse_oai`) build on these; the public entry
points are re-exported by `paperbrief.sources.arxiv.parse`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re

from lxml import etree

from paperbrief.sources.arxiv.errors import ArxivParseError, short_url
from paperbrief.text import clean_text, has_forbidden_chars

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
DC = "http://purl.org/dc/elements/1.1/"
OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
ARXIV_RAW = "http://arxiv.org/OAI/arXivRaw/"
ARXIV_OAI = "http://arxiv.org/OAI/arXiv/"

# arXiv subject classes (cs.AI, hep-th, math-ph, q-bio.BM); ACM (I.2.6) and MSC (68T05) codes do not match.
_CATEGORY_RE = re.compile(r"^[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?$")
# A character reference (`&#0;`, `&#x1F;`) may name a character XML 1.0 forbids as well as a raw byte can.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_CHAR_REF_RE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


def normalize(text: str | None) -> str:
    """Collapse runs of whitespace (arXiv hard-wraps titles and abstracts) into single spaces."""
    return " ".join(text.split()) if text else ""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def sanitize_body(body: bytes, url: str = "") -> tuple[bytes, list[str]]:
    """`body` without the characters XML 1.0 forbids (raw or as `&#…;`), and a note when any were removed.

    One NUL byte in one abstract makes the whole response malformed XML, which used to fail the day
    after every retry (issue 11); the text is cleaned here, at the edge, with `paperbrief.text.clean_text`.
    A body that is not UTF-8 is returned as it is (arXiv's endpoints all answer in UTF-8).
    """
    # The common case has nothing to look at: two substring scans and a C-speed byte deletion
    # (a regex over a 3 MB feed costs ~30-50 ms, these ~3 ms).
    clean_bytes = len(body.translate(None, _CONTROL_BYTES)) == len(body)
    if clean_bytes and b"&#" not in body and b"\xef\xbf" not in body:
        return body, []
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body, []
    removed = 0

    def drop_forbidden_ref(match: re.Match[str]) -> str:
        nonlocal removed
        code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
        if code > 0x10FFFF or has_forbidden_chars(chr(code)):
            removed += 1
            return ""
        return match.group(0)

    text = _CHAR_REF_RE.sub(drop_forbidden_ref, text)
    cleaned = clean_text(text)
    removed += len(text) - len(cleaned)
    if not removed:
        return body, []
    where = f" in {short_url(url)}" if url else ""
    note = f"removed {removed} character(s) XML 1.0 forbids (NUL or another control character){where}"
    return cleaned.encode("utf-8"), [note]


def parse_xml(body: bytes, url: str = "") -> etree._Element:
    """Parse a response body; an empty or malformed one is an `ArxivParseError`."""
    if not body or not body.strip():
        raise ArxivParseError("empty response body", url)
    try:
        return etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise ArxivParseError(f"malformed XML: {exc}", url) from exc


def child_text(parent: etree._Element, tag: str) -> str | None:
    """The normalized text of `parent`'s first `tag` child; None when absent or blank."""
    node = parent.find(tag)
    if node is None:
        return None
    value = normalize("".join(node.itertext()))
    return value or None


def child_texts(parent: etree._Element, tag: str) -> list[str]:
    """The normalized text of every `tag` child of `parent`, in document order."""
    return [normalize("".join(n.itertext())) for n in parent.iterfind(tag)]


def parse_datetime(value: str | None) -> dt.datetime | None:
    """An ISO 8601 or RFC 822 timestamp (naive = UTC); None when absent or unreadable."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value.strip())
        except (TypeError, ValueError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """`value` converted to UTC (None stays None)."""
    return value.astimezone(dt.UTC) if value is not None else None


def arxiv_categories(terms: list[str], primary: str | None = None) -> list[str]:
    """The arXiv subject classes among `terms`, `primary` first, deduplicated; other codes dropped."""
    out: list[str] = []
    for term in ([primary] if primary else []) + terms:
        if term and _CATEGORY_RE.match(term) and term not in out:
            out.append(term)
    return out


def split_authors(text: str | None, *, split_and: bool = False) -> list[str]:
    """Split `A (Affil, X), B and C` into names: commas at parenthesis depth 0, affiliations dropped."""
    if not text:
        return []
    names: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0:
            names.append("".join(current))
            current = []
        elif depth == 0:
            current.append(char)
    names.append("".join(current))
    out: list[str] = []
    for name in names:
        parts = re.split(r"\s+and\s+", name) if split_and else [name]
        out.extend(n for n in (normalize(p) for p in parts) if n)
    return out
