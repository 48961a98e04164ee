"""Small text helpers every stage shares: one-line error messages and text safe to store and render."""

from __future__ import annotations

import re

# Characters XML 1.0 forbids (https://www.w3.org/TR/xml/#charsets) — C0 controls other than tab,
# newline and carriage return, lone surrogates, U+FFFE and U+FFFF. NUL is among them, and
# PostgreSQL's text type rejects it too ("invalid byte sequence for encoding UTF8: 0x00").
_FORBIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (of its `.orig` for SQLAlchemy), or its type name."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def has_forbidden_chars(text: str) -> bool:
    """Whether `text` holds a character that XML 1.0 or PostgreSQL text cannot carry."""
    return _FORBIDDEN_RE.search(text) is not None


def clean_text(text: str) -> str:
    """`text` without the characters XML 1.0 and PostgreSQL forbid (NUL, most C0 controls, U+FFFE/F)."""
    return _FORBIDDEN_RE.sub("", text)
