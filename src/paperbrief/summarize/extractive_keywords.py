"""YAKE keyword scores, computed lean: the same features as the `yake` package, without its object graph.

YAKE (Campos et al., Information Sciences 509, 2020, https://doi.org/10.1016/j.ins.2019.09.013;
reference code https://github.com/LIAAD/yake) scores a term from its casing, position, frequency,
relatedness to its neighbours and spread over sentences, and an n-gram from its terms. The
package builds a networkx graph and numpy medians per term, which was ~90 % of the offline
pipeline's time (docs/benchmarks.md); the arithmetic below is the paper's, over plain dicts.
Differences, kept on purpose: candidates with a stopword inside are not built (the extractive
summarizer drops them anyway) and near-duplicates are left to the caller's substring rule.
`bench/bench_offline.py --keywords` measures the overlap with the `yake` package on the reference day.
"""

from __future__ import annotations

import importlib.util
import math
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

_TOKEN_RE = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]")
_PUNCT = frozenset("!\"#$%&'()*+,-./:,<=>?@[\\]^_`{|}~")
_MAX_N = 3


@dataclass
class _Term:
    """What YAKE counts about one word (lower-cased, a plural `s` folded)."""

    tf: int = 0
    tf_acronym: int = 0
    tf_proper: int = 0
    sentences: list[int] = field(default_factory=list)
    left: dict[str, int] = field(default_factory=dict)
    right: dict[str, int] = field(default_factory=dict)
    stop: bool = False


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


@lru_cache(maxsize=65536)
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


@lru_cache(maxsize=65536)
def _key(word: str) -> str:
    key = word.lower()
    return key[:-1] if key.endswith("s") and len(key) > 3 else key


def _blocks(sentences: Sequence[str]) -> Iterable[tuple[int, list[tuple[str, str, str]]]]:
    """Per sentence, runs of words between punctuation as (surface, key, tag)."""
    for index, sentence in enumerate(sentences):
        block: list[tuple[str, str, str]] = []
        for position, token in enumerate(_TOKEN_RE.findall(sentence)):
            if all(c in _PUNCT for c in token):
                if block:
                    yield index, block
                block = []
                continue
            block.append((token, _key(token), _tag(token, position == 0)))
        if block:
            yield index, block


_Grams = dict[tuple[str, ...], int]


def _count(
    sentences: Sequence[str], stopwords: frozenset[str]
) -> tuple[dict[str, _Term], _Grams, dict[tuple[str, ...], str]]:
    """Every term's counts and every 1- to 3-gram's frequency and first surface form."""
    terms: dict[str, _Term] = {}
    grams: dict[tuple[str, ...], int] = {}
    surface: dict[tuple[str, ...], str] = {}
    for index, block in _blocks(sentences):
        run = 0  # usable words (no stopword, no number) ending here: the candidates end with them
        for i, (word, key, tag) in enumerate(block):
            term = terms.get(key)
            if term is None:
                bare = "".join(c for c in key if c not in _PUNCT)
                term = terms[key] = _Term(stop=word.lower() in stopwords or key in stopwords or len(bare) < 3)
            term.tf += 1
            term.tf_acronym += tag == "a"
            term.tf_proper += tag == "n"
            term.sentences.append(index)
            odd = tag in "du"
            if i > 0 and not odd and block[i - 1][2] not in "du":  # window of one word, as yake's default
                prev = block[i - 1][1]
                terms[prev].right[key] = terms[prev].right.get(key, 0) + 1
                term.left[prev] = term.left.get(prev, 0) + 1
            run = 0 if odd or term.stop else run + 1
            for n in range(1, min(run, _MAX_N) + 1):
                keys = tuple(t[1] for t in block[i + 1 - n : i + 1])
                count = grams.get(keys)
                if count is None:
                    grams[keys] = 1
                    surface[keys] = " ".join(t[0] for t in block[i + 1 - n : i + 1])
                else:
                    grams[keys] = count + 1
    return terms, grams, surface


def _term_scores(terms: dict[str, _Term], n_sentences: int) -> dict[str, float]:
    valid = [t.tf for t in terms.values() if not t.stop]
    if not valid:
        return {}
    max_tf = max(t.tf for t in terms.values())
    mean_tf = statistics.fmean(valid)
    std_tf = statistics.pstdev(valid) if len(valid) > 1 else 0.0
    scores: dict[str, float] = {}
    for key, term in terms.items():
        if term.stop:
            continue
        left_total, right_total = sum(term.left.values()), sum(term.right.values())
        pwl = len(term.left) / left_total if left_total else 0.0
        pwr = len(term.right) / right_total if right_total else 0.0
        rel = (0.5 + pwl * term.tf / max_tf) + (0.5 + pwr * term.tf / max_tf)
        freq = term.tf / (mean_tf + std_tf)
        spread = len(set(term.sentences)) / n_sentences
        case = max(term.tf_acronym, term.tf_proper) / (1.0 + math.log(term.tf))
        pos = math.log(math.log(3.0 + statistics.median(sorted(set(term.sentences)))))
        scores[key] = (pos * rel) / (case + freq / rel + spread / rel)
    return scores


def yake_keywords(sentences: Sequence[str], top: int = 30, stopwords: frozenset[str] | None = None) -> list[str]:
    """The `top` best 1- to 3-word candidates of the text's sentences, best (lowest YAKE score) first.

    Candidates hold no stopword (YAKE's list plus words under three letters) and no number.
    """
    stop = yake_stopwords() if stopwords is None else stopwords
    terms, grams, surface = _count(sentences, stop)
    scores = _term_scores(terms, max(1, len(sentences)))
    ranked: list[tuple[float, str]] = []
    for keys, tf in grams.items():  # every gram holds scored terms only (`_count` builds no other)
        values = [scores[k] for k in keys]
        ranked.append((math.prod(values) / ((sum(values) + 1.0) * tf), surface[keys]))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [text for _score, text in ranked[:top]]
