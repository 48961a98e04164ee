"""Write tests/data/store/as_of_m00N.sql: SQLite databases made by the store code *as released*.

The store at commit ca8afa1 (migrations m001–m003, digests as a JSON table) is loaded from git
history, migrated up to m001, m002 or m003 and filled with a sample day through its own methods;
each database is dumped as SQL. tests/test_store_migrations.py upgrades them with today's code.
Run once from the repository root: `.venv/bin/python scripts/make_historic_stores.py`.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from paperbrief.models import DeliveryStatus, Digest, DigestEntry, RunStatus, Summary
from paperbrief.sources.sample import load_sample_day

RELEASE = "ca8afa1"
OUT = Path("tests/data/store")
CREATED = dt.datetime(2026, 2, 4, 12, 0, tzinfo=dt.UTC)


def _old_store_module(tmp: Path) -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{RELEASE}:src/paperbrief/store/db.py"], check=True, capture_output=True, text=True
    ).stdout
    path = tmp / "old_store_db.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_store_db", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_store_db"] = module
    spec.loader.exec_module(module)
    return module


def _fill(old: ModuleType, url: str, upto: int) -> None:
    store = old.Store(url, migrate=False)
    with store.engine.begin() as conn:
        old._migrations_table.create(conn)
        for name, step in old.MIGRATIONS[:upto]:
            step(conn)
            conn.execute(old._migrations_table.insert().values(name=name, applied=CREATED))
    date, papers = load_sample_day()
    store.record_announcement(date, papers[:5])
    summary = Summary(
        arxiv_id=papers[0].arxiv_id,
        version=papers[0].version,
        tldr="一句话 🚀 $\\alpha$",
        keywords=["k"],
        score=80,
        model="m",
        prompt_version="p1",
        language="zh",
        backend="llm",
        created=CREATED,
    )
    store.put_summary(summary)
    store.log_llm_call(
        paper_ids=[papers[0].arxiv_id], model="m", prompt_version="p1", prompt="prompt", response="{}", status="ok"
    )
    run_id = store.start_run(date, source="sample", summarizer="llm")
    store.finish_run(run_id, RunStatus.OK, stats={"papers": 5})
    store.record_delivery(date, "email", DeliveryStatus.SENT)
    entries = [
        DigestEntry(number=i + 1, paper=p, summary=summary if i == 0 else None) for i, p in enumerate(papers[:3])
    ]
    store.save_digest(Digest(date=date, entries=entries, highlights="- 今日 [1]"))
    if upto >= 2:
        store.put_artifact("highlights", "k", {"text": "今日看点"})
        store.add_reading_items(
            [{"item_id": "arxiv:1", "source": "bibtex", "title": "T", "text": "x", "arxiv_id": "1706.03762"}]
        )
        store.set_state("oai:token", "abc")
    store.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        old = _old_store_module(tmp)
        for upto in (1, 2, 3):
            db = tmp / f"m{upto}.db"
            _fill(old, f"sqlite:///{db}", upto)
            with sqlite3.connect(db) as conn:
                dump = "\n".join(line for line in conn.iterdump() if not line.startswith("PRAGMA")) + "\n"
            (OUT / f"as_of_m00{upto}.sql").write_text(dump, encoding="utf-8")
            print(f"wrote {OUT / f'as_of_m00{upto}.sql'}")


if __name__ == "__main__":
    main()
