"""The learned ranker (select.learn, issue 12 "Learning") on the real papers of the recorded 2024-11-28 feed."""

from __future__ import annotations

import datetime as dt
import pickle
import re
from pathlib import Path
from typing import Any

import pytest

from paperbrief.models import Paper
from paperbrief.select.learn import (
    AUTO_MIN_EVENTS,
    FeedbackAction,
    FeedbackEvent,
    LearnedModel,
    LearnedRanker,
    ModelFormatError,
    ScoredPaper,
    prior_entries,
)
from paperbrief.select.rank import rank_candidates
from paperbrief.sources.arxiv.parse import parse_announcement

FEED = Path(__file__).resolve().parent / "data" / "fixtures" / "rss" / "rss-2024-11-28-many-archives.xml"
T0 = dt.datetime(2024, 11, 1, 9, 0, tzinfo=dt.UTC)
ROBOT = re.compile(r"\b(robot|robots|robotic|robotics)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def days() -> tuple[list[Paper], list[Paper]]:
    """The feed's papers in id order: older half as "yesterday" (rated), newer half as "today"."""
    papers = sorted((p for p in parse_announcement(FEED.read_bytes()).papers if p.abstract), key=lambda p: p.arxiv_id)
    half = len(papers) // 2
    return papers[:half], papers[half:]


def _events(papers: list[Paper], action: FeedbackAction, start: int = 0) -> list[FeedbackEvent]:
    return [FeedbackEvent(p.arxiv_id, action, T0 + dt.timedelta(hours=start + i)) for i, p in enumerate(papers)]


def _robot_reader(yesterday: list[Paper]) -> list[FeedbackEvent]:
    """Likes robot papers of yesterday, dislikes as many papers without the word."""
    robots = [p for p in yesterday if ROBOT.search(f"{p.title} {p.abstract}")][:12]
    others = [p for p in yesterday if not ROBOT.search(f"{p.title} {p.abstract}")][::40][:12]
    assert len(robots) >= 8, "the fixture should hold robot papers"
    return _events(robots, FeedbackAction.LIKE) + _events(others, FeedbackAction.DISLIKE, start=100)


def _ids(ranked: list[ScoredPaper]) -> list[str]:
    return [r.arxiv_id for r in ranked]


def _twin(paper: Paper, arxiv_id: str) -> Paper:
    """A companion paper: same title and abstract with a new first sentence (e.g. a follow-up)."""
    return paper.model_copy(update={"arxiv_id": arxiv_id, "abstract": "In this follow-up work, " + paper.abstract})


def test_a_reader_who_likes_one_topic_gets_it_ranked_higher_the_next_day(
    days: tuple[list[Paper], list[Paper]],
) -> None:
    yesterday, today = days
    by_id = {p.arxiv_id: p for p in yesterday}
    model = LearnedRanker(exploration=0.0).fit(_robot_reader(yesterday), by_id)
    robots_today = {p.arxiv_id for p in today if ROBOT.search(p.title)}
    assert len(robots_today) >= 5
    before = _ids(LearnedRanker().fit([], by_id).rank(today))  # no feedback, no profile: newest first
    after = _ids(model.rank(today))
    top = len(robots_today)
    hits_before = len(robots_today & set(before[:top]))
    hits_after = len(robots_today & set(after[:top]))
    assert hits_after >= 0.5 * top  # newest first finds about top * top / len(today) (0.2)
    assert hits_after > hits_before
    mean_rank = sum(after.index(i) for i in robots_today) / top
    assert mean_rank < 0.1 * len(today)


def test_dislikes_demote_similar_papers(days: tuple[list[Paper], list[Paper]]) -> None:
    yesterday, today = days
    prior = prior_entries({"language models": 1.0}, [])
    cold = _ids(LearnedRanker().fit([], {}, prior).rank(today))
    target = next(p for p in today if p.arxiv_id == cold[2])  # a paper the profile puts third
    disliked = _twin(target, "2411.00001")
    by_id = {p.arxiv_id: p for p in [*yesterday, disliked]}
    neutral = _events(yesterday[:5], FeedbackAction.LIKE)
    without = _ids(LearnedRanker(exploration=0.0).fit(neutral, by_id, prior).rank(today))
    events = [*neutral, FeedbackEvent(disliked.arxiv_id, FeedbackAction.DISLIKE, T0 + dt.timedelta(days=1))]
    with_dislike = _ids(LearnedRanker(exploration=0.0).fit(events, by_id, prior).rank(today))
    assert with_dislike.index(target.arxiv_id) > without.index(target.arxiv_id) + 20


def test_a_hidden_paper_never_returns(days: tuple[list[Paper], list[Paper]]) -> None:
    yesterday, today = days
    hidden = today[7]
    events = [
        *_robot_reader(yesterday),
        # Hidden with a version suffix: the paper is hidden in every version.
        FeedbackEvent(f"{hidden.arxiv_id}v3", FeedbackAction.HIDE, T0 + dt.timedelta(days=2)),
    ]
    by_id = {p.arxiv_id: p for p in yesterday}
    model = LearnedRanker().fit(events, by_id)
    assert hidden.arxiv_id in model.hidden
    ranked = _ids(model.rank(today))
    assert hidden.arxiv_id not in ranked
    assert len(ranked) == len(today) - 1
    # A hide is also a strong "not this": its twin drops, but stays listed.
    again = LearnedModel.from_bytes(model.to_bytes()).rank([hidden, _twin(hidden, "2411.99999")])
    assert _ids(again) == ["2411.99999"]


def test_cold_start_is_exactly_the_bm25_profile_ranking(days: tuple[list[Paper], list[Paper]]) -> None:
    yesterday, today = days
    prior = prior_entries(
        {"reinforcement learning": 1.0, "robot manipulation": 0.5},
        [{"title": "Diffusion policies for robot control", "text": "We learn visuomotor policies with diffusion."}],
    )
    model = LearnedRanker().fit([], {p.arxiv_id: p for p in yesterday}, prior)
    expected = rank_candidates(today, prior)
    ranked = model.rank(today)
    assert _ids(ranked) == [r.paper.arxiv_id for r in expected]
    assert [r.score for r in ranked] == [r.score for r in expected]
    assert not any(r.exploration for r in ranked)
    assert ranked[0].topics == tuple(expected[0].matched)
    assert model.prior_weight == 1.0
    assert not model.ready_for_auto


def test_exploration_slots_are_marked_outside_the_usual_area_and_within_the_fraction(
    days: tuple[list[Paper], list[Paper]],
) -> None:
    yesterday, today = days
    events = _robot_reader(yesterday)
    liked_categories = {p.primary for p in yesterday if p.arxiv_id in {e.arxiv_id for e in events[:12]}}
    by_id = {p.arxiv_id: p for p in yesterday}
    for fraction, slots in ((0.1, 30), (0.2, 20), (0.15, 10)):
        ranked = LearnedRanker(exploration=fraction, seed=3).fit(events, by_id).rank(today, slots=slots)
        flagged = [i for i, r in enumerate(ranked) if r.exploration]
        assert len(flagged) == int(fraction * slots + 1e-9)
        assert all(i < slots for i in flagged)
        papers = {p.arxiv_id: p for p in today}
        for i in flagged:
            assert papers[ranked[i].arxiv_id].primary not in liked_categories
            assert ranked[i].reason.startswith("exploration:")
        assert len({papers[ranked[i].arxiv_id].primary for i in flagged}) == len(flagged)  # one per area
    off = LearnedRanker(exploration=0.0).fit(events, by_id).rank(today)
    assert not any(r.exploration for r in off)


def test_reasons_name_the_liked_papers_a_pick_resembles(days: tuple[list[Paper], list[Paper]]) -> None:
    yesterday, today = days
    liked = next(p for p in yesterday if ROBOT.search(p.title))  # one robot paper is enough
    companion = _twin(liked, "2411.99998")
    model = LearnedRanker(exploration=0.0).fit(
        _events([liked], FeedbackAction.SAVE), {p.arxiv_id: p for p in yesterday}
    )
    ranked = model.rank([*today, companion])
    assert ranked[0].arxiv_id == companion.arxiv_id
    assert liked.arxiv_id in ranked[0].reason
    assert liked.title in ranked[0].reason
    assert ranked[0].similar[0].arxiv_id == liked.arxiv_id
    # With a profile, a pick the feedback says nothing about names the topic it matched.
    prior = prior_entries({"quantum error correction": 1.0}, [])
    model = LearnedRanker(exploration=0.0).fit(_events([liked], FeedbackAction.LIKE), {liked.arxiv_id: liked}, prior)
    quantum = [r for r in model.rank(today) if "quantum error correction" in r.topics]
    assert quantum and all("quantum error correction" in r.reason for r in quantum if not r.similar)


def test_model_round_trips_through_its_bytes_and_refuses_other_versions(
    days: tuple[list[Paper], list[Paper]],
) -> None:
    yesterday, today = days
    prior = prior_entries({"robot learning": 1.0}, [])
    model = LearnedRanker(seed=5).fit(_robot_reader(yesterday), {p.arxiv_id: p for p in yesterday}, prior)
    data = model.to_bytes()
    assert isinstance(data, bytes)
    assert LearnedModel.from_bytes(data).rank(today) == model.rank(today)
    payload = pickle.loads(data)
    payload["version"] = payload["version"] + 1
    with pytest.raises(ModelFormatError, match="rebuild"):
        LearnedModel.from_bytes(pickle.dumps(payload))
    with pytest.raises(ModelFormatError):
        LearnedModel.from_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFormatError):
        LearnedModel.from_bytes(pickle.dumps({"magic": "something else"}))


