"""A reader's learned model from the store: rebuilt when their feedback (or profile) changes, else cached."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from paperbrief.models import Paper
from paperbrief.select.learn.base import MODEL_VERSION, FeedbackEvent, ModelFormatError, ScoredPaper
from paperbrief.select.learn.fit import LearnedRanker
from paperbrief.select.learn.model import LearnedModel
from paperbrief.select.rank import ProfileEntry

if TYPE_CHECKING:
    from paperbrief.store.db import Store

# The unlabeled background of the classifier: the stored papers of the reader's last few days.
BACKGROUND_DAYS = 3


def model_fingerprint(store: Store, reader: str, prior: Sequence[ProfileEntry], ranker: LearnedRanker) -> str:
    """What the cached model depends on: feedback, which of its papers are stored, the prior, the knobs."""
    events = store.feedback_events(reader)
    parts = {
        "feedback": store.feedback_fingerprint(reader),
        "known": sum(1 for e in events if e.known),
        "days": [d.isoformat() for d in _background_days(store)],
        "prior": [(e.text, e.weight, e.is_topic) for e in prior],
        "ranker": [ranker.exploration, ranker.seed, ranker.half_life_days, ranker.embedding_model],
        "version": MODEL_VERSION,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _background_days(store: Store) -> list[dt.date]:
    return sorted(store.announced_days())[-BACKGROUND_DAYS:]


def reader_model(
    store: Store, reader: str, prior: Sequence[ProfileEntry] = (), *, ranker: LearnedRanker | None = None
) -> LearnedModel:
    """The reader's fitted model: the cached one when nothing it depends on changed, else refitted and cached."""
    ranker = ranker or LearnedRanker()
    fingerprint = model_fingerprint(store, reader, prior, ranker)
    cached = store.cached_reader_model(reader, fingerprint)
    if cached is not None:
        try:
            return LearnedModel.from_bytes(cached)
        except ModelFormatError:
            pass  # another version's bytes: rebuilt below
    rows = store.feedback_events(reader)
    events = [FeedbackEvent(r.arxiv_id, r.action, r.time) for r in rows]
    papers: dict[str, Paper] = dict(store.latest_papers([r.arxiv_id for r in rows]))
    for day in _background_days(store):
        for paper in store.announced_papers(day):
            papers.setdefault(paper.arxiv_id, paper)
    model = ranker.fit(events, papers, prior)
    if not store.read_only:
        store.put_reader_model(reader, fingerprint, model.to_bytes())
    return model


def rank_stored_day(
    store: Store,
    date: dt.date,
    reader: str,
    prior: Sequence[ProfileEntry] = (),
    *,
    ranker: LearnedRanker | None = None,
    include_replacements: bool = False,
    slots: int = 30,
) -> tuple[list[ScoredPaper], int]:
    """Every candidate of a stored day in the reader's learned order, and how many they hid (left out)."""
    from paperbrief.select.candidates import select_candidates

    papers = store.announced_papers(date)
    candidates = select_candidates(store, date, papers, include_replacements=include_replacements, reader=reader).papers
    model = reader_model(store, reader, prior, ranker=ranker)
    ranked = model.rank(candidates, slots=slots)
    return ranked, len(candidates) - len(ranked)
