"""`paperbrief rank` and `--select learned|auto` (issue 12 "Learning"): stored days, reasons, hides, exploration."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fakes.arxiv_server import FakeArxiv
from paperbrief.cli import main
from paperbrief.models import Paper
from paperbrief.select.learn import AUTO_MIN_EVENTS
from paperbrief.sources.arxiv.parse import parse_announcement
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url
from paperbrief.store.feedback import NewFeedback

FEED = Path(__file__).resolve().parent / "data" / "fixtures" / "rss" / "rss-2024-11-28-many-archives.xml"
ROBOT = re.compile(r"\b(robot|robots|robotic|robotics)\b", re.IGNORECASE)
DAY1 = dt.date(2024, 11, 27)
DAY2 = dt.date(2024, 11, 28)


def _cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    config = tmp_path / "paperbrief.toml"
    if not config.exists():
        config.write_text("", encoding="utf-8")
    base = ["--home", str(tmp_path / "home"), "--config", str(config)]
    return CliRunner().invoke(main, [*base, *args], env=env)


def _is_robot(paper: Paper) -> bool:
    return bool(ROBOT.search(paper.title + " " + paper.abstract))


@pytest.fixture
def two_days(tmp_path: Path) -> tuple[list[Paper], list[Paper]]:
    """The recorded feed's papers split by id into two stored days (as `fetch` stores them)."""
    papers = sorted((p for p in parse_announcement(FEED.read_bytes()).papers if p.abstract), key=lambda p: p.arxiv_id)
    half = len(papers) // 2
    (tmp_path / "home").mkdir()
    store = Store(sqlite_url(tmp_path / "home" / "paperbrief.db"))
    store.record_announcement(DAY1, papers[:half])
    store.record_announcement(DAY2, papers[half:])
    store.close()
    return papers[:half], papers[half:]


def _ranked(tmp_path: Path, *extra: str) -> list[dict[str, object]]:
    result = _cli(tmp_path, "rank", "--date", DAY2.isoformat(), "--json", *extra)
    assert result.exit_code == 0, result.output
    items: list[dict[str, object]] = json.loads(result.stdout)
    return items


def _as_json(paper: Paper) -> dict[str, object]:
    return {
        "id": paper.arxiv_id,
        "version": paper.version,
        "title": paper.title,
        "authors": paper.authors,
        "categories": paper.categories,
        "published": "2024-11-28T10:00:00Z",
        "abstract": paper.abstract,
    }


def _mean_robot_rank(items: list[dict[str, object]], robots: set[str]) -> float:
    ranks = [n for n, item in enumerate(items, 1) if item["arxiv_id"] in robots]
    return sum(ranks) / len(ranks)


