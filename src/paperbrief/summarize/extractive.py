"""Extractive summarizer: picks sentences of the abstract for each field, keywords via YAKE.

Needs no network and no model. Deterministic: the same paper always gives the same summary.
Keywords are YAKE's (Campos et al., Information Sciences 2020), scored by the lean implementation
of `extractive_keywords` (the `yake` package's object graph was ~90 % of the offline run's time).
It does not judge papers, so `score` stays None and the status is `extractive`.
"""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from paperbrief.models import DigestEntry, Paper, Summary, SummaryStatus
from paperbrief.summarize.base import HighlightsResult, ResultCallback, Scoring, SummarizeResult
from paperbrief.summarize.extractive_cues import ABBREVIATIONS as _ABBREVIATIONS
from paperbrief.summarize.extractive_cues import CUES as _CUES
from paperbrief.summarize.extractive_cues import FIELDS as _FIELDS
from paperbrief.summarize.extractive_cues import PENALTIES as _PENALTIES
from paperbrief.summarize.extractive_cues import STOPWORDS as _STOPWORDS
from paperbrief.summarize.extractive_keywords import YakeScorer

if TYPE_CHECKING:
    from paperbrief.store import Store

PROMPT_VERSION = "extractive-2"  # 2: keywords from the lean YAKE scorer
# Below this many papers a process pool costs more (interpreter start-up) than it saves.
_PARALLEL_MIN = 200
_CHUNK = 100
EMPTY_ABSTRACT_ERROR = "empty abstract (withdrawn paper?): nothing to extract"

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace.
_BOUNDARY_RE = re.compile(r"[.!?][\"')\]]*(?=\s+)")
_MATH_RE = re.compile(r"\$[^$]*\$")
_LATEX_CMD_RE = re.compile(r"\\[A-Za-z]+")
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9\-]+")


@dataclass(frozen=True)
class _Sentence:
    index: int
    text: str
    lower: str
    words: frozenset[str]
    penalty: bool  # names code or a link: a poor summary sentence whatever its field
    short: bool  # under six words


def _sentence(index: int, text: str) -> _Sentence:
    lower = text.lower()
    return _Sentence(index, text, lower, _words(text), any(p in lower for p in _PENALTIES), len(text.split()) < 6)


def split_sentences(text: str) -> list[str]:
    """Split an abstract into sentences without breaking "e.g.", "vs.", "et al." or "71.0%"."""
    text = text.strip()
    if not text:
        return []
    out: list[str] = []
    start = 0
    for match in _BOUNDARY_RE.finditer(text):
        end = match.end()
        rest = text[end:].lstrip()
        if rest and not _starts_sentence(rest):
            continue
        if text[match.start()] == "." and _is_abbreviation(text[start : match.start()]):
            continue
        sentence = text[start:end].strip()
        if sentence:
            out.append(sentence)
        start = end
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def _starts_sentence(rest: str) -> bool:
    # A sentence starts with a capital, a digit, an opening quote/bracket, LaTeX or math.
    first = rest[0]
    return first.isupper() or first.isdigit() or first in "\"'([{$\\`" or not first.isascii()


def _is_abbreviation(before: str) -> bool:
    token = before.rsplit(None, 1)[-1] if before.split() else ""
    token = token.lstrip("([{\"'").lower()
    if not token:
        return False
    if token in _ABBREVIATIONS:
        return True
    # Dotted acronyms such as "U.S." or "w.r.t."; a lone letter ("of size N.") does end a sentence.
    return bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", token))


def _words(text: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _WORD_RE.findall(text) if w.lower() not in _STOPWORDS)


