"""YAKE keyword scores, computed lean: the same features as the `yake` package, without its object graph.

YAKE (Campos et al., Information Sciences 509, 2020, https://doi.org/10.1016/j.ins.2019.09.013;
reference code https://github.com/LIAAD/yake) scores a term from its casing, position, frequency,
relatedness to its neighbours and spread over sentences, and an n-gram from its terms. The
package builds a networkx graph and numpy medians per term, which was ~90 % of the offline
pipeline's time (docs/benchmarks.md); the arithmetic below is the paper's, over plain dicts.
Differences, kept on purpose: candidates with a stopword inside are not built (the extractive
summarizer drops them anyway) and near-duplicates are left to the caller's substring rule.
`bench/bench_offline.py --keywords` measures the overlap with the `yake` package on the reference day.
Speed (issue 15, `bench/bench_extractive.py`): one pass over the tokens with per-token facts (key,
tags, stopword, number) cached by the scorer across papers, and each whitespace-separated piece's
tokens cached with them (no token spans whitespace, so no regex pass per sentence); C-level
`Counter`s for the neighbour and case counts; the population standard deviation from exact integer
sums instead of `statistics.pstdev`'s `Fraction`s (the same correctly rounded float); each distinct
combination of a term's counts scored once (most terms occur once, in the same few shapes); a heap
for the top N. Every float is computed in the same order of operations as before: the reference
day's keywords are pinned by tests/test_extractive_pinned.py and 1,550 real papers' by
tests/test_extractive_real.py.
"""

from __future__ import annotations

import heapq
import importlib.util
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, repeat
from operator import itemgetter, mul
from pathlib import Path

_TOKEN_RE = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]")
_PUNCT = frozenset("!\"#$%&'()*+,-./:,<=>?@[\\]^_`{|}~")
_MAX_N = 3
_CACHE_LIMIT = 200_000  # distinct tokens a scorer remembers (a day of 10,000 abstracts has ~60,000)
_ODD = frozenset("du")

# For 53-bit floats, the bit width `statistics` uses to round a square root correctly.
_SQRT_BITS = 109

# What a token is, worked out once per scorer: (key, tag first in its sentence, tag elsewhere,
# punctuation only, stopword or too short, key if it may pair with a neighbour (not tagged d(igit) or u(nusual))).
_Facts = tuple[str, str, str, bool, bool, str | None]
# A term's counts in one text: (tf, left neighbours, distinct left neighbours, right neighbours,
# distinct right neighbours, acronym or proper occurrences (the larger), sentences it occurs in).
_Row = tuple[int, int, int, int, int, int, tuple[int, ...]]


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
    tag = _tag(token, False)  # d and u do not depend on the place in the sentence
    return key, _tag(token, True), tag, all(c in _PUNCT for c in token), stop, None if tag in _ODD else key


def _pstdev(values: Sequence[int]) -> float:
    """`statistics.pstdev(values)` of integers, bit for bit: the exact variance's square root, correctly rounded.

    The computation of CPython's `statistics._float_sqrt_of_frac` (https://bugs.python.org/msg407078) on the
    same reduced fraction, without `_ss`'s per-value `Fraction`s, which cost more than a text's other counts.
    """
    count = len(values)
    total = sum(values)
    numerator: int = count * sum(map(mul, values, values)) - total * total  # variance = numerator / count**2
    denominator = count * count
    common = math.gcd(numerator, denominator)
    n, m = numerator // common, denominator // common
    q = (n.bit_length() - m.bit_length() - _SQRT_BITS) // 2
    if q >= 0:
        return (_sqrt_round_to_odd(n, m << 2 * q) << q) / 1
    return _sqrt_round_to_odd(n << -2 * q, m) / (1 << -q)


