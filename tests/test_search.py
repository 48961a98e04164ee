"""Full-text search on both backends: the index follows writes, Chinese queries, filters, m009.

The expected papers of a Chinese query are found independently, by plain substring search over the
reference day's texts (real Chinese summaries); the index must find exactly those.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from fakes.digests import sample_digest
from paperbrief.models import Digest, DigestEntry, Paper, Summary, SummaryStatus
from paperbrief.search import search
from paperbrief.store import Store
from paperbrief.store.migrations import migrate
from paperbrief.store.schema import papers as papers_table
from paperbrief.store.schema import summaries as summaries_table
from paperbrief.store.search import SearchFilter

DAY = dt.date(2026, 2, 4)


def _store_day(store: Store, digest: Digest) -> None:
    store.record_announcement(digest.date, [e.paper for e in digest.entries])
    store.put_summaries([e.summary for e in digest.entries if e.summary is not None])
    store.save_digest(digest)


def _texts(entry: DigestEntry) -> str:
    s = entry.summary
    assert s is not None
    fields = [entry.paper.title, entry.paper.abstract, *entry.paper.authors, *s.keywords]
    fields += [s.tldr or "", s.motivation or "", s.method or "", s.conclusion or ""]
    return "\n".join(fields)


def _ids(store: Store, query: str, **kw: object) -> set[str]:
    return {h.paper.arxiv_id for h in store.search_papers(query, SearchFilter(limit=100, **kw))}  # type: ignore[arg-type]


@pytest.mark.parametrize("query", ["代理", "模型", "经验共享", "大语言模型", "强化学习", "蒸馏"])
def test_chinese_queries_find_exactly_the_papers_whose_chinese_text_has_them(store: Store, query: str) -> None:
    digest = sample_digest("zh")
    _store_day(store, digest)
    expected = {e.paper.arxiv_id for e in digest.entries if query in _texts(e)}
    assert _ids(store, query) == expected


def test_a_two_word_chinese_query_needs_both_and_a_single_character_is_a_prefix(store: Store) -> None:
    digest = sample_digest("zh")
    _store_day(store, digest)
    both = {e.paper.arxiv_id for e in digest.entries if "代理" in _texts(e) and "框架" in _texts(e)}
    assert both and _ids(store, "代理 框架") == both
    one = {e.paper.arxiv_id for e in digest.entries if "蒸" in _texts(e)}
    assert _ids(store, "蒸") == one


def test_the_index_follows_papers_and_summaries_as_they_are_stored(store: Store) -> None:
    paper = Paper(
        arxiv_id="2602.00001", title="Pruning sparse transformers", abstract="We study them.", categories=["cs.LG"]
    )
    store.record_announcement(DAY, [paper])
    assert _ids(store, "pruning") == {"2602.00001"}
    assert _ids(store, "知识蒸馏") == set()
    store.put_summary(
        Summary(arxiv_id="2602.00001", tldr="一种知识蒸馏方法", keywords=["剪枝"], status=SummaryStatus.OK)
    )
    assert _ids(store, "知识蒸馏") == {"2602.00001"}
    assert _ids(store, "剪枝") == {"2602.00001"}
    # A failed summary is not searchable text (it says nothing about the paper).
    store.put_summary(
        Summary(arxiv_id="2602.00001", model="other", tldr="zebra", status=SummaryStatus.FAILED, error="x")
    )
    assert _ids(store, "zebra") == set()
    # A new version replaces the old text: the index holds the newest stored version.
    store.upsert_papers([paper.model_copy(update={"version": 2, "title": "Quantizing sparse transformers"})])
    assert _ids(store, "quantizing") == {"2602.00001"}
    assert _ids(store, "pruning") == set()
    # Updating the same version in place updates its document too.
    store.upsert_papers([paper.model_copy(update={"version": 2, "title": "Distilling sparse transformers"})])
    assert _ids(store, "quantizing") == set()
    assert _ids(store, "distillation") == {"2602.00001"}  # porter stemming: distilling ~ distillation


def test_title_matches_rank_above_abstract_matches_and_authors_are_searchable(store: Store) -> None:
    store.record_announcement(
        DAY,
        [
            Paper(arxiv_id="2602.00001", title="Other things", abstract="A note on diffusion.", authors=["Ada Byron"]),
            Paper(arxiv_id="2602.00002", title="Diffusion models", abstract="About them.", authors=["Alan Turing"]),
        ],
    )
    hits = store.search_papers("diffusion")
    assert [h.paper.arxiv_id for h in hits] == ["2602.00002", "2602.00001"]
    assert hits[0].score > hits[1].score
    assert _ids(store, "Turing") == {"2602.00002"}


def test_filters_by_day_and_category(store: Store) -> None:
    early = Paper(arxiv_id="2602.00001", title="Graph networks one", categories=["cs.LG", "stat.ML"])
    late = Paper(arxiv_id="2602.00002", title="Graph networks two", categories=["cs.CL"])
    store.record_announcement(DAY, [early])
    store.record_announcement(DAY + dt.timedelta(days=1), [late])
    assert _ids(store, "graph") == {"2602.00001", "2602.00002"}
    assert _ids(store, "graph", since=DAY + dt.timedelta(days=1)) == {"2602.00002"}
    assert _ids(store, "graph", until=DAY) == {"2602.00001"}
    assert _ids(store, "graph", category="stat.ML") == {"2602.00001"}
    assert _ids(store, "graph", category="cs") == {"2602.00001", "2602.00002"}
    assert _ids(store, "graph", category="cs.C") == set()
    # A paper's day is the day it was digested when it was: the digest of day 3 carried `early`.
    store.save_digest(Digest(date=DAY + dt.timedelta(days=2), entries=[DigestEntry(number=1, paper=early)]))
    assert _ids(store, "graph", since=DAY + dt.timedelta(days=2)) == {"2602.00001"}
    [hit] = search(store, "graph one")
    assert (hit.date, hit.digests, hit.announced) == (DAY + dt.timedelta(days=2), [DAY + dt.timedelta(days=2)], DAY)
    # The digest of day 3 saved again without it: its day is its announcement day again.
    store.save_digest(Digest(date=DAY + dt.timedelta(days=2), entries=[]))
    assert _ids(store, "graph", since=DAY + dt.timedelta(days=2)) == set()
    assert _ids(store, "graph", until=DAY) == {"2602.00001"}


@pytest.mark.parametrize(
    "query", ['"', '"unclosed', "a OR", "(x", "NOT", "-foo", "title:x", "NEAR(a b)", "x*", "^a", "'; DROP", "🚀"]
)
def test_query_syntax_is_text_never_an_error(store: Store, query: str) -> None:
    store.record_announcement(DAY, [Paper(arxiv_id="2602.00001", title="NOT a title: x OR y (draft)")])
    assert isinstance(store.search_papers(query), list)


def test_phrases_need_adjacent_words(store: Store) -> None:
    store.record_announcement(
        DAY,
        [
            Paper(arxiv_id="2602.00001", title="language model evaluation"),
            Paper(arxiv_id="2602.00002", title="model of a language"),
        ],
    )
    assert _ids(store, "language model") == {"2602.00001", "2602.00002"}
    assert _ids(store, '"language model"') == {"2602.00001"}


def test_the_migration_indexes_papers_stored_before_it(store_url: str) -> None:
    engine = Store(store_url, migrate=False).engine
    migrate(engine, until="m005_run_leases_and_summary_claims")
    now = dt.datetime(2026, 2, 4, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            papers_table.insert().values(
                arxiv_id="2602.00009",
                version=1,
                title="Old paper on retrieval",
                authors=["A"],
                abstract="Stored before search existed.",
                categories=["cs.IR"],
                stored_at=now,
            )
        )
        conn.execute(
            summaries_table.insert().values(
                arxiv_id="2602.00009",
                version=1,
                model="m",
                prompt_version="p",
                language="zh",
                backend="llm",
                tldr="检索增强生成",
                keywords=["检索"],
                tokens_in=0,
                tokens_out=0,
                cost=0.0,
                status="ok",
                created=now,
            )
        )
    engine.dispose()
    store = Store.open(store_url)
    assert "m009_search" in store.applied_migrations()
    assert _ids(store, "retrieval") == {"2602.00009"}
    assert _ids(store, "检索") == {"2602.00009"}
    with store.reading() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM search_docs")).scalar_one() == 1
    store.close()


def test_snippets_mark_matches_stems_and_chinese_words() -> None:
    from paperbrief.search import make_snippet

    assert make_snippet(["Models distill; distillation works."], ["distillation"]) == (
        "Models **distill**; **distillation** works."
    )
    assert make_snippet(["一种知识蒸馏方法，蒸馏很好"], ["蒸馏"]) == "一种知识**蒸馏**方法，**蒸馏**很好"
    long = "word " * 60 + "target " + "tail " * 60
    snippet = make_snippet(["no match here", long], ["target"], width=60)
    assert snippet.startswith("…word ") and snippet.endswith("…") and "**target**" in snippet
    assert make_snippet(["First text.", "Second."], ["absent"]) == "First text."
