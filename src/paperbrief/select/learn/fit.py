"""Fitting a reader's LearnedModel from their feedback and profile (scikit-learn)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from paperbrief.models import Paper
from paperbrief.select.learn.base import (
    BACKGROUND_WEIGHT,
    DEFAULT_EXPLORATION,
    HALF_LIFE_DAYS,
    REGULARIZATION_C,
    Encoder,
    FeedbackAction,
    FeedbackEvent,
    LikedRef,
    _authors,
    _canonical_id,
    _encode,
    _fit_features,
    _latest_actions,
    _text,
)
from paperbrief.select.learn.model import LearnedModel
from paperbrief.select.profile import profile_entries
from paperbrief.select.rank import (
    EmbeddingUnavailable,
    ProfileEntry,
    load_local_embedding_model,
)


@dataclass
class LearnedRanker:
    """Fits a reader's `LearnedModel`; constructor arguments are the method's knobs, safe by default."""

    exploration: float = DEFAULT_EXPLORATION
    seed: int = 0
    half_life_days: float = HALF_LIFE_DAYS
    background_weight: float = BACKGROUND_WEIGHT
    regularization: float = REGULARIZATION_C
    embedding_model: str | None = None
    encoder: Encoder | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.exploration < 1.0:
            raise ValueError(f"exploration must be a fraction in [0, 1), got {self.exploration}")
        if self.half_life_days <= 0:
            raise ValueError("half_life_days must be positive")

    def fit(
        self,
        events: Sequence[FeedbackEvent],
        papers_by_id: Mapping[str, Paper],
        prior: Sequence[ProfileEntry] = (),
        *,
        keywords: Mapping[str, Sequence[str]] | None = None,
    ) -> LearnedModel:
        """A model from the reader's feedback on stored papers and their profile (the cold-start prior).

        `papers_by_id` holds the papers the events refer to and, ideally, the other stored papers
        of recent days (the unlabeled background). Events on papers it lacks only count as hides.
        """
        kw = keywords or {}
        latest = _latest_actions(events)
        hidden = frozenset(i for i, (action, _) in latest.items() if action is FeedbackAction.HIDE)
        papers = {_canonical_id(k): p for k, p in papers_by_id.items()}
        labeled = [(i, a, t) for i, (a, t) in latest.items() if i in papers]
        model = LearnedModel(
            prior=list(prior),
            events=len(labeled),
            likes=sum(1 for _, a, _ in labeled if a.positive),
            dislikes=sum(1 for _, a, _ in labeled if not a.positive),
            hidden=hidden,
            exploration=self.exploration,
            seed=self.seed,
            skipped_events=len(latest) - len(labeled),
        )
        if not labeled:
            return model
        ids = list(papers)
        features, rows = _fit_features([papers[i] for i in ids], kw)
        model.features = features
        row_of = {i: r for r, i in enumerate(ids)}
        labeled_rows = rows[[row_of[i] for i, _, _ in labeled]]
        positive = np.asarray([a.positive for _, a, _ in labeled])
        self._fit_neighbours(model, labeled, papers, labeled_rows, positive)
        labeled_ids = {i for i, _, _ in labeled}
        background = rows[[row_of[i] for i in ids if i not in labeled_ids]]
        model.prior_strength = _prior_reliability(model, labeled_rows[positive], background)
        if model.likes and (model.dislikes or background.shape[0]):
            model.classifier = self._fit_classifier(labeled, labeled_rows, positive, background)
        self._fit_embeddings(model, labeled, papers)
        return model

    def _fit_embeddings(
        self,
        model: LearnedModel,
        labeled: Sequence[tuple[str, FeedbackAction, dt.datetime]],
        papers: Mapping[str, Paper],
    ) -> None:
        """Embed the liked and disliked papers when a local model (or a given encoder) is there."""
        if self.encoder is None and self.embedding_model is None:
            return
        encoder = self.encoder
        if encoder is None:
            assert self.embedding_model is not None
            try:
                encoder = load_local_embedding_model(self.embedding_model)
            except EmbeddingUnavailable as exc:
                model.notes.append(f"{exc}; ranked without embeddings")
                return
        model.embedding_model = self.embedding_model or "given encoder"
        model.encoder = encoder
        liked = [_text(papers[i], ()) for i, a, _ in labeled if a.positive]
        disliked = [_text(papers[i], ()) for i, a, _ in labeled if not a.positive]
        model.liked_vectors = _encode(encoder, liked) if liked else None
        model.disliked_vectors = _encode(encoder, disliked) if disliked else None

    def _fit_neighbours(
        self,
        model: LearnedModel,
        labeled: Sequence[tuple[str, FeedbackAction, dt.datetime]],
        papers: Mapping[str, Paper],
        labeled_rows: sparse.csr_matrix,
        positive: npt.NDArray[np.bool_],
    ) -> None:
        assert model.features is not None
        liked = [papers[i] for i, a, _ in labeled if a.positive]
        text = labeled_rows[:, : model.features.text_columns]
        model.liked = [LikedRef(p.arxiv_id, p.title) for p in liked]
        model.liked_text = text[positive] if positive.any() else None
        model.disliked_text = text[~positive] if (~positive).any() else None
        model.liked_authors = {k: a for p in liked for a, k in zip(p.authors, _authors(p).split(), strict=False)}
        model.usual_categories = frozenset(p.primary for p in liked)

    def _fit_classifier(
        self,
        labeled: Sequence[tuple[str, FeedbackAction, dt.datetime]],
        labeled_rows: sparse.csr_matrix,
        positive: npt.NDArray[np.bool_],
        background: sparse.csr_matrix,
    ) -> LogisticRegression:
        newest = max(t for _, _, t in labeled)
        decay = np.asarray([0.5 ** ((newest - t).total_seconds() / 86400 / self.half_life_days) for _, _, t in labeled])
        n = len(labeled)
        n_pos = int(positive.sum())
        n_neg = n - n_pos
        # Balanced like sklearn's class_weight="balanced", with the background as weak negatives.
        weights = decay * np.where(positive, n / (2 * n_pos), n / (2 * max(1, n_neg)))
        n_bg = background.shape[0]
        if n_bg:
            weights = np.concatenate([weights, np.full(n_bg, self.background_weight * n / n_bg)])
        rows = sparse.vstack([labeled_rows, background], format="csr")
        y = np.concatenate([positive.astype(np.int64), np.zeros(n_bg, dtype=np.int64)])
        classifier = LogisticRegression(
            C=self.regularization, solver="liblinear", max_iter=1000, random_state=self.seed
        )
        classifier.fit(rows, y, sample_weight=weights)
        return classifier


def _prior_reliability(model: LearnedModel, liked_rows: sparse.csr_matrix, background: sparse.csr_matrix) -> float:
    """How well the profile tells the reader's likes from the other stored papers: 0 (chance) to 1.

    The profile's queries are compared to the papers by TF-IDF cosine (a cheap stand-in for BM25)
    and scored by ROC AUC of likes against the unlabeled background: 2 * AUC - 1, floored at 0.
    Dislikes are left out on purpose: readers dislike what the profile showed them, so they score
    high on the profile by selection and would make every profile look unreliable. Without a like
    or a background nothing is known, and the profile keeps a middling 0.5.
    """
    assert model.features is not None
    if not model.prior or liked_rows.shape[0] == 0 or background.shape[0] == 0:
        return 0.5
    cols = model.features.text_columns
    queries = model.features.text.transform([e.text for e in model.prior])
    weights = np.asarray([e.weight for e in model.prior], dtype=np.float64)
    topic = np.asarray([e.is_topic for e in model.prior])

    def score(rows: sparse.csr_matrix) -> npt.NDArray[np.float64]:
        sims = np.asarray((rows[:, :cols] @ queries.T).toarray(), dtype=np.float64)
        out = sims[:, topic] @ weights[topic] if topic.any() else np.zeros(rows.shape[0])
        return out + (sims[:, ~topic].max(axis=1) if (~topic).any() else 0.0)

    values = np.concatenate([score(liked_rows), score(background)])
    labels = np.concatenate([np.ones(liked_rows.shape[0]), np.zeros(background.shape[0])])
    return max(0.0, 2.0 * float(roc_auc_score(labels, values)) - 1.0)


def prior_entries(topics: Mapping[str, float], reading_items: Sequence[Mapping[str, Any]]) -> list[ProfileEntry]:
    """The cold-start prior: the same profile queries BM25 ranking uses today."""
    return profile_entries(topics, reading_items)
