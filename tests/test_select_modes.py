"""Selection modes on a fixture day (the 30 reference papers + crafted ones) with a known profile."""

from __future__ import annotations

from typing import Any

import pytest

from fakes.select_day import crafted_papers, fixture_day, sample_papers
from paperbrief.models import DigestEntry, Paper, SelectionReason, Summary
from paperbrief.select import (
    FilterSyntaxError,
    SelectMode,
    SelectOptions,
    finalize_by_score,
    select_papers,
)
from paperbrief.select.modes import NO_MATCH_NOTE, NO_PROFILE_NOTE
from paperbrief.settings import DEFAULT_CATEGORIES

TOPICS = {"reinforcement learning": 2.0, "diffusion": 1.0}


def _options(**kw: Any) -> SelectOptions:
    base: dict[str, Any] = {
        "max_papers": 5,
        "categories": DEFAULT_CATEGORIES,
        "topics": TOPICS,
        "authors": ["Y. LeCun"],
        "exclude": ["token"],
    }
    base.update(kw)
    return SelectOptions(**base)


def _ids(entries: list[DigestEntry]) -> list[str]:
    return [e.paper.arxiv_id for e in entries]


def test_latest_is_newest_ids_first() -> None:
    selection = select_papers(fixture_day(), _options(mode="latest"))
    assert selection.mode is SelectMode.LATEST
    assert _ids(selection.entries) == ["2602.04905", "2602.04904", "2602.04903", "2602.04902", "2602.04883"]
    assert [e.number for e in selection.entries] == [1, 2, 3, 4, 5]
    assert selection.candidates == 34  # 36 minus the cs.RO cross-list and the math.ST paper
    assert all(e.reason is not None and e.reason.rank_score is None for e in selection.entries)


def test_interest_orders_by_profile_score_with_watched_author_pinned() -> None:
    selection = select_papers(fixture_day(), _options(mode="interest"))
    assert selection.mode is SelectMode.INTEREST
    # RL papers first (weight 2), the tied twins newest first, then the watched author's paper,
    # which ranks 11th but is always included.
    assert _ids(selection.entries) == ["2602.04868", "2602.04905", "2602.04904", "2602.04809", "2602.04903"]
    scores = [e.reason.rank_score for e in selection.entries if e.reason]
    assert scores[:4] == sorted(scores[:4], reverse=True)
    top = selection.entries[0].reason
    assert top is not None and top.matched_profile == ["reinforcement learning"]
    pinned = selection.entries[-1].reason
    assert pinned is not None and pinned.matched_authors == ["Yann LeCun"]
    assert "kept past exclude term 'token'" in selection.decisions["2602.04903"]
    assert selection.decisions["2602.04821"].startswith(
        "not selected: rank 5 of 34, score 1.128 (cut at 5; 1 slot taken by watched authors)"
    )
    assert selection.notes == []


def test_ties_are_broken_by_arxiv_id_newest_first_whatever_the_input_order() -> None:
    twins = [p for p in crafted_papers() if p.title == "Curriculum Grasping"]
    for papers in (twins, list(reversed(twins))):
        selection = select_papers(papers, _options(mode="interest", authors=[]))
        a, b = selection.entries
        assert a.reason is not None and b.reason is not None and a.reason.rank_score == b.reason.rank_score
        assert _ids(selection.entries) == ["2602.04905", "2602.04904"]


def test_score_mode_sends_max_llm_papers_ranked_then_finalize_keeps_the_best_by_llm_score() -> None:
    selection = select_papers(fixture_day(), _options(mode="score", max_llm_papers=6, max_papers=3))
    assert _ids(selection.entries) == [
        "2602.04868",
        "2602.04905",
        "2602.04904",
        "2602.04809",
        "2602.04821",
        "2602.04903",
    ]
    llm = {
        "2602.04868": 70,
        "2602.04905": None,
        "2602.04904": 88,
        "2602.04809": 70,
        "2602.04821": 91,
        "2602.04903": None,
    }
    for entry in selection.entries:
        entry.summary = Summary(arxiv_id=entry.paper.arxiv_id, score=llm[entry.paper.arxiv_id])
    final = finalize_by_score(selection.entries, max_papers=3)
    # 91, 88, then the watched author's paper (kept although its score failed); 70/70 are cut.
    assert _ids(final) == ["2602.04821", "2602.04904", "2602.04903"]
    assert [e.number for e in final] == [1, 2, 3]


