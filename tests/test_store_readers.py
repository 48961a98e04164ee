"""Digests and reading lists per reader (issue 12 lab mode, migration m011_reader_digests), on both backends."""

from __future__ import annotations

import datetime as dt
import json
import re
import zlib
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner, Result

from fakes.digests import SAMPLE_DATE, sample_digest
from fakes.publish_servers import webhook_server
from paperbrief.cli import main
from paperbrief.models import Digest, DigestEntry, Paper
from paperbrief.select.candidates import select_candidates
from paperbrief.sources.arxiv.parse import parse_announcement
from paperbrief.store import Store
from paperbrief.store.db import MIGRATIONS
from paperbrief.store.migrations import migrate

ALL = [name for name, _ in MIGRATIONS]
BEFORE_M011 = ALL[ALL.index("m011_reader_digests") - 1]
FEED = Path(__file__).resolve().parent / "data" / "fixtures" / "rss" / "rss-2024-11-28-many-archives.xml"
ROBOT = re.compile(r"\b(robot|robots|robotic|robotics)\b", re.IGNORECASE)
DAY1 = dt.date(2024, 11, 27)
DAY2 = dt.date(2024, 11, 28)

ROBOT_BIB = """@article{robots1,
  title = {Learning Dexterous Robot Manipulation from Demonstrations},
  abstract = {We train a robot arm to grasp and manipulate objects. The robotic policy transfers from
              simulation to real robots and improves manipulation success in robotics benchmarks.},
}
@article{robots2,
  title = {Legged Robots that Walk on Rough Terrain},
  abstract = {A locomotion controller for legged robots, learned with reinforcement learning for robotic
              control, lets the robot walk over rough terrain.},
}
"""
LANGUAGE_BIB = """@article{lm1,
  title = {Scaling Laws for Large Language Models},
  abstract = {We study how the loss of large language models scales with parameters, data and compute,
              and how language model pretraining and instruction tuning change text generation.},
}
@article{lm2,
  title = {Chain-of-Thought Prompting Elicits Reasoning in Language Models},
  abstract = {Prompting large language models with step-by-step reasoning improves arithmetic and
              question answering; the language model explains its answer in text.},
}
"""


def _part(digest: Digest, start: int, stop: int) -> Digest:
    """The digest with only entries [start, stop), renumbered 1…n."""
    entries = [e.model_copy(update={"number": n}) for n, e in enumerate(digest.entries[start:stop], 1)]
    return digest.model_copy(update={"entries": entries})


def test_two_readers_digests_of_one_day_are_both_stored(store: Store) -> None:
    full = sample_digest(language="en")
    alice, bob = _part(full, 0, 3), _part(full, 3, 7)
    store.save_digest(alice, "alice")
    store.save_digest(bob, "bob")
    loaded_alice = store.load_digest(SAMPLE_DATE, reader="alice")
    loaded_bob = store.load_digest(SAMPLE_DATE, reader="bob")
    assert loaded_alice is not None and loaded_bob is not None
    assert [e.paper.arxiv_id for e in loaded_alice.entries] == [e.paper.arxiv_id for e in full.entries[:3]]
    assert [e.paper.arxiv_id for e in loaded_bob.entries] == [e.paper.arxiv_id for e in full.entries[3:7]]
    assert store.load_digest(SAMPLE_DATE) is None  # reader `me` has none
    assert store.digest_dates("alice") == [SAMPLE_DATE] and store.digest_dates("me") == []
    assert store.digest_dates() == [SAMPLE_DATE]
    # Re-saving one reader's digest replaces only theirs.
    store.save_digest(_part(full, 10, 11), "alice")
    again = store.load_digest(SAMPLE_DATE, reader="bob")
    assert again is not None and len(again.entries) == 4
    replaced = store.load_digest(SAMPLE_DATE, reader="alice")
    assert replaced is not None and [e.paper.arxiv_id for e in replaced.entries] == [full.entries[10].paper.arxiv_id]


def test_already_in_an_earlier_digest_is_per_reader(store: Store) -> None:
    full = sample_digest(language="en")
    store.save_digest(_part(full, 0, 2), "alice")
    first, second = (e.paper for e in full.entries[:2])
    later = SAMPLE_DATE + dt.timedelta(days=1)
    ids = [first.arxiv_id, second.arxiv_id]
    assert store.published_before(later, ids, "alice") == {first.arxiv_id: first.version, second.arxiv_id: 1}
    assert store.published_before(later, ids, "bob") == {}
    papers = [first.model_copy(update={"announce_type": None}), second]
    for_alice = select_candidates(store, later, papers, include_replacements=False, reader="alice")
    for_bob = select_candidates(store, later, papers, include_replacements=False, reader="bob")
    assert for_alice.papers == [] and set(for_alice.already_digested) == set(ids)
    assert {p.arxiv_id for p in for_bob.papers} == set(ids) and for_bob.already_digested == {}