def test_the_same_seed_gives_the_same_ranking(days: tuple[list[Paper], list[Paper]]) -> None:
    yesterday, today = days
    events = _robot_reader(yesterday)
    by_id = {p.arxiv_id: p for p in yesterday}
    first = LearnedRanker(seed=11).fit(list(reversed(events)), by_id).rank(today)
    second = LearnedRanker(seed=11).fit(events, by_id).rank(today)
    assert first == second


def test_the_last_word_on_a_paper_counts(days: tuple[list[Paper], list[Paper]]) -> None:
    yesterday, _ = days
    paper = yesterday[0]
    events = [
        FeedbackEvent(paper.arxiv_id, "hide", T0),
        FeedbackEvent(paper.arxiv_id, FeedbackAction.LIKE, T0 + dt.timedelta(hours=1)),
    ]
    model = LearnedRanker().fit(events, {p.arxiv_id: p for p in yesterday[:50]})
    assert (model.events, model.likes, model.dislikes) == (1, 1, 0)
    assert paper.arxiv_id not in model.hidden


def test_auto_switches_at_the_documented_amount_of_feedback(days: tuple[list[Paper], list[Paper]]) -> None:
    yesterday, _ = days
    by_id = {p.arxiv_id: p for p in yesterday}
    likes = _events(yesterday[:3], FeedbackAction.LIKE)
    dislikes = _events(yesterday[3:40], FeedbackAction.DISLIKE, start=10)
    assert AUTO_MIN_EVENTS == 10
    assert not LearnedRanker().fit(likes + dislikes[:6], by_id).ready_for_auto  # 9 events
    assert LearnedRanker().fit(likes + dislikes[:7], by_id).ready_for_auto  # 10 events, 3 likes
    assert not LearnedRanker().fit(dislikes[:20], by_id).ready_for_auto  # no like at all