def _entry(arxiv_id: str, llm: int | None, rank: float | None) -> DigestEntry:
    return DigestEntry(
        paper=Paper(arxiv_id=arxiv_id, title=arxiv_id),
        summary=Summary(arxiv_id=arxiv_id, score=llm) if llm is not None or arxiv_id.endswith("1") else None,
        reason=SelectionReason(rank_score=rank),
    )


def test_finalize_by_score_puts_none_last_and_breaks_ties_deterministically() -> None:
    entries = [
        _entry("2602.00001", None, 5.0),  # failed score: last, even with the best rank
        _entry("2602.00002", 80, 1.0),
        _entry("2602.00003", 95, 0.5),
        _entry("2602.00004", 80, 2.0),  # same LLM score as 00002, better rank score
        _entry("2602.00005", 80, 1.0),  # same LLM and rank score as 00002: newer id first
        _entry("2602.00006", None, None),  # no summary at all
    ]
    expected = ["2602.00003", "2602.00004", "2602.00005", "2602.00002", "2602.00001", "2602.00006"]
    assert _ids(finalize_by_score(entries, max_papers=10)) == expected
    assert _ids(finalize_by_score(list(reversed(entries)), max_papers=10)) == expected
    assert _ids(finalize_by_score(entries, max_papers=2)) == ["2602.00003", "2602.00004"]
    assert entries[0].number == 0  # inputs are not mutated


def test_auto_is_interest_with_a_profile_and_latest_without() -> None:
    assert select_papers(fixture_day(), _options()).mode is SelectMode.INTEREST
    plain = select_papers(fixture_day(), _options(topics={}))
    assert plain.mode is SelectMode.LATEST
    assert plain.notes == []


def test_interest_without_a_profile_falls_back_to_newest_and_says_so() -> None:
    selection = select_papers(fixture_day(), _options(mode="interest", topics={}, language="en"))
    assert _ids(selection.entries)[:2] == ["2602.04905", "2602.04904"]
    assert selection.notes == [NO_PROFILE_NOTE["en"]]


@pytest.mark.parametrize(("language", "note"), [("zh", "兴趣画像今日无匹配"), ("en", NO_MATCH_NOTE["en"])])
def test_profile_with_no_match_today_carries_a_note(language: str, note: str) -> None:
    options = _options(topics={"hadron collider": 1.0}, authors=[], language=language)
    selection = select_papers(fixture_day(), options)
    assert selection.notes == [note]
    assert len(selection.entries) == 5
    # Nothing matched: every score ties at 0 and the order is the newest-first one.
    assert _ids(selection.entries) == ["2602.04905", "2602.04904", "2602.04902", "2602.04883", "2602.04877"]


def test_reading_list_profile_ranks_related_papers_first() -> None:
    items = [
        {
            "item_id": "arxiv:2501.00001",
            "source": "arxiv",
            "arxiv_id": "2501.00001",
            "title": "Sparse attention for fast video diffusion transformers",
            "text": "We accelerate autoregressive video diffusion models with sparse attention kernels, reducing "
            "latency of long video generation.",
        },
        {
            "item_id": "bibtex:prot",
            "source": "bibtex",
            "arxiv_id": None,
            "title": "Protein structure generation with multiscale autoregressive models",
            "text": "We model protein backbone structure with autoregressive generation across scales.",
        },
    ]
    selection = select_papers(sample_papers(), _options(topics={}, max_papers=3), items)
    assert selection.mode is SelectMode.INTEREST
    assert _ids(selection.entries)[:2] == ["2602.04883", "2602.04789"]  # protein, then Light Forcing
    first, second = (e.reason for e in selection.entries[:2])
    assert first is not None and first.matched_profile == [items[1]["title"]]
    assert second is not None and second.matched_profile == [items[0]["title"]]