def test_reading_lists_are_per_reader(store: Store) -> None:
    item = {"item_id": "x1", "source": "bibtex", "title": "Robots 🤖", "text": "robot arms", "arxiv_id": None}
    store.add_reading_items([item], "alice")
    store.add_reading_items([{**item, "title": "Language models 语言模型", "text": "llm"}], "bob")
    assert [(r.item_id, r.title) for r in store.reading_items("alice")] == [("x1", "Robots 🤖")]
    assert [(r.item_id, r.title) for r in store.reading_items("bob")] == [("x1", "Language models 语言模型")]
    assert store.reading_items() == []


def test_upgrade_from_a_store_with_digests_keeps_them_as_reader_me(store_url: str) -> None:
    engine = sa.create_engine(store_url)
    migrate(engine, until=BEFORE_M011)
    # The digest as the code before m011 wrote it: compressed JSON with its entries first.
    body = {
        "entries": [
            {"number": 1, "paper": {"arxiv_id": "2602.00001", "version": 2, "title": "标题 🚀", "abstract": ""}}
        ],
        "date": "2026-02-04",
        "language": "zh",
    }
    updated = dt.datetime(2026, 2, 4, 8, tzinfo=dt.UTC)
    with engine.begin() as conn:
        insert = sa.text(
            "INSERT INTO digest_archive (date, language, body_z, entries, updated) VALUES (:d, 'zh', :b, 1, :u)"
        ).bindparams(sa.bindparam("b", type_=sa.LargeBinary))
        body_z = zlib.compress(json.dumps(body, ensure_ascii=False).encode())
        conn.execute(insert, {"d": SAMPLE_DATE, "b": body_z, "u": updated})
        conn.execute(
            sa.text("INSERT INTO digest_papers (date, language, arxiv_id, version) VALUES (:d, 'zh', '2602.00001', 2)"),
            {"d": SAMPLE_DATE},
        )
        conn.execute(
            sa.text(
                "INSERT INTO reading_list (item_id, source, title, text, arxiv_id, added) "
                "VALUES ('arxiv:1', 'ids', 'Old item', 'text', '1', :u)"
            ),
            {"u": updated},
        )
    engine.dispose()
    store = Store.open(store_url)
    assert "m011_reader_digests" in store.applied_migrations()
    digest = store.load_digest(SAMPLE_DATE, reader="me")
    assert digest is not None and [(e.paper.title, e.paper.version) for e in digest.entries] == [("标题 🚀", 2)]
    assert store.load_digest(SAMPLE_DATE, reader="alice") is None
    assert store.digest_dates("me") == [SAMPLE_DATE] and store.digest_dates("alice") == []
    later = SAMPLE_DATE + dt.timedelta(days=1)
    assert store.published_before(later, ["2602.00001"], "me") == {"2602.00001": 2}
    assert store.published_before(later, ["2602.00001"], "alice") == {}
    assert [r.item_id for r in store.reading_items("me")] == ["arxiv:1"] and store.reading_items("alice") == []
    # …and it works as a store of today: another reader's digest of that day sits beside it.
    store.save_digest(sample_digest(language="zh"), "alice")
    kept = store.load_digest(SAMPLE_DATE, reader="me")
    assert kept is not None and len(kept.entries) == 1
    store.close()


def _cli(tmp_path: Path, store_url: str, *args: str) -> Result:
    config = tmp_path / "paperbrief.toml"
    if not config.exists():
        config.write_text("", encoding="utf-8")
    base = ["--home", str(tmp_path / "home"), "--config", str(config)]
    return CliRunner().invoke(main, [*base, *args], env={"PAPERBRIEF_DATABASE_URL": store_url})


def _robot_ranks(tmp_path: Path, store_url: str, reader: str, robots: set[str]) -> list[int]:
    result = _cli(tmp_path, store_url, "rank", "--date", DAY2.isoformat(), "--json", "--reader", reader)
    assert result.exit_code == 0, result.output
    return [n for n, item in enumerate(json.loads(result.stdout), 1) if item["arxiv_id"] in robots]


