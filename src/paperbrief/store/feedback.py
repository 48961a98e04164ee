"""Feedback events (issue 12): likes, dislikes, saves and hides of each reader, in arrival order."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from paperbrief.store.base import StoreBase, as_utc, clean, now
from paperbrief.store.schema import feedback, papers


@dataclass(frozen=True)
class FeedbackRow:
    """One stored feedback event; `version` is None when the reader gave the id without one."""

    reader: str
    arxiv_id: str
    version: int | None
    action: str
    time: dt.datetime
    source: str
    known: bool = True


@dataclass(frozen=True)
class NewFeedback:
    """A feedback event to store (`time` defaults to now)."""

    arxiv_id: str
    action: str
    version: int | None = None
    source: str = "cli"
    time: dt.datetime | None = None


class FeedbackStore(StoreBase):
    """`add_feedback`, `feedback_events`, `feedback_fingerprint`, `feedback_readers`."""

    def add_feedback(self, reader: str, events: Sequence[NewFeedback]) -> int:
        """Store a reader's events in one transaction (all or none); returns how many."""
        stamp = now()
        rows = [
            {
                "reader": clean(reader),
                "arxiv_id": clean(e.arxiv_id),
                "version": e.version,
                "action": str(e.action),
                "time": e.time or stamp,
                "source": clean(e.source),
            }
            for e in events
        ]
        if not rows:
            return 0
        with self.transaction() as conn:
            conn.execute(feedback.insert(), rows)
        return len(rows)

    def feedback_events(self, reader: str) -> list[FeedbackRow]:
        """A reader's events, oldest first; `known` says whether the paper is in the store yet."""
        stored = sa.exists().where(papers.c.arxiv_id == feedback.c.arxiv_id)
        query = sa.select(feedback, stored.label("known")).where(feedback.c.reader == reader).order_by(feedback.c.id)
        with self.reading() as conn:
            return [
                FeedbackRow(
                    reader=r.reader,
                    arxiv_id=r.arxiv_id,
                    version=r.version,
                    action=r.action,
                    time=as_utc(r.time) or now(),
                    source=r.source,
                    known=bool(r.known),
                )
                for r in conn.execute(query)
            ]

    def feedback_fingerprint(self, reader: str) -> str:
        """A hash of the reader's feedback: changes whenever an event is added (the model cache key)."""
        query = sa.select(sa.func.count(), sa.func.max(feedback.c.id)).where(feedback.c.reader == reader)
        with self.reading() as conn:
            count, last = conn.execute(query).one()
        return hashlib.sha256(f"{reader}\0{count}\0{last}".encode()).hexdigest()

    def feedback_readers(self) -> list[str]:
        """Every reader with at least one event, by name."""
        with self.reading() as conn:
            return list(conn.execute(sa.select(feedback.c.reader).distinct().order_by(feedback.c.reader)).scalars())

    def feedback_source_used(self, reader: str, source: str) -> bool:
        """Whether the reader already has an event from this source (a one-click link is single-use)."""
        query = sa.select(feedback.c.id).where(feedback.c.reader == reader, feedback.c.source == source).limit(1)
        with self.reading() as conn:
            return conn.execute(query).first() is not None

    def latest_feedback(self, reader: str) -> dict[str, str]:
        """The reader's latest action per paper (what the site's buttons show)."""
        return {row.arxiv_id: row.action for row in self.feedback_events(reader)}
