"""The reader's interest profile: weighted topics plus a reading list imported from a file.

Formats: BibTeX (parsed by bibtexparser, https://bibtexparser.readthedocs.io/), a Zotero CSV export
(https://www.zotero.org/support/kb/exporting), RIS (https://en.wikipedia.org/wiki/RIS_(file_format))
and plain arXiv ids, one per line. A malformed entry never stops the import: valid entries are
stored in one transaction and every skipped entry is reported with its file and line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from paperbrief.models import Paper, split_arxiv_id
from paperbrief.select.rank import ProfileEntry

FetchIds = Callable[[Sequence[str]], list[Paper]]

NEEDS_SOURCE = "fetching abstracts needs the arXiv source"


class ReadingListError(ValueError):
    """The reading-list file as a whole cannot be imported; the message names the file and why."""


class ReadingListFormat(StrEnum):
    """Reading-list file formats."""

    AUTO = "auto"
    BIBTEX = "bibtex"
    CSV = "csv"
    RIS = "ris"
    IDS = "ids"


class ReadingStore(Protocol):
    """The two store methods the import needs (`paperbrief.store.Store` has them)."""

    def add_reading_items(self, items: Sequence[dict[str, Any]], reader: str = ...) -> int:
        """Add or update a reader's items in one transaction."""
        ...

    def reading_items(self, reader: str = ...) -> Sequence[Mapping[str, Any]]:
        """Every stored item of a reader's list."""
        ...


@dataclass(frozen=True)
class SkippedEntry:
    """One entry left out of an import, with where it is and why."""

    location: str
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


@dataclass
class ParsedReadingList:
    """Items read from a file, entries skipped, and arXiv ids whose abstracts must be fetched."""

    path: Path
    format: ReadingListFormat
    items: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[SkippedEntry] = field(default_factory=list)
    pending_ids: dict[str, str] = field(default_factory=dict)  # arXiv id -> location in the file
    seen: set[str] = field(default_factory=set)  # item ids already read


