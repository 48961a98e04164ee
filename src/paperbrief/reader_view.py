"""What one reader's feedback changes in listings (search, weekly, export, MCP): hides, saves, their model.

A paper whose latest event is `hide` never appears; `saved` lists the papers whose latest event is
`save`; the learned model is loaded only once it is ready (`LearnedModel.ready_for_auto`:
AUTO_MIN_EVENTS usable events, one a like or save), as `--select auto` does (docs/feedback.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from paperbrief.models import Digest, Paper
from paperbrief.select.learn import AUTO_MIN_EVENTS, FeedbackAction, LearnedModel, LearnedRanker, reader_model
from paperbrief.select.rank import ProfileEntry
from paperbrief.store.reader import DEFAULT_READER

if TYPE_CHECKING:
    from paperbrief.store.db import Store

T = TypeVar("T")

SHARED_READER = DEFAULT_READER
"""The reader whose digests stand in for a reader without their own (the store's default reader, `me`)."""


def load_reader_digest(store: Store, day: dt.date, reader: str, *, prefer_language: str | None = None) -> Digest | None:
    """The reader's own digest of a day (lab mode, or a default reader named otherwise), else the shared one.

    A reader who only gives feedback has no digests of their own: they see the shared reader's
    (`me`) through their view (hidden papers left out by the caller).
    """
    digest = store.load_digest(day, prefer_language=prefer_language, reader=reader)
    if digest is None and reader != SHARED_READER:
        digest = store.load_digest(day, prefer_language=prefer_language, reader=SHARED_READER)
    return digest


@dataclass(frozen=True)
class ReaderView:
    """A reader's latest action per paper (in the order of those events) and their ready model, if any."""

    reader: str
    latest: dict[str, str] = field(default_factory=dict)
    model: LearnedModel | None = None

    @property
    def hidden(self) -> frozenset[str]:
        """Ids of the papers the reader hid (latest event `hide`)."""
        return frozenset(i for i, a in self.latest.items() if a == FeedbackAction.HIDE)

    @property
    def saved(self) -> list[str]:
        """Ids whose latest event is `save`, oldest save first."""
        return [i for i, a in self.latest.items() if a == FeedbackAction.SAVE]

    def visible(self, items: Sequence[T], arxiv_id: Callable[[T], str]) -> list[T]:
        """The items whose paper the reader did not hide (order kept)."""
        hidden = self.hidden
        return [item for item in items if arxiv_id(item) not in hidden]

    def scores(self, papers: Sequence[Paper]) -> dict[str, float]:
        """The model's score of each paper (higher: more the reader's); empty without a ready model."""
        if self.model is None or not papers:
            return {}
        # Every paper gets a score; exploration only moves places, never scores.
        return {s.arxiv_id: s.score for s in self.model.rank(papers, slots=len(papers))}


def latest_actions(events: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The latest action per paper of (arxiv_id, action) events given oldest first, in the order of those events."""
    latest: dict[str, str] = {}
    for arxiv_id, action in events:
        latest.pop(arxiv_id, None)  # re-insert: dict order is the order of each paper's latest event
        latest[arxiv_id] = action
    return latest


def load_reader_view(
    store: Store, reader: str, prior: Sequence[ProfileEntry] = (), *, ranker: LearnedRanker | None = None
) -> ReaderView:
    """The reader's view from the store; the model is fitted (or taken from cache) only when it can be ready."""
    latest = latest_actions((e.arxiv_id, e.action) for e in store.feedback_events(reader))
    positive = any(a in (FeedbackAction.LIKE, FeedbackAction.SAVE) for a in latest.values())
    model = None
    if len(latest) >= AUTO_MIN_EVENTS and positive:
        fitted = reader_model(store, reader, prior, ranker=ranker)
        model = fitted if fitted.ready_for_auto else None
    return ReaderView(reader=reader, latest=latest, model=model)