def test_two_readers_with_different_reading_lists_get_different_priors(tmp_path: Path, store_url: str) -> None:
    papers = sorted((p for p in parse_announcement(FEED.read_bytes()).papers if p.abstract), key=lambda p: p.arxiv_id)
    half = len(papers) // 2
    store = Store.open(store_url)
    store.record_announcement(DAY1, papers[:half])
    store.record_announcement(DAY2, papers[half:])
    store.close()
    robots = {p.arxiv_id for p in papers[half:] if _is_robot(p)}
    assert len(robots) >= 3
    (tmp_path / "alice.bib").write_text(ROBOT_BIB, encoding="utf-8")
    (tmp_path / "bob.bib").write_text(LANGUAGE_BIB, encoding="utf-8")
    for reader in ("alice", "bob"):
        imported = _cli(tmp_path, store_url, "profile", "import", str(tmp_path / f"{reader}.bib"), "--reader", reader)
        assert imported.exit_code == 0, imported.output
    shown = _cli(tmp_path, store_url, "profile", "show", "--reader", "alice", "--all")
    assert "Legged Robots" in shown.output and "Scaling Laws" not in shown.output
    alice, bob = (_robot_ranks(tmp_path, store_url, r, robots) for r in ("alice", "bob"))
    assert alice[0] == 1  # alice's prior (robotics papers) puts a robotics paper first
    assert sum(alice) / len(alice) < sum(bob) / len(bob) / 2


def _is_robot(paper: Paper) -> bool:
    return bool(ROBOT.search(paper.title + " " + paper.abstract))


def test_deliver_and_site_act_on_the_readers_own_digest(tmp_path: Path, store_url: str) -> None:
    full = sample_digest(language="en")
    alice, bob = _part(full, 0, 3), _part(full, 3, 6)
    store = Store.open(store_url)
    store.save_digest(alice, "alice")
    store.save_digest(bob, "bob")
    store.close()
    alice_title, bob_title = alice.entries[0].paper.title, bob.entries[0].paper.title
    out = tmp_path / "out"
    with webhook_server() as (port, posts):
        (tmp_path / "paperbrief.toml").write_text(
            'language = "en"\n\n[readers.alice]\ntopics = { "diffusion" = 1.0 }\n'
            f'notify_urls = ["json://127.0.0.1:{port}/alice-hook"]\n\n'
            '[readers.bob]\ntopics = { "language model" = 1.0 }\n'
            f'notify_urls = ["json://127.0.0.1:{port}/bob-hook"]\n',
            encoding="utf-8",
        )
        sent = _cli(tmp_path, store_url, "deliver", "--reader", "alice", "--date", SAMPLE_DATE.isoformat())
        assert sent.exit_code == 0, sent.output
        assert [p.path for p in posts] == ["/alice-hook"]
        message = json.loads(posts[0].body)["message"]
        assert alice_title[:40] in message and bob_title[:40] not in message
        assert _cli(tmp_path, store_url, "deliver", "--reader", "bob").exit_code == 0
        assert [p.path for p in posts] == ["/alice-hook", "/bob-hook"]
        assert bob_title[:40] in json.loads(posts[1].body)["message"]
    site = _cli(tmp_path, store_url, "site", "--out", str(out))
    assert site.exit_code == 0, site.output
    alice_page = (out / "alice" / "site" / f"{SAMPLE_DATE.isoformat()}.html").read_text(encoding="utf-8")
    bob_page = (out / "bob" / "site" / f"{SAMPLE_DATE.isoformat()}.html").read_text(encoding="utf-8")
    assert _escaped(alice_title[:30]) in alice_page and _escaped(bob_title[:30]) not in alice_page
    assert _escaped(bob_title[:30]) in bob_page
    missing = _cli(tmp_path, store_url, "deliver", "--reader", "carol")
    assert missing.exit_code != 0 and "reader carol" in missing.output


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")


def test_explain_reads_the_readers_own_digest(tmp_path: Path, store_url: str) -> None:
    papers = sorted((p for p in parse_announcement(FEED.read_bytes()).papers if p.abstract), key=lambda p: p.arxiv_id)
    target, other = papers[0], papers[1]
    store = Store.open(store_url)
    store.record_announcement(DAY2, papers)
    store.save_digest(Digest(date=DAY2, language="en", entries=[DigestEntry(number=1, paper=target)]), "alice")
    store.save_digest(Digest(date=DAY2, language="en", entries=[DigestEntry(number=1, paper=other)]), "bob")
    store.close()
    lines = {}
    for reader in ("alice", "bob"):
        result = _cli(tmp_path, store_url, "explain", target.arxiv_id, "--date", DAY2.isoformat(), "--reader", reader)
        assert result.exit_code == 0, result.output
        lines[reader] = next(line for line in result.output.splitlines() if line.startswith("stored digest of"))
    assert lines == {
        "alice": f"stored digest of {DAY2}: #1 (it may have been made with other settings)",
        "bob": f"stored digest of {DAY2}: absent (it may have been made with other settings)",
    }