@dataclass
class ImportReport:
    """What `import_reading_list` did."""

    path: Path
    format: ReadingListFormat
    imported: int = 0
    fetched: int = 0
    already_stored: int = 0
    skipped: list[SkippedEntry] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Human-readable summary, one fact per line, skipped entries last."""
        out = [f"{self.path}: {self.imported} item(s) imported ({self.format.value})"]
        if self.fetched:
            out.append(f"{self.fetched} abstract(s) fetched from arXiv")
        if self.already_stored:
            out.append(f"{self.already_stored} arXiv id(s) already in the reading list")
        if self.skipped:
            out.append(f"{len(self.skipped)} entr{'y' if len(self.skipped) == 1 else 'ies'} skipped:")
            out.extend(f"  {s}" for s in self.skipped)
        return out


# --- format detection and reading -----------------------------------------------------------

_EXTENSIONS = {
    ".bib": ReadingListFormat.BIBTEX,
    ".bibtex": ReadingListFormat.BIBTEX,
    ".csv": ReadingListFormat.CSV,
    ".ris": ReadingListFormat.RIS,
}


def detect_format(path: Path, text: str) -> ReadingListFormat:
    """The format by extension, else by content (`@type{` BibTeX, `TY  -` RIS, commas CSV, else ids)."""
    by_ext = _EXTENSIONS.get(path.suffix.lower())
    if by_ext is not None:
        return by_ext
    head = "\n".join(line for line in text.splitlines()[:50] if line.strip())
    if re.search(r"^\s*@\w+\s*[{(]", head, re.MULTILINE):
        return ReadingListFormat.BIBTEX
    if re.search(r"^TY  -", head, re.MULTILINE):
        return ReadingListFormat.RIS
    first = head.splitlines()[0] if head else ""
    if first.count(",") >= 2 and "title" in first.lower():
        return ReadingListFormat.CSV
    return ReadingListFormat.IDS


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ReadingListError(f"reading list {path} not found") from None
    except OSError as exc:
        raise ReadingListError(f"cannot read reading list {path}: {exc.strerror or exc}") from exc
    try:
        return raw.decode("utf-8-sig")  # Zotero writes a BOM
    except UnicodeDecodeError as exc:
        raise ReadingListError(f"reading list {path} is not UTF-8 text (byte {exc.start})") from exc


def parse_reading_list(path: Path, fmt: ReadingListFormat | str = ReadingListFormat.AUTO) -> ParsedReadingList:
    """Read a reading-list file into items (nothing is stored or fetched here)."""
    text = _read_text(path)
    kind = ReadingListFormat(fmt)
    if kind is ReadingListFormat.AUTO:
        kind = detect_format(path, text)
    parsed = ParsedReadingList(path=path, format=kind)
    if kind is ReadingListFormat.BIBTEX:
        _parse_bibtex(text, parsed)
    elif kind is ReadingListFormat.CSV:
        _parse_csv(text, parsed)
    elif kind is ReadingListFormat.RIS:
        _parse_ris(text, parsed)
    else:
        _parse_ids(text, parsed)
    return parsed


# --- arXiv ids inside bibliographic records ----------------------------------------------------

_ARXIV_HINTS = (
    re.compile(r"arxiv\.org/(?:abs|pdf)/([\w.\-/]+?)(?:\.pdf)?(?=[\s?#\"'}]|$)", re.IGNORECASE),
    re.compile(r"10\.48550/arxiv\.([\w.\-/]+)", re.IGNORECASE),
    re.compile(r"arxiv\s*[:/]?\s*((?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?)", re.IGNORECASE),
)


def _arxiv_id_in(*texts: str | None) -> str | None:
    for text in texts:
        if not text:
            continue
        for pattern in _ARXIV_HINTS:
            for match in pattern.finditer(text):
                try:
                    return split_arxiv_id(match.group(1).rstrip("."))[0]
                except ValueError:
                    continue
    return None


def _item(
    source: str, key: str, title: str, abstract: str, arxiv_id: str | None, doi: str | None = None
) -> dict[str, Any]:
    # One id per paper across formats, so importing the same paper twice updates one row.
    if arxiv_id:
        item_id = f"arxiv:{arxiv_id}"
    elif doi:
        item_id = f"doi:{doi.strip().lower()}"
    elif key:
        item_id = f"{source}:{key}"
    else:
        item_id = f"{source}:title:{hashlib.sha1(_squash(title).lower().encode()).hexdigest()[:16]}"
    return {
        "item_id": item_id,
        "source": source,
        "title": _squash(title),
        "text": _squash(abstract),
        "arxiv_id": arxiv_id,
    }


def _squash(text: str | None) -> str:
    return " ".join((text or "").split())


# --- BibTeX -------------------------------------------------------------------------------


def _parse_bibtex(text: str, parsed: ParsedReadingList) -> None:
    from bibtexparser import model as bibmodel
    from bibtexparser.entrypoint import parse_string
    from bibtexparser.middlewares import LatexDecodingMiddleware

    # bibtexparser logs each failed block itself; the report says it once, with the line.
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)
    library = parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    name = parsed.path.name
    for block in library.failed_blocks:
        line = int(block.start_line or 0) + 1
        if isinstance(block, bibmodel.DuplicateBlockKeyBlock):
            reason = f"duplicate entry key {block.key!r} (the first one is kept)"
        else:
            first = (block.raw or "").strip().splitlines()[0][:60] if block.raw else ""
            reason = f"syntax error in entry starting {first!r} (unbalanced braces or quotes?)"
        parsed.skipped.append(SkippedEntry(f"{name}:{line}", reason))
    for entry in library.entries:
        fields = {k.lower(): str(f.value) for k, f in entry.fields_dict.items()}
        where = f"{name}:{int(entry.start_line or 0) + 1}"
        title = fields.get("title", "").replace("{", "").replace("}", "")
        if not title.strip():
            parsed.skipped.append(SkippedEntry(where, f"entry {entry.key!r} has no title"))
            continue
        arxiv_id = None
        eprint = fields.get("eprint")
        if eprint:
            try:
                arxiv_id = split_arxiv_id(eprint)[0]
            except ValueError:
                arxiv_id = None
        arxiv_id = arxiv_id or _arxiv_id_in(
            fields.get("url"), fields.get("doi"), fields.get("journal"), fields.get("note"), fields.get("howpublished")
        )
        abstract = fields.get("abstract", "").replace("{", "").replace("}", "")
        item = _item("bibtex", entry.key, title, abstract, arxiv_id, fields.get("doi"))
        _add(parsed, item, where)
    parsed.skipped.sort(key=lambda s: _line_of(s.location))


def _line_of(location: str) -> int:
    tail = location.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _add(parsed: ParsedReadingList, item: dict[str, Any], where: str) -> None:
    if item["item_id"] in parsed.seen:
        parsed.skipped.append(SkippedEntry(where, f"same paper as an earlier entry ({item['item_id']})"))
        return
    parsed.seen.add(item["item_id"])
    parsed.items.append(item)


# --- Zotero CSV ------------------------------------------------------------------------------


def _parse_csv(text: str, parsed: ParsedReadingList) -> None:  # noqa: C901 — issue 10 splits this function; the exemption goes with it
    name = parsed.path.name
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ReadingListError(f"reading list {parsed.path} is empty") from None
    except csv.Error as exc:
        raise ReadingListError(f"reading list {parsed.path}: bad CSV header: {exc}") from exc
    columns = {h.strip().lower(): i for i, h in enumerate(header)}
    if "title" not in columns:
        raise ReadingListError(f"reading list {parsed.path}: no 'Title' column (is it a Zotero CSV export?)")

    def cell(row: list[str], *names: str) -> str:
        for col in names:
            index = columns.get(col)
            if index is not None and index < len(row) and row[index].strip():
                return row[index]
        return ""

    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            parsed.skipped.append(
                SkippedEntry(f"{name}:{start}", f"unreadable CSV ({exc}); nothing after line {start} could be read")
            )
            break
        where = f"{name}:{start}"
        start = reader.line_num + 1
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            parsed.skipped.append(SkippedEntry(where, f"row has {len(row)} fields, the header has {len(header)}"))
            continue
        title = cell(row, "title")
        if not title.strip():
            parsed.skipped.append(SkippedEntry(where, "row has no title"))
            continue
        arxiv_id = _arxiv_id_in(
            cell(row, "url"),
            cell(row, "doi"),
            cell(row, "extra"),
            cell(row, "archive id"),
            cell(row, "publication title"),
        )
        item = _item(
            "zotero",
            cell(row, "key"),
            title,
            cell(row, "abstract note", "abstract"),
            arxiv_id,
            cell(row, "doi") or None,
        )
        _add(parsed, item, where)


# --- RIS -------------------------------------------------------------------------------------

_RIS_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")


def _parse_ris(text: str, parsed: ParsedReadingList) -> None:
    # A small strict reader rather than rispy: rispy silently drops records that lack `TY  -`,
    # and the import must name every entry it leaves out.
    name = parsed.path.name
    record: dict[str, list[str]] | None = None
    start = 0
    last_tag = ""
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.rstrip()
        if not line.strip():
            continue
        match = _RIS_LINE.match(line)
        if match is None:
            if record is not None and last_tag:
                record[last_tag][-1] += " " + line.strip()  # wrapped value (abstracts often wrap)
            else:
                parsed.skipped.append(SkippedEntry(f"{name}:{number}", f"not a RIS line: {line[:40]!r}"))
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            if record is not None:
                parsed.skipped.append(SkippedEntry(f"{name}:{start}", "record has no 'ER  -' end line"))
            record, start, last_tag = {"TY": [value]}, number, "TY"
            continue
        if record is None:
            parsed.skipped.append(SkippedEntry(f"{name}:{number}", f"'{tag}  -' line outside a record (no 'TY  -')"))
            continue
        if tag == "ER":
            _add_ris_record(parsed, record, f"{name}:{start}")
            record, last_tag = None, ""
            continue
        record.setdefault(tag, []).append(value)
        last_tag = tag
    if record is not None:
        parsed.skipped.append(SkippedEntry(f"{name}:{start}", "record has no 'ER  -' end line"))


def _add_ris_record(parsed: ParsedReadingList, record: dict[str, list[str]], where: str) -> None:
    def first(*tags: str) -> str:
        for tag in tags:
            if record.get(tag):
                return record[tag][0]
        return ""

    title = first("TI", "T1", "CT", "BT")
    if not title:
        parsed.skipped.append(SkippedEntry(where, "record has no title (TI/T1)"))
        return
    texts = [
        *record.get("UR", []),
        *record.get("DO", []),
        *record.get("M3", []),
        *record.get("N1", []),
        *record.get("JO", []),
        *record.get("T2", []),
    ]
    arxiv_id = _arxiv_id_in(*texts)
    item = _item("ris", first("ID"), title, first("AB", "N2"), arxiv_id, first("DO") or None)
    _add(parsed, item, where)


# --- plain arXiv ids -------------------------------------------------------------------------


def _parse_ids(text: str, parsed: ParsedReadingList) -> None:
    name = parsed.path.name
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.split("#", 1)[0].strip()
        if not line:
            continue
        token = line.split()[0]
        try:
            arxiv_id = split_arxiv_id(token)[0]
        except ValueError:
            parsed.skipped.append(SkippedEntry(f"{name}:{number}", f"not an arXiv id: {token[:40]!r}"))
            continue
        if arxiv_id in parsed.pending_ids:
            parsed.skipped.append(SkippedEntry(f"{name}:{number}", f"duplicate of {parsed.pending_ids[arxiv_id]}"))
            continue
        parsed.pending_ids[arxiv_id] = f"{name}:{number}"


# --- import ----------------------------------------------------------------------------------


def import_reading_list(
    path: Path,
    store: ReadingStore,
    *,
    fmt: ReadingListFormat | str = ReadingListFormat.AUTO,
    fetch_ids: FetchIds | None = None,
    reader: str = "me",
) -> ImportReport:
    """Parse a file, fetch the abstracts it lacks, and store every valid item in `reader`'s list in one transaction.

    Plain ids need `fetch_ids` (e.g. `ArxivSource.fetch_ids`); ids already stored with their text
    are not fetched again. BibTeX/CSV/RIS entries that name an arXiv id but carry no abstract get
    it fetched too when `fetch_ids` is given (else they keep their title only).
    """
    parsed = parse_reading_list(path, fmt)
    if not parsed.items and not parsed.pending_ids and not parsed.skipped:
        # Not even a malformed entry: the wrong file, or an empty export. Saying "0 imported" hides that.
        raise ReadingListError(f"no entries found in {path}")
    report = ImportReport(path=path, format=parsed.format, skipped=list(parsed.skipped))
    own = store.reading_items(reader)
    stored = {row["arxiv_id"]: row for row in own if row.get("arxiv_id") and row.get("text")}
    wanted: dict[str, str] = {}
    for arxiv_id, where in parsed.pending_ids.items():
        if arxiv_id in stored:
            report.already_stored += 1
        else:
            wanted[arxiv_id] = where
    if wanted and fetch_ids is None:
        raise ReadingListError(f"{path}: {len(wanted)} arXiv id(s) to import, but {NEEDS_SOURCE}")
    lacking = [it for it in parsed.items if it["arxiv_id"] and not it["text"] and it["arxiv_id"] not in stored]
    to_fetch = list(wanted) + [it["arxiv_id"] for it in lacking if it["arxiv_id"] not in wanted]
    fetched: dict[str, Paper] = {}
    if to_fetch and fetch_ids is not None:
        try:
            papers = fetch_ids(to_fetch)
        except Exception as exc:
            # A source that found some ids says so (ArxivMissingError.papers): keep those, report
            # the rest as skipped. Any other failure stores nothing; the file is untouched.
            partial = getattr(exc, "papers", None)
            if not isinstance(partial, list) or not all(isinstance(p, Paper) for p in partial):
                raise ReadingListError(
                    f"{path}: fetching {len(to_fetch)} abstract(s) from arXiv failed: {exc}"
                ) from exc
            papers = partial
        fetched = {p.arxiv_id: p for p in papers}
    items = list(parsed.items)
    for item in lacking:
        paper = fetched.get(item["arxiv_id"])
        if paper is not None:
            item["text"] = _squash(paper.abstract)
    for arxiv_id, where in wanted.items():
        paper = fetched.get(arxiv_id)
        if paper is None:
            report.skipped.append(SkippedEntry(where, f"arXiv returned no paper for {arxiv_id}"))
            continue
        items.append(_item("arxiv", arxiv_id, paper.title, paper.abstract, arxiv_id))
    report.fetched = sum(1 for a in to_fetch if a in fetched)
    report.imported = store.add_reading_items(items, reader) if items else 0
    return report


def profile_entries(topics: Mapping[str, float], reading_items: Sequence[Mapping[str, Any]]) -> list[ProfileEntry]:
    """The ranking queries: each weighted topic, then each reading-list item (title + text)."""
    entries = [
        ProfileEntry(label=t, text=t, weight=float(w), is_topic=True) for t, w in topics.items() if t.strip() and w > 0
    ]
    for row in reading_items:
        title = str(row.get("title") or "")
        text = str(row.get("text") or "")
        if not (title or text):
            continue
        label = title if len(title) <= 80 else title[:77] + "…"
        entries.append(ProfileEntry(label=label, text=f"{title}. {text}", weight=1.0, is_topic=False))
    return entries