def test_bad_input_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="exploration"):
        LearnedRanker(exploration=1.5)
    with pytest.raises(ValueError, match="'love'"):
        LearnedRanker().fit([FeedbackEvent("2411.00001", "love", T0)], {})


class _ConceptEncoder:
    """A tiny stand-in for a sentence-transformers model: synonyms share a dimension, words do not."""

    def encode(self, sentences: list[str], *, normalize_embeddings: bool, show_progress_bar: bool) -> Any:
        from sklearn.feature_extraction.text import HashingVectorizer

        concepts = {"car": "vehicle", "cars": "vehicle", "automobile": "vehicle", "automobiles": "vehicle"}
        mapped = [" ".join(concepts.get(w, w) for w in s.lower().split()) for s in sentences]
        rows = HashingVectorizer(n_features=256, alternate_sign=False, norm="l2").transform(mapped)
        return rows.toarray()


def _paper(arxiv_id: str, title: str, abstract: str, category: str) -> Paper:
    return Paper(arxiv_id=arxiv_id, title=title, abstract=abstract, categories=[category], primary_category=category)


def test_embeddings_from_a_local_model_find_papers_without_shared_words(
    days: tuple[list[Paper], list[Paper]],
) -> None:
    yesterday, today = days
    liked = _paper(
        "2411.90001", "automobile automobile automobile", "automobile automobile automobile automobile", "cs.RO"
    )
    synonym = _paper("2411.90002", "car cars car", "car cars car cars car", "econ.GN")
    by_id = {p.arxiv_id: p for p in [*yesterday[:300], liked]}
    events = _events([liked], FeedbackAction.LIKE) + _events(yesterday[:20], FeedbackAction.DISLIKE, start=5)
    candidates = [*today[:200], synonym]
    plain = _ids(LearnedRanker(exploration=0.0).fit(events, by_id).rank(candidates))
    model = LearnedRanker(exploration=0.0, encoder=_ConceptEncoder()).fit(events, by_id)
    embedded = _ids(model.rank(candidates))
    assert embedded.index(synonym.arxiv_id) < 5 < plain.index(synonym.arxiv_id)


def test_a_missing_embedding_model_is_a_note_not_a_failure(days: tuple[list[Paper], list[Paper]]) -> None:
    yesterday, today = days
    model = LearnedRanker(embedding_model="/nonexistent/model").fit(
        _robot_reader(yesterday), {p.arxiv_id: p for p in yesterday}
    )
    assert model.notes and "ranked without embeddings" in model.notes[0]
    assert len(model.rank(today)) == len(today)
