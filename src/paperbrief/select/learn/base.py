"""Shared parts of the learned ranker: constants, feedback types, features and small helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from paperbrief.models import Paper, split_arxiv_id

# Bumped whenever the pickled layout or the method changes: older bytes are refused and rebuilt.
MODEL_VERSION = 1
_MAGIC = "paperbrief-learned-ranker"

# `--select auto` switches from the BM25 profile to the learned ranker at this many usable events
# (with at least one like or save). Measured by bench/bench_ranking.py: from 10 events on the
# learned ranker is at or above BM25 for every simulated reader kind (docs/ranking.md).
AUTO_MIN_EVENTS = 10
# The prior keeps weight K / (K + n) after n events, K = PRIOR_EVENTS x its reliability (0-1): a
# profile that separates the reader's likes from dislikes perfectly still has half the say at 40 events.
PRIOR_EVENTS = 40.0
# Near-duplicates of liked / disliked papers move by this many standard deviations per unit of
# TF-IDF cosine above NEIGHBOUR_FROM (unrelated abstracts are ~0.02-0.08 apart, same-topic pairs
# 0.15-0.4, a new version or a companion paper 0.5+): only close papers move, whatever the blend.
NEIGHBOUR_WEIGHT = 8.0
NEIGHBOUR_FROM = 0.25
# Unlabeled stored papers count as weak negatives: together they weigh this fraction of the events.
BACKGROUND_WEIGHT = 0.5
# Recent feedback weighs more: an event loses half its weight after this many days.
HALF_LIFE_DAYS = 180.0
# A liked paper is named in a reason when its TF-IDF cosine to the pick is at least this.
REASON_SIMILARITY = 0.12
# Weight of the embedding term (z-scored cosine to liked minus disliked papers), when a local
# sentence-transformers model is configured: as much as the TF-IDF classifier.
EMBEDDING_WEIGHT = 1.0
DEFAULT_EXPLORATION = 0.1
DEFAULT_SLOTS = 30
REGULARIZATION_C = 16.0
_AUTHOR_WEIGHT = 0.6
_CATEGORY_WEIGHT = 0.5


class Encoder(Protocol):
    """What the ranker needs of a sentence-transformers model: `encode` to normalized vectors."""

    def encode(self, sentences: list[str], *, normalize_embeddings: bool, show_progress_bar: bool) -> Any:
        """One vector per sentence."""
        ...


class FeedbackAction(StrEnum):
    """What a reader said about a paper (issue 12: 👍, 👎, save, hide)."""

    LIKE = "like"
    DISLIKE = "dislike"
    SAVE = "save"
    HIDE = "hide"

    @property
    def positive(self) -> bool:
        """Likes and saves teach "more like this"; dislikes and hides "fewer like this"."""
        return self in (FeedbackAction.LIKE, FeedbackAction.SAVE)


@dataclass(frozen=True)
class FeedbackEvent:
    """One feedback event of one reader: the paper (id with or without version), action, time."""

    arxiv_id: str
    action: FeedbackAction | str
    time: dt.datetime

    @property
    def kind(self) -> FeedbackAction:
        """The action as an enum (raises ValueError for an unknown label)."""
        return FeedbackAction(self.action)


@dataclass(frozen=True)
class LikedRef:
    """A liked paper named in a reason."""

    arxiv_id: str
    title: str


@dataclass(frozen=True)
class ScoredPaper:
    """One candidate in learned rank order: score, a one-line "why it is here", exploration flag."""

    arxiv_id: str
    score: float
    reason: str
    exploration: bool = False
    similar: tuple[LikedRef, ...] = ()
    topics: tuple[str, ...] = ()


class ModelFormatError(ValueError):
    """Cached model bytes are not a model of this version (rebuild it from the feedback)."""


def _canonical_id(raw: str) -> str:
    try:
        return split_arxiv_id(raw)[0]
    except ValueError:
        return raw.strip()


def _text(paper: Paper, keywords: Sequence[str]) -> str:
    # Title twice, as rank.paper_text does: a title word says more than an abstract word.
    extra = " ".join(keywords)
    return f"{paper.title}. {paper.title}. {paper.abstract} {extra}".strip()


def _authors(paper: Paper) -> str:
    return " ".join("_".join(a.lower().split()) for a in paper.authors if a.strip())


def _categories(paper: Paper) -> str:
    cats = [c for c in paper.categories if c]
    archives = {c.split(".", 1)[0] for c in cats}
    return " ".join([*cats, f"primary:{paper.primary}", *(f"archive:{a}" for a in sorted(archives))])


def _zscore(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    if values.size == 0:
        return values
    std = float(values.std())
    if std <= 1e-12:
        return np.zeros_like(values)
    return (values - float(values.mean())) / std


def _latest_actions(events: Sequence[FeedbackEvent]) -> dict[str, tuple[FeedbackAction, dt.datetime]]:
    # The last word counts: a like after a dislike (or after a hide) replaces it.
    latest: dict[str, tuple[FeedbackAction, dt.datetime]] = {}
    for event in sorted(events, key=lambda e: e.time):
        latest[_canonical_id(event.arxiv_id)] = (event.kind, event.time)
    return latest


@dataclass
class _Features:
    """The fitted vectorizers: text (word + bigram TF-IDF), authors, categories."""

    text: TfidfVectorizer
    authors: TfidfVectorizer
    categories: TfidfVectorizer

    def transform(self, papers: Sequence[Paper], keywords: Mapping[str, Sequence[str]]) -> sparse.csr_matrix:
        """Stacked, weighted feature rows of the papers (text part first and L2-normalized)."""
        text = self.text.transform([_text(p, keywords.get(p.arxiv_id, ())) for p in papers])
        return self.stack(text, papers)

    def stack(self, text: sparse.csr_matrix, papers: Sequence[Paper]) -> sparse.csr_matrix:
        """The text rows with the author and category columns appended."""
        authors = self.authors.transform([_authors(p) for p in papers]) * _AUTHOR_WEIGHT
        cats = self.categories.transform([_categories(p) for p in papers]) * _CATEGORY_WEIGHT
        return sparse.hstack([text, authors, cats], format="csr", dtype=np.float32)

    @property
    def text_columns(self) -> int:
        """How many leading columns are the text part."""
        return len(self.text.vocabulary_)


def _fit_features(
    papers: Sequence[Paper], keywords: Mapping[str, Sequence[str]]
) -> tuple[_Features, sparse.csr_matrix]:
    """The fitted vectorizers and the papers' feature rows (one pass over the texts)."""
    many = len(papers) >= 50
    text = TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        stop_words="english",
        strip_accents="unicode",
        min_df=2 if many else 1,
        max_df=0.5 if many else 1.0,
        dtype=np.float32,
    )
    text_rows = text.fit_transform([_text(p, keywords.get(p.arxiv_id, ())) for p in papers])
    token = r"\S+"
    authors = TfidfVectorizer(token_pattern=token, lowercase=False, sublinear_tf=True, dtype=np.float32)
    authors.fit([_authors(p) or "_none_" for p in papers])
    cats = TfidfVectorizer(token_pattern=token, lowercase=False, sublinear_tf=True, dtype=np.float32)
    cats.fit([_categories(p) for p in papers])
    features = _Features(text, authors, cats)
    return features, features.stack(text_rows, papers)


def _similarities(rows: sparse.csr_matrix, other: sparse.csr_matrix | None) -> npt.NDArray[np.float32]:
    """Cosine similarity of each row to each row of `other` (both L2-normalized TF-IDF)."""
    if other is None or other.shape[0] == 0:
        return np.zeros((rows.shape[0], 0), dtype=np.float32)
    return np.asarray((rows @ other.T).toarray(), dtype=np.float32)


def _place(order: Sequence[int], explore: set[int], slots: int) -> list[int]:
    """The ranked order with the exploration picks in the digest's last slots (28-30 of 30).

    The best-ranked papers keep the top of the digest; the picks are still inside it, marked.
    """
    if not explore:
        return list(order)
    rest = [i for i in order if i not in explore]
    picks = [i for i in order if i in explore]
    at = max(0, min(slots, len(order)) - len(picks))
    return rest[:at] + picks + rest[at:]


def _encode(encoder: Encoder, texts: Sequence[str]) -> npt.NDArray[np.float32]:
    vectors = encoder.encode(list(texts), normalize_embeddings=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)
