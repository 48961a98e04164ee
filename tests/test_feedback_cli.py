"""`paperbrief feedback add|import|list|export` (issue 12 "Feedback in": CLI) and the per-reader model cache."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fakes.select_day import DAY, fixture_day
from paperbrief.cli import main
from paperbrief.select.learn import LearnedModel, reader_model
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url
from paperbrief.store.feedback import NewFeedback


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    store = Store(sqlite_url(home / "paperbrief.db"))
    store.record_announcement(DAY, fixture_day())
    store.close()
    return home


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "paperbrief.toml"
    path.write_text('[select]\ntopics = { "reinforcement learning" = 1.0 }\n', encoding="utf-8")
    return path


def _run(home: Path, config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--home", str(home), "--config", str(config), *args])


def _listed(home: Path, config: Path, reader: str = "me") -> list[dict[str, object]]:
    result = _run(home, config, "feedback", "list", "--json", "--reader", reader)
    assert result.exit_code == 0, result.output
    items: list[dict[str, object]] = json.loads(result.stdout)
    return items


def test_add_stores_one_event_per_reader_with_the_version_given(home: Path, config: Path) -> None:
    assert _run(home, config, "feedback", "add", "2602.04868v1", "--like").exit_code == 0
    assert _run(home, config, "feedback", "add", "2602.04868", "--hide", "--reader", "alice").exit_code == 0
    mine = _listed(home, config)
    assert [(i["arxiv_id"], i["version"], i["action"], i["source"], i["known"]) for i in mine] == [
        ("2602.04868", 1, "like", "cli", True)
    ]
    assert [(i["arxiv_id"], i["version"], i["action"]) for i in _listed(home, config, "alice")] == [
        ("2602.04868", None, "hide")
    ]


def test_add_refuses_a_bad_id_or_no_action_and_stores_nothing(home: Path, config: Path) -> None:
    bad = _run(home, config, "feedback", "add", "not-an-id", "--like")
    assert bad.exit_code == 2
    assert "not an arXiv id: 'not-an-id'" in bad.output
    none = _run(home, config, "feedback", "add", "2602.04868")
    assert none.exit_code == 2
    assert "--like, --dislike, --save or --hide" in none.output
    assert _listed(home, config) == []


def test_import_keeps_good_rows_reports_bad_ones_by_line_and_stores_unknown_ids(
    home: Path, config: Path, tmp_path: Path
) -> None:
    csv_file = tmp_path / "fb.csv"
    csv_file.write_text(
        "arxiv_id,label\n2602.04868v1,like\nnonsense,like\n2602.04837,meh\n\n2411.99999,dislike\n2602.04837,SAVE\n",
        encoding="utf-8",
    )
    result = _run(home, config, "feedback", "import", str(csv_file))
    assert result.exit_code == 3, result.output
    assert "line 3: not an arXiv id: 'nonsense'" in result.output
    assert "line 4: unknown label 'meh'" in result.output
    assert "imported 3 events, 2 bad rows skipped, 1 not in the store yet" in result.output
    listed = _listed(home, config)
    assert [(i["arxiv_id"], i["action"], i["known"]) for i in listed] == [
        ("2602.04868", "like", True),
        ("2411.99999", "dislike", False),
        ("2602.04837", "save", True),
    ]


def test_unknown_id_is_filled_in_by_a_later_fetch(home: Path, config: Path) -> None:
    assert _run(home, config, "feedback", "add", "2602.05555", "--dislike").exit_code == 0
    assert _listed(home, config)[0]["known"] is False
    store = Store(sqlite_url(home / "paperbrief.db"))
    later = fixture_day()[0].model_copy(update={"arxiv_id": "2602.05555"})
    store.record_announcement(DAY + dt.timedelta(days=1), [later])
    store.close()
    assert _listed(home, config)[0]["known"] is True


def test_import_with_a_wrong_header_fails_and_stores_nothing(home: Path, config: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "fb.csv"
    csv_file.write_text("id,what\n2602.04868,like\n", encoding="utf-8")
    result = _run(home, config, "feedback", "import", str(csv_file))
    assert result.exit_code == 2
    assert "line 1: the header must be arxiv_id,label" in result.output
    assert _listed(home, config) == []


def test_export_reads_back_with_import_for_another_reader(home: Path, config: Path, tmp_path: Path) -> None:
    for args in (("2602.04868v1", "--like"), ("2602.04837", "--dislike"), ("2602.04868", "--hide")):
        assert _run(home, config, "feedback", "add", *args).exit_code == 0
    exported = _run(home, config, "feedback", "export")
    assert exported.stdout == "arxiv_id,label\n2602.04868v1,like\n2602.04837,dislike\n2602.04868,hide\n"
    path = tmp_path / "export.csv"
    assert _run(home, config, "feedback", "export", "--out", str(path)).exit_code == 0
    assert _run(home, config, "feedback", "import", str(path), "--reader", "bob").exit_code == 0
    assert [(i["arxiv_id"], i["action"]) for i in _listed(home, config, "bob")] == [
        ("2602.04868", "like"),
        ("2602.04837", "dislike"),
        ("2602.04868", "hide"),
    ]


def test_reader_model_is_cached_until_the_readers_feedback_changes(store: Store) -> None:
    papers = fixture_day()
    store.record_announcement(DAY, papers)
    store.add_feedback("me", [NewFeedback(papers[0].arxiv_id, "like"), NewFeedback(papers[1].arxiv_id, "dislike")])
    first = reader_model(store, "me")
    assert (first.events, first.likes, first.dislikes) == (2, 1, 1)
    cached = store.cached_reader_model("me", _fingerprint(store))
    assert cached is not None
    assert LearnedModel.from_bytes(cached).events == 2
    # Another reader's feedback leaves this reader's model alone; their own new event rebuilds it.
    store.add_feedback("alice", [NewFeedback(papers[2].arxiv_id, "like")])
    assert store.cached_reader_model("me", _fingerprint(store)) == cached
    store.add_feedback("me", [NewFeedback(papers[3].arxiv_id, "hide")])
    assert store.cached_reader_model("me", _fingerprint(store)) is None
    rebuilt = reader_model(store, "me")
    assert (rebuilt.events, rebuilt.hidden) == (3, frozenset({papers[3].arxiv_id}))


def _fingerprint(store: Store) -> str:
    from paperbrief.select.learn import LearnedRanker, model_fingerprint

    return model_fingerprint(store, "me", (), LearnedRanker())
