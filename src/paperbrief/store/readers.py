"""Per-reader derived data: each reader's cached ranking model, keyed by a fingerprint of its inputs."""

from __future__ import annotations

import sqlalchemy as sa

from paperbrief.store.base import StoreBase, now
from paperbrief.store.schema import reader_models


class ReadersStore(StoreBase):
    """`cached_reader_model` and `put_reader_model`."""

    def cached_reader_model(self, reader: str, fingerprint: str) -> bytes | None:
        """The reader's model bytes if they were built from inputs with this fingerprint, else None."""
        query = sa.select(reader_models.c.model).where(
            reader_models.c.reader == reader, reader_models.c.fingerprint == fingerprint
        )
        with self.reading() as conn:
            value = conn.execute(query).scalar()
        return bytes(value) if value is not None else None

    def put_reader_model(self, reader: str, fingerprint: str, model: bytes) -> None:
        """Replace the reader's cached model."""
        row = {"reader": reader, "fingerprint": fingerprint, "model": model, "updated": now()}
        with self.transaction() as conn:
            self.upsert(conn, reader_models, [row], ["reader"])