def test_a_reader_who_likes_robotics_gets_it_ranked_higher_the_next_day(
    tmp_path: Path, two_days: tuple[list[Paper], list[Paper]]
) -> None:
    day1, day2 = two_days
    robots_today = {p.arxiv_id for p in day2 if _is_robot(p)}
    assert len(robots_today) >= 3
    before = _ranked(tmp_path)
    assert len(before) == len(day2)
    csv_file = tmp_path / "likes.csv"
    liked = [p for p in day1 if _is_robot(p)][:8]
    disliked = [p for p in day1 if not _is_robot(p)][:12]
    rows = [f"{p.arxiv_id}v{p.version},like" for p in liked] + [f"{p.arxiv_id},dislike" for p in disliked]
    csv_file.write_text("arxiv_id,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert _cli(tmp_path, "feedback", "import", str(csv_file)).exit_code == 0
    after = _ranked(tmp_path)
    assert {i["arxiv_id"] for i in after} == {p.arxiv_id for p in day2}
    assert _mean_robot_rank(after, robots_today) < _mean_robot_rank(before, robots_today) / 2
    assert after[0]["arxiv_id"] in robots_today
    resembling = [i for i in after[:10] if str(i["reason"]).startswith("resembles papers you liked: ")]
    assert resembling
    similar = resembling[0]["similar"]
    assert isinstance(similar, list) and similar
    assert {s["arxiv_id"] for s in similar} <= {p.arxiv_id for p in liked}
    assert similar[0]["url"] == f"https://arxiv.org/abs/{similar[0]['arxiv_id']}"
    scores = [float(str(i["score"])) for i in after if not i["exploration"]]
    assert scores == sorted(scores, reverse=True)


def test_hidden_paper_never_returns_and_another_reader_is_not_affected(
    tmp_path: Path, two_days: tuple[list[Paper], list[Paper]]
) -> None:
    _, day2 = two_days
    target = day2[0].arxiv_id
    assert _cli(tmp_path, "feedback", "add", target, "--hide", "--reader", "alice").exit_code == 0
    result = _cli(tmp_path, "rank", "--date", DAY2.isoformat(), "--json", "--reader", "alice")
    assert target not in {i["arxiv_id"] for i in json.loads(result.stdout)}
    assert "1 paper(s) you hid are left out" in result.stderr
    assert target in {i["arxiv_id"] for i in _ranked(tmp_path)}


def test_rank_text_output_names_rank_score_id_and_reason(
    tmp_path: Path, two_days: tuple[list[Paper], list[Paper]]
) -> None:
    (tmp_path / "paperbrief.toml").write_text('[select]\ntopics = { "robot" = 1.0 }\n', encoding="utf-8")
    result = _cli(tmp_path, "rank", "--date", DAY2.isoformat())
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert re.fullmatch(r"\s+1\s+[+-]\d+\.\d{3}\s+\d{4}\.\d{5}\s+matches your topic robot", first), first


def test_rank_works_on_a_day_stored_by_run_from_json(tmp_path: Path) -> None:
    day = tmp_path / "day.json"
    papers = [
        {"id": "2602.30001", "version": 1, "title": "Robot grasping with tactile sensing", "authors": ["A B"],
         "categories": ["cs.RO"], "published": "2026-02-04T10:00:00Z", "abstract": "A robot learns to grasp."},
        {"id": "2602.30002", "version": 1, "title": "Sparse regression minimax rates", "authors": ["C D"],
         "categories": ["math.ST"], "published": "2026-02-04T10:00:00Z", "abstract": "Minimax rates."},
    ]  # fmt: skip
    day.write_text(json.dumps({"announced": "2026-02-04", "papers": papers}), encoding="utf-8")
    run = _cli(tmp_path, "run", "--from-json", str(day), "--out", str(tmp_path / "out"), "--no-deliver")
    assert run.exit_code == 0, run.output
    (tmp_path / "paperbrief.toml").write_text('[select]\ntopics = { "minimax" = 1.0 }\n', encoding="utf-8")
    result = _cli(tmp_path, "rank", "--date", "2026-02-04", "--json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert [i["arxiv_id"] for i in items] == ["2602.30002", "2602.30001"]
    assert items[0]["reason"] == "matches your topic minimax"
    assert all(isinstance(i["score"], float) for i in items)


def test_rank_works_on_a_day_stored_by_fetch(tmp_path: Path) -> None:
    with FakeArxiv() as fake:
        env = {
            "PAPERBRIEF_ARXIV_RSS_URL": fake.rss_url,
            "PAPERBRIEF_ARXIV_API_URL": fake.api_url,
            "PAPERBRIEF_ARXIV_OAI_URL": fake.oai_url,
            "PAPERBRIEF_ARXIV_DELAY_SECONDS": "0.01",
            "PAPERBRIEF_ARXIV_CONTACT": "digest@example.org",
        }
        fetched = _cli(tmp_path, "fetch", env=env)
    assert fetched.exit_code == 0, fetched.output
    store = Store(sqlite_url(tmp_path / "home" / "paperbrief.db"))
    (day,) = store.announced_days()
    stored = {p.arxiv_id for p in store.announced_papers(day)}
    store.close()
    result = _cli(tmp_path, "rank", "--date", day.isoformat(), "--json")
    assert result.exit_code == 0, result.output
    assert {i["arxiv_id"] for i in json.loads(result.stdout)} == stored
    assert len(stored) == 30


def test_run_select_learned_marks_exploration_and_auto_switches_at_the_threshold(
    tmp_path: Path, two_days: tuple[list[Paper], list[Paper]]
) -> None:
    day1, day2 = two_days
    out = tmp_path / "out"
    store = Store(sqlite_url(tmp_path / "home" / "paperbrief.db"))
    robots = [p for p in day1 if _is_robot(p)]
    others = [p for p in day1 if not _is_robot(p)]
    # One event short of the threshold: auto stays on today's behaviour (no profile → newest first).
    events = [NewFeedback(p.arxiv_id, "like") for p in robots[:4]]
    events += [NewFeedback(p.arxiv_id, "dislike") for p in others[: AUTO_MIN_EVENTS - 1 - len(events)]]
    store.add_feedback("me", events)
    day_json = tmp_path / "day2.json"
    day_json.write_text(json.dumps({"announced": DAY2.isoformat(), "papers": [_as_json(p) for p in day2]}))
    cats = sorted({p.primary for p in day2})
    (tmp_path / "paperbrief.toml").write_text(f"[arxiv]\ncategories = {json.dumps(cats)}\n", encoding="utf-8")
    args = ("run", "--from-json", str(day_json), "--out", str(out), "--no-deliver", "--lang", "en")
    assert _cli(tmp_path, *args, "--select", "auto").exit_code in (0, 3)
    doc = json.loads((out / f"{DAY2}.json").read_text(encoding="utf-8"))
    assert not any(e["reason"]["note"].startswith("resembles") for e in doc["entries"])
    store.add_feedback("me", [NewFeedback(others[20].arxiv_id, "dislike")])
    store.close()
    result = _cli(tmp_path, *args, "--select", "auto", "--max-papers", "20")
    assert result.exit_code in (0, 3), result.output
    doc = json.loads((out / f"{DAY2}.json").read_text(encoding="utf-8"))
    notes = [e["reason"]["note"] for e in doc["entries"]]
    assert any(n.startswith("resembles papers you liked: ") for n in notes)
    explored = [e for e in doc["entries"] if e["reason"]["exploration"]]
    assert len(explored) == 2  # 10 % of 20 slots
    assert all(e["reason"]["note"].startswith("exploration: ") for e in explored)
    markdown = (out / f"{DAY2}.md").read_text(encoding="utf-8")
    assert markdown.count("🧭 exploration") == 2
    liked_id = next(e["reason"]["liked"][0] for e in doc["entries"] if e["reason"]["liked"])
    assert f"[{liked_id}](https://arxiv.org/abs/{liked_id})" in markdown
    page = (out / "site" / f"{DAY2}.html").read_text(encoding="utf-8")
    assert page.count('<span class="fb-explore">🧭 exploration</span>') == 2
    assert f'href="https://arxiv.org/abs/{liked_id}">{liked_id}</a>' in page


def test_a_hidden_paper_never_returns_in_interest_or_latest_mode(tmp_path: Path) -> None:
    day = tmp_path / "day.json"
    papers = [
        {"id": f"2602.3000{n}", "version": 1, "title": f"Minimax rates for problem {n}", "authors": ["A B"],
         "categories": ["cs.LG"], "published": "2026-02-04T10:00:00Z", "abstract": "Minimax rates."}
        for n in range(1, 4)
    ]  # fmt: skip
    day.write_text(json.dumps({"announced": "2026-02-04", "papers": papers}), encoding="utf-8")
    (tmp_path / "paperbrief.toml").write_text('[select]\ntopics = { "minimax" = 1.0 }\n', encoding="utf-8")
    assert _cli(tmp_path, "feedback", "add", "2602.30002v1", "--hide").exit_code == 0
    out = tmp_path / "out"
    for mode in ("interest", "latest"):
        args = ("run", "--from-json", str(day), "--out", str(out), "--no-deliver", "--no-site", "--select", mode)
        result = _cli(tmp_path, *args)
        assert result.exit_code == 0, result.output
        ids = [e["paper"]["arxiv_id"] for e in json.loads((out / "2026-02-04.json").read_text())["entries"]]
        assert sorted(ids) == ["2602.30001", "2602.30003"], mode
    explained = _cli(tmp_path, "explain", "2602.30002")
    assert "decision: filtered: you hid this paper" in explained.output


def test_learned_reasons_are_in_the_digests_language(two_days: tuple[list[Paper], list[Paper]]) -> None:
    from paperbrief.select import SelectOptions, select_papers
    from paperbrief.select.learn import FeedbackEvent, LearnedRanker

    day1, day2 = two_days
    t0 = dt.datetime(2024, 11, 27, tzinfo=dt.UTC)
    events = [FeedbackEvent(p.arxiv_id, "like", t0) for p in day1 if _is_robot(p)][:6]
    events += [FeedbackEvent(p.arxiv_id, "dislike", t0) for p in day1 if not _is_robot(p)][:6]
    model = LearnedRanker().fit(events, {p.arxiv_id: p for p in day1 + day2})
    cats = sorted({p.primary for p in day2})
    for language, prefix in (("zh", "与你喜欢的论文相似："), ("en", "resembles papers you liked: ")):
        options = SelectOptions(mode="learned", max_papers=10, categories=cats, language=language)
        selection = select_papers(day2, options, learned=model)
        notes = [e.reason.note or "" for e in selection.entries if e.reason is not None]
        assert any(n.startswith(prefix) for n in notes), (language, notes)
        if language == "zh":
            assert not any(n.startswith(("resembles", "exploration:", "matches your")) for n in notes)
