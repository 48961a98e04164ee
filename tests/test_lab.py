"""Lab mode (issue 12 "Readers"): two readers, one fetch and one LLM summary per paper, two digests and deliveries."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from fakes.llm_server import serve_fake_llm
from fakes.llm_support import FAKE_KEY
from fakes.publish_servers import webhook_server
from paperbrief.cli import main
from paperbrief.store import Store
from paperbrief.store.db import sqlite_url

DAY = "2026-02-04"  # the bundled sample day


def _config(tmp_path: Path, hook_port: int) -> Path:
    config = tmp_path / "paperbrief.toml"
    config.write_text(
        'max_papers = 4\nlanguage = "en"\n\n[select]\nhighlights = false\n\n'
        '[readers.alice]\ntopics = { "diffusion" = 1.0, "image generation" = 1.0 }\n'
        f'notify_urls = ["json://127.0.0.1:{hook_port}/alice-hook"]\n\n'
        '[readers.bob]\ntopics = { "language model" = 1.0, "reasoning" = 1.0 }\n'
        f'notify_urls = ["json://127.0.0.1:{hook_port}/bob-hook"]\n',
        encoding="utf-8",
    )
    return config


def _ids(path: Path) -> list[str]:
    return [e["paper"]["arxiv_id"] for e in json.loads(path.read_text(encoding="utf-8"))["entries"]]


def test_two_readers_share_one_set_of_llm_calls_and_get_their_own_digests_and_deliveries(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with serve_fake_llm() as fake, webhook_server() as (hook_port, posts):
        env = {
            "PAPERBRIEF_LLM_BASE_URL": fake.base_url,
            "PAPERBRIEF_LLM_API_KEY": FAKE_KEY,
            "PAPERBRIEF_LLM_MODEL": "fake-model",
        }
        args = ["--home", str(tmp_path / "home"), "--config", str(_config(tmp_path, hook_port))]
        result = CliRunner().invoke(main, [*args, "run", "--sample", "--out", str(out)], env=env)
        assert result.exit_code == 0, result.output
        alice, bob = _ids(out / f"{DAY}.alice.json"), _ids(out / f"{DAY}.bob.json")
        summarized = [i for r in fake.requests for i in r.paper_ids]
        # One summary per paper: every paper either reader got was summarized exactly once.
        assert sorted(summarized) == sorted(set(alice) | set(bob))
        assert len(alice) == len(bob) == 4 and alice != bob
        assert (out / f"{DAY}.alice.md").exists() and (out / f"{DAY}.bob.md").exists()
        assert not (out / f"{DAY}.md").exists()
        assert (out / "alice" / "site" / f"{DAY}.html").exists() and (out / "bob" / "site" / f"{DAY}.html").exists()
        assert sorted(p.path for p in posts) == ["/alice-hook", "/bob-hook"]
        doc = json.loads((out / f"{DAY}.alice.json").read_text(encoding="utf-8"))
        alice_top = next(e["paper"]["title"] for e in doc["entries"] if e["number"] == 1)
        alice_post = next(json.loads(p.body) for p in posts if p.path == "/alice-hook")
        assert alice_top[:40] in alice_post["message"]
        # Running the day again sends nothing twice (per reader and channel) and pays for nothing.
        calls = fake.count()
        again = CliRunner().invoke(main, [*args, "run", "--sample", "--out", str(out)], env=env)
        assert again.exit_code == 0, again.output
        assert fake.count() == calls
        assert len(posts) == 2
    store = Store(sqlite_url(tmp_path / "home" / "paperbrief.db"))
    channels = sorted(r.channel.split("#")[-1] for r in store.list_deliveries())
    # Each reader's digest is kept in the store (m011), so `deliver --reader` and `site` can act on it later.
    stored = {r: store.load_digest(dt.date.fromisoformat(DAY), reader=r) for r in ("alice", "bob")}
    assert {r: [e.paper.arxiv_id for e in d.entries] if d else None for r, d in stored.items()} == {
        "alice": alice,
        "bob": bob,
    }
    store.close()
    assert channels == ["alice", "bob"]
