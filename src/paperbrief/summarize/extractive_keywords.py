"""YAKE keyword scores, computed lean: the same features as the `yake` package, without its object graph.

YAKE (Campos et al., Information Sciences 509, 2020, https://doi.org/10.1016/j.ins.2019.09.013;
reference code https://github.com/LIAAD/yake) scores a term from its casing, position, frequency,
relatedness to its neighbours and spread over sentences, and an n-gram from its terms. The
package builds a networkx graph and numpy medians per term, which was ~90 % of the offline
pipeline's time (docs/benchmarks.md); the arithmetic below is the paper's, over plain dicts.
Differences, kept on purpose: candidates with a stopword inside are not built (the extractive
summarizer drops them anyway) and near-duplicates are left to the caller's substring rule.
`bench/bench_offline.py --keywords` measures the overlap with the `yake` package on the reference day.
Speed (issue 15): one pass over the tokens with per-token facts (key, tags, stopword) cached by the
scorer across papers, C-level `Counter`s for the neighbour and case counts, a heap for the top N;
the reference day's keywords are pinned by tests/test_extractive_pinned.py.
"""

from __future__ import annotations

import heapq
import importlib.util
import math
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

_TOKEN_RE = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]")
_PUNCT = frozenset("!\"#$%&'()*+,-./:,<=>?@[\\]^_`{|}~")
_MAX_N = 3
_CACHE_LIMIT = 200_000  # distinct tokens a scorer remembers (a day of 10,000 abstracts has ~60,000)
_ODD = frozenset("du")

# What a token is, worked out once per scorer: (key, tag first in its sentence, tag elsewhere,
# punctuation only, stopword or too short).
_Facts = tuple[str, str, str, bool, bool]
_Gram = tuple[str, ...]


@lru_cache(maxsize=1)
def yake_stopwords() -> frozenset[str]:
    """YAKE's English stopword list, read from the installed package's data file (no import of yake)."""
    spec = importlib.util.find_spec("yake")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(next(iter(spec.submodule_search_locations))) / "core" / "StopwordsList" / "stopwords_en.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = path.read_text(encoding="latin-1")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def _tag(word: str, first: bool) -> str:
    """YAKE's tag: d(igit), u(nusual), a(cronym), n (capitalised, not first in the sentence), p(lain)."""
    if word.isalpha():  # the common case, answered without counting characters
        if word.isupper():
            return "a"
        return "n" if len(word) > 1 and word[0].isupper() and not first else "p"
    plain = word.replace(",", "")
    if plain.isdigit() or plain.replace(".", "", 1).isdigit():
        return "d"
    digits = sum(c.isdigit() for c in word)
    alpha = sum(c.isalpha() for c in word)
    if (digits and alpha) or (not digits and not alpha) or sum(c in _PUNCT for c in word) > 1:
        return "u"
    if word.isupper():
        return "a"
    if len(word) > 1 and word[0].isupper() and not first:
        return "n"
    return "p"


def _key(word: str) -> str:
    key = word.lower()
    return key[:-1] if key.endswith("s") and len(key) > 3 else key


def _facts(token: str, stopwords: frozenset[str]) -> _Facts:
    key = _key(token)
    bare = "".join(c for c in key if c not in _PUNCT)
    stop = token.lower() in stopwords or key in stopwords or len(bare) < 3
    return key, _tag(token, True), _tag(token, False), all(c in _PUNCT for c in token), stop


@dataclass
class _Counts:
    """What YAKE counts in one text: per term (lower-cased, a plural `s` folded) and per candidate."""

    keys: list[str] = field(default_factory=list)  # every word occurrence
    acronyms: list[str] = field(default_factory=list)  # occurrences tagged a(cronym)
    propers: list[str] = field(default_factory=list)  # occurrences tagged n (capitalised inside a sentence)
    places: dict[tuple[str, int], None] = field(default_factory=dict)  # (term, sentence), in order, once
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (left, right) neighbours, window of one
    stop: dict[str, bool] = field(default_factory=dict)  # decided by a term's first occurrence
    grams: dict[_Gram, int] = field(default_factory=dict)
    surface: dict[_Gram, str] = field(default_factory=dict)  # each candidate's first surface form


