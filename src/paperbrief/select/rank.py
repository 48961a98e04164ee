"""Rank a day's candidates by similarity to the reader's interest profile.

BM25 (https://github.com/xhluca/bm25s) by default: the day's candidates (title twice + abstract)
are the indexed corpus, each profile entry (a weighted topic, or one reading-list paper's title and
abstract) is a query. Indexing the day keeps the IDF about what is rare *today*, so a reading list
full of "language model" papers still separates today's papers on what is specific to each.
Optional embeddings use a sentence-transformers model that is already on disk, never a download.
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from paperbrief.models import Paper
from paperbrief.text import one_line

# BM25 parameters (Lucene defaults, as bm25s uses them).
_K1 = 1.5
_B = 0.75
# A topic "matches" a paper when its normalized BM25 is at least this: about half of the topic's
# IDF mass occurs in the paper at a typical term frequency (see `Bm25Similarity`).
TOPIC_MATCH = 0.5
# A whole abstract as query reaches far lower normalized BM25 than a short topic: measured with the
# 30 sample papers as reading list against the 722 cs papers of the recorded 2024-11-28 announcement,
# the median pair scores 0.019, the 99th percentile 0.05 and clearly related pairs 0.06-0.10. A
# document can only cover so many words of a query, so reading-list similarities are multiplied by
# (unique query words / 8), between 1 (a title-only entry, treated like a topic) and 1/0.12 (an
# abstract of 67+ words), and a reading-list match needs 0.45 (raw 0.054 for an abstract: about
# the top 1% of pairs on that day, and the clearly related ones).
READING_WORDS_PER_UNIT = 8
READING_SCALE_MAX = 1 / 0.12
READING_MATCH = 0.45
# Embedding cosine similarities need no rescaling; these thresholds are the usual ones for
# all-MiniLM-style models (unrelated abstracts ~0.1-0.3, same-topic ~0.5+).
EMBED_TOPIC_MATCH = 0.45
EMBED_READING_MATCH = 0.55
# A candidate's reading-list score is its best item similarity plus half the second and a quarter
# of the third: close to several read papers beats close to one, but 500 read papers on one theme
# cannot add up to drown a single strong match elsewhere.
_READING_WEIGHTS = (1.0, 0.5, 0.25)

_TOKEN_RE = re.compile(r"\w\w+", re.UNICODE)
_OUR_STOPWORDS = frozenset(
    {"we", "our", "us", "paper", "propose", "proposed", "method", "methods", "results", "show", "based", "using"}
)


@functools.cache
def _stopwords() -> frozenset[str]:
    # bm25s (and SciPy under it) is imported when a day is ranked, not at start-up (issue 15).
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | _OUR_STOPWORDS


class EmbeddingUnavailable(RuntimeError):
    """The embedding model cannot be used (library not installed or model not on disk)."""


@dataclass(frozen=True)
class ProfileEntry:
    """One query of the profile: a weighted topic or a reading-list paper."""

    label: str
    text: str
    weight: float = 1.0
    is_topic: bool = True


@dataclass
class RankedPaper:
    """A candidate with its profile score and the profile entries it matched, best first."""

    paper: Paper
    score: float
    matched: list[str] = field(default_factory=list)


def _stem(word: str) -> str:
    # Harman's "S" stemmer: plural forms only, so "agents" meets "agent" but "token" != "tokenizer".
    if len(word) > 4 and word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("us", "ss", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Lower-cased, plural-stemmed word tokens without English stopwords."""
    return [_stem(t) for t in _TOKEN_RE.findall(text.lower()) if t not in _stopwords() and not t.isdigit()]


def paper_text(paper: Paper) -> str:
    """The text a candidate is indexed by: the title counts twice."""
    return f"{paper.title}. {paper.title}. {paper.abstract}"


class Similarity(Protocol):
    """Scores every (profile entry, candidate) pair: rows are queries, columns documents."""

    topic_match: float
    reading_match: float

    def matrix(
        self, queries: Sequence[str], docs: Sequence[str], *, long_queries: bool = False
    ) -> npt.NDArray[np.float32]:
        """Similarity of each query to each document (`long_queries`: reading-list abstracts)."""
        ...


class Bm25Similarity:
    """BM25 with each query's scores divided by the sum of its terms' IDF.

    After the division, 1.0 means "every query word occurs once in a document of average length",
    which makes a two-word topic and a 200-word reading-list abstract comparable across days.
    """

    topic_match = TOPIC_MATCH
    reading_match = READING_MATCH

    def matrix(
        self, queries: Sequence[str], docs: Sequence[str], *, long_queries: bool = False
    ) -> npt.NDArray[np.float32]:
        """Normalized BM25 of each query against each document."""
        out = np.zeros((len(queries), len(docs)), dtype=np.float32)
        if not queries or not docs:
            return out
        corpus = [tokenize(d) for d in docs]
        df: dict[str, int] = {}
        for tokens in corpus:
            for token in set(tokens):
                df[token] = df.get(token, 0) + 1
        import bm25s

        retriever = bm25s.BM25(k1=_K1, b=_B)
        # `create_empty_token` keeps empty documents indexable.
        retriever.index(corpus, show_progress=False)
        n = len(docs)
        for row, query in enumerate(queries):
            unique = list(dict.fromkeys(tokenize(query)))
            if not unique:
                continue
            # IDF of words absent today still counts in the denominator: a topic half of whose
            # words never occur cannot reach a full match.
            norm = sum(math.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in unique)
            present = [t for t in unique if t in df]
            if not present or norm <= 0:
                continue
            scale = 1.0
            if long_queries:
                scale = min(READING_SCALE_MAX, max(1.0, len(unique) / READING_WORDS_PER_UNIT))
            out[row] = np.asarray(retriever.get_scores(present), dtype=np.float32) * np.float32(scale / norm)
        return out


