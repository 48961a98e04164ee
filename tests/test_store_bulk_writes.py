"""The store's bulk write path (issue 15): the same rows and index, fewer statements, claims where they pay.

The search index is now written from the rows being stored instead of re-read; an index built that
way must equal the one `rebuild_search_index` builds from the tables afterwards (the repair path,
which reads every paper and summary back). Free summarizers skip claims in a `run` but still split a
`backfill --summarize` range between workers.
"""

from __future__ import annotations

import datetime as dt
import threading
import zlib
from collections import Counter
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from fakes.llm_support import reference_papers, synthetic_papers
from paperbrief.models import Digest, DigestEntry, DigestStats, Paper, RunStatus, Summary, SummaryStatus
from paperbrief.store import Store
from paperbrief.store.base import execute_many
from paperbrief.store.schema import digest_archive
from paperbrief.store.schema import summaries as summaries_table
from paperbrief.store.search import SearchFilter
from paperbrief.summarize.base import ResultCallback, Scoring, SummarizeResult
from paperbrief.summarize.extractive import ExtractiveSummarizer
from paperbrief.summarize.stage import ClaimOptions, summarize_as_run, summarize_entries

DAY = dt.date(2026, 2, 4)
WHEN = dt.datetime(2026, 2, 4, 12, 30, tzinfo=dt.UTC)


def _summary(paper: Paper, **changes: Any) -> Summary:
    fields: dict[str, Any] = {
        "arxiv_id": paper.arxiv_id,
        "version": paper.version,
        "tldr": f"一种知识蒸馏方法 for {paper.arxiv_id}",
        "motivation": "代理框架 motivation",
        "method": "method text",
        "conclusion": "conclusion text",
        "keywords": ["剪枝", "agents"],
        "model": "m1",
        "prompt_version": "p1",
        "language": "zh",
        "backend": "llm",
        "status": SummaryStatus.OK,
        "created": WHEN,
    }
    fields.update(changes)
    return Summary(**fields)


def _index(store: Store) -> list[tuple[Any, ...]]:
    """Every search document as stored (SQLite: its FTS5 row too; PostgreSQL: the tsvector as text)."""
    if store.dialect == "postgresql":
        sql = "SELECT arxiv_id, version, categories, day, document::text FROM search_docs ORDER BY arxiv_id"
    else:
        sql = (
            "SELECT d.doc_id, d.arxiv_id, d.version, d.categories, d.day, f.title, f.authors, f.abstract,"
            " f.summary, f.keywords FROM search_docs d JOIN search_fts f ON f.rowid = d.doc_id ORDER BY d.arxiv_id"
        )
    with store.reading() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def _hits(store: Store, query: str) -> list[tuple[str, int]]:
    return [(h.paper.arxiv_id, h.paper.version) for h in store.search_papers(query, SearchFilter(limit=200))]


