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

from paperbrief.select.learn.base import (
    AUTO_MIN_EVENTS,
    BACKGROUND_WEIGHT,
    DEFAULT_EXPLORATION,
    DEFAULT_SLOTS,
    EMBEDDING_WEIGHT,
    HALF_LIFE_DAYS,
    MODEL_VERSION,
    NEIGHBOUR_FROM,
    NEIGHBOUR_WEIGHT,
    PRIOR_EVENTS,
    REASON_SIMILARITY,
    REGULARIZATION_C,
    Encoder,
    FeedbackAction,
    FeedbackEvent,
    LikedRef,
    ModelFormatError,
    ScoredPaper,
)
from paperbrief.select.learn.fit import LearnedRanker, prior_entries
from paperbrief.select.learn.model import LearnedModel
from paperbrief.select.learn.readers import model_fingerprint, rank_stored_day, reader_model

__all__ = [
    "AUTO_MIN_EVENTS",
    "BACKGROUND_WEIGHT",
    "DEFAULT_EXPLORATION",
    "DEFAULT_SLOTS",
    "EMBEDDING_WEIGHT",
    "HALF_LIFE_DAYS",
    "MODEL_VERSION",
    "NEIGHBOUR_FROM",
    "NEIGHBOUR_WEIGHT",
    "PRIOR_EVENTS",
    "REASON_SIMILARITY",
    "REGULARIZATION_C",
    "Encoder",
    "FeedbackAction",
    "FeedbackEvent",
    "LearnedModel",
    "LearnedRanker",
    "LikedRef",
    "ModelFormatError",
    "ScoredPaper",
    "model_fingerprint",
    "prior_entries",
    "rank_stored_day",
    "reader_model",
]