class EmbeddingSimilarity:
    """Cosine similarity of sentence-transformers embeddings from a model already on disk."""

    topic_match = EMBED_TOPIC_MATCH
    reading_match = EMBED_READING_MATCH

    def __init__(self, model: str) -> None:
        self.model_name = model
        self._model = load_local_embedding_model(model)

    def matrix(
        self, queries: Sequence[str], docs: Sequence[str], *, long_queries: bool = False
    ) -> npt.NDArray[np.float32]:
        """Cosine similarity of each query to each document (length needs no correction)."""
        if not queries or not docs:
            return np.zeros((len(queries), len(docs)), dtype=np.float32)
        q = self._model.encode(list(queries), normalize_embeddings=True, show_progress_bar=False)
        d = self._model.encode(list(docs), normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(q @ np.asarray(d).T, dtype=np.float32)


def load_local_embedding_model(model: str) -> Any:
    """Load a sentence-transformers model from disk only (HF_HUB_OFFLINE), or explain why not."""
    # Set before the import: huggingface_hub reads it when first imported. Never download at run time.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise EmbeddingUnavailable(
            f"embedding model {model!r} needs sentence-transformers: pip install 'paperbrief[embeddings]'"
        ) from exc
    try:
        return SentenceTransformer(model, local_files_only=True)
    except Exception as exc:  # the library raises OSError, ValueError or HF errors for a missing model
        where = "directory" if Path(model).exists() else "model (not in the local Hugging Face cache)"
        raise EmbeddingUnavailable(f"embedding {where} {model!r} cannot be loaded offline: {one_line(exc)}") from exc


def rank_candidates(
    papers: Sequence[Paper], entries: Sequence[ProfileEntry], similarity: Similarity | None = None
) -> list[RankedPaper]:
    """Score candidates against the profile; highest first, ties by arXiv id (newest first)."""
    sim = similarity or Bm25Similarity()
    topics = [e for e in entries if e.is_topic]
    readings = [e for e in entries if not e.is_topic]
    docs = [paper_text(p) for p in papers]
    ranked: list[RankedPaper] = []
    topic_m = sim.matrix([e.text for e in topics], docs)
    read_m = sim.matrix([e.text for e in readings], docs, long_queries=True)
    weights = np.asarray([e.weight for e in topics], dtype=np.float32)
    for col, paper in enumerate(papers):
        score = 0.0
        hits: list[tuple[float, str]] = []
        if topics:
            column = topic_m[:, col]
            score += float(np.dot(weights, column))
            hits += [
                (float(column[i] * weights[i]), topics[i].label)
                for i in range(len(topics))
                if column[i] >= sim.topic_match
            ]
        if readings:
            column = read_m[:, col]
            best = np.argsort(-column, kind="stable")[: len(_READING_WEIGHTS)]
            score += sum(w * float(column[i]) for w, i in zip(_READING_WEIGHTS, best, strict=False))
            hits += [(float(column[i]), readings[i].label) for i in best if column[i] >= sim.reading_match]
        hits.sort(key=lambda h: (-h[0], h[1]))
        ranked.append(RankedPaper(paper, round(score, 6), [label for _, label in hits]))
    ranked.sort(key=lambda r: (-r.score, newest_key(r.paper.arxiv_id)))
    return ranked


def id_sort_key(arxiv_id: str) -> tuple[int, int, int, str]:
    """A key that orders arXiv ids oldest → newest (old-style `hep-th/9901001` before `0704.0001`)."""
    if "/" in arxiv_id:
        archive, number = arxiv_id.split("/", 1)
        if number.isdigit() and len(number) >= 4:
            yy = int(number[:2])
            year = 1900 + yy if yy >= 91 else 2000 + yy
            return (0, year * 100 + int(number[2:4]), int(number[4:] or 0), archive)
        return (0, 0, 0, arxiv_id)
    head, _, tail = arxiv_id.partition(".")
    if head.isdigit() and tail.isdigit():
        return (1, int(head), int(tail), "")
    return (1, 0, 0, arxiv_id)


def newest_key(arxiv_id: str) -> tuple[int, int, int, tuple[int, ...]]:
    """A sort key that puts newer arXiv ids first (for ascending sorts)."""
    kind, month, number, rest = id_sort_key(arxiv_id)
    return (-kind, -month, -number, tuple(-ord(c) for c in rest))


def newest_first(papers: Sequence[Paper]) -> list[Paper]:
    """Papers by arXiv id, newest first (the reference's order)."""
    return sorted(papers, key=lambda p: id_sort_key(p.arxiv_id), reverse=True)