def test_the_index_written_from_the_rows_equals_the_index_rebuilt_from_the_tables(store: Store) -> None:
    extra = [
        Paper(
            arxiv_id=f"2601.{90000 + i}",
            title=f"Agents number {i}",
            abstract="我们提出一种方法。",
            categories=["cs.CL"],
        )
        for i in range(10)
    ]
    papers = [*reference_papers(30), *extra]
    store.record_announcement(DAY, papers[:30])
    store.put_summaries([_summary(p) for p in papers[:20]])  # one burst
    store.put_summaries([_summary(p, model="m2", language="en", tldr="second model") for p in papers[:5]])
    store.put_summaries([_summary(p, status=SummaryStatus.FAILED, tldr="zebra", error="x") for p in papers[20:25]])
    orphan = papers[35]
    store.put_summary(_summary(orphan, tldr="stored before its paper"))  # no document yet
    newer = [p.model_copy(update={"version": p.version + 1, "title": p.title + " 修订版"}) for p in papers[10:14]]
    store.upsert_papers(newer)  # the documents switch to the new versions (their summaries were of the old)
    store.put_summaries([_summary(p, model="m3") for p in newer[:2]])
    store.put_summaries([_summary(p, model="m4", tldr="an old version's answer") for p in papers[12:14]])
    store.upsert_papers([papers[10].model_copy(update={"title": "older version rewritten"})])  # newer stays
    store.upsert_papers([orphan])  # its document carries the summary stored before
    changed = [p.model_copy(update={"abstract": p.abstract + " extra words"}) for p in papers[25:30]]
    store.record_announcement(DAY + dt.timedelta(days=1), [*papers[20:25], *changed, *papers[30:35]])
    store.put_summaries([_summary(p) for p in papers[:3]])  # the same answers again: nothing changes
    store.put_summaries([_summary(p, status=SummaryStatus.FAILED, error="x") for p in papers[:3]])  # ignored
    queries = ["知识蒸馏", "second model", "修订版", "older version rewritten", "an old version's answer",
               "stored before its paper", "extra words", "zebra", "agents", "剪"]  # fmt: skip
    written, found = _index(store), {q: _hits(store, q) for q in queries}

    store.rebuild_search_index()

    assert _index(store) == written
    assert {q: _hits(store, q) for q in queries} == found
    assert found["zebra"] == [] and found["older version rewritten"] == [] and found["an old version's answer"] == []
    assert found["stored before its paper"] == [(orphan.arxiv_id, orphan.version)]
    assert set(found["修订版"]) == {(p.arxiv_id, p.version) for p in newer}
    assert set(found["second model"]) == {(p.arxiv_id, p.version) for p in papers[:5] if p not in papers[10:14]}