class ExtractiveSummarizer:
    """Summarizer backend that quotes the abstract: no network, no model, no score."""

    backend = "extractive"
    model = "extractive"
    scoring = Scoring.NONE
    free = True  # local: claimed and stored in big batches (docs/scale.md)
    prompt_version = PROMPT_VERSION

    def __init__(self, language: str = "zh", keywords: int = 8, workers: int = 1) -> None:
        if not 1 <= keywords <= 30:
            raise ValueError(f"keywords must be between 1 and 30, got {keywords}")
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.language = language
        self.keywords = keywords
        self.workers = workers
        self._candidates = max(30, keywords * 4)
        self._scorer = YakeScorer()  # caches per-token facts across papers

    def summarize(self, papers: Sequence[Paper], on_result: ResultCallback | None = None) -> SummarizeResult:
        """Summarize papers in input order, reporting each summary to `on_result` at once.

        With `workers > 1` and a large batch, chunks are summarized in worker processes (YAKE is
        CPU-bound pure Python); results and callbacks still come in input order. No call is made,
        so the usage is zero (and known: `priced`).
        """
        if self.workers > 1 and len(papers) >= _PARALLEL_MIN:
            return SummarizeResult(self._summarize_parallel(papers, on_result))
        results: list[Summary] = []
        for paper in papers:
            summary = self.summarize_one(paper)
            if on_result is not None:
                on_result(summary)
            results.append(summary)
        return SummarizeResult(results)

    def highlights(
        self, entries: Sequence[DigestEntry], store: Store | None = None, *, refresh: bool = False
    ) -> HighlightsResult | None:
        """None: highlights need a model that reads the day's summaries."""
        return None

    def _summarize_parallel(self, papers: Sequence[Paper], on_result: ResultCallback | None) -> list[Summary]:
        size = max(20, min(_CHUNK, len(papers) // (self.workers * 4) or 1))
        chunks = [list(papers[i : i + size]) for i in range(0, len(papers), size)]
        results: list[Summary] = []
        # "spawn": a forked child would inherit the caller's threads and open database connections.
        context = multiprocessing.get_context("spawn")
        try:
            with ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_init_worker,
                initargs=(self.language, self.keywords),
            ) as pool:
                for chunk_result in pool.map(_summarize_chunk, chunks):
                    for summary in chunk_result:
                        if on_result is not None:
                            on_result(summary)
                        results.append(summary)
        except (BrokenProcessPool, OSError):
            # Workers cannot start (e.g. `python -` has no importable __main__): finish in this process.
            pass
        for paper in papers[len(results) :]:
            summary = self.summarize_one(paper)
            if on_result is not None:
                on_result(summary)
            results.append(summary)
        return results

    def summarize_one(self, paper: Paper) -> Summary:
        """The extractive summary of one paper."""
        base: dict[str, Any] = {
            "arxiv_id": paper.arxiv_id,
            "version": paper.version,
            "language": self.language,
            "backend": self.backend,
            "model": self.model,
            "prompt_version": self.prompt_version,
            "status": SummaryStatus.EXTRACTIVE,
            "score": None,
            "score_reason": None,
        }
        sentences = split_sentences(paper.abstract)
        if not sentences:
            return Summary(**base, error=EMPTY_ABSTRACT_ERROR)
        fields = self._choose(paper.title, sentences)
        return Summary(**base, **fields, keywords=self.extract_keywords(paper.title, paper.abstract))

    def extract_keywords(self, title: str, abstract: str) -> list[str]:
        """YAKE keywords of title + abstract, deduplicated case-insensitively, best first."""
        text = f"{title.strip()}. {abstract.strip()}" if title.strip() else abstract.strip()
        haystack = " ".join(text.split()).lower()
        chosen: list[str] = []
        seen: set[str] = set()
        for candidate in self._scorer.keywords(split_sentences(_strip_latex(text)), top=self._candidates):
            phrase = " ".join(candidate.split())
            key = phrase.lower()
            # Only phrases that occur verbatim: a keyword must be findable in the paper's text.
            if key in seen or key not in haystack or not _good_keyword(phrase):
                continue
            # Skip a phrase already covered by a longer chosen one ("agents" after "self-improving agents").
            if any(key in other.lower() or other.lower() in key for other in chosen):
                continue
            seen.add(key)
            chosen.append(phrase)
            if len(chosen) >= self.keywords:
                break
        return chosen

    def _choose(self, title: str, texts: list[str]) -> dict[str, str | None]:
        title_words = _words(title)
        sentences = [_sentence(i, t) for i, t in enumerate(texts)]
        n = len(sentences)
        scores = {field: [_score(field, s, n, title_words) for s in sentences] for field in _FIELDS}
        picked: dict[str, str | None] = dict.fromkeys(_FIELDS)
        used: set[int] = set()
        # The TL;DR goes first: it is the one sentence a reader sees if they read nothing else.
        best = _argmax(scores["tldr"], used)
        picked["tldr"] = sentences[best].text
        used.add(best)
        remaining = [f for f in _FIELDS if f != "tldr"]
        # Then the strongest (field, sentence) pair wins, so each field gets a different sentence.
        while remaining and len(used) < n:
            field, index = max(
                ((f, i) for f in remaining for i in range(n) if i not in used),
                key=lambda fi: (scores[fi[0]][fi[1]], -_FIELDS.index(fi[0]), -fi[1]),
            )
            picked[field] = sentences[index].text
            used.add(index)
            remaining.remove(field)
        return picked


class _WorkerState:
    """The summarizer of one worker process (built once by `_init_worker`)."""

    summarizer: ExtractiveSummarizer | None = None


def _init_worker(language: str, keywords: int) -> None:
    _WorkerState.summarizer = ExtractiveSummarizer(language=language, keywords=keywords)


def _summarize_chunk(papers: list[Paper]) -> list[Summary]:
    summarizer = _WorkerState.summarizer
    assert summarizer is not None, "worker not initialized"
    return [summarizer.summarize_one(paper) for paper in papers]


def _argmax(values: list[float], used: set[int]) -> int:
    best = -1
    for i, value in enumerate(values):
        if i in used:
            continue
        if best < 0 or value > values[best]:
            best = i
    return best


def _score(field: str, sentence: _Sentence, n: int, title_words: frozenset[str]) -> float:
    lower = sentence.lower
    cue = sum([weight for phrase, weight in _CUES[field] if phrase in lower])
    overlap = len(sentence.words & title_words) / len(title_words) if title_words else 0.0
    pos = sentence.index / (n - 1) if n > 1 else 0.0  # 0 = first sentence, 1 = last
    if field == "tldr":
        position = 1.0 - pos
        value = cue + 2.0 * overlap + position
    elif field == "motivation":
        value = cue + 1.5 * (1.0 - pos) + 0.5 * overlap
    elif field == "method":
        value = cue + 1.0 - abs(pos - 0.4) + 1.0 * overlap
    else:
        value = cue + 1.5 * pos
    if sentence.penalty:
        value -= 5.0
    if sentence.short:  # fragments such as "Code: github.com/x." say little
        value -= 1.0
    return value


def _strip_latex(text: str) -> str:
    # "$1.2\times$" and "\textit{" would otherwise give keywords like "times" and "textit".
    text = _MATH_RE.sub(" . ", text)
    return _LATEX_CMD_RE.sub(" ", text).replace("{", " ").replace("}", " ")


def _good_keyword(phrase: str) -> bool:
    if len(phrase) < 2 or not any(c.isalpha() for c in phrase):
        return False
    if any(c in phrase for c in "$\\{}[]<>`*_|"):
        return False  # LaTeX and markup fragments are not keywords
    tokens = [t.lower().strip(".,;:()'\"") for t in phrase.split()]
    # YAKE keeps phrases like "reliance on human"; a keyword made of content words reads better.
    return all(t and t not in _STOPWORDS for t in tokens)
