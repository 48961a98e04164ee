"""The fitted per-reader model: blends the prior with the classifier, neighbours and exploration."""

from __future__ import annotations

import math
import pickle
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import sklearn
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from paperbrief.models import Paper
from paperbrief.select.learn.base import (
    _MAGIC,
    AUTO_MIN_EVENTS,
    DEFAULT_EXPLORATION,
    DEFAULT_SLOTS,
    EMBEDDING_WEIGHT,
    MODEL_VERSION,
    NEIGHBOUR_FROM,
    NEIGHBOUR_WEIGHT,
    PRIOR_EVENTS,
    REASON_SIMILARITY,
    Encoder,
    LikedRef,
    ModelFormatError,
    ScoredPaper,
    _authors,
    _canonical_id,
    _encode,
    _Features,
    _place,
    _similarities,
    _text,
    _zscore,
)
from paperbrief.select.rank import (
    Bm25Similarity,
    EmbeddingUnavailable,
    ProfileEntry,
    Similarity,
    load_local_embedding_model,
    newest_key,
    rank_candidates,
)


@dataclass
class LearnedModel:
    """A reader's fitted ranker: pure data (sklearn objects and arrays), picklable as bytes."""

    prior: list[ProfileEntry]
    events: int
    likes: int
    dislikes: int
    hidden: frozenset[str]
    features: _Features | None = None
    classifier: LogisticRegression | None = None
    liked: list[LikedRef] = field(default_factory=list)
    liked_text: sparse.csr_matrix | None = None
    disliked_text: sparse.csr_matrix | None = None
    liked_authors: dict[str, str] = field(default_factory=dict)
    usual_categories: frozenset[str] = frozenset()
    exploration: float = DEFAULT_EXPLORATION
    seed: int = 0
    skipped_events: int = 0
    prior_strength: float = 0.5
    embedding_model: str | None = None
    liked_vectors: npt.NDArray[np.float32] | None = None
    disliked_vectors: npt.NDArray[np.float32] | None = None
    notes: list[str] = field(default_factory=list)
    # The loaded sentence-transformers model: reloaded from disk after unpickling, never stored.
    encoder: Encoder | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle everything but the loaded embedding model (it is reloaded from disk)."""
        state = dict(self.__dict__)
        state["encoder"] = None
        return state

    @property
    def prior_weight(self) -> float:
        """How much the topics/reading-list prior still counts (1.0 at 0 events, 0 without a prior).

        K / (K + events), K = PRIOR_EVENTS * how well the profile separates the reader's own likes
        from dislikes: a profile that agrees with the feedback keeps its say for long, one that
        does not gives way within a few events.
        """
        if not self.prior:
            return 0.0
        k = PRIOR_EVENTS * self.prior_strength
        if k + self.events <= 0:
            return 0.0
        return k / (k + self.events)

    @property
    def ready_for_auto(self) -> bool:
        """Whether `--select auto` should use this model (AUTO_MIN_EVENTS events, one of them a like)."""
        return self.events >= AUTO_MIN_EVENTS and self.likes >= 1

    def to_bytes(self) -> bytes:
        """Versioned bytes for the store's per-reader cache (load only bytes you wrote: pickle)."""
        payload = {"magic": _MAGIC, "version": MODEL_VERSION, "sklearn": sklearn.__version__, "model": self}
        return pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def from_bytes(cls, data: bytes) -> LearnedModel:
        """The model stored by `to_bytes`; ModelFormatError if it is another version (rebuild it)."""
        try:
            payload = pickle.loads(data)
        except Exception as exc:  # a truncated or foreign blob raises any of several errors
            raise ModelFormatError(f"cached ranking model is unreadable: {exc}") from exc
        if not isinstance(payload, dict) or payload.get("magic") != _MAGIC:
            raise ModelFormatError("cached bytes are not a paperbrief ranking model")
        if payload.get("version") != MODEL_VERSION or payload.get("sklearn") != sklearn.__version__:
            raise ModelFormatError(
                f"cached ranking model is version {payload.get('version')} (scikit-learn {payload.get('sklearn')}),"
                f" this is {MODEL_VERSION} (scikit-learn {sklearn.__version__}): rebuild it"
            )
        model = payload["model"]
        if not isinstance(model, cls):
            raise ModelFormatError("cached bytes hold no ranking model")
        return model

    def rank(
        self,
        candidates: Sequence[Paper],
        *,
        slots: int = DEFAULT_SLOTS,
        keywords: Mapping[str, Sequence[str]] | None = None,
        similarity: Similarity | None = None,
    ) -> list[ScoredPaper]:
        """Every candidate except hidden ones, best first; exploration picks placed within `slots`."""
        shown = [p for p in candidates if _canonical_id(p.arxiv_id) not in self.hidden]
        if not shown:
            return []
        prior_scores, matched = self._prior(shown, similarity)
        if self.events == 0 or self.features is None:
            # Cold start: exactly the prior's scores and order (or newest first without a prior).
            return self._cold(shown, prior_scores, matched)
        kw = keywords or {}
        rows = self.features.transform(shown, kw)
        text_rows = rows[:, : self.features.text_columns]
        like_sim = _similarities(text_rows, self.liked_text)
        dislike_sim = _similarities(text_rows, self.disliked_text)
        scores = self._blend(rows, prior_scores, like_sim, dislike_sim)
        scores += self._embedding_scores(shown)
        order = sorted(range(len(shown)), key=lambda i: (-scores[i], newest_key(shown[i].arxiv_id)))
        explore = self._exploration(shown, order, slots, like_sim)
        final = _place(order, explore, slots)
        return [self._scored(shown[i], float(scores[i]), i in explore, like_sim, matched, i) for i in final]

    def _prior(
        self, shown: Sequence[Paper], similarity: Similarity | None
    ) -> tuple[npt.NDArray[np.float64], dict[str, list[str]]]:
        if not self.prior:
            return np.zeros(len(shown)), {}
        ranked = rank_candidates(shown, self.prior, similarity or Bm25Similarity())
        by_id = {r.paper.arxiv_id: r for r in ranked}
        scores = np.asarray([by_id[p.arxiv_id].score for p in shown], dtype=np.float64)
        return scores, {r.paper.arxiv_id: r.matched for r in ranked}

    def _cold(
        self, shown: Sequence[Paper], prior_scores: npt.NDArray[np.float64], matched: Mapping[str, list[str]]
    ) -> list[ScoredPaper]:
        order = sorted(range(len(shown)), key=lambda i: (-prior_scores[i], newest_key(shown[i].arxiv_id)))
        out = []
        for i in order:
            topics = tuple(matched.get(shown[i].arxiv_id, ()))
            if topics:
                reason = "matches your topic " + "; ".join(topics[:3])
            elif self.prior:
                reason = "ranked by your topics and reading list (no close match)"
            else:
                reason = "newest first (no feedback, topics or reading list yet)"
            out.append(ScoredPaper(shown[i].arxiv_id, float(prior_scores[i]), reason, topics=topics))
        return out

    def _blend(
        self,
        rows: sparse.csr_matrix,
        prior_scores: npt.NDArray[np.float64],
        like_sim: npt.NDArray[np.float32],
        dislike_sim: npt.NDArray[np.float32],
    ) -> npt.NDArray[np.float64]:
        weight = self.prior_weight
        score = weight * _zscore(prior_scores)
        if self.classifier is not None:
            learned = np.asarray(self.classifier.decision_function(rows), dtype=np.float64)
            score += (1.0 - weight) * _zscore(learned)
        # Nearest liked / disliked paper, whatever the blend: one 👎 already demotes its near-duplicates.
        near_like = like_sim.max(axis=1) if like_sim.shape[1] else np.zeros(rows.shape[0])
        near_dislike = dislike_sim.max(axis=1) if dislike_sim.shape[1] else np.zeros(rows.shape[0])
        above_like = np.maximum(0.0, near_like.astype(np.float64) - NEIGHBOUR_FROM)
        above_dislike = np.maximum(0.0, near_dislike.astype(np.float64) - NEIGHBOUR_FROM)
        score += NEIGHBOUR_WEIGHT * (above_like - above_dislike)
        return np.round(score, 6)

    def _embedding_scores(self, shown: Sequence[Paper]) -> npt.NDArray[np.float64]:
        """The embedding term: z-scored cosine to the nearest liked minus nearest disliked paper."""
        zero = np.zeros(len(shown))
        if self.liked_vectors is None or self.embedding_model is None:
            return zero
        if self.encoder is None:
            try:
                self.encoder = load_local_embedding_model(self.embedding_model)
            except EmbeddingUnavailable as exc:
                self.notes.append(f"{exc}; ranked without embeddings")
                self.liked_vectors = None
                return zero
        vectors = _encode(self.encoder, [_text(p, ()) for p in shown])
        near = (vectors @ self.liked_vectors.T).max(axis=1).astype(np.float64)
        if self.disliked_vectors is not None:
            near -= (vectors @ self.disliked_vectors.T).max(axis=1)
        return (1.0 - self.prior_weight) * EMBEDDING_WEIGHT * _zscore(near)

    def _exploration(
        self, shown: Sequence[Paper], order: Sequence[int], slots: int, like_sim: npt.NDArray[np.float32]
    ) -> set[int]:
        count = math.floor(min(slots, len(shown)) * self.exploration + 1e-9)
        if count <= 0:
            return set()
        # Outside the usual area: a primary category the reader never liked, not close to a liked paper.
        near = like_sim.max(axis=1) if like_sim.shape[1] else np.zeros(len(shown))
        outside = [
            i for i in order if shown[i].primary not in self.usual_categories and float(near[i]) < REASON_SIMILARITY
        ]
        rng = random.Random(self.seed)
        picked: list[int] = []
        seen_categories: set[str] = set()
        # "Strong": the model's best papers out there, one per category, a seeded pick among the top 3.
        pool = [i for i in outside if shown[i].primary not in seen_categories]
        while pool and len(picked) < count:
            choice = pool[rng.randrange(min(3, len(pool)))]
            picked.append(choice)
            seen_categories.add(shown[choice].primary)
            pool = [i for i in pool if shown[i].primary not in seen_categories]
        return set(picked)

    def _scored(
        self,
        paper: Paper,
        score: float,
        exploration: bool,
        like_sim: npt.NDArray[np.float32],
        matched: Mapping[str, list[str]],
        row: int,
    ) -> ScoredPaper:
        topics = tuple(matched.get(paper.arxiv_id, ()))
        sims = like_sim[row] if like_sim.shape[1] else np.zeros(0)
        best = [int(j) for j in np.argsort(-sims, kind="stable")[:3] if sims[j] >= REASON_SIMILARITY]
        similar = tuple(self.liked[j] for j in best)
        if exploration:
            reason = f"exploration: a strong paper outside your usual area ({paper.primary})"
        elif similar:
            reason = "resembles papers you liked: " + "; ".join(f"{r.arxiv_id} “{r.title}”" for r in similar)
        elif topics:
            reason = "matches your topic " + "; ".join(topics[:3])
        else:
            reason = self._fallback_reason(paper)
        return ScoredPaper(paper.arxiv_id, score, reason, exploration, similar, topics)

    def _fallback_reason(self, paper: Paper) -> str:
        shared = [self.liked_authors[k] for k in _authors(paper).split() if k in self.liked_authors]
        if shared:
            return "by an author of papers you liked: " + ", ".join(shared[:3])
        if paper.primary in self.usual_categories:
            return f"in {paper.primary}, where you liked papers"
        return "ranked by what you liked and disliked (no single close match)"
