"""Parsers for arXiv's XML: announcement feeds (Atom and RSS 2.0), the search API's Atom, OAI-PMH.

Public so that a saved response (a recorded feed, an API answer) can be read without a network:
`parse_announcement`, `parse_api` and `parse_oai` take the body bytes and return typed pages.

Namespace-aware, order-independent, with entities, DTDs and network access disabled.
Formats: https://info.arxiv.org/help/atom_specifications.html,
https://info.arxiv.org/help/rss_specifications.html,
https://info.arxiv.org/help/api/user-manual.html#_details_of_atom_results_returned,
https://info.arxiv.org/help/oa/index.html.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import dataclass, field

from lxml import etree

from paperbrief.models import AnnounceType, Paper, split_arxiv_id
from paperbrief.sources.arxiv.errors import ArxivAPIError, ArxivFeedError, ArxivOAIError, ArxivParseError, short_url
from paperbrief.sources.arxiv.schedule import feed_date_of
from paperbrief.text import clean_text, has_forbidden_chars

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
DC = "http://purl.org/dc/elements/1.1/"
OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
ARXIV_RAW = "http://arxiv.org/OAI/arXivRaw/"
ARXIV_OAI = "http://arxiv.org/OAI/arXiv/"

FEED_ERROR_PREFIX = "Feed error for query"

__all__ = [
    "ApiPage",
    "FeedPage",
    "OaiPage",
    "OaiRecord",
    "parse_announcement",
    "parse_api",
    "parse_oai",
    "sanitize_body",
    "split_authors",
]

# arXiv subject classes (cs.AI, hep-th, math-ph, q-bio.BM); ACM (I.2.6) and MSC (68T05) codes do not match.
_CATEGORY_RE = re.compile(r"^[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?$")
# A character reference (`&#0;`, `&#x1F;`) may name a character XML 1.0 forbids as well as a raw byte can.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_CHAR_REF_RE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_DESCRIPTION_RE = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:)?(?P<abstract>.*)$", re.DOTALL
)


@dataclass
class FeedPage:
    """One announcement feed: its date (None only for a dateless empty feed) and its items."""

    date: dt.date | None
    papers: list[Paper] = field(default_factory=list)
    title: str = ""
    notes: list[str] = field(default_factory=list)  # what was repaired while reading (forbidden characters)


@dataclass
class ApiPage:
    """One page of the search API: opensearch counters and the entries, parsed."""

    total: int | None
    start: int | None
    per_page: int | None
    papers: list[Paper] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was repaired while reading (forbidden characters)


@dataclass
class OaiRecord:
    """One OAI-PMH record: the paper (None when deleted), its datestamp and sets."""

    identifier: str
    datestamp: dt.date | None
    sets: list[str]
    paper: Paper | None


@dataclass
class OaiPage:
    """One ListRecords page and the resumption token of the next (None at the end)."""

    records: list[OaiRecord] = field(default_factory=list)
    token: str | None = None
    notes: list[str] = field(default_factory=list)  # what was repaired while reading (forbidden characters)


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


def _text(parent: etree._Element, tag: str) -> str | None:
    node = parent.find(tag)
    if node is None:
        return None
    value = normalize("".join(node.itertext()))
    return value or None


def _texts(parent: etree._Element, tag: str) -> list[str]:
    return [normalize("".join(n.itertext())) for n in parent.iterfind(tag)]


def _datetime(value: str | None) -> dt.datetime | None:
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


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.UTC) if value is not None else None


def _categories(terms: list[str], primary: str | None = None) -> list[str]:
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


# --- announcement feeds (rss.arxiv.org) ----------------------------------------------------


def parse_announcement(body: bytes, url: str = "") -> FeedPage:
    """Parse an rss.arxiv.org feed, Atom or RSS 2.0; "Feed error for query" → `ArxivFeedError`."""
    body, notes = sanitize_body(body, url)
    root = parse_xml(body, url)
    page: FeedPage | None = None
    if root.tag == f"{{{ATOM}}}feed":
        page = _parse_atom_feed(root, url)
    elif root.tag == "rss" and (channel := root.find("channel")) is not None:
        page = _parse_rss_channel(channel, url)
    if page is not None:
        page.notes.extend(notes)
        return page
    raise ArxivParseError(f"not an announcement feed (root element {root.tag!r})", url)


def _parse_atom_feed(root: etree._Element, url: str) -> FeedPage:
    title = _text(root, f"{{{ATOM}}}title") or ""
    if title.startswith(FEED_ERROR_PREFIX):
        detail = _text(root, f"{{{ATOM}}}subtitle") or _feed_error_detail(root) or title
        raise ArxivFeedError(f"arXiv feed error: {detail}", url)
    papers: list[Paper] = []
    dates: list[dt.date] = []
    for entry in root.iterfind(f"{{{ATOM}}}entry"):
        published = _datetime(_text(entry, f"{{{ATOM}}}published"))
        if published is not None:
            dates.append(feed_date_of(published))
        categories = [c.get("term", "") for c in entry.iterfind(f"{{{ATOM}}}category")]
        papers.append(
            _announced_paper(
                raw_id=_text(entry, f"{{{ATOM}}}id"),
                link=_atom_link(entry),
                title=_text(entry, f"{{{ATOM}}}title"),
                description="".join(entry.find(f"{{{ATOM}}}summary").itertext())
                if entry.find(f"{{{ATOM}}}summary") is not None
                else "",
                categories=categories,
                announce_type=_text(entry, f"{{{ARXIV}}}announce_type"),
                creators=_text(entry, f"{{{DC}}}creator"),
                doi=_text(entry, f"{{{ARXIV}}}DOI") or _text(entry, f"{{{ARXIV}}}doi"),
                journal_ref=_text(entry, f"{{{ARXIV}}}journal_reference"),
                url=url,
            )
        )
    date = dates[0] if dates else None
    if date is None:
        # An empty Atom feed has no <published>: its build time (just after midnight ET) dates it.
        updated = _datetime(_text(root, f"{{{ATOM}}}updated"))
        date = feed_date_of(updated) if updated else None
    for paper in papers:
        paper.announced = date
    return FeedPage(date=date, papers=papers, title=title)


def _feed_error_detail(root: etree._Element) -> str | None:
    for entry in root.iterfind(f"{{{ATOM}}}entry"):
        return _text(entry, f"{{{ATOM}}}summary") or _text(entry, f"{{{ATOM}}}title")
    return None


def _atom_link(entry: etree._Element) -> str | None:
    for link in entry.iterfind(f"{{{ATOM}}}link"):
        if link.get("rel", "alternate") == "alternate":
            href: str | None = link.get("href")
            return href
    return None


def _parse_rss_channel(channel: etree._Element, url: str) -> FeedPage:
    title = _text(channel, "title") or ""
    if title.startswith(FEED_ERROR_PREFIX):
        detail = _text(channel, "description") or title
        raise ArxivFeedError(f"arXiv feed error: {detail}", url)
    pub = _datetime(_text(channel, "pubDate"))
    date = feed_date_of(pub) if pub else None
    papers: list[Paper] = []
    for item in channel.iterfind("item"):
        if date is None:
            item_pub = _datetime(_text(item, "pubDate"))
            date = feed_date_of(item_pub) if item_pub else None
        papers.append(
            _announced_paper(
                raw_id=_text(item, "guid"),
                link=_text(item, "link"),
                title=_text(item, "title"),
                description="".join(item.find("description").itertext())
                if item.find("description") is not None
                else "",
                categories=_texts(item, "category"),
                announce_type=_text(item, f"{{{ARXIV}}}announce_type"),
                creators=_text(item, f"{{{DC}}}creator"),
                doi=_text(item, f"{{{ARXIV}}}DOI") or _text(item, f"{{{ARXIV}}}doi"),
                journal_ref=_text(item, f"{{{ARXIV}}}journal_reference"),
                url=url,
            )
        )
    for paper in papers:
        paper.announced = date
    return FeedPage(date=date, papers=papers, title=title)


def _announced_paper(
    *,
    raw_id: str | None,
    link: str | None,
    title: str | None,
    description: str,
    categories: list[str],
    announce_type: str | None,
    creators: str | None,
    doi: str | None,
    journal_ref: str | None,
    url: str,
) -> Paper:
    match = _DESCRIPTION_RE.match(description or "")
    abstract = match.group("abstract") if match else description
    kind = announce_type or (match.group("type") if match else None)
    candidates = [c for c in (raw_id, match.group("id") if match else None, link) if c]
    arxiv_id: str | None = None
    version: int | None = None
    for candidate in candidates:
        try:
            arxiv_id, version = split_arxiv_id(candidate)
        except ValueError:
            continue
        if version is not None:
            break
    if arxiv_id is None:
        raise ArxivParseError(f"feed item without an arXiv id: {candidates[:1] or title!r}", url)
    try:
        announce = AnnounceType(kind) if kind else None
    except ValueError as exc:
        raise ArxivParseError(f"unknown announce type {kind!r} for {arxiv_id}", url) from exc
    return Paper(
        arxiv_id=arxiv_id,
        version=version or 1,
        title=normalize(title),
        authors=split_authors(creators),
        abstract=normalize(abstract),
        categories=_categories(categories),
        # The feed does not flag the primary; arXiv lists it first (enrichment confirms it).
        primary_category=None,
        doi=doi,
        journal_ref=journal_ref,
        announce_type=announce,
    )


# --- search API (export.arxiv.org/api/query) -----------------------------------------------


def parse_api(body: bytes, url: str = "") -> ApiPage:
    """Parse an API Atom page; its error feed (`…/api/errors#…`) → `ArxivAPIError`."""
    body, notes = sanitize_body(body, url)
    root = parse_xml(body, url)
    if root.tag != f"{{{ATOM}}}feed":
        raise ArxivParseError(f"not an Atom feed (root element {root.tag!r})", url)
    papers: list[Paper] = []
    for entry in root.iterfind(f"{{{ATOM}}}entry"):
        entry_id = _text(entry, f"{{{ATOM}}}id") or ""
        if "/api/errors" in entry_id:
            message = _text(entry, f"{{{ATOM}}}summary") or entry_id
            raise ArxivAPIError(f"arXiv API error: {message}", url)
        try:
            papers.append(_api_paper(entry, entry_id, url))
        except (ValueError, TypeError) as exc:  # includes pydantic's ValidationError
            raise ArxivParseError(f"API entry {entry_id}: {normalize(str(exc))}", url) from exc
    return ApiPage(
        total=_int(_text(root, f"{{{OPENSEARCH}}}totalResults")),
        start=_int(_text(root, f"{{{OPENSEARCH}}}startIndex")),
        per_page=_int(_text(root, f"{{{OPENSEARCH}}}itemsPerPage")),
        papers=papers,
        notes=notes,
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _api_paper(entry: etree._Element, entry_id: str, url: str) -> Paper:
    try:
        arxiv_id, version = split_arxiv_id(entry_id)
    except ValueError as exc:
        raise ArxivParseError(f"API entry with an unreadable id {entry_id!r}", url) from exc
    primary_node = entry.find(f"{{{ARXIV}}}primary_category")
    primary = primary_node.get("term") if primary_node is not None else None
    categories = _categories([c.get("term", "") for c in entry.iterfind(f"{{{ATOM}}}category")], primary)
    authors = [name for a in entry.iterfind(f"{{{ATOM}}}author") if (name := _text(a, f"{{{ATOM}}}name"))]
    return Paper(
        arxiv_id=arxiv_id,
        version=version or 1,
        title=_text(entry, f"{{{ATOM}}}title") or "",
        authors=authors,
        abstract=_text(entry, f"{{{ATOM}}}summary") or "",
        categories=categories,
        primary_category=primary or (categories[0] if categories else None),
        published=_utc(_datetime(_text(entry, f"{{{ATOM}}}published"))),
        updated=_utc(_datetime(_text(entry, f"{{{ATOM}}}updated"))),
        comment=_text(entry, f"{{{ARXIV}}}comment"),
        journal_ref=_text(entry, f"{{{ARXIV}}}journal_ref"),
        doi=_text(entry, f"{{{ARXIV}}}doi"),
    )


# --- OAI-PMH (oaipmh.arxiv.org/oai) --------------------------------------------------------


def parse_oai(body: bytes, url: str = "") -> OaiPage:
    """Parse a ListRecords page (arXivRaw, arXiv or oai_dc); `noRecordsMatch` is an empty page."""
    body, notes = sanitize_body(body, url)
    root = parse_xml(body, url)
    if root.tag != f"{{{OAI}}}OAI-PMH":
        raise ArxivParseError(f"not an OAI-PMH response (root element {root.tag!r})", url)
    error = root.find(f"{{{OAI}}}error")
    if error is not None:
        code = error.get("code", "")
        if code == "noRecordsMatch":
            return OaiPage()
        raise ArxivOAIError(f"OAI-PMH error {code}: {normalize(error.text)}", url, code=code)
    listing = root.find(f"{{{OAI}}}ListRecords")
    if listing is None:
        raise ArxivParseError("OAI-PMH response without ListRecords", url)
    records = [_oai_record_checked(r, url) for r in listing.iterfind(f"{{{OAI}}}record")]
    token_node = listing.find(f"{{{OAI}}}resumptionToken")
    token = normalize(token_node.text) if token_node is not None else ""
    return OaiPage(records=records, token=token or None, notes=notes)


def _oai_record_checked(record: etree._Element, url: str) -> OaiRecord:
    # A bad value in one record (e.g. a datestamp that is not ISO 8601) is a typed, one-line parse
    # error naming the record and the URL, not a bare ValueError ("Invalid isoformat string").
    try:
        return _oai_record(record, url)
    except ArxivParseError:
        raise
    except (ValueError, TypeError) as exc:
        identifier = _text(record, f"{{{OAI}}}header/{{{OAI}}}identifier") or "?"
        raise ArxivParseError(f"OAI-PMH record {identifier}: {normalize(str(exc))}", url) from exc


def _oai_record(record: etree._Element, url: str) -> OaiRecord:
    header = record.find(f"{{{OAI}}}header")
    if header is None:
        raise ArxivParseError("OAI-PMH record without a header", url)
    identifier = _text(header, f"{{{OAI}}}identifier") or ""
    stamp = _text(header, f"{{{OAI}}}datestamp")
    try:
        datestamp = dt.date.fromisoformat(stamp[:10]) if stamp else None
    except ValueError as exc:
        raise ArxivParseError(f"OAI-PMH record {identifier}: bad datestamp {stamp!r}", url) from exc
    sets = _texts(header, f"{{{OAI}}}setSpec")
    if header.get("status") == "deleted":
        return OaiRecord(identifier, datestamp, sets, None)
    metadata = record.find(f"{{{OAI}}}metadata")
    paper: Paper | None = None
    if metadata is not None:
        raw = metadata.find(f"{{{ARXIV_RAW}}}arXivRaw")
        full = metadata.find(f"{{{ARXIV_OAI}}}arXiv")
        dc = metadata.find(f"{{{OAI_DC}}}dc")
        if raw is not None:
            paper = _arxiv_raw_paper(raw, url)
        elif full is not None:
            paper = _arxiv_format_paper(full, url)
        elif dc is not None:
            paper = _oai_dc_paper(dc, identifier, sets, url)
    if paper is None:
        raise ArxivParseError(f"OAI-PMH record {identifier} has no arXivRaw/arXiv/oai_dc metadata", url)
    return OaiRecord(identifier, datestamp, sets, paper)


def _split_id(value: str | None, url: str) -> str:
    try:
        return split_arxiv_id(value or "")[0]
    except ValueError as exc:
        raise ArxivParseError(f"OAI-PMH record with an unreadable id {value!r}", url) from exc


def _arxiv_raw_paper(node: etree._Element, url: str) -> Paper:
    ns = f"{{{ARXIV_RAW}}}"
    versions: list[tuple[int, dt.datetime | None]] = []
    for version in node.iterfind(f"{ns}version"):
        label = version.get("version", "v1").lstrip("v")
        versions.append((int(label) if label.isdigit() else 1, _utc(_datetime(_text(version, f"{ns}date")))))
    versions.sort(key=lambda v: v[0])
    categories = _categories((_text(node, f"{ns}categories") or "").split())
    return Paper(
        arxiv_id=_split_id(_text(node, f"{ns}id"), url),
        version=versions[-1][0] if versions else 1,
        title=_text(node, f"{ns}title") or "",
        authors=split_authors(_text(node, f"{ns}authors"), split_and=True),
        abstract=_text(node, f"{ns}abstract") or "",
        categories=categories,
        primary_category=categories[0] if categories else None,
        published=versions[0][1] if versions else None,
        updated=versions[-1][1] if versions else None,
        comment=_text(node, f"{ns}comments"),
        journal_ref=_text(node, f"{ns}journal-ref"),
        doi=_text(node, f"{ns}doi"),
    )


def _date_as_datetime(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(value[:10]), dt.time(), tzinfo=dt.UTC)
    except ValueError:
        return None


def _arxiv_format_paper(node: etree._Element, url: str) -> Paper:
    ns = f"{{{ARXIV_OAI}}}"
    authors: list[str] = []
    for author in node.iterfind(f"{ns}authors/{ns}author"):
        parts = [_text(author, f"{ns}forenames"), _text(author, f"{ns}keyname"), _text(author, f"{ns}suffix")]
        name = " ".join(p for p in parts if p)
        if name:
            authors.append(name)
    categories = _categories((_text(node, f"{ns}categories") or "").split())
    created = _date_as_datetime(_text(node, f"{ns}created"))
    return Paper(
        arxiv_id=_split_id(_text(node, f"{ns}id"), url),
        # The `arXiv` format carries no version number; arXivRaw does (paperbrief's default).
        version=1,
        title=_text(node, f"{ns}title") or "",
        authors=authors,
        abstract=_text(node, f"{ns}abstract") or "",
        categories=categories,
        primary_category=categories[0] if categories else None,
        published=created,
        updated=_date_as_datetime(_text(node, f"{ns}updated")) or created,
        comment=_text(node, f"{ns}comments"),
        journal_ref=_text(node, f"{ns}journal-ref"),
        doi=_text(node, f"{ns}doi"),
    )


def _set_category(spec: str) -> str | None:
    # cs:cs:AI → cs.AI; physics:math-ph → math-ph; math:math:MP → math.MP
    parts = spec.split(":")
    if len(parts) == 3:
        return f"{parts[1]}.{parts[2]}"
    if len(parts) == 2:
        return parts[1]
    return None


def _oai_dc_paper(node: etree._Element, identifier: str, sets: list[str], url: str) -> Paper:
    descriptions = _texts(node, f"{{{DC}}}description")
    authors = []
    for creator in _texts(node, f"{{{DC}}}creator"):
        last, _, first = creator.partition(", ")
        authors.append(normalize(f"{first} {last}") if first else last)
    dates = [d for d in (_date_as_datetime(v) for v in _texts(node, f"{{{DC}}}date")) if d]
    categories = _categories([c for c in (_set_category(s) for s in sets) if c])
    return Paper(
        arxiv_id=_split_id(identifier, url),
        version=1,  # oai_dc carries no version number either
        title=_text(node, f"{{{DC}}}title") or "",
        authors=authors,
        abstract=descriptions[0] if descriptions else "",
        categories=categories,
        primary_category=categories[0] if categories else None,
        published=dates[0] if dates else None,
        updated=dates[-1] if dates else None,
        comment=descriptions[1] if len(descriptions) > 1 else None,
    )
