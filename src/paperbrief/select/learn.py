"""A per-reader ranker learned from feedback, with the reader's topics/reading list as the prior.

The method (docs/ranking.md): TF-IDF word + bigram features of title, abstract and LLM keywords,
plus author and category features (scikit-learn vectorizers), feed a logistic regression
(https://scikit-learn.org/stable/modules/linear_model.html#logistic-regression) trained on the
reader's likes/saves (positive) against their dislikes/hides and, with a small weight, the other
papers of the stored days (unlabeled background, as arxiv-sanity does). Its score is blended with
the BM25 profile score of `select.rank` (the prior): the prior's weight falls as feedback grows,
so 0 events rank exactly like today's BM25. Papers close to a liked paper go up, close to a
disliked or hidden one go down, hidden papers never come back, and a few slots show strong papers
outside the reader's usual area (exploration). A fitted `LearnedModel` is plain data: `to_bytes`
gives versioned bytes the store can keep per reader.
"""

from __future__ import annotations

import datetime as dt
import math
import pickle
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import sklearn
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from paperbrief.models import Paper, split_arxiv_id
from paperbrief.select.profile import profile_entries
from paperbrief.select.rank import (
    Bm25Similarity,
    EmbeddingUnavailable,
    ProfileEntry,
    Similarity,
    load_local_embedding_model,
    newest_key,
    rank_candidates,
)

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


def _encode(encoder: Encoder, texts: Sequence[str]) -> npt.NDArray[np.float32]:
    vectors = encoder.encode(list(texts), normalize_embeddings=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)


def prior_entries(topics: Mapping[str, float], reading_items: Sequence[Mapping[str, Any]]) -> list[ProfileEntry]:
    """The cold-start prior: the same profile queries BM25 ranking uses today."""
    return profile_entries(topics, reading_items)