def test_execute_many_stores_exactly_what_sqlalchemy_stores(store: Store) -> None:
    base = _summary(Paper(arxiv_id="2602.00001", title="t", abstract="a"), tldr="表情 🚀 $\\alpha$", cost=0.25)
    rows: list[dict[str, Any]] = []
    for model in ("via-execute", "via-execute-many"):
        row = {c.name: getattr(base, c.name, None) for c in summaries_table.columns}
        row.update(model=model, status="ok", keywords=["知识", "emoji 🚀"], unsupported_numbers=[], error=None)
        rows.append(row)
    with store.transaction() as conn:
        conn.execute(summaries_table.insert(), [rows[0]])
        execute_many(conn, summaries_table.insert(), [rows[1]])
    with store.reading() as conn:  # the raw stored values, as the driver hands them back
        stored = [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM summaries ORDER BY model")]
    model_at = [c.name for c in summaries_table.columns].index("model")
    assert [r[:model_at] + r[model_at + 1 :] for r in stored[:1]] == [
        r[:model_at] + r[model_at + 1 :] for r in stored[1:]
    ]
    assert len(stored) == 2


def test_a_digest_of_several_compression_groups_round_trips_and_old_bodies_still_load(store: Store) -> None:
    papers = synthetic_papers(600)
    entries = [DigestEntry(number=i + 1, paper=p, summary=_summary(p)) for i, p in enumerate(papers)]
    digest = Digest(date=DAY, entries=entries, stats=DigestStats(selected=600), highlights="- **主题** [1]")
    store.save_digest(digest)
    assert store.load_digest(DAY) == digest
    # A body written by an earlier version (one zlib stream at level 6, entries first) reads the same.
    old_body = zlib.compress(digest.model_dump_json().encode("utf-8"), 6)
    with store.transaction() as conn:
        conn.execute(digest_archive.update().values(body_z=old_body))
    assert store.load_digest(DAY) == digest


class _CountingExtractive:
    """The extractive backend, counting the papers it is asked for; `barrier`: wait there on the first call."""

    def __init__(self, asked: Counter[str], barrier: threading.Barrier | None = None) -> None:
        self._inner = ExtractiveSummarizer()
        self.asked = asked
        self.barrier = barrier
        self.backend, self.model = self._inner.backend, self._inner.model
        self.prompt_version, self.language = self._inner.prompt_version, self._inner.language
        self.scoring: Scoring = self._inner.scoring
        self.free = True

    def summarize(self, papers: Sequence[Paper], on_result: ResultCallback | None = None) -> SummarizeResult:
        self.asked.update(p.arxiv_id for p in papers)
        if self.barrier is not None and papers:
            barrier, self.barrier = self.barrier, None
            barrier.wait(timeout=30)  # both workers hold papers at once
        return self._inner.summarize(papers, on_result)

    def highlights(self, entries: Sequence[DigestEntry], store: Store | None = None, *, refresh: bool = False) -> None:
        return None


def _scope() -> dict[str, str]:
    inner = ExtractiveSummarizer()
    return {"model": inner.model, "prompt_version": inner.prompt_version, "language": inner.language}


def test_a_run_with_a_free_backend_takes_no_claims_and_does_not_wait_for_other_runs(store: Store) -> None:
    papers = synthetic_papers(12)
    keys = sorted((p.arxiv_id, p.version) for p in papers)
    other = store.start_run(DAY, source="test", summarizer="llm")  # alive: this very process
    assert store.claim_summaries(other, keys[:4], **_scope()) == keys[:4]
    mine = store.start_run(DAY, source="test", summarizer="extractive")
    asked: Counter[str] = Counter()
    stage = summarize_entries(
        store, _CountingExtractive(asked), papers, run_id=mine, claims=ClaimOptions(batch=4, wait_seconds=30.0)
    )
    assert asked == Counter(p.arxiv_id for p in papers)  # the held four too: they cost nothing
    assert {s.status for s in stage.summaries.values()} == {SummaryStatus.EXTRACTIVE} and stage.from_others == 0
    assert {(c.arxiv_id, c.version) for c in store.list_claims() if c.run_id == mine} == set()


def test_backfill_workers_with_a_free_backend_still_split_the_papers(store_url: str) -> None:
    papers = synthetic_papers(1500)  # more than one batch of a free backend
    setup = Store.open(store_url)
    setup.record_announcement(DAY, papers)
    setup.close()
    barrier = threading.Barrier(2)
    asked: list[Counter[str]] = [Counter(), Counter()]
    results: list[Any] = []

    def worker(index: int) -> None:
        store = Store.open(store_url)
        try:
            results.append(
                summarize_as_run(
                    store,
                    papers,
                    lambda _run_id: _CountingExtractive(asked[index], barrier),
                    date=DAY,
                    source="backfill",
                    summarizer_name="extractive",
                    claims=ClaimOptions(batch=16, poll_seconds=0.05, window_seconds=0.2),
                )
            )
        finally:
            store.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert asked[0] + asked[1] == Counter(p.arxiv_id for p in papers)  # each paper once, by one worker
    assert all(asked)  # both worked (they met at the barrier, each holding papers)
    assert [r.status for r in results] == [RunStatus.OK, RunStatus.OK]
    assert all(r.summarized == 1500 for r in results)


def test_a_backfill_worker_with_a_free_backend_leaves_papers_another_live_run_holds(store: Store) -> None:
    papers = synthetic_papers(10)
    keys = sorted((p.arxiv_id, p.version) for p in papers)
    other = store.start_run(DAY, source="test", summarizer="extractive")  # alive, never answers
    assert store.claim_summaries(other, keys[:3], **_scope()) == keys[:3]
    asked: Counter[str] = Counter()
    outcome = summarize_as_run(
        store,
        papers,
        lambda _run_id: _CountingExtractive(asked),
        date=DAY,
        source="backfill",
        summarizer_name="extractive",
        claims=ClaimOptions(wait_seconds=0.3, poll_seconds=0.05, window_seconds=0.1),
    )
    assert asked == Counter(a for a, _ in keys[3:])
    assert outcome.status is RunStatus.PARTIAL and outcome.failed == 3
    assert store.get_summaries(keys[:3], **_scope()) == {}
