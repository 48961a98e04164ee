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
_WORD_CACHE_LIMIT = 200_000  # distinct words a summarizer remembers for finding cue phrases
EMPTY_ABSTRACT_ERROR = "empty abstract (withdrawn paper?): nothing to extract"

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace.
# The lookahead also captures the next sentence's first character ("" at the end of the text).
_BOUNDARY_RE = re.compile(r"[.!?][\"')\]]*(?=\s+(\S?))")
_DOTTED_RE = re.compile(r"(?:[a-z]\.)+[a-z]")
_RUN_RE = re.compile(r"[a-z]+")
_MARKUP = frozenset("$\\{}[]<>`*_|")
_OPENERS = frozenset("\"'([{$\\`")
_MATH_RE = re.compile(r"\$[^$]*\$")
_LATEX_CMD_RE = re.compile(r"\\[A-Za-z]+")
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9\-]+")


def split_sentences(text: str) -> list[str]:
    """Split an abstract into sentences without breaking "e.g.", "vs.", "et al." or "71.0%"."""
    text = text.strip()
    if not text:
        return []
    out: list[str] = []
    start = 0
    for match in _BOUNDARY_RE.finditer(text):
        first = match.group(1)  # of the rest of the text after the whitespace
        if first and not _starts_sentence(first):
            continue
        end = match.end()
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


def _starts_sentence(first: str) -> bool:
    # A sentence starts with a capital, a digit, an opening quote/bracket, LaTeX or math.
    return first.isupper() or first.isdigit() or first in _OPENERS or not first.isascii()


def _is_abbreviation(before: str) -> bool:
    last = before.rsplit(None, 1)  # [] when `before` is blank
    token = last[-1].lstrip("([{\"'").lower() if last else ""
    if not token:
        return False
    if token in _ABBREVIATIONS:
        return True
    # Dotted acronyms such as "U.S." or "w.r.t."; a lone letter ("of size N.") does end a sentence.
    return _DOTTED_RE.fullmatch(token) is not None


def _words(text: str) -> set[str]:
    """The text's words, lower-cased, without stopwords."""
    return set(map(str.lower, _WORD_RE.findall(text))) - _STOPWORDS


def _shared_words(text: str, lower: str, title_words: set[str]) -> int:
    """How many of `title_words` are words of `text` (its `_WORD_RE` matches, lower-cased).

    A title word that is a word of the text is a substring of `lower`: most sentences are settled
    by that check alone, without the regex pass.
    """
    if not any(w in lower for w in title_words):
        return 0
    return len(title_words.intersection(map(str.lower, _WORD_RE.findall(text))))


class _CueIndex:
    """Which cue phrases a text may hold, found from its words instead of ~100 substring searches per sentence.

    Each phrase has an anchor, its longest run of letters: wherever the phrase occurs, the anchor lies
    inside one whitespace-separated word of the text. Which phrases a word may start that way is a
    per-word fact, cached (bounded); a phrase whose anchor no word holds cannot occur in the text,
    the others are then searched for in each sentence as before.
    """

    def __init__(self) -> None:
        self._anchors: dict[str, list[str]] = {}
        always: list[str] = []
        for phrase in dict.fromkeys(p for f in _FIELDS for p, _w in _CUES[f]):
            runs = _RUN_RE.findall(phrase)
            if runs:
                self._anchors.setdefault(max(runs, key=len), []).append(phrase)
            else:
                always.append(phrase)  # "%": no letters, always searched for
        self._always = frozenset(always)
        self._short = [(a, g) for a, g in self._anchors.items() if len(a) < 3]
        self._by_start: dict[str, list[tuple[str, list[str]]]] = {}
        for anchor, group in self._anchors.items():
            if len(anchor) >= 3:
                self._by_start.setdefault(anchor[:3], []).append((anchor, group))
        self._words: dict[str, frozenset[str]] = {}  # lower-case token -> cue phrases it may hold

    def candidates(self, lower: str) -> frozenset[str]:
        """The phrases that may occur in the lower-case text `lower` (a superset of those that do)."""
        known = self._words
        if len(known) > _WORD_CACHE_LIMIT:
            known.clear()
        words = set(lower.split())
        facts = list(map(known.get, words))
        if None in facts:
            facts = [
                f if f is not None else known.setdefault(w, self._phrases_in(w))
                for w, f in zip(words, facts, strict=True)
            ]
        return self._always.union(*filter(None, facts))

    def _phrases_in(self, word: str) -> frozenset[str]:
        # Anchors looked up by their first three letters at each place in the word: a new word costs
        # a few dict look-ups, not one search per anchor (most words of a real day are new at first).
        found = [p for anchor, group in self._short if anchor in word for p in group]
        by_start = self._by_start
        for i in range(len(word) - 2):
            for anchor, group in by_start.get(word[i : i + 3], ()):
                if word.startswith(anchor, i):
                    found += group
        return frozenset(found)


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
        self._cues = _CueIndex()  # caches per-word facts across papers

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
        seen: list[str] = []  # the chosen phrases, lower-cased
        for candidate in self._scorer.keywords(split_sentences(_strip_latex(text)), top=self._candidates):
            phrase = " ".join(candidate.split())
            key = phrase.lower()
            # Only phrases that occur verbatim: a keyword must be findable in the paper's text.
            if key in seen or key not in haystack or not _good_keyword(phrase):
                continue
            # Skip a phrase already covered by a longer chosen one ("agents" after "self-improving agents").
            if any(key in other or other in key for other in seen):
                continue
            seen.append(key)
            chosen.append(phrase)
            if len(chosen) >= self.keywords:
                break
        return chosen

    def _choose(self, title: str, texts: list[str]) -> dict[str, str | None]:
        n = len(texts)
        scores = _field_scores(texts, _words(title), self._cues)
        picked: dict[str, str | None] = dict.fromkeys(_FIELDS)
        # The TL;DR goes first: it is the one sentence a reader sees if they read nothing else
        # (the first of the best, as a strict `>` scan would find it).
        best = max(range(n), key=lambda i: (scores[0][i], -i))
        picked["tldr"] = texts[best]
        used = {best}
        # Then the strongest (field, sentence) pair wins, so each field gets a different sentence:
        # walking all pairs strongest first, take each whose field and sentence are both still free
        # (a pair passed over stays unavailable). Ties go to the earlier field, then the earlier sentence.
        remaining = set(range(1, len(_FIELDS)))
        pairs = sorted(
            ((scores[f][i], -f, -i) for f in remaining for i in range(n) if i != best),
            reverse=True,
        )
        for _score, minus_field, minus_index in pairs:
            if not remaining or len(used) >= n:
                break
            field, index = -minus_field, -minus_index
            if field in remaining and index not in used:
                picked[_FIELDS[field]] = texts[index]
                used.add(index)
                remaining.discard(field)
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


