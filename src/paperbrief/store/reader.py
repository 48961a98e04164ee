"""Reader data and small keyed values: the reading list, cached artifacts, persisted state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from paperbrief.store.base import StoreBase, as_utc, clean, now
from paperbrief.store.rows import ReadingItem
from paperbrief.store.schema import artifacts, reading_list, state

# The reader of a single-reader setup, and the owner of every digest and reading list stored before m011.
DEFAULT_READER = "me"


class ReaderStore(StoreBase):
    """Reading list (`add_reading_items`, `reading_items`), artifacts and key/value state."""

    def add_reading_items(self, items: Sequence[Mapping[str, Any]], reader: str = DEFAULT_READER) -> int:
        """Add or update items of a reader's reading list (`item_id`, `source`, `title`, `text`, `arxiv_id`)."""
        fields = ("item_id", "source", "title", "text", "arxiv_id")
        rows = [{**{k: clean(item.get(k)) for k in fields}, "reader": reader, "added": now()} for item in items]
        if not rows:
            return 0
        with self.transaction() as conn:
            return self.upsert(conn, reading_list, rows, ["reader", "item_id"])

    def reading_items(self, reader: str = DEFAULT_READER) -> list[ReadingItem]:
        """Every item of a reader's reading list (m011: each reader has their own), by id."""
        query = sa.select(reading_list).where(reading_list.c.reader == reader).order_by(reading_list.c.item_id)
        with self.reading() as conn:
            rows = conn.execute(query)
            return [
                ReadingItem(
                    item_id=r.item_id,
                    source=r.source,
                    title=r.title,
                    text=r.text,
                    arxiv_id=r.arxiv_id,
                    added=as_utc(r.added),
                )
                for r in rows
            ]

    def get_artifact(self, kind: str, key: str) -> Any | None:
        """A cached derived value, e.g. a day's highlights."""
        with self.reading() as conn:
            return conn.execute(
                sa.select(artifacts.c.value).where(artifacts.c.kind == kind, artifacts.c.key == key)
            ).scalar()

    def put_artifact(self, kind: str, key: str, value: Any) -> None:
        """Cache a derived value (JSON)."""
        row = {"kind": kind, "key": clean(key), "value": clean(value), "created": now()}
        with self.transaction() as conn:
            self.upsert(conn, artifacts, [row], ["kind", "key"])

    def get_state(self, key: str) -> str | None:
        """A persisted value, or None."""
        with self.reading() as conn:
            value = conn.execute(sa.select(state.c.value).where(state.c.key == key)).scalar()
            return str(value) if value is not None else None

    def set_state(self, key: str, value: str | None) -> None:
        """Persist (or with None, forget) a value."""
        with self.transaction() as conn:
            if value is None:
                conn.execute(state.delete().where(state.c.key == key))
            else:
                self.upsert(conn, state, [{"key": key, "value": clean(value), "updated": now()}], ["key"])