def test_every_input_paper_gets_a_one_line_decision() -> None:
    papers = fixture_day()
    selection = select_papers(papers, _options(mode="interest", authors=[]))
    assert list(selection.decisions) == [p.arxiv_id for p in papers]
    assert all("\n" not in d for d in selection.decisions.values())
    assert selection.decisions["2602.04900"] == "filtered: cross-list from cs.RO (cross-lists are off)"
    assert selection.decisions["2602.04901"] == "filtered: primary math.ST is not in the configured categories"
    assert selection.decisions["2602.04903"] == "filtered: exclude term 'token' in abstract"
    assert selection.decisions["2602.04868"].startswith("selected: rank 1 of 33, score ")
    assert sum(d.startswith("selected") for d in selection.decisions.values()) == 5


def test_include_cross_lets_cross_lists_in() -> None:
    selection = select_papers(fixture_day(), _options(mode="latest", include_cross=True, max_papers=40))
    assert "2602.04900" in _ids(selection.entries)


def test_include_terms_use_word_boundaries_not_substrings() -> None:
    selection = select_papers(sample_papers(), _options(mode="latest", include=["ai"], authors=[], exclude=[]))
    # Substring matching would keep 28 of the 30 (training, domain, uncertainty, …).
    assert _ids(selection.entries) == ["2602.04836", "2602.04813"]
    assert all(e.reason is not None and e.reason.matched_terms == ["ai"] for e in selection.entries)
    assert "no include term matched" in selection.decisions["2602.04853"]


def test_exclude_exact_token_keeps_tokenizer_paper_prefix_drops_it() -> None:
    exact = select_papers(fixture_day(), _options(mode="latest", authors=[]))
    assert "2602.04902" in _ids(exact.entries)
    prefix = select_papers(fixture_day(), _options(mode="latest", authors=[], exclude=["token*"]))
    assert prefix.decisions["2602.04902"] == "filtered: exclude term 'token*' in title"


def test_entries_carry_enrichment() -> None:
    selection = select_papers(fixture_day(), _options(mode="latest"))
    enrichment = next(e.enrichment for e in selection.entries if e.paper.arxiv_id == "2602.04903")
    assert enrichment is not None
    assert enrichment.venue == "ICLR 2026"
    assert enrichment.code_urls == ["https://github.com/example/world-models"]


def test_invalid_regex_fails_when_options_are_built() -> None:
    with pytest.raises(FilterSyntaxError, match=r"re:\(oops"):
        _options(exclude=["re:(oops"])


def test_missing_embedding_model_falls_back_to_bm25_with_a_message(tmp_path: Any) -> None:
    missing = str(tmp_path / "no-such-model")
    bm25 = select_papers(fixture_day(), _options(mode="interest"))
    selection = select_papers(fixture_day(), _options(mode="interest", embedding_model=missing))
    assert len(selection.notes) == 1
    assert missing in selection.notes[0] and "ranked with BM25 instead" in selection.notes[0]
    assert _ids(selection.entries) == _ids(bm25.entries)


def test_duplicate_listings_are_considered_once_at_the_highest_version() -> None:
    papers = sample_papers()[:3]
    newer = papers[0].model_copy(update={"version": 2})
    selection = select_papers([*papers, newer], _options(mode="latest", topics={}))
    assert _ids(selection.entries).count(papers[0].arxiv_id) == 1
    assert next(e.paper.version for e in selection.entries if e.paper.arxiv_id == papers[0].arxiv_id) == 2


@pytest.mark.parametrize(
    ("language", "notes"),
    [("zh", ["排名 1/34", "关注作者"]), ("en", ["rank 1/34", "watched author"])],
)
def test_reason_notes_follow_the_digest_language(language: str, notes: list[str]) -> None:
    interest = select_papers(fixture_day(), _options(mode="interest", language=language))
    reasons = [e.reason for e in interest.entries]
    assert reasons[0] is not None and reasons[0].note == notes[0]
    assert reasons[-1] is not None and reasons[-1].note == notes[1]  # the watched author's paper
    latest = select_papers(fixture_day(), _options(mode="latest", language=language, authors=[]))
    first = latest.entries[0].reason
    assert first is not None and first.note == ("最新优先" if language == "zh" else "newest first")