class YakeScorer:
    """YAKE keywords of one text at a time; per-token facts are cached across texts (one scorer per worker)."""

    def __init__(self, stopwords: frozenset[str] | None = None) -> None:
        self.stopwords = yake_stopwords() if stopwords is None else stopwords
        self._facts: dict[str, _Facts] = {}

    def keywords(self, sentences: Sequence[str], top: int = 30) -> list[str]:
        """The `top` best 1- to 3-word candidates of the text's sentences, best (lowest YAKE score) first.

        Candidates hold no stopword (YAKE's list plus words under three letters) and no number.
        """
        counts = self._count(sentences)
        scores = _term_scores(counts, max(1, len(sentences)))
        ranked: list[tuple[float, str]] = []
        surface = counts.surface
        for keys, tf in counts.grams.items():  # every gram holds scored terms only (`_count` builds no other)
            values = [scores[k] for k in keys]
            ranked.append((math.prod(values) / ((sum(values) + 1.0) * tf), surface[keys]))
        return [text for _score, text in heapq.nsmallest(top, ranked)]

    def _count(self, sentences: Sequence[str]) -> _Counts:  # noqa: C901 — one pass over the tokens, kept flat for speed
        """Every term's counts and every 1- to 3-gram's frequency and first surface form, in one pass."""
        facts = self._facts
        if len(facts) > _CACHE_LIMIT:
            facts.clear()
        stopwords = self.stopwords
        c = _Counts()
        keys, acronyms, propers, places, pairs = c.keys, c.acronyms, c.propers, c.places, c.pairs
        stop_of, grams, surface = c.stop, c.grams, c.surface
        for index, sentence in enumerate(sentences):
            first = True
            # The previous one and two words of the current block (a run between punctuation marks).
            k1 = k2 = w1 = w2 = ""
            in_block = odd1 = False
            run = 0  # usable words (no stopword, no number) ending here: the candidates end with them
            for token in _TOKEN_RE.findall(sentence):
                info = facts.get(token)
                if info is None:
                    info = facts[token] = _facts(token, stopwords)
                key, tag_first, tag, punct, stop = info
                if punct:
                    first = in_block = False
                    run = 0
                    continue
                if first:
                    tag = tag_first
                    first = False
                keys.append(key)
                if tag == "a":
                    acronyms.append(key)
                elif tag == "n":
                    propers.append(key)
                places[(key, index)] = None
                odd = tag in _ODD
                if in_block and not odd and not odd1:  # window of one word, as yake's default
                    pairs.append((k1, key))
                # A term's stop flag is its first occurrence's (numbers included), as yake decides it.
                if stop_of.setdefault(key, stop) or odd:
                    run = 0
                else:
                    run += 1
                    gram: _Gram = (key,)
                    if gram in grams:
                        grams[gram] += 1
                    else:
                        grams[gram] = 1
                        surface[gram] = token
                    if run > 1:
                        gram = (k1, key)
                        if gram in grams:
                            grams[gram] += 1
                        else:
                            grams[gram] = 1
                            surface[gram] = f"{w1} {token}"
                        if run > 2:
                            gram = (k2, k1, key)
                            if gram in grams:
                                grams[gram] += 1
                            else:
                                grams[gram] = 1
                                surface[gram] = f"{w2} {w1} {token}"
                k2, w2, k1, w1, odd1, in_block = k1, w1, key, token, odd, True
        return c


def _term_scores(c: _Counts, n_sentences: int) -> dict[str, float]:
    """YAKE's score of every term that starts a candidate (lower is better)."""
    tf = Counter(c.keys)
    valid = [count for key, count in tf.items() if not c.stop[key]]
    if not valid:
        return {}
    max_tf = max(tf.values())
    mean_tf = statistics.fmean(valid)
    std_tf = statistics.pstdev(valid) if len(valid) > 1 else 0.0
    acronyms, propers = Counter(c.acronyms), Counter(c.propers)
    left_total = Counter(map(itemgetter(1), c.pairs))
    right_total = Counter(map(itemgetter(0), c.pairs))
    distinct = set(c.pairs)
    left_distinct = Counter(map(itemgetter(1), distinct))
    right_distinct = Counter(map(itemgetter(0), distinct))
    places: dict[str, list[int]] = {}
    for key, index in c.places:
        places.setdefault(key, []).append(index)  # sentence indexes arrive sorted and once each
    scores: dict[str, float] = {}
    for (key,) in (gram for gram in c.grams if len(gram) == 1):
        term_tf = tf[key]
        left_n, right_n = left_total[key], right_total[key]
        pwl = left_distinct[key] / left_n if left_n else 0.0
        pwr = right_distinct[key] / right_n if right_n else 0.0
        rel = (0.5 + pwl * term_tf / max_tf) + (0.5 + pwr * term_tf / max_tf)
        freq = term_tf / (mean_tf + std_tf)
        where = places[key]
        spread = len(where) / n_sentences
        case = max(acronyms[key], propers[key]) / (1.0 + math.log(term_tf))
        middle = len(where) // 2
        median = where[middle] if len(where) % 2 else (where[middle - 1] + where[middle]) / 2
        pos = math.log(math.log(3.0 + median))
        scores[key] = (pos * rel) / (case + freq / rel + spread / rel)
    return scores


def yake_keywords(sentences: Sequence[str], top: int = 30, stopwords: frozenset[str] | None = None) -> list[str]:
    """`YakeScorer(stopwords).keywords(sentences, top)`: the best 1- to 3-word candidates, best first."""
    return YakeScorer(stopwords).keywords(sentences, top)
