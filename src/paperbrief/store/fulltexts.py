"""Full texts and first figures read from arXiv, cached by paper version (issue 13, docs/fulltext.md).

A version is read once: a rerun takes the text (or the reason there is none) and the re-encoded
figure from here; a new version is another key and is read again. The store keeps plain data
(`FullTextRecord`); converting to and from the full-text library's types is the caller's job.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from paperbrief.store.base import StoreBase, chunks, clean, now
from paperbrief.store.schema import fulltexts


@dataclass(frozen=True)
class FullTextRecord:
    """One paper version as read: its text source, text (JSON, None for abstract only), notes and figure."""

    arxiv_id: str
    version: int
    source: str  # html, pdf or abstract
    text_json: str | None = None
    notes: list[list[str]] = field(default_factory=list)  # [problem, message] pairs
    figure: bytes | None = None
    figure_type: str | None = None
    figure_width: int = 0
    figure_height: int = 0
    figure_caption: str = ""


class FullTextsStore(StoreBase):
    """`get_fulltexts` and `put_fulltext`: the full-text cache."""

    def get_fulltexts(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], FullTextRecord]:
        """Cached full texts for (id, version) keys; a missing key has never been read."""
        wanted = set(keys)
        found: dict[tuple[str, int], FullTextRecord] = {}
        with self.reading() as conn:
            for chunk in chunks(sorted({i for i, _ in wanted}), 500):
                for row in conn.execute(sa.select(fulltexts).where(fulltexts.c.arxiv_id.in_(chunk))):
                    if (row.arxiv_id, row.version) in wanted:
                        found[(row.arxiv_id, row.version)] = _record(row)
        return found

    def put_fulltext(self, record: FullTextRecord) -> None:
        """Store one paper version's full text and figure (replacing an earlier read of the same version)."""
        text_z = zlib.compress(clean(record.text_json).encode("utf-8")) if record.text_json is not None else None
        row = {
            "arxiv_id": record.arxiv_id,
            "version": record.version,
            "source": record.source,
            "text_z": text_z,
            "notes": clean([list(n) for n in record.notes]),
            "figure": record.figure,
            "figure_type": record.figure_type,
            "figure_width": record.figure_width,
            "figure_height": record.figure_height,
            "figure_caption": clean(record.figure_caption),
            "fetched": now(),
        }
        with self.transaction() as conn:
            self.upsert(conn, fulltexts, [row], ["arxiv_id", "version"])


def _record(row: sa.Row[tuple[object, ...]]) -> FullTextRecord:
    m = row._mapping
    text_z = m["text_z"]
    return FullTextRecord(
        arxiv_id=str(m["arxiv_id"]),
        version=int(m["version"]),
        source=str(m["source"]),
        text_json=zlib.decompress(bytes(text_z)).decode("utf-8") if text_z is not None else None,
        notes=[[str(a), str(b)] for a, b in m["notes"]],
        figure=bytes(m["figure"]) if m["figure"] is not None else None,
        figure_type=m["figure_type"],
        figure_width=int(m["figure_width"] or 0),
        figure_height=int(m["figure_height"] or 0),
        figure_caption=str(m["figure_caption"] or ""),
    )
