"""Feedback in (issue 12): parse `feedback import` CSV files and turn ids and labels into store events."""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import hmac
import io
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from paperbrief.models import split_arxiv_id
from paperbrief.select.learn import FeedbackAction
from paperbrief.store.feedback import FeedbackRow, NewFeedback

CSV_HEADER = ("arxiv_id", "label")


class FeedbackInputError(ValueError):
    """An id or label that cannot be feedback; the message says which and why, in one line."""


@dataclass
class ImportReport:
    """What `feedback import` read: the good events (kept) and one line per bad row."""

    events: list[NewFeedback] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def feedback_event(raw_id: str, label: str, source: str) -> NewFeedback:
    """One event from an id (with or without version) and a label; FeedbackInputError if either is bad."""
    try:
        arxiv_id, version = split_arxiv_id(raw_id)
    except ValueError as exc:
        raise FeedbackInputError(f"not an arXiv id: {raw_id.strip()!r}") from exc
    try:
        action = FeedbackAction(label.strip().lower())
    except ValueError as exc:
        labels = ", ".join(a.value for a in FeedbackAction)
        raise FeedbackInputError(f"unknown label {label.strip()!r} (expected one of {labels})") from exc
    return NewFeedback(arxiv_id=arxiv_id, action=action.value, version=version, source=source)


def parse_feedback_csv(text: str, source: str = "import") -> ImportReport:
    """Events of a CSV with header `arxiv_id,label`; bad rows are reported by line number, good ones kept."""
    report = ImportReport()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None or tuple(h.strip().lower() for h in header[:2]) != CSV_HEADER:
        raise FeedbackInputError(f"line 1: the header must be {','.join(CSV_HEADER)}, got {','.join(header or [])!r}")
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 2:
            report.problems.append(f"line {line}: expected arxiv_id,label, got {','.join(row)!r}")
            continue
        try:
            report.events.append(feedback_event(row[0], row[1], source))
        except FeedbackInputError as exc:
            report.problems.append(f"line {line}: {exc}")
    return report


def feedback_csv(rows: Sequence[FeedbackRow]) -> str:
    """Events as `feedback import` reads them (oldest first, so importing replays the same latest state)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow([f"{row.arxiv_id}v{row.version}" if row.version else row.arxiv_id, row.action])
    return out.getvalue()


class LinkError(ValueError):
    """A one-click feedback link that is malformed, forged, tampered with or expired."""


@dataclass(frozen=True)
class LinkClaim:
    """What a valid signed link says: who, which paper, which action, valid until when (Unix seconds)."""

    reader: str
    arxiv_id: str
    action: str
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_link(secret: str, claim: LinkClaim) -> str:
    """An HMAC-SHA256-signed token (https://datatracker.ietf.org/doc/html/rfc2104) carrying the claim."""
    body = json.dumps([claim.reader, claim.arxiv_id, claim.action, claim.expires], separators=(",", ":"))
    payload = _b64(body.encode("utf-8"))
    mac = hmac.new(secret.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac)}"


def verify_link(secret: str, token: str, now: float | None = None) -> LinkClaim:
    """The claim of a token this secret signed; LinkError when forged, tampered with or expired."""
    payload, _, mac = token.partition(".")
    expected = hmac.new(secret.encode("utf-8"), payload.encode("ascii", "replace"), hashlib.sha256).digest()
    try:
        given = _unb64(mac)
    except (ValueError, binascii.Error) as exc:
        raise LinkError("malformed feedback link") from exc
    if not payload or not hmac.compare_digest(given, expected):
        raise LinkError("this feedback link is not valid (signature mismatch)")
    try:
        reader, arxiv_id, action, expires = json.loads(_unb64(payload))
        claim = LinkClaim(str(reader), str(arxiv_id), FeedbackAction(action).value, int(expires))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise LinkError("malformed feedback link") from exc
    if claim.expires < (time.time() if now is None else now):
        raise LinkError("this feedback link has expired")
    return claim


def link_source(token: str) -> str:
    """The `source` recorded for a link's event: names the token (by hash), so each link counts once."""
    return "link:" + hashlib.sha256(token.encode("ascii", "replace")).hexdigest()[:24]


# The actions a one-click link offers (hide stays on the site and the CLI: one stray click is too costly).
LINK_ACTIONS = (("like", "👍"), ("dislike", "👎"), ("save", "🔖"))


@dataclass(frozen=True)
class FeedbackLinks:
    """Builds one-click feedback URLs to a public `paperbrief serve` for one reader (issue 12)."""

    base_url: str
    secret: str
    reader: str = "me"
    valid_days: int = 14

    def url(self, arxiv_id: str, action: str, now: float | None = None) -> str:
        """A signed `…/feedback?t=TOKEN` URL, valid for `valid_days`."""
        expires = int((time.time() if now is None else now) + self.valid_days * 86400)
        token = sign_link(self.secret, LinkClaim(self.reader, arxiv_id, FeedbackAction(action).value, expires))
        return f"{self.base_url.rstrip('/')}/feedback?t={token}"

    def for_paper(self, arxiv_id: str) -> list[tuple[str, str]]:
        """(emoji, URL) of each link action, in the order 👍 👎 🔖."""
        return [(emoji, self.url(arxiv_id, action)) for action, emoji in LINK_ACTIONS]
