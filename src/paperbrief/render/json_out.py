"""JSON output of a digest: the data model as one UTF-8 document with a `schema_version`.

Schema: docs/json-schema.md (prose) and docs/digest.schema.json (JSON Schema, generated from the
pydantic model by `digest_json_schema()`; https://json-schema.org/draft/2020-12).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from pydantic_core import PydanticSerializationError

from paperbrief.models import Digest, DigestEntry
from paperbrief.render.layout import ordered_entries, report_entries
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
    return iter_json_cleaned(clean_digest(digest, bidi=False))


def iter_json_cleaned(digest: Digest) -> Iterator[str]:
    """`iter_json` of a digest that already went through `clean_digest(digest, bidi=False)`."""
    head = {"schema_version": SCHEMA_VERSION, **digest.model_dump(mode="json", exclude={"entries"})}
    # Put an empty "entries" where the model has it, then splice the streamed entries into its place.
    keys = ["schema_version", *Digest.model_fields]
    document = {key: ([] if key == "entries" else head[key]) for key in keys}
    text = json.dumps(document, ensure_ascii=False, indent=2)
    marker = '\n  "entries": []'
    before, after = text.split(marker, 1)
    entries = report_entries(digest)
    if not entries:
        yield text + "\n"
        return
    yield before + '\n  "entries": ['
    for i, entry in enumerate(entries):
        yield ("," if i else "") + "\n    " + entry_json(entry).replace("\n", "\n    ")
    yield "\n  ]" + after + "\n"


def entry_json(entry: DigestEntry) -> str:
    """`json.dumps(entry.model_dump(mode="json"), ensure_ascii=False, indent=2)`, by pydantic's serializer where equal.

    The standard library's encoder is pure Python once `indent` is given (its C encoder has no
    indent); pydantic's Rust serializer writes the same text — UTF-8 kept, `": "` and `","`
    separators, `[]`/`{}` when empty, keys in model order — except for floats: below 1e-4 it writes
    `0.00003`/`3e-6` where Python writes `3e-05`, and `null` for NaN and infinities. An entry with
    such a float goes the standard library's way (tests/test_json_out.py pins both ways).
    """
    # Nested models serialize by their declared type; the entry itself by its own class, so only a plain
    # DigestEntry is known to hold no other floats than `_ENTRY_FLOATS`.
    known = type(entry) is DigestEntry and _ENTRY_FLOATS is not None
    if known and all(_same_float_text(value) for value in _float_values(entry, _ENTRY_FLOATS or ())):
        try:
            return entry.model_dump_json(indent=2)
        except PydanticSerializationError:
            pass  # e.g. a lone surrogate: the standard library's way shows what it makes of it
    return json.dumps(entry.model_dump(mode="json"), ensure_ascii=False, indent=2)


def _same_float_text(value: float) -> bool:
    """Whether pydantic writes `value` as `json.dumps` does (`repr`): finite, and 0 or at least 1e-4 in size."""
    return value == 0.0 or (math.isfinite(value) and abs(value) >= 1e-4)


def _float_values(model: BaseModel, paths: tuple[tuple[str, ...], ...]) -> Iterator[float]:
    for path in paths:
        value: Any = model
        for name in path:
            value = getattr(value, name)
            if value is None:
                break
        if isinstance(value, float):
            yield value


def _float_paths(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> tuple[tuple[str, ...], ...] | None:
    """Attribute paths of every float field in `model`'s tree of models; None when a float may hide elsewhere.

    "Elsewhere" is any float (or model, or `Any`) inside a list, dict or other container, where
    checking would mean walking every value.
    """
    paths: list[tuple[str, ...]] = []
    for name, info in model.model_fields.items():
        for kind in _leaf_types(info.annotation):
            if kind is float:
                paths.append((*prefix, name))
            elif isinstance(kind, type) and issubclass(kind, BaseModel):
                inner = _float_paths(kind, (*prefix, name))
                if inner is None:
                    return None
                paths.extend(inner)
            elif not _is_plain(kind):
                return None
    return tuple(paths)


def _leaf_types(annotation: Any) -> list[Any]:
    """The types an annotation allows, with `X | None` and unions unwrapped (`None` left out)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [leaf for arg in typing.get_args(annotation) for leaf in _leaf_types(arg)]
    return [] if annotation is type(None) else [annotation]


def _is_plain(kind: Any) -> bool:
    """A type both serializers write alike: strings, ints, bools, enums, dates, or containers of those."""
    if typing.get_origin(kind) in (list, tuple, set, frozenset, dict):
        return all(_is_plain(arg) for arg in typing.get_args(kind) if arg is not Ellipsis)
    return isinstance(kind, type) and issubclass(kind, str | int | bool | dt.date | enum.Enum)


# The float fields of an entry, found once from the model (None: the standard library always).
_ENTRY_FLOATS = _float_paths(DigestEntry)


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