def _sqrt_round_to_odd(n: int, m: int) -> int:
    # Reference: https://www.lri.fr/~melquion/doc/05-imacs17_1-expose.pdf (as in `statistics`).
    a = math.isqrt(n // m)
    return a | (a * a * m != n)


@dataclass
class _Counts:
    """What YAKE counts in one text: per term (lower-cased, a plural `s` folded) and per candidate."""

    keys: list[str] = field(default_factory=list)  # every word occurrence
    acronyms: list[str] = field(default_factory=list)  # occurrences tagged a(cronym)
    propers: list[str] = field(default_factory=list)  # occurrences tagged n (capitalised inside a sentence)
    places: dict[tuple[str, int], None] = field(default_factory=dict)  # (term, sentence), in order, once; no stopword
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (left, right) neighbours, not both stopwords
    stop: dict[str, bool] = field(default_factory=dict)  # decided by a term's first occurrence
    # Candidates of one, two and three words (keys) -> frequency, and each one's first surface form
    # (`surface2` and `surface3` in the order of `grams2` and `grams3`: each is added with its gram).
    grams1: dict[str, int] = field(default_factory=dict)
    grams2: dict[tuple[str, str], int] = field(default_factory=dict)
    grams3: dict[tuple[str, str, str], int] = field(default_factory=dict)
    surface: dict[str, str] = field(default_factory=dict)
    surface2: list[str] = field(default_factory=list)
    surface3: list[str] = field(default_factory=list)


class YakeScorer:
    """YAKE keywords of one text at a time; per-token facts are cached across texts (one scorer per worker)."""

    def __init__(self, stopwords: frozenset[str] | None = None) -> None:
        self.stopwords = yake_stopwords() if stopwords is None else stopwords
        # Whitespace-separated piece of text -> its tokens and what each is (per-token facts, bounded).
        self._pieces: dict[str, tuple[tuple[str, _Facts], ...]] = {}
        self._facts: dict[str, _Facts] = {}

    def _learn(self, piece: str) -> tuple[tuple[str, _Facts], ...]:
        """The tokens of a piece of text without whitespace, with their facts, remembered."""
        facts = self._facts
        if len(facts) > _CACHE_LIMIT:
            facts.clear()
        tokens = []
        for token in _TOKEN_RE.findall(piece):
            info = facts.get(token)
            if info is None:
                info = facts[token] = _facts(token, self.stopwords)
            tokens.append((token, info))
        learned = self._pieces[piece] = tuple(tokens)
        return learned

    def keywords(self, sentences: Sequence[str], top: int = 30) -> list[str]:
        """The `top` best 1- to 3-word candidates of the text's sentences, best (lowest YAKE score) first.

        Candidates hold no stopword (YAKE's list plus words under three letters) and no number.
        """
        counts = self._count(sentences)
        scores = _term_scores(counts, max(1, len(sentences)))
        surface = counts.surface
        # Each candidate's score: the product of its terms' scores over ((their sum + 1) × its frequency),
        # written out per length in the order `math.prod` and `sum` compute it.
        unigrams = counts.grams1
        ones = list(map(scores.__getitem__, unigrams))
        ranked = list(
            zip(
                [s / ((s + 1.0) * tf) for s, tf in zip(ones, unigrams.values(), strict=True)],
                map(surface.__getitem__, unigrams),
                strict=True,
            )
        )
        for ((a, b), tf), text2 in zip(counts.grams2.items(), counts.surface2, strict=True):
            sa, sb = scores[a], scores[b]
            ranked.append((sa * sb / ((sa + sb + 1.0) * tf), text2))
        for ((a, b, c), tf), text3 in zip(counts.grams3.items(), counts.surface3, strict=True):
            three = (scores[a], scores[b], scores[c])  # `sum`: Python 3.12+ adds three floats with compensation
            ranked.append((three[0] * three[1] * three[2] / ((sum(three) + 1.0) * tf), text3))
        return [text for _score, text in heapq.nsmallest(top, ranked)]

    def _count(self, sentences: Sequence[str]) -> _Counts:  # noqa: C901 — one pass over the tokens, kept flat for speed
        """Every term's counts and every 1- to 3-gram's frequency and first surface form, in one pass."""
        pieces = self._pieces
        if len(pieces) > _CACHE_LIMIT:
            pieces.clear()
        c = _Counts()
        keys, acronyms, propers, places, pairs = c.keys, c.acronyms, c.propers, c.places, c.pairs
        stop_of, grams1, grams2, grams3, surface = c.stop, c.grams1, c.grams2, c.grams3, c.surface
        surface2, surface3 = c.surface2, c.surface3
        for index, sentence in enumerate(sentences):
            first = True
            pairable1: str | None = None  # the previous token's key if it may pair with this one, else None
            stop1 = False  # the previous token's stop flag
            k1 = k2 = w1 = w2 = ""  # the previous one and two words of the current run (keys, tokens)
            run = 0  # usable words (no stopword, no number) ending here: the candidates end with them
            # No token spans whitespace: the sentence's tokens are its whitespace-separated pieces' tokens.
            words = sentence.split()
            found = list(map(pieces.get, words))
            if None in found:
                found = [f if f is not None else self._learn(w) for w, f in zip(words, found, strict=True)]
            for token, info in chain.from_iterable(found):  # type: ignore[arg-type]  # no None left
                key, tag_first, tag, punct, stop, pairable = info
                if punct:  # ends the block: no pair, no candidate across it
                    first = False
                    pairable1 = None
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
                # A term's stop flag is its first occurrence's (numbers included), as yake decides it.
                stopped = stop_of.setdefault(key, stop)
                # Neighbours within a window of one word, as yake's default; only terms' neighbours count.
                if pairable1 is not None and pairable is not None and not (stopped and stop1):
                    pairs.append((pairable1, key))
                if stopped:
                    run = 0
                else:
                    places[(key, index)] = None
                    if pairable is None:  # a number or an odd token
                        run = 0
                    else:
                        run += 1
                        if key in grams1:
                            grams1[key] += 1
                        else:
                            grams1[key] = 1
                            surface[key] = token
                        if run > 1:
                            gram2 = (k1, key)
                            if gram2 in grams2:
                                grams2[gram2] += 1
                            else:
                                grams2[gram2] = 1
                                surface2.append(f"{w1} {token}")
                            if run > 2:
                                gram3 = (k2, k1, key)
                                if gram3 in grams3:
                                    grams3[gram3] += 1
                                else:
                                    grams3[gram3] = 1
                                    surface3.append(f"{w2} {w1} {token}")
                        k2, w2, k1, w1 = k1, w1, key, token
                pairable1, stop1 = pairable, stopped
        return c


def _term_scores(c: _Counts, n_sentences: int) -> dict[str, float]:
    """YAKE's score of every term that is a candidate on its own (lower is better)."""
    tf = Counter(c.keys)
    valid = [count for key, count in tf.items() if not c.stop[key]]
    if not valid:
        return {}
    max_tf = max(tf.values())
    mean_tf = sum(valid) / len(valid)  # = statistics.fmean: both round the exact quotient once
    std_tf = _pstdev(valid) if len(valid) > 1 else 0.0
    acronyms: Counter[str] = Counter(c.acronyms)
    propers: Counter[str] = Counter(c.propers)
    distinct = set(c.pairs)
    places: dict[str, list[int]] = {}
    for key, index in c.places:
        places.setdefault(key, []).append(index)  # sentence indexes arrive sorted and once each
    terms = list(c.grams1)
    rows: list[_Row] = list(
        zip(
            map(tf.__getitem__, terms),
            _counts_of(terms, map(itemgetter(1), c.pairs)),
            _counts_of(terms, map(itemgetter(1), distinct)),
            _counts_of(terms, map(itemgetter(0), c.pairs)),
            _counts_of(terms, map(itemgetter(0), distinct)),
            map(max, map(acronyms.get, terms, repeat(0)), map(propers.get, terms, repeat(0))),
            map(tuple, map(places.__getitem__, terms)),
            strict=True,
        )
    )
    # Terms with the same counts score the same (most terms occur once): each score is worked out once.
    norm = mean_tf + std_tf
    score_of = {row: _term_score(row, max_tf, norm, n_sentences) for row in set(rows)}
    return dict(zip(terms, map(score_of.__getitem__, rows), strict=True))


def _counts_of(terms: list[str], items: Iterable[str]) -> map[int]:
    """How often each term is among `items` (0 if never)."""
    return map(Counter(items).get, terms, repeat(0))


def _term_score(row: _Row, max_tf: int, norm: float, n_sentences: int) -> float:
    """YAKE's term score (Campos et al. 2020) from one term's counts, in yake's order of operations."""
    term_tf, left_n, left_kinds, right_n, right_kinds, case_n, where = row
    pwl = left_kinds / left_n if left_n else 0.0
    pwr = right_kinds / right_n if right_n else 0.0
    rel = (0.5 + pwl * term_tf / max_tf) + (0.5 + pwr * term_tf / max_tf)
    freq = term_tf / norm
    spread = len(where) / n_sentences
    case = case_n / (1.0 + math.log(term_tf))
    middle = len(where) // 2
    median = where[middle] if len(where) % 2 else (where[middle - 1] + where[middle]) / 2
    pos = math.log(math.log(3.0 + median))
    return (pos * rel) / (case + freq / rel + spread / rel)


def yake_keywords(sentences: Sequence[str], top: int = 30, stopwords: frozenset[str] | None = None) -> list[str]:
    """`YakeScorer(stopwords).keywords(sentences, top)`: the best 1- to 3-word candidates, best first."""
    return YakeScorer(stopwords).keywords(sentences, top)