def _field_scores(texts: list[str], title_words: set[str], cue_index: _CueIndex) -> list[tuple[float, ...]]:
    """Each field's score of each sentence (fields in `_FIELDS` order): cue phrases, title overlap, position."""
    lowers = [t.lower() for t in texts]
    hay = "\n".join(lowers)  # holds every sentence: a phrase or penalty absent here is absent from all
    candidates = cue_index.candidates(hay)
    # Each field's cues that may occur, in the order of `_CUES[field]`: float addition depends on the order.
    cues = [[(p, w) for p, w in _CUES[f] if p in candidates] for f in _FIELDS]
    penalized = any(p in hay for p in _PENALTIES)
    n = len(texts)
    rows: list[tuple[float, ...]] = []
    for index, (text, lower) in enumerate(zip(texts, lowers, strict=True)):
        # Title words hold no stopword: no need to drop them from the sentence's words first.
        overlap = _shared_words(text, lower, title_words) / len(title_words) if title_words else 0.0
        pos = index / (n - 1) if n > 1 else 0.0  # 0 = first sentence, 1 = last
        cue = [sum([w for p, w in field_cues if p in lower]) for field_cues in cues]
        values: tuple[float, ...] = (
            cue[0] + 2.0 * overlap + (1.0 - pos),
            cue[1] + 1.5 * (1.0 - pos) + 0.5 * overlap,
            cue[2] + 1.0 - abs(pos - 0.4) + 1.0 * overlap,
            cue[3] + 1.5 * pos,
        )
        penalty = penalized and any(p in lower for p in _PENALTIES)
        short = len(text.split()) < 6  # fragments such as "Code: github.com/x." say little
        if penalty or short:
            values = tuple(_penalize(v, penalty, short) for v in values)
        rows.append(values)
    return list(zip(*rows, strict=True))


def _penalize(value: float, penalty: bool, short: bool) -> float:
    if penalty:  # names code or a link: a poor summary sentence whatever its field
        value -= 5.0
    if short:
        value -= 1.0
    return value


def _strip_latex(text: str) -> str:
    # "$1.2\times$" and "\textit{" would otherwise give keywords like "times" and "textit".
    text = _MATH_RE.sub(" . ", text)
    return _LATEX_CMD_RE.sub(" ", text).replace("{", " ").replace("}", " ")


def _good_keyword(phrase: str) -> bool:
    if len(phrase) < 2 or not any(map(str.isalpha, phrase)):
        return False
    if not _MARKUP.isdisjoint(phrase):
        return False  # LaTeX and markup fragments are not keywords
    tokens = [t.lower().strip(".,;:()'\"") for t in phrase.split()]
    # YAKE keeps phrases like "reliance on human"; a keyword made of content words reads better.
    return all(t and t not in _STOPWORDS for t in tokens)
