"""Parser for OAI-PMH ListRecords pages (oaipmh.arxiv.org/oai): arXivRaw, arXiv and oai_dc records.

Protocol and formats: https://info.arxiv.org/help/oa/index.html. Public through
`paperbrief.sources.arxiv.parse`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from lxml import etree

from paperbrief.models import Paper, split_arxiv_id
from paperbrief.sources.arxiv._xml import (
    ARXIV_OAI,
    ARXIV_RAW,
    DC,
    OAI,
    OAI_DC,
    arxiv_categories,
    as_utc,
    child_text,
    child_texts,
    normalize,
    parse_datetime,
    parse_xml,
    sanitize_body,
    split_authors,
)
from paperbrief.sources.arxiv.errors import ArxivOAIError, ArxivParseError


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
        identifier = child_text(record, f"{{{OAI}}}header/{{{OAI}}}identifier") or "?"
        raise ArxivParseError(f"OAI-PMH record {identifier}: {normalize(str(exc))}", url) from exc


def _oai_record(record: etree._Element, url: str) -> OaiRecord:
    header = record.find(f"{{{OAI}}}header")
    if header is None:
        raise ArxivParseError("OAI-PMH record without a header", url)
    identifier = child_text(header, f"{{{OAI}}}identifier") or ""
    stamp = child_text(header, f"{{{OAI}}}datestamp")
    try:
        datestamp = dt.date.fromisoformat(stamp[:10]) if stamp else None
    except ValueError as exc:
        raise ArxivParseError(f"OAI-PMH record {identifier}: bad datestamp {stamp!r}", url) from exc
    sets = child_texts(header, f"{{{OAI}}}setSpec")
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
        versions.append(
            (int(label) if label.isdigit() else 1, as_utc(parse_datetime(child_text(version, f"{ns}date"))))
        )
    versions.sort(key=lambda v: v[0])
    categories = arxiv_categories((child_text(node, f"{ns}categories") or "").split())
    return Paper(
        arxiv_id=_split_id(child_text(node, f"{ns}id"), url),
        version=versions[-1][0] if versions else 1,
        title=child_text(node, f"{ns}title") or "",
        authors=split_authors(child_text(node, f"{ns}authors"), split_and=True),
        abstract=child_text(node, f"{ns}abstract") or "",
        categories=categories,
        primary_category=categories[0] if categories else None,
        published=versions[0][1] if versions else None,
        updated=versions[-1][1] if versions else None,
        comment=child_text(node, f"{ns}comments"),
        journal_ref=child_text(node, f"{ns}journal-ref"),
        doi=child_text(node, f"{ns}doi"),
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
        parts = [
            child_text(author, f"{ns}forenames"),
            child_text(author, f"{ns}keyname"),
            child_text(author, f"{ns}suffix"),
        ]
        name = " ".join(p for p in parts if p)
        if name:
            authors.append(name)
    categories = arxiv_categories((child_text(node, f"{ns}categories") or "").split())
    created = _date_as_datetime(child_text(node, f"{ns}created"))
    return Paper(
        arxiv_id=_split_id(child_text(node, f"{ns}id"), url),
        # The `arXiv` format carries no version number; arXivRaw does (paperbrief's default).
        version=1,
        title=child_text(node, f"{ns}title") or "",
        authors=authors,
        abstract=child_text(node, f"{ns}abstract") or "",
        categories=categories,
        primary_category=categories[0] if categories else None,
        published=created,
        updated=_date_as_datetime(child_text(node, f"{ns}updated")) or created,
        comment=child_text(node, f"{ns}comments"),
        journal_ref=child_text(node, f"{ns}journal-ref"),
        doi=child_text(node, f"{ns}doi"),
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
    descriptions = child_texts(node, f"{{{DC}}}description")
    authors = []
    for creator in child_texts(node, f"{{{DC}}}creator"):
        last, _, first = creator.partition(", ")
        authors.append(normalize(f"{first} {last}") if first else last)
    dates = [d for d in (_date_as_datetime(v) for v in child_texts(node, f"{{{DC}}}date")) if d]
    categories = arxiv_categories([c for c in (_set_category(s) for s in sets) if c])
    return Paper(
        arxiv_id=_split_id(identifier, url),
        version=1,  # oai_dc carries no version number either
        title=child_text(node, f"{{{DC}}}title") or "",
        authors=authors,
        abstract=descriptions[0] if descriptions else "",
        categories=categories,
        primary_category=categories[0] if categories else None,
        published=dates[0] if dates else None,
        updated=dates[-1] if dates else None,
        comment=descriptions[1] if len(descriptions) > 1 else None,
    )
