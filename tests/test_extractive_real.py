"""The extractive summarizer on 1,550 real abstracts: speed work (issue 15) must not change one output.

`tests/data/extractive/real-papers.json` was written by `ExtractiveSummarizer()` of main e376b89, before
the speed-up, over every real paper of tests/data (the recorded 2024-11-28 feed over every archive, the
OAI records, the reference day): LaTeX, Unicode, one-sentence and withdrawn-style abstracts included.
The properties below hold whatever the scorer: keywords are verbatim, hold no stopword and no markup.
"""

from __future__ import annotations

import json
import random
import statistics
from pathlib import Path
from typing import Any

import pytest

from fakes.real_papers import load_real_papers
from paperbrief.models import Paper
from paperbrief.summarize.extractive import (
    _WORD_RE,
    ExtractiveSummarizer,
    _CueIndex,
    _shared_words,
    _words,
    split_sentences,
)
from paperbrief.summarize.extractive_cues import CUES, FIELDS, STOPWORDS
from paperbrief.summarize.extractive_keywords import _pstdev

DATA = Path(__file__).parent / "data"
PINNED = DATA / "extractive" / "real-papers.json"


@pytest.fixture(scope="module")
def summarized() -> list[tuple[Paper, Any, dict[str, Any]]]:
    pinned: dict[str, dict[str, Any]] = json.loads(PINNED.read_text(encoding="utf-8"))["papers"]
    papers = load_real_papers()
    assert sorted(pinned) == sorted(p.arxiv_id for p in papers)
    summarizer = ExtractiveSummarizer()
    return [(p, summarizer.summarize_one(p), pinned[p.arxiv_id]) for p in papers]


def test_real_papers_keywords_are_unchanged(summarized: list[tuple[Paper, Any, dict[str, Any]]]) -> None:
    assert len(summarized) == 1550
    for paper, summary, row in summarized:
        assert summary.keywords == row["keywords"], paper.arxiv_id


def test_real_papers_sentences_are_unchanged(summarized: list[tuple[Paper, Any, dict[str, Any]]]) -> None:
    for paper, summary, row in summarized:
        sentences = split_sentences(paper.abstract)
        assert len(sentences) == row["sentences"], paper.arxiv_id
        for field in FIELDS:
            index = row[field]
            assert getattr(summary, field) == (None if index is None else sentences[index]), (paper.arxiv_id, field)


def test_real_keywords_are_verbatim_content_words_without_markup(
    summarized: list[tuple[Paper, Any, dict[str, Any]]],
) -> None:
    for paper, summary, _row in summarized:
        text = " ".join(f"{paper.title}. {paper.abstract}".split()).lower()
        lowered = [k.lower() for k in summary.keywords]
        assert len(set(lowered)) == len(lowered), paper.arxiv_id
        for keyword in summary.keywords:
            assert keyword.lower() in text, (paper.arxiv_id, keyword)
            assert not set(keyword) & set("$\\{}[]<>`*_|"), (paper.arxiv_id, keyword)
            for token in keyword.split():
                assert token.lower().strip(".,;:()'\"") not in STOPWORDS, (paper.arxiv_id, keyword)
        # No keyword is a substring of another: the longer one was kept.
        for a in lowered:
            assert not any(a != b and (a in b or b in a) for b in lowered), (paper.arxiv_id, summary.keywords)


def test_cue_candidates_hold_every_phrase_a_sentence_holds(
    summarized: list[tuple[Paper, Any, dict[str, Any]]],
) -> None:
    index = _CueIndex()
    phrases = {p for f in FIELDS for p, _w in CUES[f]}
    checked = 0
    for paper, _summary, _row in summarized[:400]:
        lowers = [s.lower() for s in split_sentences(paper.abstract)]
        candidates = index.candidates("\n".join(lowers))
        for lower in lowers:
            present = {p for p in phrases if p in lower}
            assert present <= candidates, (paper.arxiv_id, present - candidates)
            checked += len(present)
    assert checked > 1000  # the check saw real cue phrases, not only empty sets


def test_title_overlap_counts_the_words_a_regex_finds() -> None:
    cases = [
        ("Kelvin-scale \u212aelvin Models", "the \u212aelvin models: 3D-model, kelvin-scale; KELVIN (kelvin)"),
        ("Graph Neural Networks", "Graph neural networks (GNNs) generalize; networks-of-graphs too."),
        ("İstanbul data", "We use İstanbul and istanbul data sets."),
    ]
    for title, sentence in cases:
        title_words = _words(title)
        expected = len(title_words & {w.lower() for w in _WORD_RE.findall(sentence)})
        assert _shared_words(sentence, sentence.lower(), title_words) == expected, (title, sentence)


def test_integer_pstdev_is_statistics_pstdev_bit_for_bit() -> None:
    rng = random.Random(15)
    for _ in range(3000):
        values = [rng.choice((1, 1, 1, 2, 2, 3, 5, 8, 13, rng.randint(1, 400))) for _ in range(rng.randint(2, 150))]
        assert _pstdev(values) == statistics.pstdev(values), values
    assert _pstdev([4, 4, 4]) == 0.0
    assert _pstdev([1, 2]) == 0.5


def test_sentence_split_rests_on_the_next_non_space_character() -> None:
    # Abbreviation, newline and end-of-text cases of the boundary rule, written out by hand.
    text = "We fit it w.r.t. the data.\n\nResults improve. see Fig. 2 for details.  \t"
    assert split_sentences(text) == ["We fit it w.r.t. the data.", "Results improve. see Fig. 2 for details."]
    assert split_sentences('Ends with a quote." Then more.') == ['Ends with a quote."', "Then more."]
    assert split_sentences("Math follows. $x$ is small. é is a letter. (A) too.") == [
        "Math follows.",
        "$x$ is small.",
        "é is a letter.",
        "(A) too.",
    ]
