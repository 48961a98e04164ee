"""JSON output of a digest: the data model as one UTF-8 document with a `schema_version`.

Schema: docs/json-schema.md (prose) and docs/digest.schema.json (JSON Schema, generated from the
pydantic model by `digest_json_schema()`; https://json-schema.org/draft/2020-12).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pydantic import Field, ValidationError

from paperbrief.models import Digest
from paperbrief.render.layout import ordered_entries
from paperbrief.render.safe import clean_digest

# Bump on any change a consumer could notice (renamed/removed field, changed meaning).
SCHEMA_VERSION = 1


class DigestJSONError(ValueError):
    """A JSON document is not a paperbrief digest of a supported schema version."""


class DigestDocument(Digest):
    """The JSON document of one digest: the `Digest` model plus `schema_version`."""

    schema_version: int = Field(
        default=SCHEMA_VERSION,
        description="Version of this document's schema; bumped on incompatible changes.",
    )


def digest_document(digest: Digest) -> dict[str, Any]:
    """The digest as a JSON-ready dict: entries in report order, numbered as in the Markdown report."""
    digest = clean_digest(digest, bidi=False)
    ordered = digest.model_copy(update={"entries": ordered_entries(digest)})
    body = ordered.model_dump(mode="json")
    # schema_version first so that a reader sees it before anything else.
    return {"schema_version": SCHEMA_VERSION, **body}


def render_json(digest: Digest) -> str:
    """The digest as JSON text: UTF-8 (no \\u escapes), indent 2, keys in model order, final newline."""
    return "".join(iter_json(digest))


def iter_json(digest: Digest) -> Iterator[str]:
    """`render_json` in chunks, one entry at a time, so a 10,000-paper day is never one dict in memory.

    The text is exactly `json.dumps(digest_document(digest), ensure_ascii=False, indent=2)` + newline.
    Characters XML 1.0 and PostgreSQL forbid are removed (the document can be imported again);
    bidi controls are kept: JSON is data, not a page someone reads.
    """
    digest = clean_digest(digest, bidi=False)
    head = {"schema_version": SCHEMA_VERSION, **digest.model_dump(mode="json", exclude={"entries"})}
    # Put an empty "entries" where the model has it, then splice the streamed entries into its place.
    keys = ["schema_version", *Digest.model_fields]
    document = {key: ([] if key == "entries" else head[key]) for key in keys}
    text = json.dumps(document, ensure_ascii=False, indent=2)
    marker = '\n  "entries": []'
    before, after = text.split(marker, 1)
    entries = ordered_entries(digest)
    if not entries:
        yield text + "\n"
        return
    yield before + '\n  "entries": ['
    for i, entry in enumerate(entries):
        item = json.dumps(entry.model_dump(mode="json"), ensure_ascii=False, indent=2)
        yield ("," if i else "") + "\n    " + item.replace("\n", "\n    ")
    yield "\n  ]" + after + "\n"


def load_digest_json(text: str) -> Digest:
    """Read back a digest written by `render_json` (raises `DigestJSONError` with one line)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DigestJSONError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise DigestJSONError("not a digest document: top level is not an object")
    version = data.pop("schema_version", None)
    if version != SCHEMA_VERSION:
        raise DigestJSONError(f"unsupported schema_version {version!r} (this paperbrief reads {SCHEMA_VERSION})")
    try:
        return Digest.model_validate(data)
    except ValidationError as exc:
        raise DigestJSONError(f"invalid digest document: {exc.errors()[0]['msg']}") from exc


def digest_json_schema() -> dict[str, Any]:
    """The JSON Schema of `render_json`'s output (what docs/digest.schema.json holds)."""
    schema = DigestDocument.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "paperbrief digest"
    schema["required"] = sorted({*schema.get("required", []), "schema_version"})
    return schema


def render_json_schema() -> str:
    """The JSON Schema as text, exactly as committed in docs/digest.schema.json."""
    return json.dumps(digest_json_schema(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":  # `python -m paperbrief.render.json_out > docs/digest.schema.json`
    print(render_json_schema(), end="")
