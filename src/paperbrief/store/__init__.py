"""The store: the only module that talks to the database."""

from paperbrief.store.db import Store, StoreError

__all__ = ["Store", "StoreError"]
