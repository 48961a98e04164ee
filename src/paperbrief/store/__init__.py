"""The store: the only module that talks to the database."""

from paperbrief.store.base import StoreError, sqlite_url
from paperbrief.store.db import Store
from paperbrief.store.fulltexts import FullTextRecord
from paperbrief.store.rows import ClaimRow, DeliveryRow, LLMCallRow, ReadingItem, RunRow

__all__ = [
    "ClaimRow",
    "DeliveryRow",
    "FullTextRecord",
    "LLMCallRow",
    "ReadingItem",
    "RunRow",
    "Store",
    "StoreError",
    "sqlite_url",
]
