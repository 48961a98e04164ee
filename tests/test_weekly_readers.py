"""`paperbrief weekly --reader`: hidden papers never appear; a ready learned model ranks the week (issue 14)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from fakes.reference import reference_rows
from paperbrief.cli import main
from paperbrief.select.learn import AUTO_MIN_EVENTS, LearnedRanker, reader_model
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url

WEEK = "2026-W06"
DAY = "2026-02-04"
ROWS = reference_rows()
IDS = [row["id"] for row in ROWS]
HIDDEN = IDS[5]
LIKED = IDS[10:15]
DISLIKED = IDS[20:25]


def _cli(tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--home", str(tmp_path / "home"), *args], catch_exceptions=False)


@pytest.fixture
def week(tmp_path: Path) -> Path:
    path = tmp_path / "day.json"
    path.write_text(json.dumps({"announced": DAY, "papers": ROWS}, ensure_ascii=False), encoding="utf-8")
    result = _cli(tmp_path, "run", "--from-json", str(path), "--out", str(tmp_path / "out"), "--no-deliver")
    assert result.exit_code == 0, result.output
    return tmp_path


def _import(tmp_path: Path, reader: str, rows: list[tuple[str, str]]) -> None:
    path = tmp_path / f"{reader}.csv"
    path.write_text("arxiv_id,label\n" + "".join(f"{i},{a}\n" for i, a in rows), encoding="utf-8")
    result = _cli(tmp_path, "feedback", "import", str(path), "--reader", reader)
    assert result.exit_code == 0, result.output


def _weekly(tmp_path: Path, *args: str) -> dict[str, Any]:
    result = _cli(tmp_path, "weekly", "--week", WEEK, "--out", str(tmp_path / "out"), "--no-deliver", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads((tmp_path / "out" / f"{WEEK}.json").read_text(encoding="utf-8"))
    return data


def _day_order(tmp_path: Path) -> list[str]:
    digest = json.loads((tmp_path / "out" / f"{DAY}.json").read_text(encoding="utf-8"))
    return [e["paper"]["arxiv_id"] for e in digest["entries"]]


def _assert_hidden_nowhere(tmp_path: Path, report: dict[str, Any]) -> None:
    assert HIDDEN not in [p["arxiv_id"] for p in report["papers"]]
    assert HIDDEN not in [pid for theme in report["themes"] for pid in theme["papers"]]
    assert sum(report["per_day"][0]["categories"].values()) == len(IDS) - 1
    assert HIDDEN not in (tmp_path / "out" / f"{WEEK}.md").read_text(encoding="utf-8")
    assert HIDDEN not in (tmp_path / "out" / "site" / "weekly" / f"{WEEK}.html").read_text(encoding="utf-8")


def test_a_ready_model_ranks_the_week_and_hidden_papers_never_appear(week: Path) -> None:
    events = [(HIDDEN, "hide"), *((i, "like") for i in LIKED), *((i, "dislike") for i in DISLIKED)]
    assert len(events) >= AUTO_MIN_EVENTS
    _import(week, "ada", events)
    report = _weekly(week, "--reader", "ada")
    assert report["reader"] == "ada" and report["ranking"] == "reader" and report["hidden"] == 1
    _assert_hidden_nowhere(week, report)

    # The scores are the reader's model's (computed here through the model's own API), best first.
    store = Store.open(sqlite_url(week / "home" / "paperbrief.db"))
    try:
        model = reader_model(store, "ada", (), ranker=LearnedRanker(exploration=0.1))
        papers = [p for p in store.announced_papers(dt.date.fromisoformat(DAY)) if p.arxiv_id != HIDDEN]
    finally:
        store.close()
    assert model.ready_for_auto
    expected = {s.arxiv_id: s.score for s in model.rank(papers, slots=len(papers))}
    got = {p["arxiv_id"]: p["reader_score"] for p in report["papers"]}
    assert got == pytest.approx(expected)
    scores = [p["reader_score"] for p in report["papers"]]
    assert scores == sorted(scores, reverse=True)
    assert [p["rank"] for p in report["papers"]] == list(range(1, len(IDS)))
    order = [p["arxiv_id"] for p in report["papers"]]
    assert order != [i for i in _day_order(week) if i != HIDDEN]  # not the day's order any more
    # What the reader liked comes before what they disliked.
    assert max(order.index(i) for i in LIKED) < min(order.index(i) for i in DISLIKED)


def test_below_the_threshold_the_order_is_kept_and_hidden_papers_still_go(week: Path) -> None:
    _import(week, "bob", [(HIDDEN, "hide"), (LIKED[0], "like"), (DISLIKED[0], "dislike")])
    report = _weekly(week, "--reader", "bob")
    assert report["ranking"] == "score" and report["hidden"] == 1
    _assert_hidden_nowhere(week, report)
    assert [p["arxiv_id"] for p in report["papers"]] == [i for i in _day_order(week) if i != HIDDEN]
    assert all(p["reader_score"] is None for p in report["papers"])


def test_without_reader_the_reader_setting_is_used(week: Path) -> None:
    _import(week, "me", [(HIDDEN, "hide")])
    report = _weekly(week)
    assert report["reader"] is None and report["hidden"] == 1
    _assert_hidden_nowhere(week, report)
    other = _weekly(week, "--reader", "carol")  # no feedback: everything, in the day's order
    assert [p["arxiv_id"] for p in other["papers"]] == _day_order(week) and other["hidden"] == 0
