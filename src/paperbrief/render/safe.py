"""Untrusted text made safe to show, applied by every renderer at render time.

Stored text may still hold characters that XML 1.0 and PostgreSQL forbid (a NUL byte in a title
imported with `--from-json` before the store cleaned it) or bidirectional controls that reorder
what follows them: an unclosed RIGHT-TO-LEFT OVERRIDE (U+202E) in an author name reverses the rest
of the line (https://www.unicode.org/reports/tr9/#Explicit_Directional_Overrides, the "Trojan
Source" problem, https://trojansource.codes/). Renderers never trust the store: `clean_model`
returns a digest (or any model) whose strings are cleaned, copying only what changes.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar, cast

from pydantic import BaseModel

from paperbrief.models import Digest, DigestEntry
from paperbrief.text import clean_text, has_forbidden_chars

# Explicit embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI).
_BIDI_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")

# In JSON the C0 controls are escapes, `\b`, `\f` or `\u00XX`, after an odd run of backslashes (an
# even run is escaped backslashes: `\\beta` is LaTeX); U+FFFE/U+FFFF and the bidi controls appear
# as themselves. Three patterns, not one alternation: each starts with a literal or a class, which
# `re` scans for quickly (0.4 ms for a 30-paper day, against 2.6 ms for walking the model).
_JSON_CHARS_RE = re.compile("[\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
_JSON_ESCAPE_HINT_RE = re.compile(r"\\(?:[bf]|u00[01])")
_JSON_ESCAPE_RE = re.compile(r"(\\+)(?:[bf]|u00(?:0[0-8bcef]|1[0-9a-f]))")

M = TypeVar("M", bound=BaseModel)


def has_bidi_controls(text: str) -> bool:
    """Whether `text` holds an explicit bidi embedding, override or isolate control."""
    return _BIDI_RE.search(text) is not None


def strip_bidi_controls(text: str) -> str:
    """`text` without bidi embedding/override/isolate controls (U+202A–U+202E, U+2066–U+2069)."""
    return _BIDI_RE.sub("", text)


def display_text(text: str) -> str:
    """`text` as a reader may see it: no forbidden characters and no bidi controls."""
    if has_forbidden_chars(text):
        text = clean_text(text)
    return strip_bidi_controls(text) if has_bidi_controls(text) else text


def clean_model(model: M, *, bidi: bool = True) -> M:
    """`model` with every string in it (nested models, lists and dicts included) made safe.

    Forbidden characters are always removed; with `bidi` (every output meant to be read) the bidi
    controls too. Returns `model` itself when nothing needs cleaning, else a copy of what changed.
    """
    if not _may_need_cleaning(model):
        return model
    return cast(M, _clean_value(model, bidi))


def clean_digest(digest: Digest, *, bidi: bool = True) -> Digest:
    """`clean_model(digest, bidi=bidi)`, looked over entry by entry: a 10,000-paper day is never one JSON string.

    The whole-digest check serializes the day at once (~40 MB of JSON at 10,000 papers, more while
    it grows), which was most of the write stage's memory peak (issue 15, docs/benchmarks.md).
    """
    bare = digest.model_copy(update={"entries": []})
    head = clean_model(bare, bidi=bidi)
    entries = [clean_model(entry, bidi=bidi) for entry in digest.entries]
    return _rebuilt(digest, bare, head, entries)


def clean_digest_views(digest: Digest) -> tuple[Digest, Digest]:
    """`(clean_digest(digest), clean_digest(digest, bidi=False))` with one look at each entry for both.

    The look (`_may_need_cleaning`) is the costly part and does not depend on `bidi`: a record it
    passes is the same object in both views; only records that need cleaning are cleaned twice.
    """
    bare = digest.model_copy(update={"entries": []})
    head_shown, head_data = _clean_both(bare)
    shown: list[DigestEntry] = []
    data: list[DigestEntry] = []
    for entry in digest.entries:
        entry_shown, entry_data = _clean_both(entry)
        shown.append(entry_shown)
        data.append(entry_data)
    return _rebuilt(digest, bare, head_shown, shown), _rebuilt(digest, bare, head_data, data)


def _clean_both(model: M) -> tuple[M, M]:
    """`(clean_model(model), clean_model(model, bidi=False))`, looking at `model` once."""
    if not _may_need_cleaning(model):
        return model, model
    return cast(M, _clean_value(model, True)), cast(M, _clean_value(model, False))


def _rebuilt(digest: Digest, bare: Digest, head: Digest, entries: list[DigestEntry]) -> Digest:
    """What `clean_digest` returns for these cleaned parts: `digest` itself when nothing changed."""
    if head is bare and all(new is old for new, old in zip(entries, digest.entries, strict=True)):
        return digest
    return head.model_copy(update={"entries": entries})


def _may_need_cleaning(model: BaseModel) -> bool:
    """A fast look over the model as JSON (serialized in Rust): False only when nothing can need cleaning."""
    try:
        dumped = model.model_dump_json(warnings=False)
    except Exception:  # e.g. a lone surrogate: let the walk decide
        return True
    # `isascii` is O(1) in CPython (a flag of the string); every character looked for is beyond ASCII.
    if not dumped.isascii() and _JSON_CHARS_RE.search(dumped) is not None:
        return True
    if _JSON_ESCAPE_HINT_RE.search(dumped) is None:
        return False
    return any(len(m.group(1)) % 2 == 1 for m in _JSON_ESCAPE_RE.finditer(dumped))


def _clean_str(text: str, bidi: bool) -> str:
    return display_text(text) if bidi else (clean_text(text) if has_forbidden_chars(text) else text)


def _clean_value(value: Any, bidi: bool) -> Any:
    if value is None or isinstance(value, int | float | bool):
        return value
    if isinstance(value, str):
        return _clean_str(value, bidi)
    if isinstance(value, BaseModel):
        updates = {}
        for name, old in value.__dict__.items():  # pydantic keeps a model's field values in __dict__
            new = _clean_value(old, bidi)
            if new is not old:
                updates[name] = new
        return value.model_copy(update=updates) if updates else value
    if isinstance(value, list):
        items = [_clean_value(item, bidi) for item in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if isinstance(value, dict):
        pairs = [(_clean_value(k, bidi), _clean_value(v, bidi)) for k, v in value.items()]
        changed = any(k is not ok or v is not ov for (k, v), (ok, ov) in zip(pairs, value.items(), strict=True))
        return dict(pairs) if changed else value
    return value
